/* pipeline: detectors end to end, determinism, state save/restore, and the
 * saved state's bytes pinned (a daemon upgraded in place restores them). */
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
#include "parsers/decode.h"

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

/* A busy, varied hour of three functions: every detector that keeps state
 * has some to save. */
static void state_workload(lw_pipeline *p)
{
    static const char *const fns[] = {"alpha", "beta", "gamma"};
    static const char *const types[] = {"KeyError", "TypeError", "ValueError", "ZeroDivisionError"};
    const int64_t t0 = 1772900000000LL;
    char msg[512], rid[48], group[64];
    for (int i = 0; i < 900; i++) {
        for (int k = 0; k < 3; k++) {
            /* gamma speeds up: an invocation storm in the last third */
            int reps = k == 2 && i > 600 ? 1 + (i - 600) / 20 : 1;
            for (int r = 0; r < reps; r++) {
                int64_t ts = t0 + (int64_t)i * 4000 + k * 100 + r;
                lw_event ev = {0};
                snprintf(group, sizeof group, "/aws/lambda/%s", fns[k]);
                ev.group = lw_str_c(group);
                ev.stream = lw_str_c(k == 1 ? "s-beta" : "s-main");
                ev.timestamp = ts;
                snprintf(rid, sizeof rid, "00000000-0000-4000-8000-%04d%04d%04d", k, i, r);
                snprintf(msg, sizeof msg, "START RequestId: %s Version: $LATEST\n", rid);
                ev.message = lw_str_c(msg);
                lw_pipeline_event(p, &ev);
                if ((i + r) % 13 == 0) {
                    snprintf(msg, sizeof msg, "[ERROR] %s: bad input %d\nTraceback (most recent call last):\n",
                             types[(i / 13 + k) % 4], i);
                    ev.message = lw_str_c(msg);
                    lw_pipeline_event(p, &ev);
                }
                if (k == 0 && i == 850) {
                    ev.message = lw_str_c("[ERROR] LateError: never seen before\nTraceback (most recent call last):\n");
                    lw_pipeline_event(p, &ev);
                }
                if (i % 50 == 7 || (k == 0 && i == 780))
                    for (int d = 0; d < (i == 780 ? 300 : 30); d++) {
                        ev.message = lw_str_c("DUMPING request headers and a long line to fill the log");
                        lw_pipeline_event(p, &ev);
                    }
                double dur = 80.0 + (i * 37 % 29) + (k == 0 && i > 700 ? 400 : 0) + (i == 450 ? 5000 : 0);
                snprintf(msg, sizeof msg,
                         "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: %d MB\t"
                         "Max Memory Used: %d MB\t%s%s\n",
                         rid, dur, dur, k == 1 && i > 400 ? 256 : 128, k == 2 && i == 500 ? 400 : 60 + (i * 7 + k) % 70,
                         i == 620 ? "Init Duration: 5000.00 ms\t" : i % 10 == 0 ? "Init Duration: 250.00 ms\t" : "",
                         (i + k) % 9 == 0 || (k == 1 && i > 800) ? "Status: error\tError Type: Runtime.Unknown" : "");
                ev.message = lw_str_c(msg);
                lw_pipeline_event(p, &ev);
            }
        }
        if (i % 15 == 0)
            lw_pipeline_tick(p, t0 + (int64_t)i * 4000);
    }
}

static void feed_file(lw_pipeline *p, const char *name)
{
    const char *src = getenv("LW_SRC");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    lw_decoder_opts o = {.origin = name, .on_event = lw_pipeline_event_cb, .ud = p};
    lw_decoder *dec = lw_decoder_new(&o);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        lw_decoder_feed(dec, buf, n);
    fclose(f);
    lw_decoder_finish(dec);
    lw_decoder_free(dec);
}

static uint64_t fnv1a_more(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

static uint64_t fnv1a(const char *p, size_t n) { return fnv1a_more(1469598103934665603ull, p, n); }

typedef struct digest {
    int n;
    uint64_t h;
} digest;

static void digest_sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)f;
    (void)id;
    digest *d = ud;
    d->n++;
    d->h = fnv1a_more(d->h, json, n);
}

/* The saved state of every detector, to the byte, as the release before
 * the detectors' shared helpers wrote it. A row that changes means a
 * restarted daemon would misread (or refuse) its old state: bump that
 * detector's FORMAT as well as editing the row. The findings of the same
 * run are pinned too, every field in its order. */
