/* config: see config.h. */
#include "config/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/timeutil.h"
#include "common/url.h"
#include "common/wipe.h"
#include "config/options.h"
#include "detectors/detector.h"
#include "detectors/rules.h"

typedef lw_option opt;

#define C(f) offsetof(lw_config, f)
#define W(f) offsetof(lw_watch_cfg, f)
#define H(f) offsetof(lw_webhook_cfg, f)

static const opt aws_opts[] = {
    LW_OPT("region", LW_OPT_STR, NULL, C(region), 0, 0, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile)"),
    LW_OPT("profile", LW_OPT_STR, NULL, C(profile), 0, 0,
           "profile in the shared AWS files, of any kind the AWS CLI reads: keys, role_arn, web identity, SSO, "
           "credential_process (default: AWS_PROFILE, then default)"),
    LW_OPT("endpoint_url", LW_OPT_STR, NULL, C(endpoint_url), 0, 0,
     "CloudWatch Logs endpoint (default: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL, then AWS's)"),
    LW_OPT("ca_bundle", LW_OPT_STR, NULL, C(ca_bundle), 0, 0, "CA certificates file for TLS (default: the system's)"),
    LW_OPT("filter_tps", LW_OPT_DOUBLE, "5", C(filter_tps), 0.1, 100,
     "FilterLogEvents calls per second for the whole process (AWS's hard limit is 5 per account and region)"),
    LW_OPT("describe_tps", LW_OPT_DOUBLE, "2", C(describe_tps), 0.1, 100, "DescribeLogGroups/Streams calls per second"),
    LW_OPT("request_timeout", LW_OPT_DURATION, "30s", C(request_timeout_s), 1, 600, "timeout of one API request"),
    LW_OPT_END,
};

static const opt state_opts[] = {
    LW_OPT("path", LW_OPT_STR, NULL, C(state_path), 0, 0,
     "SQLite state file (default: $STATE_DIRECTORY/state.db, else /var/lib/lambdaward/state.db)"),
    LW_OPT_END,
};

/* Index 0 is info, so a config that was never given defaults logs as one
 * that says nothing. "warn" is warning, as daemon/log.c has always taken. */
const char *const lw_log_level_names[] = {"info", "debug", "notice", "warning", "error", "warn", NULL};

static const opt log_opts[] = {
    {.name = "level", .type = LW_OPT_CHOICE, .dflt = "info", .offset = C(log_level), .choices = lw_log_level_names,
     .help = "the least important messages logged: debug adds every AWS API call, retry, webhook delivery attempt "
             "and credential source (never a secret)"},
    LW_OPT_END,
};

static const opt metrics_opts[] = {
    LW_OPT("bind", LW_OPT_STR, "127.0.0.1", C(metrics_bind), 0, 0,
     "address of the Prometheus /metrics endpoint (the only place /metrics is served)"),
    LW_OPT("port", LW_OPT_INT, "0", C(metrics_port), 0, 65535, "port of the /metrics endpoint (0 = off)"),
    LW_OPT("token", LW_OPT_SECRET, NULL, C(metrics_token), 0, 0,
     "bearer token scrapers must send (Authorization: Bearer TOKEN; or token_file / token_env); "
     "needed when bind is not a loopback address"),
    LW_OPT_END,
};

static const opt ingest_opts[] = {
    LW_OPT("enabled", LW_OPT_BOOL, "true", C(ingest_enabled), 0, 0, "accept Firehose HTTP endpoint deliveries"),
    LW_OPT("bind", LW_OPT_STR, "127.0.0.1", C(ingest_bind), 0, 0, "listen address (put a TLS terminator in front)"),
    LW_OPT("port", LW_OPT_INT, "8443", C(ingest_port), 1, 65535, "listen port"),
    LW_OPT("access_key", LW_OPT_SECRET, NULL, C(ingest_access_key), 0, 0,
     "the access key configured on the Firehose stream (or access_key_file / access_key_env)"),
    /* Defaults accept the largest delivery Firehose makes (64 MiB buffers,
     * 10,000 records of up to 1,000 KiB): a 413 is final to Firehose. */
    LW_OPT("max_body", LW_OPT_SIZE, "64M", C(ingest_max_body), 1024, 1e9, "largest request body accepted"),
    LW_OPT("max_decompressed", LW_OPT_SIZE, "256M", C(ingest_max_decompressed), 1024, 16e9,
     "largest body after gunzip, and all its records after gunzip together (gzip bombs)"),
    LW_OPT("max_records", LW_OPT_INT, "10000", C(ingest_max_records), 1, 1e6, "records per request"),
    LW_OPT("max_record", LW_OPT_SIZE, "1000k", C(ingest_max_record), 1024, 1e9,
     "largest record (its data, base64-decoded)"),
    LW_OPT("max_record_decompressed", LW_OPT_SIZE, "16M", C(ingest_max_record_decompressed), 1024, 4e9,
     "largest record after gunzip; past it the request is refused, retryably"),
    LW_OPT("max_connections", LW_OPT_INT, "256", C(ingest_max_connections), 1, 10000,
     "concurrent connections (when full, the one idle longest is closed)"),
    LW_OPT("max_connections_per_client", LW_OPT_INT, "32", C(ingest_max_per_client), 1, 10000,
     "concurrent connections from one address (behind a proxy, all are the proxy's)"),
    LW_OPT("timeout", LW_OPT_DURATION, "120s", C(ingest_timeout_s), 1, 600,
     "a request's body must arrive within this after its headers (Firehose waits 3 minutes for an answer)"),
    LW_OPT("header_timeout", LW_OPT_DURATION, "10s", C(ingest_header_timeout_s), 1, 600,
     "headers must arrive within this, and an idle connection is closed after it"),
    LW_OPT("request_retention", LW_OPT_DURATION, "24h", C(ingest_request_retention_s), 7200, 30 * 86400,
     "how long request ids are remembered (longer than Firehose's longest retry duration, 2 h)"),
    LW_OPT("event_id_retention", LW_OPT_DURATION, "3h", C(ingest_event_id_retention_s), 0, 30 * 86400,
     "how long log event ids are remembered, behind the request id (0 = not at all)"),
    LW_OPT_END,
};

