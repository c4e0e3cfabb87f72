/* resource_exhaustion: each runtime's messages and their class, lines that
 * must stay quiet (OOM is out_of_memory's), the invocation's REPORT as
 * context, repeats across environments, one finding per environment per
 * window, killed without an OOM, no REPORT at all, and the saved state. */
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
#include "parsers/applog.h"
#include "parsers/classify.h"
#include "parsers/platform.h"

#define MAXF 32
typedef struct got {
    int n;
    int sev[MAXF];
    char json[MAXF][4096];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    assert_string_equal(f->detector, "resource_exhaustion");
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
    const lw_detector_ops *o = lw_detector_find("resource_exhaustion");
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

#define T0 1796256000000LL

/* One message through the real parsers (platform, then application line,
 * else text), as the classifier would hand it over. */
static void line(void *d, got *g, const char *stream, int64_t ts, const char *msg)
{
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/f");
    ev.stream = lw_str_c(stream);
    ev.timestamp = ts;
    ev.message = lw_str_c(msg);
    lw_platform pl;
    lw_app app;
    lw_record rec = {0};
    rec.ev = &ev;
    rec.function = lw_function_name(ev.group, LW_STR_NULL);
    if (lw_platform_parse_text(msg, strlen(msg), &pl)) {
        rec.kind = LW_REC_PLATFORM;
        rec.platform = &pl;
    } else if (lw_app_parse_text(msg, strlen(msg), &app)) {
        rec.kind = LW_REC_APP;
        rec.app = &app;
    } else {
        rec.kind = LW_REC_TEXT;
    }
    lw_emitter out = {.emit = collect, .ud = g, .clock_ms = ts};
    ops()->on_record(d, &rec, &out);
}

static void flush(void *d, got *g)
{
    lw_emitter out = {.emit = collect, .ud = g};
    ops()->flush(d, &out);
}

#define RID "8f5b1c2e-0d1a-4c8e-9a57-0e0f6b3c2a11"
#define REPORT_TO "REPORT RequestId: " RID "\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t" \
                  "Max Memory Used: 60 MB\tStatus: timeout"

static bool has(const got *g, int i, const char *s) { return strstr(g->json[i], s) != NULL; }

static void each_runtime_and_class(void **st)
{
    (void)st;
    static const struct {
        const char *msg;
        const char *cls; /* NULL: quiet */
    } cases[] = {
        {"/var/task/run.sh: fork: retry: Resource temporarily unavailable", "process_limit"},
        {"bash: fork: Cannot allocate memory", "memory_allocation"},
        {"[ERROR]\t2026-12-03T00:00:00.000Z\t" RID "\tBlockingIOError: [Errno 11] Resource temporarily unavailable",
         "process_limit"},
        {"[ERROR]\t2026-12-03T00:00:00.000Z\t" RID "\tOSError: [Errno 24] Too many open files: '/tmp/x'",
         "file_descriptors"},
        {"[ERROR]\t2026-12-03T00:00:00.000Z\t" RID "\tOSError: [Errno 12] Cannot allocate memory", "memory_allocation"},
        {"2026-12-03T00:00:00.000Z\t" RID "\tERROR\tError: spawn EAGAIN", "process_limit"},
        {"2026-12-03T00:00:00.000Z\t" RID "\tERROR\tError: EMFILE: too many open files, open '/tmp/a'",
         "file_descriptors"},
        {"2026-12-03T00:00:00.000Z\t" RID "\tERROR\tError: spawn ENOMEM", "memory_allocation"},
        {"java.io.IOException: Too many open files", "file_descriptors"},
        {"runtime/cgo: pthread_create failed: Resource temporarily unavailable", "process_limit"},
        {"runtime: failed to create new OS thread (have 1023 already; errno=11)", "process_limit"},
        {"fork/exec /bin/sh: resource temporarily unavailable", "process_limit"},
        {"Unhandled exception. System.IO.IOException: Too many open files", "file_descriptors"},
        {"System.ComponentModel.Win32Exception (11): Resource temporarily unavailable", "process_limit"},
        {"Errno::EMFILE: Too many open files @ rb_sysopen - /tmp/f", "file_descriptors"},
        {"can't create Thread: Resource temporarily unavailable (ThreadError)", "process_limit"},
        {"Errno::EAGAIN: Resource temporarily unavailable", "process_limit"},
        {"Errno::ENOMEM: Cannot allocate memory - fork(2)", "memory_allocation"},
        /* quiet: out_of_memory's, or nothing at all */
        {"java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory", NULL},
        {"[ERROR]\t2026-12-03T00:00:00.000Z\t" RID "\tMemoryError", NULL},
        {"opened 3 files, resources are plentiful", NULL},
        {"2026-12-03T00:00:00.000Z\t" RID "\tINFO\tspawned 4 workers", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        void *d = mk();
        got g = {0};
        line(d, &g, "s1", T0, cases[i].msg);
        line(d, &g, "s1", T0 + 10, cases[i].msg); /* the same invocation again: folded */
        assert_int_equal(g.n, 0);                 /* waits for its REPORT */
        line(d, &g, "s1", T0 + 3000, REPORT_TO);
        if (!cases[i].cls) {
            if (g.n)
                fail_msg("fired on \"%s\": %s", cases[i].msg, g.json[0]);
        } else {
            if (g.n != 1)
                fail_msg("%d findings for \"%s\"", g.n, cases[i].msg);
            char want[96];
            snprintf(want, sizeof want, "\"class\":\"%s\"", cases[i].cls);
            if (!has(&g, 0, want))
                fail_msg("\"%s\": wanted %s in %s", cases[i].msg, want, g.json[0]);
            assert_int_equal(g.sev[0], LW_SEV_MEDIUM);
            assert_true(has(&g, 0, "\"duration_ms\":3000"));
            assert_true(has(&g, 0, "\"status\":\"timeout\""));
            assert_true(has(&g, 0, "\"lines\":2"));
        }
        flush(d, &g);
        assert_int_equal(g.n, cases[i].cls ? 1 : 0);
        ops()->destroy(d);
    }
}

static void repeats_across_environments(void **st)
{
    (void)st;
    void *d = mk();
    got g = {0};
    const char *m = "/var/task/run.sh: fork: retry: Resource temporarily unavailable";
    line(d, &g, "env-a", T0, m);
    line(d, &g, "env-a", T0 + 3000, REPORT_TO);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.sev[0], LW_SEV_MEDIUM);
    /* the same environment again within the window: counted, not said */
    line(d, &g, "env-a", T0 + 60000, m);
    line(d, &g, "env-a", T0 + 63000, REPORT_TO);
    assert_int_equal(g.n, 1);
    /* another environment of the function: repeated, high */
    line(d, &g, "env-b", T0 + 120000, m);
    line(d, &g, "env-b", T0 + 123000, REPORT_TO);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.sev[1], LW_SEV_HIGH);
    assert_true(has(&g, 1, "\"environments\":2"));
    /* saved and restored: env-a still said, env-c makes three */
    lw_buf blob = LW_BUF_INIT;
    ops()->save(d, &blob);
    ops()->destroy(d);
    d = mk();
    assert_int_equal(ops()->restore(d, blob.p, blob.len), 0);
    line(d, &g, "env-a", T0 + 180000, m);
    line(d, &g, "env-a", T0 + 183000, REPORT_TO);
    assert_int_equal(g.n, 2);
    line(d, &g, "env-c", T0 + 240000, m);
    line(d, &g, "env-c", T0 + 243000, REPORT_TO);
    assert_int_equal(g.n, 3);
    assert_true(has(&g, 2, "\"environments\":3"));
    assert_int_equal(ops()->restore(d, blob.p, 7), -1);
    lw_buf_free(&blob);
    /* a window later, env-a speaks again, on its own */
    line(d, &g, "env-a", T0 + 4 * 3600000LL, m);
    line(d, &g, "env-a", T0 + 4 * 3600000LL + 3000, REPORT_TO);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.sev[3], LW_SEV_MEDIUM);
    ops()->destroy(d);
}

