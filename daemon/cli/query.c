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
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/idset.h"
#include "daemon/cli/cli.h"
#include "daemon/sinks/output.h"
#include "common/timeutil.h"
#include "daemon/pipeline/pipeline.h"
#include "daemon/sources/query_api.h"
#include "daemon/sinks/webhook_format.h"
#include "daemon/sinks/webhook_send.h"
#include "parsers/decode.h"
#include "common/json.h"

#define READ_CHUNK (4u << 20)
#define MAX_SHOWN_ERRORS 20
#define MIN_SPLIT_BYTES (32u << 20)  /* smaller files are not worth threads */
#define MAX_OVERRUN (64u << 20)      /* how far a worker reads on to close records */
#define MAX_JOBS 64

typedef struct query {
    lw_out_format fmt;
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
    FILE *sent;              /* findings to deliver: id, length, json */
} query;

static void usage(FILE *to)
{
    fputs("Usage: lambdaward query --file PATH [--file PATH ...] [options]\n"
          "       lambdaward query --log-group NAME|--log-group-prefix P [--since 2h] [options]\n"
          "\n"
          "Analyse Lambda logs once and print findings, then one summary per function.\n"
          "\n"
          "From the CloudWatch Logs API (credentials and region as the AWS CLI finds them):\n"
          "      --log-group NAME   a log group (repeatable)\n"
          "      --log-group-prefix P  every log group whose name starts with P (repeatable)\n"
          "      --since DURATION   from this long ago until now (default 1h): 90s, 15m, 2h, 7d\n"
          "      --start TIME       from an ISO 8601 time (2026-03-08T14:00:00Z) ...\n"
          "      --end TIME         ... until this one (default now)\n"
          "      --filter-pattern P CloudWatch filter pattern applied by the service\n"
          "      --region R, --profile P, --endpoint-url URL\n"
          "      --tps N            FilterLogEvents calls per second (default 5, AWS's hard limit\n"
          "                         per account and region, shared with every other tool)\n"
          "\n"
          "From files:\n"
          "  -f, --file PATH        a file to read; '-' reads standard input. Repeatable.\n"
          "                         Formats are detected: FilterLogEvents/GetLogEvents pages,\n"
          "                         JSON Lines of events, subscription payloads (plain or\n"
          "                         gzip), `aws logs tail` output and plain text lines.\n"
          "      --log-group NAME   with --file: the log group to assume for input that\n"
          "                         names none (text lines, GetLogEvents pages)\n"
          "\n"
          "Output:\n"
          "  -o, --output FORMAT    table (default on a terminal) or json (JSON Lines)\n"
          "      --fail-on SEV      exit 3 if a finding of severity SEV or higher is produced\n"
          "                         (info, low, medium, high, critical)\n"
          "      --arch ARCH        x86_64 (default) or arm64, for the cost estimate\n"
          "      --webhook NAME     also send the findings to [webhook NAME] of the config\n"
          "                         (repeatable; filters and signing as the daemon's)\n"
          "      --config FILE      use this config's detector settings, [rule NAME] sections and\n"
          "                         webhooks (default for --webhook: /etc/lambdaward/lambdaward.conf)\n"
          "  -j, --jobs N           analyse large files with N threads (default 1; 0 = one\n"
          "                         per CPU). Splits JSON Lines and text files on line\n"
          "                         boundaries; other inputs are read by one thread\n"
          "  -h, --help             this help\n"
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

/* A finding kept for --webhook delivery after the analysis, as
 * id, severity, detector NUL, length, JSON. */
static void keep_for_webhooks(FILE *to, const char *id, int severity, const char *detector, const char *json,
                              size_t n)
{
    uint64_t len = n;
    fwrite(id, 1, LW_FINDING_ID_LEN, to);
    fputc((char)severity, to);
    fwrite(detector, 1, strlen(detector) + 1, to);
    fwrite(&len, sizeof len, 1, to);
    fwrite(json, 1, n, to);
}

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)id;
    query *q = ud;
    q->findings++;
    if ((int)f->severity > q->max_sev)
        q->max_sev = (int)f->severity;
    lw_out_finding(q->fmt, f, json, n, &q->out);
    if (q->out.len > (64u << 10))
        flush_out(q);
    if (q->sent)
        keep_for_webhooks(q->sent, id, (int)f->severity, f->detector, json, n);
}

