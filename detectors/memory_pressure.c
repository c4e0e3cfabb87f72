/*
 * memory_pressure: invocations using nearly all their configured memory,
 * the step before an out-of-memory kill (and a sign of a leak or of an
 * input that blows up memory). One finding per function and memory size
 * per window, with the number of such invocations in that window.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"

typedef struct mp_cfg {
    double threshold_pct, window_s, max_keys;
} mp_cfg;

static const lw_option options[] = {
    LW_OPT("threshold_pct", LW_OPT_DOUBLE, "90", offsetof(mp_cfg, threshold_pct), 1, 100,
           "max memory used as a % of memory size"),
    LW_OPT("window_s", LW_OPT_DURATION, "3600", offsetof(mp_cfg, window_s), 1, 7 * 86400,
           "at most one finding per function and memory size per window"),
    LW_OPT("max_keys", LW_OPT_INT, "20000", offsetof(mp_cfg, max_keys), 1, 1e6, "function x memory size pairs tracked"),
    LW_OPT_END,
};

typedef struct mp_state {
    int64_t window;
} mp_state;

typedef struct mp {
    lw_keyed_det base; /* key: function \x1f memory size */
    mp_cfg cfg;
    char key[48];
} mp;

static void *create(const void *cfg)
{
    const mp_cfg *c = cfg;
    mp *s = lw_keyed_det_new(sizeof *s, sizeof(mp_state), (size_t)c->max_keys, 0, NULL);
    s->cfg = *c;
    return s;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    mp *s = self;
    if (rec->kind != LW_REC_PLATFORM || rec->platform->type != LW_PL_REPORT)
        return;
    const lw_platform *p = rec->platform;
    if (p->memory_size_mb <= 0 || p->max_memory_mb < 0 || lw_str_eq(p->error_type, "Runtime.OutOfMemory"))
        return;
    double pct = 100.0 * p->max_memory_mb / p->memory_size_mb;
    if (pct < s->cfg.threshold_pct)
        return;
    char sfx[24];
    snprintf(sfx, sizeof sfx, "%d", p->memory_size_mb);
    mp_state *st = lw_keyed_fn(&s->base.keys, rec->function, sfx, NULL);
    if (!st)
        return;
    int64_t w = (int64_t)(rec->ev->timestamp / (s->cfg.window_s * 1000)) + 1;
    if (st->window == w)
        return;
    st->window = w;
    lw_finding *f = &s->base.f;
    lw_finding_init(f, "memory_pressure", LW_SEV_LOW, rec);
    f->request_id = p->request_id;
    snprintf(s->key, sizeof s->key, "%d:%" PRId64, p->memory_size_mb, w);
    f->key = lw_str_c(s->key);
    lw_finding_title(f, "Memory pressure: %d of %d MB used (%.0f%%)", p->max_memory_mb, p->memory_size_mb, pct);
    lw_finding_str(f, "request_id", p->request_id);
    lw_finding_int(f, "max_memory_used_mb", p->max_memory_mb);
    lw_finding_int(f, "memory_size_mb", p->memory_size_mb);
    lw_finding_num(f, "used_pct", pct);
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_memory_pressure = {
    .name = "memory_pressure",
    .summary = "invocations using nearly all their memory",
    .options = options,
    .config_size = sizeof(mp_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
