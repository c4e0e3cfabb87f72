/* findings: see findings.h. */
#include "detectors/findings.h"

#include <stdlib.h>

#include "common/map.h"

struct lw_findings {
    lw_finding_sink sink;
    void *ud;
    lw_findings_stats st;
    /* dedupe: an open-addressing set of id hashes plus a FIFO for eviction */
    uint64_t *set;
    size_t set_cap;
    uint64_t *fifo;
    size_t cap, head, count;
    lw_buf json;
};

lw_findings *lw_findings_new(size_t cap, lw_finding_sink sink, void *ud)
{
    lw_findings *fs = lw_xcalloc(1, sizeof *fs);
    fs->sink = sink;
    fs->ud = ud;
    fs->cap = cap ? cap : 65536;
    fs->set_cap = 16;
    while (fs->set_cap < fs->cap * 2)
        fs->set_cap *= 2;
    fs->set = lw_xcalloc(fs->set_cap, sizeof *fs->set);
    fs->fifo = lw_xcalloc(fs->cap, sizeof *fs->fifo);
    fs->st.max_severity = -1;
    return fs;
}

void lw_findings_free(lw_findings *fs)
{
    if (!fs)
        return;
    free(fs->set);
    free(fs->fifo);
    lw_buf_free(&fs->json);
    free(fs);
}

static size_t probe(const lw_findings *fs, uint64_t h)
{
    size_t mask = fs->set_cap - 1, i = h & mask;
    while (fs->set[i] && fs->set[i] != h)
        i = (i + 1) & mask;
    return i;
}

static void set_remove(lw_findings *fs, uint64_t h)
{
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t mask = fs->set_cap - 1, i = probe(fs, h);
    if (!fs->set[i])
        return;
    fs->set[i] = 0;
    for (size_t j = (i + 1) & mask; fs->set[j]; j = (j + 1) & mask) {
        size_t home = fs->set[j] & mask;
        bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            fs->set[i] = fs->set[j];
            fs->set[j] = 0;
            i = j;
        }
    }
}

/* true when h was not seen among the last cap ids; records it. */
static bool remember(lw_findings *fs, uint64_t h)
{
    size_t i = probe(fs, h);
    if (fs->set[i])
        return false;
    if (fs->count == fs->cap) {
        set_remove(fs, fs->fifo[fs->head]);
        fs->head = (fs->head + 1) % fs->cap;
        fs->count--;
        i = probe(fs, h);
    }
    fs->set[i] = h;
    fs->fifo[(fs->head + fs->count) % fs->cap] = h;
    fs->count++;
    return true;
}

void lw_findings_emit(lw_findings *fs, lw_finding *f)
{
    char id[LW_FINDING_ID_LEN + 1];
    lw_finding_id(f, id);
    uint64_t h = lw_hash64(id, LW_FINDING_ID_LEN) | 1;
    if (!remember(fs, h)) {
        fs->st.duplicates++;
        return;
    }
    fs->st.emitted++;
    fs->st.by_severity[f->severity]++;
    if ((int)f->severity > fs->st.max_severity)
        fs->st.max_severity = (int)f->severity;
    lw_buf_reset(&fs->json);
    lw_finding_json(f, id, &fs->json);
    if (fs->sink)
        fs->sink(fs->ud, f, id, fs->json.p, fs->json.len);
}

const lw_findings_stats *lw_findings_stats_get(const lw_findings *fs) { return &fs->st; }
