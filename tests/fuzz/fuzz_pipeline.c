/* The whole chain: decoder -> pipeline (all detectors) -> findings, each of
 * which must be a valid JSON object in valid UTF-8. */
#include "daemon/pipeline.h"
#include "fuzz_common.h"
#include "parsers/decode.h"
#include "parsers/json.h"

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)ud;
    (void)f;
    (void)id;
    fuzz_assert_utf8(json, n);
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, json, n) != LW_JSON_OK || j.tok[0].type != JSMN_OBJECT)
        abort();
    lw_json_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_pipeline_opts po = {.sink = sink};
    lw_pipeline *p = lw_pipeline_new(&po);
    lw_decoder_opts o = {.origin = "fuzz", .on_event = lw_pipeline_event_cb, .ud = p};
    lw_decoder *d = lw_decoder_new(&o);
    lw_decoder_feed(d, (const char *)data, size);
    lw_decoder_finish(d);
    lw_decoder_free(d);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    return 0;
}
