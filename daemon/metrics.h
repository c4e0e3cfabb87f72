/*
 * metrics: helpers for the one Prometheus text exposition the daemon
 * renders (lw_daemon_metrics). Components append their series through
 * these so the text format's escaping lives in one place.
 */
#ifndef LW_METRICS_H
#define LW_METRICS_H

#include "common/buf.h"

/* Appends v as a Prometheus label value (without the quotes): backslash,
 * quote and newline escaped as the text format requires. Label values come
 * from log group names and config rule names. */
void lw_prom_label(lw_buf *out, const char *v);

#endif
