/* reassemble: sensor records split over log events, interleaved across
 * streams, with limits small enough that every bound is hit.
 *
 * Input: events separated by NUL bytes. The first byte of each piece is a
 * selector, the rest is the message:
 *   sel % 3         stream "a", "b" or "c" (one log group)
 *   (sel / 3) % 8   time step: 0, 1, 10, 100, 500, 999, 1001, 5000 ms
 *   sel >= 0xf0     call lw_reasm_expire(now) after the event
 *   sel == 0xef     the event has no timestamp (0 = unknown)
 *
 * Invariants checked (H = header events fed, E = events fed):
 *   - every header ends as exactly one record or one malformed report:
 *     records + malformed == H, and the stats match the callbacks;
 *   - replayed lines are counted, and the lines swallowed by completed
 *     records fit them: split_records <= E - H - direct - replayed <=
 *     split_records * max_record_lines;
 *   - after each event the global bounds hold (open records, open bytes),
 *     and lw_reasm_has_open agrees with lw_reasm_open_count;
 *   - a record is one JSON object text ({ ... }); replayed lines are
 *     byte-identical to lines that were fed;
 *   - after the flush nothing is open and open_bytes is back to 0. */
#include "fuzz_common.h"
#include "parsers/reassemble.h"
#include "parsers/sensor.h"

#define MAX_LINES 8
#define MAX_OPEN 2
#define MAX_TOTAL 1024
#define MAX_RECORD 512

static const char *const streams[] = {"a", "b", "c"};
static const int64_t steps[] = {0, 1, 10, 100, 500, 999, 1001, 5000};

typedef struct ctx {
    lw_sensor_parser sp;
    const lw_event *current; /* the event being fed: direct pass-through */
    const char *in;          /* the whole input, for replayed lines */
    size_t in_n;
    uint64_t direct, replayed, records, malformed;
} ctx;

static void on_message(void *ud, const lw_event *ev)
{
    ctx *c = ud;
    FUZZ_CHECK(ev->message.n == 0 || ev->message.p);
    if (ev == c->current) {
        c->direct++;
        return;
    }
    /* A replayed line: a copy of a message we fed earlier (the piece after
     * its selector byte, which is never NUL). */
    c->replayed++;
    FUZZ_CHECK(ev->message.n < c->in_n);
    FUZZ_CHECK(!memchr(ev->message.p, '\0', ev->message.n));
    if (c->in_n > 16384)
        return; /* the search below is quadratic */
    bool found = false;
    const char *p = c->in, *end = c->in + c->in_n;
    while (p < end && !found) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        const char *e = z ? z : end;
        if (e > p && (size_t)(e - p - 1) == ev->message.n && !memcmp(p + 1, ev->message.p, ev->message.n))
            found = true;
        p = e + 1;
    }
    FUZZ_CHECK(found);
}

static void on_record(void *ud, const lw_event *hdr, const char *json, size_t n)
{
    ctx *c = ud;
    c->records++;
    FUZZ_CHECK(hdr && n >= 2 && json[0] == '{' && json[n - 1] == '}');
    /* The header event (for a split record: its copy, whose message is the
     * header line up to the brace) keeps its group and stream. */
    FUZZ_CHECK(lw_str_eq(hdr->group, "/aws/lambda/f") && hdr->stream.n == 1);
    FUZZ_CHECK(memmem(hdr->message.p, hdr->message.n, "SensorEvent:", 12));
    lw_sensor s;
    if (!lw_sensor_parse(&c->sp, json, n, &s)) {
        FUZZ_UTF8(s.payload.p, s.payload.n);
        FUZZ_UTF8(s.source_ip.p, s.source_ip.n);
        FUZZ_CHECK(s.blocked >= -1 && s.blocked <= 1);
    }
}

static void on_malformed(void *ud, const lw_event *hdr, const char *reason)
{
    ctx *c = ud;
    c->malformed++;
    FUZZ_CHECK(hdr && reason && *reason);
    FUZZ_CHECK(lw_str_eq(hdr->group, "/aws/lambda/f") && hdr->stream.n == 1);
}

static void check_open(lw_reasm *r, const lw_event *ev)
{
    const lw_reasm_stats *st = lw_reasm_stats_get(r);
    size_t open = lw_reasm_open_count(r);
    FUZZ_CHECK(st->open_records == open);
    FUZZ_CHECK(open <= MAX_OPEN);
    FUZZ_CHECK(st->open_bytes <= MAX_TOTAL);
    FUZZ_CHECK(open > 0 || st->open_bytes == 0);
    size_t has = 0;
    for (int i = 0; i < 3; i++)
        has += lw_reasm_has_open(r, ev->group, lw_str_c(streams[i]));
    FUZZ_CHECK(has == open);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.in = (const char *)data;
    c.in_n = size;
    lw_sensor_parser_init(&c.sp);
    lw_reasm_limits lim = {.max_record_bytes = MAX_RECORD, .max_record_lines = MAX_LINES,
                           .max_record_age_ms = 1000, .max_open_records = MAX_OPEN,
                           .max_total_bytes = MAX_TOTAL};
    lw_reasm_cb cb = {on_message, on_record, on_malformed, &c};
    lw_reasm *r = lw_reasm_new(&lim, &cb);

    uint64_t fed = 0, headers = 0;
    int64_t ts = 1772979800000;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        const char *e = z ? z : end;
        if (e > p) {
            unsigned sel = (unsigned char)*p;
            ts += steps[(sel / 3) % 8];
            lw_event ev = {0};
            ev.group = lw_str_c("/aws/lambda/f");
            ev.stream = lw_str_c(streams[sel % 3]);
            ev.timestamp = sel == 0xef ? 0 : ts;
            ev.message = (lw_str){p + 1, (size_t)(e - p - 1)};
            ev.origin = "fuzz";
            ev.line = fed + 1;
            size_t off;
            headers += lw_sensor_header(ev.message.p, ev.message.n, &off);
            fed++;
            c.current = &ev;
            lw_reasm_feed(r, &ev);
            c.current = NULL;
            if (sel >= 0xf0)
                lw_reasm_expire(r, ts);
            check_open(r, &ev);
        }
        p = e + 1;
    }
    lw_reasm_flush(r);

    const lw_reasm_stats *st = lw_reasm_stats_get(r);
    FUZZ_CHECK(st->open_records == 0 && st->open_bytes == 0 && lw_reasm_open_count(r) == 0);
    FUZZ_CHECK(st->records == c.records && st->malformed == c.malformed);
    FUZZ_CHECK(st->replayed_lines == c.replayed);
    FUZZ_CHECK(st->records + st->malformed == headers);
    FUZZ_CHECK(st->split_records <= st->records);
    FUZZ_CHECK(fed >= headers + c.direct + c.replayed);
    uint64_t swallowed = fed - headers - c.direct - c.replayed; /* lines of completed records */
    FUZZ_CHECK(swallowed >= st->split_records && swallowed <= st->split_records * MAX_LINES);
    lw_reasm_free(r);
    lw_sensor_parser_free(&c.sp);
    return 0;
}
