/* tailer: see tailer.h. Ownership: the tailer owns its groups and timer;
 * the logs client belongs to whoever created the tailer. */
#include "daemon/sources/tailer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/logs_transport.h"
#include "common/clock.h"
#include "common/map.h"
#include "common/url.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/net/curl_uv.h"
#include "parsers/decode.h"

#define SCHED_MS 250
#define MAX_ACTIVE_POLLS 4
#define ERROR_BACKOFF_MS 30000

typedef struct tgroup {
    char *name;
    double poll_interval_s, lookback_s, quick_lookback_s;
    /* Persisted: watermark, last_poll (scanned until), deep_poll, counters,
     * and the estimates scheduling rests on, so a restart keeps them: the
     * event rate (new events per second, smoothed over polls) and the
     * largest ingestion lag (ingestionTime - timestamp) seen in this and
     * the previous full-poll cycle, which quick polls re-read. */
    lw_group_state st;
    int64_t next_poll_ms;     /* not polled again before this */
    int64_t poll_started_ms;
    int64_t poll_oldest_ms;   /* the oldest event timestamp the poll in flight read */
    bool poll_deep;           /* the poll in flight re-reads the full lookback */
    int64_t generation;       /* discovery round that last saw it */
    bool polling, gone;
    uint64_t polls, errors, poll_events;
    double *lag;              /* its lambdaward_group_lag_seconds cell; NULL while gone */
} tgroup;

typedef struct lw_tailer lw_tailer;

struct lw_tailer {
    lw_daemon *d;
    lw_logs *logs;
    lw_map groups;            /* name -> tgroup* */
    lw_map empty_prefixes;    /* [watch] prefixes whose last listing found no group (warned once) */
    uv_timer_t sched;
    int active;
    int discovering;
    int64_t generation;
    int64_t next_discovery_ms;
    uint64_t polls_full, polls_quick;
    uint64_t damaged_pages;   /* pages with something unreadable: the poll is retried whole */
    /* The logs client's counters, copied at each scrape (and at stop: the
     * client is freed once its calls end), for the registry to read. */
    lw_logs_stats api_st;
    lw_metric_family *lag;
    bool stopping;
    void (*stopped)(void *ud);
    void *stopped_ud;
    /* per-page scratch while a page is analysed */
    tgroup *cur;
    int64_t page_max_ts;
    uint64_t page_events;     /* analysed (new) events of the page */
    bool page_error, page_damaged;
};

typedef struct poll_ctx {
    lw_tailer *t;
    tgroup *g;
} poll_ctx;

static const lw_watch_cfg *watch_for(const lw_config *cfg, const char *name, bool *push)
{
    const lw_watch_cfg *hit = NULL;
    *push = false;
    for (const lw_watch_cfg *w = cfg->watches; w; w = w->next) {
        bool excluded = false;
        for (int i = 0; i < w->exclude.n && !excluded; i++)
            excluded = strstr(name, w->exclude.v[i]) != NULL;
        if (excluded)
            continue;
        bool match = false;
        for (int i = 0; i < w->groups.n && !match; i++)
            match = !strcmp(name, w->groups.v[i]);
        for (int i = 0; i < w->prefixes.n && !match; i++)
            match = !strncmp(name, w->prefixes.v[i], strlen(w->prefixes.v[i]));
        for (int i = 0; i < w->patterns.n && !match; i++)
            match = strcasestr(name, w->patterns.v[i]) != NULL;
        if (!match)
            continue;
        if (w->push)
            *push = true; /* pushed wins: a group is never analysed twice */
        else if (!hit)
            hit = w;
    }
    return *push ? NULL : hit;
}

static void add_group(lw_tailer *t, const char *name)
{
    bool push;
    const lw_watch_cfg *w = watch_for(lw_daemon_config(t->d), name, &push);
    void **slot = lw_map_put(&t->groups, name, strlen(name));
    tgroup *g = *slot;
    if (!w) {
        if (g)
            g->gone = true;
        return;
    }
    if (!g) {
        g = lw_xcalloc(1, sizeof *g);
        g->name = strdup(name);
        lw_state_group_get(lw_daemon_state(t->d), name, &g->st);
        g->next_poll_ms = lw_wall_ms();
        *slot = g;
        LW_INFO("tailer: watching %s", name);
    }
    g->gone = false;
    g->poll_interval_s = w->poll_interval_s;
    g->lookback_s = w->lookback_s;
    g->quick_lookback_s = w->quick_lookback_s; /* quick_ms() caps it at the lookback */
    g->generation = t->generation;
}

