/*
 * secret_leak: credentials written into logs (critical, DESIGN.md).
 *
 * What it scans: the message of every TEXT and APP record, and the raw HTTP
 * request (payload) of every sensor event. Platform lines carry no user
 * data and are skipped.
 *
 * Kinds and patterns (PCRE2, JIT-compiled once in create()):
 *   aws_access_key_id      (AKIA|ASIA|ABIA|ACCA) + 16 [A-Z0-9], or A3T + 17,
 *                          not inside a longer [A-Za-z0-9] run
 *   aws_secret_access_key  exactly 40 [A-Za-z0-9+/] as the value of a name
 *                          containing "secret" or "aws" (aws_secret_access_key=,
 *                          "SecretAccessKey": "...", AWS_SECRET_ACCESS_KEY=);
 *                          all-hex values (SHA-1 digests) never count
 *   aws_session_token      100+ base64 characters as the value of
 *                          AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN / SessionToken /
 *                          session_token / "Token" / x-amz-security-token, or
 *                          bare with a known STS prefix (IQoJb3JpZ2lu, FwoGZXIvYXdz)
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
 *
 * Entropy floors (Shannon, bits per character, over the candidate; what
 * gitleaks and trufflehog do to tell keys from hashes and placeholders),
 * measured on 200,000 random samples of each shape:
 *   access key id, all 20 chars   2.8   random ids: min 2.91, median 3.78;
 *                                       AKIAAAAABBBBCCCCDDDD 2.35, AKIA0000... 1.02
 *   secret access key, 40 chars   4.0   random: min 4.09, median 4.78; any hex
 *                                       string is below 4.0 (16 symbols)
 *   session token, first 1 KiB    4.5   real tokens 5.1-5.9
 *   agent key                     3.0
 * Keys ending in or containing "EXAMPLE" (AWS's documentation keys,
 * AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) are
 * ignored while ignore_examples is on, as gitleaks does.
 *
 * Performance: a line goes to PCRE2 only when the literal prefilter
 * (rules.h: one vector pass, 3-byte windows) finds one of AKIA, ASIA, ABIA,
 * ACCA, A3T, "secret", "aws", "token" (those three case-insensitive),
 * IQoJb3JpZ2lu, FwoGZXIvYXdz, FQoGZXIvYXdz, "PRIVATE KEY-", AWS_, _HANDLER,
 * TREND_AP_, and then only the patterns whose literal was seen run. On
 * ordinary Lambda logs about 5 % of lines reach PCRE2 (mostly the word
 * "token"); the rest cost the scan, 4-7 GB/s.
 *
 * Evidence never holds a secret: the kind, a masked prefix (first 4 chars
 * + "****"), the first 16 hex of its SHA-256, its length and entropy, the
 * variable name, the request id, and a short excerpt of the line with every
 * detected secret masked before lw_redact() runs over the rest.
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
 * or request); the daemon has one pipeline and reports it once.
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
#include "secrets/redact.h"
#include "detectors/rules.h"

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

enum kind { K_KEY_ID, K_SECRET, K_TOKEN, K_PRIVKEY, K_AGENT, K_ENV, K_COUNT };
static const char *const kind_names[K_COUNT] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "private_key",       "agent_key",             "environment_dump",
};

/* Prefilter groups, and the literals that unlock them. */
enum { G_KEY_ID = 1, G_SECRET = 2, G_TOKEN = 4, G_PRIVKEY = 8, G_ENV = 16, G_AGENT = 32 };
static const lw_lit_def lits[] = {
    {"AKIA", false, G_KEY_ID},
    {"ASIA", false, G_KEY_ID},
    {"ABIA", false, G_KEY_ID},
    {"ACCA", false, G_KEY_ID},
    {"A3T", false, G_KEY_ID},
    {"secret", true, G_SECRET},
    {"aws", true, G_SECRET},
    {"token", true, G_TOKEN},
    {"IQoJb3JpZ2lu", false, G_TOKEN},
    {"FwoGZXIvYXdz", false, G_TOKEN},
    {"FQoGZXIvYXdz", false, G_TOKEN},
    {"PRIVATE KEY-", false, G_PRIVKEY},
    {"AWS_", false, G_ENV},
    {"_HANDLER", false, G_ENV},
    {"TREND_AP_", false, G_ENV | G_AGENT},
};

