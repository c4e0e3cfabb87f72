/* stale_runtime: deprecated runtimes judged by the event's date (an export
 * from 2022 by 2022's table), the Runtime Version prefix rules, once per
 * function and version, agent version spread in either order, and the
 * saved state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "detectors/detector.h"
#include "parsers/classify.h"

#define MAXF 32
typedef struct got {
    int n;
    int sev[MAXF];
    char json[MAXF][2048];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    assert_string_equal(f->detector, "stale_runtime");
    if (g->n < MAXF) {
        g->sev[g->n] = f->severity;
        lw_buf b = LW_BUF_INIT;
        lw_finding_json(f, "id", &b);
        snprintf(g->json[g->n], sizeof g->json[0], "%s", b.p);
        lw_buf_free(&b);
    }
    g->n++;
}

static const lw_detector_ops *ops(void)
{
    const lw_detector_ops *o = lw_detector_find("stale_runtime");
    assert_non_null(o);
    return o;
}

static void *mk(void)
{
    void *cfg = calloc(1, ops()->config_size);
    assert_int_equal(lw_options_defaults(ops()->options, cfg), 0);
    void *d = ops()->create(cfg);
    free(cfg);
    assert_non_null(d);
    return d;
}

/* 2022-10-12 and 2026-12-03, 00:00 UTC */
#define T2022 1665532800000LL
#define T2026 1796256000000LL

typedef struct rb {
    lw_event ev;
    lw_platform pl;
    lw_sensor s;
    lw_record rec;
    char group[128];
} rb;

static void feed(void *d, const lw_record *r, got *g)
{
    lw_emitter out = {.emit = collect, .ud = g, .clock_ms = r->ev->timestamp};
    ops()->on_record(d, r, &out);
}

static const lw_record *init(rb *b, const char *fn, const char *stream, int64_t ts, const char *ver)
{
    memset(b, 0, sizeof *b);
    snprintf(b->group, sizeof b->group, "/aws/lambda/%s", fn);
    b->ev.group = lw_str_c(b->group);
    b->ev.stream = lw_str_c(stream);
    b->ev.timestamp = ts;
    b->pl.type = LW_PL_INIT_START;
    b->pl.runtime_version = lw_str_c(ver);
    b->pl.runtime_arn = lw_str_c("arn:aws:lambda:us-east-1::runtime:0123abcd");
    b->rec.kind = LW_REC_PLATFORM;
    b->rec.ev = &b->ev;
    b->rec.platform = &b->pl;
    b->rec.function = lw_function_name(b->ev.group, LW_STR_NULL);
    return &b->rec;
}

static const lw_record *agent(rb *b, const char *fn, int64_t ts, const char *type, const char *ver)
{
    memset(b, 0, sizeof *b);
    snprintf(b->group, sizeof b->group, "/aws/lambda/%s", fn);
    b->ev.group = lw_str_c(b->group);
    b->ev.stream = lw_str_c("s");
    b->ev.timestamp = ts;
    b->s.agent_type = lw_str_c(type);
    b->s.agent_version = lw_str_c(ver);
    b->s.blocked = 1;
    b->rec.kind = LW_REC_SENSOR;
    b->rec.ev = &b->ev;
    b->rec.sensor = &b->s;
    b->rec.function = lw_function_name(b->ev.group, LW_STR_NULL);
    return &b->rec;
}

static bool has(const got *g, int i, const char *s) { return strstr(g->json[i], s) != NULL; }