typedef struct kept {
    char id[LW_FINDING_ID_LEN + 1];
    int severity;
    char detector[64];
    size_t out_len, json_len; /* rec holds [out_len bytes of output][json_len bytes of JSON] */
} kept;

/* Reads the next finding keep_for_webhooks wrote, preceded by a length and
 * output bytes when with_output; rec gets the output then the JSON. */
static bool read_kept(FILE *from, bool with_output, lw_buf *rec, kept *k)
{
    uint64_t len = 0;
    lw_buf_reset(rec);
    if (with_output) {
        if (fread(&len, sizeof len, 1, from) != 1)
            return false;
        lw_buf_reserve(rec, len + 1);
        if (fread(rec->p, 1, len, from) != len)
            return false;
        rec->len = len;
    }
    k->out_len = rec->len;
    int sev;
    if (fread(k->id, 1, LW_FINDING_ID_LEN, from) != LW_FINDING_ID_LEN || (sev = fgetc(from)) == EOF)
        return false;
    k->id[LW_FINDING_ID_LEN] = '\0';
    k->severity = sev;
    size_t n = 0;
    int ch;
    while ((ch = fgetc(from)) > 0 && n < sizeof k->detector - 1)
        k->detector[n++] = (char)ch;
    k->detector[n] = '\0';
    if (fread(&len, sizeof len, 1, from) != 1)
        return false;
    lw_buf_reserve(rec, rec->len + len + 1);
    if (fread(rec->p + rec->len, 1, len, from) != len)
        return false;
    k->json_len = len;
    rec->len += len;
    rec->p[rec->len] = '\0';
    return true;
}

static bool next_kept(FILE *from, lw_buf *rec, kept *k) { return read_kept(from, true, rec, k); }

/* Sends the recorded findings to each --webhook, three tries each.
 * Returns the number of findings that could not be delivered. */
static int send_webhooks(query *q)
{
    const lw_config cfg = q->cfg;
    int failed = 0;
    for (int w = 0; w < q->nwebhooks; w++) {
        const lw_webhook_cfg *h = lw_webhook_find(&cfg, q->webhooks[w]);
        if (!h) {
            fprintf(stderr, "lambdaward query: no [webhook %s] in %s\n", q->webhooks[w], q->config);
            failed++;
            continue;
        }
        rewind(q->sent);
        int sent = 0, bad = 0;
        lw_buf json = LW_BUF_INIT;
        kept k;
        while (read_kept(q->sent, false, &json, &k)) {
            const char *id = k.id;
            if (!lw_webhook_wants(h, (lw_severity)k.severity, k.detector))
                continue;
            char err[256] = "";
            int status = lw_webhook_send(h, cfg.ca_bundle, id, json.p, 3, err, sizeof err);
            if (status >= 200 && status < 300) {
                sent++;
            } else {
                bad++;
                fprintf(stderr, "lambdaward: webhook %s: finding %s not delivered (%s%s%d)\n", h->name, id,
                        status ? "" : err, status ? "HTTP " : ", ", status);
            }
        }
        lw_buf_free(&json);
        fprintf(stderr, "lambdaward: webhook %s: %d delivered, %d failed\n", h->name, sent, bad);
        failed += bad;
    }
    return failed;
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

/* Feeds [from, to) of fd to a decoder through buf (READ_CHUNK bytes), so
 * memory stays one chunk plus a partial document whatever the file size.
 * stop, when set, is checked between chunks. Returns -1 on a read error. */
static int feed_range(lw_decoder *d, int fd, char *buf, size_t from, size_t to, size_t chunk,
                      bool (*stop)(void *), void *ud)
{
    size_t at = from;
    while (at < to && !(stop && stop(ud))) {
        size_t want = to - at < chunk ? to - at : chunk;
        ssize_t n = pread(fd, buf, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        lw_decoder_feed(d, buf, (size_t)n);
        at += (size_t)n;
    }
    return 0;
}

static void read_fd(query *q, lw_decoder *d, int fd, const char *path)
{
    char *buf = lw_xmalloc(READ_CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "lambdaward: error reading %s: %s\n", path, strerror(errno));
            q->input_errors++;
            break;
        }
        if (n == 0)
            break;
        lw_decoder_feed(d, buf, (size_t)n);
    }
    free(buf);
}

