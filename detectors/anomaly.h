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

/* The three anomaly detectors' table, differing only in defaults. Macro
 * parameters are upper case so they cannot replace the member names inside
 * offsetof(); the defaults are numbers, written into the table as text. */
#define LW_ANOMALY_OPTIONS(WARMUP, Z, RATIO, MIN_DELTA, UNIT, SHIFT_RATIO)                                   \
    LW_OPT("warmup", LW_OPT_INT, #WARMUP, offsetof(lw_anomaly_cfg, warmup), 1, 1e6,                          \
           "invocations per baseline before any alert"),                                                     \
    LW_OPT("z", LW_OPT_DOUBLE, #Z, offsetof(lw_anomaly_cfg, z), 0.1, 1000,                                   \
           "robust z-score (median/MAD) an outlier must reach"),                                             \
    LW_OPT("ratio", LW_OPT_DOUBLE, #RATIO, offsetof(lw_anomaly_cfg, ratio), 1, 1000,                         \
           "and at least this multiple of the median"),                                                      \
    LW_OPT("min_delta", LW_OPT_DOUBLE, #MIN_DELTA, offsetof(lw_anomaly_cfg, min_delta), 0, 1e9,              \
           "and at least this far above the median (" UNIT ")"),                                             \
    LW_OPT("shift_ratio", LW_OPT_DOUBLE, #SHIFT_RATIO, offsetof(lw_anomaly_cfg, shift_ratio), 1, 100,        \
           "sustained shift: recent median / baseline median"),                                              \
    LW_OPT("shift_z", LW_OPT_DOUBLE, "4", offsetof(lw_anomaly_cfg, shift_z), 0.1, 1000,                      \
           "sustained shift: robust z of the recent median"),                                                \
    LW_OPT("cooldown_s", LW_OPT_DURATION, "600", offsetof(lw_anomaly_cfg, cooldown_s), 0, 7 * 86400,         \
           "time between outlier findings per function"),                                                    \
    LW_OPT("max_keys", LW_OPT_INT, "20000", offsetof(lw_anomaly_cfg, max_keys), 1, 1e6,                      \
           "baselines kept (function x memory size)"),                                                       \
    LW_OPT_END

#endif