static const opt watch_opts[] = {
    LW_OPT("log_group_prefix", LW_OPT_LIST, NULL, W(prefixes), 0, 0, "watch log groups whose names start with this (one that matches none is a warning in the log and in "
           "`status`, not an error: groups may appear later)"),
    LW_OPT("log_group_pattern", LW_OPT_LIST, NULL, W(patterns), 0, 0, "watch log groups whose names contain this"),
    LW_OPT("log_group", LW_OPT_LIST, NULL, W(groups), 0, 0, "watch this log group"),
    LW_OPT("log_group_exclude", LW_OPT_LIST, NULL, W(exclude), 0, 0, "skip log groups whose names contain this"),
    LW_OPT("poll_interval", LW_OPT_DURATION, "30s", W(poll_interval_s), 1, 86400, "how often a quiet group is polled"),
    LW_OPT("lookback", LW_OPT_DURATION, "5m", W(lookback_s), 0, 14 * 86400, "events that become visible up to this long after their timestamp are still analysed: a full re-read this far back runs every lookback (CloudWatch accepts events up to 14 days old)"),
    LW_OPT("quick_lookback", LW_OPT_DURATION, "10s", W(quick_lookback_s), 0, 14 * 86400, "the least that polls between full re-reads read again; more when the group's events have arrived later lately (capped at lookback)"),
    LW_OPT("discovery_interval", LW_OPT_DURATION, "5m", W(discovery_interval_s), 10, 86400, "how often new log groups are looked for"),
    LW_OPT("push", LW_OPT_BOOL, "false", W(push), 0, 0, "these groups arrive by Firehose push: never poll them"),
    LW_OPT_END,
};

/* In the order of lw_webhook_format. */
static const char *const formats[] = {"json", "slack", NULL};

static const opt webhook_opts[] = {
    LW_OPT("url", LW_OPT_SECRET, NULL, H(url), 0, 0,
           "where findings are POSTed (https; http only to loopback), or url_file / url_env: a Slack, Teams or "
           "Discord URL is itself the credential"),
    {.name = "format", .type = LW_OPT_CHOICE, .dflt = "json", .offset = H(format), .choices = formats,
     .help = "json (the finding object) or slack"},
    LW_OPT("secret", LW_OPT_SECRET, NULL, H(secret), 0, 0, "HMAC-SHA256 signing secret (or secret_file / secret_env)"),
    LW_OPT("min_severity", LW_OPT_SEVERITY, "low", H(min_severity), 0, 0, "send findings of this severity or higher"),
    LW_OPT("detectors", LW_OPT_LIST, NULL, H(detectors), 0, 0, "send only these detectors' findings (default: all)"),
    LW_OPT("rate_limit", LW_OPT_DOUBLE, "60", H(rate_limit_per_min), 0, 1e6, "deliveries per minute at most (0 = no limit)"),
    LW_OPT("max_age", LW_OPT_DURATION, "24h", H(max_age_s), 60, 30 * 86400, "give up on a finding not delivered after this long"),
    LW_OPT("timeout", LW_OPT_DURATION, "10s", H(timeout_s), 0.1, 300, "timeout of one delivery attempt"),
    LW_OPT("retry_base", LW_OPT_DURATION, "2s", H(retry_base_s), 0.01, 3600, "first retry within this; each next one doubles"),
    LW_OPT("retry_max", LW_OPT_DURATION, "10m", H(retry_max_s), 0.01, 86400, "longest wait between two attempts"),
    LW_OPT("header", LW_OPT_SECRET_LINES, NULL, H(headers), 0, 0,
           "extra header \"Name: value\" (repeatable), or header_file = PATH with one per line (an "
           "Authorization header is a credential)"),
    LW_OPT("allow_insecure_http", LW_OPT_BOOL, "false", H(allow_insecure_http), 0, 0, "allow plain http to non-loopback hosts"),
    LW_OPT_END,
};

