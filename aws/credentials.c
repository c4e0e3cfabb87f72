/* credentials: see credentials.h. */
#include "aws/credentials.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *profile_name(const char *profile)
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
    const char *name = profile_name(profile);
    char path[1024], section[300];
    path_of("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", path, sizeof path);
    want w = {.section = name, .creds = out};
    ini_parse(path, on_kv, &w);
    if (!(w.have_key && w.have_secret)) {
        /* The config file may hold keys too, under [profile NAME]. */
        char cpath[1024];
        path_of("AWS_CONFIG_FILE", ".aws/config", cpath, sizeof cpath);
        snprintf(section, sizeof section, strcmp(name, "default") ? "profile %s" : "%s", name);
        want c = {.section = section, .creds = out};
        ini_parse(cpath, on_kv, &c);
        w.have_key |= c.have_key;
        w.have_secret |= c.have_secret;
    }
    if (w.have_key && w.have_secret)
        return 0;
    lw_creds_wipe(out);
    snprintf(err, errlen,
             "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile '%s' in %s "
             "(container and instance-role credentials are not supported yet)",
             name, path);
    return -1;
}

void lw_region_resolve(const char *explicit_region, const char *profile, char *out, size_t n)
{
    const char *r = explicit_region && *explicit_region ? explicit_region : getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (r && *r) {
        snprintf(out, n, "%s", r);
        return;
    }
    const char *name = profile_name(profile);
    char cpath[1024], section[300];
    path_of("AWS_CONFIG_FILE", ".aws/config", cpath, sizeof cpath);
    snprintf(section, sizeof section, strcmp(name, "default") ? "profile %s" : "%s", name);
    want c = {.section = section};
    ini_parse(cpath, on_kv, &c);
    snprintf(out, n, "%s", c.region);
}

void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    const char *e = explicit_url && *explicit_url ? explicit_url : getenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
    if (!e || !*e)
        e = getenv("AWS_ENDPOINT_URL");
    if (e && *e) {
        snprintf(out, n, "%s", e);
    } else {
        snprintf(out, n, "https://logs.%s.amazonaws.com", region && *region ? region : "us-east-1");
    }
    size_t l = strlen(out);
    while (l && out[l - 1] == '/')
        out[--l] = '\0';
}

void lw_creds_wipe(lw_aws_creds *c)
{
    volatile char *p = (volatile char *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        p[i] = 0;
}
