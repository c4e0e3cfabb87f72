/* decode: every input shape, chunking, gzip, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "common/buf.h"
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
    lw_decode_stats st;
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
    g.st = *lw_decoder_stats(d);
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


/* One JSON Lines event, numbered i. */
static void ev_line(lw_buf *b, int i)
{
    char l[160];
    snprintf(l, sizeof l, "{\"logStreamName\":\"s\",\"timestamp\":%d,\"message\":\"m%d\"}\n", 1000 + i, i);
    lw_buf_puts(b, l);
}

/* Each kind of damage a JSON Lines file meets, one line each. */
static const char *const damage[] = {
    "{\"logStreamName\":\"s\",\"timestamp\":7,\n",               /* cut after a comma */
    "{\n",                                                      /* a stray brace */
    "[\n",                                                      /* a stray bracket */
    "{\"logStreamName\":\"s\",\"message\":{\"a\":[1,2,\n",          /* cut inside nested containers */
    "{\"logStreamName\":\"s\",\"timestamp\":7,\"message\":\"cut\n", /* cut inside a string */
    "{\"logStreamName\":\"s\",\"timestamp\":7,\"message\":\n",    /* cut after a key */
    "  {\"logStreamName\":\"s\",\"timestamp\":\n",                /* indented, cut */
    "\"message\":\"a stray member\"}\n",                         /* the second half of a cut line */
    "}\n",                                                      /* a stray closing brace */
};
#define NDAMAGE (sizeof damage / sizeof damage[0])

/* An export of N events with K damaged lines yields exactly the N - K
 * undamaged events, in order, with K errors and K damaged lines counted,
 * whatever the chunking; the error names the damaged line. */
static void damaged_jsonl_cost_exactly_the_damaged_lines(void **st)
{
    (void)st;
    for (size_t k = 0; k < NDAMAGE; k++) {
        for (int where = 0; where < 3; where++) {
            /* damage on the first line, in the middle, on the last line;
             * the first line decides whether an input is JSON at all, and
             * one that does not open with a bracket says text */
            if (where == 0 && damage[k][0] != '{' && damage[k][0] != '[' && damage[k][0] != ' ')
                continue;
            lw_buf b = LW_BUF_INIT;
            int n = 12, at = where == 0 ? 0 : where == 1 ? 5 : n;
            for (int i = 0; i < n; i++) {
                if (i == at)
                    lw_buf_puts(&b, damage[k]);
                ev_line(&b, i);
            }
            if (at == n)
                lw_buf_puts(&b, damage[k]);
            for (size_t chunk = 0; chunk < 20; chunk += 3) {
                got *g = run(b.p, b.len, chunk, NULL);
                if (g->n != n - 0 || g->errors != 1)
                    print_error("damage %zu at %d chunk %zu: %d events, %d errors (%s)\n", k, at, chunk, g->n,
                                g->errors, g->errors ? g->err[0] : "");
                assert_int_equal(g->n, n); /* the damaged line carried no event: N - K = the others */
                assert_int_equal(g->errors, 1);
                assert_int_equal(g->st.damaged_lines, 1);
                assert_int_equal(g->err_line[0], (uint64_t)at + 1);
                for (int i = 0; i < n; i++) {
                    char want[16];
                    snprintf(want, sizeof want, "m%d", i);
                    assert_string_equal(g->msg[i], want);
                    assert_int_equal(g->line[i], (uint64_t)(i + 1 + (i >= at)));
                }
            }
            lw_buf_free(&b);
        }
    }
}

/* Many damaged lines, several in a row: each costs only itself. */
static void runs_of_damage(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    int events = 0, damaged = 0;
    for (int i = 0; i < 400; i++) {
        if (i % 7 == 3 || i % 11 == 4 || i % 13 == 5) {
            lw_buf_puts(&b, damage[(size_t)i % NDAMAGE]);
            damaged++;
        } else {
            ev_line(&b, events++);
        }
    }
    for (size_t chunk = 0; chunk < 5000; chunk = chunk * 3 + 1) {
        got *g = run(b.p, b.len, chunk, NULL);
        assert_int_equal(g->n, events);
        assert_int_equal(g->st.events, (uint64_t)events);
        /* Adjacent damaged lines may read as one broken document: one
         * error, both lines counted. */
        assert_in_range(g->errors, damaged * 3 / 4, damaged);
        assert_int_equal(g->st.damaged_lines, (uint64_t)damaged);
        assert_string_equal(g->msg[15], "m15");
    }
    lw_buf_free(&b);
}

/* A pretty-printed document spanning lines is still read whole, in every
 * printer's shape (array elements on their own lines, "key":\n value is
 * not one), and a damaged line before it costs only itself. */
