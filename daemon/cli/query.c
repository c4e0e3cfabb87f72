/*
 * query: `lambdaward query`, the one-shot analyser.
 *
 * Parses the command line, runs one pipeline over the chosen source (files
 * and stdin, sources/file.c, or the API, sources/query_api.c), prints
 * findings as they come and one summary per function at the end, then
 * delivers the findings to any --webhook. Input problems are reported with
 * file and line and do not stop the run: everything readable is analysed,
 * then the exit status says 2.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/timeutil.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/term.h"
#include "daemon/pipeline/pipeline.h"
#include "daemon/pipeline/spool.h"
#include "daemon/sinks/output.h"
#include "daemon/sinks/webhook_format.h"
#include "daemon/sinks/webhook_send.h"
#include "daemon/sources/file.h"
#include "daemon/sources/query_api.h"
#include "daemon/log.h"

#define MAX_SHOWN_ERRORS 20
#define MAX_JOBS 64

typedef struct query {
    lw_out_style style;     /* format, width, colour; want_function set at the end */
    int fail_on;            /* -1 = off */
    const char *default_group;
    lw_arch arch;
    int jobs;
    lw_buf out;
    uint64_t input_errors;
    uint64_t findings;
    int max_sev;
    lw_pipeline *p;
    const char **webhooks;   /* --webhook NAMEs */
    int nwebhooks;
    const char *config;
    bool config_given;
    lw_config cfg;           /* loaded when --config or --webhook is given */
    bool have_cfg;
    lw_spool sent;           /* findings to deliver to --webhook after the analysis */
    const char **functions;  /* --function globs; none = every function */
    int nfunctions;
} query;

static const char LAMBDA_GROUP[] = "/aws/lambda/";

/* --function: a function is kept when any glob matches its name (the
 * pipeline's name for it, parsers/classify.h: the part of /aws/lambda/NAME,
 * else the sensor's function name, else the group). Read-only, so worker
 * threads may call it. */
static bool function_wanted(void *ud, const char *name, size_t n)
{
    const query *q = ud;
    if (!q->nfunctions)
        return true;
    char small[256];
    char *z = n < sizeof small ? small : lw_xmalloc(n + 1);
    memcpy(z, name, n);
    z[n] = 0;
    bool hit = false;
    for (int i = 0; i < q->nfunctions && !hit; i++)
        hit = fnmatch(q->functions[i], z, 0) == 0 && strlen(z) == n; /* a NUL inside never matches */
    if (z != small)
        free(z);
    return hit;
}

/* Events of /aws/lambda/NAME belong to NAME whatever they say, so other
 * functions' events can go before any work; the pipeline names the rest
 * only once parsed: their findings and summaries are filtered on output. */
static bool keep_event(void *ud, const lw_event *ev)
{
    const size_t k = sizeof LAMBDA_GROUP - 1;
    if (ev->group.n > k && !memcmp(ev->group.p, LAMBDA_GROUP, k))
        return function_wanted(ud, ev->group.p + k, ev->group.n - k);
    return true;
}

static bool keep_finding(void *ud, const lw_finding *f)
{
    return function_wanted(ud, f->function.p, f->function.n);
}

