/* decode: every input shape, chunking, gzip, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "common/jsonw.h"
#include "parsers/decode.h"

typedef struct got {
    int n;
    char group[16][128], stream[16][128], id[16][64], msg[16][256];
    int64_t ts[16];
    uint64_t line[16];
    int errors;
    uint64_t err_line[16];
    char err[16][256];
} got;

static void on_ev(void *ud, const lw_event *ev)
{
    got *g = ud;
    /* every message handed on must be valid UTF-8 */
    for (size_t i = 0; i < ev->message.n;) {
        int l = lw_utf8_seqlen((const unsigned char *)ev->message.p + i, ev->message.n - i);
        assert_true(l > 0);
        i += (size_t)l;
    }
    if (g->n >= 16) { g->n++; return; }
    snprintf(g->group[g->n], 128, "%.*s", (int)ev->group.n, ev->group.p);
    snprintf(g->stream[g->n], 128, "%.*s", (int)ev->stream.n, ev->stream.p);
    snprintf(g->id[g->n], 64, "%.*s", (int)ev->event_id.n, ev->event_id.p);
    snprintf(g->msg[g->n], 256, "%.*s", (int)ev->message.n, ev->message.p);
    g->ts[g->n] = ev->timestamp;
    g->line[g->n] = ev->line;
    g->n++;
}

static void on_err(void *ud, const char *origin, uint64_t line, const char *msg)
{
    got *g = ud;
    assert_string_equal(origin, "t");
    if (g->errors < 16) {
        g->err_line[g->errors] = line;
        snprintf(g->err[g->errors], 256, "%s", msg);
    }
    g->errors++;
}

/* Decodes s fed in chunks of `chunk` bytes (0 = all at once). */
static got *run(const char *s, size_t n, size_t chunk, const char *dgroup)
{
    static got g;
    memset(&g, 0, sizeof g);
    lw_decoder_opts o = {.origin = "t", .default_group = dgroup, .on_event = on_ev, .on_error = on_err, .ud = &g};
    lw_decoder *d = lw_decoder_new(&o);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n; i += chunk)
        lw_decoder_feed(d, s + i, n - i < chunk ? n - i : chunk);
    lw_decoder_finish(d);
    lw_decoder_free(d);
    return &g;
}

static void jsonl_events_any_chunking(void **st)
{
    (void)st;
    const char *s =
        "{\"logGroupName\":\"/aws/lambda/f\",\"logStreamName\":\"s1\",\"timestamp\":1000,\"eventId\":\"e1\",\"message\":\"START RequestId: x\\n\"}\n"
        "{\"message\":\"two \\u00e9\",\"timestamp\":2000,\"logStreamName\":\"s2\",\"ingestionTime\":2500}\r\n"
        "\n"
        "{\"logStreamName\":\"s3\",\"timestamp\":3000,\"message\":\"three\"}";
    for (size_t chunk = 0; chunk < 9; chunk++) {
        got *g = run(s, strlen(s), chunk, NULL);
        assert_int_equal(g->errors, 0);
        assert_int_equal(g->n, 3);
        assert_string_equal(g->group[0], "/aws/lambda/f");
        assert_string_equal(g->id[0], "e1");
        assert_string_equal(g->msg[0], "START RequestId: x\n");
        assert_string_equal(g->msg[1], "two \xc3\xa9");
        assert_string_equal(g->stream[1], "s2");
        assert_int_equal(g->ts[1], 2000);
        assert_string_equal(g->msg[2], "three");
        assert_int_equal(g->line[2], 4);
    }
}

static void filter_page_pretty_and_concatenated(void **st)
{
    (void)st;
    const char *s = "{\n  \"events\": [\n    {\"logStreamName\": \"a\", \"timestamp\": 1, \"message\": \"m1\", \"eventId\": \"1\"},\n"
                    "    {\"logStreamName\": \"b\", \"timestamp\": 2, \"message\": \"m2\", \"eventId\": \"2\"}\n  ],\n"
                    "  \"searchedLogStreams\": [],\n  \"nextToken\": \"tok\"\n}\n"
                    "{\"events\":[{\"logStreamName\":\"c\",\"timestamp\":3,\"message\":\"m3\"}]}{\"events\":[],\"nextToken\":\"t\"}"
                    "{\"events\":[{\"logStreamName\":\"d\",\"timestamp\":4,\"message\":\"m4\"}]}\n";
    for (size_t chunk = 0; chunk < 7; chunk += 3) {
        got *g = run(s, strlen(s), chunk, "/aws/lambda/dflt");
        assert_int_equal(g->errors, 0);
        assert_int_equal(g->n, 4);
        assert_string_equal(g->msg[0], "m1");
        assert_string_equal(g->group[0], "/aws/lambda/dflt");
        assert_string_equal(g->stream[1], "b");
        assert_string_equal(g->msg[2], "m3");
        assert_string_equal(g->msg[3], "m4");
        assert_int_equal(g->line[2], 9);
    }
}

