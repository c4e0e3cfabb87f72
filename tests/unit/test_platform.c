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

/* INIT_START / RESTORE_START name the runtime version and its ARN: tabs
 * as Lambda writes them, spaces as copies show them, either order. */
static void runtime_version_fields(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("INIT_START Runtime Version: python:3.8.v15\tRuntime Version ARN: "
                     "arn:aws:lambda:us-east-1::runtime:8eeff65f6809a3ce81507fe733fe09b835899b99481ba22fd75b5a7338290ec1\t",
                     &pl));
    assert_int_equal(pl.type, LW_PL_INIT_START);
    assert_str(pl.runtime_version, "python:3.8.v15");
    assert_str(pl.runtime_arn,
               "arn:aws:lambda:us-east-1::runtime:8eeff65f6809a3ce81507fe733fe09b835899b99481ba22fd75b5a7338290ec1");
    assert_int_equal(pl.unread_fields, 0);
    assert_true(text("INIT_START  Runtime Version ARN: arn:aws:lambda:eu-west-1::runtime:ab  Runtime Version: "
                     "nodejs:16.v30", &pl));
    assert_str(pl.runtime_version, "nodejs:16.v30");
    assert_str(pl.runtime_arn, "arn:aws:lambda:eu-west-1::runtime:ab");
    assert_true(text("RESTORE_START Runtime Version: java:21.v10 \tRuntime Version ARN: arn:aws:lambda:x::runtime:1 \t",
                     &pl));
    assert_int_equal(pl.type, LW_PL_RESTORE_START);
    assert_str(pl.runtime_version, "java:21.v10");
    assert_str(pl.runtime_arn, "arn:aws:lambda:x::runtime:1");
    /* other lines carry none */
    assert_true(text("START RequestId: fa8707ad-2d84-4ed8-9d88-706c08660337 Version: $LATEST", &pl));
    assert_int_equal(pl.runtime_version.n, 0);
    assert_int_equal(pl.runtime_arn.n, 0);

    /* platform.initStart, Telemetry API schema, keys in any order */
    const char *s = "{\"time\":\"2022-10-12T00:00:00.000Z\",\"type\":\"platform.initStart\",\"record\":{"
                    "\"runtimeVersionArn\":\"arn:aws:lambda:us-east-1::runtime:99\",\"initializationType\":\"on-demand\","
                    "\"phase\":\"init\",\"runtimeVersion\":\"nodejs:14.v29\",\"functionName\":\"f\","
                    "\"functionVersion\":\"$LATEST\"}}";
    lw_json j;
    lw_json_init(&j);
    assert_int_equal(lw_json_parse(&j, s, strlen(s)), LW_JSON_OK);
    assert_true(lw_platform_parse_json(&j, 0, &pl));
    assert_int_equal(pl.type, LW_PL_INIT_START);
    assert_str(pl.runtime_version, "nodejs:14.v29");
    assert_str(pl.runtime_arn, "arn:aws:lambda:us-east-1::runtime:99");
    assert_str(pl.phase, "init");
    /* a number where a string belongs is no version */
    const char *bad = "{\"type\":\"platform.initStart\",\"record\":{\"runtimeVersion\":3.8}}";
    assert_int_equal(lw_json_parse(&j, bad, strlen(bad)), LW_JSON_OK);
    assert_true(lw_platform_parse_json(&j, 0, &pl));
    assert_int_equal(pl.runtime_version.n, 0);
    lw_json_free(&j);
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


#define RID "8a1c3f2e-6b4d-4f1a-9c2e-1d3b5a7c9e0f"

typedef struct shape {
    const char *where; /* where this shape of line is seen */
    const char *line;
} shape;

/* The same cold-start REPORT as Lambda writes it (tabs) and as it is
 * printed elsewhere: every shape must give the values of the tab form. */