static void killed_without_oom(void **st)
{
    (void)st;
    void *d = mk();
    got g = {0};
    line(d, &g, "s1", T0, "RequestId: " RID " Error: Runtime exited with error: signal: killed\nRuntime.ExitError");
    line(d, &g, "s1", T0 + 5, "REPORT RequestId: " RID "\tDuration: 812.00 ms\tBilled Duration: 813 ms\t"
                              "Memory Size: 1024 MB\tMax Memory Used: 90 MB\t");
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"class\":\"killed_without_oom\""));
    assert_true(has(&g, 0, "\"runtime_killed\":true"));
    assert_true(has(&g, 0, "\"max_memory_used_mb\":90"));
    /* memory full: the OOM killer, out_of_memory's */
    line(d, &g, "s2", T0, "RequestId: " RID " Error: Runtime exited with error: signal: killed");
    line(d, &g, "s2", T0 + 5, "REPORT RequestId: " RID "\tDuration: 812.00 ms\tBilled Duration: 813 ms\t"
                              "Memory Size: 128 MB\tMax Memory Used: 128 MB\t");
    /* an exit of its own: not exhaustion */
    line(d, &g, "s3", T0, "RequestId: " RID " Error: Runtime exited with error: exit status 1");
    line(d, &g, "s3", T0 + 5, "REPORT RequestId: " RID "\tDuration: 8.00 ms\tBilled Duration: 8 ms\t"
                              "Memory Size: 128 MB\tMax Memory Used: 40 MB\t");
    /* killed and never reported: unknown, quiet */
    line(d, &g, "s4", T0, "RequestId: " RID " Error: Runtime exited with error: signal: killed");
    flush(d, &g);
    assert_int_equal(g.n, 1);
    ops()->destroy(d);
}

static void without_report(void **st)
{
    (void)st;
    void *d = mk();
    got g = {0};
    line(d, &g, "s1", T0, "OSError: [Errno 24] Too many open files");
    line(d, &g, "s1", T0 + 1, "2026-12-03T00:00:03.000Z " RID " Task timed out after 3.00 seconds");
    lw_emitter out = {.emit = collect, .ud = &g};
    ops()->tick(d, T0 + 60000, &out); /* a minute: the REPORT may still come */
    assert_int_equal(g.n, 0);
    ops()->tick(d, T0 + 16 * 60000, &out); /* past Lambda's longest timeout */
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"report_seen\":false"));
    assert_true(has(&g, 0, "\"timeout_s\":3"));
    line(d, &g, "s2", T0, "OSError: [Errno 24] Too many open files");
    flush(d, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.sev[1], LW_SEV_HIGH); /* a second environment */
    ops()->destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_runtime_and_class),
        cmocka_unit_test(repeats_across_environments),
        cmocka_unit_test(killed_without_oom),
        cmocka_unit_test(without_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
