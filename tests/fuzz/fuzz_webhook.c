/* Slack formatting of arbitrary finding JSON: always valid JSON out. */
#include "daemon/webhook_format.h"
#include "fuzz_common.h"
#include "parsers/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_buf b = LW_BUF_INIT;
    if (lw_webhook_body(LW_WEBHOOK_SLACK, (const char *)data, size, &b) == 0) {
        fuzz_assert_utf8(b.p, b.len);
        lw_json j;
        lw_json_init(&j);
        if (lw_json_parse(&j, b.p, b.len) != LW_JSON_OK)
            abort();
        lw_json_free(&j);
    }
    lw_buf_free(&b);
    return 0;
}
