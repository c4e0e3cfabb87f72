/*
 * probe: requests for what an attacker inside a Lambda function wants: the
 * credentials (instance metadata, container credentials, the runtime API,
 * the process environment, ~/.aws/credentials), system files and the
 * function's own source, and the path traversal that gets there.
 *
 * Where: every TEXT and APP log message (an application that logs the URL
 * it fetched or the file it opened: the request reached the code), and the
 * path, query and raw request of every sensor event.
 *
 * Indicators, strongest first (the finding names the strongest one seen
 * and lists the others):
 *   instance_metadata      169.254.169.254 and its other spellings: decimal
 *                          2852039166, hex 0xa9fea9fe, dotted hex and octal,
 *                          IPv4-mapped [::ffff:169.254.169.254] /
 *                          [::ffff:a9fe:a9fe], IPv6 fd00:ec2::254,
 *                          instance-data.ec2.internal, /latest/meta-data,
 *                          /latest/api/token, /latest/user-data
 *   container_credentials  169.254.170.2 (2852039170)
 *   runtime_api            localhost|127.0.0.1|[::1]:9001,
 *                          /2018-06-01/runtime, ${AWS_LAMBDA_RUNTIME_API}
 *                          (not the AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 line of
 *                          an environment dump: secret_leak reports those)
 *   proc_environ           /proc/(self|thread-self|<pid>)/environ
 *   aws_credentials_file   .aws/credentials, .aws/config
 *   etc_shadow, proc_cmdline, etc_passwd
 *   var_task               /var/task/ (the function's code). In a log line
 *                          only in a request context (after = ? & or ../, or
 *                          in "GET /..."), so a Python traceback's
 *                          File "/var/task/app.py" and a Node.js stack's
 *                          file:///var/task/index.mjs never count
 *   path_traversal         traversal_min_depth (2) or more ../ or ..\ in a row.
 *                          In a log line only in a request context or aimed at
 *                          a system path (etc, proc, var, root, home, .aws,
 *                          .ssh, .env...), so a relative path in a stack trace
 *                          does not count
 * Percent-encoded forms (%2e%2e%2f, %252e double encoding, overlong
 * %c0%ae / %c0%af) are decoded (twice at most) and matched again; a match
 * that needed decoding says so (url_decoded: true) and skips the context
 * rules: encoding a traversal is never innocent.
 *
 * Severity: high when the request reached the code (a log line, or a
 * sensor event with blocked = false); medium for a blocked sensor event.
 *
 * Sensor events and `attack`: `attack` already reports every sensor event
 * (blocked: medium, unblocked: high, one by one). A second finding for the
 * same request adds only the classification, so by default probe reports a
 * sensor event only when it is unblocked and aims at a credential source
 * (instance_metadata, container_credentials, runtime_api, proc_environ,
 * aws_credentials_file): the step from "attacked" to "credentials
 * exposed". sensor_indicators = 2 reports every indicator, 0 none;
 * report_blocked = true adds blocked events (medium).
 *
 * Fragments of sensor records: a TEXT message shaped like one member line
 * of a pretty-printed JSON document (indented "key": value) is skipped.
 * Those are, in practice, the tail of a defence-json record whose header
 * was not seen (a --since window or a --jobs cut began inside it): the
 * record belongs to `attack`, and reading its payload as a log line would
 * call a blocked request one that reached the code.
 *
 * Identity: one finding per (function, indicator, source), where source
 * is the sensor event's client IP when known, else the request id, else
 * the log event itself: f.key is "<indicator>:ip:<address>",
 * "<indicator>:req:<request id>" or "<indicator>:event:<id>". Repeats within
 * repeat_s (1 h) are dropped: per function the detector remembers the last
 * 32 (indicator, source) pairs with their time (520 bytes per function, at
 * most max_functions; saved and restored with the daemon's state).
 *
 * Cost: the literal prefilter (rules.h) looks for 169.254., 2852039,
 * 0xa9, 0251., ::ffff:, fd00:ec2, /latest/, instance-data, :9001,
 * 2018-06-01/runtime, RUNTIME_API, proc/, etc/, var/task, .aws/c, ../, ..\,
 * %2e, %2f, %5c, %25, %c0%a, %c1%9c; PCRE2 runs only for the indicators
 * whose literal occurs.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/rules.h"

typedef struct probe_cfg {
    lw_severity log_severity;
    lw_severity unblocked_severity;
    lw_severity blocked_severity;
    bool report_blocked;
    double sensor_indicators;
    double traversal_min_depth;
    double repeat_s;
    double excerpt_bytes;
    double max_scan_bytes;
    double max_functions;
} probe_cfg;

static const lw_option options[] = {
    LW_OPT("log_severity", LW_OPT_SEVERITY, "high", offsetof(probe_cfg, log_severity), 0, 0,
           "severity of a probe seen in a log line: the request reached the code (never lower than low)"),
    LW_OPT("unblocked_severity", LW_OPT_SEVERITY, "high", offsetof(probe_cfg, unblocked_severity), 0, 0,
           "severity of a probe in a sensor event that was not blocked (never lower than low)"),
    LW_OPT("blocked_severity", LW_OPT_SEVERITY, "medium", offsetof(probe_cfg, blocked_severity), 0, 0,
           "severity of a probe in a blocked sensor event, when report_blocked is on (never lower than low)"),
    LW_OPT("report_blocked", LW_OPT_BOOL, "false", offsetof(probe_cfg, report_blocked), 0, 0,
           "also report probes in sensor events the agent blocked (off: `attack` already reports each one)"),
    LW_OPT("sensor_indicators", LW_OPT_INT, "1", offsetof(probe_cfg, sensor_indicators), 0, 2,
           "probes reported from sensor events: 0 = none, 1 = credential sources only (metadata, container "
           "credentials, runtime API, /proc/*/environ, .aws/credentials), 2 = every indicator"),
    LW_OPT("traversal_min_depth", LW_OPT_INT, "2", offsetof(probe_cfg, traversal_min_depth), 1, 64,
           "../ (or ..\\) repeated at least this many times is a path traversal"),
    LW_OPT("repeat_s", LW_OPT_DURATION, "3600", offsetof(probe_cfg, repeat_s), 0, 7 * 86400,
           "the same indicator from the same source on the same function is reported again only after this long"),
    LW_OPT("excerpt_bytes", LW_OPT_SIZE, "160", offsetof(probe_cfg, excerpt_bytes), 1, 65536,
           "bytes of the redacted line kept in evidence"),
    LW_OPT("max_scan_bytes", LW_OPT_SIZE, "262144", offsetof(probe_cfg, max_scan_bytes), 1, 16 * 1024 * 1024,
           "bytes of each message scanned"),
    LW_OPT("max_functions", LW_OPT_INT, "10000", offsetof(probe_cfg, max_functions), 1, 1e6,
           "functions whose recent (indicator, source) pairs are remembered (520 bytes each)"),
    LW_OPT_END,
};

