/* findings: see findings.h. */
#include "detectors/findings.h"

#include <stdlib.h>

#include "common/idset.h"
#include "common/map.h"

struct lw_findings {
    lw_finding_sink sink;
    void *ud;
    lw_idset seen;
    lw_buf json;
};

lw_findings *lw_findings_new(size_t cap, lw_finding_sink sink, void *ud)
{
    lw_findings *fs = lw_xcalloc(1, sizeof *fs);
    fs->sink = sink;
    fs->ud = ud;
    lw_idset_init(&fs->seen, cap);
    return fs;
}

void lw_findings_free(lw_findings *fs)
{
    if (!fs)
        return;
    lw_idset_free(&fs->seen);
    lw_buf_free(&fs->json);
    free(fs);
}

uint64_t lw_finding_id_hash(const char *id) { return lw_hash64(id, LW_FINDING_ID_LEN) | 1; }

void lw_findings_emit(lw_findings *fs, lw_finding *f)
{
    char id[LW_FINDING_ID_LEN + 1];
    lw_finding_id(f, id);
    if (!lw_idset_add(&fs->seen, lw_finding_id_hash(id)))
        return;
    lw_buf_reset(&fs->json);
    lw_finding_json(f, id, &fs->json);
    if (fs->sink)
        fs->sink(fs->ud, f, id, fs->json.p, fs->json.len);
}
