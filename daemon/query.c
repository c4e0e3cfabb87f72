/*
 * query: `lambdaward query`, the one-shot analyser.
 *
 * Reads files or stdin (formats auto-detected by the decoder), runs the
 * pipeline, prints findings as they come and one summary per function at
 * the end. Input problems are reported with file and line and do not stop
 * the run: everything readable is analysed, then the exit status says 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "daemon/cli.h"
#include "daemon/output.h"
#include "daemon/pipeline.h"
#include "parsers/decode.h"

#define READ_CHUNK (4u << 20)
#define MAX_SHOWN_ERRORS 20

typedef struct query {
    lw_out_format fmt;
    int fail_on;            /* -1 = off */
    const char *default_group;
    lw_arch arch;
    lw_buf out;
    uint64_t input_errors;
    uint64_t findings;
} query;

static void usage(FILE *to)
{
    fputs("Usage: lambdaward query --file PATH [--file PATH ...] [options]\n"
          "\n"
          "Analyse exported Lambda logs and print findings, then one summary per function.\n"
          "\n"
          "Input:\n"
          "  -f, --file PATH        a file to read; '-' reads standard input. Repeatable.\n"
          "                         Formats are detected: FilterLogEvents/GetLogEvents pages,\n"
          "                         JSON Lines of events, subscription payloads (plain or\n"
          "                         gzip), `aws logs tail` output and plain text lines.\n"
          "      --log-group NAME   log group to assume for input that names none\n"
          "                         (text lines, GetLogEvents pages)\n"
          "\n"
          "Output:\n"
          "  -o, --output FORMAT    table (default on a terminal) or json (JSON Lines)\n"
          "      --fail-on SEV      exit 3 if a finding of severity SEV or higher is produced\n"
          "                         (info, low, medium, high, critical)\n"
          "      --arch ARCH        x86_64 (default) or arm64, for the cost estimate\n"
          "  -h, --help             this help\n"
          "\n"
          "Exit status: 0 ok; 2 usage or input error (input errors are reported with file\n"
          "and line, and everything readable is still analysed); 3 --fail-on triggered\n"
          "(takes precedence over input errors).\n",
          to);
}

static void flush_out(query *q)
{
    if (q->out.len) {
        fwrite(q->out.p, 1, q->out.len, stdout);
        lw_buf_reset(&q->out);
    }
}

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)id;
    query *q = ud;
    q->findings++;
    lw_out_finding(q->fmt, f, json, n, &q->out);
    if (q->out.len > (64u << 10))
        flush_out(q);
}

static void on_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    query *q = ud;
    q->input_errors++;
    if (q->input_errors <= MAX_SHOWN_ERRORS)
        fprintf(stderr, "lambdaward: %s:%llu: %s\n", origin, (unsigned long long)line, msg);
    else if (q->input_errors == MAX_SHOWN_ERRORS + 1)
        fprintf(stderr, "lambdaward: further input errors are counted, not shown\n");
}

static int read_input(query *q, lw_pipeline *p, const char *path)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "lambdaward: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fd)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    lw_decoder_opts o = {
        .origin = fd ? path : "-",
        .default_group = q->default_group,
        .on_event = lw_pipeline_event_cb,
        .on_error = on_error,
        .ud = p,
        .err_ud = q,
    };
    lw_decoder *d = lw_decoder_new(&o);
    char *buf = lw_xmalloc(READ_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "lambdaward: error reading %s: %s\n", path, strerror(errno));
            q->input_errors++;
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        lw_decoder_feed(d, buf, (size_t)n);
    }
    lw_decoder_finish(d);
    free(buf);
    lw_decoder_free(d);
    if (fd)
        close(fd);
    return rc;
}

int lw_cmd_query(int argc, char **argv)
{
    enum { OPT_FAIL_ON = 256, OPT_LOG_GROUP, OPT_ARCH };
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"log-group", required_argument, NULL, OPT_LOG_GROUP},
        {"arch", required_argument, NULL, OPT_ARCH},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    query q = {0};
    q.fmt = isatty(1) ? LW_OUT_TABLE : LW_OUT_JSON;
    q.fail_on = -1;
    const char **files = lw_xcalloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            files[nfiles++] = optarg;
            break;
        case 'o':
            if (!strcmp(optarg, "json"))
                q.fmt = LW_OUT_JSON;
            else if (!strcmp(optarg, "table"))
                q.fmt = LW_OUT_TABLE;
            else {
                fprintf(stderr, "lambdaward query: --output must be table or json, not '%s'\n", optarg);
                free(files);
                return LW_EXIT_USAGE;
            }
            break;
        case OPT_FAIL_ON: {
            lw_severity s;
            if (lw_severity_parse(optarg, &s) < 0) {
                fprintf(stderr, "lambdaward query: --fail-on takes info, low, medium, high or critical, not '%s'\n",
                        optarg);
                free(files);
                return LW_EXIT_USAGE;
            }
            q.fail_on = (int)s;
            break;
        }
        case OPT_LOG_GROUP:
            q.default_group = optarg;
            break;
        case OPT_ARCH:
            if (!strcmp(optarg, "arm64") || !strcmp(optarg, "aarch64"))
                q.arch = LW_ARCH_ARM64;
            else if (!strcmp(optarg, "x86_64") || !strcmp(optarg, "x86-64") || !strcmp(optarg, "amd64"))
                q.arch = LW_ARCH_X86_64;
            else {
                fprintf(stderr, "lambdaward query: --arch must be x86_64 or arm64, not '%s'\n", optarg);
                free(files);
                return LW_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            free(files);
            return LW_EXIT_OK;
        default:
            fprintf(stderr, "Try 'lambdaward query --help'.\n");
            free(files);
            return LW_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lambdaward query: unexpected argument '%s' (inputs are given with --file)\n", argv[optind]);
        free(files);
        return LW_EXIT_USAGE;
    }
    if (!nfiles) {
        fprintf(stderr, "lambdaward query: no input: give --file PATH (or --file - for stdin)\n"
                        "Try 'lambdaward query --help'.\n");
        free(files);
        return LW_EXIT_USAGE;
    }
    /* Refuse unreadable inputs before printing anything. */
    for (int i = 0; i < nfiles; i++) {
        if (strcmp(files[i], "-") && access(files[i], R_OK) != 0) {
            fprintf(stderr, "lambdaward query: cannot read %s: %s\n", files[i], strerror(errno));
            free(files);
            return LW_EXIT_USAGE;
        }
    }

    lw_pipeline_opts po = {.sink = sink, .ud = &q, .arch = q.arch};
    lw_pipeline *p = lw_pipeline_new(&po);
    for (int i = 0; i < nfiles; i++)
        read_input(&q, p, files[i]);
    lw_pipeline_finish(p);
    lw_out_summaries(q.fmt, lw_pipeline_stats(p), q.findings, &q.out);
    flush_out(&q);
    fflush(stdout);
    int max_sev = lw_pipeline_findings(p)->max_severity;
    lw_pipeline_free(p);
    lw_buf_free(&q.out);
    free(files);
    if (q.input_errors > MAX_SHOWN_ERRORS)
        fprintf(stderr, "lambdaward: %llu input errors in total\n", (unsigned long long)q.input_errors);
    if (q.fail_on >= 0 && max_sev >= q.fail_on)
        return LW_EXIT_FINDINGS;
    return q.input_errors ? LW_EXIT_USAGE : LW_EXIT_OK;
}