enum ind {
    I_IMDS,
    I_ECS,
    I_RUNTIME,
    I_ENVIRON,
    I_AWSCREDS,
    I_SHADOW,
    I_CMDLINE,
    I_PASSWD,
    I_VARTASK,
    I_TRAVERSAL,
    I_COUNT
};
static const char *const ind_names[I_COUNT] = {
    "instance_metadata", "container_credentials", "runtime_api", "proc_environ", "aws_credentials_file",
    "etc_shadow",        "proc_cmdline",          "etc_passwd",  "var_task",     "path_traversal",
};
static const char *const ind_titles[I_COUNT] = {
    "Instance metadata request (SSRF)",
    "Container credentials request (SSRF)",
    "Lambda runtime API access",
    "Process environment read (/proc/*/environ)",
    "AWS credentials file read",
    "/etc/shadow read",
    "Process command line read (/proc/*/cmdline)",
    "/etc/passwd read",
    "Function source read (/var/task)",
    "Path traversal",
};

/* Prefilter groups, and the patterns they unlock. */
enum { G_META = 1, G_RUNTIME = 2, G_PROC = 4, G_ETC = 8, G_VARTASK = 16, G_AWSCREDS = 32, G_TRAV = 64, G_PCT = 128 };
static const lw_lit_def lits[] = {
    /* literal, case-insensitive, group */
    {"169.254.", false, G_META},
    {"2852039", false, G_META},
    {"0xa9", true, G_META},
    {"0251.", false, G_META},
    {"::ffff:", true, G_META},
    {"fd00:ec2", true, G_META},
    {"/latest/", false, G_META},
    {"instance-data", false, G_META},
    {":9001", false, G_RUNTIME},
    {"2018-06-01/runtime", false, G_RUNTIME},
    {"RUNTIME_API", false, G_RUNTIME},
    {"proc/", false, G_PROC},
    {"etc/", false, G_ETC},
    {"var/task", false, G_VARTASK},
    {".aws/c", false, G_AWSCREDS},
    {"../", false, G_TRAV},
    {"..\\", false, G_TRAV},
    {"%2e", true, G_PCT},
    {"%2f", true, G_PCT},
    {"%5c", true, G_PCT},
    {"%25", false, G_PCT},
    {"%c0%a", true, G_PCT},
    {"%c1%9c", true, G_PCT},
};