static void pretty_printed_documents_are_read(void **st)
{
    (void)st;
    const char *s =
        "{\"logStreamName\":\"s\",\"timestamp\":1,\"message\":\"before\"}\n"
        "{\"logStreamName\":\"s\",\"timestamp\":2,\n" /* damaged */
        "{\n"
        "  \"events\": [\n"
        "    {\n"
        "      \"logStreamName\": \"a\",\n"
        "      \"timestamp\": 10,\n"
        "      \"message\": \"p1\"\n"
        "    },\n"
        "    {\n"
        "      \"logStreamName\": \"a\",\n"
        "      \"timestamp\": 11,\n"
        "      \"message\": \"p2\",\n"
        "      \"extra\": [\n"
        "        [1, 2],\n"
        "        {\"k\": \"v\"}\n"
        "      ]\n"
        "    }\n"
        "  ],\n"
        "  \"nextToken\": \"t\"\n"
        "}\n"
        "[\n"
        "\t{\"logStreamName\": \"b\", \"timestamp\": 12, \"message\": \"p3\"},\n"
        "\t{\"logStreamName\": \"b\", \"timestamp\": 13, \"message\": \"p4\"}\n"
        "]\n"
        "{\"logStreamName\":\"s\",\"timestamp\":3,\"message\":\"after\"}\n";
    for (size_t chunk = 0; chunk < 12; chunk++) {
        got *g = run(s, strlen(s), chunk, NULL);
        assert_int_equal(g->errors, 1);
        assert_int_equal(g->err_line[0], 2);
        assert_string_equal(g->err[0], "damaged JSON document: unfinished where the next line starts a document "
                                       "(1 line lost)");
        assert_int_equal(g->st.damaged_lines, 1);
        assert_int_equal(g->n, 6);
        assert_string_equal(g->msg[0], "before");
        assert_string_equal(g->msg[1], "p1");
        assert_string_equal(g->msg[2], "p2");
        assert_string_equal(g->msg[3], "p3");
        assert_string_equal(g->msg[4], "p4");
        assert_string_equal(g->msg[5], "after");
        assert_int_equal(g->line[5], 26);
    }
}

/* A pretty-printed document cut short, then the next document at the left
 * margin: the cut one costs its own lines, not the next ones. */
static void cut_pretty_document_costs_its_lines(void **st)
{
    (void)st;
    const char *s = "{\n"
                    "  \"events\": [\n"
                    "    {\"logStreamName\": \"a\", \"timestamp\": 10, \"message\": \"lost\"},\n"
                    "{\"logStreamName\":\"s\",\"timestamp\":3,\"message\":\"kept\"}\n";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->n, 1);
    assert_string_equal(g->msg[0], "kept");
    assert_int_equal(g->errors, 1);
    assert_int_equal(g->st.damaged_lines, 3);
    assert_non_null(strstr(g->err[0], "damaged API page"));
}

/* A saved API page cut mid-way is a truncated page, not text to analyse. */
static void truncated_api_page_is_reported(void **st)
{
    (void)st;
    const char *s = "{\"events\":[{\"logStreamName\":\"a\",\"timestamp\":1,\"message\":\"REPORT RequestId: x\"},"
                    "{\"logStreamName\":\"a\",\"timest";
    for (size_t chunk = 0; chunk < 9; chunk += 4) {
        got *g = run(s, strlen(s), chunk, NULL);
        assert_int_equal(g->n, 0);
        assert_int_equal(g->errors, 1);
        assert_non_null(strstr(g->err[0], "truncated API page"));
    }
    const char *pretty = "{\n  \"events\": [\n    {\"message\": \"x\", \"timestamp\": 1}";
    got *g = run(pretty, strlen(pretty), 0, NULL);
    assert_int_equal(g->n, 0);
    assert_non_null(strstr(g->err[0], "truncated API page"));
    assert_int_equal(g->st.damaged_lines, 3);
}

/* Binary or non-log input is one input error that says what it looks
 * like; nothing of it is decoded as text. */