/* ---- parallel analysis of one large file ----------------------------------
 * The file is cut at line starts into one range per worker. Each worker runs
 * its own pipeline over its range; a worker whose range ends inside a split
 * sensor record reads on (bounded) and feeds only that record's stream until
 * it closes. Findings go to a per-worker temporary file, framed with their
 * id; after all workers finish, they are printed in input order, with ids
 * already printed dropped, and the per-function stats are merged. */

typedef struct werr {
    uint64_t line;
    char msg[200];
} werr;

typedef struct worker {
    query *q;
    const char *path;
    int fd;
    size_t start, end, size;
    bool last;
    bool overrun;
    lw_pipeline *p;
    FILE *tmp;
    lw_buf fmt;
    uint64_t findings, input_errors, lines;
    int max_sev;
    werr errs[MAX_SHOWN_ERRORS];
    int nerrs;
    pthread_t th;
} worker;

static void worker_sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    worker *w = ud;
    w->findings++;
    if ((int)f->severity > w->max_sev)
        w->max_sev = (int)f->severity;
    lw_buf_reset(&w->fmt);
    lw_out_finding(w->q->fmt, f, json, n, &w->fmt);
    uint64_t len = w->fmt.len;
    fwrite(&len, sizeof len, 1, w->tmp);
    fwrite(w->fmt.p, 1, w->fmt.len, w->tmp);
    keep_for_webhooks(w->tmp, id, (int)f->severity, f->detector, json, n); /* --webhook needs them too */
}

static void worker_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)origin;
    worker *w = ud;
    if (w->overrun)
        return; /* the next worker reports its own range */
    w->input_errors++;
    if (w->nerrs < MAX_SHOWN_ERRORS) {
        w->errs[w->nerrs].line = line;
        snprintf(w->errs[w->nerrs].msg, sizeof w->errs[w->nerrs].msg, "%s", msg);
        w->nerrs++;
    }
}

static void worker_event(void *ud, const lw_event *ev)
{
    worker *w = ud;
    if (w->overrun && !lw_reasm_has_open(lw_pipeline_reasm(w->p), ev->group, ev->stream))
        return;
    lw_pipeline_event(w->p, ev);
}

static bool records_closed(void *ud)
{
    worker *w = ud;
    return lw_reasm_open_count(lw_pipeline_reasm(w->p)) == 0;
}

static void *worker_run(void *arg)
{
    worker *w = arg;
    lw_pipeline_opts po = {.sink = worker_sink, .ud = w, .arch = w->q->arch,
                           .config = w->q->have_cfg ? &w->q->cfg : NULL};
    w->p = lw_pipeline_new(&po);
    lw_decoder_opts o = {.origin = w->path, .default_group = w->q->default_group,
                         .on_event = worker_event, .on_error = worker_error, .ud = w};
    lw_decoder *d = lw_decoder_new(&o);
    char *buf = lw_xmalloc(READ_CHUNK);
    if (feed_range(d, w->fd, buf, w->start, w->end, READ_CHUNK, NULL, NULL) < 0)
        worker_error(w, w->path, 0, "read error");
    if (!w->last) {
        w->overrun = true;
        size_t lim = w->end + MAX_OVERRUN < w->size ? w->end + MAX_OVERRUN : w->size;
        feed_range(d, w->fd, buf, w->end, lim, 64u << 10, records_closed, w);
    }
    free(buf);
    lw_decoder_finish(d);
    lw_decoder_free(d);
    lw_pipeline_finish(w->p);
    lw_buf_free(&w->fmt);
    return NULL;
}

