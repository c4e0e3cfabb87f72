/* rules: user rules (match, severity, errors, folding, sets), the literal
 * prefilter (agrees with a naive search on random and planted inputs) and the
 * evidence excerpt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "config/options.h"
#include "detectors/detector.h"
#include "detectors/rules.h"
#include "parsers/classify.h"

/* ---- harness ---------------------------------------------------------------- */

#define MAXF 32
typedef struct got {
    int n;
    char det[MAXF][80];
    int sev[MAXF];
    uint64_t count[MAXF];
    char json[MAXF][2048];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    if (g->n < MAXF) {
        snprintf(g->det[g->n], sizeof g->det[0], "%s", f->detector);
        g->sev[g->n] = f->severity;
        g->count[g->n] = f->count;
        lw_buf b = LW_BUF_INIT;
        lw_finding_json(f, "id", &b);
        snprintf(g->json[g->n], sizeof g->json[0], "%s", b.p);
        lw_buf_free(&b);
    }
    g->n++;
}

typedef struct rb {
    lw_event ev;
    lw_app app;
    lw_record rec;
} rb;

static const lw_record *app_line(rb *b, const char *fn, int64_t ts, const char *msg)
{
    static char group[128];
    memset(b, 0, sizeof *b);
    snprintf(group, sizeof group, "/aws/lambda/%s", fn);
    b->ev.group = lw_str_c(group);
    b->ev.stream = lw_str_c("2026/03/08/[$LATEST]abc");
    b->ev.timestamp = ts;
    b->ev.message = lw_str_c(msg);
    b->app.request_id = lw_str_c("11111111-2222-4333-8444-555555555555");
    b->rec.kind = LW_REC_APP;
    b->rec.ev = &b->ev;
    b->rec.app = &b->app;
    b->rec.function = lw_function_name(b->ev.group, LW_STR_NULL);
    return &b->rec;
}

extern const lw_detector_ops lw_detector_rules;

static void *mk(const lw_ruleset *rs, const char *opt, const char *v)
{
    lw_rules_cfg cfg = {0};
    char err[256];
    assert_int_equal(lw_options_defaults(lw_detector_rules.options, &cfg), 0);
    if (opt)
        assert_int_equal(lw_options_set(lw_detector_rules.options, &cfg, opt, v, err, sizeof err), 0);
    cfg.rules = rs;
    void *d = lw_detector_rules.create(&cfg);
    assert_non_null(d);
    return d;
}

/* ---- user rules ------------------------------------------------------------- */

static void rule_matches_with_its_severity(void **st)
{
    (void)st;
    lw_ruleset *rs = lw_ruleset_new();
    char err[256];
    assert_int_equal(lw_ruleset_add(rs, "sql_error", "(?i)syntax error at or near \"\\w+\"", LW_SEV_HIGH, err, sizeof err), 0);
    assert_int_equal(lw_ruleset_add(rs, "debug-dump", "DEBUG DUMP", LW_SEV_LOW, err, sizeof err), 0);
    assert_int_equal(lw_ruleset_count(rs), 2);
    void *d = mk(rs, NULL, NULL);
    lw_ruleset_free(rs); /* the detector holds its own references */
    got g = {0};
    lw_emitter out = {.emit = collect, .ud = &g};
    rb b;
    lw_detector_rules.on_record(d, app_line(&b, "orders", 1000, "pq: SYNTAX ERROR at or near \"FROM\" (password=hunter2)"), &out);
    lw_detector_rules.on_record(d, app_line(&b, "orders", 2000, "all good"), &out);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.det[0], "rule:sql_error");
    assert_int_equal(g.sev[0], LW_SEV_HIGH);
    assert_non_null(strstr(g.json[0], "\"detector\":\"rule:sql_error\""));
    assert_non_null(strstr(g.json[0], "\"severity\":\"high\""));
    assert_non_null(strstr(g.json[0], "\"match\":\"SYNTAX ERROR at or near \\\"FROM\\\"\""));
    assert_non_null(strstr(g.json[0], "\"request_id\":\"11111111-2222-4333-8444-555555555555\""));
    assert_null(strstr(g.json[0], "hunter2")); /* the excerpt is redacted */
    lw_detector_rules.on_record(d, app_line(&b, "orders", 3000, "x DEBUG DUMP y"), &out);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.det[1], "rule:debug-dump");
    assert_int_equal(g.sev[1], LW_SEV_LOW);
    lw_detector_rules.destroy(d);
}