static const shape same_report[] = {
    {"AWS docs (monitoring-cloudwatchlogs), single spaces",
     "REPORT RequestId: " RID " Duration: 102.25 ms Billed Duration: 103 ms Memory Size: 128 MB Max Memory Used: 70 MB "
     "Init Duration: 150.11 ms"},
    {"AWS docs, two spaces between fields",
     "REPORT RequestId: " RID "  Duration: 102.25 ms  Billed Duration: 103 ms  Memory Size: 128 MB  Max Memory Used: "
     "70 MB  Init Duration: 150.11 ms"},
    {"--log-type Tail, decoded, trailing tab and newline",
     "REPORT RequestId: " RID "\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: "
     "70 MB\tInit Duration: 150.11 ms\t\n"},
    {"terminal copy, tabs expanded to columns",
     "REPORT RequestId: " RID "      Duration: 102.25 ms Billed Duration: 103 ms     Memory Size: 128 MB     Max "
     "Memory Used: 70 MB     Init Duration: 150.11 ms"},
    {"mixed tabs and spaces",
     "REPORT RequestId: " RID " \tDuration: 102.25 ms  Billed Duration: 103 ms\tMemory Size: 128 MB Max Memory Used: "
     "70 MB\t Init Duration: 150.11 ms"},
    {"space before each tab (Lambda's own older lines)",
     "REPORT RequestId: " RID " \tDuration: 102.25 ms \tBilled Duration: 103 ms \tMemory Size: 128 MB \tMax Memory "
     "Used: 70 MB \tInit Duration: 150.11 ms \t"},
    {"reordered, spaces",
     "REPORT RequestId: " RID " Memory Size: 128 MB Max Memory Used: 70 MB Init Duration: 150.11 ms Duration: 102.25 ms "
     "Billed Duration: 103 ms"},
    {"reversed, tabs",
     "REPORT RequestId: " RID "\tInit Duration: 150.11 ms\tMax Memory Used: 70 MB\tMemory Size: 128 MB\tBilled "
     "Duration: 103 ms\tDuration: 102.25 ms"},
    {"CRLF from a Windows copy",
     "REPORT RequestId: " RID " Duration: 102.25 ms Billed Duration: 103 ms Memory Size: 128 MB Max Memory Used: 70 MB "
     "Init Duration: 150.11 ms \r\n"},
    {"units stuck to numbers",
     "REPORT RequestId: " RID " Duration: 102.25ms Billed Duration: 103ms Memory Size: 128MB Max Memory Used: 70MB "
     "Init Duration: 150.11ms"},
    {"no blank after the colons",
     "REPORT RequestId: " RID "\tDuration:102.25 ms\tBilled Duration:103 ms\tMemory Size:128 MB\tMax Memory Used:70 "
     "MB\tInit Duration:150.11 ms"},
    {"tab after REPORT",
     "REPORT\tRequestId: " RID "\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: "
     "70 MB\tInit Duration: 150.11 ms"},
    {"two spaces after REPORT and between number and unit",
     "REPORT  RequestId: " RID "  Duration: 102.25  ms  Billed Duration: 103  ms  Memory Size: 128  MB  Max Memory "
     "Used: 70  MB  Init Duration: 150.11  ms"},
    {"X-Ray line after it, spaces",
     "REPORT RequestId: " RID " Duration: 102.25 ms Billed Duration: 103 ms Memory Size: 128 MB Max Memory Used: 70 MB "
     "Init Duration: 150.11 ms\nXRAY TraceId: 1-5d83c0ad-b8eb4e6c28e0a3bb2a9d0b4f SegmentId: 31255c3b19bd3637 "
     "Sampled: true"},
    {"Serverless Framework / SAM logs output (tabs, no trailing tab)",
     "REPORT RequestId: " RID "\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: "
     "70 MB\tInit Duration: 150.11 ms"},
};

/* Other values, other shapes: each with what it must give. */
typedef struct report_want {
    shape s;
    double dur, billed, init, restore;
    int mem, max;
    lw_status status;
    const char *error_type;
} report_want;