static void usage(FILE *to)
{
    fputs("Usage: lambdaward query [options] FILE...\n"
          "       lambdaward query --log-group NAME|--log-group-prefix P [--since 2h] [options]\n"
          "\n"
          "Analyse Lambda logs once and print findings, then one summary per function.\n"
          "\n"
          "From the CloudWatch Logs API (credentials and region as the AWS CLI finds them):\n"
          "      --log-group NAME   a log group (repeatable)\n"
          "      --log-group-prefix P  every log group whose name starts with P (repeatable)\n"
          "      --since TIME       from this time until now (default 1h): a duration ago\n"
          "                         (90s, 15m, 2h, 7d, 1w) or a time as for --start\n"
          "      --start TIME       from TIME: ISO 8601 (2026-03-08T14:00:00Z, +01:00, +0100;\n"
          "                         a time without a zone is UTC; a bare date is 00:00 UTC),\n"
          "                         epoch milliseconds (1772978400000, as the AWS CLI), ten\n"
          "                         digits as epoch seconds, a duration ago, or 'now'\n"
          "      --end TIME         ... until TIME (default now), in the same forms\n"
          "      --function NAME    only this Lambda function (repeatable; a glob such as 'api-*'\n"
          "                         matches as the shell would). Alone, it reads the log group\n"
          "                         /aws/lambda/NAME (for a glob, every group with the prefix\n"
          "                         before its first wildcard); with files or --log-group it\n"
          "                         filters events, findings and summaries\n"
          "      --filter-pattern P CloudWatch filter pattern applied by the service\n"
          "      --region R, --profile P, --endpoint-url URL  (override [aws] of --config)\n"
          "      --tps N            FilterLogEvents calls per second (default 5, AWS's hard limit\n"
          "                         per account and region, shared with every other tool)\n"
          "\n"
          "From files (FILE... as arguments, or --file):\n"
          "  FILE                   a file to read; '-' reads standard input. Any number.\n"
          "  -f, --file PATH        the same, as an option (repeatable)\n"
          "                         Formats are detected: FilterLogEvents/GetLogEvents pages,\n"
          "                         JSON Lines of events, subscription payloads (plain or\n"
          "                         gzip), `aws logs tail` output and plain text lines.\n"
          "      --log-group NAME   with files: the log group to assume for input that\n"
          "                         names none (text lines, GetLogEvents pages)\n"
          "\n"
          "Output:\n"
          "  -o, --output FORMAT    table (default on a terminal) or json (JSON Lines)\n"
          "      --color WHEN       colour severities in the table: auto (default: on a\n"
          "                         terminal, unless NO_COLOR is set), always or never\n"
          "      --fail-on SEV      exit 3 if a finding of severity SEV or higher is produced\n"
          "                         (info, low, medium, high, critical)\n"
          "      --arch ARCH        x86_64 (default) or arm64, for the cost estimate\n"
          "      --webhook NAME     also send the findings to [webhook NAME] of the config\n"
          "                         (repeatable; filters and signing as the daemon's)\n"
          "      --config FILE      use this config's [aws] (region, profile, endpoint_url,\n"
          "                         ca_bundle, filter_tps, request_timeout), detector settings,\n"
          "                         [rule NAME] sections and webhooks (default for --webhook:\n"
          "                         /etc/lambdaward/lambdaward.conf)\n"
          "      --debug            log every API call (operation, log group, HTTP status,\n"
          "                         duration, attempt), retry and webhook delivery attempt to\n"
          "                         standard error, never a secret ([log] level = debug of\n"
          "                         --config does the same)\n"
          "  -j, --jobs N           analyse large files with N threads (default 1; 0 = one\n"
          "                         per CPU). Splits JSON Lines and text files on line\n"
          "                         boundaries; other inputs are read by one thread\n"
          "  -h, --help             this help\n"
          "\n"
          "Environment: AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, ... as the AWS CLI;\n"
          "  AWS_CA_BUNDLE  CA certificates for the AWS endpoint (wins over [aws] ca_bundle)\n"
          "\n"
          "Exit status: 0 ok; 2 usage or input error (input errors are reported with file\n"
          "and line, and everything readable is still analysed); 3 --fail-on triggered\n"
          "(takes precedence over input errors); 1 when a --webhook delivery failed.\n",
          to);
}

static void flush_out(query *q)
{
    if (q->out.len) {
        fwrite(q->out.p, 1, q->out.len, stdout);
        lw_buf_reset(&q->out);
    }
}

/* Counts a finding whose output line is in q->out and keeps it for
 * --webhook delivery. */
static void take(query *q, const char *id, int severity, const char *detector, const char *json, size_t n)
{
    q->findings++;
    if (severity > q->max_sev)
        q->max_sev = severity;
    if (q->out.len > (64u << 10))
        flush_out(q);
    if (q->sent.f)
        lw_spool_put(&q->sent, id, severity, detector, NULL, 0, json, n);
}

static void render(void *ud, const lw_finding *f, const char *json, size_t n, lw_buf *out)
{
    const query *q = ud;
    lw_out_finding(&q->style, f, json, n, out);
}

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    query *q = ud;
    if (!keep_finding(q, f))
        return;
    render(q, f, json, n, &q->out);
    take(q, id, (int)f->severity, f->detector, json, n);
}

