/*
 * findings: `lambdaward findings`, the findings history from the daemon's
 * state file, oldest event time first.
 *
 * Filters: --since (a duration before now, ISO 8601 or epoch ms: the
 * finding's event time), --severity (minimum), --detector, --function (a
 * glob); --suppressed lists the ones a [suppress NAME] muted instead.
 * Output: the query table (daemon/sinks/output.c) or, with --json, each
 * finding's JSON as recorded, one per line. The JSON was redacted when it
 * was made; it passes through redaction again here, as every byte we print
 * does (the table's cells are redacted and escaped by output.c, which
 * leaves only its own colour codes raw). The state is opened read-only, as
 * `status` does.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "config/config.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/term.h"
#include "daemon/log.h"
#include "daemon/sinks/output.h"
#include "daemon/state.h"
#include "secrets/redact.h"

typedef struct listing {
    const char *function;   /* glob, or NULL */
    bool json, suppressed;
    lw_out_style style;
    int64_t shown;
    lw_buf out;
} listing;

static void usage(FILE *to)
{
    fputs("Usage: lambdaward findings [--config FILE | --state PATH] [options]\n"
          "\n"
          "List the findings the daemon recorded, oldest event time first.\n"
          "\n"
          "      --since TIME       findings whose event time is at or after TIME: a duration\n"
          "                         before now (30m, 2h, 7d), ISO 8601 (2026-03-08T14:00:00Z)\n"
          "                         or epoch milliseconds\n"
          "      --severity SEV     at least this severity (info, low, medium, high, critical)\n"
          "      --detector NAME    only this detector's (e.g. timeout, rule:NAME)\n"
          "      --function GLOB    only functions matching GLOB (* ? [...])\n"
          "      --suppressed       list the findings [suppress NAME] sections muted instead,\n"
          "                         with the section's name\n"
          "      --json             one finding JSON object per line, as recorded\n"
          "      --color WHEN       colour severities in the table: auto (default: on a\n"
          "                         terminal, unless NO_COLOR is set), always or never\n"
          "      --config FILE      the config naming the state file\n"
          "                         (default /etc/lambdaward/lambdaward.conf)\n"
          "      --state PATH       read this state file instead\n"
          "  -h, --help             this help\n"
          "\n"
          "Exit status: 0 ok (also when nothing matches); 1 the state file cannot be read;\n"
          "2 usage error.\n",
          to);
}

/* The stored JSON's title and count, for the table printer. */
static void table_row(listing *l, const lw_finding_row *r)
{
    lw_finding f;
    memset(&f, 0, sizeof f);
    f.detector = r->detector;
    f.severity = (lw_severity)r->severity;
    f.function = (lw_str){r->function, strlen(r->function)};
    f.time_ms = r->time_ms;
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, r->json, r->json_len) == LW_JSON_OK && j.n > 0 && j.tok[0].type == JSMN_OBJECT) {
        lw_json_str(&j, lw_json_get(&j, 0, "title"), &f.title);
        int64_t count = 0;
        if (lw_json_int(&j, lw_json_get(&j, 0, "count"), &count) && count > 0)
            f.count = (uint64_t)count;
    }
    lw_json_free(&j);
    lw_out_finding(&l->style, &f, NULL, 0, &l->out);
    if (r->suppressed_by[0]) {
        lw_buf_puts(&l->out, "  suppressed by [suppress ");
        lw_out_cell(&l->out, r->suppressed_by, strlen(r->suppressed_by), 0);
        lw_buf_puts(&l->out, "]\n");
    }
    lw_buf_free(&f.title);
}

static int row(void *ud, const lw_finding_row *r)
{
    listing *l = ud;
    if (l->function && fnmatch(l->function, r->function, 0) != 0)
        return 0;
    l->shown++;
    if (l->json) {
        lw_buf red = LW_BUF_INIT;
        lw_redact(r->json, r->json_len, &red);
        fwrite(red.p ? red.p : "", 1, red.len, stdout);
        putchar('\n');
        lw_buf_free(&red);
        return 0;
    }
    table_row(l, r);
    fwrite(l->out.p, 1, l->out.len, stdout);
    lw_buf_reset(&l->out);
    return 0;
}

int lw_cmd_findings(int argc, char **argv)
{
    enum { OPT_SINCE = 256, OPT_SEVERITY, OPT_DETECTOR, OPT_FUNCTION, OPT_SUPPRESSED, OPT_JSON, OPT_COLOR };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"state", required_argument, NULL, 's'},
        {"since", required_argument, NULL, OPT_SINCE},
        {"severity", required_argument, NULL, OPT_SEVERITY},
        {"detector", required_argument, NULL, OPT_DETECTOR},
        {"function", required_argument, NULL, OPT_FUNCTION},
        {"suppressed", no_argument, NULL, OPT_SUPPRESSED},
        {"json", no_argument, NULL, OPT_JSON},
        {"color", required_argument, NULL, OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = "/etc/lambdaward/lambdaward.conf", *path = NULL;
    lw_finding_filter filt = {0};
    listing l = {0};
    lw_color_mode color = LW_COLOR_AUTO;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 's': path = optarg; break;
        case OPT_SINCE:
            if (lw_time_parse_arg(optarg, lw_wall_ms(), &filt.since_ms) < 0) {
                lw_print(stderr, "lambdaward findings: --since takes a duration (30m, 2h, 7d), an ISO 8601 time "
                                 "or epoch milliseconds, not '%s'", optarg);
                return LW_EXIT_USAGE;
            }
            break;
        case OPT_SEVERITY: {
            lw_severity sev;
            if (lw_severity_parse(optarg, &sev) < 0) {
                lw_print(stderr, "lambdaward findings: --severity takes info, low, medium, high or critical, not "
                                 "'%s'", optarg);
                return LW_EXIT_USAGE;
            }
            filt.min_severity = (int)sev;
            break;
        }
        case OPT_DETECTOR: filt.detector = optarg; break;
        case OPT_FUNCTION: l.function = optarg; break;
        case OPT_SUPPRESSED: filt.suppressed = l.suppressed = true; break;
        case OPT_JSON: l.json = true; break;
        case OPT_COLOR: {
            char err[128];
            if (lw_term_color_parse(optarg, &color, err, sizeof err) < 0) {
                lw_print(stderr, "lambdaward findings: --color %s, not '%s'", err, optarg);
                return LW_EXIT_USAGE;
            }
            break;
        }
        case 'h': usage(stdout); return LW_EXIT_OK;
        default: usage(stderr); return LW_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        lw_print(stderr, "lambdaward findings: unexpected argument '%s'", argv[optind]);
        return LW_EXIT_USAGE;
    }
    l.style = (lw_out_style){.fmt = LW_OUT_TABLE, .width = lw_term_width(1), .color = lw_term_color(1, color)};
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
        lw_print(stderr, "lambdaward findings: %s", err);
        lw_config_free(&cfg);
        return LW_EXIT_FAILURE;
    }
    int rc = lw_state_findings(s, &filt, row, &l);
    if (rc < 0)
        lw_print(stderr, "lambdaward findings: %s", lw_state_error(s));
    else if (!l.json && !l.shown)
        puts(l.suppressed ? "No suppressed findings." : "No findings.");
    lw_buf_free(&l.out);
    lw_state_close(s);
    lw_config_free(&cfg);
    return rc < 0 ? LW_EXIT_FAILURE : LW_EXIT_OK;
}
