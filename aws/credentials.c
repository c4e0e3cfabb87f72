/* credentials: see credentials.h. */
#include "aws/credentials.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/timeutil.h"
#include "common/wipe.h"

/* The shared files are read by this small reader, not by inih: Debian's
 * inih cuts every line at 200 bytes, and a session token is longer, so a
 * temporary credential came out truncated. It follows what botocore's
 * configparser accepts for these files: [section], `key = value` or
 * `key: value` (keys lower-cased), full-line comments (# or ;), and
 * indented lines that continue a value (botocore's nested `s3 =` blocks),
 * which no credential setting uses and which are skipped. */
typedef void (*kv_cb)(void *ud, const char *section, const char *key, const char *value);

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Calls on() for every setting, and once with key NULL for every section
 * header, so an empty section still counts as present. */
static void read_shared_file(const char *path, kv_cb on, void *ud)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return; /* a missing file is an empty one, as for the SDKs */
    char iobuf[4096], *line = NULL, section[512] = "";
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf); /* ours, so it can be wiped too */
    size_t cap = 0;
    bool in_value = false; /* a setting was seen: an indented line continues it */
    while (getline(&line, &cap, f) >= 0) {
        bool indented = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';' || (indented && in_value))
            continue;
        if (*s == '[') {
            char *e = strrchr(s, ']');
            if (e) {
                *e = '\0';
                snprintf(section, sizeof section, "%s", trim(s + 1));
                in_value = false;
                on(ud, section, NULL, NULL);
            }
            continue;
        }
        char *eq = s + strcspn(s, "=:");
        if (!*eq || !section[0])
            continue;
        *eq = '\0';
        in_value = true;
        char *key = trim(s);
        for (char *k = key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
        on(ud, section, key, trim(eq + 1));
    }
    if (line)
        lw_wipe(line, cap); /* it held secrets */
    free(line);
    fclose(f);
    lw_wipe(iobuf, sizeof iobuf);
}

/* One file's static keys for the profile. */
typedef struct keys {
    lw_aws_creds c;
    bool key, secret;
} keys;

/* What the two shared files say about one profile. */
typedef struct profile_view {
    const char *name;
    bool in_config, in_credentials;
    keys config, credentials;
    char region[64];
    /* The first setting of a kind this program cannot use, as botocore
     * would try it before the static keys (see unsupported()). */
    char assume_role[32], web_identity[32], sso[32], process[32];
    bool reading_credentials;
} profile_view;

static bool is_profile_section(const profile_view *v, const char *section)
{
    if (v->reading_credentials)
        return !strcmp(section, v->name);
    /* The config file names a profile [profile NAME]; [default] needs no
     * prefix (botocore accepts [profile default] as well). */
    if (!strcmp(v->name, "default") && !strcmp(section, "default"))
        return true;
    if (strncmp(section, "profile", 7) || (section[7] != ' ' && section[7] != '\t'))
        return false;
    const char *n = section + 8;
    while (*n == ' ' || *n == '\t')
        n++;
    return !strcmp(n, v->name);
}

static void note(char *slot, size_t n, const char *key)
{
    if (!slot[0])
        snprintf(slot, n, "%s", key);
}

