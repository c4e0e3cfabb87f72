/*
 * run: `lambdaward run`, the command that starts the daemon. It owns the
 * command line and the list of components the daemon runs; the loop
 * itself is daemon/run.c, which knows none of them.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "daemon/cli/cli.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/metrics_http.h"
#include "daemon/sinks/outbox.h"
#include "daemon/sources/ingest.h"
#include "daemon/sources/tailer.h"

/* Each factory reads its part of the configuration and registers its
 * component, or none. */
static const lw_component_factory factories[] = {
    lw_tailer_factory,
    lw_ingest_factory,
    lw_metrics_factory,
    lw_outbox_factory,
    NULL,
};

int lw_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = "/etc/lambdaward/lambdaward.conf";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:dh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': /* over [log] level, at start and at every reload */
            lw_log_set_level("debug");
            lw_log_pin_level();
            break;
        case 'h':
            puts("Usage: lambdaward run [--config FILE] [--debug]\n\n"
                 "Run the daemon in the foreground (as systemd runs it): tail the configured log\n"
                 "groups, take Firehose pushes, analyse, record findings and deliver them to the\n"
                 "webhooks. SIGHUP reloads the configuration; SIGTERM stops cleanly.\n"
                 "Default config: /etc/lambdaward/lambdaward.conf\n\n"
                 "      --debug   log at level debug whatever [log] level says: every AWS API\n"
                 "                call, retry and webhook delivery attempt (never a secret)");
            return LW_EXIT_OK;
        default:
            return LW_EXIT_USAGE;
        }
    }
    switch (lw_daemon_main(config, factories)) {
    case LW_DAEMON_OK: return LW_EXIT_OK;
    case LW_DAEMON_BAD_CONFIG: return LW_EXIT_USAGE;
    default: return LW_EXIT_FAILURE;
    }
}
