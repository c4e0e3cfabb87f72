/* outbox: see outbox.h. */
#include "daemon/sinks/outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/map.h"
#include "common/url.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/net/curl_uv.h"
#include "daemon/sinks/webhook_format.h"

#define CHECK_MS 250
#define BATCH 32

typedef struct limiter {
    int64_t next_ms;
} limiter;

struct lw_webhooks {
    uv_loop_t *loop;
    lw_state *state;
    const lw_config *cfg;
    lw_poster poster;
    uv_timer_t timer;
    lw_map in_flight;   /* "webhook\x1fid" -> (void*)1 */
    lw_map limiters;    /* webhook name -> limiter* */
    lw_webhook_stats st;
    uint64_t rng;
    bool stopping;
    void (*done)(void *ud);
    void *done_ud;
};

typedef struct attempt {
    lw_webhooks *w;
    double base_s, cap_s;
    char webhook[128];
    char id[40];
    int attempts;       /* before this one */
    int64_t sent_ms;    /* for the debug log's duration */
    char key[200];
} attempt;

static const lw_webhook_cfg *find(const lw_webhooks *w, const char *name)
{
    for (const lw_webhook_cfg *h = w->cfg->webhooks; h; h = h->next)
        if (!strcmp(h->name, name))
            return h;
    return NULL;
}

static void maybe_done(lw_webhooks *w);

static void on_result(void *ctx, const lw_http_result *r)
{
    attempt *a = ctx;
    lw_webhooks *w = a->w;
    lw_map_del(&w->in_flight, a->key, strlen(a->key));
    w->st.in_flight--;
    int64_t now = lw_wall_ms();
    if (r->status)
        LW_DEBUG("webhook %s: finding %s: HTTP %d after %lld ms (attempt %d)", a->webhook, a->id, r->status,
                 (long long)(now - a->sent_ms), a->attempts + 1);
    else
        LW_DEBUG("webhook %s: finding %s: no answer after %lld ms (attempt %d): %s", a->webhook, a->id,
                 (long long)(now - a->sent_ms), a->attempts + 1, r->error ? r->error : "?");
    if (r->status >= 200 && r->status < 300) {
        w->st.delivered++;
        if (lw_state_outbox_delivered(w->state, a->webhook, a->id, now) < 0)
            LW_ERROR("webhook %s: recording delivery of %s: %s", a->webhook, a->id, lw_state_error(w->state));
        else
            LW_INFO("webhook %s: delivered %s (HTTP %d)", a->webhook, a->id, r->status);
    } else {
        w->st.failed_attempts++;
        double wait = lw_backoff_delay(a->attempts + 1, a->base_s, a->cap_s, &w->rng);
        if (r->retry_after_s > 0) /* the receiver knows best, within reason */
            wait = r->retry_after_s > 86400 ? 86400 : r->retry_after_s;
        char err[160];
        if (r->status)
            snprintf(err, sizeof err, "HTTP %d", r->status);
        else
            snprintf(err, sizeof err, "%s", r->error ? r->error : "no answer");
        LW_WARN("webhook %s: delivering %s failed (%s, attempt %d): retrying in %.0f s", a->webhook, a->id, err,
                a->attempts + 1, wait);
        lw_state_outbox_retry(w->state, a->webhook, a->id, now + (int64_t)(wait * 1000), r->status, err);
    }
    free(a);
    maybe_done(w);
}

static bool rate_ok(lw_webhooks *w, const lw_webhook_cfg *h, int64_t now)
{
    if (h->rate_limit_per_min <= 0)
        return true;
    void **slot = lw_map_put(&w->limiters, h->name, strlen(h->name));
    if (!*slot)
        *slot = lw_xcalloc(1, sizeof(limiter));
    limiter *l = *slot;
    if (now < l->next_ms)
        return false;
    l->next_ms = now + (int64_t)(60000.0 / h->rate_limit_per_min);
    return true;
}