static void on_profile_kv(void *ud, const char *section, const char *key, const char *value)
{
    profile_view *v = ud;
    if (!is_profile_section(v, section))
        return;
    *(v->reading_credentials ? &v->in_credentials : &v->in_config) = true;
    if (!key)
        return;
    keys *k = v->reading_credentials ? &v->credentials : &v->config;
    if (!strcmp(key, "aws_access_key_id")) {
        snprintf(k->c.access_key, sizeof k->c.access_key, "%s", value);
        k->key = *value != '\0';
    } else if (!strcmp(key, "aws_secret_access_key")) {
        snprintf(k->c.secret_key, sizeof k->c.secret_key, "%s", value);
        k->secret = *value != '\0';
    } else if (!strcmp(key, "aws_session_token") || !strcmp(key, "aws_security_token")) {
        snprintf(k->c.session_token, sizeof k->c.session_token, "%s", value);
    } else if (!strcmp(key, "region") && !v->reading_credentials) {
        snprintf(v->region, sizeof v->region, "%s", value);
    } else if (!strcmp(key, "web_identity_token_file")) {
        note(v->web_identity, sizeof v->web_identity, key);
    } else if (!strcmp(key, "role_arn") || !strcmp(key, "source_profile") || !strcmp(key, "credential_source")) {
        note(v->assume_role, sizeof v->assume_role, key);
    } else if (!strncmp(key, "sso_", 4)) {
        note(v->sso, sizeof v->sso, key);
    } else if (!strcmp(key, "credential_process")) {
        note(v->process, sizeof v->process, key);
    }
}

static void path_of(const char *env, const char *home_rel, char *out, size_t n)
{
    const char *e = getenv(env);
    if (e && *e) {
        snprintf(out, n, "%s", e);
        return;
    }
    const char *home = getenv("HOME");
    snprintf(out, n, "%s/%s", home ? home : "", home_rel);
}

static void config_path(char *out, size_t n) { path_of("AWS_CONFIG_FILE", ".aws/config", out, n); }
static void credentials_path(char *out, size_t n) { path_of("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", out, n); }

static void view_load(profile_view *v, const char *name)
{
    memset(v, 0, sizeof *v);
    v->name = name;
    char path[1024];
    config_path(path, sizeof path);
    read_shared_file(path, on_profile_kv, v);
    credentials_path(path, sizeof path);
    v->reading_credentials = true;
    read_shared_file(path, on_profile_kv, v);
}

static void view_wipe(profile_view *v)
{
    lw_creds_wipe(&v->config.c);
    lw_creds_wipe(&v->credentials.c);
}

const char *lw_creds_profile_name(const char *profile)
{
    if (profile && *profile)
        return profile;
    const char *p = getenv("AWS_PROFILE");
    return p && *p ? p : "default";
}

/* botocore's order within a profile: assume role, web identity and SSO
 * come before the static keys, credential_process after the credentials
 * file's keys. Those kinds are not implemented: using the static keys (or
 * the instance role) instead would sign as another identity than the one
 * the profile names, so each is an error. */
static const char *unsupported(const profile_view *v, bool after_credentials_keys)
{
    if (!after_credentials_keys) {
        if (v->web_identity[0])
            return v->web_identity;
        if (v->assume_role[0])
            return v->assume_role;
        return v->sso[0] ? v->sso : NULL;
    }
    return v->process[0] ? v->process : NULL;
}

static void unsupported_err(const profile_view *v, const char *setting, char *err, size_t errlen)
{
    const char *kind = setting == v->web_identity  ? "web identity (role_arn with web_identity_token_file)"
                       : setting == v->assume_role ? "assume role (role_arn with source_profile or credential_source)"
                       : setting == v->sso         ? "IAM Identity Center (SSO)"
                                                   : "credential_process";
    snprintf(err, errlen,
             "AWS profile '%s' gets its credentials by %s (it sets %s), which lambdaward does not support yet: "
             "give the profile static keys, or use the environment, the container endpoint or the instance role "
             "with no profile named",
             v->name, kind, setting);
}

/* 0 when k holds both keys (copied to out), 1 when it has no access key,
 * -1 (err set) when the secret is missing: botocore's
 * PartialCredentialsError. A secret alone is ignored, as there. */
static int take_keys(keys *k, const char *where, lw_aws_creds *out, char *err, size_t errlen)
{
    if (!k->key)
        return 1;
    if (!k->secret) {
        snprintf(err, errlen, "%s has aws_access_key_id but no aws_secret_access_key", where);
        return -1;
    }
    *out = k->c;
    return 0;
}

