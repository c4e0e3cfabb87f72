/* credentials: see credentials.h. */
#include "aws/credentials.h"

#include <ctype.h>
#include <stdarg.h>
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

/* What the two shared files say about one profile. Settings other than
 * the keys are merged as botocore's full_config merges them: the
 * credentials file's value wins over the config file's. */
typedef struct profile_view {
    const char *name;
    bool in_config, in_credentials;
    keys config, credentials;
    char region[64];
    char role_arn[2048], source_profile[128], credential_source[64], external_id[1300], role_session_name[72],
        duration_seconds[16], web_identity_token_file[1024], sso_session[128], sso_start_url[1024], sso_region[64],
        sso_account_id[32], sso_role_name[130], credential_process[4096];
    const char *too_long; /* the first setting longer than its buffer */
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

/* A setting that does not fit is refused, never cut: a shortened role ARN
 * or command is another identity. */
#define PUT(v, field, key, value)                                                                                    \
    do {                                                                                                             \
        if (strlen(value) >= sizeof(v)->field) {                                                                     \
            if (!(v)->too_long)                                                                                      \
                (v)->too_long = #field;                                                                              \
        } else {                                                                                                     \
            snprintf((v)->field, sizeof(v)->field, "%s", value);                                                     \
        }                                                                                                            \
    } while (0)

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
    }