#define R(f) offsetof(lw_rule_cfg, f)

static const opt rule_opts[] = {
    LW_OPT("pattern", LW_OPT_STR, NULL, R(pattern), 0, 0,
           "PCRE2 regex matched against each log line and sensor payload"),
    LW_OPT("severity", LW_OPT_SEVERITY, "medium", R(severity), 0, 0, "severity of the rule's findings"),
    LW_OPT_END,
};

#define S(f) offsetof(lw_suppress_cfg, f)

static const opt suppress_opts[] = {
    LW_OPT("detector", LW_OPT_STR, NULL, S(detector), 0, 0, "the detector whose findings are muted (a name, rule:NAME, or * for any)"),
    LW_OPT("function", LW_OPT_STR, NULL, S(function), 0, 0, "only findings of functions matching this glob (* ? [...])"),
    LW_OPT("match", LW_OPT_LINES, NULL, S(match), 0, 0, "FIELD=GLOB: only findings whose evidence field FIELD (or top-level field, e.g. log_group) matches GLOB; repeatable, all must match"),
    LW_OPT("expires", LW_OPT_STR, NULL, S(expires), 0, 0, "ISO 8601 date or time after which the section mutes nothing (judged by the wall clock when the finding is recorded)"),
    LW_OPT_END,
};

/* Every [detector NAME] has these besides the detector's own table. */
static const opt detector_opts[] = {
    LW_OPT("enabled", LW_OPT_BOOL, "true", 0, 0, 0, "false turns the detector off"),
    LW_OPT_END,
};

/* ---- loading ------------------------------------------------------------ */

typedef struct loader {
    lw_config *cfg;
    FILE *f;
    int line;
    bool too_long;
    const lw_option *inline_opt; /* the first credential written inline, for the warning */
    const char *inline_kind;     /* what it is ("a secret", "a webhook header value"...) */
    int inline_line;
    lw_buf section;       /* last section seen, for per-section state */
    void *obj;            /* struct of the current [watch]/[webhook]/... */
    const opt *opts;
    const lw_detector_ops *det;
} loader;

static void add(lw_strlist *l, const char *s)
{
    l->v = lw_xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
    l->v[l->n++] = strdup(s);
}

static void errf(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errf(loader *L, const char *fmt, ...)
{
    char msg[512], line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s:%d: %s", L->cfg->path, L->line, msg);
    add(&L->cfg->errors, line);
}

static const char *skipws(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static void enter_section(loader *L, const char *section);

static char *reader(char *str, int num, void *stream)
{
    loader *L = stream;
    char *r = fgets(str, num, L->f);
    if (!r)
        return NULL;
    L->line++;
    size_t n = strlen(r);
    /* Sections are entered here rather than in the handler: inih reports a
     * section only with its first key, so an empty or misspelt section
     * would go unnoticed, and errors would carry the wrong line. */
    const char *p = skipws(r);
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (e) {
            const char *b = skipws(p + 1);
            while (e > b && isspace((unsigned char)e[-1]))
                e--;
            lw_buf_reset(&L->section);
            lw_buf_append(&L->section, b, (size_t)(e - b));
            enter_section(L, L->section.p);
        }
    }
    if (n == (size_t)num - 1 && r[n - 1] != '\n' && !feof(L->f)) {
        errf(L, "line longer than %d characters", num - 2);
        int c;
        while ((c = fgetc(L->f)) != EOF && c != '\n')
            ;
    }
    return r;
}

static void wipe(char *secret)
{
    lw_wipe_str(secret);
    free(secret);
}

/* A secret file holds a secret, a URL or a few header lines: anything
 * larger is the wrong file, refused rather than cut. */
#define SECRET_FILE_MAX 8192

static char *read_secret_path(loader *L, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        errf(L, "cannot read secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[SECRET_FILE_MAX + 1];
    size_t n = fread(buf, 1, sizeof buf, f);
    int failed = ferror(f) ? errno : 0;
    fclose(f);
    char *v = NULL;
    while (n && n <= SECRET_FILE_MAX && isspace((unsigned char)buf[n - 1]))
        n--;
    if (failed)
        errf(L, "cannot read secret file %s: %s", path, strerror(failed));
    else if (n > SECRET_FILE_MAX)
        errf(L, "secret file %s is larger than %d bytes", path, SECRET_FILE_MAX);
    else if (!n)
        errf(L, "secret file %s is empty", path);
    else
        v = lw_xstrndup(buf, n);
    lw_wipe(buf, sizeof buf);
    return v;
}

/* "credential:NAME" names a systemd credential: the unit's LoadCredential=
 * copies it into $CREDENTIALS_DIRECTORY, readable by the service's own
 * (dynamic) user, while the source stays root-only. A name is one path
 * component, as systemd's credential names are. Any other value is a path,
 * as written. Returns the path to open (malloc'd) or NULL after an error. */
#define CREDENTIAL_PREFIX "credential:"

static char *secret_path(loader *L, const char *value)
{
    size_t pn = strlen(CREDENTIAL_PREFIX);
    if (strncmp(value, CREDENTIAL_PREFIX, pn))
        return lw_xstrndup(value, strlen(value));
    const char *name = value + pn;
    if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
        errf(L, "%s: a credential name is one file name (no '/', not . or ..)", value);
        return NULL;
    }
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir) {
        errf(L, "%s: CREDENTIALS_DIRECTORY is not set (systemd sets it for LoadCredential=; "
                "outside systemd, set it or give a path)", value);
        return NULL;
    }
    lw_buf b = LW_BUF_INIT;
    lw_buf_printf(&b, "%s/%s", dir, name);
    return b.p;
}