static void binary_input_is_refused(void **st)
{
    (void)st;
    static char buf[8192];
    struct { const char *what; size_t len; const char *want; } kinds[] = {
        {"\x7f" "ELF\x02\x01\x01", 8192, "looks like an ELF executable"},
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 8192, "looks like a PNG image"},
        {"PK\x03\x04\x14\0", 8192, "looks like a zip archive"},
        {"BZh91AY&SY", 8192, "looks like bzip2 data"},
        {"\xfd" "7zXZ\0\0", 8192, "looks like xz data"},
        {"SQLite format 3\0", 8192, "looks like an SQLite database"},
        {"hello\n\0\0\0\0", 8192, "binary data (NUL bytes) at offset 6"},
        {"short\0", 6, "binary data (NUL bytes) at offset 5"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        memset(buf, 0, sizeof buf);
        memcpy(buf, kinds[k].what, strlen(kinds[k].what) + 1);
        for (size_t chunk = 0; chunk < 3000; chunk += 1000) {
            got *g = run(buf, kinds[k].len, chunk ? chunk : 0, NULL);
            assert_int_equal(g->n, 0);
            assert_int_equal(g->errors, 1);
            assert_int_equal(g->err_line[0], 0);
            if (!strstr(g->err[0], kinds[k].want))
                fail_msg("%zu: '%s' lacks '%s'", k, g->err[0], kinds[k].want);
        }
    }
    /* a tar: its member name is text, "ustar" at 257 says what it is */
    memset(buf, 0, sizeof buf);
    strcpy(buf, "export.jsonl");
    memcpy(buf + 257, "ustar  ", 8);
    got *g = run(buf, 4096, 0, NULL);
    assert_int_equal(g->errors, 1);
    assert_non_null(strstr(g->err[0], "looks like a tar archive"));
    /* the same tar gzipped (a .tgz named .jsonl): inflated, then judged */
    static unsigned char z[8192];
    size_t zn = gz(buf, 4096, z, sizeof z);
    g = run((const char *)z, zn, 7, NULL);
    assert_int_equal(g->n, 0);
    assert_int_equal(g->errors, 1);
    assert_non_null(strstr(g->err[0], "looks like a tar archive, not a log (inside gzip data)"));
    /* random bytes with no NUL among them */
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)((x >> 16) | 1);
    }
    g = run(buf, sizeof buf, 0, NULL);
    assert_int_equal(g->n, 0);
    assert_int_equal(g->errors, 1);
    assert_non_null(strstr(g->err[0], "binary data ("));
    assert_non_null(strstr(g->err[0], "bytes are not text"));
    /* gzip magic on bytes that are not gzip: what it looks like, and where it breaks */
    const char fake[] = "\x1f\x8b\x08\x00garbage that is no deflate stream at all\n";
    g = run(fake, sizeof fake - 1, 0, NULL);
    assert_int_equal(g->n, 0);
    assert_true(g->errors >= 1);
    assert_non_null(strstr(g->err[0], "looks like gzip data, but corrupt gzip data at byte offset "));
    assert_int_equal(g->err_line[0], 0);
}

/* NUL bytes past the start (a file with a hole): reported once with their
 * offset, dropped, and the text around them still read. */
static void nul_bytes_later_are_dropped_and_reported(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    for (int i = 0; i < 100; i++)
        ev_line(&b, i);
    size_t at = b.len;
    lw_buf_append(&b, "\0\0\0\0", 4);
    ev_line(&b, 100);
    for (size_t chunk = 0; chunk < 600; chunk += 97) {
        got *g = run(b.p, b.len, chunk, NULL);
        assert_int_equal(g->n, 101);
        assert_int_equal(g->errors, 1);
        char want[80];
        snprintf(want, sizeof want, "binary data (NUL bytes) at offset %zu: dropped", at);
        assert_string_equal(g->err[0], want);
    }
    lw_buf_free(&b);
}

/* Text that is not JSON but starts with brackets stays text, and a few
 * invalid bytes do not make a log binary. */
static void text_with_brackets_and_stray_bytes_is_text(void **st)
{
    (void)st;
    const char *s = "[INFO] starting\n{not json\n[WARN] \xff\xfe odd bytes\n\x1b[31mred\x1b[0m\n";
    got *g = run(s, strlen(s), 0, NULL);
    assert_int_equal(g->errors, 0);
    assert_int_equal(g->n, 4);
    assert_string_equal(g->msg[1], "{not json");
}

/* A pretty-printed document whose string is cut by a line break costs its
 * lines up to the cut, as one error. */
static void pretty_document_cut_in_a_string(void **st)
{
    (void)st;
    const char *s = "{\n"
                    "  \"events\": [\n"
                    "    {\"logStreamName\": \"a\", \"timestamp\": 10, \"message\": \"cut\n"
                    "{\"logStreamName\":\"s\",\"timestamp\":3,\"message\":\"kept\"}\n";
    for (size_t chunk = 0; chunk < 8; chunk++) {
        got *g = run(s, strlen(s), chunk, NULL);
        assert_int_equal(g->n, 1);
        assert_string_equal(g->msg[0], "kept");
        assert_int_equal(g->line[0], 4);
        assert_int_equal(g->errors, 1);
        assert_int_equal(g->st.damaged_lines, 3);
    }
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
        cmocka_unit_test(damaged_jsonl_cost_exactly_the_damaged_lines),
        cmocka_unit_test(runs_of_damage),
        cmocka_unit_test(pretty_document_cut_in_a_string),
        cmocka_unit_test(pretty_printed_documents_are_read),
        cmocka_unit_test(cut_pretty_document_costs_its_lines),
        cmocka_unit_test(truncated_api_page_is_reported),
        cmocka_unit_test(binary_input_is_refused),
        cmocka_unit_test(nul_bytes_later_are_dropped_and_reported),
        cmocka_unit_test(text_with_brackets_and_stray_bytes_is_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
