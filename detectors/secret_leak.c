/*
 * secret_leak: credentials written into logs (DESIGN.md).
 *
 * What it scans: the message of every TEXT and APP record, and the raw HTTP
 * request (payload) of every sensor event. Platform lines carry no user
 * data and are skipped.
 *
 * Kinds: every row of the secret catalogue (secrets/catalog.h) that is not
 * redact-only: about 230 formats, the kind being the row's id. Vendor
 * tokens (github_pat, slack_bot_token, stripe_access_token, openai_api_key,
 * gcp_api_key, ...), context formats (authorization: the credential after
 * any scheme; api_key_header; bearer_token; url_userinfo; curl_user;
 * generic_secret: a key=value, JSON, Python, YAML or Go assignment whose
 * key names a secret; jwt), and the AWS and key kinds this detector had
 * before the catalogue, with their own options:
 *   aws_access_key_id      (AKIA|ASIA|ABIA|ACCA) + 16 [A-Z0-9], or A3T + 17,
 *                          not inside a longer [A-Za-z0-9] run
 *   aws_secret_access_key  exactly 40 [A-Za-z0-9+/] as the value of a name
 *                          containing "secret" or "aws"; all-hex values
 *                          (SHA-1 digests) never count
 *   aws_session_token      100+ base64 characters as the value of a token
 *                          name, or bare with a known STS prefix
 *   private_key            -----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED |PGP )?
 *                          PRIVATE KEY-----, with its base64 body (>= 64 chars)
 *                          in the same message, or as the last thing in it (the
 *                          body follows in the next events); a header quoted in
 *                          the middle of a sentence does not count
 *   agent_key              TREND_AP_KEY / TREND_AP_SECRET = 16+ characters
 *   environment_dump       env_min_names (3) of AWS_ACCESS_KEY_ID,
 *                          AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 *                          AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_RUNTIME_API,
 *                          _HANDLER, TREND_AP_KEY, TREND_AP_SECRET assigned
 *                          (NAME=, "NAME": , NAME: ) in one message, or across
 *                          the events of one log stream within env_window_s (5 s):
 *                          what `; env` or printing os.environ leaves behind
 *                          (the names are the catalogue's marker row)
 * Where hits overlap, the most specific wins (lw_secret_resolve: a vendor
 * token over the header or variable holding it). Severity: critical for a
 * row marked critical (live cloud, VCS, payment and chat credentials),
 * high otherwise.
 *
 * Precision (detection is precise, redaction aggressive): each row's
 * entropy floor and placeholder rejection (****, ${VAR}, <redacted>, xxxx,
 * changeme, null, true...); key/value and header shapes also need 8+
 * bytes, a mix of character classes, a value that is no hex digest, UUID,
 * number, path or URL, and a name that is no pagination cursor, hash,
 * count or type (lw_secret_plausible). Entropy floors of the AWS kinds
 * (Shannon, bits per character), measured on 200,000 random samples:
 *   access key id, all 20 chars   2.8   random ids: min 2.91, median 3.78;
 *                                       AKIAAAAABBBBCCCCDDDD 2.35, AKIA0000... 1.02
 *   secret access key, 40 chars   4.0   random: min 4.09, median 4.78; any hex
 *                                       string is below 4.0 (16 symbols)
 *   session token, first 1 KiB    4.5   real tokens 5.1-5.9
 *   agent key                     3.0
 * Values containing "EXAMPLE" (AWS's documentation keys,
 * AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) are
 * ignored while ignore_examples is on, as gitleaks does.
 *
 * Performance: one Vectorscan pass over each line finds which catalogue
 * rows' literals occur (vendor prefixes such as ghp_, xoxb-, AKIA, and
 * key words such as token, secret, password, authorization); PCRE2 runs
 * only for those rows. A line without any candidate costs that one pass.
 *
 * Evidence never holds a secret: the kind (row id), the format's name and
 * class, the public prefix + "****" (when the row keeps one), the first 16
 * hex of its SHA-256, its length and entropy, the variable or header name,
 * the request id, and an excerpt cut from the redacted line
 * (lw_rx_excerpt).
 *
 * Identity and aggregation: a finding's key is "<kind>:<sha16>" (for an
 * environment dump, the hash of the log stream). What a security team acts
 * on is "this credential of this function leaked: rotate it", so the
 * detector reports each distinct secret once per function: it keeps, per
 * function, the last 64 reported (kind, hash) pairs and drops repeats
 * silently (no count is kept: the first finding carries the stream and
 * request id to look at; the rotation is the same whether it leaked once
 * or a thousand times). The set survives restarts (save/restore), so a
 * restarted daemon does not re-alert. Past 64 distinct secrets on one
 * function the oldest are forgotten and may be reported again: never lost.
 *
 * An environment dump is reported as soon as env_min_names names are seen
 * (its evidence lists those); the credentials in it are reported one by
 * one as well, since each is a separate thing to rotate.
 *
 * With `query --jobs N` each worker keeps its own set, so a secret leaked in
 * two ranges of one file is reported by both (their ids differ by stream
 * or request); the daemon has one pipeline and reports it once. Each
 * detector instance has its own catalogue scanner (the compiled catalogue
 * is shared read-only).
 *
 * Memory: per function 520 bytes (the seen set) plus its name, at most
 * max_functions; per log stream that printed one of the environment names
 * in the last env_window_s, 32 bytes plus its name, at most max_streams
 * (stale streams are swept on tick and when full).
 */
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>