static char *read_secret_file(loader *L, const char *value)
{
    char *path = secret_path(L, value);
    if (!path)
        return NULL;
    char *v = read_secret_path(L, path);
    free(path);
    return v;
}

/* What an inline value of o is, for the warning about a file others can
 * read; NULL when it is no credential. A webhook URL is one only for the
 * services whose URL is the whole credential (Slack, Teams, Discord). */
static const char *inline_kind(const opt *o, const char *value)
{
    if (o->type == LW_OPT_SECRET_LINES)
        return "a webhook header value";
    if (!strcmp(o->name, "url")) {
        lw_url u;
        char err[128];
        if (lw_url_parse(value, &u, err, sizeof err) == 0 && u.secret_hook)
            return "a Slack, Teams or Discord webhook URL";
        return NULL;
    }
    return "a secret";
}

/* The text of a secret option: inline, from <name>_file, or from
 * <name>_env (`how` is "", "_file" or "_env"); NULL after an error. */
static char *secret_text(loader *L, const opt *o, const char *value, const char *how)
{
    if (!*how) {
        const char *kind = inline_kind(o, value);
        if (kind && !L->inline_opt) {
            L->inline_opt = o;
            L->inline_kind = kind;
            L->inline_line = L->line;
        }
        return strdup(value);
    }
    if (!strcmp(how, "_file"))
        return read_secret_file(L, value);
    const char *e = getenv(value);
    if (!e || !*e) {
        errf(L, "%s_env: environment variable %s is not set", o->name, value);
        return NULL;
    }
    return strdup(e);
}

/* Each line of text, trimmed, into l; blank lines and # comments skipped. */
static void add_lines(lw_strlist *l, char *text)
{
    char *save = NULL;
    for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        t = (char *)skipws(t);
        size_t n = strlen(t);
        while (n && isspace((unsigned char)t[n - 1]))
            t[--n] = '\0';
        if (n && *t != '#')
            add(l, t);
    }
}

/* A value the table's type and range refuse is reported where it stands:
 * "FILE:LINE: [detector attack] max_functions = -1: must be an integer from
 * 1 to 1000000". Nothing is stored, so the default stays in effect. */
static bool parse_scalar(loader *L, void *base, const opt *o, const char *value)
{
    char err[256];
    if (lw_option_parse(o, value, base, err, sizeof err) == 0)
        return true;
    errf(L, "[%s] %s = %s: %s", L->section.p ? L->section.p : "", o->name, value, err);
    return false;
}

/* Sets one option. `how` is "", "_file" or "_env" for secrets. */
static void set(loader *L, void *base, const opt *o, const char *value, const char *how)
{
    void *field = (char *)base + o->offset;
    switch (o->type) {
    case LW_OPT_SECRET:
    case LW_OPT_SECRET_LINES: {
        char *v = secret_text(L, o, value, how);
        if (!v)
            return;
        if (o->type == LW_OPT_SECRET) {
            wipe(*(char **)field);
            *(char **)field = v;
            return;
        }
        if (*how)
            add_lines((lw_strlist *)field, v);
        else
            add((lw_strlist *)field, v); /* as written, so a malformed line is reported */
        wipe(v);
        return;
    }
    case LW_OPT_LIST: {
        char *copy = strdup(value), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            char *s = (char *)skipws(t);
            size_t n = strlen(s);
            while (n && isspace((unsigned char)s[n - 1]))
                s[--n] = '\0';
            if (n)
                add((lw_strlist *)field, s);
        }
        free(copy);
        return;
    }
    case LW_OPT_LINES:
        add((lw_strlist *)field, value);
        return;
    default:
        parse_scalar(L, base, o, value);
        return;
    }
}

