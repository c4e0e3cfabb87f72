/* eventtime: detection by event time. The window series on their own (late
 * and out-of-order events), then one scenario replayed live, as backlogs in
 * other orders and batches, and through `query --file`, giving the same
 * findings with the same times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonw.h"
#include "daemon/pipeline/pipeline.h"
#include "detectors/window.h"

/* ---- the series on their own ------------------------------------------- */

typedef struct closed {
    int n;
    int64_t window[32];
    double a[32];
    uint32_t filled[32]; /* history before this window joined it */
} closed;

static void on_close(void *ud, lw_wseries *s, int64_t window, double a, double b)
{
    (void)b;
    closed *c = ud;
    if (c->n < 32) {
        c->window[c->n] = window;
        c->a[c->n] = a;
        c->filled[c->n] = s->filled;
    }
    c->n++;
}

#define W 60000 /* window width, ms */
#define L 90000 /* lateness, ms */

/* Places an event at ts and counts 1 in its window; returns the slot. */
static int put(lw_wseries *s, const lw_wparams *p, int64_t ts)
{
    int i = lw_wseries_place(s, p, ts);
    if (i >= 0)
        lw_wseries_add(s, i, 1, 0);
    return i;
}

static void in_order_windows_close_behind_the_watermark(void **st)
{
    (void)st;
    closed c = {0};
    lw_wparams p = {W, L, on_close, &c};
    lw_wseries s = {0};
    put(&s, &p, 10 * W + 1);
    put(&s, &p, 10 * W + 2);
    put(&s, &p, 11 * W + 5);
    /* window 11 (ts 10W..11W) ends at 11W: still within the lateness of 11W+5 */
    assert_int_equal(c.n, 0);
    put(&s, &p, 11 * W + L); /* watermark = 11W: window 11 closes */
    assert_int_equal(c.n, 1);
    assert_int_equal(c.window[0], lw_window_of(10 * W, W));
    assert_true(c.a[0] == 2);
    assert_int_equal(c.filled[0], 0);
    lw_wseries_close_all(&s, &p);
    assert_int_equal(c.n, 3); /* 11W+5 and 11W+L: one in each of the next two */
    assert_true(c.a[1] == 1 && c.a[2] == 1);
    assert_int_equal(s.filled, 3);
}

static void out_of_order_within_lateness_lands_in_its_own_window(void **st)
{
    (void)st;
    closed c = {0};
    lw_wparams p = {W, L, on_close, &c};
    lw_wseries s = {0};
    /* The first event to arrive is not the oldest: another stream is behind. */
    put(&s, &p, 20 * W + 30000);
    assert_true(put(&s, &p, 19 * W + 1000) >= 0);
    assert_true(put(&s, &p, 19 * W + 2000) >= 0);
    put(&s, &p, 20 * W + 40000);
    lw_wseries_close_all(&s, &p);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.window[0], lw_window_of(19 * W, W));
    assert_true(c.a[0] == 2);
    assert_true(c.a[1] == 2);
    /* No empty window before the first one with events joined the history:
     * which windows were open first depended on the arrival order. */
    assert_int_equal(c.filled[0], 0);
    assert_int_equal(s.filled, 2);
}

static void late_event_is_refused_not_put_in_the_current_window(void **st)
{
    (void)st;
    closed c = {0};
    lw_wparams p = {W, L, on_close, &c};
    lw_wseries s = {0};
    put(&s, &p, 30 * W);
    put(&s, &p, 35 * W); /* closes windows up to the one ending at 35W - L */
    assert_int_equal(c.n, 1);
    int64_t cur = s.cur;
    double open_total = 0;
    for (int i = 0; i < LW_WINDOW_OPEN; i++)
        open_total += s.a[i];
    assert_int_equal(put(&s, &p, 30 * W + 500), -1);
    assert_int_equal(s.cur, cur);
    double after = 0;
    for (int i = 0; i < LW_WINDOW_OPEN; i++)
        after += s.a[i];
    assert_true(after == open_total);
    /* Just inside the lateness it still counts, in its own window. */
    assert_true(put(&s, &p, 35 * W - L) >= 0);
    lw_wseries_close_all(&s, &p);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.window[1], lw_window_of(35 * W - L, W));
    assert_true(c.a[1] == 1);
    assert_true(c.a[2] == 1);
}

