/* credentials: the container / instance-metadata answer parser
 * (lw_creds_parse_json): good answers, missing fields, bad expirations,
 * a Code other than Success, and error messages that never carry a value.
 * And the environment / shared-files part of the chain (lw_creds_resolve)
 * against botocore's behaviour: a named profile that does not exist ends
 * the chain (-1); role_arn / source_profile / credential_source chains,
 * web identity, SSO and credential_process become botocore's plan, and
 * what botocore refuses (loops, missing sources) is refused;
 * the environment's keys win over AWS_PROFILE but not over a profile named
 * in the configuration; what botocore reads from the files (long session
 * tokens, `key: value`, comments) is read the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/credentials.h"

#define AK "ASIAQ3EGTJ7K5LMN2PXZ"
#define SK "Zq8v/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R"
#define TOK "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"

static int parse(const char *json, lw_aws_creds *c, char *err, size_t n)
{
    err[0] = '\0';
    return lw_creds_parse_json(json, strlen(json), c, err, n);
}

static bool all_zero(const lw_aws_creds *c)
{
    const unsigned char *p = (const unsigned char *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        if (p[i])
            return false;
    return true;
}

static void imds_answer(void **st)
{
    (void)st;
    const char *js = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-03-08T14:00:00Z\",\n"
                     "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" AK "\",\n"
                     "  \"SecretAccessKey\" : \"" SK "\",\n  \"Token\" : \"" TOK "\",\n"
                     "  \"Expiration\" : \"2026-03-08T20:24:26Z\"\n}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), 0);
    assert_string_equal(c.access_key, AK);
    assert_string_equal(c.secret_key, SK);
    assert_string_equal(c.session_token, TOK);
    assert_int_equal(c.expires_ms, 1773001466000LL); /* 2026-03-08T20:24:26Z */
}

static void container_answer(void **st)
{
    (void)st;
    /* No Code; AccountId present (newer agents); an escaped slash in the secret;
     * fractional seconds and an offset in Expiration. */
    const char *js = "{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\",\"AccessKeyId\":\"" AK "\","
                     "\"SecretAccessKey\":\"Zq8v\\/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R\",\"Token\":\"" TOK "\","
                     "\"Expiration\":\"2026-03-08T21:24:26.500+01:00\",\"AccountId\":\"123456789012\"}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), 0);
    assert_string_equal(c.secret_key, SK);
    assert_int_equal(c.expires_ms, 1773001466500LL);
}

static void missing_fields(void **st)
{
    (void)st;
    static const char *fields[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
    static const char *values[] = {AK, SK, TOK, "2026-03-08T20:24:26Z"};
    for (int skip = 0; skip < 4; skip++) {
        char js[1024] = "{";
        for (int i = 0; i < 4; i++) {
            if (i == skip)
                continue;
            size_t l = strlen(js);
            snprintf(js + l, sizeof js - l, "%s\"%s\":\"%s\"", l > 1 ? "," : "", fields[i], values[i]);
        }
        strcat(js, "}");
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(js, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, fields[skip]));
        assert_true(all_zero(&c));
        assert_null(strstr(err, AK));
        assert_null(strstr(err, SK));
        assert_null(strstr(err, TOK));
    }
    /* Present but empty, or not a string. */
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse("{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "AccessKeyId"));
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":42,\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "SecretAccessKey"));
    /* An escaped NUL would silently cut the secret (found by fuzz_creds). */
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"\\u0000et\",\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "SecretAccessKey"));
    assert_true(all_zero(&c));
}

static void bad_expiration(void **st)
{
    (void)st;
    static const char *bad[] = {"tomorrow", "2026-13-08T20:24:26Z", "2026-03-08T20:24:26Z junk", "", "1772997866",
                                "2026-03-08T25:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char js[1024];
        snprintf(js, sizeof js,
                 "{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                 "\",\"Expiration\":\"%s\"}",
                 bad[i]);
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(js, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "Expiration"));
        assert_true(all_zero(&c));
    }
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                           "\",\"Expiration\":1772997866}",
                           &c, err, sizeof err),
                     -1);
}