/* ---- polling ------------------------------------------------------------- */

static void on_event(void *ud, const lw_event *ev)
{
    lw_tailer *t = ud;
    int rc = lw_daemon_event(t->d, ev);
    if (rc < 0)
        t->page_error = true;
    else if (rc > 0)
        t->page_events++;
    tgroup *g = t->cur;
    if (ev->ingestion > ev->timestamp && ev->timestamp > 0 && ev->ingestion - ev->timestamp > g->st.late_cur_ms)
        g->st.late_cur_ms = ev->ingestion - ev->timestamp;
    if (ev->timestamp > t->page_max_ts)
        t->page_max_ts = ev->timestamp;
    if (ev->timestamp > 0 && (!g->poll_oldest_ms || ev->timestamp < g->poll_oldest_ms))
        g->poll_oldest_ms = ev->timestamp;
}

static void on_decode_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)line;
    lw_tailer *t = ud;
    LW_WARN("tailer: %s: unreadable response page: %s", origin, msg);
    t->page_error = true;
    t->page_damaged = true;
}

/* One page = one transaction: its events, their findings, the group's
 * watermark and event count commit together (status counts what was
 * committed, whatever happens to the rest of the poll). */
static bool on_page(void *ud, const lw_json *page)
{
    poll_ctx *p = ud;
    lw_tailer *t = p->t;
    tgroup *g = p->g;
    if (lw_daemon_batch_begin(t->d) < 0)
        return false;
    t->cur = g;
    t->page_max_ts = 0;
    t->page_events = 0;
    t->page_error = false;
    t->page_damaged = false;
    lw_decoder_opts o = {.origin = g->name, .default_group = g->name, .on_event = on_event,
                         .on_error = on_decode_error, .ud = t};
    lw_decoder *d = lw_decoder_new(&o);
    lw_decoder_page(d, page);
    lw_decoder_free(d);
    if (t->page_damaged)
        t->damaged_pages++;
    if (t->page_error) {
        lw_daemon_batch_abort(t->d);
        return false; /* the poll fails and is retried whole: nothing half-done */
    }
    lw_group_state before = g->st;
    if (t->page_max_ts > g->st.watermark_ms)
        g->st.watermark_ms = t->page_max_ts;
    g->st.events += (int64_t)t->page_events;
    if (t->page_events)
        g->st.last_event_ms = lw_wall_ms();
    lw_state_group_put(lw_daemon_state(t->d), &g->st);
    if (lw_daemon_batch_commit(t->d) < 0) {
        g->st = before;
        return false;
    }
    g->poll_events += t->page_events;
    return true;
}

static void maybe_stopped(lw_tailer *t)
{
    if (t->stopping && t->active == 0 && t->discovering == 0 && t->stopped) {
        void (*cb)(void *) = t->stopped;
        t->stopped = NULL;
        cb(t->stopped_ud);
    }
}

/* The event rate after a successful poll: new events over the time since
 * the previous poll, smoothed with the estimate before (which may come from
 * the state file: a restart keeps it). The first poll of a group has no
 * previous one: it read up to a lookback of history, so the rate is seeded
 * from its events over the span they cover (from the oldest to now, at
 * least a poll_interval so a lone event is not taken for a burst). Left at
 * 0, a busy group would score as a quiet one and, under a saturated API
 * budget, wait half a lookback for its second poll. */
static void learn_rate(tgroup *g)
{
    if (g->st.last_poll_ms) {
        double dt = (double)(g->poll_started_ms - g->st.last_poll_ms) / 1000;
        if (dt > 0) {
            double inst = (double)g->poll_events / (dt > 1 ? dt : 1);
            g->st.rate_eps = 0.5 * g->st.rate_eps + 0.5 * inst;
        }
        return;
    }
    double span = g->poll_oldest_ms ? (double)(g->poll_started_ms - g->poll_oldest_ms) / 1000 : 0;
    if (span < g->poll_interval_s)
        span = g->poll_interval_s;
    if (span > g->lookback_s)
        span = g->lookback_s;
    g->st.rate_eps = span > 0 ? (double)g->poll_events / span : 0;
}