static const report_want reports[] = {
    {{"warm, AWS docs", "REPORT RequestId: " RID " Duration: 2.31 ms Billed Duration: 3 ms Memory Size: 1024 MB Max "
                        "Memory Used: 91 MB"},
     2.31, 3, -1, -1, 1024, 91, LW_ST_NONE, NULL},
    {{"new style timeout, spaces", "REPORT RequestId: " RID " Duration: 3000.00 ms Billed Duration: 3000 ms Memory "
                                   "Size: 128 MB Max Memory Used: 88 MB Status: timeout"},
     3000, 3000, -1, -1, 128, 88, LW_ST_TIMEOUT, NULL},
    {{"new style OOM, two spaces", "REPORT RequestId: " RID "  Duration: 1523.04 ms  Billed Duration: 1524 ms  Memory "
                                   "Size: 128 MB  Max Memory Used: 128 MB  Status: error  Error Type: Runtime.OutOfMemory"},
     1523.04, 1524, -1, -1, 128, 128, LW_ST_ERROR, "Runtime.OutOfMemory"},
    {{"new style OOM, tabs", "REPORT RequestId: " RID "\tDuration: 1523.04 ms\tBilled Duration: 1524 ms\tMemory Size: "
                             "128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory"},
     1523.04, 1524, -1, -1, 128, 128, LW_ST_ERROR, "Runtime.OutOfMemory"},
    {{"SnapStart, spaces", "REPORT RequestId: " RID " Duration: 25.40 ms Billed Duration: 329 ms Memory Size: 512 MB "
                           "Max Memory Used: 120 MB Restore Duration: 303.45 ms Billed Restore Duration: 303 ms"},
     25.40, 329, -1, 303.45, 512, 120, LW_ST_NONE, NULL},
    {{"integer durations, old lines", "REPORT RequestId: " RID "\tDuration: 3000 ms\tBilled Duration: 3000 ms "
                                      "\tMemory Size: 128 MB\tMax Memory Used: 27 MB\t"},
     3000, 3000, -1, -1, 128, 27, LW_ST_NONE, NULL},
    {{"status first, reordered", "REPORT RequestId: " RID " Status: timeout Duration: 900000.00 ms Memory Size: 10240 MB "
                                 "Billed Duration: 900000 ms Max Memory Used: 2048 MB Init Duration: 1200.50 ms"},
     900000, 900000, 1200.50, -1, 10240, 2048, LW_ST_TIMEOUT, NULL},
};

static void expect_same(const lw_platform *a, const lw_platform *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->request_id.n, b->request_id.n);
    assert_memory_equal(a->request_id.p, b->request_id.p, a->request_id.n);
    assert_true(a->duration_ms == b->duration_ms);
    assert_true(a->billed_ms == b->billed_ms);
    assert_true(a->init_ms == b->init_ms);
    assert_true(a->restore_ms == b->restore_ms);
    assert_int_equal(a->memory_size_mb, b->memory_size_mb);
    assert_int_equal(a->max_memory_mb, b->max_memory_mb);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->unread_fields, b->unread_fields);
}

static void report_any_separator_any_order(void **st)
{
    (void)st;
    lw_platform ref, pl;
    assert_true(text("REPORT RequestId: " RID "\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t"
                     "Max Memory Used: 70 MB\tInit Duration: 150.11 ms\t", &ref));
    assert_true(ref.duration_ms == 102.25 && ref.billed_ms == 103 && ref.init_ms == 150.11);
    assert_int_equal(ref.memory_size_mb, 128);
    assert_int_equal(ref.max_memory_mb, 70);
    assert_int_equal(ref.unread_fields, 0);
    for (size_t i = 0; i < sizeof same_report / sizeof same_report[0]; i++) {
        if (!text(same_report[i].line, &pl))
            fail_msg("not parsed: %s", same_report[i].where);
        print_message("%s\n", same_report[i].where);
        expect_same(&pl, &ref);
    }
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        const report_want *w = &reports[i];
        print_message("%s\n", w->s.where);
        assert_true(text(w->s.line, &pl));
        assert_int_equal(pl.type, LW_PL_REPORT);
        assert_str(pl.request_id, RID);
        assert_true(pl.duration_ms == w->dur);
        assert_true(pl.billed_ms == w->billed);
        assert_true(pl.init_ms == w->init);
        assert_true(pl.restore_ms == w->restore);
        assert_int_equal(pl.memory_size_mb, w->mem);
        assert_int_equal(pl.max_memory_mb, w->max);
        assert_int_equal(pl.status, w->status);
        if (w->error_type)
            assert_str(pl.error_type, w->error_type);
        else
            assert_int_equal(pl.error_type.n, 0);
        assert_int_equal(pl.unread_fields, 0);
    }
    assert_true(sizeof same_report / sizeof same_report[0] + sizeof reports / sizeof reports[0] + 1 >= 20);
}

