/*
 * rules: lw_patterns, the evidence excerpt, and the `rules` detector (user
 * rules). The prefilter and PCRE2 helpers are common/pattern.c.
 *
 * The `rules` detector: every TEXT, APP and PLATFORM message, and the raw
 * HTTP request of every sensor event, is matched against each rule. The
 * first `max_per_window` matches of one rule on one function within
 * `window_s` are findings of their own (identity: the log event: its
 * CloudWatch event id, else its time and a hash of the message; the sensor
 * event id for sensor records); later ones in that window are folded into
 * one finding with `count` when the window closes (tick, flush, or the
 * next match after it). Memory: one 32-byte window per (function, rule),
 * at most `max_keys` (past that, every match is reported on its own: never
 * lost). PCRE2's match limit bounds a pathological pattern; a line that
 * hits it counts as no match and is counted in `errors`.
 */
#include "detectors/rules.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jsonw.h"
#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/fold.h"
#include "secrets/redact.h"

/* Moves a cut at red[i] off the middle of a mask ("****#1a2b3c4d"):
 * back to its start (forward when `forward`). */
static size_t off_mask(const lw_buf *red, size_t i, bool forward)
{
    size_t lo = i > 12 ? i - 12 : 0;
    for (size_t k = lo; k < i; k++) {
        if (k + 4 <= red->len && !memcmp(red->p + k, LW_MASK, 4)) {
            size_t end = k + 4;
            if (end < red->len && red->p[end] == '#')
                end += 9 <= red->len - end ? 9 : red->len - end;
            if (end > i)
                return forward ? end : k;
        }
    }
    return i;
}