static const char *const env_names[] = {
    "AWS_ACCESS_KEY_ID",      "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_RUNTIME_API", "_HANDLER",              "TREND_AP_KEY",      "TREND_AP_SECRET",
};
#define NENV 8

#define RX_KEY_ID "(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|A3T[A-Z0-9]{17})(?![A-Za-z0-9])"
/* The name is matched from its keyword on (so PCRE2 can skip ahead to an
 * s or an a) and widened backwards in C. */
#define RX_SECRET                                                                                           \
    "(?i)(?:secret|aws)[a-z0-9_.\\-]*[\"']?\\s*(?:=>|[:=])\\s*[\"']?(?-i)([A-Za-z0-9+/]{40})(?![A-Za-z0-9+/=])"
#define RX_TOKEN                                                                                                     \
    "(?:((?i:aws_session_token|aws_security_token|session_?token|x-amz-security-token)|(?<![A-Za-z])Token)"        \
    "[\"']?\\s*[:=]\\s*[\"']?|(?<![A-Za-z0-9+/])(?=IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz))([A-Za-z0-9+/]{100,}" \
    "={0,2})"
#define RX_PRIVKEY "-----BEGIN ((?:RSA|EC|OPENSSH|DSA|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----"
#define RX_AGENT "(?<![A-Za-z0-9_])(TREND_AP_(?:KEY|SECRET))[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9+/=_\\-]{16,})"
#define RX_ENV                                                                                                   \
    "(?<![A-Za-z0-9_])(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_LAMBDA_FUNCTION_NAME|" \
    "AWS_LAMBDA_RUNTIME_API|_HANDLER|TREND_AP_KEY|TREND_AP_SECRET)(?=[\"']?\\s*[:=])"

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
    enum kind kind;
    size_t start, end;      /* span in the text */
    size_t mstart, mend;    /* span masked in the excerpt */
    unsigned char sha[32];  /* of the secret (a private key: its body, else its header) */
    size_t len;             /* of the secret */
    char prefix[8];         /* its first 4 characters */
    lw_str name;            /* variable name; private key: its type */
    double entropy;
    bool has_body;          /* private key: body in this message */
} cand;

typedef struct secret_det {
    lw_keyed_det base; /* seen: key: function, state: seen */
    secret_cfg cfg;
    lw_patterns pat;
    lw_keyed streams; /* key: group \x1f stream */
    cand c[MAX_CAND];
    int nc;
    size_t masks[MAX_CAND][2];
    lw_buf excerpt, vars, body;
    char prefix[16], sha[17], idkey[64];
} secret_det;

static double entropy(const char *s, size_t n)
{
    if (!n)
        return 0;
    unsigned cnt[256] = {0};
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++) {
        if (cnt[c]) {
            double p = (double)cnt[c] / (double)n;
            h -= p * log2(p);
        }
    }
    return h;
}

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
    static const char *const rx[K_COUNT] = {RX_KEY_ID, RX_SECRET, RX_TOKEN, RX_PRIVKEY, RX_AGENT, RX_ENV};
    lw_patterns_build(&d->pat, "secret_leak", lits, sizeof lits / sizeof *lits, rx, kind_names, K_COUNT, 4);
    lw_keyed_init(&d->streams, sizeof(envstream), lw_opt_size(d->cfg.max_streams, 10000));
    return d;
}

static void destroy(void *self)
{
    secret_det *d = self;
    lw_patterns_free(&d->pat);
    lw_keyed_free(&d->streams);
    lw_buf_free(&d->excerpt);
    lw_buf_free(&d->vars);
    lw_buf_free(&d->body);
    lw_keyed_det_destroy(d);
}

/* Records a candidate; `secret` is hashed now (it may live in scratch). */
static cand *add_cand(secret_det *d, enum kind k, size_t start, size_t end, lw_str secret, lw_str name, double h)
{
    if (d->nc >= MAX_CAND)
        return NULL;
    cand *c = &d->c[d->nc++];
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->start = c->mstart = start;
    c->end = c->mend = end;
    sha256(secret.p, secret.n, c->sha);
    c->len = secret.n;
    snprintf(c->prefix, sizeof c->prefix, "%.*s", (int)(secret.n < 4 ? secret.n : 4), secret.p);
    c->name = name;
    c->entropy = h;
    return c;
}

