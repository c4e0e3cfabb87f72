/* Platform and application line parsers: every variant in FORMATS.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parsers/applog.h"
#include "parsers/platform.h"

static bool text(const char *s, lw_platform *pl) { return lw_platform_parse_text(s, strlen(s), pl); }

#define assert_str(lws, lit) do { lw_str _s = (lws); assert_int_equal(_s.n, strlen(lit)); \
    assert_memory_equal(_s.p, lit, strlen(lit)); } while (0)

static void start_line(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("START RequestId: fa8707ad-2d84-4ed8-9d88-706c08660337 Version: $LATEST\n", &pl));
    assert_int_equal(pl.type, LW_PL_START);
    assert_str(pl.request_id, "fa8707ad-2d84-4ed8-9d88-706c08660337");
    assert_str(pl.version, "$LATEST");
}

static void end_line(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("END RequestId: fa8707ad-2d84-4ed8-9d88-706c08660337\n", &pl));
    assert_int_equal(pl.type, LW_PL_END);
    assert_str(pl.request_id, "fa8707ad-2d84-4ed8-9d88-706c08660337");
}

static void report_cold_trailing_tab(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("REPORT RequestId: 0b6e6a56-1b1f-4b7e-9d1b-5f2a0c1e2d3f\tDuration: 102.25 ms\t"
                     "Billed Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\t"
                     "Init Duration: 231.12 ms\t\n", &pl));
    assert_int_equal(pl.type, LW_PL_REPORT);
    assert_str(pl.request_id, "0b6e6a56-1b1f-4b7e-9d1b-5f2a0c1e2d3f");
    assert_true(pl.duration_ms > 102.24 && pl.duration_ms < 102.26);
    assert_true(pl.billed_ms == 103);
    assert_int_equal(pl.memory_size_mb, 128);
    assert_int_equal(pl.max_memory_mb, 74);
    assert_true(pl.init_ms > 231.11 && pl.init_ms < 231.13);
    assert_int_equal(pl.status, LW_ST_NONE);
}

static void report_warm_any_order_space_before_tab(void **st)
{
    (void)st;
    lw_platform pl;
    /* Older lines put a space before each tab; keys may come in any order. */
    assert_true(text("REPORT RequestId: 0b6e6a56-1b1f-4b7e-9d1b-5f2a0c1e2d3f \tMax Memory Used: 90 MB \t"
                     "Duration: 5.01 ms \tMemory Size: 256 MB \tBilled Duration: 6 ms \t", &pl));
    assert_int_equal(pl.max_memory_mb, 90);
    assert_int_equal(pl.memory_size_mb, 256);
    assert_true(pl.duration_ms > 5.0 && pl.duration_ms < 5.02);
    assert_true(pl.billed_ms == 6);
    assert_true(pl.init_ms < 0);
    assert_str(pl.request_id, "0b6e6a56-1b1f-4b7e-9d1b-5f2a0c1e2d3f");
}

static void report_new_style_timeout_and_oom(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 3000.00 ms\t"
                     "Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout",
                     &pl));
    assert_int_equal(pl.status, LW_ST_TIMEOUT);
    assert_true(text("REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 812.00 ms\t"
                     "Billed Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\t"
                     "Error Type: Runtime.OutOfMemory\t", &pl));
    assert_int_equal(pl.status, LW_ST_ERROR);
    assert_str(pl.error_type, "Runtime.OutOfMemory");
}

static void report_snapstart_and_xray(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 20.5 ms\t"
                     "Billed Duration: 300 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB\t"
                     "Restore Duration: 250.12 ms\tBilled Restore Duration: 270 ms\t\n"
                     "XRAY TraceId: 1-5d83c0ad-b8eb4b0a5e3b2f1c0a9d8e7f\tSegmentId: 31255c3b19bd3637\tSampled: true",
                     &pl));
    assert_true(pl.restore_ms > 250.1 && pl.restore_ms < 250.2);
    assert_true(pl.init_ms < 0);
    assert_str(pl.trace_root, "1-5d83c0ad-b8eb4b0a5e3b2f1c0a9d8e7f");
}