#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/rules.h"
#include "secrets/catalog.h"
#include "secrets/redact.h"

typedef struct secret_cfg {
    double min_entropy_key_id;
    double min_entropy_secret;
    double min_entropy_token;
    double min_entropy_agent_key;
    bool ignore_examples;
    double env_min_names;
    double env_window_s;
    double excerpt_bytes;
    double max_scan_bytes;
    double max_functions;
    double max_streams;
} secret_cfg;

/* Entropy floors are in bits per character: 0 (any) to 8 (the most a byte
 * can carry). */
static const lw_option options[] = {
    LW_OPT("min_entropy_key_id", LW_OPT_DOUBLE, "2.8", offsetof(secret_cfg, min_entropy_key_id), 0, 8,
           "entropy floor (bits/char over the 20 chars) of an access key id: random ids score 2.9-4.0, "
           "AKIAAAAABBBBCCCCDDDD 2.35"),
    LW_OPT("min_entropy_secret", LW_OPT_DOUBLE, "4.0", offsetof(secret_cfg, min_entropy_secret), 0, 8,
           "entropy floor of a 40-char secret access key: random keys score 4.1-5.1; hex digests never exceed 4.0"),
    LW_OPT("min_entropy_token", LW_OPT_DOUBLE, "4.5", offsetof(secret_cfg, min_entropy_token), 0, 8,
           "entropy floor of a session token (first 1 KiB): real tokens score 5.1-5.9"),
    LW_OPT("min_entropy_agent_key", LW_OPT_DOUBLE, "3.0", offsetof(secret_cfg, min_entropy_agent_key), 0, 8,
           "entropy floor of a TREND_AP_KEY / TREND_AP_SECRET value"),
    LW_OPT("ignore_examples", LW_OPT_BOOL, "true", offsetof(secret_cfg, ignore_examples), 0, 0,
           "ignore keys containing EXAMPLE (AWS documentation keys such as AKIAIOSFODNN7EXAMPLE)"),
    LW_OPT("env_min_names", LW_OPT_INT, "3", offsetof(secret_cfg, env_min_names), 1, 8,
           "environment variable names (of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, "
           "AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_RUNTIME_API, _HANDLER, TREND_AP_KEY, TREND_AP_SECRET) that make "
           "an environment dump"),
    LW_OPT("env_window_s", LW_OPT_DURATION, "5", offsetof(secret_cfg, env_window_s), 0, 3600,
           "an environment dump may span the events of one log stream within this long"),
    LW_OPT("excerpt_bytes", LW_OPT_SIZE, "160", offsetof(secret_cfg, excerpt_bytes), 1, 65536,
           "bytes of the line (secrets masked, then redacted) kept in evidence"),
    LW_OPT("max_scan_bytes", LW_OPT_SIZE, "262144", offsetof(secret_cfg, max_scan_bytes), 1, 16 * 1024 * 1024,
           "bytes of each message scanned (CloudWatch events are at most 256 KB)"),
    LW_OPT("max_functions", LW_OPT_INT, "10000", offsetof(secret_cfg, max_functions), 1, 1e6,
           "functions whose reported secrets are remembered (520 bytes each)"),
    LW_OPT("max_streams", LW_OPT_INT, "10000", offsetof(secret_cfg, max_streams), 1, 1e6,
           "log streams followed at once for environment dumps spread over several events (32 bytes each)"),
    LW_OPT_END,
};