/* Each version string, at each date: stale or not, by AWS's table. */
static void judged_by_the_events_date(void **st)
{
    (void)st;
    static const struct {
        const char *ver;
        int64_t ts;
        const char *runtime; /* NULL: quiet */
    } cases[] = {
        {"python:3.8.v15", T2022, NULL},           /* supported until 2024-10-14 */
        {"python:3.8.v15", T2026, "python3.8"},
        {"python:3.7.v30", T2026, "python3.7"},
        {"nodejs:16.v30", T2022, NULL},
        {"nodejs:16.v30", T2026, "nodejs16.x"},
        {"nodejs:14.v29", T2026, "nodejs14.x"},
        {"nodejs:12.v9", T2026, "nodejs12.x"},
        {"java:8.v14", T2026, "java8"},            /* Amazon Linux 1 */
        {"java:8.al2.v7", T2022, NULL},
        {"go:1.v21", T2026, "go1.x"},
        {"ruby:2.7.v12", T2026, "ruby2.7"},
        {"dotnetcore:3.1.v8", T2026, "dotnetcore3.1"},
        {"dotnet:6.v13", T2026, "dotnet6"},
        {"provided:al2023.v10", T2026, NULL},      /* not provided.al2 */
        {"python:3.12.v16", T2026, NULL},          /* current */
        {"python:3.13.v2", T2026, NULL},
        {"nodejs:22.v40", T2026, NULL},
        {"java:21.v10", T2026, NULL},
        {"python:3.1", T2026, NULL},               /* no such runtime */
        {"python:3.80.v1", T2026, NULL},
        {"python:3.8x", T2026, NULL},
        {"nodejs:16", T2026, "nodejs16.x"},        /* no release suffix */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        void *d = mk();
        got g = {0};
        rb b;
        feed(d, init(&b, "f", "2026/12/03/[$LATEST]a", cases[i].ts, cases[i].ver), &g);
        if (!cases[i].runtime) {
            if (g.n)
                fail_msg("%s at %lld: %s", cases[i].ver, (long long)cases[i].ts, g.json[0]);
        } else {
            if (g.n != 1)
                fail_msg("%s at %lld: %d findings", cases[i].ver, (long long)cases[i].ts, g.n);
            char want[96];
            snprintf(want, sizeof want, "\"runtime\":\"%s\"", cases[i].runtime);
            if (!has(&g, 0, want))
                fail_msg("%s: wanted %s in %s", cases[i].ver, want, g.json[0]);
            assert_int_equal(g.sev[0], LW_SEV_LOW);
        }
        ops()->destroy(d);
    }
    /* on the deprecation day itself, and the day before */
    void *d = mk();
    got g = {0};
    rb b;
    int64_t day = 1728864000000LL; /* 2024-10-14 */
    feed(d, init(&b, "f", "s", day - 1, "python:3.8.v15"), &g);
    assert_int_equal(g.n, 0);
    feed(d, init(&b, "f", "s", day, "python:3.8.v15"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"deprecated_on\":\"2024-10-14\""));
    assert_true(has(&g, 0, "\"days_past_deprecation\":0"));
    assert_true(has(&g, 0, "\"runtime_version_arn\":\"arn:aws:lambda:us-east-1::runtime:0123abcd\""));
    ops()->destroy(d);
}

static void once_per_function_and_version(void **st)
{
    (void)st;
    void *d = mk();
    got g = {0};
    rb b;
    for (int i = 0; i < 5; i++) {
        char s[32];
        snprintf(s, sizeof s, "stream-%d", i);
        feed(d, init(&b, "f", s, T2026 + i * 1000, "python:3.8.v15"), &g);
    }
    assert_int_equal(g.n, 1);
    feed(d, init(&b, "f", "s9", T2026 + 9000, "python:3.8.v16"), &g); /* a new release: said again */
    assert_int_equal(g.n, 2);
    feed(d, init(&b, "other", "s9", T2026 + 9000, "python:3.8.v15"), &g);
    assert_int_equal(g.n, 3);
    /* saved and restored: still said */
    lw_buf blob = LW_BUF_INIT;
    ops()->save(d, &blob);
    ops()->destroy(d);
    d = mk();
    assert_int_equal(ops()->restore(d, blob.p, blob.len), 0);
    feed(d, init(&b, "f", "s10", T2026 + 10000, "python:3.8.v15"), &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(ops()->restore(d, blob.p, 5), -1);
    lw_buf_free(&blob);
    ops()->destroy(d);
}

static void agent_spread_either_order(void **st)
{
    (void)st;
    /* old first, then the newer version elsewhere */
    void *d = mk();
    got g = {0};
    rb b;
    feed(d, agent(&b, "old", T2026, "python", "5.1.9"), &g);
    feed(d, agent(&b, "old", T2026 + 1, "python", "5.1.9"), &g);
    assert_int_equal(g.n, 0);
    feed(d, agent(&b, "new", T2026 + 2, "python", "5.10.0"), &g); /* 5.10 > 5.9: numbers, not text */
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"function\":\"old\""));
    assert_true(has(&g, 0, "\"agent_version\":\"5.1.9\""));
    assert_true(has(&g, 0, "\"newest_version\":\"5.10.0\""));
    assert_true(has(&g, 0, "\"newest_function\":\"new\""));
    feed(d, agent(&b, "old", T2026 + 3, "python", "5.1.9"), &g);
    assert_int_equal(g.n, 1); /* once */
    /* another agent type's versions are not comparable */
    feed(d, agent(&b, "nodefn", T2026 + 4, "nodejs", "1.0.0"), &g);
    assert_int_equal(g.n, 1);
    /* one function in the middle of an upgrade runs both: no gap between others */
    feed(d, agent(&b, "new", T2026 + 5, "python", "5.9.0"), &g);
    assert_int_equal(g.n, 1);
    ops()->destroy(d);
    /* newest first, then the old one */
    d = mk();
    memset(&g, 0, sizeof g);
    feed(d, agent(&b, "new", T2026, "python", "5.2"), &g);
    feed(d, agent(&b, "same", T2026 + 1, "python", "5.2"), &g);
    assert_int_equal(g.n, 0);
    feed(d, agent(&b, "old", T2026 + 2, "python", "5.1"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"function\":\"old\""));
    ops()->destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(judged_by_the_events_date),
        cmocka_unit_test(once_per_function_and_version),
        cmocka_unit_test(agent_spread_either_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
