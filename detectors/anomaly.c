/*
 * anomaly: the detectors duration_anomaly, memory_anomaly and
 * init_anomaly, one engine and three metrics of REPORT lines:
 *   duration_anomaly  warm invocations far slower than usual, or a
 *                     sustained slow-down (cold starts kept out: a fresh
 *                     runtime's handler time is not the warm baseline)
 *   memory_anomaly    memory use far above usual, or creeping up (leaks)
 *   init_anomaly      cold-start init far slower than usual
 * Each is baselined per function and memory size (a memory change moves
 * every baseline).
 *
 * Two alerts, both only after a warm-up:
 *   outlier  one invocation far outside: robust z >= z AND value >= ratio x
 *            median AND value - median >= min_delta (all three, so a noisy
 *            function and a tiny one both stay quiet); at most one finding
 *            per key per cooldown, the rest counted.
 *   shift    the median of the last 16 invocations >= shift_ratio x the
 *            baseline median and robust z >= shift_z: one finding per
 *            episode, which ends when the recent median comes back down.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/baseline.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"

typedef enum metric { M_DURATION, M_MEMORY, M_INIT } metric;

typedef struct anomaly_cfg {
    double warmup;
    double z;
    double ratio;
    double min_delta;
    double shift_ratio;
    double shift_z;
    double cooldown_s;
    double max_keys;
} anomaly_cfg;

/* The three detectors' option table, differing only in defaults. Macro
 * parameters are upper case so they cannot replace the member names inside
 * offsetof(); the defaults are numbers, written into the table as text. */
#define ANOMALY_OPTIONS(WARMUP, Z, RATIO, MIN_DELTA, UNIT, SHIFT_RATIO)                            \
    LW_OPT("warmup", LW_OPT_INT, #WARMUP, offsetof(anomaly_cfg, warmup), 1, 1e6,                   \
           "invocations per baseline before any alert"),                                           \
    LW_OPT("z", LW_OPT_DOUBLE, #Z, offsetof(anomaly_cfg, z), 0.1, 1000,                            \
           "robust z-score (median/MAD) an outlier must reach"),                                   \
    LW_OPT("ratio", LW_OPT_DOUBLE, #RATIO, offsetof(anomaly_cfg, ratio), 1, 1000,                  \
           "and at least this multiple of the median"),                                            \
    LW_OPT("min_delta", LW_OPT_DOUBLE, #MIN_DELTA, offsetof(anomaly_cfg, min_delta), 0, 1e9,       \
           "and at least this far above the median (" UNIT ")"),                                   \
    LW_OPT("shift_ratio", LW_OPT_DOUBLE, #SHIFT_RATIO, offsetof(anomaly_cfg, shift_ratio), 1, 100, \
           "sustained shift: recent median / baseline median"),                                    \
    LW_OPT("shift_z", LW_OPT_DOUBLE, "4", offsetof(anomaly_cfg, shift_z), 0.1, 1000,               \
           "sustained shift: robust z of the recent median"),                                      \
    LW_OPT("cooldown_s", LW_OPT_DURATION, "600", offsetof(anomaly_cfg, cooldown_s), 0, 7 * 86400,  \
           "time between outlier findings per function"),                                          \
    LW_OPT("max_keys", LW_OPT_INT, "20000", offsetof(anomaly_cfg, max_keys), 1, 1e6,               \
           "baselines kept (function x memory size)"),                                             \
    LW_OPT_END

typedef struct anom_state {
    lw_baseline b;
    int64_t last_alert_ms;
    uint64_t suppressed;
    uint32_t in_shift;
    int64_t shift_start_ms;
} anom_state;

typedef struct anomaly {
    lw_keyed_det base; /* key: function \x1f memory size */
    metric metric;
    const char *name;
    anomaly_cfg cfg;
    char idkey[96];
} anomaly;

static bool valid(const void *state)
{
    const anom_state *s = state;
    return s->b.filled <= LW_BASELINE_CAP && s->b.at < LW_BASELINE_CAP;
}

static void *create(metric m, const char *name, const anomaly_cfg *cfg)
{
    anomaly *a = lw_keyed_det_new(sizeof *a, sizeof(anom_state), (size_t)cfg->max_keys, 0, valid);
    a->metric = m;
    a->name = name;
    a->cfg = *cfg;
    return a;
}

static const char *unit(const anomaly *a) { return a->metric == M_MEMORY ? "MB" : "ms"; }

static const char *what(const anomaly *a)
{
    switch (a->metric) {
    case M_DURATION: return "Duration";
    case M_MEMORY: return "Memory use";
    default: return "Cold-start init";
    }
}

static void emit(anomaly *a, const lw_record *rec, const lw_platform *p, anom_state *s, double v, bool shift,
                 double recent, const lw_emitter *out)
{
    lw_finding *f = &a->base.f;
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

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    anomaly *a = self;
    if (rec->kind != LW_REC_PLATFORM || rec->platform->type != LW_PL_REPORT)
        return;
    const lw_platform *p = rec->platform;
    bool cold = p->init_ms >= 0 || p->restore_ms >= 0;
    double v;
    switch (a->metric) {
    case M_DURATION:
        /* A cold start's handler time runs on a fresh runtime: keep it out
         * of the warm baseline (init_anomaly watches cold starts). */
        if (cold || p->duration_ms < 0 || (p->status != LW_ST_NONE && p->status != LW_ST_SUCCESS))
            return; /* failed invocations: timeout, out_of_memory, error_spike say it */
        v = p->duration_ms;
        break;
    case M_MEMORY:
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
    anom_state *s = lw_keyed_fn(&a->base.keys, rec->function, q, NULL);
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

/* One ops per metric; all that differs is the name, the summary and the
 * defaults. */
#define ANOMALY_DETECTOR(NAME, METRIC, SUMMARY, ...)                                   \
    static const lw_option NAME##_options[] = {ANOMALY_OPTIONS(__VA_ARGS__)};          \
    static void *NAME##_create(const void *cfg) { return create(METRIC, #NAME, cfg); } \
    const lw_detector_ops lw_detector_##NAME = {                                       \
        .name = #NAME,                                                                 \
        .summary = SUMMARY,                                                            \
        .options = NAME##_options,                                                     \
        .config_size = sizeof(anomaly_cfg),                                            \
        .create = NAME##_create,                                                       \
        .destroy = lw_keyed_det_destroy,                                               \
        .on_record = on_record,                                                        \
        .save = lw_keyed_det_save,                                                     \
        .restore = lw_keyed_det_restore,                                               \
    }

ANOMALY_DETECTOR(duration_anomaly, M_DURATION, "warm invocations far slower than usual, or a sustained slow-down",
                 30, 8, 8, 300, "ms", 1.6);
ANOMALY_DETECTOR(memory_anomaly, M_MEMORY, "memory use far above usual, or creeping up (leaks)", 30, 6, 1.5, 64, "MB",
                 1.4);
ANOMALY_DETECTOR(init_anomaly, M_INIT, "cold-start init far slower than usual", 10, 8, 4, 1000, "ms", 1.6);