/* The kinds that existed before the catalogue keep their numbers in the
 * seen-set hash (saved state stays valid); other rows follow them. */
enum kind { K_KEY_ID, K_SECRET, K_TOKEN, K_PRIVKEY, K_AGENT, K_ENV, K_OTHER };
static const char *const legacy_ids[K_ENV] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "private_key", "agent_key",
};

static const char *const env_names[] = {
    "AWS_ACCESS_KEY_ID",      "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_RUNTIME_API", "_HANDLER",              "TREND_AP_KEY",      "TREND_AP_SECRET",
};
#define NENV 8

/* A private key block counts only with one of these headers. */
#define RX_PRIVKEY "-----BEGIN ((?:RSA|EC|OPENSSH|DSA|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----"

#define SEEN_MAX 64
typedef struct seen {
    uint64_t h[SEEN_MAX];
    uint32_t n, at;
} seen;

/* The saved state is the seen table: a new layout needs a new number. */
#define SECRET_FORMAT 1

static bool valid(const void *p)
{
    const seen *s = p;
    return s->n <= SEEN_MAX && s->at < SEEN_MAX;
}

typedef struct envstream {
    int64_t first_ms, last_ms;
    uint32_t mask, lines;
    uint32_t reported, pad;
} envstream;

/* One detected secret in the current message. */
#define MAX_CAND 32
typedef struct cand {
    int fmt;                /* catalogue row */
    enum kind kind;
    size_t start, end;      /* span in the text */
    size_t mstart, mend;    /* span masked in the excerpt */
    unsigned char sha[32];  /* of the secret (a private key: its body, else its header) */
    size_t len;             /* of the secret */
    char prefix[24];        /* its public prefix */
    lw_str name;            /* variable name; private key: its type */
    double entropy;
    bool has_body;          /* private key: body in this message */
} cand;

typedef struct secret_det {
    lw_keyed_det base; /* seen: key: function, state: seen */
    secret_cfg cfg;
    lw_keyed streams; /* key: group \x1f stream */
    lw_secret_scanner *sc;
    int legacy[K_ENV]; /* catalogue rows of the legacy kinds */
    pcre2_code *privhdr;
    pcre2_match_data *md;
    lw_secret_hit hits[2 * MAX_CAND];
    cand c[MAX_CAND];
    int nc;
    size_t masks[MAX_CAND][2];
    lw_buf excerpt, vars, body;
    char prefix[32], sha[17], idkey[96];
} secret_det;

static double entropy(const char *s, size_t n) { return lw_entropy(s, n); }

static bool all_hex(lw_str v)
{
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool example(const secret_det *d, lw_str v)
{
    return d->cfg.ignore_examples && v.n >= 7 && memmem(v.p, v.n, "EXAMPLE", 7) != NULL;
}

static void sha256(const void *p, size_t n, unsigned char md[32])
{
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
}

static void hex16(const unsigned char *md, char out[17])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[16] = '\0';
}