static void on_poll_done(void *ud, const char *error)
{
    poll_ctx *p = ud;
    lw_tailer *t = p->t;
    tgroup *g = p->g;
    free(p);
    t->active--;
    g->polling = false;
    int64_t now = lw_wall_ms();
    lw_state *st = lw_daemon_state(t->d);
    if (error) {
        g->errors++;
        snprintf(g->st.last_error, sizeof g->st.last_error, "%s", error);
        g->st.last_error_ms = now;
        if (strstr(error, "ResourceNotFoundException")) {
            LW_NOTICE("tailer: %s no longer exists: dropped until rediscovered", g->name);
            g->gone = true;
        } else if (strcmp(error, "cancelled")) {
            LW_WARN("tailer: polling %s: %s", g->name, error);
        }
        g->next_poll_ms = now + ERROR_BACKOFF_MS;
    } else {
        learn_rate(g);
        /* Scanned up to when this poll began: the next one starts a lookback
         * before that, which is what catches late events. */
        g->st.last_poll_ms = g->poll_started_ms;
        if (g->poll_deep) {
            g->st.deep_poll_ms = g->poll_started_ms;
            g->st.late_prev_ms = g->st.late_cur_ms;
            g->st.late_cur_ms = 0;
        }
        g->st.last_error[0] = '\0';
        double interval = g->poll_interval_s * (g->poll_events ? 0.25 : 1.0);
        if (interval < 1)
            interval = 1;
        g->next_poll_ms = now + (int64_t)(interval * 1000);
        /* Ids older than anything a future poll can return are not needed:
         * the next full re-read starts a lookback before the last one. */
        lw_state_seen_prune(st, g->name, g->st.deep_poll_ms - (int64_t)(g->lookback_s * 1000) - 60000);
    }
    if (!t->stopping || error == NULL)
        lw_state_group_put(st, &g->st);
    maybe_stopped(t);
}

/* Two kinds of poll. A full one reads from a lookback before the previous
 * full one began: by induction every event that becomes visible at most a
 * lookback after its timestamp is read by some full poll, whatever the
 * polls in between did (an event visible before full poll k began, but
 * not before k-1 began, has its timestamp after start(k-1) - lookback).
 * Full polls run every lookback; the others read from a quick window
 * before the previous poll: quick_lookback, or more when the group's
 * events have shown more ingestion lag lately (ingestionTime - timestamp,
 * over the last two full cycles, plus a quarter and 2 s). That finds late
 * events at the next poll, as they come in this group, and reads each
 * event a few times instead of lookback/poll_interval times. Ids already
 * analysed are dropped either way. */
static int64_t quick_ms(const tgroup *g)
{
    int64_t late = g->st.late_cur_ms > g->st.late_prev_ms ? g->st.late_cur_ms : g->st.late_prev_ms;
    int64_t q = (int64_t)(g->quick_lookback_s * 1000), adaptive = late + late / 4 + 2000;
    int64_t full = (int64_t)(g->lookback_s * 1000);
    if (late && adaptive > q)
        q = adaptive;
    return q < full ? q : full;
}

static bool wants_deep(const tgroup *g, int64_t now)
{
    return !g->st.deep_poll_ms || !g->st.last_poll_ms || g->quick_lookback_s >= g->lookback_s ||
           now - g->st.deep_poll_ms >= (int64_t)(g->lookback_s * 1000);
}

static void start_poll(lw_tailer *t, tgroup *g)
{
    int64_t now = lw_wall_ms();
    g->poll_deep = wants_deep(g, now);
    if (g->poll_deep)
        t->polls_full++;
    else
        t->polls_quick++;
    int64_t from;
    if (g->poll_deep) {
        /* deep_poll_ms is 0 in a state file from before it existed: then
         * from last_poll_ms, which is what every poll of that version did. */
        int64_t base = g->st.deep_poll_ms ? g->st.deep_poll_ms : g->st.last_poll_ms ? g->st.last_poll_ms : now;
        from = base - (int64_t)(g->lookback_s * 1000);
    } else {
        from = g->st.last_poll_ms - quick_ms(g);
    }
    poll_ctx *p = lw_xmalloc(sizeof *p);
    p->t = t;
    p->g = g;
    g->polling = true;
    g->polls++;
    g->poll_events = 0;
    g->poll_oldest_ms = 0;
    g->poll_started_ms = now;
    t->active++;
    lw_logs_filter_params fp = {.log_group = g->name, .start_ms = from > 0 ? from : 1};
    lw_logs_filter(t->logs, &fp, on_page, on_poll_done, p);
}

