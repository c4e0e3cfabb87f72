/* pipeline: detectors end to end, determinism, and state save/restore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* One log line of the function "steady", i seconds into the test. */
static void text_line(lw_pipeline *p, int i, const char *msg)
{
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/steady");
    ev.stream = lw_str_c("s");
    ev.timestamp = 1772900000000LL + (int64_t)i * 1000;
    ev.message = lw_str_c(msg);
    lw_pipeline_event(p, &ev);
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
    text_line(p, i, msg);
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

static int count(const out *o, const char *det)
{
    int n = 0;
    for (int i = 0; i < o->n && i < 64; i++)
        n += !strcmp(o->det[i], det);
    return n;
}

/* A user rule, folded after 1 match per window (default 5), and a
 * duration baseline ready after 5 invocations (default 30). */
static void run_configured(const lw_config *cfg, bool refuse, out *o)
{
    memset(o, 0, sizeof *o);
    lw_pipeline_opts po = {.sink = sink, .ud = o, .config = cfg};
    lw_pipeline *p = lw_pipeline_new(&po);
    if (refuse) {
        assert_int_equal(lw_pipeline_restore(p, "rules", "\x07garbage", 8), -1);
        assert_int_equal(lw_pipeline_restore(p, "duration_anomaly", "\x01\x02", 2), -1);
    }
    for (int i = 0; i < 3; i++)
        text_line(p, i, "DUMPING request headers");
    for (int i = 0; i < 12; i++)
        report(p, 10 + i, 20);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
}

/* A refused restore rebuilds the detector exactly as a fresh start does:
 * the config's rules still fire and its settings still hold. */
static void refused_restore_keeps_rules_and_settings(void **st)
{
    (void)st;
    char path[] = "/tmp/lw-test-pipeline-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[rule dump]\npattern = DUMPING\nseverity = high\n"
                       "[detector rules]\nmax_per_window = 1\n"
                       "[detector duration_anomaly]\nwarmup = 5\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    lw_config cfg;
    assert_int_equal(lw_config_load(path, &cfg), 0);
    unlink(path);

    out fresh, refused;
    run_configured(&cfg, false, &fresh);
    run_configured(&cfg, true, &refused);
    /* one match on its own, the other two folded into one finding */
    assert_int_equal(count(&fresh, "rule:dump"), 2);
    assert_int_equal(count(&refused, "rule:dump"), 2);
    /* warm after 5 invocations: the spike at the 11th is an outlier */
    assert_int_equal(count(&fresh, "duration_anomaly"), 1);
    assert_int_equal(count(&refused, "duration_anomaly"), 1);
    assert_int_equal(refused.n, fresh.n);
    for (int i = 0; i < fresh.n && i < 64; i++)
        assert_string_equal(refused.ids[i], fresh.ids[i]);
    lw_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outlier_found_once_and_deterministic),
        cmocka_unit_test(restore_keeps_baselines),
        cmocka_unit_test(refused_restore_keeps_rules_and_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