static void *create(const void *cfgp)
{
    const secret_cfg *cfg = cfgp;
    secret_det *d = lw_keyed_det_new(sizeof *d, sizeof(seen), lw_opt_size(cfg->max_functions, 10000), SECRET_FORMAT,
                                     valid);
    d->cfg = *cfg;
    d->sc = lw_secret_scanner_new();
    for (int k = 0; k < K_ENV; k++)
        if ((d->legacy[k] = lw_secret_format_find(legacy_ids[k])) < 0)
            abort(); /* the catalogue lost a row this detector needs */
    char err[256];
    d->privhdr = lw_re_compile(RX_PRIVKEY, PCRE2_ANCHORED, err, sizeof err);
    d->md = pcre2_match_data_create(4, NULL);
    if (!d->privhdr || !d->md) {
        fprintf(stderr, "lambdaward: secret_leak: %s\n", d->privhdr ? "out of memory" : err);
        abort();
    }
    lw_keyed_init(&d->streams, sizeof(envstream), lw_opt_size(d->cfg.max_streams, 10000));
    return d;
}

static void destroy(void *self)
{
    secret_det *d = self;
    lw_secret_scanner_free(d->sc);
    pcre2_code_free(d->privhdr);
    pcre2_match_data_free(d->md);
    lw_keyed_free(&d->streams);
    lw_buf_free(&d->excerpt);
    lw_buf_free(&d->vars);
    lw_buf_free(&d->body);
    lw_keyed_det_destroy(d);
}

/* Records a candidate of row fmt; `secret` is hashed now (it may live in
 * scratch). */
static cand *add_cand(secret_det *d, int fmt, enum kind k, size_t start, size_t end, lw_str secret, lw_str name,
                      double h)
{
    if (d->nc >= MAX_CAND)
        return NULL;
    const lw_secret_format *f = lw_secret_format_at(fmt);
    cand *c = &d->c[d->nc++];
    memset(c, 0, sizeof *c);
    c->fmt = fmt;
    c->kind = k;
    c->start = c->mstart = start;
    c->end = c->mend = end;
    sha256(secret.p, secret.n, c->sha);
    c->len = secret.n;
    size_t keep = f->keep < secret.n && f->keep < sizeof c->prefix ? f->keep : 0;
    memcpy(c->prefix, secret.p, keep);
    c->prefix[keep] = '\0';
    c->name = name;
    c->entropy = h;
    return c;
}

/* The body of a private key starting at s[i]: base64 and whitespace (also
 * JSON-escaped \n) up to -----END...----- or the first other character.
 * The base64 characters are collected in b64; returns the end offset. */
static size_t key_body(const char *s, size_t n, size_t i, lw_buf *b64)
{
    lw_buf_reset(b64);
    while (i < n) {
        char c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
            c == '=') {
            lw_buf_putc(b64, c);
            i++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
        } else if (c == '\\' && i + 1 < n && (s[i + 1] == 'n' || s[i + 1] == 'r')) {
            i += 2;
        } else {
            break;
        }
    }
    if (i + 9 <= n && !memcmp(s + i, "-----END ", 9)) {
        const char *e = memmem(s + i + 9, n - i - 9, "-----", 5);
        if (e)
            i = (size_t)(e - s) + 5;
    }
    return i;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\\'; }

/* A hit's name, widened over name characters on both sides (a row matches
 * from its key word on: "db_" + "password"). */
static lw_str hit_name(const char *s, size_t n, const lw_secret_hit *h)
{
    if (h->nend <= h->nstart)
        return LW_STR_NULL;
    size_t nb = h->nstart, ne = h->nend;
    while (nb > 0 && name_char(s[nb - 1]))
        nb--;
    while (ne < n && name_char(s[ne]))
        ne++;
    return (lw_str){s + nb, ne - nb};
}

static enum kind kind_of(const secret_det *d, int fmt)
{
    for (int k = 0; k < K_ENV; k++)
        if (d->legacy[k] == fmt)
            return (enum kind)k;
    return K_OTHER;
}