void lw_rx_excerpt(lw_buf *out, const char *s, size_t n, size_t at, size_t max, const size_t (*masks)[2],
                   int nmasks, size_t keep)
{
    /* The whole text is redacted first and the excerpt cut from that, so a
     * cut can never fall inside a secret and hide it from redaction. */
    lw_buf_reset(out);
    lw_buf red = LW_BUF_INIT;
    size_t rat = at > n ? n : at;
    lw_redact_ex(s, n, &red, masks, nmasks, keep, &rat);
    size_t a = rat > max / 3 ? rat - max / 3 : 0;
    size_t b = a + max < red.len ? a + max : red.len;
    a = off_mask(&red, a, false);
    b = off_mask(&red, b, true);
    /* Cut on character boundaries (a UTF-8 continuation byte is 10xxxxxx). */
    while (a > 0 && a < red.len && ((unsigned char)red.p[a] & 0xc0) == 0x80)
        a--;
    while (b < red.len && b > a && ((unsigned char)red.p[b] & 0xc0) == 0x80)
        b--;
    if (a > 0)
        lw_buf_puts(out, "...");
    for (size_t i = a; i < b;) {
        unsigned char c = (unsigned char)red.p[i];
        if (c < 0x80) {
            lw_buf_putc(out, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
            i++;
            continue;
        }
        int l = lw_utf8_seqlen((const unsigned char *)red.p + i, red.len - i);
        if (l <= 0) /* lw_redact's output is valid UTF-8; be safe anyway */
            l = 1;
        lw_buf_append(out, red.p + i, (size_t)l);
        i += (size_t)l;
    }
    if (b < red.len)
        lw_buf_puts(out, "...");
    if (!out->p)
        lw_buf_puts(out, "");
    lw_buf_free(&red);
}

void lw_patterns_build(lw_patterns *p, const char *detector, const lw_lit_def *lits, size_t nlits,
                       const char *const *rx, const char *const *names, int n, uint32_t pairs)
{
    memset(p, 0, sizeof *p);
    if (n > LW_PATTERNS_MAX)
        abort(); /* a programming error: raise LW_PATTERNS_MAX */
    lw_litset_init(&p->lits);
    for (size_t i = 0; i < nlits; i++)
        if (lw_litset_add(&p->lits, lits[i].s, lits[i].nocase, lits[i].groups) < 0)
            abort(); /* a programming error: the table is fixed */
    char err[256];
    if (lw_litset_build(&p->lits, err, sizeof err) < 0) {
        fprintf(stderr, "lambdaward: %s: prefilter: %s\n", detector, err);
        abort();
    }
    for (int k = 0; k < n; k++) {
        p->rx[k] = lw_re_compile(rx[k], 0, err, sizeof err);
        if (!p->rx[k]) {
            char num[16];
            snprintf(num, sizeof num, "%d", k);
            fprintf(stderr, "lambdaward: %s: pattern %s: %s\n", detector, names ? names[k] : num, err);
            abort();
        }
    }
    p->n = n;
    p->md = pcre2_match_data_create(pairs, NULL);
}

void lw_patterns_free(lw_patterns *p)
{
    for (int k = 0; k < p->n; k++)
        pcre2_code_free(p->rx[k]);
    pcre2_match_data_free(p->md);
    lw_litset_free(&p->lits);
}

/* ==== 3. user rules ======================================================== */

struct lw_rule {
    atomic_int refs;
    char name[LW_RULE_NAME_MAX + 1];
    char detector[LW_RULE_NAME_MAX + 6]; /* "rule:" + name */
    lw_severity sev;
    pcre2_code *code;
};

struct lw_ruleset {
    lw_rule **v;
    size_t n, cap;
};

static lw_rule *rule_ref(lw_rule *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

static void rule_unref(lw_rule *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        pcre2_code_free(r->code);
        free(r);
    }
}

lw_ruleset *lw_ruleset_new(void) { return lw_xcalloc(1, sizeof(lw_ruleset)); }

void lw_ruleset_free(lw_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        rule_unref(rs->v[i]);
    free(rs->v);
    free(rs);
}

size_t lw_ruleset_count(const lw_ruleset *rs) { return rs ? rs->n : 0; }

#define RULE_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

int lw_rule_check(const char *pattern, char *err, size_t errlen)
{
    if (!pattern || !*pattern) {
        snprintf(err, errlen, "empty pattern");
        return -1;
    }
    pcre2_code *re = lw_re_compile(pattern, RULE_OPTIONS, err, errlen);
    if (!re)
        return -1;
    pcre2_code_free(re);
    return 0;
}

int lw_ruleset_add(lw_ruleset *rs, const char *name, const char *pattern, lw_severity sev, char *err, size_t errlen)
{
    char tmp[8];
    if (!err || !errlen) {
        err = tmp;
        errlen = sizeof tmp;
    }
    size_t nl = name ? strlen(name) : 0;
    if (nl == 0 || nl > LW_RULE_NAME_MAX) {
        snprintf(err, errlen, "rule name must be 1 to %d characters", LW_RULE_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.')) {
            snprintf(err, errlen, "rule name '%s': only letters, digits, '_', '-' and '.'", name);
            return -1;
        }
    }
    if (sev < LW_SEV_INFO || sev > LW_SEV_CRITICAL) {
        snprintf(err, errlen, "rule '%s': severity %d is not a severity", name, (int)sev);
        return -1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        if (!strcmp(rs->v[i]->name, name)) {
            snprintf(err, errlen, "rule '%s' is defined twice", name);
            return -1;
        }
    }
    if (!pattern || !*pattern) {
        snprintf(err, errlen, "rule '%s': empty pattern", name);
        return -1;
    }
    char msg[200];
    pcre2_code *re = lw_re_compile(pattern, RULE_OPTIONS, msg, sizeof msg);
    if (!re) {
        snprintf(err, errlen, "rule '%s': %s", name, msg);
        return -1;
    }
    lw_rule *r = lw_xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    memcpy(r->name, name, nl + 1);
    snprintf(r->detector, sizeof r->detector, "rule:%s", name);
    r->sev = sev;
    r->code = re;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->v = lw_xrealloc(rs->v, rs->cap * sizeof *rs->v);
    }
    rs->v[rs->n++] = r;
    return 0;
}

/* ---- the detector ---------------------------------------------------------- */

/* One (function, rule) window. */
typedef struct rwin {
    lw_fold fold;    /* count: matches in this window */
    uint64_t folded; /* of which not reported one by one */
} rwin;

/* The saved state is the rwin table: a new layout needs a new number. */
#define RULES_FORMAT 2 /* 2: fold state keeps the source clock at the last event */

static bool valid(const void *p)
{
    const rwin *w = p;
    return w->folded <= w->fold.count;
}

typedef struct rules_det {
    lw_fold_det base; /* windows: key: function \x1f rule name, state: rwin */
    lw_rules_cfg cfg;
    lw_rule **rules;
    size_t nrules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    lw_buf excerpt, match;
    char idkey[96];
    uint64_t errors;
} rules_det;