enum rx { R_IMDS, R_ECS, R_RUNTIME, R_PROC, R_ETC, R_AWSCREDS, R_VARTASK_ANY, R_VARTASK_CTX, R_TRAV_ANY, R_TRAV_CTX, R_COUNT };

#define RX_IMDS                                                                                         \
    "(?<![0-9.])169\\.254\\.169\\.254(?![0-9])|(?<![0-9])2852039166(?![0-9])|"                          \
    "(?i:0x0*a9fea9fe)(?![0-9a-fA-F])|(?i:0xa9\\.0xfe\\.0xa9\\.0xfe)(?![0-9a-fA-F])|"                    \
    "(?<![0-9])0+251\\.0+376\\.0+251\\.0+376(?![0-9])|(?i:::ffff:a9fe:a9fe)(?![0-9a-fA-F])|"             \
    "(?i:fd00:ec2::254)(?![0-9a-fA-F])|(?://|@)instance-data(?![A-Za-z0-9-])|instance-data\\.ec2\\.internal|" \
    "/latest/(?:meta-data|user-data|api/token|dynamic/instance-identity)"
#define RX_ECS "(?<![0-9.])169\\.254\\.170\\.2(?![0-9])|(?<![0-9])2852039170(?![0-9])"
#define RX_RUNTIME                                                                          \
    "(?:localhost|127\\.0\\.0\\.1|\\[::1\\]|0\\.0\\.0\\.0|2130706433|0x7f000001):9001(?![0-9])|" \
    "2018-06-01/runtime|\\$\\{?AWS_LAMBDA_RUNTIME_API\\b\\}?"
#define RX_PROC "/proc/(?:self|thread-self|[0-9]+)/(?:task/[0-9]+/)?(environ|cmdline)"
#define RX_ETC "/etc/(passwd|shadow)(?![A-Za-z0-9_])"
#define RX_AWSCREDS "\\.aws/(?:credentials|config)(?![A-Za-z0-9_])"
#define RX_VARTASK_ANY "(?<![A-Za-z0-9_])var/task/[^\\s\"'&]*"
#define RX_VARTASK_CTX                                                                                          \
    "(?:[=?&](?:file://)?|\\.\\.[/\\\\]|\\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \\S*?)\\K/?var/task/" \
    "[^\\s\"'&]*"