static void bad_patterns_and_names_are_reported(void **st)
{
    (void)st;
    lw_ruleset *rs = lw_ruleset_new();
    char err[256] = "";
    assert_int_equal(lw_ruleset_add(rs, "bad", "foo(bar", LW_SEV_MEDIUM, err, sizeof err), -1);
    assert_non_null(strstr(err, "rule 'bad'"));
    assert_non_null(strstr(err, "missing closing parenthesis"));
    assert_non_null(strstr(err, "at offset 7"));
    assert_int_equal(lw_rule_check("a[b", err, sizeof err), -1);
    assert_non_null(strstr(err, "missing terminating ] for character class at offset 3"));
    assert_int_equal(lw_rule_check("(?<name", err, sizeof err), -1);
    assert_non_null(strstr(err, "offset"));
    assert_int_equal(lw_rule_check("ok+", err, sizeof err), 0);
    assert_int_equal(lw_ruleset_add(rs, "has space", "x", LW_SEV_LOW, err, sizeof err), -1);
    assert_non_null(strstr(err, "only letters"));
    assert_int_equal(lw_ruleset_add(rs, "", "x", LW_SEV_LOW, err, sizeof err), -1);
    assert_int_equal(lw_ruleset_add(rs, "empty", "", LW_SEV_LOW, err, sizeof err), -1);
    assert_int_equal(lw_ruleset_add(rs, "sev", "x", (lw_severity)9, err, sizeof err), -1);
    assert_int_equal(lw_ruleset_add(rs, "twice", "x", LW_SEV_LOW, err, sizeof err), 0);
    assert_int_equal(lw_ruleset_add(rs, "twice", "y", LW_SEV_LOW, err, sizeof err), -1);
    assert_non_null(strstr(err, "defined twice"));
    assert_int_equal(lw_ruleset_count(rs), 1);
    lw_ruleset_free(rs);
}

static void repeats_fold_into_one_counted_finding(void **st)
{
    (void)st;
    lw_ruleset *rs = lw_ruleset_new();
    assert_int_equal(lw_ruleset_add(rs, "oops", "oops", LW_SEV_MEDIUM, NULL, 0), 0);
    void *d = mk(rs, "max_per_window", "2");
    got g = {0};
    lw_emitter out = {.emit = collect, .ud = &g};
    rb b;
    for (int i = 0; i < 5; i++)
        lw_detector_rules.on_record(d, app_line(&b, "f", 1000 + i * 1000, "oops"), &out);
    assert_int_equal(g.n, 2); /* the first two, one by one */
    /* another function has its own window */
    lw_detector_rules.on_record(d, app_line(&b, "g", 1000, "oops"), &out);
    assert_int_equal(g.n, 3);
    /* a match after the window closes the old one first */
    lw_detector_rules.on_record(d, app_line(&b, "f", 1000 + 301000, "oops"), &out);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.count[3], 3);
    assert_non_null(strstr(g.json[3], "\"kind\":\"folded\""));
    assert_int_equal(g.count[4], 1);
    /* state survives a restart */
    lw_buf blob = LW_BUF_INIT;
    lw_detector_rules.save(d, &blob);
    void *d2 = mk(rs, "max_per_window", "2");
    assert_int_equal(lw_detector_rules.restore(d2, blob.p, blob.len), 0);
    lw_detector_rules.on_record(d2, app_line(&b, "f", 1000 + 302000, "oops"), &out); /* 2nd in window */
    lw_detector_rules.on_record(d2, app_line(&b, "f", 1000 + 303000, "oops"), &out); /* 3rd: folded */
    assert_int_equal(g.n, 6);
    lw_detector_rules.flush(d2, &out);
    assert_int_equal(g.n, 7);
    assert_int_equal(g.count[6], 1);
    assert_int_equal(lw_detector_rules.restore(d2, "xx", 2), -1);
    lw_buf_free(&blob);
    lw_detector_rules.destroy(d);
    lw_detector_rules.destroy(d2);
    lw_ruleset_free(rs);
}