/* ---- discovery ---------------------------------------------------------- */

/* One listing: by prefix (prefix set) or pattern. A prefix that lists no
 * group is warned about, not fatal as in `query`: the daemon runs for
 * months and groups appear with the functions deployed later. Warned once
 * until it finds some (then a notice), not at every discovery round;
 * `status` shows it too, from the config and the groups recorded. */
typedef struct discovery {
    lw_tailer *t;
    char *prefix;
    int found;
} discovery;

static void group_found(void *ud, const char *name)
{
    discovery *k = ud;
    k->found++;
    add_group(k->t, name);
}

static bool on_groups_page(void *ud, const lw_json *page)
{
    discovery *k = ud;
    lw_logs_group_names(page, group_found, k);
    return !k->t->stopping;
}

static void on_discovery_done(void *ud, const char *error)
{
    discovery *k = ud;
    lw_tailer *t = k->t;
    if (error && strcmp(error, "cancelled")) {
        LW_WARN("tailer: discovering log groups: %s", error);
    } else if (!error && k->prefix) {
        size_t n = strlen(k->prefix);
        bool warned = lw_map_get(&t->empty_prefixes, k->prefix, n) != NULL;
        if (!k->found && !warned) {
            LW_WARN("tailer: log_group_prefix %s matches no log group (yet): nothing to watch there until one "
                    "appears", k->prefix);
            *lw_map_put(&t->empty_prefixes, k->prefix, n) = (void *)1;
        } else if (k->found && warned) {
            LW_NOTICE("tailer: log_group_prefix %s now matches %d log group%s", k->prefix, k->found,
                      k->found == 1 ? "" : "s");
            lw_map_del(&t->empty_prefixes, k->prefix, n);
        }
    }
    free(k->prefix);
    free(k);
    t->discovering--;
    maybe_stopped(t);
}

static discovery *discovery_new(lw_tailer *t, const char *prefix)
{
    discovery *k = lw_xcalloc(1, sizeof *k);
    k->t = t;
    k->prefix = prefix ? strdup(prefix) : NULL;
    return k;
}

static void discover(lw_tailer *t)
{
    const lw_config *cfg = lw_daemon_config(t->d);
    t->generation++;
    double every = 300;
    for (const lw_watch_cfg *w = cfg->watches; w; w = w->next) {
        if (w->push)
            continue;
        if (w->discovery_interval_s < every)
            every = w->discovery_interval_s;
        for (int i = 0; i < w->groups.n; i++)
            add_group(t, w->groups.v[i]);
        for (int i = 0; i < w->prefixes.n; i++) {
            t->discovering++;
            lw_logs_describe_groups(t->logs, w->prefixes.v[i], NULL, on_groups_page, on_discovery_done,
                                    discovery_new(t, w->prefixes.v[i]));
        }
        for (int i = 0; i < w->patterns.n; i++) {
            t->discovering++;
            lw_logs_describe_groups(t->logs, NULL, w->patterns.v[i], on_groups_page, on_discovery_done,
                                    discovery_new(t, NULL));
        }
    }
    t->next_discovery_ms = lw_wall_ms() + (int64_t)(every * 1000);
}

/* Which due group to poll next when the API budget cannot poll them all
 * as often as they want. Waiting costs each group about rate x age events
 * of detection lag; sqrt(rate) x age is the classic square-root rule that
 * minimises the lag summed over events for a fixed number of calls, so
 * busy groups are polled more often without quiet ones starving. A group
 * never polled, or not polled for half its lookback, goes first (the
 * oldest first): that bounds how stale a quiet group gets. Completeness
 * does not depend on this order: full polls guarantee it. */
static double score(const tgroup *g, int64_t now)
{
    double age = (double)(now - g->st.last_poll_ms) / 1000;
    if (!g->st.last_poll_ms || age >= g->lookback_s / 2)
        return 1e12 + (g->st.last_poll_ms ? age : 1e9);
    return sqrt(g->st.rate_eps + 0.01) * age;
}

