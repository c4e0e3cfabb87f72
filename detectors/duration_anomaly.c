/*
 * duration_anomaly: warm invocations far slower than usual, or a sustained slow-down.
 * Baseline per function and memory size over warm invocations only; the statistics are
 * in anomaly.c, shared with the other two anomaly detectors.
 */
#include <stddef.h>

#include "detectors/anomaly.h"

static const lw_option options[] = {LW_ANOMALY_OPTIONS(30, 8, 8, 300, "ms", 1.6)};

static void *create(const void *cfg) { return lw_anomaly_create(LW_METRIC_DURATION, "duration_anomaly", cfg); }

const lw_detector_ops lw_detector_duration_anomaly = {
    .name = "duration_anomaly",
    .summary = "warm invocations far slower than usual, or a sustained slow-down",
    .options = options,
    .config_size = sizeof(lw_anomaly_cfg),
    .create = create,
    .destroy = lw_anomaly_destroy,
    .on_record = lw_anomaly_on_record,
    .save = lw_anomaly_save,
    .restore = lw_anomaly_restore,
};
