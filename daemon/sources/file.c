/*
 * file: reads files and stdin into the pipeline (see file.h).
 *
 * Parallel analysis of one large file: the file is cut at line starts into
 * one range per worker. Each worker runs its own pipeline over its range; a
 * worker whose range ends inside a split sensor record reads on (bounded)
 * and feeds only that record's stream until it closes. Findings go to a
 * per-worker spool; after all workers finish they are replayed in input
 * order with ids already replayed dropped, and the per-function stats are
 * merged.
 */
#include "daemon/sources/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/idset.h"
#include "common/json.h"
#include "daemon/log.h"
#include "parsers/sniff.h"

#define READ_CHUNK (4u << 20)
#define MIN_SPLIT_BYTES (32u << 20) /* smaller files are not worth threads */
#define MAX_OVERRUN (64u << 20)     /* how far a worker reads on to close records */
#define KEPT_ERRORS 20              /* error texts a worker keeps; the rest are counted */

/* Feeds [from, to) of fd to a decoder through buf (chunk bytes at a time),
 * so memory stays one chunk plus a partial document whatever the file size.
 * stop, when set, is checked between chunks. Returns -1 on a read error. */
static int feed_range(lw_decoder *d, int fd, char *buf, size_t from, size_t to, size_t chunk,
                      bool (*stop)(void *), void *ud, uint64_t *lines)
{
    size_t at = from;
    while (at < to && !(stop && stop(ud))) {
        size_t want = to - at < chunk ? to - at : chunk;
        ssize_t n = pread(fd, buf, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        if (lines)
            for (const char *p = buf, *e = buf + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
                ++*lines;
        lw_decoder_feed(d, buf, (size_t)n);
        at += (size_t)n;
    }
    return 0;
}

/* Reads fd to its end: stdin and pipes cannot be pread. */
static int feed_all(lw_decoder *d, int fd, const char *path)
{
    char *buf = lw_xmalloc(READ_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            lw_print(stderr, "lambdaward: error reading %s: %s", path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        lw_decoder_feed(d, buf, (size_t)n);
    }
    free(buf);
    return rc;
}

typedef struct werr {
    uint64_t line;
    char msg[200];
} werr;

typedef struct worker {
    const lw_file_opts *o;
    const char *path;
    int fd;
    size_t start, end, size;
    bool last;
    bool overrun;
    lw_pipeline *p;
    lw_spool out;
    lw_buf fmt;
    uint64_t input_errors, lines;
    uint64_t own_lines;   /* lines in [start, end): errors on them are this worker's */
    uint64_t damaged_lines; /* what the errors this worker keeps cost */
    uint64_t damage_seen;   /* the decoder's count at the last error */
    lw_decoder *dec;
    werr errs[KEPT_ERRORS];
    int nerrs;
    pthread_t th;
} worker;

static void worker_sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    worker *w = ud;
    if (w->o->keep_finding && !w->o->keep_finding(w->o->ud, f))
        return;
    lw_buf_reset(&w->fmt);
    w->o->render(w->o->ud, f, json, n, &w->fmt);
    lw_spool_put(&w->out, id, (int)f->severity, f->detector, w->fmt.p, w->fmt.len, json, n);
}

static void worker_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)origin;
    worker *w = ud;
    /* The decoder counts an error's damaged lines just before reporting it:
     * the difference is what this one cost. */
    uint64_t seen = lw_decoder_stats(w->dec)->damaged_lines;
    uint64_t cost = seen - w->damage_seen;
    w->damage_seen = seen;
    /* Past the range the next worker reports its own lines; damage that
     * starts in this range (a last line cut short, found when the next line
     * starts a document or at the end) is still this worker's. */
    if (w->overrun && (line == 0 || line > w->own_lines))
        return;
    w->damaged_lines += cost;
    w->input_errors++;
    if (w->nerrs < KEPT_ERRORS) {
        w->errs[w->nerrs].line = line;
        snprintf(w->errs[w->nerrs].msg, sizeof w->errs[w->nerrs].msg, "%s", msg);
        w->nerrs++;
    }
}