/* %d: traversal_min_depth */
#define RX_TRAV_ANY "(?:\\.\\.[/\\\\]){%d,}[^\\s\"'&]*"
#define RX_TRAV_CTX                                                                                         \
    "(?:[=?&]|%%3[dD]|\\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \\S*?)\\K(?:\\.\\.[/\\\\]){%d,}"      \
    "[^\\s\"'&]*|(?:\\.\\.[/\\\\]){%d,}(?:etc|proc|var|root|home|usr|windows|winnt|boot\\.ini|\\.aws|" \
    "\\.ssh|\\.env|\\.git)\\b[^\\s\"'&]*"

#define SEEN_MAX 32
typedef struct pseen {
    uint64_t h[SEEN_MAX];
    int64_t t[SEEN_MAX];
    uint32_t n, at;
} pseen;

/* The saved state is the pseen table: a new layout needs a new number. */
#define PROBE_FORMAT 1

static bool valid(const void *p)
{
    const pseen *s = p;
    return s->n <= SEEN_MAX && s->at < SEEN_MAX;
}

typedef struct hit {
    bool decoded;
    const char *where;
    char match[128];
    lw_buf excerpt;
} hit;

typedef struct probe_det {
    lw_keyed_det base; /* seen: key: function, state: pseen */
    probe_cfg cfg;
    lw_patterns pat;
    hit hits[I_COUNT];
    uint32_t on; /* bit i: hits[i] is set for this record */
    lw_buf dec[2];
    lw_buf list;
    char key[192], title_m[128];
} probe_det;

static void *create(const void *cfgp)
{
    const probe_cfg *cfg = cfgp;
    probe_det *d = lw_keyed_det_new(sizeof *d, sizeof(pseen), lw_opt_size(cfg->max_functions, 10000), PROBE_FORMAT,
                                    valid);
    d->cfg = *cfg;
    int depth = d->cfg.traversal_min_depth >= 1 && d->cfg.traversal_min_depth <= 64 ? (int)d->cfg.traversal_min_depth
                                                                                        : 2;
    char trav_any[64], trav_ctx[512];
    snprintf(trav_any, sizeof trav_any, RX_TRAV_ANY, depth);
    snprintf(trav_ctx, sizeof trav_ctx, RX_TRAV_CTX, depth, depth);
    const char *rx[R_COUNT] = {RX_IMDS,        RX_ECS,         RX_RUNTIME, RX_PROC,  RX_ETC,
                               RX_AWSCREDS,    RX_VARTASK_ANY, RX_VARTASK_CTX, trav_any, trav_ctx};
    lw_patterns_build(&d->pat, "probe", lits, sizeof lits / sizeof *lits, rx, NULL, R_COUNT, 2);
    return d;
}

static void destroy(void *self)
{
    probe_det *d = self;
    lw_patterns_free(&d->pat);
    for (int i = 0; i < I_COUNT; i++)
        lw_buf_free(&d->hits[i].excerpt);
    lw_buf_free(&d->dec[0]);
    lw_buf_free(&d->dec[1]);
    lw_buf_free(&d->list);
    lw_keyed_det_destroy(d);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One round of percent-decoding; overlong UTF-8 for . / \ (C0 AE, C0 AF,
 * C1 9C) becomes the character. Returns true when anything was decoded. */
static bool pct_decode(const char *s, size_t n, lw_buf *out)
{
    lw_buf_reset(out);
    lw_buf_reserve(out, n + 1);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
            lw_buf_putc(out, (char)(h * 16 + l));
            i += 2;
            any = true;
        } else {
            lw_buf_putc(out, s[i]);
        }
    }
    /* Overlong forms, in place. */
    char *p = out->p;
    size_t j = 0;
    for (size_t i = 0; i < out->len; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c == 0xc0 || c == 0xc1) && i + 1 < out->len) {
            unsigned char c2 = (unsigned char)p[i + 1];
            char r = c == 0xc0 && c2 == 0xae ? '.' : c == 0xc0 && c2 == 0xaf ? '/' : c == 0xc1 && c2 == 0x9c ? '\\' : 0;
            if (r) {
                p[j++] = r;
                i++;
                continue;
            }
        }
        p[j++] = (char)c;
    }
    out->len = j;
    p[j] = '\0';
    return any;
}

