/* livetail: the StartLiveTail request (body, endpoint), the typed results
 * of a session's messages, errors at start, and the events of a
 * sessionUpdate reaching lw_events through the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/livetail.h"
#include "parsers/decode.h"

static void test_request_body(void **st)
{
    (void)st;
    const char *g[] = {"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/a",
                       "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/\"b\""};
    char err[200] = "";
    lw_buf b = LW_BUF_INIT;
    lw_lt_request r = {.groups = g, .ngroups = 2};
    assert_int_equal(lw_lt_request_body(&r, &b, err, sizeof err), 0);
    assert_string_equal(b.p, "{\"logGroupIdentifiers\":[\"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/a\","
                             "\"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/\\\"b\\\"\"]}");
    lw_buf_reset(&b);
    const char *streams[] = {"2026/12/03/[$LATEST]abc"};
    r = (lw_lt_request){.groups = g, .ngroups = 1, .streams = streams, .nstreams = 1, .filter_pattern = "ERROR"};
    assert_int_equal(lw_lt_request_body(&r, &b, err, sizeof err), 0);
    assert_string_equal(b.p, "{\"logGroupIdentifiers\":[\"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/a\"],"
                             "\"logStreamNames\":[\"2026/12/03/[$LATEST]abc\"],\"logEventFilterPattern\":\"ERROR\"}");
    lw_buf_reset(&b);
    r = (lw_lt_request){.groups = g, .ngroups = 1, .stream_prefixes = streams, .nprefixes = 1};
    assert_int_equal(lw_lt_request_body(&r, &b, err, sizeof err), 0);
    assert_non_null(strstr(b.p, ",\"logStreamNamePrefixes\":[\"2026/12/03/[$LATEST]abc\"]}"));

    /* The model's constraints, refused before anything is sent. */
    const char *eleven[11], *star[] = {"arn:aws:logs:eu-west-1:123456789012:log-group:x:*"};
    for (int i = 0; i < 11; i++)
        eleven[i] = g[0];
    struct {
        lw_lt_request r;
        const char *why;
    } bad[] = {
        {{.groups = g, .ngroups = 0}, "at least one log group"},
        {{.groups = eleven, .ngroups = 11}, "at most 10 log groups, not 11"},
        {{.groups = star, .ngroups = 1}, "ends with '*'"},
        {{.groups = g, .ngroups = 2, .streams = streams, .nstreams = 1}, "exactly one log group"},
        {{.groups = g, .ngroups = 1, .streams = streams, .nstreams = 1, .stream_prefixes = streams, .nprefixes = 1},
         "exclude each other"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lw_buf_reset(&b);
        assert_int_equal(lw_lt_request_body(&bad[i].r, &b, err, sizeof err), -1);
        assert_int_equal(b.len, 0);
        if (!strstr(err, bad[i].why))
            fail_msg("\"%s\" does not say \"%s\"", err, bad[i].why);
    }
    lw_buf_free(&b);
}

static void test_endpoint(void **st)
{
    (void)st;
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
    char u[256];
    lw_lt_endpoint(NULL, "eu-west-1", u, sizeof u);
    assert_string_equal(u, "https://stream-logs.eu-west-1.amazonaws.com");
    lw_lt_endpoint("http://127.0.0.1:4566/", "eu-west-1", u, sizeof u);
    assert_string_equal(u, "http://127.0.0.1:4566"); /* as given: no prefix */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    lw_lt_endpoint(NULL, "eu-west-1", u, sizeof u);
    assert_string_equal(u, "http://127.0.0.1:1");
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://vpce-1.logs.eu-west-1.vpce.amazonaws.com", 1);
    lw_lt_endpoint(NULL, "eu-west-1", u, sizeof u);
    assert_string_equal(u, "https://vpce-1.logs.eu-west-1.vpce.amazonaws.com");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
}

/* Encodes a message with the headers botocore's parser reads, decodes it
 * and hands it to the Live Tail parser. */
typedef struct session {
    lw_lt_parser p;
    lw_lt_result last;
    lw_decoder *dec;
    int events;
    lw_buf seen;   /* "group|stream|ts|ingestion|message\n" per event */
} session;