/* A --jobs worker's finding, rendered in its thread, back in input order. */
static void replay(void *ud, const lw_spooled *k)
{
    query *q = ud;
    lw_buf_append(&q->out, k->rendered, k->rendered_len);
    take(q, k->id, k->severity, k->detector, k->json, k->json_len);
}

/* Sends the recorded findings to each --webhook, three tries each.
 * Returns the number of findings that could not be delivered. */
static int send_webhooks(query *q)
{
    const lw_config cfg = q->cfg;
    int failed = 0;
    for (int w = 0; w < q->nwebhooks; w++) {
        const lw_webhook_cfg *h = lw_webhook_find(&cfg, q->webhooks[w]);
        if (!h) {
            lw_print(stderr, "lambdaward query: no [webhook %s] in %s", q->webhooks[w], q->config);
            failed++;
            continue;
        }
        lw_spool_rewind(&q->sent);
        int sent = 0, bad = 0;
        lw_spooled k;
        while (lw_spool_next(&q->sent, &k)) {
            const char *id = k.id;
            if (!lw_webhook_wants(h, (lw_severity)k.severity, k.detector))
                continue;
            char err[256] = "";
            int status = lw_webhook_send(h, cfg.ca_bundle, id, k.json, 3, err, sizeof err);
            if (status >= 200 && status < 300) {
                sent++;
            } else {
                bad++;
                lw_print(stderr, "lambdaward: webhook %s: finding %s not delivered (%s%s%d)", h->name, id,
                         status ? "" : err, status ? "HTTP " : ", ", status);
            }
        }
        lw_print(stderr, "lambdaward: webhook %s: %d delivered, %d failed", h->name, sent, bad);
        failed += bad;
    }
    return failed;
}

static void on_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    query *q = ud;
    q->input_errors++;
    if (q->input_errors <= MAX_SHOWN_ERRORS && msg && !line)
        lw_print(stderr, "lambdaward: %s: %s", origin, msg); /* about the input: the message says where */
    else if (q->input_errors <= MAX_SHOWN_ERRORS && msg)
        lw_print(stderr, "lambdaward: %s:%llu: %s", origin, (unsigned long long)line, msg);
    else if (q->input_errors == MAX_SHOWN_ERRORS + 1)
        lw_print(stderr, "lambdaward: further input errors are counted, not shown");
}