/* First match of pattern k in s[0..n) at or after `from`; false when none. */
static bool match1(probe_det *d, int k, const char *s, size_t n, size_t from, size_t *ms, size_t *me)
{
    if (from > n || pcre2_match(d->pat.rx[k], (PCRE2_SPTR)s, n, from, 0, d->pat.md, NULL) <= 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->pat.md);
    *ms = ov[0];
    *me = ov[1];
    return true;
}

static void record(probe_det *d, enum ind i, const char *where, bool decoded, const char *s, size_t n, size_t ms,
                   size_t me)
{
    hit *h = &d->hits[i];
    if (d->on & (1u << i))
        return;
    d->on |= 1u << i;
    h->decoded = decoded;
    h->where = where;
    size_t ml = me - ms;
    /* The match itself, trimmed to a readable length on a char boundary. */
    lw_rx_excerpt(&h->excerpt, s + ms, ml, 0, ml < 80 ? ml : 80, NULL, 0, 0);
    snprintf(h->match, sizeof h->match, "%.*s", (int)h->excerpt.len, h->excerpt.p ? h->excerpt.p : "");
    lw_rx_excerpt(&h->excerpt, s, n, ms, lw_opt_size(d->cfg.excerpt_bytes, 160), NULL, 0, 0);
}

/* Runs the patterns unlocked by `groups` over s[0..n). strict = a log line
 * (context rules apply unless decoded). */
static void match_text(probe_det *d, const char *s, size_t n, uint32_t groups, const char *where, bool strict,
                       bool decoded)
{
    size_t ms, me;
    bool ctx = strict && !decoded;
    if (groups & G_META) {
        if (match1(d, R_IMDS, s, n, 0, &ms, &me))
            record(d, I_IMDS, where, decoded, s, n, ms, me);
        if (match1(d, R_ECS, s, n, 0, &ms, &me))
            record(d, I_ECS, where, decoded, s, n, ms, me);
    }
    if (groups & G_RUNTIME) {
        for (size_t from = 0; match1(d, R_RUNTIME, s, n, from, &ms, &me); from = me > ms ? me : ms + 1) {
            static const char envset[] = "AWS_LAMBDA_RUNTIME_API=";
            size_t el = sizeof envset - 1;
            /* AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 is an environment dump. */
            if (ms >= el && !memcmp(s + ms - el, envset, el))
                continue;
            record(d, I_RUNTIME, where, decoded, s, n, ms, me);
            break;
        }
    }
    if (groups & G_PROC) {
        for (size_t from = 0; match1(d, R_PROC, s, n, from, &ms, &me); from = me) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->pat.md);
            bool environ = s[ov[2]] == 'e';
            record(d, environ ? I_ENVIRON : I_CMDLINE, where, decoded, s, n, ms, me);
        }
    }
    if (groups & G_ETC) {
        for (size_t from = 0; match1(d, R_ETC, s, n, from, &ms, &me); from = me) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->pat.md);
            record(d, s[ov[2]] == 'p' ? I_PASSWD : I_SHADOW, where, decoded, s, n, ms, me);
        }
    }
    if ((groups & G_AWSCREDS) && match1(d, R_AWSCREDS, s, n, 0, &ms, &me))
        record(d, I_AWSCREDS, where, decoded, s, n, ms, me);
    if ((groups & G_VARTASK) && match1(d, ctx ? R_VARTASK_CTX : R_VARTASK_ANY, s, n, 0, &ms, &me))
        record(d, I_VARTASK, where, decoded, s, n, ms, me);
    if ((groups & G_TRAV) && match1(d, ctx ? R_TRAV_CTX : R_TRAV_ANY, s, n, 0, &ms, &me))
        record(d, I_TRAVERSAL, where, decoded, s, n, ms, me);
}

