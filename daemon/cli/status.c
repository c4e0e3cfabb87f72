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
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/term.h"
#include "daemon/log.h"
#include "daemon/sinks/output.h"
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

/* The rows of one table, gathered first: the name column is as wide as
 * the longest name needs (names are never cut, daemon/sinks/output.h). */
typedef struct rows {
    lw_group_state *g;
    lw_firehose_group *f;
    size_t n, cap, longest;
} rows;

/* Room for one more row of `size` bytes in *v. */
static void room(rows *r, void **v, size_t size)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        *v = lw_xrealloc(*v, r->cap * size);
    }
}

static void note(rows *r, const char *name)
{
    size_t c = lw_out_columns(name, strlen(name));
    r->longest = c > r->longest ? c : r->longest;
    r->n++;
}

static void group_cb(void *ud, const lw_group_state *g)
{
    rows *r = ud;
    room(r, (void **)&r->g, sizeof *r->g);
    r->g[r->n] = *g;
    note(r, g->name);
}

static void pushed_cb(void *ud, const lw_firehose_group *g)
{
    rows *r = ud;
    room(r, (void **)&r->f, sizeof *r->f);
    r->f[r->n] = *g;
    note(r, g->name);
}

#define GROUP_REST 31 /* " LAG NEWEST EVENTS  " after the name */
#define ERROR_MIN 10

static void print_groups(const rows *r, size_t width, int64_t now)
{
    size_t w = lw_out_name_width(r->longest, 9, GROUP_REST + ERROR_MIN, width);
    size_t ew = width > w + GROUP_REST + ERROR_MIN ? width - w - GROUP_REST : width ? ERROR_MIN : 0;
    printf("%-*s %8s %8s %10s  %s\n", (int)w, "LOG GROUP", "LAG", "NEWEST", "EVENTS", "LAST ERROR");
    lw_buf out = LW_BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        const lw_group_state *g = &r->g[i];
        char lag[16], newest[16];
        /* LAG is lambdaward_group_lag_seconds: now minus the end of the last
         * complete poll (everything visible before it is analysed). The age of
         * the newest event says how quiet the group is, not how far behind. */
        ago(lag, sizeof lag, g->last_poll_ms ? now - g->last_poll_ms : 0);
        ago(newest, sizeof newest, g->watermark_ms ? now - g->watermark_ms : 0);
        /* Names and errors came from outside (AWS's messages quote
         * requests): cells are redacted and escaped as every table's. */
        lw_out_name(&out, g->name, strlen(g->name), w);
        lw_buf_printf(&out, " %8s %8s %10lld  ", lag, newest, (long long)g->events);
        const char *e = g->last_error[0] ? g->last_error : "-";
        lw_out_cell(&out, e, strlen(e), ew);
        while (out.len && out.p[out.len - 1] == ' ')
            out.len--;
        lw_buf_putc(&out, '\n');
    }
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
    lw_buf_free(&out);
}

/* A group pushed through Firehose has no poll or watermark: its lag is
 * how long ago its last event arrived. */
static void print_pushed(const rows *r, size_t width, int64_t now)
{
    size_t w = lw_out_name_width(r->longest, 16, 31, width);
    printf("\n%-*s %8s %10s %10s\n", (int)w, "PUSHED LOG GROUP", "LAST", "EVENTS", "DUPLICATES");
    lw_buf out = LW_BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        const lw_firehose_group *g = &r->f[i];
        char last[16];
        ago(last, sizeof last, g->last_event_ms ? now - g->last_event_ms : 0);
        lw_out_name(&out, g->name, strlen(g->name), w);
        lw_buf_printf(&out, " %8s %10lld %10lld\n", last, (long long)g->events, (long long)g->duplicates);
    }
    fwrite(out.p ? out.p : "", 1, out.len, stdout);
    lw_buf_free(&out);
}

/* Each polled [watch] prefix no recorded group starts with: the daemon
 * found none there (yet), which it warns about once in its log; said here
 * too, since a typo in a prefix otherwise looks like a quiet service. */
static void empty_prefixes(const lw_config *cfg, const rows *r)
{
    bool first = true;
    for (const lw_watch_cfg *w = cfg->watches; w; w = w->next) {
        if (w->push)
            continue;
        for (int i = 0; i < w->prefixes.n; i++) {
            const char *p = w->prefixes.v[i];
            bool hit = false;
            for (size_t k = 0; k < r->n && !hit; k++)
                hit = !strncmp(r->g[k].name, p, strlen(p));
            if (!hit && first)
                putchar('\n'), first = false;
            if (!hit)
                lw_print(stdout, "[watch %s] log_group_prefix %s: no log group recorded with this prefix (none "
                         "found yet, or the daemon has not listed it)", w->name, p);
        }
    }
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
    size_t width = lw_term_width(1);
    int64_t now = lw_wall_ms();
    rows groups = {0}, pushed = {0};
    lw_state_groups(s, group_cb, &groups);
    print_groups(&groups, width, now);
    if (!groups.n)
        puts("(no log group checkpoints yet)");
    if (groups.n)
        puts("\nLAG: since the last complete poll ended (lambdaward_group_lag_seconds in\n"
             "/metrics); NEWEST: age of the newest event analysed.");
    empty_prefixes(&cfg, &groups);
    lw_state_firehose_groups(s, pushed_cb, &pushed); /* none in a state that never took a push */
    if (pushed.n)
        print_pushed(&pushed, width, now);
    free(groups.g);
    free(pushed.f);
    printf("\nfindings recorded: %lld; webhook deliveries pending: %lld\n", (long long)lw_state_finding_count(s),
           (long long)lw_state_outbox_pending(s));
    lw_state_close(s);
    lw_config_free(&cfg);
    return LW_EXIT_OK;
}
