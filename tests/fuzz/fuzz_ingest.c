/* ingest: the Firehose handler's reading of a request body, from the bytes
 * after the headers to the records it would analyse. The first input byte
 * says whether the body is sent gzip-encoded. Invariants checked: a request
 * is either refused with a reason or every record passed; each passed
 * record decodes with exactly its logEvents' events (what was checked is
 * what is analysed, nothing half-read). The handler's statics are reached
 * by including its source; the daemon is never started. */
#include "daemon/sources/ingest.c"
#include "fuzz_common.h"

static uint64_t fuzz_events;

static void count_event(void *ud, const lw_event *ev)
{
    (void)ud;
    (void)ev;
    fuzz_events++;
}

static void check_record(ingest *g, int i)
{
    const char *p = g->plains.p + g->offs[i];
    size_t n = g->offs[i + 1] - g->offs[i];
    FUZZ_CHECK(lw_json_parse(&g->rec, p, n) == LW_JSON_OK);
    int evs = lw_json_get(&g->rec, 0, "logEvents");
    bool control = lw_json_eq(&g->rec, lw_json_get(&g->rec, 0, "messageType"), "CONTROL_MESSAGE");
    uint64_t want = control || evs < 0 ? 0 : (uint64_t)g->rec.tok[evs].size;
    lw_decoder_opts o = {.origin = "fuzz", .on_event = count_event, .ud = g};
    lw_decoder *dec = lw_decoder_new(&o);
    fuzz_events = 0;
    lw_decoder_page(dec, &g->rec);
    lw_decoder_free(dec);
    FUZZ_CHECK(fuzz_events == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static ingest g;
    if (!g.max_records) {
        lw_json_init(&g.json);
        lw_json_init(&g.rec);
        g.max_records = 64;
        g.max_record = 64 << 10;
        g.max_record_decompressed = 256 << 10;
        g.max_decompressed = 1 << 20;
    }
    lw_httpd_request r;
    memset(&r, 0, sizeof r);
    r.nheaders = data[0] & 1;
    r.header_name[0] = "content-encoding";
    r.header_value[0] = "gzip";
    r.body = (const char *)data + 1;
    r.body_len = size - 1;
    const char *rid = NULL, *why = NULL;
    char rid_body[128] = "", msg[256];
    int status = 0;
    int recs = parse_request(&g, &r, &rid, rid_body, sizeof rid_body, &status, &why);
    if (recs < 0) {
        FUZZ_CHECK(why && status >= 400);
    } else {
        FUZZ_CHECK(rid && (size_t)g.json.tok[recs].size <= g.max_records);
        if (!read_records(&g, &g.json, recs, msg, sizeof msg))
            for (int i = 0; i < g.json.tok[recs].size; i++)
                check_record(&g, i);
    }
    release_scratch(&g);
    return 0;
}
