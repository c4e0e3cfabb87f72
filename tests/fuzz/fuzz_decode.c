/* decode: any bytes, fed in chunks whose sizes come from the input too, so
 * chunk boundaries are fuzzed along with the content.
 *
 * Input layout: byte 0 = k (low 3 bits: number of plan bytes, 0..7), then k
 * plan bytes, then the payload. Plan byte b gives a chunk of b+1 bytes when
 * b < 128 and (b-127)*997 bytes otherwise; the plan repeats. k = 0 feeds
 * the payload in one call.
 *
 * Invariants checked: every event's message is valid UTF-8 and holds no
 * pointer outside it; events, bytes and the callbacks agree with the
 * stats; line numbers start at 1 and never go backwards.
 *
 * The same payload is also decoded in one feed and, for plain (non-gzip)
 * input, the two event sequences must be identical (the header promises
 * chunks "of any size"). LW_FUZZ_DECODE_DIFF=1 extends that to gzip input,
 * where a corrupt member may resync differently depending on the chunking
 * (see tests/fuzz/crashes/decode-gzip-*); =0 turns the comparison off. */
#include "fuzz_common.h"
#include "parsers/decode.h"

typedef struct ctx {
    uint64_t events, errors;
    uint64_t last_line;
    uint64_t hash; /* of every event field, in order */
} ctx;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ u[i]) * 0x100000001b3ull;
    return h * 0x9e3779b97f4a7c15ull + n;
}

static uint64_t mix_str(uint64_t h, lw_str s) { return mix(h, s.n ? s.p : "", s.n); }

static void on_event(void *ud, const lw_event *ev)
{
    ctx *c = ud;
    c->events++;
    FUZZ_CHECK(ev->message.n == 0 || ev->message.p);
    FUZZ_UTF8(ev->message.p, ev->message.n);
    FUZZ_CHECK(ev->line >= 1 && ev->line >= c->last_line);
    FUZZ_CHECK(ev->origin && !strcmp(ev->origin, "fuzz"));
    c->last_line = ev->line;
    uint64_t h = c->hash;
    h = mix_str(h, ev->group);
    h = mix_str(h, ev->stream);
    h = mix_str(h, ev->event_id);
    h = mix_str(h, ev->message);
    h = mix(h, &ev->timestamp, sizeof ev->timestamp);
    h = mix(h, &ev->ingestion, sizeof ev->ingestion);
    c->hash = h;
}

static void on_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    ctx *c = ud;
    c->errors++;
    /* line 0: an error about the input as a whole (binary data, gzip
     * damage), placed by a byte offset in its message */
    FUZZ_CHECK(origin && msg && *msg);
    FUZZ_CHECK(line >= 1 || strstr(msg, "offset") || strstr(msg, "looks like") || strstr(msg, "binary data"));
}

static void decode(const char *p, size_t n, const uint8_t *plan, size_t k, ctx *c)
{
    memset(c, 0, sizeof *c);
    c->hash = 0xcbf29ce484222325ull;
    lw_decoder_opts o = {.origin = "fuzz", .default_group = "/aws/lambda/fuzz", .on_event = on_event,
                         .on_error = on_error, .ud = c};
    lw_decoder *d = lw_decoder_new(&o);
    size_t at = 0, step = 0;
    while (at < n) {
        size_t len = n - at;
        if (k) {
            uint8_t b = plan[step++ % k];
            size_t want = b < 128 ? (size_t)b + 1 : (size_t)(b - 127) * 997;
            if (want < len)
                len = want;
        }
        lw_decoder_feed(d, p + at, len);
        at += len;
    }
    lw_decoder_finish(d);
    const lw_decode_stats *st = lw_decoder_stats(d);
    FUZZ_CHECK(st->events == c->events);
    FUZZ_CHECK(st->errors == c->errors);
    FUZZ_CHECK(st->damaged_lines <= (uint64_t)n + 1 && (!st->damaged_lines || st->errors));
    FUZZ_CHECK(st->bytes_in == n);
    lw_decoder_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int diff = -1;
    if (diff < 0) {
        const char *e = getenv("LW_FUZZ_DECODE_DIFF");
        /* Plain input must decode the same whatever the chunking: checked by
         * default. Corrupt gzip cannot promise it (how far zlib read before
         * failing decides where the resync starts), so =1 is opt-in. */
        diff = e && (*e == '0' || *e == '1' || *e == '2') ? *e - '0' : 2;
    }
    if (size < 1)
        return 0;
    size_t k = data[0] & 7;
    if (1 + k > size)
        return 0;
    const uint8_t *plan = data + 1;
    const char *p = (const char *)data + 1 + k;
    size_t n = size - 1 - k;

    ctx chunked;
    decode(p, n, plan, k, &chunked);
    bool gz = n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
    if (diff && k && (diff == 1 || !gz)) {
        ctx whole;
        decode(p, n, NULL, 0, &whole);
        if (whole.events != chunked.events || whole.hash != chunked.hash) {
            fprintf(stderr, "decode: %llu events in one feed, %llu in chunks (same bytes)\n",
                    (unsigned long long)whole.events, (unsigned long long)chunked.events);
            abort();
        }
    }
    return 0;
}