static void gaps_count_as_zeros_without_a_close_call(void **st)
{
    (void)st;
    closed c = {0};
    lw_wparams p = {W, L, on_close, &c};
    lw_wseries s = {0};
    put(&s, &p, 100 * W);
    put(&s, &p, 110 * W); /* 9 empty windows in between */
    lw_wseries_close_all(&s, &p);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.filled[1], 10); /* the first window and 9 zeros */
    assert_true(lw_wseries_median_a(&s) == 0);
    /* A gap longer than the history fills it with zeros, once. */
    put(&s, &p, 1000 * W);
    lw_wseries_close_all(&s, &p);
    assert_int_equal(s.filled, LW_WINDOW_HIST);
}

static void times_before_1970_fall_in_their_own_window(void **st)
{
    (void)st;
    assert_int_equal(lw_window_of(-1, W), 0);
    assert_int_equal(lw_window_of(-W, W), 0);
    assert_int_equal(lw_window_of(-W - 1, W), -1);
    assert_int_equal(lw_window_start(lw_window_of(-1, W), W), -W);
    closed c = {0};
    lw_wparams p = {W, L, on_close, &c};
    lw_wseries s = {0};
    put(&s, &p, -W - 1);
    put(&s, &p, -1);
    lw_wseries_close_all(&s, &p);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.window[0], -1);
    assert_int_equal(c.window[1], 0);
}

/* ---- one scenario, replayed every way ----------------------------------- */

#define T0 1772900400000LL /* a multiple of 5 minutes */
#define MIN 60000LL
#define NFN 4
#define NSTREAM 3
static const char *const fns[NFN] = {"steady", "surger", "flaky", "chatty"};

typedef struct ev {
    int64_t ts;
    int fn, stream;
    uint64_t seq; /* order within its stream */
    char *msg;
} ev;

typedef struct evs {
    ev *v;
    size_t n, cap;
} evs;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void add(evs *e, int fn, int stream, int64_t ts, const char *fmt, ...)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 4096;
        e->v = realloc(e->v, e->cap * sizeof *e->v);
    }
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    assert_true(vasprintf(&m, fmt, ap) >= 0);
    va_end(ap);
    e->v[e->n] = (ev){ts, fn, stream, e->n, m};
    e->n++;
}

static void invoke(evs *e, int fn, int64_t ts, int i, bool fail)
{
    int stream = i % NSTREAM;
    char rid[40];
    snprintf(rid, sizeof rid, "%08d-0000-4000-8000-%012d", fn, i);
    double dur = 100 + i % 7;
    add(e, fn, stream, ts, "START RequestId: %s Version: $LATEST\n", rid);
    add(e, fn, stream, ts + 101, "END RequestId: %s\n", rid);
    add(e, fn, stream, ts + 101,
        "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %.0f ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 70 MB\t%s\n",
        rid, dur, dur + 1, fail ? "Status: error\t" : "");
}

/* Two hours of four functions: one steady (nothing to find), a real surge
 * at minute 90, an error spike in the 5-minute window from minute 60, a
 * log flood at minute 75. */
static void scenario(evs *e)
{
    int n[NFN] = {0};
    for (int m = 0; m < 120; m++) {
        int64_t t = T0 + m * MIN;
        for (int k = 0; k < 20; k++, n[0]++)
            invoke(e, 0, t + k * 3000 + 17, n[0], false);
        int surge = m == 90 ? 400 : 10;
        for (int k = 0; k < surge; k++, n[1]++)
            invoke(e, 1, t + k * (MIN / surge) + 5, n[1], false);
        for (int k = 0; k < 12; k++, n[2]++) {
            bool spike = m >= 60 && m < 65 && k < 8;
            invoke(e, 2, t + k * 5000 + 9, n[2], spike || (m % 5 == 0 && k == 0));
        }
        for (int k = 0; k < 5; k++, n[3]++)
            invoke(e, 3, t + k * 12000 + 3, n[3], false);
        int lines = m == 75 ? 600 : 10;
        int size = m == 75 ? 10000 : 200;
        for (int k = 0; k < lines; k++)
            add(e, 3, k % NSTREAM, t + k * (MIN / lines) + 7, "%0*d processing batch %d\n", size - 30, k, m);
    }
}