/* Next match of pattern k in s[0..n) from *at; advances *at. */
static bool next_match(secret_det *d, int k, const char *s, size_t n, size_t *at, PCRE2_SIZE **ov)
{
    if (*at > n || pcre2_match(d->pat.rx[k], (PCRE2_SPTR)s, n, *at, 0, d->pat.md, NULL) <= 0)
        return false;
    *ov = pcre2_get_ovector_pointer(d->pat.md);
    *at = (*ov)[1] > (*ov)[0] ? (*ov)[1] : (*ov)[0] + 1;
    return true;
}

static lw_str grp(const char *s, const PCRE2_SIZE *ov, int g)
{
    if (ov[2 * g] == PCRE2_UNSET)
        return LW_STR_NULL;
    return (lw_str){s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]};
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

/* Fills d->c with the secrets in s[0..n); returns the environment names
 * seen (bit i = env_names[i]). */
static uint32_t find_candidates(secret_det *d, const char *s, size_t n, uint32_t groups)
{
    PCRE2_SIZE *ov;
    uint32_t env = 0;
    d->nc = 0;
    if (groups & G_KEY_ID) {
        for (size_t at = 0; next_match(d, K_KEY_ID, s, n, &at, &ov);) {
            lw_str v = grp(s, ov, 1);
            double h = entropy(v.p, v.n);
            if (!example(d, v) && h >= d->cfg.min_entropy_key_id)
                add_cand(d, K_KEY_ID, ov[2], ov[3], v, (lw_str){v.p, 4}, h);
        }
    }
    if (groups & G_SECRET) {
        for (size_t at = 0; next_match(d, K_SECRET, s, n, &at, &ov);) {
            lw_str v = grp(s, ov, 1);
            double h = entropy(v.p, v.n);
            if (example(d, v) || all_hex(v) || h < d->cfg.min_entropy_secret)
                continue;
            size_t nb = ov[0], ne = ov[0];
            while (nb > 0 && name_char(s[nb - 1]))
                nb--;
            while (ne < n && name_char(s[ne]))
                ne++;
            add_cand(d, K_SECRET, ov[2], ov[3], v, (lw_str){s + nb, ne - nb}, h);
        }
    }
    if (groups & G_TOKEN) {
        for (size_t at = 0; next_match(d, K_TOKEN, s, n, &at, &ov);) {
            lw_str v = grp(s, ov, 2);
            size_t m = v.n;
            while (m && v.p[m - 1] == '=')
                m--;
            double h = entropy(v.p, m < 1024 ? m : 1024);
            lw_str name = grp(s, ov, 1);
            if (h >= d->cfg.min_entropy_token)
                add_cand(d, K_TOKEN, ov[4], ov[5], v, name.n ? name : lw_str_c("STS token prefix"), h);
        }
    }
    if (groups & G_AGENT) {
        for (size_t at = 0; next_match(d, K_AGENT, s, n, &at, &ov);) {
            lw_str v = grp(s, ov, 2);
            double h = entropy(v.p, v.n);
            if (!example(d, v) && h >= d->cfg.min_entropy_agent_key)
                add_cand(d, K_AGENT, ov[4], ov[5], v, grp(s, ov, 1), h);
        }
    }
    if (groups & G_PRIVKEY) {
        for (size_t at = 0; next_match(d, K_PRIVKEY, s, n, &at, &ov);) {
            size_t hs = ov[0], he = ov[1];
            lw_str type = grp(s, ov, 1);
            if (type.n)
                type.n--; /* the trailing space */
            size_t end = key_body(s, n, he, &d->body);
            bool body = d->body.len >= 64;
            size_t rest = he;
            while (rest < n && blank(s[rest]))
                rest++;
            if (!body && rest < n)
                continue; /* a header quoted in a sentence, not a key */
            /* Identity: the body when it is here, else the header. */
            lw_str secret = body ? (lw_str){d->body.p, d->body.len} : (lw_str){s + hs, he - hs};
            cand *c = add_cand(d, K_PRIVKEY, hs, body ? end : he, secret, type.n ? type : lw_str_c("PKCS#8"), 0);
            if (c) {
                c->has_body = body;
                c->mstart = he; /* keep the header readable, mask the body */
                c->prefix[0] = '\0';
                if (body)
                    c->entropy = entropy(d->body.p, d->body.len < 1024 ? d->body.len : 1024);
            }
            at = end > at ? end : at;
        }
    }
    if (groups & G_ENV) {
        for (size_t at = 0; next_match(d, K_ENV, s, n, &at, &ov);) {
            lw_str nm = grp(s, ov, 1);
            for (int i = 0; i < NENV; i++)
                if (lw_str_eq(nm, env_names[i]))
                    env |= 1u << i;
        }
    }
    return env;
}

