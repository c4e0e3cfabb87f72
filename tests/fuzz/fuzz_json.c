/* jsmn wrapper: tokenizing, walking, primitives, unescaping. */
#include "fuzz_common.h"
#include "parsers/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, s, size) == LW_JSON_OK) {
        for (int t = 0; t < j.n; t++) {
            double d;
            int64_t i;
            lw_json_num(&j, t, &d);
            lw_json_int(&j, t, &i);
            lw_json_bool(&j, t);
            if (lw_json_next(&j, t) > j.n)
                abort();
            if (j.tok[t].type == JSMN_OBJECT)
                lw_json_get(&j, t, "message");
            if (j.tok[t].type == JSMN_STRING) {
                lw_buf b = LW_BUF_INIT;
                lw_json_str(&j, t, &b);
                fuzz_assert_utf8(b.p, b.len);
                lw_buf_free(&b);
            }
        }
    }
    lw_json_free(&j);
    lw_buf b = LW_BUF_INIT;
    lw_json_unescape(s, size, &b);
    fuzz_assert_utf8(b.p, b.len);
    lw_buf_reset(&b);
    lw_jw_str(&b, s, size);
    fuzz_assert_utf8(b.p, b.len);
    lw_buf_free(&b);
    return 0;
}
