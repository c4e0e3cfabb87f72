/*
 * memory_anomaly: memory use far above usual, or creeping up (leaks).
 * Baseline per function and memory size over every invocation; the statistics are
 * in anomaly.c, shared with the other two anomaly detectors.
 */
#include <stddef.h>

#include "detectors/anomaly.h"

static const lw_option options[] = {LW_ANOMALY_OPTIONS(30, 6, 1.5, 64, "MB", 1.4)};

static void *create(const void *cfg) { return lw_anomaly_create(LW_METRIC_MEMORY, "memory_anomaly", cfg); }

const lw_detector_ops lw_detector_memory_anomaly = {
    .name = "memory_anomaly",
    .summary = "memory use far above usual, or creeping up (leaks)",
    .options = options,
    .config_size = sizeof(lw_anomaly_cfg),
    .create = create,
    .destroy = lw_anomaly_destroy,
    .on_record = lw_anomaly_on_record,
    .save = lw_anomaly_save,
    .restore = lw_anomaly_restore,
};