static void each_detector_keeps_its_own_set(void **st)
{
    (void)st;
    char err[200];
    lw_ruleset *one = lw_ruleset_new(), *two = lw_ruleset_new();
    assert_int_equal(lw_ruleset_add(one, "first", "needle", LW_SEV_CRITICAL, err, sizeof err), 0);
    assert_int_equal(lw_ruleset_add(one, "bad", "(", LW_SEV_CRITICAL, err, sizeof err), -1);
    assert_int_equal(lw_ruleset_add(two, "second", "haystack", LW_SEV_LOW, err, sizeof err), 0);
    void *a = mk(one, NULL, NULL);
    void *b = mk(two, NULL, NULL); /* another pipeline, other rules */
    void *c = mk(NULL, NULL, NULL); /* no set: no rules */
    lw_ruleset_free(one);       /* a reload: running detectors keep theirs */
    got g = {0};
    lw_emitter out = {.emit = collect, .ud = &g};
    rb r;
    const char *line = "needle in a haystack";
    lw_detector_rules.on_record(a, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.det[0], "rule:first");
    assert_int_equal(g.sev[0], LW_SEV_CRITICAL);
    lw_detector_rules.on_record(b, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.det[1], "rule:second");
    lw_detector_rules.on_record(c, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 2);
    lw_detector_rules.destroy(a);
    lw_detector_rules.destroy(b);
    lw_detector_rules.destroy(c);
    lw_ruleset_free(two);
}

static void invalid_utf8_and_match_limit(void **st)
{
    (void)st;
    lw_ruleset *rs = lw_ruleset_new();
    assert_int_equal(lw_ruleset_add(rs, "word", "caf\xc3\xa9 \\w+", LW_SEV_INFO, NULL, 0), 0);
    assert_int_equal(lw_ruleset_add(rs, "slow", "^(a+)+$", LW_SEV_INFO, NULL, 0), 0);
    void *d = mk(rs, "match_limit", "1000");
    got g = {0};
    lw_emitter out = {.emit = collect, .ud = &g};
    rb b;
    lw_detector_rules.on_record(d, app_line(&b, "f", 1, "\xff\xfe caf\xc3\xa9 au lait"), &out);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.det[0], "rule:word");
    char evil[64];
    memset(evil, 'a', sizeof evil - 2);
    evil[sizeof evil - 2] = 'b';
    evil[sizeof evil - 1] = '\0';
    lw_detector_rules.on_record(d, app_line(&b, "f", 2, evil), &out); /* stops at the limit, no hang */
    assert_int_equal(g.n, 1);
    lw_detector_rules.destroy(d);
    lw_ruleset_free(rs);
}

/* ---- the literal prefilter -------------------------------------------------- */

/* The reference the prefilter must agree with: every literal tried at
 * every offset, ASCII letters folded for the case-insensitive ones. */
typedef struct reflit {
    char s[LW_LIT_LEN + 1];
    bool nocase;
    uint32_t groups;
} reflit;

static bool ref_at(const char *s, const reflit *L, size_t l)
{
    for (size_t k = 0; k < l; k++) {
        unsigned char a = (unsigned char)s[k], b = (unsigned char)L->s[k];
        if (L->nocase && a < 0x80)
            a = (unsigned char)tolower(a), b = (unsigned char)tolower(b);
        if (a != b)
            return false;
    }
    return true;
}