static int from_environment(lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (!ak || !*ak)
        return 1; /* a secret alone is ignored, as botocore's EnvProvider does */
    if (!sk || !*sk) {
        snprintf(err, errlen, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
        return -1;
    }
    snprintf(out->access_key, sizeof out->access_key, "%s", ak);
    snprintf(out->secret_key, sizeof out->secret_key, "%s", sk);
    const char *tok = getenv("AWS_SESSION_TOKEN");
    if (!tok || !*tok)
        tok = getenv("AWS_SECURITY_TOKEN");
    if (tok)
        snprintf(out->session_token, sizeof out->session_token, "%s", tok);
    snprintf(src, srclen, "environment");
    return 0;
}

static int from_profile(profile_view *v, lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen)
{
    const char *bad = unsupported(v, false);
    if (bad) {
        unsupported_err(v, bad, err, errlen);
        return -1;
    }
    char where[1200], path[1024];
    credentials_path(path, sizeof path);
    snprintf(where, sizeof where, "AWS profile '%s' in %s", v->name, path);
    int rc = take_keys(&v->credentials, where, out, err, errlen);
    if (rc == 1 && (bad = unsupported(v, true))) {
        unsupported_err(v, bad, err, errlen);
        return -1;
    }
    if (rc == 1) {
        config_path(path, sizeof path);
        snprintf(where, sizeof where, "AWS profile '%s' in %s", v->name, path);
        rc = take_keys(&v->config, where, out, err, errlen);
    }
    if (rc == 0)
        snprintf(src, srclen, "shared files (profile %s)", v->name);
    return rc;
}

int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bool explicit = profile && *profile;
    const char *env_profile = getenv("AWS_PROFILE");
    const char *name = lw_creds_profile_name(profile);
    profile_view v;
    view_load(&v, name);
    int rc;
    if ((explicit || (env_profile && *env_profile)) && !v.in_config && !v.in_credentials) {
        /* botocore's ProfileNotFound: a profile asked for by name must
         * exist, and nothing else is tried in its place. */
        char cp[1024], sp[1024];
        config_path(cp, sizeof cp);
        credentials_path(sp, sizeof sp);
        snprintf(err, errlen,
                 "AWS profile '%s' (named by %s) is in neither %s nor %s: not using the environment, the "
                 "container endpoint or the instance role instead",
                 name, explicit ? "--profile or [aws] profile" : "AWS_PROFILE", cp, sp);
        rc = -1;
    } else if (!explicit && (rc = from_environment(out, src, srclen, err, errlen)) != 1) {
        /* The environment's keys win over AWS_PROFILE, as in botocore;
         * only a profile named in the configuration or on the command
         * line skips them. */
    } else if (!explicit && getenv("AWS_WEB_IDENTITY_TOKEN_FILE") && *getenv("AWS_WEB_IDENTITY_TOKEN_FILE")) {
        snprintf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is set (web identity, as on EKS with IRSA), which "
                              "lambdaward does not support yet: not using other credentials in its place");
        rc = -1;
    } else {
        rc = from_profile(&v, out, src, srclen, err, errlen);
    }
    view_wipe(&v);
    if (rc != 0)
        lw_creds_wipe(out);
    return rc;
}

/* The SDKs' precedence: the configuration's own value, then the specific
 * variable, then the general one; NULL when none is set (empty is unset). */
static const char *setting(const char *configured, const char *env, const char *general_env)
{
    if (configured && *configured)
        return configured;
    const char *v = getenv(env);
    if (!v || !*v)
        v = getenv(general_env);
    return v && *v ? v : NULL;
}

void lw_region_resolve(const char *explicit_region, const char *profile, char *out, size_t n)
{
    const char *r = setting(explicit_region, "AWS_REGION", "AWS_DEFAULT_REGION");
    if (r) {
        snprintf(out, n, "%s", r);
        return;
    }
    profile_view v;
    view_load(&v, lw_creds_profile_name(profile));
    snprintf(out, n, "%s", v.region);
    view_wipe(&v);
}

void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    lw_logs_endpoint_prefixed(explicit_url, region, "", out, n);
}

