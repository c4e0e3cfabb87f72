/* anomaly: see anomaly.h. */
#include "detectors/anomaly.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "detectors/baseline.h"
#include "detectors/keyed.h"

typedef struct anom_state {
    lw_baseline b;
    int64_t last_alert_ms;
    uint64_t suppressed;
    uint32_t in_shift;
    int64_t shift_start_ms;
} anom_state;

typedef struct anomaly {
    lw_metric metric;
    const char *name;
    lw_anomaly_cfg cfg;
    lw_keyed keys;
    lw_finding f;
    char idkey[96];
} anomaly;

void *lw_anomaly_create(lw_metric m, const char *name, const lw_anomaly_cfg *cfg)
{
    anomaly *a = lw_xcalloc(1, sizeof *a);
    a->metric = m;
    a->name = name;
    a->cfg = *cfg;
    lw_keyed_init(&a->keys, sizeof(anom_state), (size_t)cfg->max_keys);
    return a;
}

void lw_anomaly_destroy(void *self)
{
    anomaly *a = self;
    lw_keyed_free(&a->keys);
    lw_finding_free(&a->f);
    free(a);
}

static const char *unit(const anomaly *a) { return a->metric == LW_METRIC_MEMORY ? "MB" : "ms"; }

static const char *what(const anomaly *a)
{
    switch (a->metric) {
    case LW_METRIC_DURATION: return "Duration";
    case LW_METRIC_MEMORY: return "Memory use";
    default: return "Cold-start init";
    }
}

static void emit(anomaly *a, const lw_record *rec, const lw_platform *p, anom_state *s, double v, bool shift,
                 double recent, const lw_emitter *out)
{
    lw_finding *f = &a->f;
    lw_finding_init(f, a->name, shift ? LW_SEV_MEDIUM : LW_SEV_LOW, rec);
    double med = s->b.median;
    if (shift) {
        snprintf(a->idkey, sizeof a->idkey, "shift:%d:%" PRId64, p->memory_size_mb, s->shift_start_ms);
        lw_finding_title(f, "%s shifted up: recent median %.0f %s vs usual %.0f %s (%.1fx)", what(a), recent,
                         unit(a), med, unit(a), med > 0 ? recent / med : 0);
    } else {
        f->request_id = p->request_id;
        snprintf(a->idkey, sizeof a->idkey, "outlier:%d", p->memory_size_mb);
        lw_finding_title(f, "%s outlier: %.0f %s vs usual %.0f %s (%.1fx)", what(a), v, unit(a), med, unit(a),
                         med > 0 ? v / med : 0);
    }
    f->key = lw_str_c(a->idkey);
    f->count = shift ? 1 : 1 + s->suppressed;
    lw_finding_str(f, "kind", lw_str_c(shift ? "sustained_shift" : "outlier"));
    if (!shift)
        lw_finding_str(f, "request_id", p->request_id);
    lw_finding_num(f, shift ? "recent_median" : "value", shift ? recent : v);
    lw_finding_num(f, "baseline_median", med);
    lw_finding_num(f, "baseline_mad", s->b.mad);
    lw_finding_num(f, "robust_z", lw_baseline_z(&s->b, shift ? recent : v, 0.05));
    lw_finding_str(f, "unit", lw_str_c(unit(a)));
    lw_finding_int(f, "memory_size_mb", p->memory_size_mb);
    lw_finding_int(f, "baseline_samples", (int64_t)s->b.total);
    if (!shift && s->suppressed)
        lw_finding_int(f, "suppressed_since_last", (int64_t)s->suppressed);
    lw_emit(out, f);
}

void lw_anomaly_on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    anomaly *a = self;
    if (rec->kind != LW_REC_PLATFORM || rec->platform->type != LW_PL_REPORT)
        return;
    const lw_platform *p = rec->platform;
    bool cold = p->init_ms >= 0 || p->restore_ms >= 0;
    double v;
    switch (a->metric) {
    case LW_METRIC_DURATION:
        /* A cold start's handler time runs on a fresh runtime: keep it out
         * of the warm baseline (init_anomaly watches cold starts). */
        if (cold || p->duration_ms < 0 || (p->status != LW_ST_NONE && p->status != LW_ST_SUCCESS))
            return; /* failed invocations: timeout, out_of_memory, error_spike say it */
        v = p->duration_ms;
        break;
    case LW_METRIC_MEMORY:
        if (p->max_memory_mb < 0)
            return;
        v = p->max_memory_mb;
        break;
    default:
        if (p->init_ms < 0)
            return;
        v = p->init_ms;
        break;
    }
    /* The memory size as text, without snprintf: this runs per REPORT. */
    char sfx[16], *q = sfx + sizeof sfx - 1;
    *q = '\0';
    int64_t sz = p->memory_size_mb;
    uint64_t m = (uint64_t)(sz < 0 ? -sz : sz);
    do
        *--q = (char)('0' + m % 10);
    while (m /= 10);
    if (sz < 0)
        *--q = '-'; /* same text as "%d": saved state keeps its keys */
    anom_state *s = lw_keyed_fn(&a->keys, rec->function, q, NULL);
    if (!s)
        return;
    int64_t now = rec->ev ? rec->ev->timestamp : 0;
    if (s->b.total >= (uint64_t)a->cfg.warmup) {
        lw_baseline_refresh(&s->b);
        double med = s->b.median;
        double z = lw_baseline_z(&s->b, v, 0.05);
        if (z >= a->cfg.z && v >= a->cfg.ratio * med && v - med >= a->cfg.min_delta) {
            if (!s->last_alert_ms || now - s->last_alert_ms >= (int64_t)(a->cfg.cooldown_s * 1000) || now == 0) {
                emit(a, rec, p, s, v, false, 0, out);
                s->last_alert_ms = now ? now : 1;
                s->suppressed = 0;
            } else {
                s->suppressed++;
            }
        }
    }
    lw_baseline_add(&s->b, v);
    /* A sustained shift is a property of many samples: looking every 8th
     * sample is as good and keeps the median of the recent window off the
     * per-invocation path. */
    if (s->b.total >= (uint64_t)a->cfg.warmup + LW_BASELINE_SHORT && s->b.total % 8 == 0) {
        lw_baseline_refresh(&s->b);
        double med = s->b.median;
        double recent = lw_baseline_recent_median(&s->b);
        double z = lw_baseline_z(&s->b, recent, 0.05);
        bool high = recent >= a->cfg.shift_ratio * med && z >= a->cfg.shift_z && recent - med >= a->cfg.min_delta;
        if (high && !s->in_shift) {
            s->in_shift = 1;
            s->shift_start_ms = now;
            emit(a, rec, p, s, v, true, recent, out);
        } else if (s->in_shift && recent < med * (1 + (a->cfg.shift_ratio - 1) / 2)) {
            s->in_shift = 0;
        }
    }
}

static bool valid(const void *state)
{
    const anom_state *s = state;
    return s->b.filled <= LW_BASELINE_CAP && s->b.at < LW_BASELINE_CAP;
}

void lw_anomaly_save(void *self, lw_buf *out) { lw_keyed_save(&((anomaly *)self)->keys, out); }

int lw_anomaly_restore(void *self, const char *p, size_t n)
{
    return lw_keyed_restore(&((anomaly *)self)->keys, p, n, valid);
}
