/* registry: the list of detectors the pipeline runs. Add new ones here. */
#include <strings.h>

#include "detectors/detector.h"

extern const lw_detector_ops lw_detector_attack;
extern const lw_detector_ops lw_detector_timeout;
extern const lw_detector_ops lw_detector_out_of_memory;
extern const lw_detector_ops lw_detector_memory_pressure;
extern const lw_detector_ops lw_detector_duration_anomaly;
extern const lw_detector_ops lw_detector_memory_anomaly;
extern const lw_detector_ops lw_detector_init_anomaly;
extern const lw_detector_ops lw_detector_invocation_storm;
extern const lw_detector_ops lw_detector_recursion;
extern const lw_detector_ops lw_detector_log_flood;
extern const lw_detector_ops lw_detector_error_spike;
extern const lw_detector_ops lw_detector_new_error_type;
extern const lw_detector_ops lw_detector_secret_leak;
extern const lw_detector_ops lw_detector_probe;
extern const lw_detector_ops lw_detector_rules;
extern const lw_detector_ops lw_detector_stale_runtime;
extern const lw_detector_ops lw_detector_resource_exhaustion;
extern const lw_detector_ops lw_detector_persistence;

const lw_detector_ops *const lw_detector_registry[] = {
    &lw_detector_attack,
    &lw_detector_timeout,
    &lw_detector_out_of_memory,
    &lw_detector_memory_pressure,
    &lw_detector_duration_anomaly,
    &lw_detector_memory_anomaly,
    &lw_detector_init_anomaly,
    &lw_detector_invocation_storm,
    &lw_detector_recursion,
    &lw_detector_log_flood,
    &lw_detector_error_spike,
    &lw_detector_new_error_type,
    &lw_detector_secret_leak,
    &lw_detector_probe,
    &lw_detector_rules,
    &lw_detector_stale_runtime,
    &lw_detector_resource_exhaustion,
    &lw_detector_persistence,
    NULL,
};

const lw_detector_ops *lw_detector_find(const char *name)
{
    for (int i = 0; lw_detector_registry[i]; i++)
        if (strcasecmp(lw_detector_registry[i]->name, name) == 0)
            return lw_detector_registry[i];
    return NULL;
}