static void defaults(loader *L, void *base, const opt *opts)
{
    /* A default is never a credential written in the file. */
    const opt *was = L->inline_opt;
    for (const opt *o = opts; o->name; o++)
        if (o->dflt)
            set(L, base, o, o->dflt, "");
    L->inline_opt = was;
}

static bool handle_opt(loader *L, void *base, const opt *opts, const char *name, const char *value)
{
    for (const opt *o = opts; o->name; o++) {
        size_t n = strlen(o->name);
        if (!strcmp(name, o->name)) {
            set(L, base, o, value, "");
            return true;
        }
        if ((o->type == LW_OPT_SECRET || o->type == LW_OPT_SECRET_LINES) && !strncmp(name, o->name, n) &&
            (!strcmp(name + n, "_file") || !strcmp(name + n, "_env"))) {
            set(L, base, o, value, name + n);
            return true;
        }
    }
    return false;
}

/* "webhook ops" -> kind "webhook", name "ops" */
static void split_section(const char *section, char *kind, size_t kl, const char **name)
{
    const char *sp = strchr(section, ' ');
    size_t n = sp ? (size_t)(sp - section) : strlen(section);
    snprintf(kind, kl, "%.*s", (int)n, section);
    *name = sp ? skipws(sp) : "";
}

/* [watch], [webhook] and [rule] each make a named object (their structs
 * share name, line and next), kept in the file's order, that the options
 * after the header fill in. A macro: the three lists have their own types. */
#define NAMED_SECTION(L, list, nm, table)                                                                              \
    do {                                                                                                               \
        __typeof__(list) o_ = lw_xcalloc(1, sizeof *o_);                                                               \
        o_->name = strdup(nm);                                                                                         \
        o_->line = (L)->line;                                                                                          \
        defaults((L), o_, (table));                                                                                    \
        __typeof__(list) *t_ = &(list);                                                                                \
        while (*t_)                                                                                                    \
            t_ = &(*t_)->next;                                                                                         \
        *t_ = o_;                                                                                                      \
        (L)->obj = o_;                                                                                                 \
        (L)->opts = (table);                                                                                           \
    } while (0)

static void enter_section(loader *L, const char *section)
{
    lw_config *c = L->cfg;
    char kind[64];
    const char *name;
    split_section(section, kind, sizeof kind, &name);
    L->obj = NULL;
    L->opts = NULL;
    L->det = NULL;
    if (!strcmp(kind, "aws")) { L->obj = c; L->opts = aws_opts; }
    else if (!strcmp(kind, "state")) { L->obj = c; L->opts = state_opts; }
    else if (!strcmp(kind, "log")) { L->obj = c; L->opts = log_opts; }
    else if (!strcmp(kind, "metrics")) { L->obj = c; L->opts = metrics_opts; c->metrics_line = L->line; }
    else if (!strcmp(kind, "ingest")) {
        if (strcmp(name, "firehose")) {
            errf(L, "unknown ingest type '%s' (only [ingest firehose])", name);
            return;
        }
        L->obj = c;
        L->opts = ingest_opts;
        c->ingest_enabled = true;
        c->ingest_line = L->line;
    } else if (!strcmp(kind, "watch")) {
        NAMED_SECTION(L, c->watches, *name ? name : "default", watch_opts);
    } else if (!strcmp(kind, "webhook")) {
        if (!*name) {
            errf(L, "[webhook] needs a name: [webhook NAME]");
            return;
        }
        for (lw_webhook_cfg *h = c->webhooks; h; h = h->next)
            if (!strcmp(h->name, name))
                errf(L, "webhook '%s' is defined twice", name);
        NAMED_SECTION(L, c->webhooks, name, webhook_opts);
    } else if (!strcmp(kind, "detector")) {
        L->det = lw_detector_find(name);
        if (!L->det)
            errf(L, "unknown detector '%s'", name);
    } else if (!strcmp(kind, "rule")) {
        if (!*name) {
            errf(L, "[rule] needs a name: [rule NAME]");
            return;
        }
        NAMED_SECTION(L, c->rules, name, rule_opts);
    } else if (!strcmp(kind, "suppress")) {
        if (!*name) {
            errf(L, "[suppress] needs a name: [suppress NAME]");
            return;
        }
        for (lw_suppress_cfg *x = c->suppressions; x; x = x->next)
            if (!strcmp(x->name, name))
                errf(L, "suppress '%s' is defined twice", name);
        NAMED_SECTION(L, c->suppressions, name, suppress_opts);
    } else {
        errf(L, "unknown section [%s]", section);
    }
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    loader *L = user;
    if (!name)
        return 1; /* a section header alone (inih may report it with NULL name) */
    if (!*section) {
        errf(L, "'%s' is outside any section", name);
        return 1;
    }
    if (L->opts) {
        if (!handle_opt(L, L->obj, L->opts, name, value))
            errf(L, "unknown option '%s' in [%s]", name, section);
        return 1;
    }
    if (L->det) {
        bool on = true;
        if (!strcmp(name, "enabled")) {
            if (parse_scalar(L, &on, detector_opts, value) && !on)
                add(&L->cfg->disabled_detectors, L->det->name);
            return 1;
        }
        const lw_option *o = lw_option_find(L->det->options, name);
        if (!o) {
            errf(L, "detector %s has no option '%s'", L->det->name, name);
            return 1;
        }
        /* Checked here, against a scratch config, so check-config reports
         * it with its line; the pipeline applies the same text through the
         * same parser when it builds the detector. */
        void *scratch = lw_xcalloc(1, L->det->config_size);
        bool ok = parse_scalar(L, scratch, o, value);
        free(scratch);
        if (!ok)
            return 1;
        lw_detector_setting *s = lw_xcalloc(1, sizeof *s);
        s->detector = strdup(L->det->name);
        s->key = strdup(name);
        s->value = strdup(value);
        s->line = L->line;
        s->next = L->cfg->detector_settings;
        L->cfg->detector_settings = s;
    }
    return 1;
}

