/* pipeline: detectors end to end, determinism, and state save/restore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/map.h"
#include "daemon/pipeline/pipeline.h"

typedef struct out {
    int n;
    char ids[64][33];
    char det[64][32];
} out;

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)json;
    (void)n;
    out *o = ud;
    if (o->n < 64) {
        snprintf(o->ids[o->n], 33, "%s", id);
        snprintf(o->det[o->n], 32, "%s", f->detector);
    }
    o->n++;
}

/* A function with steady ~100 ms warm invocations; invocation `spike_at`
 * takes 3 s (an extreme outlier). */
static void report(lw_pipeline *p, int i, int spike_at)
{
    char rid[40], msg[256];
    snprintf(rid, sizeof rid, "00000000-0000-4000-8000-%012d", i);
    double d = i == spike_at ? 3000.0 : 90.0 + (i * 37 % 21);
    snprintf(msg, sizeof msg,
             "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: 256 MB\t"
             "Max Memory Used: %d MB\t",
             rid, d, d, 80 + i % 5);
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/steady");
    ev.stream = lw_str_c("s");
    ev.timestamp = 1772900000000LL + (int64_t)i * 1000;
    ev.message = lw_str_c(msg);
    lw_pipeline_event(p, &ev);
}

static lw_pipeline *mk(out *o)
{
    memset(o, 0, sizeof *o);
    lw_pipeline_opts po = {.sink = sink, .ud = o};
    return lw_pipeline_new(&po);
}

typedef struct blobs {
    int n;
    char name[32][32];
    lw_buf data[32];
} blobs;

static void keep(void *ud, const char *det, const char *blob, size_t n)
{
    blobs *b = ud;
    snprintf(b->name[b->n], 32, "%s", det);
    memset(&b->data[b->n], 0, sizeof b->data[b->n]);
    lw_buf_append(&b->data[b->n], blob, n);
    b->n++;
}

static void outlier_found_once_and_deterministic(void **st)
{
    (void)st;
    out a, b;
    lw_pipeline *p = mk(&a);
    for (int i = 0; i < 300; i++)
        report(p, i, 200);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.det[0], "duration_anomaly");
    p = mk(&b);
    for (int i = 0; i < 300; i++)
        report(p, i, 200);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    assert_int_equal(b.n, 1);
    assert_string_equal(a.ids[0], b.ids[0]);
}

static void restore_keeps_baselines(void **st)
{
    (void)st;
    /* Without state, a restarted pipeline is in warm-up and misses the
     * outlier that comes 10 invocations after the restart... */
    out o;
    lw_pipeline *p = mk(&o);
    for (int i = 150; i < 300; i++)
        report(p, i, 160);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    assert_int_equal(o.n, 0);

    /* ...with saved state it catches it, with the same id as an
     * uninterrupted run. */
    blobs b = {0};
    p = mk(&o);
    for (int i = 0; i < 150; i++)
        report(p, i, 160);
    lw_pipeline_save(p, keep, &b);
    lw_pipeline_free(p);
    assert_true(b.n >= 5);
    p = mk(&o);
    for (int i = 0; i < b.n; i++)
        assert_int_equal(lw_pipeline_restore(p, b.name[i], b.data[i].p, b.data[i].len), 0);
    for (int i = 150; i < 300; i++)
        report(p, i, 160);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    assert_int_equal(o.n, 1);
    out whole;
    p = mk(&whole);
    for (int i = 0; i < 300; i++)
        report(p, i, 160);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    assert_string_equal(o.ids[0], whole.ids[0]);

    /* A corrupt or truncated blob is refused, never half-trusted. */
    p = mk(&o);
    for (int i = 0; i < b.n; i++) {
        if (b.data[i].len > 16)
            assert_int_equal(lw_pipeline_restore(p, b.name[i], b.data[i].p, b.data[i].len - 7), -1);
        lw_buf_free(&b.data[i]);
    }
    assert_int_equal(lw_pipeline_restore(p, "no_such_detector", "", 0), -1);
    lw_pipeline_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outlier_found_once_and_deterministic),
        cmocka_unit_test(restore_keeps_baselines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