static void code_not_success(void **st)
{
    (void)st;
    const char *js = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume the role\","
                     "\"LastUpdated\":\"2026-03-08T14:00:00Z\"}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
    /* Even with credentials alongside, a failed Code wins. */
    assert_int_equal(parse("{\"Code\":\"Failed\",\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK
                           "\",\"Token\":\"" TOK "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_true(all_zero(&c));
    /* A Code that is not a string, or odd characters in it, is not echoed raw. */
    assert_int_equal(parse("{\"Code\":\"a\\\"b<script>\"}", &c, err, sizeof err), -1);
    assert_null(strstr(err, "<script>"));
    assert_int_equal(parse("{\"Code\":7}", &c, err, sizeof err), -1);
}

static void not_json(void **st)
{
    (void)st;
    static const char *bad[] = {"", "not json", "[1,2]", "\"AccessKeyId\"", "{\"AccessKeyId\":", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(bad[i], &c, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_true(all_zero(&c));
    }
    lw_aws_creds c;
    char err[64];
    assert_int_equal(lw_creds_parse_json(NULL, 0, &c, err, sizeof err), -1);
}

static void too_long(void **st)
{
    (void)st;
    size_t n = 10000;
    char *big = malloc(n + 512);
    char *tok = malloc(n);
    memset(tok, 'A', n - 1);
    tok[n - 1] = '\0';
    snprintf(big, n + 512,
             "{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"%s\","
             "\"Expiration\":\"2026-03-08T20:24:26Z\"}",
             tok);
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(big, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "Token"));
    assert_non_null(strstr(err, "too long"));
    free(big);
    free(tok);
}

/* --- lw_creds_resolve ------------------------------------------------------ */

static char dir[64], cfg_path[128], cred_path[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A clean environment with these two files (NULL: the file is absent). */
static void files(const char *config, const char *credentials)
{
    static const char *vars[] = {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                 "AWS_SECURITY_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
                                 "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/lw-creds-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(cfg_path, sizeof cfg_path, "%s/config", dir);
        snprintf(cred_path, sizeof cred_path, "%s/credentials", dir);
    }
    unlink(cfg_path);
    unlink(cred_path);
    if (config)
        write_file(cfg_path, config);
    if (credentials)
        write_file(cred_path, credentials);
    setenv("AWS_CONFIG_FILE", cfg_path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    setenv("HOME", dir, 1);
}

static void env_keys(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value", 1);
}

static int resolve(const char *profile, lw_aws_creds *c, char *src, char *err)
{
    src[0] = err[0] = '\0';
    return lw_creds_resolve(profile, c, src, 300, err, 1600);
}

static const char both[] = "[default]\nregion = eu-west-1\n\n[profile dev]\naws_access_key_id = AKIACONFIGDEV0000001\n"
                           "aws_secret_access_key = config-dev-secret\n";
static const char creds_dev[] = "[dev]\naws_access_key_id = AKIACREDSDEV00000001\naws_secret_access_key = creds-dev-secret\n"
                                "aws_session_token = creds-dev-token\n";

static void named_profile_missing_is_an_error(void **st)
{
    (void)st;
    lw_aws_creds c;
    char src[300], err[1600];
    files(both, creds_dev);
    env_keys(); /* present, and still not used in the missing profile's place */
    assert_int_equal(resolve("nope", &c, src, err), -1);
    assert_non_null(strstr(err, "'nope'"));
    assert_non_null(strstr(err, cfg_path));
    assert_non_null(strstr(err, cred_path));
    assert_non_null(strstr(err, "--profile or [aws] profile"));
    assert_true(all_zero(&c));
    assert_null(strstr(err, "env-secret"));
    /* AWS_PROFILE names a profile just as well (botocore raises
     * ProfileNotFound for it too), keys in the environment or not. */
    setenv("AWS_PROFILE", "nope", 1);
    assert_int_equal(resolve(NULL, &c, src, err), -1);
    assert_non_null(strstr(err, "'nope'"));
    assert_non_null(strstr(err, "AWS_PROFILE"));
    assert_true(all_zero(&c));
    /* No files at all: the same. */
    files(NULL, NULL);
    assert_int_equal(resolve("nope", &c, src, err), -1);
    assert_non_null(strstr(err, "'nope'"));
    /* Not named: the default profile may be absent, the chain goes on. */
    assert_int_equal(resolve(NULL, &c, src, err), 1);
}

static void precedence(void **st)
{
    (void)st;
    lw_aws_creds c;
    char src[300], err[1600];
    files(both, creds_dev);
    env_keys();
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    /* Nothing named: the environment first. */
    assert_int_equal(resolve(NULL, &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIAENVIRONMENT00001");
    assert_string_equal(c.session_token, "env-token");
    assert_string_equal(src, "environment");
    /* AWS_PROFILE of a profile that exists: the environment's keys still win
     * (botocore's create_credential_resolver keeps its EnvProvider then). */
    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(resolve(NULL, &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIAENVIRONMENT00001");
    /* A profile named in the configuration skips the environment; the
     * credentials file's keys come before the config file's. */
    assert_int_equal(resolve("dev", &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIACREDSDEV00000001");
    assert_string_equal(c.secret_key, "creds-dev-secret");
    assert_string_equal(c.session_token, "creds-dev-token");
    assert_string_equal(src, "shared files (profile dev)");
    /* ...and the config file's keys when the credentials file has none. */
    files(both, NULL);
    env_keys();
    assert_int_equal(resolve("dev", &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIACONFIGDEV0000001");
    assert_string_equal(c.session_token, "");
    /* The default profile exists but has no keys: on to the container and
     * instance metadata, as botocore goes on (also when named). */
    files(both, NULL);
    assert_int_equal(resolve(NULL, &c, src, err), 1);
    assert_int_equal(resolve("default", &c, src, err), 1);
    assert_true(all_zero(&c));
}

static void profile_present_without_keys(void **st)
{
    (void)st;
    lw_aws_creds c;
    char src[300], err[1600];
    /* An empty section exists (botocore lists it), in either file. */
    files("[profile empty]\n", "[alsoempty]\n");
    assert_int_equal(resolve("empty", &c, src, err), 1);
    assert_int_equal(resolve("alsoempty", &c, src, err), 1);
    /* In the config file a profile is [profile NAME]: a bare [NAME] is not one. */
    files("[bare]\naws_access_key_id = AKIABARE000000000001\naws_secret_access_key = s\n", NULL);
    assert_int_equal(resolve("bare", &c, src, err), -1);
    /* [profile default] is the default profile too. */
    files("[profile default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = s\n", NULL);
    assert_int_equal(resolve("default", &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIADEFAULT000000001");
}

static int plan(const char *profile, lw_creds_plan *pl, char *err)
{
    err[0] = '\0';
    return lw_creds_plan_resolve(profile, pl, err, 1600);
}

#define ROLE_A "arn:aws:iam::111111111111:role/a"
#define ROLE_B "arn:aws:iam::222222222222:role/b"

/* Each kind of profile becomes botocore's plan: its base and the roles on
 * top of it, in botocore's order. */
static void plans_as_botocore(void **st)
{
    (void)st;
    lw_creds_plan pl;
    char err[1600];
    /* role_arn + source_profile with static keys; the hop's settings. */
    files("[profile x]\nrole_arn = " ROLE_A "\nsource_profile = dev\nexternal_id = ext-1\nrole_session_name = s1\n"
          "duration_seconds = 1800\n",
          creds_dev);
    env_keys(); /* a named profile skips them */
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_STATIC);
    assert_string_equal(pl.keys.access_key, "AKIACREDSDEV00000001");
    assert_int_equal(pl.nhops, 1);
    assert_string_equal(pl.hops[0].role_arn, ROLE_A);
    assert_string_equal(pl.hops[0].external_id, "ext-1");
    assert_string_equal(pl.hops[0].session_name, "s1");
    assert_int_equal(pl.hops[0].duration_s, 1800);
    assert_string_equal(pl.hop_profile[0], "x");
    /* A chain: y -> x -> dev, the innermost role first. */
    files("[profile x]\nrole_arn = " ROLE_A "\nsource_profile = dev\n[profile y]\nrole_arn = " ROLE_B
          "\nsource_profile = x\n",
          creds_dev);
    assert_int_equal(plan("y", &pl, err), 0);
    assert_int_equal(pl.nhops, 2);
    assert_string_equal(pl.hops[0].role_arn, ROLE_A);
    assert_string_equal(pl.hops[1].role_arn, ROLE_B);
    /* A profile naming itself uses its own static keys (botocore allows it). */
    files("[profile x]\nrole_arn = " ROLE_A "\nsource_profile = x\n",
          "[x]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = static-secret\n");
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_STATIC);
    assert_string_equal(pl.keys.access_key, "AKIASTATIC0000000001");
    assert_int_equal(pl.nhops, 1);
    /* credential_source. */
    files("[profile x]\nrole_arn = " ROLE_A "\ncredential_source = Ec2InstanceMetadata\n", NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_IMDS);
    files("[profile x]\nrole_arn = " ROLE_A "\ncredential_source = EcsContainer\n", NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_CONTAINER);
    files("[profile x]\nrole_arn = " ROLE_A "\ncredential_source = Environment\n", NULL);
    env_keys();
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_STATIC);
    assert_string_equal(pl.keys.access_key, "AKIAENVIRONMENT00001");
    /* The source profile's own web identity / process / SSO are its source. */
    files("[profile x]\nrole_arn = " ROLE_A "\nsource_profile = p\n[profile p]\ncredential_process = /bin/get 'a b'\n",
          NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_PROCESS);
    assert_string_equal(pl.process, "/bin/get 'a b'");
    assert_int_equal(pl.nhops, 1);
    /* Web identity in a profile: role_arn is its role, not a hop. */
    files("[profile x]\nrole_arn = " ROLE_A "\nweb_identity_token_file = /t\nrole_session_name = pod\n", NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_WEB_IDENTITY);
    assert_string_equal(pl.web_token_file, "/t");
    assert_string_equal(pl.web_role.role_arn, ROLE_A);
    assert_string_equal(pl.web_role.session_name, "pod");
    assert_int_equal(pl.nhops, 0);
    /* SSO, with an sso-session section and legacy. */
    files("[profile x]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Audit\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
          NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_SSO);
    assert_string_equal(pl.sso_start_url, "https://corp.awsapps.com/start");
    assert_string_equal(pl.sso_region, "eu-west-1");
    assert_string_equal(pl.sso_cache_key, "corp");
    assert_string_equal(pl.sso_role_name, "Audit");
    files("[profile x]\nsso_start_url = https://l.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\n"
          "sso_role_name = R\n",
          NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_string_equal(pl.sso_cache_key, "https://l.awsapps.com/start");
    /* credential_process comes after the credentials file's keys... */
    files("[profile x]\ncredential_process = /usr/bin/get-creds\n",
          "[x]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = static-secret\n");
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_STATIC);
    /* ...and before the config file's. */
    files("[profile x]\ncredential_process = /usr/bin/get-creds\naws_access_key_id = AKIACONF000000000001\n"
          "aws_secret_access_key = s\n",
          NULL);
    assert_int_equal(plan("x", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_PROCESS);
    /* Web identity from the environment (EKS IRSA), nothing named; the
     * environment's keys come first; a named profile ignores the variables. */
    files(NULL, NULL);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token", 1);
    setenv("AWS_ROLE_ARN", ROLE_B, 1);
    setenv("AWS_ROLE_SESSION_NAME", "irsa", 1);
    assert_int_equal(plan(NULL, &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_WEB_IDENTITY);
    assert_string_equal(pl.web_role.role_arn, ROLE_B);
    assert_string_equal(pl.web_role.session_name, "irsa");
    unsetenv("AWS_ROLE_ARN");
    assert_int_equal(plan(NULL, &pl, err), -1);
    assert_non_null(strstr(err, "AWS_ROLE_ARN"));
    files("[profile q]\nregion = eu-west-1\n", NULL);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token", 1);
    assert_int_equal(plan("q", &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_CHAIN_REST);
    env_keys();
    assert_int_equal(plan(NULL, &pl, err), 0);
    assert_int_equal(pl.base, LW_CREDS_STATIC);
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    lw_creds_plan_wipe(&pl);
}

/* What botocore refuses, refused the same, naming profile and setting and
 * never a secret; nothing else is tried in its place. */
static void plan_errors(void **st)
{
    (void)st;
    static const struct {
        const char *config, *credentials, *must1, *must2;
    } cases[] = {
        {"[profile x]\nrole_arn = " ROLE_A "\n", NULL, "'x'", "neither source_profile nor credential_source"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = dev\ncredential_source = Environment\n", creds_dev,
         "'x'", "both"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = nope\n", NULL, "'nope'", "does not exist"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = y\n[profile y]\nrole_arn = " ROLE_B
         "\nsource_profile = x\n",
         NULL, "loop", "x -> y -> x"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = x\n", NULL, "loop", "x"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = e\n[profile e]\nregion = eu-west-1\n", NULL, "'e'",
         "no credentials"},
        {"[profile x]\nrole_arn = " ROLE_A "\ncredential_source = Laptop\n", NULL, "'Laptop'", "Environment"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = dev\nduration_seconds = soon\n", creds_dev, "'x'",
         "duration_seconds"},
        {"[profile x]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n", NULL, "'corp'", "sso-session"},
        {"[profile x]\nsso_start_url = https://l.awsapps.com/start\nsso_account_id = 1\nsso_role_name = R\n", NULL,
         "'x'", "sso_region"},
        {"[profile x]\nweb_identity_token_file = /t\n", NULL, "web_identity_token_file", "role_arn"},
        {"[profile x]\nrole_arn = " ROLE_A "\nsource_profile = p\n", "[p]\naws_access_key_id = AKIAPART\n", "'p'",
         "aws_secret_access_key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lw_creds_plan pl;
        char err[1600];
        files(cases[i].config, cases[i].credentials);
        env_keys();
        assert_int_equal(plan("x", &pl, err), -1);
        if (!strstr(err, cases[i].must1) || !strstr(err, cases[i].must2))
            fail_msg("case %zu: %s", i, err);
        assert_null(strstr(err, "-secret"));
        assert_true(all_zero(&pl.keys));
    }
    /* The default profile, unnamed, is held to the same. */
    lw_creds_plan pl;
    char err[1600];
    files("[default]\nrole_arn = " ROLE_A "\nsource_profile = nope\n", NULL);
    assert_int_equal(plan(NULL, &pl, err), -1);
    assert_non_null(strstr(err, "'default'"));
}

static void shell_split_as_shlex(void **st)
{
    (void)st;
    char buf[512], *argv[16];
    /* the expected words are what python3 -c 'import shlex; print(shlex.split(...))' gives */
    assert_int_equal(lw_shell_split("/usr/bin/get-creds --profile 'my prof' \"a \\\"q\\\" b\" c\\ d e''f", buf,
                                    sizeof buf, argv, 16),
                     6);
    assert_string_equal(argv[0], "/usr/bin/get-creds");
    assert_string_equal(argv[1], "--profile");
    assert_string_equal(argv[2], "my prof");
    assert_string_equal(argv[3], "a \"q\" b");
    assert_string_equal(argv[4], "c d");
    assert_string_equal(argv[5], "ef");
    assert_null(argv[6]);
    assert_int_equal(lw_shell_split("\"a\\nb\" 'x\\y'", buf, sizeof buf, argv, 16), 2);
    assert_string_equal(argv[0], "a\\nb");
    assert_string_equal(argv[1], "x\\y");
    assert_int_equal(lw_shell_split("cmd 'open", buf, sizeof buf, argv, 16), -1);
    assert_int_equal(lw_shell_split("cmd \"open", buf, sizeof buf, argv, 16), -1);
    assert_int_equal(lw_shell_split("cmd \\", buf, sizeof buf, argv, 16), -1);
    assert_int_equal(lw_shell_split("   ", buf, sizeof buf, argv, 16), 0);
    assert_int_equal(lw_shell_split("a b c d", buf, sizeof buf, argv, 3), -1);
}

static void process_and_sso_json(void **st)
{
    (void)st;
    lw_aws_creds c;
    char err[300];
    const char *ok = "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"s\", \"SessionToken\": "
                     "\"t\", \"Expiration\": \"2030-01-01T00:00:00Z\"}";
    assert_int_equal(lw_creds_parse_process_json(ok, strlen(ok), &c, err, sizeof err), 0);
    assert_string_equal(c.access_key, "ASIAPROC");
    assert_int_equal(c.expires_ms, 1893456000000LL);
    const char *longterm = "{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"s\"}";
    assert_int_equal(lw_creds_parse_process_json(longterm, strlen(longterm), &c, err, sizeof err), 0);
    assert_int_equal(c.expires_ms, 0);
    assert_string_equal(c.session_token, "");
    const char *v2 = "{\"Version\": 2, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"s\"}";
    assert_int_equal(lw_creds_parse_process_json(v2, strlen(v2), &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "Version"));
    assert_true(all_zero(&c));
    const char *nosecret = "{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\"}";
    assert_int_equal(lw_creds_parse_process_json(nosecret, strlen(nosecret), &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "SecretAccessKey"));
    const char *sso = "{\"roleCredentials\": {\"accessKeyId\": \"ASIASSO\", \"secretAccessKey\": \"s\", "
                      "\"sessionToken\": \"t\", \"expiration\": 1893456000000}}";
    assert_int_equal(lw_creds_parse_sso_json(sso, strlen(sso), &c, err, sizeof err), 0);
    assert_string_equal(c.access_key, "ASIASSO");
    assert_int_equal(c.expires_ms, 1893456000000LL);
    const char *sso_bad = "{\"roleCredentials\": {\"accessKeyId\": \"ASIASSO\", \"secretAccessKey\": \"s\", "
                          "\"sessionToken\": \"t\", \"expiration\": \"soon\"}}";
    assert_int_equal(lw_creds_parse_sso_json(sso_bad, strlen(sso_bad), &c, err, sizeof err), -1);
    assert_true(all_zero(&c));
    char tok[64];
    int64_t exp;
    const char *cache = "{\"startUrl\": \"https://x\", \"region\": \"eu-west-1\", \"accessToken\": \"bearer1\", "
                        "\"expiresAt\": \"2030-01-01T00:00:00Z\"}";
    assert_int_equal(lw_creds_parse_sso_token(cache, strlen(cache), tok, sizeof tok, &exp, err, sizeof err), 0);
    assert_string_equal(tok, "bearer1");
    assert_int_equal(exp, 1893456000000LL);
}

static void partial_keys(void **st)
{
    (void)st;
    lw_aws_creds c;
    char src[300], err[1600];
    files(NULL, "[p]\naws_access_key_id = AKIAPARTIAL000000001\n");
    assert_int_equal(resolve("p", &c, src, err), -1);
    assert_non_null(strstr(err, "aws_secret_access_key"));
    assert_non_null(strstr(err, cred_path));
    assert_null(strstr(err, "AKIAPARTIAL"));
    files(NULL, NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001", 1);
    assert_int_equal(resolve(NULL, &c, src, err), -1);
    assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
    /* A secret alone is not a credential: ignored, as botocore ignores it. */
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_SECRET_ACCESS_KEY", "lonely", 1);
    assert_int_equal(resolve(NULL, &c, src, err), 1);
}

static void file_syntax_as_botocore_reads_it(void **st)
{
    (void)st;
    /* A 1,100-byte session token: read whole (inih cut lines at 200 bytes). */
    char tok[1101], text[2048];
    for (int i = 0; i < 1100; i++)
        tok[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"[i % 38];
    tok[1100] = '\0';
    snprintf(text, sizeof text,
             "# a comment\n; another\n[ long ]\nAWS_Access_Key_Id: AKIALONG000000000001\n"
             "aws_secret_access_key=long-secret ; not a comment for botocore\n"
             "aws_session_token = %s\ns3 =\n  max_concurrent_requests = 20\n  aws_access_key_id = AKIANESTED\n",
             tok);
    files(NULL, text);
    lw_aws_creds c;
    char src[300], err[1600];
    assert_int_equal(resolve("long", &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIALONG000000000001");
    assert_string_equal(c.secret_key, "long-secret ; not a comment for botocore");
    assert_string_equal(c.session_token, tok);
    /* The region: the profile's, after the environment's. */
    files("[profile r]\nregion = ap-south-1\n", NULL);
    char region[64];
    lw_region_resolve(NULL, "r", region, sizeof region);
    assert_string_equal(region, "ap-south-1");
    setenv("AWS_REGION", "eu-north-1", 1);
    lw_region_resolve(NULL, "r", region, sizeof region);
    assert_string_equal(region, "eu-north-1");
}

static int cleanup(void **st)
{
    (void)st;
    if (dir[0]) {
        unlink(cfg_path);
        unlink(cred_path);
        rmdir(dir);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(imds_answer),      cmocka_unit_test(container_answer), cmocka_unit_test(missing_fields),
        cmocka_unit_test(bad_expiration),   cmocka_unit_test(code_not_success), cmocka_unit_test(not_json),
        cmocka_unit_test(too_long),
        cmocka_unit_test(named_profile_missing_is_an_error),
        cmocka_unit_test(precedence),
        cmocka_unit_test(profile_present_without_keys),
        cmocka_unit_test(plans_as_botocore),
        cmocka_unit_test(plan_errors),
        cmocka_unit_test(shell_split_as_shlex),
        cmocka_unit_test(process_and_sso_json),
        cmocka_unit_test(partial_keys),
        cmocka_unit_test(file_syntax_as_botocore_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