static const lw_option options[] = {
    LW_OPT("max_per_window", LW_OPT_INT, "5", offsetof(lw_rules_cfg, max_per_window), 0, 1e6,
           "matches of one rule on one function reported one by one per window; later ones are folded into one "
           "finding with a count"),
    LW_OPT("window_s", LW_OPT_DURATION, "300", offsetof(lw_rules_cfg, window_s), 0, 86400,
           "the folding window, in event time"),
    LW_OPT("max_keys", LW_OPT_INT, "10000", offsetof(lw_rules_cfg, max_keys), 1, 1e6,
           "(function, rule) windows tracked at once (32 bytes each); past it every match is reported"),
    LW_OPT("max_scan_bytes", LW_OPT_SIZE, "262144", offsetof(lw_rules_cfg, max_scan_bytes), 1, 16 * 1024 * 1024,
           "bytes of each message matched (CloudWatch events are at most 256 KB)"),
    LW_OPT("match_limit", LW_OPT_INT, "1000000", offsetof(lw_rules_cfg, match_limit), 1000, 4e9,
           "PCRE2 match limit per line and rule: bounds a backtracking pattern (a line over it counts as no match)"),
    LW_OPT("excerpt_bytes", LW_OPT_SIZE, "200", offsetof(lw_rules_cfg, excerpt_bytes), 1, 65536,
           "bytes of the redacted line kept in evidence"),
    LW_OPT_END,
};

static const lw_rule *rule_named(const rules_det *d, const char *name, size_t n)
{
    for (size_t i = 0; i < d->nrules; i++)
        if (strlen(d->rules[i]->name) == n && !memcmp(d->rules[i]->name, name, n))
            return d->rules[i];
    return NULL;
}

/* The folded matches of a closed window, as one finding. */
static void close_window(void *self, const char *key, size_t klen, lw_fold *state, const lw_emitter *out)
{
    rules_det *d = self;
    const rwin *w = (const rwin *)state;
    const char *sep = memchr(key, '\x1f', klen);
    const lw_rule *r = sep ? rule_named(d, sep + 1, klen - (size_t)(sep + 1 - key)) : NULL;
    if (r && w->folded) {
        lw_finding *f = &d->base.keyed.f;
        lw_finding_init(f, r->detector, r->sev, NULL);
        f->function = (lw_str){key, (size_t)(sep - key)};
        f->time_ms = w->fold.start_ms;
        f->count = w->folded;
        snprintf(d->idkey, sizeof d->idkey, "fold:%" PRId64, w->fold.start_ms);
        f->key = lw_str_c(d->idkey);
        lw_finding_title(f, "Rule %s matched %" PRIu64 " more times on %.*s within %.0f s", r->name, w->folded,
                         (int)f->function.n, f->function.p, d->cfg.window_s);
        lw_finding_str(f, "rule", lw_str_c(r->name));
        lw_finding_str(f, "kind", lw_str_c("folded"));
        lw_finding_int(f, "matches_in_window", (int64_t)w->fold.count);
        lw_finding_int(f, "folded", (int64_t)w->folded);
        lw_finding_num(f, "window_s", d->cfg.window_s);
        lw_emit(out, f);
    }
}

static void *create(const void *cfgp)
{
    const lw_rules_cfg *cfg = cfgp;
    double mk = cfg->max_keys >= 1 ? cfg->max_keys : 1;
    rules_det *d =
        lw_fold_det_new(sizeof *d, sizeof(rwin), (size_t)mk, RULES_FORMAT, valid, cfg->window_s, close_window);
    d->cfg = *cfg;
    d->cfg.rules = NULL;
    const lw_ruleset *src = cfg->rules;
    if (src && src->n) {
        d->rules = lw_xcalloc(src->n, sizeof *d->rules);
        for (size_t i = 0; i < src->n; i++)
            d->rules[i] = rule_ref(src->v[i]);
        d->nrules = src->n;
    }
    d->md = pcre2_match_data_create(1, NULL);
    d->mctx = pcre2_match_context_create(NULL);
    double lim = d->cfg.match_limit >= 1000 && d->cfg.match_limit <= 4e9 ? d->cfg.match_limit : 1000000;
    pcre2_set_match_limit(d->mctx, (uint32_t)lim);
    d->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    if (d->jit)
        pcre2_jit_stack_assign(d->mctx, NULL, d->jit);
    if (!d->md || !d->mctx) {
        fprintf(stderr, "lambdaward: rules: out of memory\n");
        abort();
    }
    return d;
}

