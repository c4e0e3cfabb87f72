/*
 * anomaly: the engine behind duration_anomaly, memory_anomaly and
 * init_anomaly. Each is one metric of REPORT lines, baselined per function
 * and memory size (a memory change moves every baseline), with cold starts
 * kept apart from warm invocations.
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
#ifndef LW_ANOMALY_H
#define LW_ANOMALY_H

#include "detectors/detector.h"

typedef enum lw_metric { LW_METRIC_DURATION, LW_METRIC_MEMORY, LW_METRIC_INIT } lw_metric;

typedef struct lw_anomaly_cfg {
    double warmup;
    double z;
    double ratio;
    double min_delta;
    double shift_ratio;
    double shift_z;
    double cooldown_s;
    double max_keys;
} lw_anomaly_cfg;

void *lw_anomaly_create(lw_metric m, const char *name, const lw_anomaly_cfg *cfg);
void lw_anomaly_destroy(void *self);
void lw_anomaly_on_record(void *self, const lw_record *rec, const lw_emitter *out);
void lw_anomaly_save(void *self, lw_buf *out);
int lw_anomaly_restore(void *self, const char *p, size_t n);

/* Macro parameters are upper case so they cannot replace the member names
 * inside offsetof(). */
#define LW_ANOMALY_OPTIONS(WARMUP, Z, RATIO, MIN_DELTA, UNIT, SHIFT_RATIO)                                   \
    {"warmup", WARMUP, offsetof(lw_anomaly_cfg, warmup), "invocations per baseline before any alert"},      \
    {"z", Z, offsetof(lw_anomaly_cfg, z), "robust z-score (median/MAD) an outlier must reach"},             \
    {"ratio", RATIO, offsetof(lw_anomaly_cfg, ratio), "and at least this multiple of the median"},          \
    {"min_delta", MIN_DELTA, offsetof(lw_anomaly_cfg, min_delta), "and at least this far above the median (" UNIT ")"}, \
    {"shift_ratio", SHIFT_RATIO, offsetof(lw_anomaly_cfg, shift_ratio), "sustained shift: recent median / baseline median"}, \
    {"shift_z", 4, offsetof(lw_anomaly_cfg, shift_z), "sustained shift: robust z of the recent median"},   \
    {"cooldown_s", 600, offsetof(lw_anomaly_cfg, cooldown_s), "seconds between outlier findings per function"}, \
    {"max_keys", 20000, offsetof(lw_anomaly_cfg, max_keys), "baselines kept (function x memory size)"},    \
    {NULL, 0, 0, NULL}

#endif