/* https anywhere; plain http only to loopback (common/url.h) unless
 * allow_insecure_http; never userinfo, which libcurl would send as Basic
 * auth and which would sit in every URL shown. Messages show the origin
 * only: the rest of a webhook URL is often its credential. */
static void check_url(loader *L, const lw_webhook_cfg *h)
{
    lw_url u;
    char err[128], origin[320];
    if (!h->url) {
        errf(L, "webhook '%s' has no url (url, url_file or url_env)", h->name);
        return;
    }
    if (lw_url_parse(h->url, &u, err, sizeof err) < 0) {
        errf(L, "webhook '%s': url is not a valid URL (%s)", h->name, err);
        return;
    }
    lw_url_origin(&u, origin, sizeof origin);
    if (strcmp(u.scheme, "https") && strcmp(u.scheme, "http"))
        errf(L, "webhook '%s': url must be https:// (got %s://)", h->name, u.scheme);
    else if (!u.host[0])
        errf(L, "webhook '%s': url has no host", h->name);
    else if (u.userinfo)
        errf(L, "webhook '%s': url %s carries a user name or password, which would be sent as Basic auth and "
                "shown wherever the URL is: put the credential in a header (header_file = PATH) instead",
             h->name, origin);
    else if (!strcmp(u.scheme, "http") && u.rewritten && !h->allow_insecure_http)
        errf(L, "webhook '%s': plain http to a host not written as a plain name or address (libcurl reads it as "
                "%s): write it as 127.0.0.1, [::1] or localhost, or use https", h->name, origin);
    else if (!strcmp(u.scheme, "http") && !u.loopback && !h->allow_insecure_http)
        errf(L, "webhook '%s': plain http to %s: use https, or set allow_insecure_http = true (plain http is "
                "allowed to 127.0.0.0/8, [::1] and localhost)", h->name, origin);
}

/* "Name: value" with a token as name (RFC 9110) and no control character
 * in the value: anything else would go out as a broken or an extra header. */