static void init_and_restore_lines(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:x\n", &pl));
    assert_int_equal(pl.type, LW_PL_INIT_START);
    assert_true(text("INIT_REPORT Init Duration: 1236.04 ms\tPhase: init\tStatus: error\t"
                     "Error Type: Runtime.ImportModuleError\n", &pl));
    assert_int_equal(pl.type, LW_PL_INIT_REPORT);
    assert_true(pl.init_ms > 1236.0 && pl.init_ms < 1236.1);
    assert_int_equal(pl.status, LW_ST_ERROR);
    assert_str(pl.phase, "init");
    assert_str(pl.error_type, "Runtime.ImportModuleError");
    assert_true(text("RESTORE_START Runtime Version: java:21.v10\tRuntime Version ARN: arn\n", &pl));
    assert_int_equal(pl.type, LW_PL_RESTORE_START);
    assert_true(text("RESTORE_REPORT Restore Duration: 10000.00 ms\tStatus: timeout\n", &pl));
    assert_int_equal(pl.type, LW_PL_RESTORE_REPORT);
    assert_int_equal(pl.status, LW_ST_TIMEOUT);
}

static void old_style_failures(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("2026-03-08T14:24:29.652Z 11111111-2222-3333-4444-555555555555 Task timed out after 3.00 seconds\n",
                     &pl));
    assert_int_equal(pl.type, LW_PL_TIMED_OUT);
    assert_str(pl.request_id, "11111111-2222-3333-4444-555555555555");
    assert_true(pl.timeout_s == 3.0);
    assert_true(text("RequestId: 11111111-2222-3333-4444-555555555555 Error: Runtime exited with error: signal: killed\n"
                     "Runtime.ExitError", &pl));
    assert_int_equal(pl.type, LW_PL_RUNTIME_EXIT);
    assert_str(pl.exit_reason, "signal: killed");
    assert_str(pl.error_type, "Runtime.ExitError");
    assert_str(pl.request_id, "11111111-2222-3333-4444-555555555555");
}

static void not_platform(void **st)
{
    (void)st;
    lw_platform pl;
    assert_false(text("STARTING the app", &pl));
    assert_false(text("REPORT card generated", &pl));
    assert_false(text("RequestId: not-a-uuid Error: x", &pl));
    assert_false(text("2026-03-08T14:24:29.652Z\t11111111-2222-3333-4444-555555555555\tINFO\thello", &pl));
    assert_false(text("E", &pl));
}

static void json_platform(void **st)
{
    (void)st;
    const char *s = "{\"time\":\"2026-03-08T14:24:26.700Z\",\"type\":\"platform.report\",\"record\":{"
                    "\"requestId\":\"aaaa\",\"metrics\":{\"durationMs\":12.5,\"billedDurationMs\":13,"
                    "\"memorySizeMB\":512,\"maxMemoryUsedMB\":80,\"initDurationMs\":300.25},"
                    "\"tracing\":{\"spanId\":\"x\",\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=1-abc-def;Parent=1;Sampled=1\"},"
                    "\"status\":\"timeout\",\"errorType\":\"Sandbox.Timedout\"}}";
    lw_json j;
    lw_json_init(&j);
    assert_int_equal(lw_json_parse(&j, s, strlen(s)), LW_JSON_OK);
    lw_platform pl;
    assert_true(lw_platform_parse_json(&j, 0, &pl));
    assert_int_equal(pl.type, LW_PL_REPORT);
    assert_true(pl.json_format);
    assert_str(pl.request_id, "aaaa");
    assert_true(pl.duration_ms == 12.5);
    assert_true(pl.init_ms == 300.25);
    assert_int_equal(pl.memory_size_mb, 512);
    assert_int_equal(pl.max_memory_mb, 80);
    assert_int_equal(pl.status, LW_ST_TIMEOUT);
    assert_str(pl.trace_root, "1-abc-def");
    const char *d = "{\"type\":\"platform.logsDropped\",\"time\":\"x\",\"record\":{\"droppedRecords\":12,\"droppedBytes\":3400,\"reason\":\"r\"}}";
    assert_int_equal(lw_json_parse(&j, d, strlen(d)), LW_JSON_OK);
    assert_true(lw_platform_parse_json(&j, 0, &pl));
    assert_int_equal(pl.type, LW_PL_LOGS_DROPPED);
    assert_int_equal(pl.dropped_records, 12);
    assert_int_equal(pl.dropped_bytes, 3400);
    const char *a = "{\"timestamp\":\"x\",\"level\":\"INFO\",\"message\":\"hi\"}";
    assert_int_equal(lw_json_parse(&j, a, strlen(a)), LW_JSON_OK);
    assert_false(lw_platform_parse_json(&j, 0, &pl));
    lw_json_free(&j);
}