/* true the first time (function, kind, hash) is seen. */
static bool first_time(secret_det *d, lw_str function, enum kind k, const unsigned char sha[32])
{
    uint64_t h;
    memcpy(&h, sha, 8);
    h = (h ^ ((uint64_t)(k + 1) * 0x9E3779B97F4A7C15ull)) | 1;
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

static void start_finding(secret_det *d, const ctx *x, enum kind k, const unsigned char sha[32])
{
    lw_finding *f = &d->base.f;
    lw_finding_init(f, "secret_leak", LW_SEV_CRITICAL, x->rec);
    if (!f->time_ms && x->rec->kind == LW_REC_SENSOR)
        f->time_ms = x->rec->sensor->occurred_at_ms;
    f->request_id = x->request_id;
    hex16(sha, d->sha);
    snprintf(d->idkey, sizeof d->idkey, "%s:%s", kind_names[k], d->sha);
    f->key = lw_str_c(d->idkey);
}

static void report(secret_det *d, const ctx *x, const cand *c, const lw_emitter *out)
{
    if (!first_time(d, x->rec->function, c->kind, c->sha))
        return;
    lw_finding *f = &d->base.f;
    start_finding(d, x, c->kind, c->sha);
    snprintf(d->prefix, sizeof d->prefix, "%s" LW_MASK, c->prefix);
    switch (c->kind) {
    case K_KEY_ID:
        lw_finding_title(f, "AWS access key id %s (%s) leaked in logs", d->prefix, key_id_type(c->prefix));
        break;
    case K_SECRET:
        lw_finding_title(f, "AWS secret access key leaked in logs (%.*s)", (int)(c->name.n < 60 ? c->name.n : 60),
                         c->name.p);
        break;
    case K_TOKEN: lw_finding_title(f, "AWS session token leaked in logs"); break;
    case K_PRIVKEY:
        lw_finding_title(f, "Private key (%.*s) leaked in logs%s", (int)c->name.n, c->name.p,
                         c->has_body ? "" : " (header; body in the following events)");
        break;
    case K_AGENT: lw_finding_title(f, "Agent key %.*s leaked in logs", (int)c->name.n, c->name.p); break;
    default: break;
    }
    lw_finding_str(f, "kind", lw_str_c(kind_names[c->kind]));
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
    else
        lw_finding_str(f, "name", c->name);
    if (c->kind == K_PRIVKEY)
        lw_finding_bool(f, "body_in_event", c->has_body);
    lw_finding_str(f, "location", lw_str_c(x->where));
    lw_finding_str(f, "request_id", x->request_id);
    lw_finding_str(f, "source_ip", x->source_ip);
    lw_rx_excerpt(&d->excerpt, x->text.p, x->text.n, c->start, lw_opt_size(d->cfg.excerpt_bytes, 160), d->masks,
                  d->nc, 4);
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
    start_finding(d, x, K_ENV, sha);
    lw_finding_title(f, "Environment dump in logs (%d credential and runtime variables): command injection?", names);
    lw_finding_str(f, "kind", lw_str_c(kind_names[K_ENV]));
    lw_finding_str(f, "variables", (lw_str){d->vars.p, d->vars.len});
    lw_finding_int(f, "variable_count", names);
    lw_finding_int(f, "events", events);
    lw_finding_num(f, "window_s", d->cfg.env_window_s);
    lw_finding_str(f, "location", lw_str_c(x->where));
    lw_finding_str(f, "request_id", x->request_id);
    lw_rx_excerpt(&d->excerpt, x->text.p, x->text.n, 0, lw_opt_size(d->cfg.excerpt_bytes, 160), d->masks, d->nc, 4);
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
    uint32_t groups = lw_litset_scan(&d->pat.lits, t.p, n);
    if (!groups)
        return;
    uint32_t env = find_candidates(d, t.p, n, groups);
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
    .summary = "credentials written into logs: AWS keys, session tokens, private keys, environment dumps",
    .options = options,
    .config_size = sizeof(secret_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = tick,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