/* A private key hit: only a real header counts, with its body here or
 * (the header as the last thing in the event) in the next events. */
static void private_key(secret_det *d, const char *s, size_t n, const lw_secret_hit *h)
{
    if (pcre2_match(d->privhdr, (PCRE2_SPTR)s, n, h->mstart, PCRE2_ANCHORED, d->md, NULL) <= 0)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
    size_t hs = ov[0], he = ov[1];
    lw_str type = ov[2] == PCRE2_UNSET ? LW_STR_NULL : (lw_str){s + ov[2], ov[3] - ov[2] - 1};
    size_t end = key_body(s, n, he, &d->body);
    bool body = d->body.len >= 64;
    size_t rest = he;
    while (rest < n && blank(s[rest]))
        rest++;
    if (!body && rest < n)
        return; /* a header quoted in a sentence, not a key */
    /* Identity: the body when it is here, else the header. */
    lw_str secret = body ? (lw_str){d->body.p, d->body.len} : (lw_str){s + hs, he - hs};
    cand *c = add_cand(d, h->fmt, K_PRIVKEY, hs, body ? end : he, secret, type.n ? type : lw_str_c("PKCS#8"), 0);
    if (c) {
        c->has_body = body;
        c->mstart = he; /* keep the header readable, mask the body */
        if (body)
            c->entropy = entropy(d->body.p, d->body.len < 1024 ? d->body.len : 1024);
    }
}

/* One resolved catalogue hit: a candidate when it passes its kind's tests. */
static void judge(secret_det *d, const char *s, size_t n, const lw_secret_hit *h)
{
    const lw_secret_format *f = lw_secret_format_at(h->fmt);
    lw_str v = {s + h->start, h->end - h->start}, name = hit_name(s, n, h);
    double e = entropy(v.p, v.n);
    switch (kind_of(d, h->fmt)) {
    case K_KEY_ID:
        if (!example(d, v) && e >= d->cfg.min_entropy_key_id)
            add_cand(d, h->fmt, K_KEY_ID, h->start, h->end, v, (lw_str){v.p, 4}, e);
        return;
    case K_SECRET:
        if (!example(d, v) && !all_hex(v) && e >= d->cfg.min_entropy_secret)
            add_cand(d, h->fmt, K_SECRET, h->start, h->end, v, name, e);
        return;
    case K_TOKEN: {
        size_t m = v.n;
        while (m && v.p[m - 1] == '=')
            m--;
        e = entropy(v.p, m < 1024 ? m : 1024);
        if (e >= d->cfg.min_entropy_token)
            add_cand(d, h->fmt, K_TOKEN, h->start, h->end, v, name.n ? name : lw_str_c("STS token prefix"), e);
        return;
    }
    case K_AGENT:
        if (!example(d, v) && e >= d->cfg.min_entropy_agent_key)
            add_cand(d, h->fmt, K_AGENT, h->start, h->end, v, name, e);
        return;
    case K_PRIVKEY: private_key(d, s, n, h); return;
    default:
        if (!example(d, v) && lw_secret_plausible(f, v.p, v.n, name.p, name.n))
            add_cand(d, h->fmt, K_OTHER, h->start, h->end, v, name, e);
        return;
    }
}

/* Fills d->c with the secrets in s[0..n); returns the environment names
 * seen (bit i = env_names[i]). */
static uint32_t find_candidates(secret_det *d, const char *s, size_t n)
{
    uint32_t env = 0;
    d->nc = 0;
    size_t nh = lw_secret_scan(d->sc, s, n, d->hits, sizeof d->hits / sizeof *d->hits);
    for (size_t i = 0; i < nh; i++) {
        const lw_secret_hit *h = &d->hits[i];
        if (lw_secret_format_at(h->fmt)->flags & LW_SF_MARKER) {
            lw_str nm = {s + h->start, h->end - h->start};
            for (int k = 0; k < NENV; k++)
                if (lw_str_eq(nm, env_names[k]))
                    env |= 1u << k;
            continue;
        }
        judge(d, s, n, h);
    }
    return env;
}