static void app_lines(void **st)
{
    (void)st;
    lw_app a;
    const char *node = "2026-03-08T14:24:26.700Z\t11111111-2222-3333-4444-555555555555\tERROR\tInvoke Error \t"
                       "{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\",\"stack\":[]}";
    assert_true(lw_app_parse_text(node, strlen(node), &a));
    assert_int_equal(a.level, LW_LVL_ERROR);
    assert_true(a.unhandled);
    assert_str(a.error_type, "TypeError");
    assert_str(a.request_id, "11111111-2222-3333-4444-555555555555");

    const char *py = "[WARNING]\t2026-03-08T14:24:26.700Z\t11111111-2222-3333-4444-555555555555\tslow call";
    assert_true(lw_app_parse_text(py, strlen(py), &a));
    assert_int_equal(a.level, LW_LVL_WARN);
    assert_str(a.text, "slow call");
    assert_false(a.unhandled);

    const char *pyerr = "[ERROR] KeyError: 'user'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 3";
    assert_true(lw_app_parse_text(pyerr, strlen(pyerr), &a));
    assert_true(a.unhandled);
    assert_str(a.error_type, "KeyError");

    const char *oom = "[ERROR] MemoryError\nTraceback (most recent call last):";
    assert_true(lw_app_parse_text(oom, strlen(oom), &a));
    assert_true(a.oom);
    const char *js = "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory";
    assert_false(lw_app_parse_text(js, strlen(js), &a));
    assert_true(a.oom);
    assert_true(lw_app_is_oom("fatal error: runtime: out of memory", 35));
    assert_true(lw_app_is_oom("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", 70));
    assert_false(lw_app_is_oom("memory is fine", 14));

    lw_json j;
    lw_json_init(&j);
    const char *jl = "{\"timestamp\":\"2026-03-08T14:24:26Z\",\"level\":\"ERROR\",\"requestId\":\"rid\","
                     "\"message\":\"boom\",\"errorType\":\"ValueError\",\"stackTrace\":[\"a\"]}";
    assert_int_equal(lw_json_parse(&j, jl, strlen(jl)), LW_JSON_OK);
    assert_true(lw_app_parse_json(&j, 0, &a));
    assert_int_equal(a.level, LW_LVL_ERROR);
    assert_true(a.unhandled);
    assert_str(a.error_type, "ValueError");
    assert_str(a.request_id, "rid");
    lw_json_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_line),
        cmocka_unit_test(end_line),
        cmocka_unit_test(report_cold_trailing_tab),
        cmocka_unit_test(report_warm_any_order_space_before_tab),
        cmocka_unit_test(report_new_style_timeout_and_oom),
        cmocka_unit_test(report_snapstart_and_xray),
        cmocka_unit_test(init_and_restore_lines),
        cmocka_unit_test(old_style_failures),
        cmocka_unit_test(not_platform),
        cmocka_unit_test(json_platform),
        cmocka_unit_test(app_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
