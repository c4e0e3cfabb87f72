/* webhook_format: the Slack body built from arbitrary finding JSON.
 * Invariants checked: whenever the input parses, the body is valid UTF-8
 * and one valid JSON object. */
#include "daemon/sinks/webhook_format.h"
#include "fuzz_common.h"
#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_buf b = LW_BUF_INIT;
    if (lw_webhook_body(LW_WEBHOOK_SLACK, (const char *)data, size, &b) == 0) {
        FUZZ_UTF8(b.p, b.len);
        lw_json j;
        lw_json_init(&j);
        FUZZ_CHECK(lw_json_parse(&j, b.p, b.len) == LW_JSON_OK && j.tok[0].type == JSMN_OBJECT &&
                   (size_t)j.tok[0].end == b.len);
        lw_json_free(&j);
    }
    lw_buf_free(&b);
    return 0;
}
