/* reassemble + sensor: whole and split records, interleaving, every bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "parsers/decode.h"
#include "parsers/reassemble.h"
#include "parsers/sensor.h"

typedef struct seen {
    int messages, records, malformed;
    char last_msg[256];
    char reason[64];
    char rec_stream[64];
    lw_sensor_parser sp;
    lw_sensor s;
    char rule[32], ip[64], fn[64], path[64], query[64], method[16];
    int blocked;
} seen;

static void on_message(void *ud, const lw_event *ev)
{
    seen *s = ud;
    s->messages++;
    snprintf(s->last_msg, sizeof s->last_msg, "%.*s", (int)ev->message.n, ev->message.p);
}

static void on_record(void *ud, const lw_event *hdr, const char *json, size_t n)
{
    seen *s = ud;
    s->records++;
    snprintf(s->rec_stream, sizeof s->rec_stream, "%.*s", (int)hdr->stream.n, hdr->stream.p);
    assert_null(lw_sensor_parse(&s->sp, json, n, &s->s));
    snprintf(s->rule, sizeof s->rule, "%.*s", (int)s->s.rule_id.n, s->s.rule_id.p);
    snprintf(s->ip, sizeof s->ip, "%.*s", (int)s->s.source_ip.n, s->s.source_ip.p);
    snprintf(s->fn, sizeof s->fn, "%.*s", (int)s->s.function_name.n, s->s.function_name.p);
    snprintf(s->path, sizeof s->path, "%.*s", (int)s->s.path.n, s->s.path.p);
    snprintf(s->query, sizeof s->query, "%.*s", (int)s->s.query.n, s->s.query.p);
    snprintf(s->method, sizeof s->method, "%.*s", (int)s->s.method.n, s->s.method.p);
    s->blocked = s->s.blocked;
}

static void on_malformed(void *ud, const lw_event *hdr, const char *reason)
{
    (void)hdr;
    seen *s = ud;
    s->malformed++;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

static lw_reasm *mk(seen *s, const lw_reasm_limits *lim)
{
    memset(s, 0, sizeof *s);
    lw_sensor_parser_init(&s->sp);
    lw_reasm_cb cb = {on_message, on_record, on_malformed, s};
    return lw_reasm_new(lim, &cb);
}

static void done(lw_reasm *r, seen *s)
{
    lw_reasm_free(r);
    lw_sensor_parser_free(&s->sp);
}

static void feed(lw_reasm *r, const char *stream, int64_t ts, const char *msg)
{
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/f");
    ev.stream = lw_str_c(stream);
    ev.timestamp = ts;
    ev.message = lw_str_c(msg);
    lw_reasm_feed(r, &ev);
}

static void decode_file(lw_reasm *r, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s", getenv("LW_SRC") ? getenv("LW_SRC") : ".", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    lw_decoder_opts o = {.origin = name, .on_event = (lw_event_cb)lw_reasm_feed, .ud = r};
    lw_decoder *d = lw_decoder_new(&o);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        lw_decoder_feed(d, buf, n);
    lw_decoder_finish(d);
    assert_int_equal(lw_decoder_stats(d)->errors, 0);
    lw_decoder_free(d);
    fclose(f);
}

static void check_sample_record(seen *s)
{
    assert_int_equal(s->records, 1);
    assert_int_equal(s->malformed, 0);
    assert_string_equal(s->rule, "1005936");
    assert_string_equal(s->ip, "203.0.113.77");
    assert_string_equal(s->fn, "hello-world");
    assert_string_equal(s->method, "GET");
    assert_string_equal(s->path, "/");
    assert_string_equal(s->query, "file=/etc/passwd");
    assert_int_equal(s->blocked, 1);
}

static void sample_single_event(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    decode_file(r, "sensor-event-single.jsonl");
    lw_reasm_flush(r);
    check_sample_record(&s);
    assert_int_equal(lw_reasm_stats_get(r)->split_records, 0);
    done(r, &s);
}

static void sample_split_interleaved(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    decode_file(r, "sensor-event-split.jsonl");
    lw_reasm_flush(r);
    check_sample_record(&s);
    assert_int_equal(lw_reasm_stats_get(r)->split_records, 1);
    assert_string_equal(s.rec_stream, "2026/03/08/[$LATEST]4b3f2e1d0c9b8a7f6e5d4c3b2a190817");
    /* START/END/REPORT of both streams and the other stream's lines pass through */
    assert_true(s.messages >= 5);
    assert_int_equal(lw_reasm_stats_get(r)->open_bytes, 0);
    done(r, &s);
}