static bool on_msg(void *ud, const lw_es_message *m)
{
    session *s = ud;
    lw_lt_parse(&s->p, m, &s->last);
    if (s->last.kind == LW_LT_UPDATE && s->last.update)
        lw_decoder_page(s->dec, s->last.update);
    return true;
}

static void on_event(void *ud, const lw_event *ev)
{
    session *s = ud;
    s->events++;
    lw_buf_printf(&s->seen, "%.*s|%.*s|%lld|%lld|%.*s\n", (int)ev->group.n, ev->group.p, (int)ev->stream.n,
                  ev->stream.p, (long long)ev->timestamp, (long long)ev->ingestion, (int)ev->message.n, ev->message.p);
}

static void send(session *s, const char *mtype, const char *name_hdr, const char *name, const char *payload)
{
    const char *h[] = {":message-type", mtype, name_hdr, name, ":content-type", "application/json"};
    lw_buf f = LW_BUF_INIT;
    lw_es_encode(&f, h, 3, payload, strlen(payload));
    lw_es_decoder d;
    lw_es_init(&d, 0, on_msg, s);
    /* two chunks, as a network would split it */
    assert_int_equal(lw_es_feed(&d, f.p, f.len / 2), LW_ES_OK);
    assert_int_equal(lw_es_feed(&d, f.p + f.len / 2, f.len - f.len / 2), LW_ES_OK);
    assert_int_equal(lw_es_finish(&d), LW_ES_OK);
    lw_es_free(&d);
    lw_buf_free(&f);
}

static void session_init(session *s)
{
    memset(s, 0, sizeof *s);
    lw_lt_parser_init(&s->p);
    lw_decoder_opts o = {.origin = "livetail", .on_event = on_event, .ud = s};
    s->dec = lw_decoder_new(&o);
}

static void session_free(session *s)
{
    lw_lt_parser_free(&s->p);
    lw_decoder_free(s->dec);
    lw_buf_free(&s->seen);
}