static void on_sched(uv_timer_t *h)
{
    lw_tailer *t = h->data;
    if (t->stopping)
        return;
    int64_t now = lw_wall_ms();
    if (now >= t->next_discovery_ms && !t->discovering)
        discover(t);
    while (t->active < MAX_ACTIVE_POLLS) {
        tgroup *best = NULL;
        double best_score = -1;
        lw_map_foreach(&t->groups, e) {
            tgroup *g = e->val;
            if (!g || g->gone || g->polling || g->next_poll_ms > now)
                continue;
            double s = score(g, now);
            if (s > best_score) {
                best = g;
                best_score = s;
            }
        }
        if (!best)
            break;
        start_poll(t, best);
    }
}

static lw_tailer *tailer_new(lw_daemon *d, lw_logs *logs)
{
    lw_tailer *t = lw_xcalloc(1, sizeof *t);
    t->d = d;
    t->logs = logs;
    lw_map_init(&t->groups);
    lw_map_init(&t->empty_prefixes);
    return t;
}

static void register_metrics(lw_tailer *t, lw_metrics *m);

static int start(void *self, lw_daemon *d)
{
    lw_tailer *t = self;
    register_metrics(t, lw_daemon_metric_registry(d));
    uv_timer_init(lw_daemon_loop(d), &t->sched);
    t->sched.data = t;
    uv_timer_start(&t->sched, on_sched, 0, SCHED_MS);
    return 0;
}

static void stop(void *self, void (*done)(void *ud), void *ud)
{
    lw_tailer *t = self;
    t->stopping = true;
    t->stopped = done;
    t->stopped_ud = ud;
    uv_timer_stop(&t->sched);
    t->api_st = *lw_logs_stats_get(t->logs); /* the last counts /metrics will show */
    lw_logs_close(t->logs); /* queued calls end now, in-flight ones at their reply */
    maybe_stopped(t);
}

static void destroy(void *self)
{
    lw_tailer *t = self;
    lw_map_foreach(&t->groups, e) {
        tgroup *g = e->val;
        if (g) {
            free(g->name);
            free(g);
        }
    }
    lw_map_free(&t->groups);
    lw_map_free(&t->empty_prefixes);
    free(t);
}

static void reload(void *self, const lw_config *cfg)
{
    (void)cfg;
    lw_tailer *t = self;
    t->next_discovery_ms = 0; /* rediscover with the new watches at the next tick */
    lw_map_foreach(&t->groups, e) {
        tgroup *g = e->val;
        if (g)
            add_group(t, g->name); /* new intervals, or push/excluded now */
    }
}

/* Lag is computed at scrape time; a group gone (deleted, excluded, now
 * pushed) loses its series, and gets it back when rediscovered. */
static void collect(void *ud)
{
    lw_tailer *t = ud;
    if (!t->stopping)
        t->api_st = *lw_logs_stats_get(t->logs);
    int64_t now = lw_wall_ms();
    lw_map_foreach(&t->groups, e) {
        tgroup *g = e->val;
        if (!g)
            continue;
        if (g->gone) {
            if (g->lag)
                lw_metric_remove(t->lag, g->name);
            g->lag = NULL;
            continue;
        }
        if (!g->lag)
            g->lag = lw_metric_double(t->lag, g->name);
        *g->lag = g->st.last_poll_ms ? (double)(now - g->st.last_poll_ms) / 1000 : -1.0;
    }
}