static void sample_text_file(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    decode_file(r, "sensor-event.txt");
    lw_reasm_flush(r);
    check_sample_record(&s);
    done(r, &s);
}

#define HDR "2026-03-08T14:24:26.649+0000 - defence-json (x.lua:1) - PID 8 - thread 1 - WARN: SensorEvent: {"

static void never_closes_then_lines_still_analysed(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    feed(r, "a", 1000, HDR "\n");
    feed(r, "a", 1000, "    \"rule_id\": \"1\",\n");
    feed(r, "a", 1001, "    \"data_position\": 15,\n");
    assert_int_equal(s.messages, 0);
    /* a platform line on the same stream means the record is broken */
    feed(r, "a", 1002, "END RequestId: 11111111-2222-3333-4444-555555555555\n");
    assert_int_equal(s.malformed, 1);
    assert_string_equal(s.reason, "interrupted by a platform line");
    /* the two swallowed lines and the END line are all handed on */
    assert_int_equal(s.messages, 3);
    assert_string_equal(s.last_msg, "END RequestId: 11111111-2222-3333-4444-555555555555\n");
    assert_int_equal(lw_reasm_open_count(r), 0);
    /* text that cannot continue a JSON object breaks the record at once */
    feed(r, "a", 2000, HDR "\n");
    feed(r, "a", 2001, "plain application output\n");
    assert_int_equal(s.malformed, 2);
    assert_string_equal(s.reason, "invalid JSON");
    assert_string_equal(s.last_msg, "plain application output\n");
    assert_int_equal(s.messages, 4);
    done(r, &s);
}

static void flush_reports_open_records(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    feed(r, "a", 1000, HDR "\n");
    feed(r, "b", 1000, HDR "\n");
    feed(r, "a", 1000, "  \"x\": 1\n");
    lw_reasm_flush(r);
    assert_int_equal(s.malformed, 2);
    assert_string_equal(s.reason, "input ended inside the record");
    assert_int_equal(s.messages, 1);
    assert_int_equal(lw_reasm_stats_get(r)->open_bytes, 0);
    done(r, &s);
}

static void bounds_bytes_lines_time_count(void **st)
{
    (void)st;
    seen s;
    lw_reasm_limits lim = {.max_record_bytes = 200, .max_record_lines = 3, .max_record_age_ms = 5000,
                           .max_open_records = 2, .max_total_bytes = 100000};
    lw_reasm *r = mk(&s, &lim);
    /* bytes */
    feed(r, "a", 1, HDR "\n");
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    feed(r, "a", 2, big);
    assert_int_equal(s.malformed, 1);
    assert_string_equal(s.reason, "record too large");
    assert_int_equal(s.messages, 1); /* the big line itself is analysed */
    /* lines */
    feed(r, "a", 3, HDR "\n");
    for (int i = 0; i < 4; i++)
        feed(r, "a", 3, "  \"k\": 1,\n");
    assert_int_equal(s.malformed, 2);
    assert_string_equal(s.reason, "record has too many lines");
    /* time (event clock) */
    feed(r, "b", 10000, HDR "\n");
    feed(r, "b", 16000, "  \"late\": 1\n");
    assert_int_equal(s.malformed, 3);
    assert_string_equal(s.reason, "record did not close in time");
    /* open-record count: the oldest is evicted */
    lw_reasm_flush(r);
    int before = s.malformed;
    feed(r, "c", 20000, HDR "\n");
    feed(r, "d", 20000, HDR "\n");
    feed(r, "e", 20000, HDR "\n");
    assert_int_equal(s.malformed, before + 1);
    assert_string_equal(s.reason, "evicted: too many open records");
    assert_int_equal(lw_reasm_open_count(r), 2);
    /* expiry once the source's event-time progress has moved on past the
     * age bound (the first tick only sets where the clock stands) */
    lw_reasm_expire(r, 20000);
    assert_int_equal(lw_reasm_open_count(r), 2);
    lw_reasm_expire(r, 26000);
    assert_int_equal(lw_reasm_open_count(r), 0);
    done(r, &s);
}