/* Time order, as a daemon keeping up would read it. */
static int by_time(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts into time order (ties keep the order they were written in: a
 * stream's END before its REPORT) and numbers the events in it. */
static void number_streams(evs *e)
{
    qsort(e->v, e->n, sizeof *e->v, by_time);
    for (size_t i = 0; i < e->n; i++)
        e->v[i].seq = i;
}

/* Delivery as CloudWatch does it: in order within a stream, each event on
 * its way for up to jitter_ms, streams shuffled against each other (a
 * stream's event waits for the one before it). Then, by way:
 *   MIXED     the groups together;
 *   GROUPS    every function's events after the previous function's (a
 *             poller reading one group's backlog after another's);
 *   PAGES     pages of PAGE events of each group in turn (a poller paging
 *             through every group's backlog round-robin: the sparse
 *             groups' pages span more time, so the groups drift apart). */
enum { MIXED, GROUPS, PAGES };
#define PAGE 2000
static int64_t *arrival;
static int by_arrival(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    int64_t ax = arrival[x->seq], ay = arrival[y->seq];
    if (ax != ay)
        return ax < ay ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static ev *delivered(const evs *e, int64_t jitter_ms, int way, uint64_t seed)
{
    rng_state = seed;
    arrival = calloc(e->n, sizeof *arrival);
    int64_t last[NFN][NSTREAM];
    int order[NFN] = {0, 1, 2, 3};
    for (int i = NFN - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int f = 0; f < NFN; f++)
        for (int s = 0; s < NSTREAM; s++)
            last[f][s] = INT64_MIN;
    for (size_t i = 0; i < e->n; i++) { /* e is in time order */
        const ev *x = &e->v[i];
        int64_t a = x->ts + 3 * 3600 * 1000LL + (jitter_ms ? (int64_t)(rnd() % (uint64_t)jitter_ms) : 0);
        if (a < last[x->fn][x->stream])
            a = last[x->fn][x->stream];
        last[x->fn][x->stream] = a;
        if (way == GROUPS)
            a += order[x->fn] * 24 * 3600 * 1000LL;
        arrival[x->seq] = a;
    }
    ev *v = malloc(e->n * sizeof *v);
    memcpy(v, e->v, e->n * sizeof *v);
    qsort(v, e->n, sizeof *v, by_arrival);
    free(arrival);
    if (way == PAGES) {
        ev *paged = malloc(e->n * sizeof *paged);
        size_t at[NFN] = {0}, out = 0;
        while (out < e->n)
            for (int g = 0; g < NFN; g++)
                for (int k = 0; k < PAGE && at[order[g]] < e->n; at[order[g]]++)
                    if (v[at[order[g]]].fn == order[g]) {
                        paged[out++] = v[at[order[g]]];
                        k++;
                    }
        free(v);
        v = paged;
    }
    return v;
}

typedef struct found {
    int n;
    char id[16][33];
    char det[16][32];
    char fn[16][32];
    int64_t time_ms[16];
} found;

static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)json;
    (void)n;
    found *o = ud;
    if (o->n < 16) {
        snprintf(o->id[o->n], 33, "%s", id);
        snprintf(o->det[o->n], 32, "%s", f->detector);
        snprintf(o->fn[o->n], 32, "%.*s", (int)f->function.n, f->function.p);
        o->time_ms[o->n] = f->time_ms;
    }
    o->n++;
}

static void feed(lw_pipeline *p, const ev *x)
{
    char group[64], stream[64];
    snprintf(group, sizeof group, "/aws/lambda/%s", fns[x->fn]);
    snprintf(stream, sizeof stream, "2026/03/07/[$LATEST]%d", x->stream);
    lw_event e = {0};
    e.group = lw_str_c(group);
    e.stream = lw_str_c(stream);
    e.timestamp = x->ts;
    e.message = lw_str_c(x->msg);
    lw_pipeline_event(p, &e);
}

/* The tick as daemon/run.c produces it: the newest event time, floored at
 * the wall clock less 20 minutes (wall 0: no floor, a daemon keeping up). */
#define LATE_BOUND (20 * MIN)
static void tick_at(lw_pipeline *p, int64_t wall)
{
    int64_t now = lw_pipeline_event_ms(p);
    lw_pipeline_tick(p, wall && wall - LATE_BOUND > now ? wall - LATE_BOUND : now);
}
static void tick(lw_pipeline *p) { tick_at(p, 0); }

typedef struct run {
    found f;
    uint64_t late;
} run;

/* batch: events between ticks (0 = one tick after all); wall: the wall
 * clock at the first batch (0: a daemon keeping up), a second more at each
 * batch. Ends as a daemon does when its sources fall quiet: a tick an hour
 * on, and no flush; then the end of input, which must add nothing. */
static void replay(const ev *v, size_t n, size_t batch, bool random_batches, int64_t wall, run *r)
{
    memset(r, 0, sizeof *r);
    lw_pipeline_opts po = {.sink = sink, .ud = &r->f, .no_summaries = true};
    lw_pipeline *p = lw_pipeline_new(&po);
    size_t next = batch ? batch : n;
    for (size_t i = 0; i < n; i++) {
        feed(p, &v[i]);
        if (i + 1 == next) {
            tick_at(p, wall);
            wall += wall ? 1000 : 0;
            next += random_batches ? 1 + rnd() % (2 * batch) : batch;
        }
    }
    tick_at(p, wall);
    lw_pipeline_tick(p, lw_pipeline_event_ms(p) + 3600 * 1000LL);
    int before = r->f.n;
    lw_pipeline_finish(p);
    assert_int_equal(r->f.n, before);
    r->late = lw_pipeline_late(p);
    lw_pipeline_free(p);
}

static int find(const found *f, const char *det, const char *fn)
{
    for (int i = 0; i < f->n && i < 16; i++)
        if (!strcmp(f->det[i], det) && !strcmp(f->fn[i], fn))
            return i;
    return -1;
}

static void same(const found *a, const found *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n && i < 16; i++) {
        int j = 0;
        while (j < b->n && strcmp(a->id[i], b->id[j]))
            j++;
        assert_true(j < b->n);
        assert_int_equal(a->time_ms[i], b->time_ms[j]);
    }
}

