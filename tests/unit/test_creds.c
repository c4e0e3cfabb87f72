/* credentials: the container / instance-metadata answer parser
 * (lw_creds_parse_json): good answers, missing fields, bad expirations,
 * a Code other than Success, and error messages that never carry a value.
 * And the environment / shared-files part of the chain (lw_creds_resolve)
 * against botocore's behaviour: a named profile that does not exist, or
 * that gets credentials in a way not implemented, ends the chain (-1);
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
                                 "AWS_SECURITY_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION",
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

static void unsupported_kinds_are_errors(void **st)
{
    (void)st;
    static const struct {
        const char *config, *credentials, *kind, *setting;
    } cases[] = {
        {"[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n", creds_dev, "assume role",
         "role_arn"},
        {"[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Ec2InstanceMetadata\n", NULL,
         "assume role", "role_arn"},
        {"[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = /t\n", NULL,
         "web identity", "web_identity_token_file"},
        {"[profile x]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Audit\n", NULL, "SSO",
         "sso_session"},
        {"[profile x]\nsso_start_url = https://corp.awsapps.com/start\n", NULL, "SSO", "sso_start_url"},
        {"[profile x]\ncredential_process = /usr/bin/get-creds\n", NULL, "credential_process", "credential_process"},
        /* botocore tries these before any static key in the profile */
        {"[profile x]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = x\n",
         "[x]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = static-secret\n", "assume role",
         "role_arn"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lw_aws_creds c;
        char src[300], err[1600];
        files(cases[i].config, cases[i].credentials);
        env_keys();
        assert_int_equal(resolve("x", &c, src, err), -1);
        assert_non_null(strstr(err, "'x'"));
        assert_non_null(strstr(err, cases[i].kind));
        assert_non_null(strstr(err, cases[i].setting));
        assert_non_null(strstr(err, "not support"));
        assert_true(all_zero(&c));
        assert_null(strstr(err, "static-secret"));
        /* The same as the unnamed default profile: not skipped for IMDS. */
        files(NULL, NULL);
    }
    /* credential_process comes after the credentials file's keys. */
    lw_aws_creds c;
    char src[300], err[1600];
    files("[profile x]\ncredential_process = /usr/bin/get-creds\n",
          "[x]\naws_access_key_id = AKIASTATIC0000000001\naws_secret_access_key = static-secret\n");
    assert_int_equal(resolve("x", &c, src, err), 0);
    assert_string_equal(c.access_key, "AKIASTATIC0000000001");
    /* ...and before the config file's. */
    files("[profile x]\ncredential_process = /usr/bin/get-creds\naws_access_key_id = AKIACONF000000000001\n"
          "aws_secret_access_key = s\n",
          NULL);
    assert_int_equal(resolve("x", &c, src, err), -1);
    /* The default profile, unnamed, is held to the same. */
    files("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n", NULL);
    assert_int_equal(resolve(NULL, &c, src, err), -1);
    assert_non_null(strstr(err, "'default'"));
    /* Web identity from the environment (EKS IRSA), nothing named. */
    files(NULL, NULL);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token", 1);
    assert_int_equal(resolve(NULL, &c, src, err), -1);
    assert_non_null(strstr(err, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    env_keys(); /* the environment's keys come first in botocore */
    assert_int_equal(resolve(NULL, &c, src, err), 0);
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
        cmocka_unit_test(unsupported_kinds_are_errors),
        cmocka_unit_test(partial_keys),
        cmocka_unit_test(file_syntax_as_botocore_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
