/* applog: application log lines, text (Node, Python) and JSON format.
 *
 * Invariants checked: every string field points inside the input; the level
 * is a known value (and set whenever a text line is recognised); the OOM
 * flag agrees with lw_app_is_oom; an unhandled error has an error type or a
 * text. */
#include "fuzz_common.h"
#include "parsers/applog.h"

static void check(const lw_app *a, const char *s, size_t n)
{
    FUZZ_CHECK(a->level >= LW_LVL_NONE && a->level <= LW_LVL_FATAL);
    FUZZ_INSIDE(a->request_id, s, n);
    FUZZ_INSIDE(a->error_type, s, n);
    FUZZ_INSIDE(a->text, s, n);
    if (a->oom)
        FUZZ_CHECK(lw_app_is_oom(s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    lw_app a;
    bool ok = lw_app_parse_text(s, size, &a);
    check(&a, s, size);
    FUZZ_CHECK(!a.json_format);
    if (ok)
        FUZZ_CHECK(a.level != LW_LVL_NONE);
    else
        FUZZ_CHECK(a.oom == lw_app_is_oom(s, size) && !a.request_id.n && !a.text.n);

    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, s, size) == LW_JSON_OK) {
        for (int t = 0; t < j.n; t++) {
            if (j.tok[t].type != JSMN_OBJECT)
                continue;
            if (lw_app_parse_json(&j, t, &a)) {
                check(&a, s, size);
                FUZZ_CHECK(a.json_format);
            }
        }
    }
    lw_json_free(&j);
    return 0;
}