static void write_export(const ev *v, size_t n, const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    lw_buf line = LW_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char group[64], stream[64];
        snprintf(group, sizeof group, "/aws/lambda/%s", fns[v[i].fn]);
        snprintf(stream, sizeof stream, "2026/03/07/[$LATEST]%d", v[i].stream);
        lw_buf_reset(&line);
        lw_buf_printf(&line, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\",\"timestamp\":%" PRId64
                             ",\"eventId\":\"%zu\",\"message\":",
                      group, stream, v[i].ts, i);
        lw_jw_cstr(&line, v[i].msg);
        lw_buf_puts(&line, "}\n");
        fwrite(line.p, 1, line.len, f);
    }
    lw_buf_free(&line);
    fclose(f);
}

/* The findings `lambdaward query --file` prints, as id and event time. */
static void query_file(const char *path, found *o)
{
    memset(o, 0, sizeof *o);
    const char *build = getenv("LW_BUILD");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s/lambdaward query --file %s --output json | "
             "jq -r 'select(.kind==\"finding\") | \"\\(.id) \\(.detector) \\(.function) \\(.time)\"'",
             build ? build : ".", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char id[33], det[32], fn[32], iso[64];
    while (fscanf(f, "%32s %31s %31s %63s", id, det, fn, iso) == 4 && o->n < 16) {
        snprintf(o->id[o->n], 33, "%s", id);
        snprintf(o->det[o->n], 32, "%s", det);
        snprintf(o->fn[o->n], 32, "%s", fn);
        /* 2026-03-07T17:30:00.000Z: the scenario stays within one day */
        int hh, mm, ss, ms;
        assert_int_equal(sscanf(iso + 11, "%d:%d:%d.%dZ", &hh, &mm, &ss, &ms), 4);
        int64_t day = T0 - T0 % (86400 * 1000LL);
        o->time_ms[o->n] = day + ((hh * 60 + mm) * 60 + ss) * 1000LL + ms;
        o->n++;
    }
    assert_int_equal(pclose(f), 0);
}