/* A page the API client has parsed goes in without a second parse and
 * gives exactly what feeding its bytes gives. */
static void parsed_page_equals_fed_page(void **st)
{
    (void)st;
    const char *s = "{\"events\":[{\"logStreamName\":\"a\",\"timestamp\":1,\"message\":\"m\\u00e91\",\"eventId\":\"1\"},"
                    "7,{\"logStreamName\":\"b\",\"timestamp\":2,\"message\":\"m2\",\"eventId\":\"2\"}],"
                    "\"searchedLogStreams\":[],\"nextToken\":\"tok\"}";
    got fed = *run(s, strlen(s), 0, "/aws/lambda/g");
    static got g;
    memset(&g, 0, sizeof g);
    lw_decoder_opts o = {.origin = "t", .default_group = "/aws/lambda/g", .on_event = on_ev, .on_error = on_err, .ud = &g};
    lw_decoder *d = lw_decoder_new(&o);
    lw_json j;
    lw_json_init(&j);
    assert_int_equal(lw_json_parse(&j, s, strlen(s)), LW_JSON_OK);
    lw_decoder_page(d, &j);
    assert_int_equal(lw_decoder_stats(d)->events, 2);
    lw_json_free(&j);
    lw_decoder_free(d);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.errors, 1); /* events[1] is not an object */
    assert_int_equal(fed.n, g.n);
    for (int i = 0; i < g.n; i++) {
        assert_string_equal(fed.msg[i], g.msg[i]);
        assert_string_equal(fed.stream[i], g.stream[i]);
        assert_string_equal(fed.group[i], g.group[i]);
        assert_string_equal(fed.id[i], g.id[i]);
        assert_true(fed.ts[i] == g.ts[i]);
    }
    assert_string_equal(fed.err[0], g.err[0]);
}

static void get_log_events_page(void **st)
{
    (void)st;
    const char *s = "{\"events\":[{\"timestamp\":5,\"message\":\"END RequestId: r\",\"ingestionTime\":6}],"
                    "\"nextForwardToken\":\"f/1\",\"nextBackwardToken\":\"b/1\"}\n";
    got *g = run(s, strlen(s), 0, "grp");
    assert_int_equal(g->n, 1);
    assert_string_equal(g->id[0], "");
    assert_string_equal(g->group[0], "grp");
}

static const char *SUB = "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"111122223333\",\"logGroup\":\"/aws/lambda/sub\","
                         "\"logStream\":\"2026/03/08/[$LATEST]abc\",\"subscriptionFilters\":[\"f\"],\"logEvents\":["
                         "{\"id\":\"i1\",\"timestamp\":10,\"message\":\"one\"},{\"id\":\"i2\",\"timestamp\":11,\"message\":\"two\"}]}";
static const char *CTRL = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\","
                          "\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";

static size_t gz(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

static void subscription_plain_and_gzip_members(void **st)
{
    (void)st;
    got *g = run(SUB, strlen(SUB), 0, NULL);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->group[0], "/aws/lambda/sub");
    assert_string_equal(g->stream[1], "2026/03/08/[$LATEST]abc");
    assert_string_equal(g->id[1], "i2");

    /* Firehose-style: gzip members back to back, a control message among them */
    unsigned char buf[8192];
    size_t n = gz(SUB, strlen(SUB), buf, sizeof buf);
    n += gz(CTRL, strlen(CTRL), buf + n, sizeof buf - n);
    n += gz(SUB, strlen(SUB), buf + n, sizeof buf - n);
    for (size_t chunk = 0; chunk < 40; chunk += 13) {
        g = run((const char *)buf, n, chunk, NULL);
        assert_int_equal(g->errors, 0);
        assert_int_equal(g->n, 4);
        assert_string_equal(g->msg[3], "two");
    }
    /* truncated gzip: the complete member is decoded, the cut is reported */
    size_t one = gz(SUB, strlen(SUB), buf, sizeof buf);
    g = run((const char *)buf, one - 9, 0, NULL);
    assert_true(g->errors >= 1);
}

