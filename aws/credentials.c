/* credentials: see credentials.h. */
#include "aws/credentials.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/timeutil.h"
#include "common/wipe.h"

typedef struct want {
    const char *section;     /* section name to read */
    lw_aws_creds *creds;
    char region[64];
    int found_section;
    int have_key, have_secret;
} want;

static int on_kv(void *user, const char *section, const char *name, const char *value)
{
    want *w = user;
    if (strcmp(section, w->section) != 0)
        return 1;
    w->found_section = 1;
    if (w->creds && !strcmp(name, "aws_access_key_id")) {
        snprintf(w->creds->access_key, sizeof w->creds->access_key, "%s", value);
        w->have_key = 1;
    } else if (w->creds && !strcmp(name, "aws_secret_access_key")) {
        snprintf(w->creds->secret_key, sizeof w->creds->secret_key, "%s", value);
        w->have_secret = 1;
    } else if (w->creds && !strcmp(name, "aws_session_token")) {
        snprintf(w->creds->session_token, sizeof w->creds->session_token, "%s", value);
    } else if (!strcmp(name, "region")) {
        snprintf(w->region, sizeof w->region, "%s", value);
    }
    return 1;
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

/* The shared config file names a profile's section [profile NAME], except
 * [default]; w->creds NULL reads the region alone. */
static void read_config_file(const char *name, want *w)
{
    char path[1024], section[300];
    path_of("AWS_CONFIG_FILE", ".aws/config", path, sizeof path);
    snprintf(section, sizeof section, strcmp(name, "default") ? "profile %s" : "%s", name);
    w->section = section;
    ini_parse(path, on_kv, w);
    w->section = NULL;
}

const char *lw_creds_profile_name(const char *profile)
{
    if (profile && *profile)
        return profile;
    const char *p = getenv("AWS_PROFILE");
    return p && *p ? p : "default";
}

int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && *ak && sk && *sk && !(profile && *profile)) {
        snprintf(out->access_key, sizeof out->access_key, "%s", ak);
        snprintf(out->secret_key, sizeof out->secret_key, "%s", sk);
        const char *tok = getenv("AWS_SESSION_TOKEN");
        if (tok)
            snprintf(out->session_token, sizeof out->session_token, "%s", tok);
        return 0;
    }
    const char *name = lw_creds_profile_name(profile);
    char path[1024];
    path_of("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", path, sizeof path);
    want w = {.section = name, .creds = out};
    ini_parse(path, on_kv, &w);
    if (!(w.have_key && w.have_secret)) {
        /* The config file may hold keys too, under [profile NAME]. */
        want c = {.creds = out};
        read_config_file(name, &c);
        w.have_key |= c.have_key;
        w.have_secret |= c.have_secret;
    }
    if (w.have_key && w.have_secret)
        return 0;
    lw_creds_wipe(out);
    snprintf(err, errlen,
             "no AWS credentials: tried environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
             "shared files (profile %s in %s)",
             name, path);
    return -1;
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
    want c = {.creds = NULL};
    read_config_file(lw_creds_profile_name(profile), &c);
    snprintf(out, n, "%s", c.region);
}

void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    const char *e = setting(explicit_url, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL");
    if (e) {
        snprintf(out, n, "%s", e);
    } else {
        snprintf(out, n, "https://logs.%s.amazonaws.com", region && *region ? region : "us-east-1");
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
