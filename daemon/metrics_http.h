/*
 * metrics_http: the Prometheus text endpoint of `lambdaward run`, GET
 * /metrics on [metrics] bind:port (127.0.0.1 by default; off when port is
 * 0), the only listener that serves it: the Firehose port, which a public
 * TLS terminator fronts, does not. With [metrics] token set, a scrape
 * without "Authorization: Bearer TOKEN" gets 401 (the token is compared by
 * digest in constant time, common/digest.h). It serves what
 * lw_daemon_metrics() gathers from the daemon and every source; it owns
 * only its listener.
 */
#ifndef LW_METRICS_HTTP_H
#define LW_METRICS_HTTP_H

#include "daemon/daemon.h"

/* Registers the endpoint when [metrics] port is set. */
void lw_metrics_factory(lw_daemon *d);

#endif