static void worker_event(void *ud, const lw_event *ev)
{
    worker *w = ud;
    if (w->o->keep_event && !w->o->keep_event(w->o->ud, ev))
        return;
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
    lw_pipeline_opts po = *w->o->worker;
    po.sink = worker_sink;
    po.ud = w;
    w->p = lw_pipeline_new(&po);
    lw_decoder_opts o = {.origin = w->path, .default_group = w->o->default_group,
                         .on_event = worker_event, .on_error = worker_error, .ud = w};
    lw_decoder *d = lw_decoder_new(&o);
    w->dec = d;
    char *buf = lw_xmalloc(READ_CHUNK);
    if (feed_range(d, w->fd, buf, w->start, w->end, READ_CHUNK, NULL, NULL, &w->own_lines) < 0)
        worker_error(w, w->path, 0, "read error");
    if (!w->last) {
        w->overrun = true;
        size_t lim = w->end + MAX_OVERRUN < w->size ? w->end + MAX_OVERRUN : w->size;
        feed_range(d, w->fd, buf, w->end, lim, 64u << 10, records_closed, w, NULL);
    }
    free(buf);
    lw_decoder_finish(d);
    lw_decoder_free(d);
    w->dec = NULL;
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
    char why[160];
    if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b)
        return false;
    /* binary input: one thread says so once, not one error per worker */
    if (lw_sniff_binary(p, n < LW_SNIFF_LEN ? n : LW_SNIFF_LEN, why, sizeof why))
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

/* Hands a finished worker's errors and findings to the caller. */
static void replay_worker(const lw_file_opts *o, worker *w, uint64_t line_base, lw_idset *seen)
{
    for (int e = 0; e < w->nerrs; e++)
        o->on_error(o->ud, w->path, w->errs[e].line ? line_base + w->errs[e].line : 0, w->errs[e].msg);
    if (o->counts) {
        o->counts->damaged_lines += w->damaged_lines;
        o->counts->platform_unread += lw_pipeline_counts_get(w->p)->platform_unread;
        /* Each worker's detectors judged its range: their late events are
         * the caller's too (query reported only its own pipeline's, 0). */
        o->counts->late += lw_pipeline_late(w->p);
    }
    for (uint64_t e = (uint64_t)w->nerrs; e < w->input_errors; e++)
        o->on_error(o->ud, w->path, 0, NULL);
    lw_spool_rewind(&w->out);
    lw_spooled k;
    while (lw_spool_next(&w->out, &k))
        if (lw_idset_add(seen, lw_finding_id_hash(k.id)))
            o->replay(o->ud, &k);
}

/* Returns false, having started nothing, when the workers' spools cannot
 * be made: the caller then reads the file in one thread. */
static bool analyse_parallel(const lw_file_opts *o, const char *path, int fd, size_t size)
{
    int jobs = o->jobs;
    worker *w = lw_xcalloc((size_t)jobs, sizeof *w);
    size_t at = 0;
    for (int i = 0; i < jobs; i++) {
        w[i].o = o;
        w[i].path = path;
        w[i].fd = fd;
        w[i].size = size;
        w[i].start = at;
        size_t cut = size / (size_t)jobs * (size_t)(i + 1);
        w[i].end = (i == jobs - 1 || cut < at) ? size : next_line(fd, cut, size);
        w[i].last = w[i].end == size;
        if (lw_spool_open(&w[i].out) < 0) {
            lw_print(stderr, "lambdaward: cannot create a temporary file (%s): reading %s in one thread",
                     strerror(errno), path);
            for (int k = 0; k < i; k++)
                lw_spool_close(&w[k].out);
            free(w);
            return false;
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
    for (int i = 0; i < jobs; i++) {
        replay_worker(o, &w[i], line_base, &seen);
        line_base += w[i].lines;
        lw_spool_close(&w[i].out);
        lw_stats_merge(lw_pipeline_stats(o->p), lw_pipeline_stats(w[i].p));
        lw_pipeline_free(w[i].p);
    }
    lw_idset_free(&seen);
    free(w);
    return true;
}

/* One thread: the caller's pipeline, behind the caller's event filter. */
static void kept_event(void *ud, const lw_event *ev)
{
    const lw_file_opts *o = ud;
    if (o->keep_event(o->ud, ev))
        lw_pipeline_event(o->p, ev);
}

int lw_file_read(const lw_file_opts *o, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lw_print(stderr, "lambdaward: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t size = regular ? (size_t)st.st_size : 0;
    if (regular)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    char head[65536];
    ssize_t hn = (regular && o->jobs > 1 && size >= MIN_SPLIT_BYTES) ? pread(fd, head, sizeof head, 0) : -1;
    int rc = 0;
    if (!(hn > 0 && splittable(head, (size_t)hn) && analyse_parallel(o, path, fd, size))) {
        lw_decoder_opts d_o = {
            .origin = path,
            .default_group = o->default_group,
            .on_event = o->keep_event ? kept_event : lw_pipeline_event_cb,
            .on_error = o->on_error,
            .ud = o->keep_event ? (void *)o : (void *)o->p,
            .err_ud = o->ud,
        };
        lw_decoder *d = lw_decoder_new(&d_o);
        rc = feed_all(d, fd, path);
        lw_decoder_finish(d);
        if (o->counts)
            o->counts->damaged_lines += lw_decoder_stats(d)->damaged_lines;
        lw_decoder_free(d);
    }
    if (!is_stdin)
        close(fd);
    return rc;
}