/* START, END, INIT_* with spaces read as with tabs. */
static void other_lines_any_separator(void **st)
{
    (void)st;
    lw_platform pl;
    assert_true(text("START  RequestId: " RID "  Version: 12", &pl));
    assert_int_equal(pl.type, LW_PL_START);
    assert_str(pl.request_id, RID);
    assert_str(pl.version, "12");
    assert_true(text("END\tRequestId: " RID "\t", &pl));
    assert_int_equal(pl.type, LW_PL_END);
    assert_str(pl.request_id, RID);
    assert_true(text("INIT_REPORT Init Duration: 1236.04 ms Phase: init Status: error Error Type: "
                     "Runtime.ImportModuleError", &pl));
    assert_int_equal(pl.type, LW_PL_INIT_REPORT);
    assert_true(pl.init_ms == 1236.04 && pl.duration_ms == 1236.04);
    assert_str(pl.phase, "init");
    assert_int_equal(pl.status, LW_ST_ERROR);
    assert_str(pl.error_type, "Runtime.ImportModuleError");
    assert_true(text("INIT_START Runtime Version: python:3.12.v16  Runtime Version ARN: "
                     "arn:aws:lambda:us-east-1::runtime:0123", &pl));
    assert_int_equal(pl.type, LW_PL_INIT_START);
    assert_int_equal(pl.unread_fields, 0);
    /* words that merely start like a platform line are not one */
    assert_false(text("START the engine", &pl));
    assert_false(text("REPORTING RequestId: x", &pl));
    assert_false(text("END of input", &pl));
}

/* A REPORT whose numbers cannot be read is parsed as a REPORT and says
 * so (unread_fields > 0), never half-read in silence. */
static void report_unreadable_is_flagged(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "REPORT RequestId: " RID,
        "REPORT RequestId: " RID "\t",
        "REPORT RequestId: " RID "\tDuration: ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB",
        "REPORT RequestId: " RID " Duration: 102.25 ms Billed Duration: 103 ms Memory Size: 128 MB",
        "REPORT RequestId: " RID " Duration: 1 ms Billed Duration: 1 ms Memory Size: 128 MB Max Memory Used: 7 MB "
        "Cost Estimate: 3 cents",
        "REPORT RequestId: " RID "\tDuration: 102.25 ms\tBilled Duration: lots\tMemory Size: 128 MB\tMax Memory Used: 70 MB",
        "REPORT RequestId: " RID " garbage without any field",
    };
    lw_platform pl;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(text(bad[i], &pl));
        assert_int_equal(pl.type, LW_PL_REPORT);
        if (pl.unread_fields <= 0)
            fail_msg("not flagged: %s", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_line),
        cmocka_unit_test(report_any_separator_any_order),
        cmocka_unit_test(other_lines_any_separator),
        cmocka_unit_test(report_unreadable_is_flagged),
        cmocka_unit_test(end_line),
        cmocka_unit_test(report_cold_trailing_tab),
        cmocka_unit_test(report_warm_any_order_space_before_tab),
        cmocka_unit_test(report_new_style_timeout_and_oom),
        cmocka_unit_test(report_snapstart_and_xray),
        cmocka_unit_test(init_and_restore_lines),
        cmocka_unit_test(runtime_version_fields),
        cmocka_unit_test(old_style_failures),
        cmocka_unit_test(not_platform),
        cmocka_unit_test(json_platform),
        cmocka_unit_test(app_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