static void copy(const char *s, size_t n, lw_buf *out) { lw_buf_append(out, s, n); }

/* A backlog hours behind the daemon's clock: a record whose lines come one
 * page (one tick) apart is still joined, then abandoned only once the
 * clock has moved the age bound past its last line. */
static void backlog_record_survives_ticks(void **st)
{
    (void)st;
    seen s;
    lw_reasm_limits lim = {.max_record_age_ms = 60000};
    lw_reasm *r = mk(&s, &lim);
    int64_t clock = 36000000; /* ten hours past the events */
    lw_reasm_expire(r, clock);
    feed(r, "a", 1000, HDR "\n");
    lw_reasm_expire(r, clock + 1000);
    feed(r, "a", 1001, "  \"rule_id\": \"5\",\n");
    lw_reasm_expire(r, clock + 59000);
    feed(r, "a", 1002, "  \"sensor_event\": {\"blocked\": true}\n}\n");
    assert_int_equal(s.records, 1);
    assert_int_equal(s.malformed, 0);
    assert_string_equal(s.rule, "5");
    feed(r, "b", 2000, HDR "\n");
    lw_reasm_expire(r, clock + 100000);
    assert_int_equal(lw_reasm_open_count(r), 1);
    lw_reasm_expire(r, clock + 160001);
    assert_int_equal(lw_reasm_open_count(r), 0);
    assert_string_equal(s.reason, "record did not close in time");
    done(r, &s);
}

/* Open records saved (a daemon stopping or checkpointing) and restored into
 * a new reassembler are completed by their remaining lines; a damaged
 * blob is refused whole. */
static void open_records_survive_save_restore(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    lw_reasm_expire(r, 500);
    feed(r, "a", 1000, HDR "\n");
    feed(r, "a", 1001, "  \"rule_id\": \"11\",\n");
    feed(r, "b", 1002, HDR "\n");
    lw_buf blob = LW_BUF_INIT;
    lw_reasm_save(r, &blob, copy);
    done(r, &s);

    r = mk(&s, NULL);
    assert_int_equal(lw_reasm_restore(r, blob.p, blob.len), 0);
    assert_int_equal(lw_reasm_open_count(r), 2);
    feed(r, "b", 1003, "  \"rule_id\": \"22\", \"sensor_event\": {\"blocked\": false}\n}\n");
    assert_int_equal(s.records, 1);
    assert_string_equal(s.rule, "22");
    assert_int_equal(s.blocked, 0);
    feed(r, "a", 1004, "  \"sensor_event\": {\"blocked\": true}\n}\n");
    assert_int_equal(s.records, 2);
    assert_string_equal(s.rule, "11");
    assert_int_equal(s.blocked, 1);
    assert_int_equal(s.malformed, 0);
    assert_int_equal(lw_reasm_open_count(r), 0);
    done(r, &s);

    for (size_t cut = 0; cut < blob.len; cut += 7) {
        r = mk(&s, NULL);
        assert_int_equal(lw_reasm_restore(r, blob.p, cut), -1);
        assert_int_equal(lw_reasm_open_count(r), 0);
        done(r, &s);
    }
    lw_buf_free(&blob);
}

