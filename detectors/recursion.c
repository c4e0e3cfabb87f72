/*
 * recursion: one request chain invoking functions over and over.
 *
 * Every invocation's X-Ray trace root (REPORT's XRAY suffix, or the
 * tracing of platform.report) names the request chain it belongs to. A
 * normal request visits each function once or twice; a loop (a function
 * writing to the queue, topic or bucket that triggers it, or A -> B -> A)
 * shows the same root again and again. Fires when one root reaches
 * `same_function` invocations of one function, or `cycle_total`
 * invocations spread over several functions with one of them visited
 * twice: a cycle. AWS's own loop detection stops at ~16 hops, for some
 * triggers only, and tells hours later; this fires within a few hops.
 * Roots are kept in a bounded most-recent table and forgotten after
 * `window_s` of event time; the table is saved, so a restart neither
 * forgets a chain half-way nor alerts on it again.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/map.h"
#include "common/ser.h"
#include "detectors/detector.h"

#define MAX_FNS_PER_ROOT 8
#define RECURSION_FORMAT 1

typedef struct rec_cfg {
    double same_function, cycle_total, window_s, max_roots;
} rec_cfg;

static const lw_option options[] = {
    LW_OPT("same_function", LW_OPT_INT, "5", offsetof(rec_cfg, same_function), 2, 1e6,
           "invocations of one function in one trace"),
    LW_OPT("cycle_total", LW_OPT_INT, "6", offsetof(rec_cfg, cycle_total), 2, 1e6,
           "invocations across functions in one trace with a repeat"),
    LW_OPT("window_s", LW_OPT_DURATION, "900", offsetof(rec_cfg, window_s), 1, 86400,
           "a trace is forgotten this long after it was first seen"),
    /* At least 1: at 0 the eviction loop would never make room. */
    LW_OPT("max_roots", LW_OPT_INT, "8192", offsetof(rec_cfg, max_roots), 1, 1e6,
           "traces remembered (most recent first)"),
    LW_OPT_END,
};

typedef struct root_state {
    int64_t first_ms;
    uint32_t total;
    uint32_t nfn;
    uint64_t fn_hash[MAX_FNS_PER_ROOT];
    uint32_t fn_count[MAX_FNS_PER_ROOT];
    char fn_name[MAX_FNS_PER_ROOT][64];
    uint32_t alerted;
} root_state;

typedef struct recursion {
    rec_cfg cfg;
    lw_map roots; /* root -> root_state*, insertion order = age */
    lw_finding f;
    lw_buf fns;
} recursion;

static void *create(const void *cfg)
{
    recursion *r = lw_xcalloc(1, sizeof *r);
    r->cfg = *(const rec_cfg *)cfg;
    lw_map_init(&r->roots);
    return r;
}

static void destroy(void *self)
{
    recursion *r = self;
    lw_map_foreach(&r->roots, e) free(e->val);
    lw_map_free(&r->roots);
    lw_finding_free(&r->f);
    lw_buf_free(&r->fns);
    free(r);
}