static void saved_state_bytes_pinned(void **st)
{
    (void)st;
    static const struct {
        const char *det;
        size_t len;
        uint64_t fnv;
    } want[] = {
        /* the pipeline's own (event-time clocks, open sensor records) and
         * attack's and recursion's, saved since crash consistency: their
         * bursts and chains survive a restart */
        {"pipeline", 28, 0x22d08a66ed7f9468ull},
        {"reassembler", 16, 0x0a2671ca8254869cull},
        {"attack", 531, 0x439885c9cd286708ull},
        {"memory_pressure", 96, 0x2bc5f1339e96b79eull},
        {"duration_anomaly", 9929, 0xe676765b9c3dc14dull},
        {"memory_anomaly", 11032, 0x70f22272085736f1ull},
        {"init_anomaly", 6624, 0x2da2f486b95044baull},
        /* format 2 (LW_WINDOW_FORMAT): windows held open for late events */
        {"invocation_storm", 3774, 0x043d730fba88985bull},
        {"recursion", 683, 0xa41fcf4610388544ull},
        {"log_flood", 8153, 0xda667ac67cad8943ull},
        {"error_spike", 6300, 0x6945d8daec8d1333ull},
        {"new_error_type", 4856, 0x192889a9dfacbc39ull},
        {"secret_leak", 1077, 0xa4fb4c6eaba52db5ull},
        {"probe", 1076, 0x029a564d1a0d8661ull},
        /* lw_fold gained the tick clock at the last match: the old blob's
         * state size differs, so it is refused (fresh windows), not misread */
        {"rules", 177, 0x0629f38f63c264c1ull},
        /* new: stale_runtime's table (function and agent versions seen) */
        {"stale_runtime", 1275, 0x93cdec8afba00774ull},
        /* new: resource_exhaustion, lifecycle.jsonl's OOM kill seen and left to out_of_memory */
        {"resource_exhaustion", 1730, 0xbb7162a6c08f52efull},
        /* new: persistence, stream lifetimes and live streams per function */
        {"persistence", 60997, 0xb69bd3418dfbbb60ull},
    };
    char path[] = "/tmp/lw-test-pipeline-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[rule dump]\npattern = DUMPING\nseverity = low\n"
                       "[detector rules]\nmax_per_window = 2\n"
                       "[detector log_flood]\nmin_bytes = 5000\nfactor = 3\nwarmup_windows = 2\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    lw_config cfg;
    assert_int_equal(lw_config_load(path, &cfg), 0);
    unlink(path);
    digest o = {0, 1469598103934665603ull};
    lw_pipeline_opts po = {.sink = digest_sink, .ud = &o, .config = &cfg};
    lw_pipeline *p = lw_pipeline_new(&po);
    static const char *const files[] = {"lifecycle.jsonl", "probes.jsonl", "secrets.jsonl",
                                        "sensor-event-single.jsonl", "sensor-event-split.jsonl"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        feed_file(p, files[i]);
    state_workload(p);
    blobs b = {0};
    lw_pipeline_save(p, keep, &b);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    lw_config_free(&cfg);
    assert_int_equal(o.n, 100);
    /* secrets: masks "****#" + 8 hex, format and class in evidence; event
     * time: window findings at their window start, ids without stream */
    assert_int_equal(o.h, 0xe62406386cfb62cbull);
    assert_int_equal(b.n, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < b.n; i++) {
        assert_string_equal(b.name[i], want[i].det);
        assert_int_equal(b.data[i].len, want[i].len);
        assert_int_equal(fnv1a(b.data[i].p, b.data[i].len), want[i].fnv);
    }
    /* Restored and saved again, the state comes back to the byte. */
    p = lw_pipeline_new(&(lw_pipeline_opts){.sink = digest_sink, .ud = &o});
    for (int i = 0; i < b.n; i++)
        assert_int_equal(lw_pipeline_restore(p, b.name[i], b.data[i].p, b.data[i].len), 0);
    blobs again = {0};
    lw_pipeline_save(p, keep, &again);
    lw_pipeline_free(p);
    assert_int_equal(again.n, b.n);
    for (int i = 0; i < b.n; i++) {
        assert_string_equal(again.name[i], b.name[i]);
        assert_int_equal(again.data[i].len, b.data[i].len);
        assert_memory_equal(again.data[i].p, b.data[i].p, b.data[i].len);
        lw_buf_free(&b.data[i]);
        lw_buf_free(&again.data[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outlier_found_once_and_deterministic),
        cmocka_unit_test(restore_keeps_baselines),
        cmocka_unit_test(refused_restore_keeps_rules_and_settings),
        cmocka_unit_test(saved_state_bytes_pinned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