static void backlog_gives_the_live_findings(void **st)
{
    (void)st;
    evs e = {0};
    scenario(&e);
    number_streams(&e);

    run live;
    replay(e.v, e.n, 50, false, 0, &live);
    assert_int_equal(live.late, 0);
    /* What there is to find, at the event time of the window that shows it. */
    assert_int_equal(live.f.n, 3);
    int surge = find(&live.f, "invocation_storm", "surger");
    int spike = find(&live.f, "error_spike", "flaky");
    int flood = find(&live.f, "log_flood", "chatty");
    assert_true(surge >= 0 && spike >= 0 && flood >= 0);
    assert_int_equal(live.f.time_ms[surge], T0 + 90 * MIN);
    assert_int_equal(live.f.time_ms[spike], T0 + 60 * MIN);
    assert_int_equal(live.f.time_ms[flood], T0 + 75 * MIN);
    assert_int_equal(find(&live.f, "invocation_storm", "steady"), -1);

    /* Read 5 hours after the first event: 3 after the last. */
    const int64_t late = T0 + 5 * 3600 * 1000LL;
    static const struct {
        int64_t jitter_ms;
        int way;
        size_t batch;
        bool random, daemon_clock;
    } ways[] = {
        {90000, MIXED, 0, false, true},    /* hours late, streams shuffled, one batch */
        {90000, MIXED, 500, true, true},   /* ... in many batches of any size */
        {90000, GROUPS, 2000, false, true}, /* one group's backlog after another's */
        {90000, GROUPS, 2000, false, false},
        {90000, GROUPS, 0, false, true},
        {90000, PAGES, PAGE, false, true},  /* pages of each group in turn */
        {5000, MIXED, 1, false, false},     /* a tick after every event */
    };
    for (size_t w = 0; w < sizeof ways / sizeof *ways; w++) {
        ev *v = delivered(&e, ways[w].jitter_ms, ways[w].way, 0x9e3779b97f4a7c15ull + w);
        size_t moved = 0;
        for (size_t i = 1; i < e.n; i++)
            moved += v[i].ts < v[i - 1].ts;
        assert_true(moved > 1000); /* the order really is another one */
        run r;
        replay(v, e.n, ways[w].batch, ways[w].random, ways[w].daemon_clock ? late : 0, &r);
        assert_int_equal(r.late, 0);
        same(&live.f, &r.f);
        if (w == 0) {
            char path[] = "/tmp/lw-test-eventtime-XXXXXX";
            int fd = mkstemp(path);
            assert_true(fd >= 0);
            close(fd);
            write_export(v, e.n, path);
            found q;
            query_file(path, &q);
            unlink(path);
            same(&live.f, &q);
        }
        free(v);
    }

    /* Disorder beyond the lateness allowance is counted, never hidden. */
    ev *v = delivered(&e, 20 * MIN, MIXED, 7);
    run r;
    replay(v, e.n, 100, false, late, &r);
    assert_true(r.late > 0);
    free(v);

    for (size_t i = 0; i < e.n; i++)
        free(e.v[i].msg);
    free(e.v);
}

static void starts(lw_pipeline *p, const char *fn, int64_t from, int n, int64_t span, int *seq)
{
    char group[64], msg[128];
    snprintf(group, sizeof group, "/aws/lambda/%s", fn);
    for (int k = 0; k < n; k++) {
        snprintf(msg, sizeof msg, "START RequestId: 00000000-0000-4000-8000-%012d Version: $LATEST\n", (*seq)++);
        lw_event e = {0};
        e.group = lw_str_c(group);
        e.stream = lw_str_c("s");
        e.timestamp = from + k * (span / n);
        e.message = lw_str_c(msg);
        lw_pipeline_event(p, &e);
        tick(p);
    }
}

/* A function whose surge is its last minute: the ticks close it once the
 * source's clock (another function still writing, or the daemon's quiet
 * clock) has gone past, without an end of input. */
static void idle_function_closed_by_the_source_clock(void **st)
{
    (void)st;
    for (int alone = 0; alone < 2; alone++) {
        found f = {0};
        lw_pipeline_opts po = {.sink = sink, .ud = &f, .no_summaries = true};
        lw_pipeline *p = lw_pipeline_new(&po);
        int seq = 0;
        for (int m = 0; m < 20; m++)
            starts(p, "lonely", T0 + m * MIN, 10, MIN, &seq);
        starts(p, "lonely", T0 + 20 * MIN, 300, MIN, &seq);
        if (!alone)
            for (int m = 0; m < 10; m++)
                starts(p, "other", T0 + (21 + m) * MIN, 10, MIN, &seq);
        if (alone) {
            assert_int_equal(f.n, 0); /* nothing says the minute is over */
            /* the daemon's clock once every source is quiet (daemon/run.c) */
            lw_pipeline_tick(p, lw_pipeline_event_ms(p) + 10 * MIN);
        }
        assert_int_equal(f.n, 1);
        assert_string_equal(f.fn[0], "lonely");
        assert_int_equal(f.time_ms[0], T0 + 20 * MIN);
        lw_pipeline_finish(p);
        assert_int_equal(f.n, 1);
        lw_pipeline_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_windows_close_behind_the_watermark),
        cmocka_unit_test(out_of_order_within_lateness_lands_in_its_own_window),
        cmocka_unit_test(late_event_is_refused_not_put_in_the_current_window),
        cmocka_unit_test(gaps_count_as_zeros_without_a_close_call),
        cmocka_unit_test(times_before_1970_fall_in_their_own_window),
        cmocka_unit_test(idle_function_closed_by_the_source_clock),
        cmocka_unit_test(backlog_gives_the_live_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