static void evict_oldest(recursion *r)
{
    lw_map_foreach(&r->roots, e) {
        free(lw_map_del(&r->roots, e->key, e->klen));
        return;
    }
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    recursion *r = self;
    if (rec->kind != LW_REC_PLATFORM || rec->platform->type != LW_PL_REPORT)
        return;
    lw_str root = rec->platform->trace_root;
    if (!root.n)
        return;
    int64_t now = rec->ev->timestamp;
    root_state *st = lw_map_get(&r->roots, root.p, root.n);
    if (st && now && now - st->first_ms > (int64_t)(r->cfg.window_s * 1000)) {
        free(lw_map_del(&r->roots, root.p, root.n));
        st = NULL;
    }
    if (!st) {
        while (lw_map_count(&r->roots) >= (size_t)r->cfg.max_roots)
            evict_oldest(r);
        st = lw_xcalloc(1, sizeof *st);
        st->first_ms = now;
        *lw_map_put(&r->roots, root.p, root.n) = st;
    }
    uint64_t h = lw_hash64(rec->function.p, rec->function.n) | 1;
    uint32_t i = 0;
    while (i < st->nfn && st->fn_hash[i] != h)
        i++;
    if (i == st->nfn && st->nfn < MAX_FNS_PER_ROOT) {
        st->fn_hash[i] = h;
        snprintf(st->fn_name[i], sizeof st->fn_name[i], "%.*s", (int)rec->function.n, rec->function.p);
        st->nfn++;
    }
    if (i < st->nfn)
        st->fn_count[i]++;
    st->total++;
    if (st->alerted)
        return;
    uint32_t max = 0;
    for (uint32_t k = 0; k < st->nfn; k++)
        if (st->fn_count[k] > max)
            max = st->fn_count[k];
    bool self_loop = i < st->nfn && st->fn_count[i] >= (uint32_t)r->cfg.same_function;
    bool cycle = st->nfn >= 2 && max >= 2 && st->total >= (uint32_t)r->cfg.cycle_total;
    if (!self_loop && !cycle)
        return;
    st->alerted = 1;
    lw_buf_reset(&r->fns);
    for (uint32_t k = 0; k < st->nfn; k++)
        lw_buf_printf(&r->fns, "%s%s x%u", k ? ", " : "", st->fn_name[k], st->fn_count[k]);
    lw_finding *f = &r->f;
    lw_finding_init(f, "recursion", LW_SEV_HIGH, rec);
    f->key = root;
    f->count = st->total;
    if (self_loop && st->nfn == 1)
        lw_finding_title(f, "Recursive loop: %u invocations of this function in one request chain", st->total);
    else
        lw_finding_title(f, "Invocation cycle: %u invocations across %u functions in one request chain", st->total,
                         st->nfn);
    lw_finding_str(f, "trace_root", root);
    lw_finding_str(f, "functions", (lw_str){r->fns.p, r->fns.len});
    lw_finding_int(f, "invocations_in_chain", st->total);
    lw_finding_int(f, "seconds_since_first", now && st->first_ms ? (now - st->first_ms) / 1000 : 0);
    lw_emit(out, f);
}

/* The roots oldest first (the map's order, which eviction relies on), each
 * its key and its plain struct. */
static void save(void *self, lw_buf *out)
{
    recursion *r = self;
    lw_put_u32(out, RECURSION_FORMAT);
    lw_put_u32(out, (uint32_t)sizeof(root_state));
    lw_put_u32(out, (uint32_t)lw_map_count(&r->roots));
    lw_map_foreach(&r->roots, e) {
        lw_put_str(out, e->key, e->klen);
        lw_buf_append(out, e->val, sizeof(root_state));
    }
}

static int restore(void *self, const char *p, size_t n)
{
    recursion *r = self;
    lw_rd rd = {p, n, false};
    if (lw_get_u32(&rd) != RECURSION_FORMAT || lw_get_u32(&rd) != sizeof(root_state))
        return -1;
    uint32_t count = lw_get_u32(&rd);
    for (uint32_t i = 0; i < count && !rd.bad; i++) {
        size_t kl;
        const char *key = lw_get_str(&rd, &kl);
        root_state tmp;
        if (!lw_rd_take(&rd, &tmp, sizeof tmp) || tmp.nfn > MAX_FNS_PER_ROOT || !kl) {
            rd.bad = true;
            break;
        }
        for (uint32_t k = 0; k < MAX_FNS_PER_ROOT; k++)
            tmp.fn_name[k][sizeof tmp.fn_name[k] - 1] = '\0';
        while (lw_map_count(&r->roots) >= (size_t)r->cfg.max_roots)
            evict_oldest(r);
        root_state **slot = (root_state **)lw_map_put(&r->roots, key, kl);
        if (!*slot)
            *slot = lw_xmalloc(sizeof tmp);
        **slot = tmp;
    }
    return rd.bad ? -1 : 0;
}

const lw_detector_ops lw_detector_recursion = {
    .name = "recursion",
    .summary = "one X-Ray request chain invoking a function again and again, or a cycle of functions",
    .options = options,
    .config_size = sizeof(rec_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .save = save,
    .restore = restore,
};
