/*
 * metrics_http: the Prometheus text endpoint of `lambdaward run`, GET
 * /metrics on [metrics] bind:port (loopback by default; off when port is
 * 0). It serves what lw_daemon_metrics() gathers from the daemon and every
 * source; it owns only its listener. The Firehose port also answers
 * /metrics, for setups that open a single port.
 */
#ifndef LW_METRICS_HTTP_H
#define LW_METRICS_HTTP_H

#include "daemon/daemon.h"

/* Registers the endpoint when [metrics] port is set. */
void lw_metrics_factory(lw_daemon *d);

#endif
