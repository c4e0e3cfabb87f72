/* sensor: defence-json header recognition and SensorEvent record parsing.
 *
 * The input is checked as a header line (lw_sensor_header) and parsed as
 * the object text (lw_sensor_parse); when it carries a header, the object
 * after it is parsed too, as the reassembler would hand it on.
 * Invariants checked: a header's offset points at a '{' on its first line;
 * every string of a parsed record lies either inside the input (raw
 * numbers) or inside the parser's arena (unescaped strings, which are valid
 * UTF-8): the arena must not move during one parse; blocked is -1, 0 or 1. */
#include "fuzz_common.h"
#include "parsers/sensor.h"

static void check_str(lw_str v, const lw_sensor_parser *sp, const char *s, size_t n)
{
    if (!v.n)
        return;
    if (fuzz_inside(v, sp->arena.p, sp->arena.len)) {
        FUZZ_UTF8(v.p, v.n);
        return;
    }
    FUZZ_INSIDE(v, s, n);
}

static void parse(lw_sensor_parser *sp, const char *s, size_t n)
{
    lw_sensor r;
    const char *why = lw_sensor_parse(sp, s, n, &r);
    if (why) {
        FUZZ_CHECK(*why);
        return;
    }
    FUZZ_CHECK(r.blocked >= -1 && r.blocked <= 1);
    const lw_str *f[] = {&r.rule_id,       &r.event_type,    &r.sensor_id,        &r.occurred_at,
                         &r.agent_type,    &r.agent_version, &r.function_name,    &r.function_arn,
                         &r.function_version, &r.request_id, &r.source_ip,        &r.method,
                         &r.path,          &r.query,         &r.domain,           &r.stage,
                         &r.trace_id,      &r.user_agent,    &r.payload};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        check_str(*f[i], sp, s, n);
    if (!r.occurred_at.n)
        FUZZ_CHECK(r.occurred_at_ms == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    lw_sensor_parser sp;
    lw_sensor_parser_init(&sp);
    size_t off = 0;
    if (lw_sensor_header(s, size, &off)) {
        FUZZ_CHECK(off < size && s[off] == '{');
        FUZZ_CHECK(!memchr(s, '\n', off));
        parse(&sp, s + off, size - off);
    }
    parse(&sp, s, size);
    lw_sensor_parser_free(&sp);
    return 0;
}