/* Line count of [from, to): the next worker's line numbers start after it. */
static uint64_t count_lines(int fd, size_t from, size_t to)
{
    char *buf = lw_xmalloc(READ_CHUNK);
    uint64_t lines = 0;
    for (size_t at = from; at < to;) {
        size_t want = to - at < READ_CHUNK ? to - at : READ_CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)at);
        if (n <= 0)
            break;
        for (const char *p = buf, *e = buf + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
            lines++;
        at += (size_t)n;
    }
    free(buf);
    return lines;
}

/* Can this input be cut at any line start? JSON Lines (the first line is a
 * whole document) and text can; pretty-printed documents and gzip cannot. */
static bool splittable(const char *p, size_t n)
{
    if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b)
        return false;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i >= n || (p[i] != '{' && p[i] != '['))
        return true;
    const char *nl = memchr(p + i, '\n', n - i);
    size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
    lw_json j;
    lw_json_init(&j);
    int r = lw_json_parse(&j, p + i, len);
    lw_json_free(&j);
    return r == LW_JSON_OK;
}

/* Offset just after the first newline at or after pos (size if none). */
static size_t next_line(int fd, size_t pos, size_t size)
{
    char buf[4096];
    while (pos < size) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        if (n <= 0)
            return size;
        const char *nl = memchr(buf, '\n', (size_t)n);
        if (nl)
            return pos + (size_t)(nl - buf) + 1;
        pos += (size_t)n;
    }
    return size;
}

static void analyse_parallel(query *q, const char *path, int fd, size_t size, int jobs)
{
    worker *w = lw_xcalloc((size_t)jobs, sizeof *w);
    size_t at = 0;
    for (int i = 0; i < jobs; i++) {
        w[i].q = q;
        w[i].path = path;
        w[i].fd = fd;
        w[i].size = size;
        w[i].start = at;
        size_t cut = size / (size_t)jobs * (size_t)(i + 1);
        w[i].end = (i == jobs - 1 || cut < at) ? size : next_line(fd, cut, size);
        w[i].last = w[i].end == size;
        w[i].max_sev = -1;
        w[i].tmp = tmpfile();
        if (!w[i].tmp) {
            fprintf(stderr, "lambdaward: cannot create a temporary file: %s\n", strerror(errno));
            exit(LW_EXIT_FAILURE);
        }
        at = w[i].end;
    }
    for (int i = 0; i < jobs; i++)
        pthread_create(&w[i].th, NULL, worker_run, &w[i]);
    for (int i = 0; i < jobs; i++)
        pthread_join(w[i].th, NULL);
    /* Only needed to number error lines: skip the pass when all is well. */
    for (int i = 0; i < jobs; i++)
        if (w[i].nerrs)
            for (int k = 0; k < i; k++)
                if (!w[k].lines)
                    w[k].lines = count_lines(fd, w[k].start, w[k].end);

    lw_idset seen;
    lw_idset_init(&seen, 0);
    uint64_t line_base = 0;
    lw_buf rec = LW_BUF_INIT;
    for (int i = 0; i < jobs; i++) {
        for (int e = 0; e < w[i].nerrs; e++) {
            q->input_errors++;
            if (q->input_errors <= MAX_SHOWN_ERRORS)
                fprintf(stderr, "lambdaward: %s:%llu: %s\n", path,
                        (unsigned long long)(line_base + w[i].errs[e].line), w[i].errs[e].msg);
        }
        q->input_errors += w[i].input_errors - (uint64_t)w[i].nerrs;
        line_base += w[i].lines;
        rewind(w[i].tmp);
        kept k;
        while (next_kept(w[i].tmp, &rec, &k)) {
            if (!lw_idset_add(&seen, lw_finding_id_hash(k.id)))
                continue;
            q->findings++;
            lw_buf_append(&q->out, rec.p, k.out_len);
            if (q->out.len > (64u << 10))
                flush_out(q);
            if (q->sent)
                keep_for_webhooks(q->sent, k.id, k.severity, k.detector, rec.p + k.out_len, k.json_len);
        }
        if (w[i].max_sev > q->max_sev)
            q->max_sev = w[i].max_sev;
        fclose(w[i].tmp);
        lw_stats_merge(lw_pipeline_stats(q->p), lw_pipeline_stats(w[i].p));
        lw_pipeline_free(w[i].p);
    }
    lw_buf_free(&rec);
    lw_idset_free(&seen);
    free(w);
}