static uint32_t naive(const reflit *lits, int nl, const char *s, size_t n)
{
    uint32_t g = 0;
    for (int k = 0; k < nl; k++) {
        size_t l = strlen(lits[k].s);
        for (size_t i = 0; i + l <= n; i++)
            if (ref_at(s + i, &lits[k], l)) {
                g |= lits[k].groups;
                break;
            }
    }
    return g;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* Random strings over the literals' bytes, their other case, NUL and a few
 * others, with literals (case flipped at random) planted at the start, the
 * end, around vector-block edges and anywhere, compared with naive() in
 * heap blocks of the exact size, so a read past the end is an ASan error. */
static void agrees_with_naive(const reflit *lits, int nl, int rounds, uint64_t *x)
{
    lw_litset ls;
    lw_litset_init(&ls);
    for (int k = 0; k < nl; k++)
        assert_int_equal(lw_litset_add(&ls, lits[k].s, lits[k].nocase, lits[k].groups), 0);
    char err[256];
    assert_int_equal(lw_litset_build(&ls, err, sizeof err), 0);
    char alpha[4 * LW_LIT_MAX * LW_LIT_LEN + 8] = {'\0', ' ', '\xff', '\x80', 'Q'};
    size_t na = 5;
    for (int k = 0; k < nl; k++)
        for (const char *c = lits[k].s; *c; c++) {
            alpha[na++] = *c;
            alpha[na++] = (char)(islower((unsigned char)*c) ? toupper((unsigned char)*c) : tolower((unsigned char)*c));
        }
    static char buf[70000];
    for (int round = 0; round < rounds; round++) {
        size_t n = rnd(x) % 40 == 0 ? rnd(x) % sizeof buf : rnd(x) % 300;
        for (size_t i = 0; i < n; i++)
            buf[i] = alpha[rnd(x) % na];
        for (int plant = (int)(rnd(x) % 4); plant > 0; plant--) {
            const reflit *L = &lits[rnd(x) % (uint64_t)nl];
            size_t l = strlen(L->s);
            if (l > n)
                continue;
            static const size_t edge[] = {15, 16, 31, 32, 33, 63, 64, 65};
            size_t at;
            switch (rnd(x) % 4) {
            case 0: at = 0; break;
            case 1: at = n - l; break;
            case 2: at = edge[rnd(x) % 8] - rnd(x) % l; break;
            default: at = rnd(x) % (n - l + 1);
            }
            if (at > n - l)
                at = n - l;
            for (size_t k = 0; k < l; k++)
                buf[at + k] = rnd(x) % 3 ? L->s[k] : (char)toupper((unsigned char)L->s[k]);
        }
        char *heap = malloc(n ? n : 1);
        memcpy(heap, buf, n);
        uint32_t want = naive(lits, nl, buf, n), got = lw_litset_scan(&ls, heap, n);
        if (got != want)
            fail_msg("round %d, %zu bytes: scan says %#x, naive %#x", round, n, got, want);
        free(heap);
    }
    lw_litset_free(&ls);
}

static void litset_agrees_with_a_naive_search(void **st)
{
    (void)st;
    uint64_t x = 88172645463325252ull;
    /* What the detectors look for, one group each, with overlaps: literals
     * inside literals (aws, AWS_, .aws/c), prefixes, one byte, repeats. */
    static const reflit mixed[] = {
        {"AKIA", false, 1u << 0},   {"secret", true, 1u << 1},     {"token", true, 1u << 2},
        {"../", false, 1u << 3},    {"%2e", true, 1u << 4},        {"169.254.", false, 1u << 5},
        {"PRIVATE KEY-", false, 1u << 6}, {"_HANDLER", false, 1u << 7}, {"var/task", false, 1u << 8},
        {"aws", true, 1u << 9},     {"AWS_", false, 1u << 10},     {".aws/c", false, 1u << 11},
        {"abc", false, 1u << 12},   {"abcd", false, 1u << 13},     {"bcd", true, 1u << 14},
        {"aaaa", false, 1u << 15},  {"~", false, 1u << 16},        {"2018-06-01/runtime", false, 1u << 17},
        {"xyz", true, 1u << 18 | 1u << 0},
    };
    agrees_with_naive(mixed, sizeof mixed / sizeof *mixed, 4000, &x);
    /* Random sets over a small alphabet (so literals overlap and repeat),
     * several literals per group, up to a full set. */
    for (int set = 0; set < 60; set++) {
        reflit lits[LW_LIT_MAX];
        int nl = 1 + (int)(rnd(&x) % LW_LIT_MAX);
        for (int k = 0; k < nl; k++) {
            size_t l = 1 + rnd(&x) % (rnd(&x) % 4 ? 6 : LW_LIT_LEN);
            for (size_t i = 0; i < l; i++)
                lits[k].s[i] = "abAB%2.\x80"[rnd(&x) % 8];
            lits[k].s[l] = '\0';
            lits[k].nocase = rnd(&x) & 1;
            lits[k].groups = 1u << (rnd(&x) % 8) | (rnd(&x) % 5 ? 0 : 1u << 31);
        }
        agrees_with_naive(lits, nl, 400, &x);
    }
}

static void litset_limits(void **st)
{
    (void)st;
    lw_litset ls;
    lw_litset_init(&ls);
    assert_int_equal(lw_litset_add(&ls, "", false, 1), -1);                          /* empty */
    assert_int_equal(lw_litset_add(&ls, "abcdefghijklmnopqrstuvwxy", false, 1), -1); /* 25 bytes */
    assert_int_equal(lw_litset_add(&ls, "abc", false, 0), -1);                       /* no group */
    for (int k = 0; k < LW_LIT_MAX; k++)
        assert_int_equal(lw_litset_add(&ls, "abc", true, 1u << (k % 32)), 0);
    assert_int_equal(lw_litset_add(&ls, "abc", false, 1), -1); /* full */
    char err[256];
    assert_int_equal(lw_litset_build(&ls, err, sizeof err), 0);
    assert_int_equal(lw_litset_build(&ls, err, sizeof err), -1);
    assert_int_equal(lw_litset_scan(&ls, "", 0), 0);
    assert_int_equal(lw_litset_scan(&ls, "ab", 2), 0);
    assert_int_equal(lw_litset_scan(&ls, "xaBc", 4), 0xffffffffu);
    /* a long line, the literal in its last bytes */
    size_t n = 3u << 20;
    char *big = malloc(n);
    memset(big, 'a', n);
    assert_int_equal(lw_litset_scan(&ls, big, n), 0);
    memcpy(big + n - 3, "ABC", 3);
    assert_int_equal(lw_litset_scan(&ls, big, n), 0xffffffffu);
    free(big);
    lw_litset_free(&ls);
    lw_litset_free(&ls); /* freed sets are empty sets */
}

/* ---- excerpt ---------------------------------------------------------------- */

static void excerpt_masks_redacts_and_keeps_utf8(void **st)
{
    (void)st;
    lw_buf out = LW_BUF_INIT;
    const char *s = "user=bob key=ZZZZ9999SECRETVALUE1234 password=hunter2 done";
    size_t m[1][2] = {{13, 36}};
    lw_rx_excerpt(&out, s, strlen(s), 13, 200, (const size_t(*)[2])m, 1, 4);
    /* the masks of redact.h: kept prefix, "****#", 8 hex of the secret's SHA-256 */
    assert_string_equal(out.p, "user=bob key=ZZZZ****#ffaf6ee1 password=****#f52fbd32 done");
    /* a long line: cut around the offset, marked, never inside a UTF-8 char */
    char line[400];
    size_t at = 0;
    for (int i = 0; i < 100; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, "\xc3\xa9%s", i == 50 ? "X\n" : "");
    lw_rx_excerpt(&out, line, at, 100, 41, NULL, 0, 0);
    assert_true(out.len > 6);
    assert_memory_equal(out.p, "...", 3);
    assert_memory_equal(out.p + out.len - 3, "...", 3);
    for (size_t i = 3; i < out.len - 3;) {
        int l = lw_utf8_seqlen((const unsigned char *)out.p + i, out.len - 3 - i);
        assert_true(l > 0);
        i += (size_t)l;
    }
    assert_null(strchr(out.p, '\n')); /* control characters become spaces */
    assert_null(strstr(out.p, "\xef\xbf\xbd")); /* cut on character boundaries, not replaced */
    lw_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_matches_with_its_severity),
        cmocka_unit_test(bad_patterns_and_names_are_reported),
        cmocka_unit_test(repeats_fold_into_one_counted_finding),
        cmocka_unit_test(each_detector_keeps_its_own_set),
        cmocka_unit_test(invalid_utf8_and_match_limit),
        cmocka_unit_test(litset_agrees_with_a_naive_search),
        cmocka_unit_test(litset_limits),
        cmocka_unit_test(excerpt_masks_redacts_and_keeps_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