int lw_cmd_query(int argc, char **argv)
{
    enum { OPT_FAIL_ON = 256, OPT_LOG_GROUP, OPT_ARCH, OPT_WEBHOOK, OPT_CONFIG, OPT_PREFIX, OPT_SINCE, OPT_START,
           OPT_END, OPT_PATTERN, OPT_REGION, OPT_PROFILE, OPT_ENDPOINT, OPT_TPS, OPT_FUNCTION, OPT_COLOR, OPT_DEBUG };
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"log-group", required_argument, NULL, OPT_LOG_GROUP},
        {"arch", required_argument, NULL, OPT_ARCH},
        {"jobs", required_argument, NULL, 'j'},
        {"webhook", required_argument, NULL, OPT_WEBHOOK},
        {"log-group-prefix", required_argument, NULL, OPT_PREFIX},
        {"since", required_argument, NULL, OPT_SINCE},
        {"start", required_argument, NULL, OPT_START},
        {"end", required_argument, NULL, OPT_END},
        {"filter-pattern", required_argument, NULL, OPT_PATTERN},
        {"region", required_argument, NULL, OPT_REGION},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
        {"tps", required_argument, NULL, OPT_TPS},
        {"function", required_argument, NULL, OPT_FUNCTION},
        {"color", required_argument, NULL, OPT_COLOR},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    query q = {0};
    q.style.fmt = isatty(1) ? LW_OUT_TABLE : LW_OUT_JSON;
    lw_color_mode color = LW_COLOR_AUTO;
    q.fail_on = -1;
    q.max_sev = -1;
    q.jobs = 1;
    const char **files = lw_xcalloc((size_t)argc + 1, sizeof *files);
    const char **hooks = lw_xcalloc((size_t)argc + 1, sizeof *hooks);
    const char **groups = lw_xcalloc((size_t)argc + 1, sizeof *groups);
    const char **prefixes = lw_xcalloc((size_t)argc + 1, sizeof *prefixes);
    const char **functions = lw_xcalloc((size_t)argc + 1, sizeof *functions);
    char **derived = lw_xcalloc((size_t)argc + 1, sizeof *derived); /* groups and prefixes --function implies */
    int nderived = 0;
    q.functions = functions;
    lw_query_api_opts api = {.groups = groups, .prefixes = prefixes};
    const int64_t now_ms = lw_wall_ms();
    int64_t since_at = 0;
    bool since_given = false, start_given = false, end_given = false;
    q.webhooks = hooks;
    q.config = "/etc/lambdaward/lambdaward.conf";
    int nfiles = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            files[nfiles++] = optarg;
            break;
        case 'o':
            if (!strcmp(optarg, "json"))
                q.style.fmt = LW_OUT_JSON;
            else if (!strcmp(optarg, "table"))
                q.style.fmt = LW_OUT_TABLE;
            else {
                lw_print(stderr, "lambdaward query: --output must be table or json, not '%s'", optarg);
                goto usage_error;
            }
            break;
        case OPT_FAIL_ON: {
            lw_severity s;
            if (lw_severity_parse(optarg, &s) < 0) {
                lw_print(stderr, "lambdaward query: --fail-on takes info, low, medium, high or critical, not '%s'",
                         optarg);
                goto usage_error;
            }
            q.fail_on = (int)s;
            break;
        }
        case OPT_LOG_GROUP:
            groups[api.ngroups++] = optarg;
            break;
        case OPT_PREFIX:
            prefixes[api.nprefixes++] = optarg;
            break;
        case OPT_SINCE:
        case OPT_START:
        case OPT_END: {
            /* One parser for every time flag (common/timeutil.h), relative
             * to one "now" so --since 2h --end 1h is the hour between. */
            int64_t ms;
            const char *flag = c == OPT_SINCE ? "since" : c == OPT_START ? "start" : "end";
            if (lw_time_parse_arg(optarg, now_ms, &ms) < 0) {
                lw_print(stderr, "lambdaward query: --%s takes a duration ago (90s, 15m, 2h, 7d, 1w), an ISO 8601 "
                         "time (2026-03-08T14:00:00Z; UTC when no zone is given) or epoch milliseconds, not '%s'",
                         flag, optarg);
                goto usage_error;
            }
            if (c == OPT_SINCE)
                since_at = ms, since_given = true;
            else if (c == OPT_START)
                api.start_ms = ms, start_given = true;
            else
                api.end_ms = ms, end_given = true;
            break;
        }
        case OPT_PATTERN:
            api.filter_pattern = optarg;
            break;
        case OPT_REGION:
            api.region = optarg;
            break;
        case OPT_PROFILE:
            api.profile = optarg;
            break;
        case OPT_ENDPOINT:
            api.endpoint_url = optarg;
            break;
        case OPT_TPS:
            api.tps = atof(optarg);
            if (!(api.tps > 0 && api.tps <= 1000)) {
                lw_print(stderr, "lambdaward query: --tps takes a number of calls per second (0 < N <= 1000)");
                goto usage_error;
            }
            break;
        case OPT_FUNCTION:
            if (!*optarg) {
                lw_print(stderr, "lambdaward query: --function takes a function name or a glob (api-*), not ''");
                goto usage_error;
            }
            functions[q.nfunctions++] = optarg;
            break;
        case OPT_COLOR: {
            char err[128];
            if (lw_term_color_parse(optarg, &color, err, sizeof err) < 0) {
                lw_print(stderr, "lambdaward query: --color %s, not '%s'", err, optarg);
                goto usage_error;
            }
            break;
        }
        case OPT_DEBUG:
            lw_log_set_level("debug");
            lw_log_pin_level(); /* over [log] level of --config */
            break;
        case OPT_WEBHOOK:
            hooks[q.nwebhooks++] = optarg;
            break;
        case OPT_CONFIG:
            q.config = optarg;
            q.config_given = true;
            break;
        case OPT_ARCH:
            if (!strcmp(optarg, "arm64") || !strcmp(optarg, "aarch64"))
                q.arch = LW_ARCH_ARM64;
            else if (!strcmp(optarg, "x86_64") || !strcmp(optarg, "x86-64") || !strcmp(optarg, "amd64"))
                q.arch = LW_ARCH_X86_64;
            else {
                lw_print(stderr, "lambdaward query: --arch must be x86_64 or arm64, not '%s'", optarg);
                goto usage_error;
            }
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > MAX_JOBS) {
                lw_print(stderr, "lambdaward query: --jobs takes a number from 0 to %d, not '%s'", MAX_JOBS, optarg);
                goto usage_error;
            }
            q.jobs = v ? (int)v : (int)sysconf(_SC_NPROCESSORS_ONLN);
            if (q.jobs < 1)
                q.jobs = 1;
            break;
        }
        case 'h':
            usage(stdout);
            free(files);
            free(hooks);
            free(groups);
            free(prefixes);
            free(functions);
            free(derived);
            return LW_EXIT_OK;
        default:
            lw_print(stderr, "Try 'lambdaward query --help'.");
            goto usage_error;
        }
    }
    q.style.width = lw_term_width(1);
    q.style.color = lw_term_color(1, color);
    /* FILE... as the Unix tools take them; -f/--file still works and the
     * order of the inputs is the order given, options first. */
    while (optind < argc)
        files[nfiles++] = argv[optind++];
    bool use_api = !nfiles;
    if (use_api && !api.ngroups && !api.nprefixes) {
        /* --function alone names the groups to read: /aws/lambda/NAME, or
         * for a glob the prefix before its first wildcard. */
        for (int i = 0; i < q.nfunctions; i++) {
            const char *f = functions[i];
            size_t lit = strcspn(f, "*?[\\");
            size_t k = sizeof LAMBDA_GROUP - 1;
            char *g = lw_xmalloc(k + lit + 1);
            memcpy(g, LAMBDA_GROUP, k);
            memcpy(g + k, f, lit);
            g[k + lit] = 0;
            derived[nderived++] = g;
            if (f[lit])
                prefixes[api.nprefixes++] = g;
            else
                groups[api.ngroups++] = g;
        }
    }
    if (nfiles) {
        if (api.nprefixes || api.ngroups > 1) {
            lw_print(stderr, "lambdaward query: FILE/--file reads files; --log-group-prefix and several "
                             "--log-group query the API: use one or the other");
            goto usage_error;
        }
        q.default_group = api.ngroups ? groups[0] : NULL;
    } else if (!api.ngroups && !api.nprefixes) {
        lw_print(stderr, "lambdaward query: no input: give FILE... (or - for stdin), or --log-group NAME / "
                         "--log-group-prefix P / --function NAME for the API");
        lw_print(stderr, "Try 'lambdaward query --help'.");
        goto usage_error;
    }
    if (since_given && start_given) {
        lw_print(stderr, "lambdaward query: --since and --start both say where to start: give one");
        goto usage_error;
    }
    if (!use_api && (since_given || start_given || end_given)) {
        lw_print(stderr, "lambdaward query: --since, --start and --end choose what the API returns; files are read "
                         "whole");
        goto usage_error;
    }
    if (use_api) {
        if (since_given)
            api.start_ms = since_at;
        else if (!start_given)
            api.start_ms = (end_given ? api.end_ms : now_ms) - 3600 * 1000; /* the default: the last hour */
        if (end_given && api.end_ms <= api.start_ms) {
            lw_print(stderr, "lambdaward query: --end must be after the start");
            goto usage_error;
        }
        if (api.start_ms > now_ms) {
            lw_print(stderr, "lambdaward query: the start is in the future: no events yet");
            goto usage_error;
        }
    }
    /* Refuse unreadable inputs before printing anything. */
    for (int i = 0; i < nfiles; i++) {
        if (strcmp(files[i], "-") && access(files[i], R_OK) != 0) {
            lw_print(stderr, "lambdaward query: cannot read %s: %s", files[i], strerror(errno));
            goto usage_error;
        }
    }

    if (0) {
    usage_error:
        free(files);
        free(hooks);
        free(groups);
        free(prefixes);
        for (int i = 0; i < nderived; i++)
            free(derived[i]);
        free(derived);
        free(functions);
        return LW_EXIT_USAGE;
    }
    if (q.config_given || q.nwebhooks) {
        /* Detector settings, [rule NAME] sections and webhooks apply to a
         * query too; a config with errors is refused as the daemon would. */
        q.have_cfg = true;
        if (lw_config_load(q.config, &q.cfg)) {
            for (int i = 0; i < q.cfg.errors.n; i++)
                lw_print(stderr, "%s", q.cfg.errors.v[i]);
            lw_config_free(&q.cfg);
            goto usage_error;
        }
        lw_log_set_level(lw_log_level_names[q.cfg.log_level]);
    }
    if (q.nwebhooks && lw_spool_open(&q.sent) < 0) {
        lw_print(stderr, "lambdaward query: cannot create a temporary file: %s", strerror(errno));
        lw_config_free(&q.cfg);
        free(files);
        free(hooks);
        return LW_EXIT_FAILURE;
    }
    if (use_api && q.have_cfg) {
        /* [aws] as the daemon reads it; the command line overrides it. */
        if (!api.region)
            api.region = q.cfg.region;
        if (!api.profile)
            api.profile = q.cfg.profile;
        if (!api.endpoint_url)
            api.endpoint_url = q.cfg.endpoint_url;
        if (!(api.tps > 0) && q.cfg.filter_tps > 0)
            api.tps = q.cfg.filter_tps;
        api.ca_bundle = q.cfg.ca_bundle;
        api.timeout_s = q.cfg.request_timeout_s;
    }
    lw_pipeline_opts po = {.sink = sink, .ud = &q, .arch = q.arch, .config = q.have_cfg ? &q.cfg : NULL};
    q.p = lw_pipeline_new(&po);
    if (use_api) {
        if (q.nfunctions) {
            api.keep_event = keep_event;
            api.keep_ud = &q;
        }
        lw_query_api_result res;
        if (lw_query_api(&api, q.p, &res) < 0)
            q.input_errors++;
        q.input_errors += res.errors;
    }
    lw_file_counts fc = {0};
    lw_file_opts fo = {.default_group = q.default_group, .p = q.p, .jobs = q.jobs, .worker = &po,
                       .render = render, .replay = replay, .on_error = on_error, .ud = &q, .counts = &fc,
                       .keep_event = q.nfunctions ? keep_event : NULL,
                       .keep_finding = q.nfunctions ? keep_finding : NULL};
    for (int i = 0; i < nfiles; i++)
        if (lw_file_read(&fo, files[i]) < 0)
            q.input_errors++;
    lw_pipeline_finish(q.p);
    /* Platform lines whose fields could not be read leave durations,
     * memory and cost short: an input error, said, never silent. */
    uint64_t unread = lw_pipeline_counts_get(q.p)->platform_unread + fc.platform_unread;
    q.style.want_function = q.nfunctions ? function_wanted : NULL;
    q.style.ud = &q;
    lw_out_summaries(&q.style, lw_pipeline_stats(q.p), q.findings, lw_pipeline_late(q.p) + fc.late, &q.out);
    flush_out(&q);
    fflush(stdout);
    int max_sev = q.max_sev;
    lw_pipeline_free(q.p);
    lw_buf_free(&q.out);
    free(files);
    int undelivered = 0;
    if (q.sent.f) {
        undelivered = send_webhooks(&q);
        lw_spool_close(&q.sent);
    }
    if (q.have_cfg)
        lw_config_free(&q.cfg);
    free(hooks);
    free(groups);
    free(prefixes);
    for (int i = 0; i < nderived; i++)
        free(derived[i]);
    free(derived);
    free(functions);
    if (unread)
        lw_print(stderr, "lambdaward: %llu platform line%s (REPORT, INIT_REPORT, ...) with fields that could not be "
                 "read: durations, memory and cost are undercounted", (unsigned long long)unread, unread == 1 ? "" : "s");
    q.input_errors += unread;
    if (fc.damaged_lines)
        lw_print(stderr, "lambdaward: %llu damaged input line%s skipped", (unsigned long long)fc.damaged_lines,
                 fc.damaged_lines == 1 ? "" : "s");
    if (q.input_errors > MAX_SHOWN_ERRORS)
        lw_print(stderr, "lambdaward: %llu input errors in total", (unsigned long long)q.input_errors);
    if (q.fail_on >= 0 && max_sev >= q.fail_on)
        return LW_EXIT_FINDINGS;
    if (q.input_errors)
        return LW_EXIT_USAGE;
    return undelivered ? LW_EXIT_FAILURE : LW_EXIT_OK;
}