static void test_session(void **st)
{
    (void)st;
    session s;
    session_init(&s);
    send(&s, "event", ":event-type", "initial-response", "{}");
    assert_int_equal(s.last.kind, LW_LT_INITIAL);
    send(&s, "event", ":event-type", "sessionStart",
         "{\"requestId\":\"r-1\",\"sessionId\":\"s-1\",\"logGroupIdentifiers\":"
         "[\"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/a\",\"123456789012:/aws/lambda/b\"]}");
    assert_int_equal(s.last.kind, LW_LT_START);
    assert_string_equal(s.last.session_id, "s-1");
    assert_string_equal(s.last.request_id, "r-1");
    assert_int_equal(s.last.ngroups, 2);
    assert_string_equal(s.last.groups[1], "123456789012:/aws/lambda/b");
    /* Empty updates come every second. */
    send(&s, "event", ":event-type", "sessionUpdate", "{\"sessionMetadata\":{\"sampled\":false},\"sessionResults\":[]}");
    assert_int_equal(s.last.kind, LW_LT_UPDATE);
    assert_false(s.last.sampled);
    assert_int_equal(s.last.nresults, 0);
    send(&s, "event", ":event-type", "sessionUpdate",
         "{\"sessionMetadata\":{\"sampled\":true},\"sessionResults\":["
         "{\"logStreamName\":\"st1\",\"logGroupIdentifier\":\"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/a\","
         "\"message\":\"START RequestId: 1\\tVersion: $LATEST\\n\",\"timestamp\":1764760000000,\"ingestionTime\":1764760000123},"
         "{\"logStreamName\":\"st2\",\"logGroupIdentifier\":\"123456789012:/aws/lambda/b\","
         "\"message\":\"caf\\u00e9\",\"timestamp\":1764760000001,\"ingestionTime\":1764760000200},"
         "{\"logStreamName\":\"st3\",\"logGroupIdentifier\":\"/aws/lambda/c\",\"message\":\"m\",\"timestamp\":2,"
         "\"ingestionTime\":3},"
         "{\"logStreamName\":\"st4\",\"logGroupIdentifier\":\"arn:aws:logs:eu-west-1:123456789012:log-group:d:*\","
         "\"message\":\"n\",\"timestamp\":4,\"ingestionTime\":5}]}");
    assert_int_equal(s.last.kind, LW_LT_UPDATE);
    assert_true(s.last.sampled);
    assert_int_equal(s.last.nresults, 4);
    assert_int_equal(s.events, 4);
    assert_string_equal(s.seen.p, "/aws/lambda/a|st1|1764760000000|1764760000123|START RequestId: 1\tVersion: $LATEST\n\n"
                                  "/aws/lambda/b|st2|1764760000001|1764760000200|caf\xc3\xa9\n"
                                  "/aws/lambda/c|st3|2|3|m\n"
                                  "d|st4|4|5|n\n");
    /* sessionResults is optional: such an update holds nothing, and the
     * decoder must not take the document for a text message. An update is
     * read as one even when it also has an "events" member. */
    send(&s, "event", ":event-type", "sessionUpdate", "{\"sessionMetadata\":{\"sampled\":false}}");
    assert_int_equal(s.last.kind, LW_LT_UPDATE);
    assert_null(s.last.update);
    assert_int_equal(s.last.nresults, 0);
    send(&s, "event", ":event-type", "sessionUpdate",
         "{\"events\":[{\"message\":\"x\",\"timestamp\":1}],\"sessionResults\":[]}");
    assert_int_equal(s.events, 4);
    assert_int_equal(s.p.st.updates, 4);
    assert_int_equal(s.p.st.sampled_updates, 1);
    assert_int_equal(s.p.st.results, 4);
    /* A newer model's event: skipped, the session goes on. */
    send(&s, "event", ":event-type", "sessionHeartbeat", "{}");
    assert_int_equal(s.last.kind, LW_LT_IGNORED);
    /* The 3-hour limit. */
    send(&s, "exception", ":exception-type", "SessionTimeoutException",
         "{\"message\":\"Session timed out after 3 hours\"}");
    assert_int_equal(s.last.kind, LW_LT_END);
    assert_string_equal(s.last.end.type, "SessionTimeoutException");
    assert_string_equal(s.last.end.message, "Session timed out after 3 hours");
    assert_int_equal(s.last.end.next, LW_LT_RESTART);
    assert_false(s.last.end.protocol);
    /* Nothing after the end counts. */
    send(&s, "event", ":event-type", "sessionUpdate", "{\"sessionResults\":[]}");
    assert_int_equal(s.last.kind, LW_LT_END);
    assert_true(s.last.end.protocol);
    assert_int_equal(s.p.st.updates, 4);
    session_free(&s);
}

static void test_ends(void **st)
{
    (void)st;
    struct {
        const char *mtype, *hdr, *name, *payload;
        const char *type, *msg;
        lw_lt_next next;
        bool protocol;
    } cases[] = {
        {"exception", ":exception-type", "SessionStreamingException", "{\"message\":\"internal\"}",
         "SessionStreamingException", "internal", LW_LT_BACKOFF, false},
        {"exception", ":exception-type", "AccessDeniedException", "{\"Message\":\"no\"}", "AccessDeniedException",
         "no", LW_LT_GIVE_UP, false},
        {"exception", ":exception-type", "SessionTimeoutException", "not json", "SessionTimeoutException", "",
         LW_LT_RESTART, false},
        {"error", ":error-code", "InternalFailure", "", "InternalFailure", "", LW_LT_BACKOFF, false},
        {"event", ":event-type", "sessionUpdate", "[1]", "", "the sessionUpdate payload is not a JSON object",
         LW_LT_BACKOFF, true},
        {"event", ":event-type", "sessionUpdate", "{\"sessionResults\":{}}", "", "sessionResults is not an array",
         LW_LT_BACKOFF, true},
        {"surprise", ":event-type", "sessionUpdate", "{}", "", "unknown :message-type \"surprise\"", LW_LT_BACKOFF,
         true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        session s;
        session_init(&s);
        send(&s, "event", ":event-type", "initial-response", "{}");
        send(&s, cases[i].mtype, cases[i].hdr, cases[i].name, cases[i].payload);
        assert_int_equal(s.last.kind, LW_LT_END);
        assert_string_equal(s.last.end.type, cases[i].type);
        if (!strstr(s.last.end.message, cases[i].msg))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, s.last.end.message, cases[i].msg);
        assert_int_equal(s.last.end.next, cases[i].next);
        assert_int_equal(s.last.end.protocol, cases[i].protocol);
        session_free(&s);
    }
    /* The :error-message of an error message. */
    session s;
    session_init(&s);
    send(&s, "event", ":event-type", "initial-response", "{}");
    const char *h[] = {":message-type", "error", ":error-code", "ThrottlingException", ":error-message", "Rate exceeded"};
    lw_buf f = LW_BUF_INIT;
    lw_es_encode(&f, h, 3, "", 0);
    lw_es_decoder d;
    lw_es_init(&d, 0, on_msg, &s);
    assert_int_equal(lw_es_feed(&d, f.p, f.len), LW_ES_OK);
    assert_string_equal(s.last.end.type, "ThrottlingException");
    assert_string_equal(s.last.end.message, "Rate exceeded");
    assert_int_equal(s.last.end.next, LW_LT_BACKOFF);
    lw_es_free(&d);
    lw_buf_free(&f);
    session_free(&s);
    /* botocore refuses a stream whose first event is not initial-response. */
    session_init(&s);
    send(&s, "event", ":event-type", "sessionStart", "{}");
    assert_int_equal(s.last.kind, LW_LT_END);
    assert_true(s.last.end.protocol);
    assert_non_null(strstr(s.last.end.message, "the first event is \"sessionStart\", not initial-response"));
    session_free(&s);
    /* A cut connection. */
    session_init(&s);
    lw_lt_stream_cut(&s.p, "event stream frame at byte 99: truncated frame", &s.last);
    assert_int_equal(s.last.kind, LW_LT_END);
    assert_int_equal(s.last.end.next, LW_LT_BACKOFF);
    assert_string_equal(s.last.end.message,
                        "the stream ended without an exception: event stream frame at byte 99: truncated frame");
    session_free(&s);
}