static void deliver(lw_webhooks *w, const lw_webhook_cfg *h, const lw_outbox_item *it)
{
    attempt *a = lw_xcalloc(1, sizeof *a);
    a->w = w;
    snprintf(a->webhook, sizeof a->webhook, "%s", it->webhook);
    snprintf(a->id, sizeof a->id, "%s", it->finding_id);
    a->attempts = it->attempts;
    a->base_s = h->retry_base_s > 0 ? h->retry_base_s : 2;
    a->cap_s = h->retry_max_s > 0 ? h->retry_max_s : 600;
    snprintf(a->key, sizeof a->key, "%s\x1f%s", it->webhook, it->finding_id);
    *lw_map_put(&w->in_flight, a->key, strlen(a->key)) = (void *)1;
    w->st.in_flight++;

    lw_webhook_request req;
    lw_webhook_request_build(&req, h, it->finding_id, it->json, strlen(it->json), lw_wall_ms() / 1000);
    char where[300]; /* scheme://host:port: a hook's path and query are often its credential */
    lw_url_printable(req.url, where, sizeof where);
    LW_DEBUG("webhook %s: POST %s finding %s (attempt %d)", a->webhook, where, a->id, a->attempts + 1);
    a->sent_ms = lw_wall_ms();
    w->poster.post(w->poster.ud, req.url, req.headers, req.nheaders, req.body.p, req.body.len, req.timeout_s,
                   on_result, a);
    lw_webhook_request_free(&req);
}

static void check(lw_webhooks *w)
{
    if (w->stopping)
        return;
    int64_t now = lw_wall_ms();
    for (const lw_webhook_cfg *h = w->cfg->webhooks; h; h = h->next) {
        int gone = lw_state_outbox_expire(w->state, h->name, now - (int64_t)(h->max_age_s * 1000), now);
        if (gone > 0) {
            w->st.given_up += (uint64_t)gone;
            LW_ERROR("webhook %s: gave up on %d finding%s not delivered within max_age (%.0f s); they stay in the "
                     "findings history",
                     h->name, gone, gone == 1 ? "" : "s", h->max_age_s);
        }
    }
    lw_outbox_item *items;
    int n;
    if (lw_state_outbox_due(w->state, now, BATCH, &items, &n) < 0)
        return;
    for (int i = 0; i < n; i++) {
        char key[200];
        snprintf(key, sizeof key, "%s\x1f%s", items[i].webhook, items[i].finding_id);
        if (lw_map_get(&w->in_flight, key, strlen(key)))
            continue;
        const lw_webhook_cfg *h = find(w, items[i].webhook);
        if (!h) {
            /* The webhook left the configuration: its backlog expires with
             * max_age rather than going anywhere else. */
            continue;
        }
        if (!rate_ok(w, h, now))
            continue;
        deliver(w, h, &items[i]);
    }
    lw_state_outbox_items_free(items, n);
}

static void on_timer(uv_timer_t *t) { check(t->data); }

lw_webhooks *lw_webhooks_new(uv_loop_t *loop, lw_state *state, const lw_config *cfg, const lw_poster *poster)
{
    lw_webhooks *w = lw_xcalloc(1, sizeof *w);
    w->loop = loop;
    w->state = state;
    w->cfg = cfg;
    w->poster = *poster;
    w->rng = lw_backoff_seed();
    lw_map_init(&w->in_flight);
    lw_map_init(&w->limiters);
    uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    uv_timer_start(&w->timer, on_timer, 0, CHECK_MS);
    return w;
}

void lw_webhooks_kick(lw_webhooks *w) { check(w); }
void lw_webhooks_reload(lw_webhooks *w, const lw_config *cfg) { w->cfg = cfg; }
const lw_webhook_stats *lw_webhooks_stats(const lw_webhooks *w) { return &w->st; }

static void timer_closed(uv_handle_t *h)
{
    lw_webhooks *w = h->data;
    void (*done)(void *) = w->done;
    void *ud = w->done_ud;
    lw_map_foreach(&w->limiters, e) free(e->val);
    lw_map_free(&w->limiters);
    lw_map_free(&w->in_flight);
    free(w);
    if (done)
        done(ud);
}

static void maybe_done(lw_webhooks *w)
{
    if (w->stopping && w->st.in_flight == 0 && !uv_is_closing((uv_handle_t *)&w->timer))
        uv_close((uv_handle_t *)&w->timer, timer_closed);
}

void lw_webhooks_stop(lw_webhooks *w, void (*done)(void *ud), void *ud)
{
    w->stopping = true;
    w->done = done;
    w->done_ud = ud;
    uv_timer_stop(&w->timer);
    maybe_done(w);
}