static void scan_field(probe_det *d, lw_str t, const char *where, bool strict)
{
    size_t n = lw_scan_len(t.n, d->cfg.max_scan_bytes);
    uint32_t groups = lw_litset_scan(&d->pat.lits, t.p, n);
    if (!groups)
        return;
    if (groups & ~(uint32_t)G_PCT)
        match_text(d, t.p, n, groups, where, strict, false);
    if (!(groups & G_PCT))
        return;
    /* Percent-encoded: decode (twice at most, for %252e) and look again. */
    const char *s = t.p;
    for (int round = 0; round < 2; round++) {
        if (!pct_decode(s, n, &d->dec[round]))
            break;
        s = d->dec[round].p;
        n = d->dec[round].len;
        uint32_t g = lw_litset_scan(&d->pat.lits, s, n);
        if (g & ~(uint32_t)G_PCT)
            match_text(d, s, n, g, where, strict, true);
        if (!(g & G_PCT))
            break;
    }
}

/* true unless (function, indicator, source) was reported within repeat_s. */
static bool fresh(probe_det *d, lw_str function, const char *key, int64_t now)
{
    uint64_t h = lw_hash64(key, strlen(key)) | 1;
    pseen *s = lw_keyed_fn(&d->base.keys, function, NULL, NULL);
    if (!s)
        return true; /* too many functions to remember: report, never lose */
    int64_t rep = (int64_t)(d->cfg.repeat_s * 1000);
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->h[i] == h) {
            if (now - s->t[i] < rep && s->t[i] - now < rep)
                return false;
            s->t[i] = now;
            return true;
        }
    }
    s->h[s->at] = h;
    s->t[s->at] = now;
    s->at = (s->at + 1) % SEEN_MAX;
    if (s->n < SEEN_MAX)
        s->n++;
    return true;
}

/* An indented "key": value line: one member of a pretty-printed JSON
 * document logged line by line (see the top of the file). */
static bool json_member_line(lw_str m)
{
    size_t i = 0;
    while (i < m.n && (m.p[i] == ' ' || m.p[i] == '\t'))
        i++;
    if (i < 2 || i >= m.n || m.p[i] != '"')
        return false;
    const char *q = memchr(m.p + i + 1, '"', m.n - i - 1);
    if (!q)
        return false;
    size_t k = (size_t)(q - m.p) + 1;
    while (k < m.n && m.p[k] == ' ')
        k++;
    return k < m.n && m.p[k] == ':';
}

