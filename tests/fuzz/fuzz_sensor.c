/* sensor header recognition and record parsing. */
#include "fuzz_common.h"
#include "parsers/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t off;
    if (lw_sensor_header(s, size, &off) && (off >= size || s[off] != '{'))
        abort();
    lw_sensor_parser sp;
    lw_sensor_parser_init(&sp);
    lw_sensor rec;
    if (!lw_sensor_parse(&sp, s, size, &rec)) {
        fuzz_assert_utf8(rec.payload.p, rec.payload.n);
        fuzz_assert_utf8(rec.path.p, rec.path.n);
        fuzz_assert_utf8(rec.function_name.p, rec.function_name.n);
        if (rec.blocked < -1 || rec.blocked > 1)
            abort();
    }
    lw_sensor_parser_free(&sp);
    return 0;
}