static void test_start_errors(void **st)
{
    (void)st;
    struct {
        int status;
        const char *body, *transport;
        const char *type, *msg;
        lw_lt_next next;
    } cases[] = {
        {400, "{\"__type\":\"com.amazonaws.logs#AccessDeniedException\",\"message\":\"User is not authorized\"}", NULL,
         "AccessDeniedException", "User is not authorized", LW_LT_GIVE_UP},
        {400, "{\"__type\":\"InvalidParameterException\",\"message\":\"bad ARN\"}", NULL, "InvalidParameterException",
         "bad ARN", LW_LT_GIVE_UP},
        {400, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"The specified log group does not exist.\"}",
         NULL, "ResourceNotFoundException", "The specified log group does not exist.", LW_LT_GIVE_UP},
        {400, "{\"__type\":\"InvalidOperationException\",\"message\":\"x\"}", NULL, "InvalidOperationException", "x",
         LW_LT_GIVE_UP},
        {400, "{\"__type\":\"LimitExceededException\",\"message\":\"too many sessions\"}", NULL,
         "LimitExceededException", "too many sessions", LW_LT_BACKOFF},
        {400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", NULL, "ThrottlingException",
         "Rate exceeded", LW_LT_BACKOFF},
        {400, "{\"__type\":\"ExpiredTokenException\",\"message\":\"expired\"}", NULL, "ExpiredTokenException",
         "expired", LW_LT_BACKOFF},
        {503, "{\"__type\":\"ServiceUnavailableException\"}", NULL, "ServiceUnavailableException", "", LW_LT_BACKOFF},
        {403, "<html>proxy says no</html>", NULL, "", "HTTP 403", LW_LT_BACKOFF},
        {0, NULL, "Connection refused", "", "Connection refused", LW_LT_BACKOFF},
    };
    lw_buf text = LW_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lw_lt_result r;
        lw_lt_start_error(cases[i].status, cases[i].body, cases[i].body ? strlen(cases[i].body) : 0,
                          cases[i].transport, &text, &r);
        assert_int_equal(r.kind, LW_LT_END);
        assert_string_equal(r.end.type, cases[i].type);
        assert_string_equal(r.end.message, cases[i].msg);
        assert_int_equal(r.end.next, cases[i].next);
        assert_false(r.end.protocol);
    }
    lw_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_body), cmocka_unit_test(test_endpoint),     cmocka_unit_test(test_session),
        cmocka_unit_test(test_ends),         cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