static void analyse(query *q, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "lambdaward: cannot open %s: %s\n", path, strerror(errno));
        q->input_errors++;
        return;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t size = regular ? (size_t)st.st_size : 0;
    if (regular)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    char head[65536];
    ssize_t hn = (regular && q->jobs > 1 && size >= MIN_SPLIT_BYTES) ? pread(fd, head, sizeof head, 0) : -1;
    if (hn > 0 && splittable(head, (size_t)hn)) {
        analyse_parallel(q, is_stdin ? "-" : path, fd, size, q->jobs);
    } else {
        lw_decoder_opts o = {
            .origin = is_stdin ? "-" : path,
            .default_group = q->default_group,
            .on_event = lw_pipeline_event_cb,
            .on_error = on_error,
            .ud = q->p,
            .err_ud = q,
        };
        lw_decoder *d = lw_decoder_new(&o);
        read_fd(q, d, fd, path);
        lw_decoder_finish(d);
        lw_decoder_free(d);
    }
    if (!is_stdin)
        close(fd);
}

int lw_cmd_query(int argc, char **argv)
{
    enum { OPT_FAIL_ON = 256, OPT_LOG_GROUP, OPT_ARCH, OPT_WEBHOOK, OPT_CONFIG, OPT_PREFIX, OPT_SINCE, OPT_START,
           OPT_END, OPT_PATTERN, OPT_REGION, OPT_PROFILE, OPT_ENDPOINT, OPT_TPS };
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
        {"config", required_argument, NULL, OPT_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    query q = {0};
    q.fmt = isatty(1) ? LW_OUT_TABLE : LW_OUT_JSON;
    q.fail_on = -1;
    q.max_sev = -1;
    q.jobs = 1;
    const char **files = lw_xcalloc((size_t)argc + 1, sizeof *files);
    const char **hooks = lw_xcalloc((size_t)argc + 1, sizeof *hooks);
    const char **groups = lw_xcalloc((size_t)argc + 1, sizeof *groups);
    const char **prefixes = lw_xcalloc((size_t)argc + 1, sizeof *prefixes);
    lw_query_api_opts api = {.groups = groups, .prefixes = prefixes};
    int64_t since_ms = 3600 * 1000;
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
                q.fmt = LW_OUT_JSON;
            else if (!strcmp(optarg, "table"))
                q.fmt = LW_OUT_TABLE;
            else {
                fprintf(stderr, "lambdaward query: --output must be table or json, not '%s'\n", optarg);
                goto usage_error;
            }
            break;
        case OPT_FAIL_ON: {
            lw_severity s;
            if (lw_severity_parse(optarg, &s) < 0) {
                fprintf(stderr, "lambdaward query: --fail-on takes info, low, medium, high or critical, not '%s'\n",
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
            if (lw_parse_duration(optarg, &since_ms) < 0) {
                fprintf(stderr, "lambdaward query: --since takes a duration such as 90s, 15m, 2h or 7d, not '%s'\n",
                        optarg);
                goto usage_error;
            }
            break;
        case OPT_START:
        case OPT_END: {
            int64_t ms;
            size_t k = lw_parse_iso8601(optarg, strlen(optarg), &ms);
            if (!k || k != strlen(optarg)) {
                fprintf(stderr, "lambdaward query: --%s takes an ISO 8601 time (2026-03-08T14:00:00Z), not '%s'\n",
                        c == OPT_START ? "start" : "end", optarg);
                goto usage_error;
            }
            if (c == OPT_START)
                api.start_ms = ms;
            else
                api.end_ms = ms;
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
                fprintf(stderr, "lambdaward query: --tps takes a number of calls per second (0 < N <= 1000)\n");
                goto usage_error;
            }
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
                fprintf(stderr, "lambdaward query: --arch must be x86_64 or arm64, not '%s'\n", optarg);
                goto usage_error;
            }
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > MAX_JOBS) {
                fprintf(stderr, "lambdaward query: --jobs takes a number from 0 to %d, not '%s'\n", MAX_JOBS, optarg);
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
            return LW_EXIT_OK;
        default:
            fprintf(stderr, "Try 'lambdaward query --help'.\n");
            goto usage_error;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lambdaward query: unexpected argument '%s' (inputs are given with --file)\n", argv[optind]);
        goto usage_error;
    }
    bool use_api = !nfiles;
    if (nfiles) {
        if (api.nprefixes || api.ngroups > 1) {
            fprintf(stderr, "lambdaward query: --file reads files; --log-group-prefix and several --log-group "
                            "query the API: use one or the other\n");
            goto usage_error;
        }
        q.default_group = api.ngroups ? groups[0] : NULL;
    } else if (!api.ngroups && !api.nprefixes) {
        fprintf(stderr, "lambdaward query: no input: give --file PATH (or - for stdin), or --log-group NAME / "
                        "--log-group-prefix P for the API\nTry 'lambdaward query --help'.\n");
        goto usage_error;
    }
    if (use_api) {
        int64_t now = lw_wall_ms();
        if (!api.start_ms)
            api.start_ms = (api.end_ms ? api.end_ms : now) - since_ms;
        if (api.end_ms && api.end_ms <= api.start_ms) {
            fprintf(stderr, "lambdaward query: --end must be after the start\n");
            goto usage_error;
        }
    }
    /* Refuse unreadable inputs before printing anything. */
    for (int i = 0; i < nfiles; i++) {
        if (strcmp(files[i], "-") && access(files[i], R_OK) != 0) {
            fprintf(stderr, "lambdaward query: cannot read %s: %s\n", files[i], strerror(errno));
            goto usage_error;
        }
    }

    if (0) {
    usage_error:
        free(files);
        free(hooks);
        free(groups);
        free(prefixes);
        return LW_EXIT_USAGE;
    }
    if (q.config_given || q.nwebhooks) {
        /* Detector settings, [rule NAME] sections and webhooks apply to a
         * query too; a config with errors is refused as the daemon would. */
        q.have_cfg = true;
        if (lw_config_load(q.config, &q.cfg)) {
            for (int i = 0; i < q.cfg.errors.n; i++)
                fprintf(stderr, "%s\n", q.cfg.errors.v[i]);
            lw_config_free(&q.cfg);
            goto usage_error;
        }
    }
    if (q.nwebhooks && !(q.sent = tmpfile())) {
        fprintf(stderr, "lambdaward query: cannot create a temporary file: %s\n", strerror(errno));
        lw_config_free(&q.cfg);
        free(files);
        free(hooks);
        return LW_EXIT_FAILURE;
    }
    lw_pipeline_opts po = {.sink = sink, .ud = &q, .arch = q.arch, .config = q.have_cfg ? &q.cfg : NULL};
    q.p = lw_pipeline_new(&po);
    if (use_api) {
        lw_query_api_result res;
        if (lw_query_api(&api, q.p, &res) < 0)
            q.input_errors++;
        q.input_errors += res.errors;
    }
    for (int i = 0; i < nfiles; i++)
        analyse(&q, files[i]);
    lw_pipeline_finish(q.p);
    lw_out_summaries(q.fmt, lw_pipeline_stats(q.p), q.findings, &q.out);
    flush_out(&q);
    fflush(stdout);
    int max_sev = q.max_sev;
    lw_pipeline_free(q.p);
    lw_buf_free(&q.out);
    free(files);
    int undelivered = 0;
    if (q.sent) {
        undelivered = send_webhooks(&q);
        fclose(q.sent);
    }
    if (q.have_cfg)
        lw_config_free(&q.cfg);
    free(hooks);
    free(groups);
    free(prefixes);
    if (q.input_errors > MAX_SHOWN_ERRORS)
        fprintf(stderr, "lambdaward: %llu input errors in total\n", (unsigned long long)q.input_errors);
    if (q.fail_on >= 0 && max_sev >= q.fail_on)
        return LW_EXIT_FINDINGS;
    if (q.input_errors)
        return LW_EXIT_USAGE;
    return undelivered ? LW_EXIT_FAILURE : LW_EXIT_OK;
}
