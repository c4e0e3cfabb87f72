/* sources: the list of event sources `lambdaward run` starts. Each factory
 * reads its part of the configuration and registers itself (or not). */
#include <stddef.h>

#include "daemon/daemon.h"
#include "daemon/ingest.h"
#include "daemon/metrics_http.h"
#include "daemon/tailer.h"

typedef void (*lw_source_factory)(lw_daemon *d);

const lw_source_factory lw_source_factories[] = {
    lw_tailer_factory,
    lw_ingest_factory,
    lw_metrics_factory,
    NULL,
};
