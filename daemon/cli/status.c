/*
 * status: `lambdaward status [--config FILE | --state PATH]`: what the
 * daemon's state file says, for a person at a terminal: per log group the
 * lag (since the last complete poll, as lambdaward_group_lag_seconds), the
 * age of the newest event analysed, events analysed and the last error; findings recorded and
 * deliveries pending. It only reads: the state is opened read-only
 * (lw_state_open_readonly), so status creates, migrates and changes
 * nothing, and works on a read-only copy or beside a running daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "daemon/cli/cli.h"
#include "daemon/log.h"
#include "daemon/state.h"

static void ago(char *out, size_t n, int64_t ms)
{
    if (ms <= 0)
        snprintf(out, n, "never");
    else if (ms < 120000)
        snprintf(out, n, "%llds", (long long)(ms / 1000));
    else if (ms < 7200000)
        snprintf(out, n, "%lldm", (long long)(ms / 60000));
    else
        snprintf(out, n, "%lldh", (long long)(ms / 3600000));
}

static void row(void *ud, const lw_group_state *g)
{
    int *rows = ud;
    int64_t now = lw_wall_ms();
    char lag[16], newest[16];
    /* LAG is lambdaward_group_lag_seconds: now minus the end of the last
     * complete poll (everything visible before it is analysed). The age of
     * the newest event says how quiet the group is, not how far behind. */
    ago(lag, sizeof lag, g->last_poll_ms ? now - g->last_poll_ms : 0);
    ago(newest, sizeof newest, g->watermark_ms ? now - g->watermark_ms : 0);
    /* Names and errors came from outside (AWS's messages quote requests):
     * the same redaction and escaping as every other line we print. */
    lw_print(stdout, "%-40.40s %8s %8s %10lld  %s", g->name, lag, newest, (long long)g->events,
             g->last_error[0] ? g->last_error : "-");
    (*rows)++;
}

/* A group pushed through Firehose has no poll or watermark: its lag is
 * how long ago its last event arrived. */
static void pushed_row(void *ud, const lw_firehose_group *g)
{
    int *rows = ud;
    if (!*rows)
        printf("\n%-40s %8s %10s %10s\n", "PUSHED LOG GROUP", "LAST", "EVENTS", "DUPLICATES");
    char last[16];
    ago(last, sizeof last, g->last_event_ms ? lw_wall_ms() - g->last_event_ms : 0);
    lw_print(stdout, "%-40.40s %8s %10lld %10lld", g->name, last, (long long)g->events, (long long)g->duplicates);
    (*rows)++;
}

int lw_cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"state", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = "/etc/lambdaward/lambdaward.conf", *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': path = optarg; break;
        case 'h':
            puts("Usage: lambdaward status [--config FILE | --state PATH]\n\n"
                 "Show, from the daemon's state file, each log group's lag (time since its last\n"
                 "complete poll ended, as lambdaward_group_lag_seconds in /metrics), the age of its\n"
                 "newest event analysed, events analysed and last error; pushed groups' last event;\n"
                 "and the findings and pending deliveries.");
            return LW_EXIT_OK;
        default:
            return LW_EXIT_USAGE;
        }
    }
    lw_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (!path) {
        if (lw_config_load(config, &cfg)) {
            for (int i = 0; i < cfg.errors.n; i++)
                lw_print(stderr, "%s", cfg.errors.v[i]);
            lw_config_free(&cfg);
            return LW_EXIT_USAGE;
        }
        path = cfg.state_path;
    }
    char err[1024];
    lw_state *s = lw_state_open_readonly(path, err, sizeof err);
    if (!s) {
        lw_print(stderr, "lambdaward status: %s", err);
        lw_config_free(&cfg);
        return LW_EXIT_FAILURE;
    }
    printf("%-40s %8s %8s %10s  %s\n", "LOG GROUP", "LAG", "NEWEST", "EVENTS", "LAST ERROR");
    int rows = 0;
    lw_state_groups(s, row, &rows);
    if (!rows)
        puts("(no log group checkpoints yet)");
    if (rows)
        puts("\nLAG: since the last complete poll ended, as lambdaward_group_lag_seconds in /metrics;\n"
             "NEWEST: age of the newest event analysed.");
    int pushed = 0;
    lw_state_firehose_groups(s, pushed_row, &pushed); /* none in a state that never took a push */
    printf("\nfindings recorded: %lld; webhook deliveries pending: %lld\n", (long long)lw_state_finding_count(s),
           (long long)lw_state_outbox_pending(s));
    lw_state_close(s);
    lw_config_free(&cfg);
    return LW_EXIT_OK;
}
