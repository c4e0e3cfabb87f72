/* platform: Lambda platform lines, text and JSON format.
 *
 * The input is parsed as a text line (lw_platform_parse_text) and, when it
 * is a JSON object, as a JSON platform record (lw_platform_parse_json).
 * Invariants checked: every string field points inside the input (nothing
 * is allocated); numeric fields are absent (-1) or sane; type and status
 * are known values. The classifier then runs on the same message. */
#include "fuzz_common.h"
#include "parsers/classify.h"
#include "parsers/platform.h"

static void check(const lw_platform *pl, const char *s, size_t n, bool json)
{
    FUZZ_CHECK(pl->type >= LW_PL_START && pl->type <= LW_PL_RUNTIME_EXIT);
    FUZZ_CHECK(pl->status >= LW_ST_NONE && pl->status <= LW_ST_TIMEOUT);
    FUZZ_CHECK(pl->json_format == json);
    FUZZ_INSIDE(pl->request_id, s, n);
    FUZZ_INSIDE(pl->version, s, n);
    FUZZ_INSIDE(pl->error_type, s, n);
    FUZZ_INSIDE(pl->exit_reason, s, n);
    FUZZ_INSIDE(pl->phase, s, n);
    FUZZ_INSIDE(pl->trace_root, s, n);
    FUZZ_INSIDE(pl->runtime_version, s, n);
    FUZZ_INSIDE(pl->runtime_arn, s, n);
    FUZZ_CHECK(pl->memory_size_mb >= -1 && pl->memory_size_mb <= 1000000);
    FUZZ_CHECK(pl->max_memory_mb >= -1 && pl->max_memory_mb <= 1000000);
    if (!json) {
        /* Text numbers are unsigned decimals: absent is -1, never NaN. */
        FUZZ_CHECK(pl->duration_ms == -1 || pl->duration_ms >= 0);
        FUZZ_CHECK(pl->billed_ms == -1 || pl->billed_ms >= 0);
        FUZZ_CHECK(pl->init_ms == -1 || pl->init_ms >= 0);
        FUZZ_CHECK(pl->restore_ms == -1 || pl->restore_ms >= 0);
        FUZZ_CHECK(pl->timeout_s == -1 || pl->timeout_s >= 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    /* lw_platform_parse_text reads s[0]: callers (the classifier) never pass
     * an empty message. */
    if (!size)
        return 0;
    lw_platform pl;
    if (lw_platform_parse_text(s, size, &pl))
        check(&pl, s, size, false);

    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, s, size) == LW_JSON_OK && j.tok[0].type == JSMN_OBJECT) {
        if (lw_platform_parse_json(&j, 0, &pl))
            check(&pl, s, size, true);
        /* Any object in the document as the root: nested records too. */
        for (int t = 1; t < j.n; t++)
            if (j.tok[t].type == JSMN_OBJECT && lw_platform_parse_json(&j, t, &pl))
                check(&pl, s, size, true);
    }
    lw_json_free(&j);

    lw_classifier c;
    lw_classifier_init(&c);
    lw_event ev = {0};
    ev.group = lw_str_c("/aws/lambda/x");
    ev.message = (lw_str){s, size};
    lw_record rec;
    lw_classify(&c, &ev, &rec);
    FUZZ_CHECK(rec.kind >= LW_REC_TEXT && rec.kind <= LW_REC_APP + 1);
    FUZZ_CHECK(rec.ev == &ev && lw_str_eq(rec.function, "x"));
    if (rec.kind == LW_REC_PLATFORM)
        check(rec.platform, s, size, rec.platform->json_format);
    lw_classifier_free(&c);
    return 0;
}