#define S(name)                                                                                                      \
    else if (!strcmp(key, #name)) PUT(v, name, key, value);
    S(role_arn)
    S(source_profile)
    S(credential_source)
    S(external_id)
    S(role_session_name)
    S(duration_seconds)
    S(web_identity_token_file)
    S(sso_session)
    S(sso_start_url)
    S(sso_region)
    S(sso_account_id)
    S(sso_role_name)
    S(credential_process)
#undef S
}

/* [sso-session NAME] in the config file. */
typedef struct sso_view {
    const char *name;
    bool found;
    char start_url[1024], region[64];
    const char *too_long;
} sso_view;

static void on_sso_kv(void *ud, const char *section, const char *key, const char *value)
{
    sso_view *v = ud;
    if (strncmp(section, "sso-session", 11) || (section[11] != ' ' && section[11] != '\t'))
        return;
    const char *n = section + 12;
    while (*n == ' ' || *n == '\t')
        n++;
    if (strcmp(n, v->name))
        return;
    v->found = true;
    if (!key)
        return;
    if (!strcmp(key, "sso_start_url"))
        PUT(v, start_url, key, value);
    else if (!strcmp(key, "sso_region"))
        PUT(v, region, key, value);
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

/* --- the plan ------------------------------------------------------------ */

static int plan_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int plan_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool has_static(const profile_view *v)
{
    return v->config.key || v->config.secret || v->credentials.key || v->credentials.secret;
}

/* botocore's _has_assume_role_config_vars: role_arn, and not web identity. */
static bool assumes_role(const profile_view *v) { return v->role_arn[0] && !v->web_identity_token_file[0]; }

static void plan_src(lw_creds_plan *p, const char *fmt, const char *arg)
{
    snprintf(p->base_src, sizeof p->base_src, fmt, arg);
}

static int role_hop(const profile_view *v, lw_sts_role *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    snprintf(r->role_arn, sizeof r->role_arn, "%s", v->role_arn);
    snprintf(r->external_id, sizeof r->external_id, "%s", v->external_id);
    snprintf(r->session_name, sizeof r->session_name, "%s", v->role_session_name);
    if (v->duration_seconds[0]) {
        char *end;
        long d = strtol(v->duration_seconds, &end, 10);
        /* botocore drops a value int() refuses; STS refuses < 900 itself */
        if (*end || d <= 0 || d > 43200)
            return plan_err(err, errlen, "AWS profile '%s': duration_seconds is not a number of seconds up to 43200",
                            v->name);
        r->duration_s = (int)d;
    }
    return 0;
}

/* The profile-based providers for one profile (botocore's
 * ProfileProviderBuilder.providers): web identity, SSO, the credentials
 * file's keys, credential_process, the config file's keys. 0 planned,
 * 1 nothing there, -1 error. env_too: the top of the chain, where
 * AWS_WEB_IDENTITY_TOKEN_FILE and friends count (not for a source
 * profile, nor for a profile named explicitly). */
static int profile_providers(profile_view *v, bool env_too, lw_creds_plan *p, char *err, size_t errlen)
{
    char path[1024], where[1200];
    /* Web identity: each setting from its variable first, then the profile. */
    const char *tf = env_too ? getenv("AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
    if (!tf || !*tf)
        tf = v->web_identity_token_file;
    if (*tf) {
        bool from_env = env_too && getenv("AWS_WEB_IDENTITY_TOKEN_FILE") && *getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
        const char *arn = env_too ? getenv("AWS_ROLE_ARN") : NULL;
        if (!arn || !*arn)
            arn = v->role_arn;
        const char *sn = env_too ? getenv("AWS_ROLE_SESSION_NAME") : NULL;
        if (!sn || !*sn)
            sn = v->role_session_name;
        if (!*arn)
            return plan_err(err, errlen, "web identity: %s is set but no role ARN (%s)",
                            from_env ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "web_identity_token_file",
                            from_env ? "AWS_ROLE_ARN" : "role_arn in the profile");
        if (strlen(tf) >= sizeof p->web_token_file || strlen(arn) >= sizeof p->web_role.role_arn ||
            strlen(sn) >= sizeof p->web_role.session_name)
            return plan_err(err, errlen, "web identity: the token file, role ARN or session name is too long");
        p->base = LW_CREDS_WEB_IDENTITY;
        snprintf(p->web_token_file, sizeof p->web_token_file, "%s", tf);
        snprintf(p->web_role.role_arn, sizeof p->web_role.role_arn, "%s", arn);
        snprintf(p->web_role.session_name, sizeof p->web_role.session_name, "%s", sn);
        if (from_env)
            plan_src(p, "%s", "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
        else
            plan_src(p, "web identity (profile %s)", v->name);
        return 0;
    }
    /* IAM Identity Center: sso_session (with its [sso-session] section) or
     * the legacy sso_start_url + sso_region in the profile. */
    if (v->sso_session[0] || v->sso_start_url[0] || v->sso_account_id[0] || v->sso_role_name[0]) {
        const char *url = v->sso_start_url, *region = v->sso_region;
        sso_view s;
        memset(&s, 0, sizeof s);
        if (v->sso_session[0]) {
            s.name = v->sso_session;
            config_path(path, sizeof path);
            read_shared_file(path, on_sso_kv, &s);
            if (!s.found)
                return plan_err(err, errlen, "AWS profile '%s' names sso_session '%s', which has no [sso-session %s] "
                                "section in %s", v->name, v->sso_session, v->sso_session, path);
            if (s.too_long)
                return plan_err(err, errlen, "[sso-session %s]: %s is too long", v->sso_session, s.too_long);
            url = s.start_url;
            region = s.region;
        }
        const char *missing = !*url ? "sso_start_url" : !*region ? "sso_region"
                              : !v->sso_account_id[0] ? "sso_account_id" : !v->sso_role_name[0] ? "sso_role_name" : NULL;
        if (missing)
            return plan_err(err, errlen, "AWS profile '%s' is configured for IAM Identity Center (SSO) but lacks %s",
                            v->name, missing);
        p->base = LW_CREDS_SSO;
        snprintf(p->sso_start_url, sizeof p->sso_start_url, "%s", url);
        snprintf(p->sso_region, sizeof p->sso_region, "%s", region);
        snprintf(p->sso_account_id, sizeof p->sso_account_id, "%s", v->sso_account_id);
        snprintf(p->sso_role_name, sizeof p->sso_role_name, "%s", v->sso_role_name);
        /* botocore's token cache key: the session name, or the start URL */
        snprintf(p->sso_cache_key, sizeof p->sso_cache_key, "%s", v->sso_session[0] ? v->sso_session : url);
        plan_src(p, "IAM Identity Center (profile %s)", v->name);
        return 0;
    }
    credentials_path(path, sizeof path);
    snprintf(where, sizeof where, "AWS profile '%s' in %s", v->name, path);
    int rc = take_keys(&v->credentials, where, &p->keys, err, errlen);
    if (rc == 1 && v->credential_process[0]) {
        p->base = LW_CREDS_PROCESS;
        snprintf(p->process, sizeof p->process, "%s", v->credential_process);
        plan_src(p, "credential_process (profile %s)", v->name);
        return 0;
    }
    if (rc == 1) {
        config_path(path, sizeof path);
        snprintf(where, sizeof where, "AWS profile '%s' in %s", v->name, path);
        rc = take_keys(&v->config, where, &p->keys, err, errlen);
    }
    if (rc == 0) {
        p->base = LW_CREDS_STATIC;
        plan_src(p, "shared files (profile %s)", v->name);
    }
    return rc;
}

#define MAX_VISITED 16

/* botocore's AssumeRoleProvider._load_creds_via_assume_role for profile v
 * (which assumes_role): the source first (its own hops appended first),
 * then v's hop. */
static int plan_role(profile_view *v, const char visited[][128], int nvisited, lw_creds_plan *p, char *err,
                     size_t errlen)
{
    lw_sts_role hop;
    if (role_hop(v, &hop, err, errlen) < 0)
        return -1;
    if (v->source_profile[0] && v->credential_source[0])
        return plan_err(err, errlen, "AWS profile '%s' sets both source_profile and credential_source", v->name);
    if (!v->source_profile[0] && !v->credential_source[0])
        return plan_err(err, errlen, "AWS profile '%s' sets role_arn but neither source_profile nor "
                        "credential_source", v->name);
    if (v->credential_source[0]) {
        const char *cs = v->credential_source;
        if (!strcmp(cs, "Environment")) {
            char src[64];
            int rc = from_environment(&p->keys, src, sizeof src, err, errlen);
            if (rc == 1)
                return plan_err(err, errlen, "AWS profile '%s': credential_source Environment, but AWS_ACCESS_KEY_ID "
                                "is not set", v->name);
            if (rc < 0)
                return -1;
            p->base = LW_CREDS_STATIC;
            plan_src(p, "%s", "environment (credential_source)");
        } else if (!strcmp(cs, "Ec2InstanceMetadata")) {
            p->base = LW_CREDS_IMDS;
            plan_src(p, "%s", "instance metadata (credential_source)");
        } else if (!strcmp(cs, "EcsContainer")) {
            p->base = LW_CREDS_CONTAINER;
            plan_src(p, "%s", "container (credential_source)");
        } else {
            return plan_err(err, errlen, "AWS profile '%s': credential_source '%s' is not one of Environment, "
                            "Ec2InstanceMetadata, EcsContainer", v->name, cs);
        }
    } else {
        const char *sp = v->source_profile;
        profile_view *s = lw_xcalloc(1, sizeof *s);
        view_load(s, sp);
        int rc = 0;
        bool seen = false;
        for (int i = 0; i < nvisited; i++)
            seen |= !strcmp(visited[i], sp);
        if (!s->in_config && !s->in_credentials) {
            rc = plan_err(err, errlen, "AWS profile '%s' names source_profile '%s', which does not exist", v->name, sp);
        } else if (s->too_long) {
            rc = plan_err(err, errlen, "AWS profile '%s': %s is too long", sp, s->too_long);
        } else if (seen && (strcmp(sp, v->name) || !has_static(s))) {
            /* botocore's InfiniteLoopConfigError; a profile may name itself
             * only to use its own static keys */
            char chain[1200] = "";
            for (int i = 0; i < nvisited; i++) {
                size_t l = strlen(chain);
                snprintf(chain + l, sizeof chain - l, "%s -> ", visited[i]);
            }
            rc = plan_err(err, errlen, "AWS profiles loop: %s%s", chain, sp);
        } else if (nvisited >= MAX_VISITED || p->nhops >= LW_CREDS_MAX_HOPS - 1) {
            rc = plan_err(err, errlen, "AWS profile '%s': role chain longer than %d roles", v->name,
                          LW_CREDS_MAX_HOPS);
        } else if (has_static(s) || !assumes_role(s)) {
            rc = profile_providers(s, false, p, err, errlen);
            if (rc == 1)
                rc = plan_err(err, errlen, "the source_profile '%s' of AWS profile '%s' has no credentials", sp,
                              v->name);
        } else {
            char (*vis)[128] = lw_xcalloc(MAX_VISITED, 128);
            memcpy(vis, visited, (size_t)nvisited * 128);
            snprintf(vis[nvisited], 128, "%s", sp);
            rc = plan_role(s, (const char(*)[128])vis, nvisited + 1, p, err, errlen);
            free(vis);
        }
        view_wipe(s);
        free(s);
        if (rc < 0)
            return -1;
    }
    p->hops[p->nhops] = hop;
    snprintf(p->hop_profile[p->nhops], sizeof p->hop_profile[0], "%s", v->name);
    p->nhops++;
    return 0;
}

void lw_creds_plan_wipe(lw_creds_plan *p) { lw_wipe(p, sizeof *p); }

int lw_creds_plan_resolve(const char *profile, lw_creds_plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bool explicit = profile && *profile;
    const char *env_profile = getenv("AWS_PROFILE");
    const char *name = lw_creds_profile_name(profile);
    snprintf(out->profile, sizeof out->profile, "%s", name);
    out->explicit_profile = explicit || (env_profile && *env_profile);
    profile_view *v = lw_xcalloc(1, sizeof *v);
    view_load(v, name);
    int rc;
    if ((explicit || (env_profile && *env_profile)) && !v->in_config && !v->in_credentials) {
        /* botocore's ProfileNotFound: a profile asked for by name must
         * exist, and nothing else is tried in its place. */
        char cp[1024], sp[1024];
        config_path(cp, sizeof cp);
        credentials_path(sp, sizeof sp);
        rc = plan_err(err, errlen,
                      "AWS profile '%s' (named by %s) is in neither %s nor %s: not using the environment, the "
                      "container endpoint or the instance role instead",
                      name, explicit ? "--profile or [aws] profile" : "AWS_PROFILE", cp, sp);
    } else if (!explicit && (rc = from_environment(&out->keys, out->base_src, sizeof out->base_src, err, errlen)) != 1) {
        /* The environment's keys win over AWS_PROFILE, as in botocore;
         * only a profile named in the configuration or on the command
         * line skips them. */
        out->base = LW_CREDS_STATIC;
    } else if (v->too_long) {
        rc = plan_err(err, errlen, "AWS profile '%s': %s is too long", name, v->too_long);
    } else if (assumes_role(v)) {
        char visited[1][128];
        snprintf(visited[0], sizeof visited[0], "%s", name);
        rc = plan_role(v, (const char(*)[128])visited, 1, out, err, errlen);
    } else {
        rc = profile_providers(v, !explicit, out, err, errlen);
        if (rc == 1) {
            out->base = LW_CREDS_CHAIN_REST;
            rc = 0;
        }
    }
    view_wipe(v);
    free(v);
    if (rc != 0) {
        lw_creds_plan_wipe(out);
        return -1;
    }
    return 0;
}

int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lw_creds_plan *p = lw_xcalloc(1, sizeof *p);
    int rc = lw_creds_plan_resolve(profile, p, err, errlen);
    if (rc == 0 && p->base == LW_CREDS_STATIC && p->nhops == 0) {
        *out = p->keys;
        snprintf(src, srclen, "%s", p->base_src);
    } else if (rc == 0) {
        rc = p->base == LW_CREDS_CHAIN_REST ? 1 : 2;
    }
    lw_creds_plan_wipe(p);
    free(p);
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

/* The SDKs' endpoint precedence for one service (botocore's
 * EndpointResolver with AWS_ENDPOINT_URL_<SERVICE ID>): explicit, the
 * service's variable, AWS_ENDPOINT_URL, then AWS's host for the region. */
static void service_endpoint(const char *explicit_url, const char *env, const char *host_prefix, const char *region,
                             const char *no_region_url, char *out, size_t n)
{
    const char *e = setting(explicit_url, env, "AWS_ENDPOINT_URL");
    if (e)
        snprintf(out, n, "%s", e);
    else if ((!region || !*region) && no_region_url)
        snprintf(out, n, "%s", no_region_url);
    else
        snprintf(out, n, "https://%s.%s.amazonaws.com", host_prefix, region && *region ? region : "us-east-1");
    size_t l = strlen(out);
    while (l && out[l - 1] == '/')
        out[--l] = '\0';
}

void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    service_endpoint(explicit_url, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "logs", region, NULL, out, n);
}

void lw_logs_endpoint_prefixed(const char *explicit_url, const char *region, const char *host_prefix, char *out,
                               size_t n)
{
    char host[64];
    snprintf(host, sizeof host, "%slogs", host_prefix ? host_prefix : "");
    service_endpoint(explicit_url, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", host, region, NULL, out, n);
}

void lw_sts_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    service_endpoint(explicit_url, "AWS_ENDPOINT_URL_STS", "sts", region, "https://sts.amazonaws.com", out, n);
}

void lw_sso_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    service_endpoint(explicit_url, "AWS_ENDPOINT_URL_SSO", "portal.sso", region, NULL, out, n);
}

void lw_creds_wipe(lw_aws_creds *c) { lw_wipe(c, sizeof *c); }

/* Copies string member key of obj into dst (NUL-terminated); 0, or -1 with
 * err naming the field (never its value). */
static int str_field_in(const lw_json *j, int obj, const char *key, char *dst, size_t cap, bool required, char *err,
                        size_t errlen)
{
    int t = lw_json_get(j, obj, key);
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

static int str_field(const lw_json *j, const char *key, char *dst, size_t cap, bool required, char *err,
                     size_t errlen)
{
    return str_field_in(j, 0, key, dst, cap, required, err, errlen);
}

static int parse_object(lw_json *j, const char *json, size_t n, char *err, size_t errlen, const char *what)
{
    lw_json_init(j);
    if (!json || lw_json_parse(j, json, n) != LW_JSON_OK || j->n < 1 || j->tok[0].type != JSMN_OBJECT) {
        snprintf(err, errlen, "%s is not a JSON object", what);
        return -1;
    }
    return 0;
}

static int iso_field(const char *what, const char *v, int64_t *ms, char *err, size_t errlen)
{
    size_t len = strlen(v);
    if (lw_parse_iso8601(v, len, ms) != len || *ms <= 0) {
        snprintf(err, errlen, "%s is not an ISO 8601 time", what);
        return -1;
    }
    return 0;
}

int lw_creds_parse_process_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lw_json j;
    int rc = -1;
    char exp[64] = "";
    int64_t version = 0;
    if (parse_object(&j, json, n, err, errlen, "credential_process output") < 0)
        goto done;
    int vt = lw_json_get(&j, 0, "Version");
    if (vt < 0 || !lw_json_int(&j, vt, &version) || version != 1) {
        snprintf(err, errlen, "credential_process output: Version is not 1");
        goto done;
    }
    if (str_field(&j, "AccessKeyId", out->access_key, sizeof out->access_key, true, err, errlen) < 0 ||
        str_field(&j, "SecretAccessKey", out->secret_key, sizeof out->secret_key, true, err, errlen) < 0 ||
        str_field(&j, "SessionToken", out->session_token, sizeof out->session_token, false, err, errlen) < 0 ||
        str_field(&j, "Expiration", exp, sizeof exp, false, err, errlen) < 0)
        goto done;
    if (exp[0] && iso_field("credential_process output: Expiration", exp, &out->expires_ms, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0) {
        lw_creds_wipe(out);
        /* str_field's messages say "credentials response" */
    }
    lw_json_free(&j);
    return rc;
}

int lw_creds_parse_sso_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lw_json j;
    int rc = -1;
    if (parse_object(&j, json, n, err, errlen, "GetRoleCredentials answer") < 0)
        goto done;
    int rcr = lw_json_get(&j, 0, "roleCredentials");
    if (rcr < 0 || j.tok[rcr].type != JSMN_OBJECT) {
        snprintf(err, errlen, "GetRoleCredentials answer has no roleCredentials object");
        goto done;
    }
    int64_t ms = 0;
    int et = lw_json_get(&j, rcr, "expiration");
    if (str_field_in(&j, rcr, "accessKeyId", out->access_key, sizeof out->access_key, true, err, errlen) < 0 ||
        str_field_in(&j, rcr, "secretAccessKey", out->secret_key, sizeof out->secret_key, true, err, errlen) < 0 ||
        str_field_in(&j, rcr, "sessionToken", out->session_token, sizeof out->session_token, true, err, errlen) < 0)
        goto done;
    if (et < 0 || !lw_json_int(&j, et, &ms) || ms <= 0) {
        snprintf(err, errlen, "GetRoleCredentials answer: expiration is not a time in milliseconds");
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

int lw_creds_parse_sso_token(const char *json, size_t n, char *token, size_t cap, int64_t *expires_ms, char *err,
                             size_t errlen)
{
    lw_json j;
    int rc = -1;
    char exp[64];
    *expires_ms = 0;
    if (cap)
        token[0] = '\0';
    if (parse_object(&j, json, n, err, errlen, "the SSO token cache file") < 0)
        goto done;
    if (str_field(&j, "accessToken", token, cap, true, err, errlen) < 0 ||
        str_field(&j, "expiresAt", exp, sizeof exp, true, err, errlen) < 0 ||
        iso_field("the SSO token's expiresAt", exp, expires_ms, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0 && cap)
        lw_wipe(token, cap);
    lw_json_free(&j);
    return rc;
}

int lw_shell_split(const char *cmd, char *buf, size_t cap, char **argv, int maxargs)
{
    size_t o = 0;
    int argc = 0;
    const char *c = cmd;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
            c++;
        if (!*c)
            break;
        if (argc + 1 >= maxargs)
            return -1;
        argv[argc++] = buf + o;
        /* one word: runs until an unquoted blank */
        while (*c && !(*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')) {
            char ch;
            if (*c == '\'') {
                const char *e = strchr(c + 1, '\'');
                if (!e)
                    return -1;
                size_t l = (size_t)(e - c - 1);
                if (o + l + 1 >= cap)
                    return -1;
                memcpy(buf + o, c + 1, l);
                o += l;
                c = e + 1;
                continue;
            }
            if (*c == '"') {
                c++;
                while (*c != '"') {
                    if (!*c)
                        return -1;
                    /* shlex (posix): in double quotes a backslash escapes only " and itself */
                    if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
                        c++;
                    if (o + 2 >= cap)
                        return -1;
                    buf[o++] = *c++;
                }
                c++;
                continue;
            }
            if (*c == '\\') {
                c++;
                if (!*c)
                    return -1; /* shlex: "No escaped character" */
            }
            ch = *c++;
            if (o + 2 >= cap)
                return -1;
            buf[o++] = ch;
        }
        buf[o++] = '\0';
    }
    argv[argc] = NULL;
    return argc;
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