static void invalid_json_inside_record(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    feed(r, "a", 1, HDR "\n");
    feed(r, "a", 1, "  \"k\" 1\n");
    assert_int_equal(s.malformed, 1);
    assert_string_equal(s.reason, "invalid JSON");
    assert_int_equal(s.messages, 1);
    /* header whose JSON is broken in the same event */
    feed(r, "a", 2, HDR "\n  ]\n");
    assert_int_equal(s.malformed, 2);
    done(r, &s);
}

static void new_header_interrupts(void **st)
{
    (void)st;
    seen s;
    lw_reasm *r = mk(&s, NULL);
    feed(r, "a", 1, HDR "\n");
    feed(r, "a", 1, "  \"rule_id\": \"1\",\n");
    feed(r, "a", 2, HDR "\"sensor_event\": {\"blocked\": false}, \"rule_id\": 7}\n");
    assert_int_equal(s.malformed, 1);
    assert_string_equal(s.reason, "interrupted by a new record");
    assert_int_equal(s.records, 1);
    assert_string_equal(s.rule, "7");
    assert_int_equal(s.blocked, 0);
    done(r, &s);
}

static void header_variants(void **st)
{
    (void)st;
    size_t off;
    const char *a = "2026-03-08T14:24:26.649+0000 - defence (x:1) - PID 1 - thread 2 - ERROR: SensorEvent: {";
    assert_true(lw_sensor_header(a, strlen(a), &off));
    assert_int_equal(off, strlen(a) - 1);
    const char *b = "2026-03-08T14:24:26.649+0000 - defence-json (x:1) - PID 1 - thread 2 - INFO: Other: {";
    assert_false(lw_sensor_header(b, strlen(b), &off));
    const char *c = "START RequestId: x SensorEvent: {";
    assert_false(lw_sensor_header(c, strlen(c), &off));
}

static void sensor_fields_fallbacks(void **st)
{
    (void)st;
    /* no api_gateway block: method, path, query and source from the payload */
    const char *js = "{\"rule_id\":\"42\",\"event_type\":\"security_engine/IPSEvent\",\"sensor_event\":"
                     "{\"id\":\"sid\",\"blocked\":false,\"occurred_at\":\"2026-03-08T14:24:23.330Z\"},"
                     "\"payload\":\"POST /login?next=%2F HTTP/1.1\\r\\nX-Forwarded-For: 198.51.100.9, 10.0.0.1\\r\\n"
                     "User-Agent: sqlmap/1.7\\r\\n\\r\\nuser=admin'--\"}";
    lw_sensor_parser sp;
    lw_sensor_parser_init(&sp);
    lw_sensor s;
    assert_null(lw_sensor_parse(&sp, js, strlen(js), &s));
    assert_int_equal(s.blocked, 0);
    assert_int_equal(s.occurred_at_ms, 1772979863330LL);
    assert_true(lw_str_eq(s.method, "POST"));
    assert_true(lw_str_eq(s.path, "/login"));
    assert_true(lw_str_eq(s.query, "next=%2F"));
    assert_true(lw_str_eq(s.source_ip, "198.51.100.9"));
    assert_true(lw_str_eq(s.user_agent, "sqlmap/1.7"));
    assert_non_null(lw_sensor_parse(&sp, "{\"rule_id\":1}", 12, &s));
    assert_non_null(lw_sensor_parse(&sp, "{\"rule_id\":", 11, &s));
    lw_sensor_parser_free(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_single_event),
        cmocka_unit_test(sample_split_interleaved),
        cmocka_unit_test(sample_text_file),
        cmocka_unit_test(never_closes_then_lines_still_analysed),
        cmocka_unit_test(flush_reports_open_records),
        cmocka_unit_test(bounds_bytes_lines_time_count),
        cmocka_unit_test(backlog_record_survives_ticks),
        cmocka_unit_test(open_records_survive_save_restore),
        cmocka_unit_test(invalid_json_inside_record),
        cmocka_unit_test(new_header_interrupts),
        cmocka_unit_test(header_variants),
        cmocka_unit_test(sensor_fields_fallbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