/* ---- the sink the daemon starts --------------------------------------------
 * Owns the HTTP client and the deliverer; queues each new finding for every
 * webhook whose filter takes it, in the finding's own transaction, and
 * delivers after the batch commits. Webhooks are configured or not at
 * start; a reload adds none (the deliverer follows the new settings of
 * those it has). */

typedef struct outbox_sink {
    lw_daemon *d;
    lw_curl *curl;
    lw_webhooks *w;
    lw_webhook_stats st; /* the deliverer's, copied at each scrape while it runs */
    void (*done)(void *);
    void *done_ud;
} outbox_sink;

static void register_metrics(outbox_sink *s, lw_metrics *m);

static int os_start(void *self, lw_daemon *d)
{
    outbox_sink *s = self;
    const lw_config *cfg = lw_daemon_config(d);
    s->d = d;
    s->curl = lw_curl_new(lw_daemon_loop(d), cfg->ca_bundle);
    lw_poster poster = lw_curl_poster(s->curl);
    s->w = lw_webhooks_new(lw_daemon_loop(d), lw_daemon_state(d), cfg, &poster);
    register_metrics(s, lw_daemon_metric_registry(d));
    return 0;
}

static void os_finding(void *self, const lw_finding *f, const char *id)
{
    outbox_sink *s = self;
    const lw_config *cfg = lw_daemon_config(s->d);
    int64_t now = lw_wall_ms();
    for (const lw_webhook_cfg *h = cfg->webhooks; h; h = h->next)
        if (lw_webhook_wants(h, f->severity, f->detector) && lw_state_outbox_add(lw_daemon_state(s->d), h->name, id, now) < 0)
            lw_daemon_state_error(s->d);
}

static void os_committed(void *self)
{
    outbox_sink *s = self;
    if (s->w)
        lw_webhooks_kick(s->w);
}

static void os_stopped(void *ud)
{
    outbox_sink *s = ud;
    s->w = NULL;
    if (s->curl)
        lw_curl_close(s->curl); /* every delivery has answered by now */
    s->curl = NULL;
    s->done(s->done_ud);
}

static void os_stop(void *self, void (*done)(void *ud), void *ud)
{
    outbox_sink *s = self;
    s->done = done;
    s->done_ud = ud;
    if (!s->w) {
        os_stopped(s);
        return;
    }
    s->st = *lw_webhooks_stats(s->w); /* its last counts before it goes */
    lw_webhooks_stop(s->w, os_stopped, s);
}

static void os_destroy(void *self) { free(self); }

static void os_reload(void *self, const lw_config *cfg)
{
    outbox_sink *s = self;
    if (s->w)
        lw_webhooks_reload(s->w, cfg);
}

/* The deliverer keeps its counters and is freed at stop: the registry
 * reads a copy, refreshed at each scrape while the deliverer runs. */
static void os_collect(void *ud)
{
    outbox_sink *s = ud;
    if (s->w)
        s->st = *lw_webhooks_stats(s->w);
}

static void register_metrics(outbox_sink *s, lw_metrics *m)
{
    lw_metrics_counter_ref(m, "lambdaward_webhook_deliveries_total",
                           "Findings delivered to a webhook (answered 2xx), once per webhook.", &s->st.delivered);
    lw_metrics_counter_ref(m, "lambdaward_webhook_failed_attempts_total",
                           "Delivery attempts that failed (not 2xx, timeout, connection error): each is retried.",
                           &s->st.failed_attempts);
    lw_metrics_counter_ref(m, "lambdaward_webhook_given_up_total", "Findings not delivered within max_age.",
                           &s->st.given_up);
    lw_metrics_on_collect(m, os_collect, s);
}

static const lw_component_ops outbox_sink_ops = {
    .name = "outbox",
    .start = os_start,
    .stop = os_stop,
    .destroy = os_destroy,
    .reload = os_reload,
    .finding = os_finding,
    .committed = os_committed,
};

void lw_outbox_factory(lw_daemon *d)
{
    if (lw_daemon_config(d)->webhooks)
        lw_daemon_add_component(d, &outbox_sink_ops, lw_xcalloc(1, sizeof(outbox_sink)));
}
