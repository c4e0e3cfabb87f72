/* reassembler + sensor parser: the input is a sequence of events separated
 * by NUL bytes; each piece's first byte picks the stream (of 3) and the time
 * step, so interleaving, bounds and expiry are all exercised. */
#include "fuzz_common.h"
#include "parsers/reassemble.h"
#include "parsers/sensor.h"

typedef struct ctx {
    lw_sensor_parser sp;
    uint64_t messages, records, malformed;
} ctx;

static void on_message(void *ud, const lw_event *ev)
{
    (void)ev;
    ((ctx *)ud)->messages++;
}

static void on_record(void *ud, const lw_event *hdr, const char *json, size_t n)
{
    (void)hdr;
    ctx *c = ud;
    c->records++;
    lw_sensor s;
    if (!lw_sensor_parse(&c->sp, json, n, &s)) {
        fuzz_assert_utf8(s.payload.p, s.payload.n);
        fuzz_assert_utf8(s.source_ip.p, s.source_ip.n);
    }
}

static void on_malformed(void *ud, const lw_event *hdr, const char *reason)
{
    (void)hdr;
    (void)reason;
    ((ctx *)ud)->malformed++;
}

static const char *const streams[] = {"a", "b", "c"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx c;
    memset(&c, 0, sizeof c);
    lw_sensor_parser_init(&c.sp);
    lw_reasm_limits lim = {.max_record_bytes = 512, .max_record_lines = 8, .max_record_age_ms = 1000,
                           .max_open_records = 2, .max_total_bytes = 1024};
    lw_reasm_cb cb = {on_message, on_record, on_malformed, &c};
    lw_reasm *r = lw_reasm_new(&lim, &cb);
    int64_t ts = 1;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        const char *e = z ? z : end;
        if (e > p) {
            unsigned char sel = (unsigned char)*p;
            ts += (sel >> 2) * 37;
            lw_event ev = {0};
            ev.group = lw_str_c("/aws/lambda/f");
            ev.stream = lw_str_c(streams[sel % 3]);
            ev.timestamp = ts;
            ev.message = (lw_str){p + 1, (size_t)(e - p - 1)};
            lw_reasm_feed(r, &ev);
            if (sel == 0xff)
                lw_reasm_expire(r, ts);
        }
        p = e + 1;
    }
    lw_reasm_flush(r);
    const lw_reasm_stats *st = lw_reasm_stats_get(r);
    if (st->open_bytes != 0 || st->open_records != 0 || st->malformed != c.malformed || st->records != c.records)
        abort();
    lw_reasm_free(r);
    lw_sensor_parser_free(&c.sp);
    return 0;
}
