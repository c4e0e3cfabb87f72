/*
 * init_anomaly: cold-start init far slower than usual.
 * Baseline per function and memory size over cold starts only; the statistics are
 * in anomaly.c, shared with the other two anomaly detectors.
 */
#include <stddef.h>

#include "detectors/anomaly.h"

static const lw_option options[] = {LW_ANOMALY_OPTIONS(10, 8, 4, 1000, "ms", 1.6)};

static void *create(const void *cfg) { return lw_anomaly_create(LW_METRIC_INIT, "init_anomaly", cfg); }

const lw_detector_ops lw_detector_init_anomaly = {
    .name = "init_anomaly",
    .summary = "cold-start init far slower than usual",
    .options = options,
    .config_size = sizeof(lw_anomaly_cfg),
    .create = create,
    .destroy = lw_anomaly_destroy,
    .on_record = lw_anomaly_on_record,
    .save = lw_anomaly_save,
    .restore = lw_anomaly_restore,
};