/* true the first time (function, kind, hash) is seen. */
static bool first_time(secret_det *d, lw_str function, uint64_t kind, const unsigned char sha[32])
{
    uint64_t h;
    memcpy(&h, sha, 8);
    h = (h ^ ((kind + 1) * 0x9E3779B97F4A7C15ull)) | 1;
    seen *s = lw_keyed_fn(&d->base.keys, function, NULL, NULL);
    if (!s)
        return true; /* too many functions to remember: report, never lose */
    for (uint32_t i = 0; i < s->n; i++)
        if (s->h[i] == h)
            return false;
    s->h[s->at] = h;
    s->at = (s->at + 1) % SEEN_MAX;
    if (s->n < SEEN_MAX)
        s->n++;
    return true;
}

static uint64_t kind_code(const cand *c) { return c->kind == K_OTHER ? K_OTHER + (uint64_t)c->fmt : c->kind; }

static const char *key_id_type(const char *p)
{
    if (!strncmp(p, "AKIA", 4))
        return "long-term, IAM user";
    if (!strncmp(p, "ASIA", 4))
        return "temporary, STS";
    if (!strncmp(p, "ABIA", 4))
        return "STS service bearer token";
    if (!strncmp(p, "ACCA", 4))
        return "context-specific credential";
    return "legacy A3T";
}

typedef struct ctx {
    const lw_record *rec;
    lw_str text;
    const char *where;
    lw_str request_id;
    lw_str source_ip;
} ctx;

static void start_finding(secret_det *d, const ctx *x, const char *kind, lw_severity sev, const unsigned char sha[32])
{
    lw_finding *f = &d->base.f;
    lw_finding_init(f, "secret_leak", sev, x->rec);
    if (!f->time_ms && x->rec->kind == LW_REC_SENSOR)
        f->time_ms = x->rec->sensor->occurred_at_ms;
    f->request_id = x->request_id;
    hex16(sha, d->sha);
    snprintf(d->idkey, sizeof d->idkey, "%s:%s", kind, d->sha);
    f->key = lw_str_c(d->idkey);
}

static void title(secret_det *d, const cand *c, const lw_secret_format *fmt)
{
    lw_finding *f = &d->base.f;
    int nl = (int)(c->name.n < 60 ? c->name.n : 60);
    switch (c->kind) {
    case K_KEY_ID:
        lw_finding_title(f, "AWS access key id %s (%s) leaked in logs", d->prefix, key_id_type(c->prefix));
        break;
    case K_SECRET: lw_finding_title(f, "AWS secret access key leaked in logs (%.*s)", nl, c->name.p); break;
    case K_TOKEN: lw_finding_title(f, "AWS session token leaked in logs"); break;
    case K_PRIVKEY:
        lw_finding_title(f, "Private key (%.*s) leaked in logs%s", (int)c->name.n, c->name.p,
                         c->has_body ? "" : " (header; body in the following events)");
        break;
    case K_AGENT: lw_finding_title(f, "Agent key %.*s leaked in logs", (int)c->name.n, c->name.p); break;
    default:
        if (c->name.n)
            lw_finding_title(f, "%s leaked in logs (%.*s)", fmt->name, nl, c->name.p);
        else if (c->prefix[0])
            lw_finding_title(f, "%s %s leaked in logs", fmt->name, d->prefix);
        else
            lw_finding_title(f, "%s leaked in logs", fmt->name);
        break;
    }
}