static void destroy(void *self)
{
    rules_det *d = self;
    for (size_t i = 0; i < d->nrules; i++)
        rule_unref(d->rules[i]);
    free(d->rules);
    pcre2_match_data_free(d->md);
    pcre2_match_context_free(d->mctx);
    if (d->jit)
        pcre2_jit_stack_free(d->jit);
    lw_buf_free(&d->excerpt);
    lw_buf_free(&d->match);
    lw_keyed_det_destroy(d);
}

/* true when this match deserves a finding of its own. */
static bool count_match(rules_det *d, const lw_record *rec, const lw_rule *r, int64_t now, const lw_emitter *out)
{
    rwin *w = lw_fold_det_count(d, rec->function, lw_str_c(r->name), now, out);
    if (!w)
        return true; /* untracked: never fold, never lose */
    if (w->fold.count <= (uint64_t)(d->cfg.max_per_window > 0 ? d->cfg.max_per_window : 0))
        return true;
    w->folded++;
    return false;
}

static void report(rules_det *d, const lw_record *rec, const lw_rule *r, lw_str text, const char *where,
                   size_t ms, size_t me, const lw_emitter *out)
{
    lw_finding *f = &d->base.keyed.f;
    lw_finding_init(f, r->detector, r->sev, rec);
    lw_str rid = lw_record_request_id(rec);
    f->request_id = rid;
    if (rec->kind == LW_REC_SENSOR && rec->sensor->sensor_id.n) {
        f->key = rec->sensor->sensor_id;
    } else if (rec->ev->event_id.n) {
        f->key = rec->ev->event_id;
    } else {
        snprintf(d->idkey, sizeof d->idkey, "t%" PRId64 ":%016" PRIx64, rec->ev->timestamp,
                 lw_hash64(text.p, text.n));
        f->key = lw_str_c(d->idkey);
    }
    if (!f->time_ms && rec->kind == LW_REC_SENSOR)
        f->time_ms = rec->sensor->occurred_at_ms;
    size_t ml = me - ms;
    lw_rx_excerpt(&d->match, text.p + ms, ml, 0, ml < 120 ? ml : 120, NULL, 0, 0);
    lw_rx_excerpt(&d->excerpt, text.p, text.n, ms, (size_t)(d->cfg.excerpt_bytes > 16 ? d->cfg.excerpt_bytes : 16),
                  NULL, 0, 0);
    lw_finding_title(f, "Rule %s matched: %.*s", r->name, (int)(d->match.len < 100 ? d->match.len : 100),
                     d->match.p ? d->match.p : "");
    lw_finding_str(f, "rule", lw_str_c(r->name));
    lw_finding_str(f, "match", (lw_str){d->match.p, d->match.len});
    lw_finding_str(f, "location", lw_str_c(where));
    lw_finding_str(f, "request_id", rid);
    lw_finding_str(f, "excerpt", (lw_str){d->excerpt.p, d->excerpt.len});
    lw_emit(out, f);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    rules_det *d = self;
    if (!d->nrules || !rec->ev)
        return;
    lw_str text;
    const char *where;
    switch (rec->kind) {
    case LW_REC_TEXT:
    case LW_REC_APP:
    case LW_REC_PLATFORM:
        text = rec->ev->message;
        where = "log_line";
        break;
    case LW_REC_SENSOR:
        text = rec->sensor->payload;
        where = "sensor_payload";
        break;
    default: return;
    }
    if (!text.n)
        return;
    size_t n = lw_scan_len(text.n, d->cfg.max_scan_bytes);
    int64_t now = rec->ev->timestamp;
    if (!now && rec->kind == LW_REC_SENSOR)
        now = rec->sensor->occurred_at_ms;
    for (size_t i = 0; i < d->nrules; i++) {
        const lw_rule *r = d->rules[i];
        int rc = pcre2_match(r->code, (PCRE2_SPTR)text.p, n, 0, 0, d->md, d->mctx);
        if (rc < 0) {
            if (rc != PCRE2_ERROR_NOMATCH)
                d->errors++;
            continue;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
        size_t ms = ov[0] <= n ? ov[0] : n, me = ov[1] <= n && ov[1] >= ms ? ov[1] : ms;
        if (count_match(d, rec, r, now, out))
            report(d, rec, r, text, where, ms, me, out);
    }
}

const lw_detector_ops lw_detector_rules = {
    .name = "rules",
    .summary = "user rules: named PCRE2 patterns ([rule NAME]); findings are named rule:NAME",
    .options = options,
    .config_size = sizeof(lw_rules_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = lw_fold_det_tick,
    .flush = lw_fold_det_flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