static void text_lines_and_tail_format(void **st)
{
    (void)st;
    const char *s = "2026-03-08T14:24:26.649Z\tb3a4c5d6-0000-4000-8000-000000000000\tINFO\thello\n"
                    "plain line\n"
                    "2026-03-08T14:24:27.000000+00:00 2026/03/08/[$LATEST]abcdef START RequestId: x Version: $LATEST\n"
                    "continuation of a multi-line message\n"
                    "last line without newline";
    got *g = run(s, strlen(s), 5, "grp");
    assert_int_equal(g->errors, 0);
    assert_int_equal(g->n, 5);
    assert_int_equal(g->ts[0], 1772979866649LL);
    assert_string_equal(g->msg[1], "plain line");
    assert_string_equal(g->stream[2], "2026/03/08/[$LATEST]abcdef");
    assert_string_equal(g->msg[2], "START RequestId: x Version: $LATEST");
    assert_string_equal(g->stream[3], "2026/03/08/[$LATEST]abcdef");
    assert_string_equal(g->msg[4], "last line without newline");
    assert_string_equal(g->group[4], "grp");
}

static void text_starting_with_brace(void **st)
{
    (void)st;
    /* Lambda JSON-format lines in a raw text file are messages, not events. */
    const char *s = "{\"time\":\"2026-03-08T14:24:26Z\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"r\"}}\n"
                    "{not json at all\n";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->errors, 0);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->msg[1], "{not json at all");
}

static void bad_json_lines_reported_and_skipped(void **st)
{
    (void)st;
    const char *s = "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"ok1\"}\n"
                    "{\"logStreamName\":\"s\",\"timestamp\":2,\"message\":\"trunc\n"
                    "{\"logStreamName\":\"s\",\"timestamp\":3,\"message\":\"ok2\"}\n"
                    "{\"logStreamName\":\"s\" \"timestamp\":4}\n"
                    "garbage\n"
                    "{\"logStreamName\":\"s\",\"timestamp\":5,\"message\":\"ok3\"}\n";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->n, 3);
    assert_string_equal(g->msg[0], "ok1");
    assert_string_equal(g->msg[1], "ok2");
    assert_string_equal(g->msg[2], "ok3");
    assert_int_equal(g->errors, 3);
    assert_int_equal(g->err_line[0], 2);
    assert_int_equal(g->err_line[1], 4);
    assert_int_equal(g->err_line[2], 5);
}

static void truncated_document_at_end(void **st)
{
    (void)st;
    const char *s = "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"ok\"}\n{\"events\": [\n {\"message\": \"x\"";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->n, 1);
    assert_int_equal(g->errors, 1);
    assert_int_equal(g->err_line[0], 2);
    assert_non_null(strstr(g->err[0], "truncated"));
}

static void one_megabyte_message(void **st)
{
    (void)st;
    size_t big = 1u << 20;
    lw_buf b = LW_BUF_INIT;
    lw_buf_puts(&b, "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"");
    for (size_t i = 0; i < big; i++)
        lw_buf_putc(&b, (char)('a' + i % 26));
    lw_buf_puts(&b, "\\n\"}\n{\"logStreamName\":\"s\",\"timestamp\":2,\"message\":\"after\"}\n");
    got *g = run(b.p, b.len, 65536, NULL);
    assert_int_equal(g->errors, 0);
    assert_int_equal(g->n, 2);
    assert_string_equal(g->msg[1], "after");
    lw_buf_free(&b);
}

static void invalid_utf8_in_input(void **st)
{
    (void)st;
    const char *s = "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"bad \xff\xfe bytes \\udc00\"}\n";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->n, 1);
    assert_string_equal(g->msg[0], "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd");
    const char *t = "text \xc3 line\n";
    g = run(t, strlen(t), 0, NULL);
    assert_string_equal(g->msg[0], "text \xef\xbf\xbd line");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonl_events_any_chunking),
        cmocka_unit_test(filter_page_pretty_and_concatenated),
        cmocka_unit_test(parsed_page_equals_fed_page),
        cmocka_unit_test(get_log_events_page),
        cmocka_unit_test(subscription_plain_and_gzip_members),
        cmocka_unit_test(text_lines_and_tail_format),
        cmocka_unit_test(text_starting_with_brace),
        cmocka_unit_test(bad_json_lines_reported_and_skipped),
        cmocka_unit_test(truncated_document_at_end),
        cmocka_unit_test(one_megabyte_message),
        cmocka_unit_test(invalid_utf8_in_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