static void report(secret_det *d, const ctx *x, const cand *c, const lw_emitter *out)
{
    if (!first_time(d, x->rec->function, kind_code(c), c->sha))
        return;
    const lw_secret_format *fmt = lw_secret_format_at(c->fmt);
    lw_finding *f = &d->base.f;
    start_finding(d, x, fmt->id, fmt->critical ? LW_SEV_CRITICAL : LW_SEV_HIGH, c->sha);
    snprintf(d->prefix, sizeof d->prefix, "%s" LW_MASK, c->prefix);
    title(d, c, fmt);
    lw_finding_str(f, "kind", lw_str_c(fmt->id));
    lw_finding_str(f, "format", lw_str_c(fmt->name));
    lw_finding_str(f, "class", lw_str_c(lw_secret_class_name(fmt->cls)));
    if (c->prefix[0])
        lw_finding_str(f, "secret_prefix", lw_str_c(d->prefix));
    lw_finding_str(f, "secret_sha256", lw_str_c(d->sha));
    lw_finding_int(f, "secret_length", (int64_t)c->len);
    if (c->entropy > 0)
        lw_finding_num(f, "entropy", round(c->entropy * 100) / 100);
    if (c->kind == K_KEY_ID)
        lw_finding_str(f, "key_type", lw_str_c(key_id_type(c->prefix)));
    else if (c->kind == K_PRIVKEY)
        lw_finding_str(f, "key_type", c->name);
    else if (c->name.n)
        lw_finding_str(f, "name", c->name);
    if (c->kind == K_PRIVKEY)
        lw_finding_bool(f, "body_in_event", c->has_body);
    lw_finding_str(f, "location", lw_str_c(x->where));
    lw_finding_str(f, "request_id", x->request_id);
    lw_finding_str(f, "source_ip", x->source_ip);
    lw_rx_excerpt(&d->excerpt, x->text.p, x->text.n, c->start, lw_opt_size(d->cfg.excerpt_bytes, 160), d->masks,
                  d->nc, 0);
    lw_finding_str(f, "excerpt", (lw_str){d->excerpt.p, d->excerpt.len});
    lw_emit(out, f);
}

static void report_env(secret_det *d, const ctx *x, uint32_t mask, uint32_t events, const lw_emitter *out)
{
    const lw_event *ev = x->rec->ev;
    lw_buf_reset(&d->vars);
    lw_buf_append(&d->vars, ev->group.p ? ev->group.p : "", ev->group.n);
    lw_buf_putc(&d->vars, '\x1f');
    lw_buf_append(&d->vars, ev->stream.p ? ev->stream.p : "", ev->stream.n);
    unsigned char sha[32];
    sha256(d->vars.p, d->vars.len, sha);
    if (!first_time(d, x->rec->function, K_ENV, sha))
        return;
    lw_buf_reset(&d->vars);
    int names = 0;
    for (int i = 0; i < NENV; i++) {
        if (mask & (1u << i)) {
            lw_buf_printf(&d->vars, "%s%s", names ? "," : "", env_names[i]);
            names++;
        }
    }
    lw_finding *f = &d->base.f;
    start_finding(d, x, "environment_dump", LW_SEV_CRITICAL, sha);
    lw_finding_title(f, "Environment dump in logs (%d credential and runtime variables): command injection?", names);
    lw_finding_str(f, "kind", lw_str_c("environment_dump"));
    lw_finding_str(f, "variables", (lw_str){d->vars.p, d->vars.len});
    lw_finding_int(f, "variable_count", names);
    lw_finding_int(f, "events", events);
    lw_finding_num(f, "window_s", d->cfg.env_window_s);
    lw_finding_str(f, "location", lw_str_c(x->where));
    lw_finding_str(f, "request_id", x->request_id);
    lw_rx_excerpt(&d->excerpt, x->text.p, x->text.n, 0, lw_opt_size(d->cfg.excerpt_bytes, 160), d->masks, d->nc, 0);
    lw_finding_str(f, "excerpt", (lw_str){d->excerpt.p, d->excerpt.len});
    lw_emit(out, f);
}

/* Drops streams whose last environment name is older than the window. */
static void sweep(secret_det *d, int64_t now_ms)
{
    int64_t w = (int64_t)(d->cfg.env_window_s * 1000);
    lw_map_foreach(&d->streams.map, e) {
        envstream *st = e->val;
        if (now_ms - st->last_ms > w || st->last_ms - now_ms > w)
            lw_keyed_del(&d->streams, e->key, e->klen);
    }
}

