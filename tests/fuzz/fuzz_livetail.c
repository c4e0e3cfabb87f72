/* livetail: a Live Tail session built from the input, through the real
 * frame encoder and decoder, into the parser and on to the event decoder.
 *
 * Input layout: records separated by NUL bytes; each record's first byte
 * picks the message (low 3 bits: initial-response, sessionStart,
 * sessionUpdate, SessionTimeoutException, SessionStreamingException, an
 * error message, an unknown event type, an unknown message type) and the
 * rest is its payload. An input starting with 'E' is an answer to the
 * request instead: byte 1 * 3 is the HTTP status (0 = transport failure)
 * and the rest the body, for lw_lt_start_error.
 *
 * Invariants: every result's strings are NUL-terminated and valid until
 * the next call; an END is final; UPDATE carries its parsed payload and
 * the decoder emits no more events than it has results, all valid UTF-8;
 * the parser's counters agree with the results seen. */
#include "aws/livetail.h"
#include "fuzz_common.h"
#include "parsers/decode.h"

typedef struct ctx {
    lw_lt_parser p;
    lw_decoder *dec;
    uint64_t events, updates, results, sampled;
    bool ended;
} ctx;

static void on_event(void *ud, const lw_event *ev)
{
    ctx *c = ud;
    c->events++;
    FUZZ_UTF8(ev->message.p, ev->message.n);
    FUZZ_CHECK(ev->group.n == 0 || ev->group.p);
    FUZZ_CHECK(ev->stream.n == 0 || ev->stream.p);
}

static void check_str(const char *s)
{
    FUZZ_CHECK(s);
    (void)strlen(s);
}

static bool on_message(void *ud, const lw_es_message *m)
{
    ctx *c = ud;
    lw_lt_result r;
    lw_lt_parse(&c->p, m, &r);
    FUZZ_CHECK(r.kind >= LW_LT_INITIAL && r.kind <= LW_LT_IGNORED);
    if (c->ended)
        FUZZ_CHECK(r.kind == LW_LT_END);
    switch (r.kind) {
    case LW_LT_START:
        check_str(r.session_id);
        check_str(r.request_id);
        FUZZ_CHECK(r.ngroups >= 0 && r.ngroups <= LW_LT_MAX_GROUPS);
        for (int i = 0; i < r.ngroups; i++)
            check_str(r.groups[i]);
        break;
    case LW_LT_UPDATE: {
        FUZZ_CHECK(r.nresults >= 0 && (r.update || r.nresults == 0));
        uint64_t before = c->events;
        if (r.update)
            lw_decoder_page(c->dec, r.update);
        FUZZ_CHECK(c->events - before <= (uint64_t)r.nresults);
        c->updates++;
        c->results += (uint64_t)r.nresults;
        c->sampled += r.sampled;
        break;
    }
    case LW_LT_END:
        check_str(r.end.type);
        check_str(r.end.message);
        FUZZ_CHECK(r.end.next >= LW_LT_RESTART && r.end.next <= LW_LT_GIVE_UP);
        c->ended = true;
        break;
    default:
        FUZZ_CHECK(!r.sampled && !r.update);
        break;
    }
    return true;
}

static const char *const names[][2] = {
    {"event", "initial-response"},   {"event", "sessionStart"},
    {"event", "sessionUpdate"},      {"exception", "SessionTimeoutException"},
    {"exception", "SessionStreamingException"}, {"error", "InternalFailure"},
    {"event", "sessionFuture"},      {"weird", "sessionUpdate"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 2 && data[0] == 'E') {
        lw_buf text = LW_BUF_INIT;
        lw_lt_result r;
        lw_lt_start_error(data[1] * 3, (const char *)data + 2, size - 2, "transport", &text, &r);
        FUZZ_CHECK(r.kind == LW_LT_END);
        check_str(r.end.type);
        check_str(r.end.message);
        FUZZ_CHECK(r.end.next >= LW_LT_RESTART && r.end.next <= LW_LT_GIVE_UP);
        lw_buf_free(&text);
        return 0;
    }
    ctx c;
    memset(&c, 0, sizeof c);
    lw_lt_parser_init(&c.p);
    lw_decoder_opts o = {.origin = "fuzz", .on_event = on_event, .ud = &c};
    c.dec = lw_decoder_new(&o);
    lw_buf frames = LW_BUF_INIT;
    for (size_t at = 0; at < size;) {
        const uint8_t *end = memchr(data + at, 0, size - at);
        size_t n = end ? (size_t)(end - (data + at)) : size - at;
        if (n) {
            const char *const *pick = names[data[at] & 7];
            const char *hdr = !strcmp(pick[0], "exception") ? ":exception-type"
                              : !strcmp(pick[0], "error") ? ":error-code" : ":event-type";
            const char *h[] = {":message-type", pick[0], hdr, pick[1], ":content-type", "application/json"};
            lw_es_encode(&frames, h, 3, data + at + 1, n - 1);
        }
        at += n + 1;
    }
    lw_es_decoder d;
    lw_es_init(&d, 0, on_message, &c);
    FUZZ_CHECK(lw_es_feed(&d, frames.p ? frames.p : "", frames.len) == LW_ES_OK);
    FUZZ_CHECK(lw_es_finish(&d) == LW_ES_OK);
    FUZZ_CHECK(c.p.st.updates == c.updates && c.p.st.results == c.results && c.p.st.sampled_updates == c.sampled);
    FUZZ_CHECK(c.p.st.messages == d.messages);
    FUZZ_CHECK(lw_decoder_stats(c.dec)->events == c.events);
    lw_es_free(&d);
    lw_buf_free(&frames);
    lw_decoder_free(c.dec);
    lw_lt_parser_free(&c.p);
    return 0;
}