void lw_logs_endpoint_prefixed(const char *explicit_url, const char *region, const char *host_prefix, char *out,
                               size_t n)
{
    const char *e = setting(explicit_url, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL");
    if (e) {
        snprintf(out, n, "%s", e);
    } else {
        snprintf(out, n, "https://%slogs.%s.amazonaws.com", host_prefix, region && *region ? region : "us-east-1");
    }
    size_t l = strlen(out);
    while (l && out[l - 1] == '/')
        out[--l] = '\0';
}

void lw_creds_wipe(lw_aws_creds *c) { lw_wipe(c, sizeof *c); }

/* Copies string member key of obj into dst (NUL-terminated); 0, or -1 with
 * err naming the field (never its value). */
static int str_field(const lw_json *j, const char *key, char *dst, size_t cap, bool required, char *err,
                     size_t errlen)
{
    int t = lw_json_get(j, 0, key);
    if (t < 0) {
        if (required)
            snprintf(err, errlen, "credentials response has no %s", key);
        return required ? -1 : 0;
    }
    lw_buf v = LW_BUF_INIT;
    int rc = -1;
    if (!lw_json_is_str(j, t) || lw_json_str(j, t, &v) < 0)
        snprintf(err, errlen, "credentials response: %s is not a string", key);
    else if (v.len >= cap)
        snprintf(err, errlen, "credentials response: %s is too long", key);
    else if (v.len == 0 && required)
        snprintf(err, errlen, "credentials response: %s is empty", key);
    else if (memchr(v.p, '\0', v.len))
        /* "\u0000" would cut the C string: a key that is not what was sent */
        snprintf(err, errlen, "credentials response: %s holds a NUL character", key);
    else {
        memcpy(dst, v.p ? v.p : "", v.len);
        dst[v.len] = '\0';
        rc = 0;
    }
    if (v.p)
        lw_wipe(v.p, v.len); /* it may have held a secret */
    lw_buf_free(&v);
    return rc;
}

int lw_creds_parse_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lw_json j;
    lw_json_init(&j);
    int rc = -1;
    if (!json || lw_json_parse(&j, json, n) != LW_JSON_OK || j.n < 1 || j.tok[0].type != JSMN_OBJECT) {
        snprintf(err, errlen, "credentials response is not a JSON object");
        goto done;
    }
    int code = lw_json_get(&j, 0, "Code");
    if (code >= 0 && !lw_json_eq(&j, code, "Success")) {
        /* IMDS says why (e.g. AssumeRoleUnauthorizedAccess): a code, not a secret. */
        char c[64] = "";
        if (lw_json_is_str(&j, code)) {
            size_t k = 0;
            for (size_t i = 0; i < lw_json_rawlen(&j, code) && k + 1 < sizeof c; i++) {
                char ch = lw_json_raw(&j, code)[i];
                c[k++] = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '?';
            }
            c[k] = '\0';
        }
        snprintf(err, errlen, "credentials response Code is \"%s\", not \"Success\"", c);
        goto done;
    }
    char exp[64];
    if (str_field(&j, "AccessKeyId", out->access_key, sizeof out->access_key, true, err, errlen) < 0 ||
        str_field(&j, "SecretAccessKey", out->secret_key, sizeof out->secret_key, true, err, errlen) < 0 ||
        str_field(&j, "Token", out->session_token, sizeof out->session_token, true, err, errlen) < 0 ||
        str_field(&j, "Expiration", exp, sizeof exp, true, err, errlen) < 0)
        goto done;
    int64_t ms = 0;
    size_t len = strlen(exp);
    if (lw_parse_iso8601(exp, len, &ms) != len || ms <= 0) {
        snprintf(err, errlen, "credentials response: Expiration is not an ISO 8601 time");
        goto done;
    }
    out->expires_ms = ms;
    rc = 0;
done:
    if (rc < 0)
        lw_creds_wipe(out);
    lw_json_free(&j);
    return rc;
}