static void track_env(secret_det *d, const ctx *x, uint32_t env, const lw_emitter *out)
{
    int need = d->cfg.env_min_names >= 1 ? (int)d->cfg.env_min_names : 1;
    const lw_event *ev = x->rec->ev;
    int64_t now = ev->timestamp;
    lw_buf *k = &d->streams.key;
    lw_buf_reset(k);
    lw_buf_append(k, ev->group.p ? ev->group.p : "", ev->group.n);
    lw_buf_putc(k, '\x1f');
    lw_buf_append(k, ev->stream.p ? ev->stream.p : "", ev->stream.n);
    envstream *st = lw_keyed_get(&d->streams, k->p, k->len, NULL);
    if (!st) { /* full: drop the streams whose window has passed, then retry */
        sweep(d, now);
        st = lw_keyed_get(&d->streams, k->p, k->len, NULL);
    }
    if (!st) { /* every slot busy: judge the message alone */
        if (__builtin_popcount(env) >= need)
            report_env(d, x, env, 1, out);
        return;
    }
    int64_t w = (int64_t)(d->cfg.env_window_s * 1000);
    if (st->lines && (now - st->last_ms > w || st->last_ms - now > w))
        memset(st, 0, sizeof *st);
    if (!st->lines)
        st->first_ms = now;
    st->mask |= env;
    st->lines++;
    st->last_ms = now;
    if (!st->reported && __builtin_popcount(st->mask) >= need) {
        st->reported = 1;
        report_env(d, x, st->mask, st->lines, out);
    }
}

static void scan(secret_det *d, const ctx *x, const lw_emitter *out)
{
    lw_str t = x->text;
    size_t n = lw_scan_len(t.n, d->cfg.max_scan_bytes);
    uint32_t env = find_candidates(d, t.p, n);
    if (!d->nc && !env)
        return;
    /* In text order, and every secret masked in every excerpt. */
    for (int i = 1; i < d->nc; i++)
        for (int j = i; j > 0 && d->c[j].start < d->c[j - 1].start; j--) {
            cand tmp = d->c[j];
            d->c[j] = d->c[j - 1];
            d->c[j - 1] = tmp;
        }
    for (int i = 0; i < d->nc; i++) {
        d->masks[i][0] = d->c[i].mstart;
        d->masks[i][1] = d->c[i].mend;
    }
    ctx xs = *x;
    xs.text.n = n;
    for (int i = 0; i < d->nc; i++)
        report(d, &xs, &d->c[i], out);
    if (env && x->rec->kind != LW_REC_SENSOR) /* names in a request are the attacker's, not a dump */
        track_env(d, &xs, env, out);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    secret_det *d = self;
    if (!rec->ev)
        return;
    ctx x = {.rec = rec};
    switch (rec->kind) {
    case LW_REC_TEXT:
        x.text = rec->ev->message;
        x.where = "log_line";
        break;
    case LW_REC_APP:
        x.text = rec->ev->message;
        x.where = "log_line";
        x.request_id = rec->app->request_id;
        break;
    case LW_REC_SENSOR:
        x.text = rec->sensor->payload;
        x.where = "sensor_payload";
        x.request_id = rec->sensor->request_id;
        x.source_ip = rec->sensor->source_ip;
        break;
    default: return;
    }
    if (x.text.n)
        scan(d, &x, out);
}

static void tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    (void)out;
    sweep(self, now_ms);
}

const lw_detector_ops lw_detector_secret_leak = {
    .name = "secret_leak",
    .summary = "credentials written into logs: ~230 vendor token formats, AWS keys, session tokens, private keys, "
               "passwords and tokens in headers, URLs and key=value shapes, environment dumps",
    .options = options,
    .config_size = sizeof(secret_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = tick,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
