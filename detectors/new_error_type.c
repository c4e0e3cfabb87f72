/*
 * new_error_type: an error type the function has never produced before.
 *
 * Error types come from uncaught errors the runtime logs ("KeyError",
 * "TypeError", ...), REPORT / platform.report "Error Type", INIT_REPORT
 * errors and runtime exits. The first `warmup` invocations of a function
 * only learn its usual types (so a fresh export does not alert on every
 * known error); after that, each unseen type is one finding. Up to 64 types
 * are remembered per function.
 */
#include <stddef.h>
#include <stdio.h>

#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"

#define MAX_TYPES 64

typedef struct net_cfg {
    double warmup, max_functions;
} net_cfg;

static const lw_option options[] = {
    LW_OPT("warmup", LW_OPT_INT, "100", offsetof(net_cfg, warmup), 0, 1e9,
           "invocations that only learn the usual error types"),
    LW_OPT("max_functions", LW_OPT_INT, "20000", offsetof(net_cfg, max_functions), 1, 1e6, "functions tracked"),
    LW_OPT_END,
};

typedef struct fn_state {
    uint64_t invocations;
    uint64_t types[MAX_TYPES];
    uint32_t ntypes;
} fn_state;

typedef struct net {
    lw_keyed_det base; /* key: function */
    net_cfg cfg;
} net;

static bool valid(const void *p) { return ((const fn_state *)p)->ntypes <= MAX_TYPES; }

static void *create(const void *cfg)
{
    const net_cfg *c = cfg;
    net *s = lw_keyed_det_new(sizeof *s, sizeof(fn_state), (size_t)c->max_functions, 0, valid);
    s->cfg = *c;
    return s;
}

static lw_str error_type(const lw_record *rec)
{
    if (rec->kind == LW_REC_PLATFORM)
        return rec->platform->error_type;
    if (rec->kind == LW_REC_APP && (rec->app->unhandled || rec->app->level >= LW_LVL_ERROR))
        return rec->app->error_type;
    return LW_STR_NULL;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    net *s = self;
    bool report = rec->kind == LW_REC_PLATFORM && rec->platform->type == LW_PL_REPORT;
    lw_str type = error_type(rec);
    if (!report && !type.n)
        return;
    fn_state *st = lw_keyed_fn(&s->base.keys, rec->function, NULL, NULL);
    if (!st)
        return;
    if (report)
        st->invocations++;
    if (!type.n)
        return;
    uint64_t h = lw_hash64(type.p, type.n) | 1;
    for (uint32_t i = 0; i < st->ntypes; i++)
        if (st->types[i] == h)
            return;
    if (st->ntypes < MAX_TYPES)
        st->types[st->ntypes++] = h;
    if (st->invocations < (uint64_t)s->cfg.warmup)
        return;
    lw_str rid = lw_record_request_id(rec);
    lw_finding *f = &s->base.f;
    lw_finding_init(f, "new_error_type", LW_SEV_LOW, rec);
    f->request_id = rid;
    f->key = type;
    lw_finding_title(f, "New error type: %.*s", (int)(type.n > 100 ? 100 : type.n), type.p);
    lw_finding_str(f, "error_type", type);
    lw_finding_str(f, "request_id", rid);
    lw_finding_int(f, "invocations_before", (int64_t)st->invocations);
    lw_finding_int(f, "known_types", st->ntypes - 1);
    lw_finding_head(f, "message", rec->ev->message, 300);
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_new_error_type = {
    .name = "new_error_type",
    .summary = "an error type the function has not produced before",
    .options = options,
    .config_size = sizeof(net_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