static bool header_ok(const char *hd)
{
    const char *colon = strchr(hd, ':');
    if (!colon || colon == hd)
        return false;
    for (const char *c = hd; c < colon; c++)
        if (!isalnum((unsigned char)*c) && !strchr("!#$%&'*+-.^_`|~", *c))
            return false;
    for (const char *c = colon + 1; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return false;
    return true;
}

static void validate(loader *L)
{
    lw_config *c = L->cfg;
    L->line = 0;
    for (lw_webhook_cfg *h = c->webhooks; h; h = h->next) {
        L->line = h->line;
        check_url(L, h);
        /* Never echoed: a header may be a credential. */
        for (int i = 0; i < h->headers.n; i++)
            if (!header_ok(h->headers.v[i]))
                errf(L, "webhook '%s': header %d is not \"Name: value\" (a token name, no control characters)",
                     h->name, i + 1);
        for (int i = 0; i < h->detectors.n; i++)
            if (!lw_detector_find(h->detectors.v[i]) && strncmp(h->detectors.v[i], "rule:", 5))
                errf(L, "webhook '%s': unknown detector '%s'", h->name, h->detectors.v[i]);
    }
    for (lw_watch_cfg *w = c->watches; w; w = w->next)
        if ((L->line = w->line), !w->prefixes.n && !w->patterns.n && !w->groups.n)
            errf(L, "watch '%s' selects no log group: set log_group_prefix, log_group_pattern or log_group", w->name);
    for (lw_rule_cfg *r = c->rules; r; r = r->next) {
        L->line = r->line;
        char err[256];
        if (!r->pattern)
            errf(L, "rule '%s' has no pattern", r->name);
        else if (lw_rule_check(r->pattern, err, sizeof err) < 0)
            errf(L, "rule '%s': %s", r->name, err);
    }
    for (lw_suppress_cfg *x = c->suppressions; x; x = x->next) {
        L->line = x->line;
        if (!x->detector)
            errf(L, "suppress '%s' has no detector (a detector name, rule:NAME, or *)", x->name);
        else if (strcmp(x->detector, "*") && !lw_detector_find(x->detector) && strncmp(x->detector, "rule:", 5))
            errf(L, "suppress '%s': unknown detector '%s'", x->name, x->detector);
        for (int i = 0; i < x->match.n; i++) {
            const char *eq = strchr(x->match.v[i], '=');
            if (!eq || eq == x->match.v[i])
                errf(L, "suppress '%s': match = %s is not FIELD=GLOB", x->name, x->match.v[i]);
        }
        if (x->expires) {
            int64_t ms;
            size_t n = strlen(x->expires);
            if (lw_parse_iso8601(x->expires, n, &ms) != n || ms <= 0)
                errf(L, "suppress '%s': expires = %s is not an ISO 8601 date or time (2026-12-31, "
                        "2026-12-31T18:00:00Z)", x->name, x->expires);
            else
                x->expires_ms = ms;
        }
    }
    if (c->ingest_enabled && !c->ingest_access_key) {
        L->line = c->ingest_line;
        errf(L, "[ingest firehose] needs access_key (or access_key_file / access_key_env)");
    }
    if (!c->state_path) {
        const char *sd = getenv("STATE_DIRECTORY"); /* set by systemd's StateDirectory= */
        lw_buf p = LW_BUF_INIT;
        if (sd && *sd) {
            const char *colon = strchr(sd, ':'); /* several directories: the first */
            lw_buf_append(&p, sd, colon ? (size_t)(colon - sd) : strlen(sd));
        } else {
            lw_buf_puts(&p, "/var/lib/lambdaward");
        }
        lw_buf_puts(&p, "/state.db");
        c->state_path = p.p;
    }
}

/* RFC 6750's b64token: what can stand after "Bearer " in a header. */
static bool bearer_token_ok(const char *t)
{
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    return n > 0 && t[n + strspn(t + n, "=")] == '\0';
}

static bool loopback_address(const char *a)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, a, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, a, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* [metrics]: a token scrapers can send, and a warning when the counters
 * (log group names, finding counts by detector) are open to the network. */
static void check_metrics(loader *L)
{
    lw_config *c = L->cfg;
    L->line = c->metrics_line;
    if (c->metrics_token && !bearer_token_ok(c->metrics_token))
        errf(L, "[metrics] token: only letters, digits and -._~+/ (then = padding) can be sent as a bearer token");
    if (c->metrics_port && c->metrics_bind && !loopback_address(c->metrics_bind) && !c->metrics_token) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s: [metrics] bind = %s is not a loopback address and no token is set: anyone who can reach "
                 "port %d reads the metrics; set token_file (or bind = 127.0.0.1)",
                 c->path, c->metrics_bind, (int)c->metrics_port);
        add(&c->warnings, msg);
    }
}

int lw_config_load(const char *path, lw_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = strdup(path);
    loader L = {.cfg = cfg};
    defaults(&L, cfg, aws_opts);
    defaults(&L, cfg, log_opts);
    defaults(&L, cfg, metrics_opts);
    defaults(&L, cfg, ingest_opts);
    cfg->ingest_enabled = false; /* on only when the section exists */
    L.f = fopen(path, "r");
    if (!L.f) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: cannot open: %s", path, strerror(errno));
        add(&cfg->errors, msg);
        return cfg->errors.n;
    }
    int rc = ini_parse_stream(reader, &L, handler, &L);
    if (rc > 0) {
        L.line = rc;
        errf(&L, "syntax error (expected [section], key = value, or a ; comment)");
    }
    struct stat st;
    if (L.inline_opt && fstat(fileno(L.f), &st) == 0 && (st.st_mode & 077)) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s:%d: holds %s inline (%s) and is readable by group or others (mode %03o): chmod 600, or "
                 "move it to %s_file = PATH or %s_env = VARIABLE",
                 path, L.inline_line, L.inline_kind, L.inline_opt->name, (unsigned)(st.st_mode & 0777), L.inline_opt->name,
                 L.inline_opt->name);
        add(&cfg->warnings, msg);
    }
    fclose(L.f);
    validate(&L);
    check_metrics(&L);
    lw_buf_free(&L.section);
    return cfg->errors.n;
}

