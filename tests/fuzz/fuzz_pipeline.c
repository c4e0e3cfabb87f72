/* pipeline: the whole chain, as `lambdaward query` runs it:
 *   decoder -> reassembler -> classifier / sensor parser -> stats +
 *   detectors -> findings stage -> sink
 * then a tick one hour after the last event, the end of input, and a
 * save of every detector's state restored into a fresh pipeline.
 *
 * Invariants checked: each finding is a JSON object in valid UTF-8 whose
 * "id" (when present) is the 32-hex-digit id handed to the sink; the
 * pipeline saw every decoded event; a detector accepts its own saved
 * state. */
#include "daemon/pipeline/pipeline.h"
#include "fuzz_common.h"
#include "parsers/decode.h"
#include "common/json.h"

typedef struct ctx {
    lw_pipeline *p;
    uint64_t events;
    int64_t last_ts;
} ctx;

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)ud;
    FUZZ_CHECK(f && id && json);
    FUZZ_CHECK(strlen(id) == LW_FINDING_ID_LEN && strspn(id, "0123456789abcdef") == LW_FINDING_ID_LEN);
    FUZZ_UTF8(json, n);
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, json, n) != LW_JSON_OK || j.tok[0].type != JSMN_OBJECT ||
        lw_json_next(&j, 0) != j.n || (size_t)j.tok[0].end != n) {
        fprintf(stderr, "pipeline: finding is not one JSON object: %.*s\n", (int)n, json);
        abort();
    }
    int t = lw_json_get(&j, 0, "id");
    if (t >= 0)
        FUZZ_CHECK(lw_json_eq(&j, t, id));
    lw_json_free(&j);
}

static void on_event(void *ud, const lw_event *ev)
{
    ctx *c = ud;
    c->events++;
    if (ev->timestamp > c->last_ts)
        c->last_ts = ev->timestamp;
    lw_pipeline_event(c->p, ev);
}

static void restore_into(void *ud, const char *detector, const char *blob, size_t n)
{
    lw_pipeline *fresh = ud;
    if (lw_pipeline_restore(fresh, detector, blob, n) != 0) {
        fprintf(stderr, "pipeline: detector %s refused its own saved state (%zu bytes)\n", detector, n);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A small dedupe window: cheap to create twice per run, and evictions
     * get exercised too. */
    lw_pipeline_opts po = {.sink = sink, .dedupe_capacity = 64};
    ctx c = {.p = lw_pipeline_new(&po)};
    lw_decoder_opts o = {.origin = "fuzz", .on_event = on_event, .ud = &c};
    lw_decoder *d = lw_decoder_new(&o);
    lw_decoder_feed(d, (const char *)data, size);
    lw_decoder_finish(d);
    FUZZ_CHECK(lw_decoder_stats(d)->events == c.events);
    lw_decoder_free(d);
    FUZZ_CHECK(lw_pipeline_counts_get(c.p)->events == c.events);

    if (c.last_ts > 0 && c.last_ts < INT64_MAX - 3600000)
        lw_pipeline_tick(c.p, c.last_ts + 3600000);
    lw_pipeline_finish(c.p);

    if (c.events) {
        lw_pipeline *fresh = lw_pipeline_new(&po);
        lw_pipeline_save(c.p, restore_into, fresh);
        lw_pipeline_free(fresh);
    }
    lw_pipeline_free(c.p);
    return 0;
}
