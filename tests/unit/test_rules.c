/* rules: user rules (match, severity, errors, folding, sets), the literal
 * prefilter (every implementation agrees with a naive search) and the
 * evidence excerpt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
    lw_emitter out = {collect, &g};
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
    lw_emitter out = {collect, &g};
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

static void process_wide_set_and_per_pipeline_sets(void **st)
{
    (void)st;
    char err[200];
    assert_int_equal(lw_rules_add("global", "needle", LW_SEV_CRITICAL, err, sizeof err), 0);
    assert_int_equal(lw_rules_add("bad", "(", LW_SEV_CRITICAL, err, sizeof err), -1);
    void *a = mk(NULL, NULL, NULL); /* takes the process-wide set */
    lw_ruleset *mine = lw_ruleset_new();
    assert_int_equal(lw_ruleset_add(mine, "local", "haystack", LW_SEV_LOW, err, sizeof err), 0);
    void *b = mk(mine, NULL, NULL); /* a pipeline with its own rules */
    lw_rules_clear();            /* a reload: running detectors keep theirs */
    void *c = mk(NULL, NULL, NULL);
    got g = {0};
    lw_emitter out = {collect, &g};
    rb r;
    const char *line = "needle in a haystack";
    lw_detector_rules.on_record(a, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.det[0], "rule:global");
    assert_int_equal(g.sev[0], LW_SEV_CRITICAL);
    lw_detector_rules.on_record(b, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.det[1], "rule:local");
    lw_detector_rules.on_record(c, app_line(&r, "f", 1, line), &out);
    assert_int_equal(g.n, 2);
    lw_detector_rules.destroy(a);
    lw_detector_rules.destroy(b);
    lw_detector_rules.destroy(c);
    lw_ruleset_free(mine);
}

static void invalid_utf8_and_match_limit(void **st)
{
    (void)st;
    lw_ruleset *rs = lw_ruleset_new();
    assert_int_equal(lw_ruleset_add(rs, "word", "caf\xc3\xa9 \\w+", LW_SEV_INFO, NULL, 0), 0);
    assert_int_equal(lw_ruleset_add(rs, "slow", "^(a+)+$", LW_SEV_INFO, NULL, 0), 0);
    void *d = mk(rs, "match_limit", "1000");
    got g = {0};
    lw_emitter out = {collect, &g};
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

static const struct {
    const char *s;
    unsigned anchor;
    bool nocase;
} lits[] = {
    {"AKIA", 0, false}, {"secret", 1, true}, {"token", 2, true}, {"../", 0, false}, {"%2e", 0, true},
    {"169.254.", 2, false}, {"PRIVATE KEY-", 9, false}, {"_HANDLER", 0, false}, {"var/task", 2, false},
    {"abc", 0, false}, {"xyz", 0, true}, {"2852039", 1, false},
};
#define NLITS (int)(sizeof lits / sizeof *lits)

static uint32_t naive(const char *s, size_t n)
{
    uint32_t g = 0;
    for (int k = 0; k < NLITS; k++) {
        size_t l = strlen(lits[k].s);
        for (size_t i = 0; i + l <= n; i++) {
            bool eq = lits[k].nocase ? strncasecmp(s + i, lits[k].s, l) == 0 : memcmp(s + i, lits[k].s, l) == 0;
            if (eq) {
                g |= 1u << k;
                break;
            }
        }
    }
    return g;
}

static void litset_implementations_agree(void **st)
{
    (void)st;
    lw_litset ls;
    lw_litset_init(&ls);
    for (int k = 0; k < NLITS; k++)
        assert_int_equal(lw_litset_add(&ls, lits[k].s, lits[k].anchor, lits[k].nocase, 1u << k), 0);
    assert_int_equal(lw_litset_add(&ls, "ab", 0, false, 1), -1);         /* too short */
    assert_int_equal(lw_litset_add(&ls, "abcd", 2, false, 1), -1);       /* window past the end */
    assert_int_equal(lw_litset_add(&ls, "caf\xc3\xa9", 0, false, 1), -1); /* not ASCII */
    lw_litset_build(&ls);
    static const char alphabet[] = "AKIsecrtoknSECRTOKN./%2e16954PRIVATE KY-_HANDLRvar/taskabcxyzXYZ\xc3\xa9\x80 0123456789";
    uint64_t x = 88172645463325252ull;
    char buf[300];
    int impls = 0;
    for (int impl = 0; impl <= 3; impl++) {
        if (lw_litset_use(&ls, impl) < 0)
            continue;
        impls++;
        for (int round = 0; round < 4000; round++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t n = x % 200;
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[i] = alphabet[x % (sizeof alphabet - 1)];
            }
            /* now and then a literal right at the start or the end */
            int k = (int)(x >> 40) % NLITS;
            size_t l = strlen(lits[k].s);
            if (n >= l && (x & 3) == 0)
                memcpy(buf + n - l, lits[k].s, l);
            else if (n >= l && (x & 3) == 1)
                memcpy(buf, lits[k].s, l);
            /* the bytes past the end must never count */
            char *heap = malloc(n ? n : 1);
            memcpy(heap, buf, n);
            assert_int_equal(lw_litset_scan(&ls, heap, n), naive(buf, n));
            free(heap);
        }
    }
    assert_true(impls >= 1);
    assert_int_equal(lw_litset_scan(&ls, "", 0), 0);
    assert_int_equal(lw_litset_scan(&ls, "ABC", 3), 0);
    assert_int_equal(lw_litset_scan(&ls, "xYz", 3), 1u << 10);
}

/* ---- excerpt ---------------------------------------------------------------- */

static void excerpt_masks_redacts_and_keeps_utf8(void **st)
{
    (void)st;
    lw_buf out = LW_BUF_INIT;
    const char *s = "user=bob key=ZZZZ9999SECRETVALUE1234 password=hunter2 done";
    size_t m[1][2] = {{13, 36}};
    lw_rx_excerpt(&out, s, strlen(s), 13, 200, (const size_t(*)[2])m, 1, 4);
    assert_string_equal(out.p, "user=bob key=ZZZZ**** password=**** done");
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
        cmocka_unit_test(process_wide_set_and_per_pipeline_sets),
        cmocka_unit_test(invalid_utf8_and_match_limit),
        cmocka_unit_test(litset_implementations_agree),
        cmocka_unit_test(excerpt_masks_redacts_and_keeps_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