static bool credential_source(int i)
{
    return i == I_IMDS || i == I_ECS || i == I_RUNTIME || i == I_ENVIRON || i == I_AWSCREDS;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    probe_det *d = self;
    if (!rec->ev)
        return;
    d->on = 0;
    const lw_sensor *s = NULL;
    lw_str rid = LW_STR_NULL;
    switch (rec->kind) {
    case LW_REC_TEXT:
        if (json_member_line(rec->ev->message))
            return;
        scan_field(d, rec->ev->message, "log_line", true);
        break;
    case LW_REC_APP:
        rid = rec->app->request_id;
        scan_field(d, rec->ev->message, "log_line", true);
        break;
    case LW_REC_SENSOR:
        s = rec->sensor;
        rid = s->request_id;
        if ((s->blocked == 1 && !d->cfg.report_blocked) || d->cfg.sensor_indicators < 1)
            return;
        scan_field(d, s->path, "sensor_path", false);
        scan_field(d, s->query, "sensor_query", false);
        scan_field(d, s->payload, "sensor_payload", false);
        break;
    default: return;
    }
    if (s && d->cfg.sensor_indicators < 2)
        for (int i = 0; i < I_COUNT; i++)
            if (!credential_source(i))
                d->on &= ~(1u << i);
    int primary = -1;
    for (int i = 0; i < I_COUNT && primary < 0; i++)
        if (d->on & (1u << i))
            primary = i;
    if (primary < 0)
        return;
    const hit *h = &d->hits[primary];
    int64_t now = rec->ev->timestamp ? rec->ev->timestamp : (s ? s->occurred_at_ms : 0);
    /* Identity: (function, indicator, source). */
    if (s && s->source_ip.n)
        snprintf(d->key, sizeof d->key, "%s:ip:%.*s", ind_names[primary], (int)(s->source_ip.n < 100 ? s->source_ip.n : 100),
                 s->source_ip.p);
    else if (rid.n)
        snprintf(d->key, sizeof d->key, "%s:req:%.*s", ind_names[primary], (int)(rid.n < 100 ? rid.n : 100), rid.p);
    else if (s && s->sensor_id.n)
        snprintf(d->key, sizeof d->key, "%s:event:%.*s", ind_names[primary], (int)(s->sensor_id.n < 100 ? s->sensor_id.n : 100),
                 s->sensor_id.p);
    else if (rec->ev->event_id.n)
        snprintf(d->key, sizeof d->key, "%s:event:%.*s", ind_names[primary],
                 (int)(rec->ev->event_id.n < 100 ? rec->ev->event_id.n : 100), rec->ev->event_id.p);
    else
        snprintf(d->key, sizeof d->key, "%s:event:t%" PRId64 ":%016" PRIx64, ind_names[primary], rec->ev->timestamp,
                 lw_hash64(rec->ev->message.p, rec->ev->message.n));
    if (!fresh(d, rec->function, d->key, now))
        return;
    lw_severity sev;
    if (!s)
        sev = lw_sev_at_least(d->cfg.log_severity, LW_SEV_LOW);
    else if (s->blocked == 1)
        sev = lw_sev_at_least(d->cfg.blocked_severity, LW_SEV_LOW);
    else
        sev = lw_sev_at_least(d->cfg.unblocked_severity, LW_SEV_LOW);
    lw_finding *f = &d->base.f;
    lw_finding_init(f, "probe", sev, rec);
    if (!f->time_ms)
        f->time_ms = now;
    f->request_id = rid;
    f->key = lw_str_c(d->key);
    const char *in = !s ? "a log line" : s->blocked == 1 ? "a blocked request" : "an unblocked request";
    lw_finding_title(f, "%s in %s: %s", ind_titles[primary], in, h->match);
    lw_buf_reset(&d->list);
    for (int i = 0; i < I_COUNT; i++)
        if (d->on & (1u << i))
            lw_buf_printf(&d->list, "%s%s", d->list.len ? "," : "", ind_names[i]);
    lw_finding_str(f, "indicator", lw_str_c(ind_names[primary]));
    lw_finding_str(f, "indicators", (lw_str){d->list.p, d->list.len});
    lw_finding_str(f, "match", lw_str_c(h->match));
    lw_finding_str(f, "location", lw_str_c(h->where));
    lw_finding_bool(f, "url_decoded", h->decoded);
    lw_finding_str(f, "request_id", rid);
    if (s) {
        lw_finding_str(f, "source_ip", s->source_ip);
        lw_finding_bool(f, "blocked", s->blocked == 1);
        lw_finding_str(f, "method", s->method);
        lw_finding_str(f, "path", s->path);
        lw_finding_str(f, "rule_id", s->rule_id);
        lw_finding_str(f, "sensor_event_id", s->sensor_id);
    }
    lw_finding_str(f, "excerpt", (lw_str){h->excerpt.p, h->excerpt.len});
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_probe = {
    .name = "probe",
    .summary = "requests for instance metadata, the runtime API, /proc/self/environ, credential and system files, "
               "path traversal",
    .options = options,
    .config_size = sizeof(probe_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