static void register_metrics(lw_tailer *t, lw_metrics *m)
{
    const lw_logs_stats *s = &t->api_st;
    lw_metric_family *f = lw_metrics_family(m, "lambdaward_api_calls_total", "CloudWatch Logs API calls by operation.",
                                            LW_METRIC_COUNTER, "operation");
    for (int i = 0; i < LW_LOGS_OPS; i++)
        lw_metric_u64_ref(f, lw_logs_op_name((lw_logs_op)i), &s->calls[i]);
    f = lw_metrics_family(m, "lambdaward_api_errors_total",
                          "CloudWatch Logs API errors by type: throttling, server (5xx or a malformed answer), "
                          "transport (no HTTP answer), expired_token (credentials refreshed, call repeated).",
                          LW_METRIC_COUNTER, "type");
    lw_metric_u64_ref(f, "throttling", &s->throttled);
    lw_metric_u64_ref(f, "server", &s->server_errors);
    lw_metric_u64_ref(f, "transport", &s->transport_errors);
    lw_metric_u64_ref(f, "expired_token", &s->expired_tokens);
    lw_metrics_counter_ref(m, "lambdaward_api_retries_total",
                           "CloudWatch Logs API requests sent again after an error, with backoff.", &s->retries);
    lw_metrics_counter_ref(m, "lambdaward_api_bytes_total", "Bytes of CloudWatch Logs API answers read.", &s->bytes);
    f = lw_metrics_family(m, "lambdaward_polls_total",
                          "Polls started: full (re-read the whole lookback) or quick.", LW_METRIC_COUNTER, "kind");
    lw_metric_u64_ref(f, "full", &t->polls_full);
    lw_metric_u64_ref(f, "quick", &t->polls_quick);
    f = lw_metrics_family(m, "lambdaward_input_errors_total",
                          "Input that could not be read, by source; for the API, response pages (their poll is "
                          "retried whole).", LW_METRIC_COUNTER, "source");
    lw_metric_u64_ref(f, "api", &t->damaged_pages);
    t->lag = lw_metrics_family(m, "lambdaward_group_lag_seconds", "Now minus the end of the last complete poll.",
                               LW_METRIC_GAUGE, "log_group");
    lw_metrics_on_collect(m, collect, t);
}

/* ---- the source the daemon starts ------------------------------------------
 * Owns the HTTP client, the signing transport and the logs client around a
 * tailer; registered only when some watch is to be polled. */

typedef struct tail_source {
    lw_tailer *t;
    lw_curl *curl;
    lw_logs_transport_ctx *tc;
    lw_logs *logs;
    void (*done)(void *);
    void *done_ud;
} tail_source;

static int ts_start(void *self, lw_daemon *d)
{
    tail_source *s = self;
    const lw_config *cfg = lw_daemon_config(d);
    char err[512];
    s->curl = lw_curl_new(lw_daemon_loop(d), lw_aws_ca_bundle(cfg->ca_bundle));
    s->tc = lw_logs_transport_new(s->curl, cfg->region, cfg->profile, cfg->endpoint_url, cfg->request_timeout_s, err,
                                  sizeof err);
    if (!s->tc) {
        LW_ERROR("tailer: %s", err);
        return -1;
    }
    lw_logs_transport t = lw_logs_transport_get(s->tc);
    lw_logs_opts lo = {.tps = {cfg->filter_tps, cfg->filter_tps, cfg->describe_tps}};
    s->logs = lw_logs_new(lw_daemon_loop(d), &t, &lo);
    s->t = tailer_new(d, s->logs);
    char origin[320]; /* an endpoint_url's path or userinfo is nobody's business in a log */
    lw_url_printable(lw_logs_transport_endpoint(s->tc), origin, sizeof origin);
    LW_NOTICE("tailer: polling through %s (region %s, %.1f FilterLogEvents/s)", origin,
              lw_logs_transport_region(s->tc), cfg->filter_tps);
    return start(s->t, d);
}

static void ts_stopped(void *ud)
{
    tail_source *s = ud;
    lw_logs_transport_close(s->tc); /* cancels a credential fetch, closes its timers */
    if (s->curl)
        lw_curl_close(s->curl); /* every transfer has answered by now */
    s->curl = NULL;
    s->done(s->done_ud);
}

static void ts_stop(void *self, void (*done)(void *ud), void *ud)
{
    tail_source *s = self;
    s->done = done;
    s->done_ud = ud;
    if (!s->t) {
        ts_stopped(s);
        return;
    }
    stop(s->t, ts_stopped, s);
}

static void ts_destroy(void *self)
{
    tail_source *s = self;
    if (s->t)
        destroy(s->t);
    lw_logs_transport_free(s->tc);
    free(s);
}

static void ts_reload(void *self, const lw_config *cfg)
{
    tail_source *s = self;
    if (s->t)
        reload(s->t, cfg);
}

static const lw_component_ops tail_source_ops = {
    .name = "tailer",
    .start = ts_start,
    .stop = ts_stop,
    .destroy = ts_destroy,
    .reload = ts_reload,
};

void lw_tailer_factory(lw_daemon *d)
{
    bool polled = false;
    for (const lw_watch_cfg *w = lw_daemon_config(d)->watches; w; w = w->next)
        polled |= !w->push;
    if (polled)
        lw_daemon_add_component(d, &tail_source_ops, lw_xcalloc(1, sizeof(tail_source)));
}