static void free_list(lw_strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void wipe_list(lw_strlist *l)
{
    for (int i = 0; i < l->n; i++)
        lw_wipe_str(l->v[i]);
    free_list(l);
}

void lw_config_free(lw_config *c)
{
    free(c->path);
    free(c->region);
    free(c->profile);
    free(c->endpoint_url);
    free(c->ca_bundle);
    free(c->state_path);
    free(c->metrics_bind);
    wipe(c->metrics_token);
    free(c->ingest_bind);
    wipe(c->ingest_access_key);
    while (c->watches) {
        lw_watch_cfg *w = c->watches;
        c->watches = w->next;
        free(w->name);
        free_list(&w->prefixes);
        free_list(&w->patterns);
        free_list(&w->groups);
        free_list(&w->exclude);
        free(w);
    }
    while (c->webhooks) {
        lw_webhook_cfg *h = c->webhooks;
        c->webhooks = h->next;
        free(h->name);
        wipe(h->url);
        wipe(h->secret);
        free_list(&h->detectors);
        wipe_list(&h->headers);
        free(h);
    }
    while (c->detector_settings) {
        lw_detector_setting *s = c->detector_settings;
        c->detector_settings = s->next;
        free(s->detector);
        free(s->key);
        free(s->value);
        free(s);
    }
    while (c->rules) {
        lw_rule_cfg *r = c->rules;
        c->rules = r->next;
        free(r->name);
        free(r->pattern);
        free(r);
    }
    while (c->suppressions) {
        lw_suppress_cfg *x = c->suppressions;
        c->suppressions = x->next;
        free(x->name);
        free(x->detector);
        free(x->function);
        free_list(&x->match);
        free(x->expires);
        free(x);
    }
    free_list(&c->disabled_detectors);
    free_list(&c->errors);
    free_list(&c->warnings);
    memset(c, 0, sizeof *c);
}

/* One walk of the sections prints both references, so lambdaward.conf(5)
 * lists exactly what --reference does. The format is a file-scope flag
 * rather than a parameter of every call: the walk runs once, in a
 * one-shot command (check-config, or the man page generator). */
static bool ref_man;

static void ref_options(FILE *to, const opt *opts)
{
    if (ref_man)
        lw_options_reference_man(to, opts);
    else
        lw_options_reference(to, opts);
}

static void ref_section(FILE *to, const char *header, const char *about, const opt *opts)
{
    if (ref_man) {
        lw_options_man_heading(to, header, about);
    } else {
        fprintf(to, "\n%s\n", header);
        if (about)
            fprintf(to, "; %s\n", about);
    }
    ref_options(to, opts);
}

void lw_config_reference_man(FILE *to)
{
    ref_man = true;
    lw_config_reference(to);
    ref_man = false;
}

void lw_config_reference(FILE *to)
{
    if (!ref_man)
        fputs("; lambdaward configuration reference: every option with its meaning, type,\n"
              "; range and default. Lines starting with ';' are comments. Durations: 250ms,\n"
              "; 30s, 5m, 2h, 1d (a bare number is seconds). Sizes: 64k, 8M, 1G (a bare\n"
              "; number is bytes). Severities: info, low, medium, high, critical.\n",
              to);
    ref_section(to, "[aws]", NULL, aws_opts);
    ref_section(to, "[watch NAME]", "one section per set of log groups; repeat as needed", watch_opts);
    ref_section(to, "[webhook NAME]", "one section per destination; repeat as needed", webhook_opts);
    ref_section(to, "[ingest firehose]", "receive CloudWatch subscriptions through Firehose", ingest_opts);
    ref_section(to, "[state]", NULL, state_opts);
    ref_section(to, "[log]", NULL, log_opts);
    ref_section(to, "[metrics]", NULL, metrics_opts);
    ref_section(to, "[rule NAME]", "a user rule: findings named rule:NAME when a log line matches", rule_opts);
    ref_section(to, "[suppress NAME]", "mutes known-benign findings: recorded (lambdaward findings --suppressed), "
                "never sent to a webhook; repeat as needed", suppress_opts);
    for (int i = 0; lw_detector_registry[i]; i++) {
        const lw_detector_ops *d = lw_detector_registry[i];
        char header[96];
        snprintf(header, sizeof header, "[detector %s]", d->name);
        ref_section(to, header, d->summary, detector_opts);
        ref_options(to, d->options);
    }
}
