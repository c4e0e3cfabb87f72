/* platform and application line parsers, text and JSON: every string they
 * return must lie inside the message. */
#include "fuzz_common.h"
#include "parsers/applog.h"
#include "parsers/classify.h"
#include "parsers/platform.h"

#define IN(f) fuzz_assert_inside((f).p, (f).n, s, size)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    if (!size)
        return 0;
    lw_platform pl;
    if (lw_platform_parse_text(s, size, &pl)) {
        IN(pl.request_id); IN(pl.version); IN(pl.error_type); IN(pl.exit_reason); IN(pl.phase); IN(pl.trace_root);
    }
    lw_app a;
    lw_app_parse_text(s, size, &a);
    IN(a.request_id); IN(a.error_type); IN(a.text);
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, s, size) == LW_JSON_OK && j.tok[0].type == JSMN_OBJECT) {
        if (lw_platform_parse_json(&j, 0, &pl)) {
            IN(pl.request_id); IN(pl.error_type); IN(pl.trace_root);
        }
        if (lw_app_parse_json(&j, 0, &a)) {
            IN(a.request_id); IN(a.error_type); IN(a.text);
        }
    }
    lw_json_free(&j);
    lw_classifier c;
    lw_classifier_init(&c);
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/x");
    ev.message = (lw_str){s, size};
    lw_record rec;
    lw_classify(&c, &ev, &rec);
    lw_classifier_free(&c);
    return 0;
}
