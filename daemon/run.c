/* run: the daemon's loop, see daemon.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "common/clock.h"
#include "common/ser.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "config/suppress.h"
#include "daemon/pipeline/pipeline.h"
#include "secrets/redact.h"

#define MAX_COMPONENTS 8
#define TICK_MS 1000
#define PERSIST_MS 60000
/* Detectors advance by event time only (a backlog must decide as if read
 * on time). The tick passes the source's event-time progress: the newest
 * event time seen, but never less than the wall clock minus LATE_BOUND_MS,
 * the oldest a live event still on its way can be (Firehose buffers up to
 * 900 s, CloudWatch adds its own delay). What is in a window never depends
 * on this clock (each function's own watermark decides that); the clock
 * only tells when a function has gone silent (no event while the clock
 * moved on a window and its lateness), so that its last window closes:
 *  - a source gone quiet: 20 minutes after its last event;
 *  - a backlog older than 20 minutes: the clock moves with the wall clock,
 *    not with the newest group's events, so a group whose pages come
 *    round-robin behind another's is not taken for silent while its pages
 *    keep coming every few seconds (the event times of a leading group
 *    would jump the clock by a whole page). */
#define LATE_BOUND_MS (20 * 60000)

typedef struct component {
    const lw_component_ops *ops;
    void *self;
} component;

/* The daemon's own counters, rendered into /metrics. */
typedef struct lw_daemon_counters {
    uint64_t events, duplicates, batches, findings, findings_known, state_errors, late;
} lw_daemon_counters;

struct lw_daemon {
    uv_loop_t loop;
    char *config_path;
    lw_config cfg;
    lw_state *state;
    lw_pipeline *pipeline;
    component parts[MAX_COMPONENTS];
    int nparts, stopping_parts;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t tick, persist, watchdog, committed;
    bool in_batch, stopping;
    /* The events the open batch analysed, journaled with it (state.h);
     * replaying: the journal is being fed back, its findings are known. */
    lw_buf journal, scratch;
    uint64_t journal_events;
    bool replaying;
    /* The open batch analysed a message that redaction changes: it must
     * not reach the journal, so the batch saves the detector state whole
     * instead. save_failed: a save in the open transaction failed. */
    bool batch_secret, save_failed;
    int exit_code;
    lw_daemon_counters counters;
    uint64_t findings_at_last_kick;
    uint64_t late_before; /* late events of the pipelines a reload replaced */
    lw_metrics *metrics;
    lw_metric_family *findings_by_detector;
    lw_metric_family *suppressed_by_detector;
    double *outbox_pending; /* refreshed at each scrape */
};

uv_loop_t *lw_daemon_loop(lw_daemon *d) { return &d->loop; }
const lw_config *lw_daemon_config(lw_daemon *d) { return &d->cfg; }
lw_state *lw_daemon_state(lw_daemon *d) { return d->state; }

void lw_daemon_add_component(lw_daemon *d, const lw_component_ops *ops, void *self)
{
    if (d->nparts < MAX_COMPONENTS)
        d->parts[d->nparts++] = (component){ops, self};
}

/* Findings: recorded once (the id is the key) and handed to the sinks,
 * inside the source's open transaction. */
static void sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    lw_daemon *d = ud;
    char fn[256];
    snprintf(fn, sizeof fn, "%.*s", (int)f->function.n, f->function.p);
    int64_t now = lw_wall_ms();
    int rc = lw_state_finding_add(d->state, id, f->detector, (int)f->severity, fn, f->time_ms, json, now);
    if (rc < 0) {
        d->counters.state_errors++;
        LW_ERROR("state: %s", lw_state_error(d->state));
        return;
    }
    if (rc == 0) {
        if (!d->replaying)
            d->counters.findings_known++; /* seen before a restart: never re-alert */
        return;
    }
    /* Muted by a [suppress NAME]: kept (findings --suppressed), counted
     * apart, never handed to the sinks. Expiry by the wall clock now: see
     * config/suppress.h for why not the event time. */
    const lw_suppress_cfg *sup = lw_suppress_match(d->cfg.suppressions, f->detector, fn, json, n, now);
    if (sup) {
        if (lw_state_finding_suppress(d->state, id, sup->name) < 0) {
            d->counters.state_errors++;
            LW_ERROR("state: %s", lw_state_error(d->state));
        }
        (*lw_metric_u64(d->suppressed_by_detector, f->detector))++;
        LW_INFO("finding %s %s %s suppressed by [suppress %s]: %s", id, lw_severity_name(f->severity), fn,
                sup->name, f->title.p ? f->title.p : "");
        return;
    }
    d->counters.findings++;
    /* A scan of the detectors that have found something so far (built-in
     * ones and configured rules: a few dozen at most), once per new
     * finding, never per event. */
    (*lw_metric_u64(d->findings_by_detector, f->detector))++;
    LW_NOTICE("finding %s %s %s: %s", id, lw_severity_name(f->severity), fn, f->title.p ? f->title.p : "");
    for (int i = 0; i < d->nparts; i++)
        if (d->parts[i].ops->finding)
            d->parts[i].ops->finding(d->parts[i].self, f, id);
}

void lw_daemon_state_error(lw_daemon *d) { d->counters.state_errors++; }

lw_metrics *lw_daemon_metric_registry(lw_daemon *d) { return d->metrics; }

void lw_daemon_metrics(lw_daemon *d, lw_buf *out) { lw_metrics_render(d->metrics, out); }

/* A row count in the state store: read only when scraped. */
static void collect(void *ud)
{
    lw_daemon *d = ud;
    *d->outbox_pending = (double)lw_state_outbox_pending(d->state);
    d->counters.late = d->late_before + lw_pipeline_late(d->pipeline);
}

/* The daemon's own families, registered before any component's, so they
 * come first in /metrics as they always have. */
static void register_metrics(lw_daemon *d)
{
    lw_metrics *m = d->metrics = lw_metrics_new();
    const lw_daemon_counters *c = &d->counters;
    lw_metrics_counter_ref(m, "lambdaward_events_total", "Events analysed.", &c->events);
    lw_metrics_counter_ref(m, "lambdaward_duplicate_events_total",
                           "Events dropped as already analysed (same event id).", &c->duplicates);
    lw_metrics_counter_ref(m, "lambdaward_findings_total",
                           "New findings recorded (one already recorded before a restart is not counted).",
                           &c->findings);
    lw_metrics_counter_ref(m, "lambdaward_late_events_total",
                           "Events that arrived after their detection window had closed (not counted in it).",
                           &c->late);
    lw_metrics_counter_ref(m, "lambdaward_state_errors_total", "Writes to the state store (SQLite) that failed.",
                           &c->state_errors);
    d->outbox_pending = lw_metrics_gauge(m, "lambdaward_outbox_pending", "Webhook deliveries waiting.");
    lw_metrics_on_collect(m, collect, d);
    d->findings_by_detector = lw_metrics_family(m, "lambdaward_findings_by_detector_total",
                                                "New findings recorded, by detector.", LW_METRIC_COUNTER, "detector");
    d->suppressed_by_detector = lw_metrics_family(m, "lambdaward_findings_suppressed_total",
                                                  "New findings muted by a [suppress] section, by detector: recorded, "
                                                  "never sent to a webhook, not in lambdaward_findings_total.",
                                                  LW_METRIC_COUNTER, "detector");
}

static lw_pipeline *make_pipeline(lw_daemon *d)
{
    /* The findings table is the daemon's authoritative dedupe (the id is its
     * key): the pipeline's in-memory set only needs to absorb bursts. */
    lw_pipeline_opts po = {.sink = sink, .ud = d, .config = &d->cfg, .no_summaries = true, .dedupe_capacity = 4096};
    return lw_pipeline_new(&po);
}

static void restore_one(void *ud, const char *det, const char *blob, size_t n)
{
    lw_daemon *d = ud;
    if (lw_pipeline_restore(d->pipeline, det, blob, n) < 0)
        LW_WARN("detector %s: saved state not usable (other version or corrupt): starting fresh", det);
}

static void save_one(void *ud, const char *det, const char *blob, size_t n)
{
    lw_daemon *d = ud;
    if (lw_state_detector_put(d->state, det, blob, n, lw_wall_ms()) < 0) {
        LW_ERROR("saving %s state: %s", det, lw_state_error(d->state));
        d->save_failed = true;
    }
}

/* Inside an open transaction: the detectors' state, and the journal
 * emptied, since that state holds its events' effect. */
static int snapshot(lw_daemon *d)
{
    d->save_failed = false;
    lw_pipeline_save(d->pipeline, save_one, d);
    return d->save_failed || lw_state_journal_clear(d->state) < 0 ? -1 : 0;
}

/* The journal's entries: the analysed events of one batch, in order. The
 * state file holds no secret: a message that redaction would change makes
 * the batch save the detectors' state instead (rare: only batches with a
 * leaked credential pay for it). */
static void journal_put(lw_daemon *d, const lw_event *ev)
{
    if (d->batch_secret)
        return;
    lw_buf_reset(&d->scratch);
    lw_redact(ev->message.p, ev->message.n, &d->scratch);
    if (d->scratch.len != ev->message.n || memcmp(d->scratch.p, ev->message.p, ev->message.n)) {
        d->batch_secret = true;
        return;
    }
    lw_buf *b = &d->journal;
    lw_put_str(b, ev->group.p, ev->group.n);
    lw_put_str(b, ev->stream.p, ev->stream.n);
    lw_put_str(b, ev->event_id.p, ev->event_id.n);
    lw_put_u64(b, (uint64_t)ev->timestamp);
    lw_put_u64(b, (uint64_t)ev->ingestion);
    lw_put_str(b, ev->message.p, ev->message.n);
    d->journal_events++;
}

static void replay_entry(void *ud, const char *blob, size_t n)
{
    lw_daemon *d = ud;
    lw_rd rd = {blob, n, false};
    while (rd.n && !rd.bad) {
        lw_event ev = {.origin = "journal"};
        ev.group.p = lw_get_str(&rd, &ev.group.n);
        ev.stream.p = lw_get_str(&rd, &ev.stream.n);
        ev.event_id.p = lw_get_str(&rd, &ev.event_id.n);
        ev.timestamp = (int64_t)lw_get_u64(&rd);
        ev.ingestion = (int64_t)lw_get_u64(&rd);
        ev.message.p = lw_get_str(&rd, &ev.message.n);
        if (!rd.bad)
            lw_pipeline_event(d->pipeline, &ev);
    }
    if (rd.bad)
        LW_ERROR("state: a journal entry is damaged: its remaining events are not replayed");
}

/* Rebuilds the detectors as the state file has them: the saved state, then
 * the journal's events on top, which is where they stood after the last
 * batch that committed. At the start, and whenever a batch failed after
 * its events were analysed (their effect must go with the batch). The
 * findings the replay raises again are known: none is alerted twice. */
static void rebuild(lw_daemon *d)
{
    if (d->pipeline) {
        d->late_before += lw_pipeline_late(d->pipeline);
        lw_pipeline_free(d->pipeline);
    }
    d->pipeline = make_pipeline(d);
    lw_state_detectors(d->state, restore_one, d);
    d->replaying = true;
    bool txn = lw_state_begin(d->state) == 0; /* the findings' lookups in one transaction */
    if (lw_state_journal(d->state, replay_entry, d) < 0)
        LW_ERROR("state: %s", lw_state_error(d->state));
    if (txn && lw_state_commit(d->state) < 0)
        lw_state_rollback(d->state);
    d->replaying = false;
}

/* Saves the detectors' state and clears the journal, in one transaction:
 * the journal always holds exactly the events after the saved state. */
static void persist(lw_daemon *d)
{
    if (d->in_batch || lw_state_begin(d->state) < 0)
        return;
    if (snapshot(d) < 0 || lw_state_commit(d->state) < 0) {
        LW_ERROR("saving detector state: %s", lw_state_error(d->state));
        lw_state_rollback(d->state);
    }
}

int lw_daemon_batch_begin(lw_daemon *d)
{
    if (lw_state_begin(d->state) < 0) {
        LW_ERROR("state: %s", lw_state_error(d->state));
        return -1;
    }
    d->in_batch = true;
    d->batch_secret = false;
    lw_buf_reset(&d->journal);
    d->journal_events = 0;
    return 0;
}

int lw_daemon_event(lw_daemon *d, const lw_event *ev)
{
    if (ev->event_id.n) {
        char group[512], id[128];
        snprintf(group, sizeof group, "%.*s", (int)ev->group.n, ev->group.p);
        snprintf(id, sizeof id, "%.*s", (int)ev->event_id.n, ev->event_id.p);
        int rc = lw_state_seen_add(d->state, group, id, ev->timestamp);
        if (rc < 0) {
            d->counters.state_errors++;
            return -1;
        }
        if (rc == 0) {
            d->counters.duplicates++;
            return 0;
        }
    }
    lw_daemon_event_nodedupe(d, ev);
    return 1;
}

void lw_daemon_event_nodedupe(lw_daemon *d, const lw_event *ev)
{
    d->counters.events++;
    journal_put(d, ev);
    lw_pipeline_event(d->pipeline, ev);
}

static void on_committed(uv_timer_t *t)
{
    lw_daemon *d = t->data;
    for (int i = 0; i < d->nparts; i++)
        if (d->parts[i].ops->committed)
            d->parts[i].ops->committed(d->parts[i].self);
}

void lw_daemon_batch_abort(lw_daemon *d)
{
    d->in_batch = false;
    lw_state_rollback(d->state);
    if (d->journal_events || d->batch_secret) {
        /* The detectors saw events that are now as if never read: the
         * source reads them again, so their effect must go too. */
        LW_WARN("state: a batch of %llu events was rolled back: detectors rebuilt from the state file",
                (unsigned long long)d->journal_events);
        d->journal_events = 0;
        d->batch_secret = false;
        lw_buf_reset(&d->journal);
        rebuild(d);
    }
}

int lw_daemon_batch_commit(lw_daemon *d)
{
    d->counters.batches++;
    int rc = d->batch_secret ? snapshot(d)
             : d->journal.len ? lw_state_journal_add(d->state, d->journal.p, d->journal.len) : 0;
    if (rc < 0 || lw_state_commit(d->state) < 0) {
        LW_ERROR("state: %s", lw_state_error(d->state));
        lw_daemon_batch_abort(d);
        return -1;
    }
    d->in_batch = false;
    d->batch_secret = false;
    d->journal_events = 0;
    lw_buf_reset(&d->journal);
    if (d->counters.findings != d->findings_at_last_kick) {
        d->findings_at_last_kick = d->counters.findings;
        /* Deliver now, not at the next tick, but from the loop: this runs
         * inside a source's callback, which must not wait on the sinks. */
        if (!d->stopping)
            uv_timer_start(&d->committed, on_committed, 0, 0);
    }
    return 0;
}

static void on_tick(uv_timer_t *t)
{
    lw_daemon *d = t->data;
    int64_t now = lw_pipeline_event_ms(d->pipeline), floor = lw_wall_ms() - LATE_BOUND_MS;
    if (now != INT64_MIN && floor > now)
        now = floor; /* no event yet: no clock, nothing to close */
    lw_pipeline_tick(d->pipeline, now);
}

static void on_persist(uv_timer_t *t) { persist(t->data); }

static void on_watchdog(uv_timer_t *t)
{
    lw_daemon *d = t->data;
    char status[160];
    snprintf(status, sizeof status, "STATUS=%llu events, %llu findings", (unsigned long long)d->counters.events,
             (unsigned long long)d->counters.findings);
    sd_notify(0, "WATCHDOG=1");
    sd_notify(0, status);
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void close_all(uv_timer_t *t)
{
    lw_daemon *d = t->data;
    uv_walk(&d->loop, close_handle, NULL);
}

static void part_stopped(void *ud)
{
    lw_daemon *d = ud;
    if (--d->stopping_parts > 0)
        return;
    /* Everything in flight is done: save, close every handle, leave. The
     * closing waits for the next loop turn: this may run deep inside a
     * callback (the last API reply of a source) whose caller still closes
     * or releases handles of its own when it returns. */
    persist(d);
    LW_NOTICE("stopped: %llu events analysed, %llu findings recorded", (unsigned long long)d->counters.events,
              (unsigned long long)d->counters.findings);
    uv_timer_stop(&d->tick);
    uv_timer_start(&d->tick, close_all, 0, 0);
}

static void begin_stop(lw_daemon *d)
{
    if (d->stopping)
        return;
    d->stopping = true;
    sd_notify(0, "STOPPING=1");
    LW_NOTICE("stopping");
    /* Every component finishes what it has in flight (sources their polls
     * and requests, the outbox its deliveries; pending ones stay in the
     * outbox for the next start). */
    uv_timer_stop(&d->committed);
    d->stopping_parts = d->nparts + 1;
    for (int i = 0; i < d->nparts; i++)
        d->parts[i].ops->stop(d->parts[i].self, part_stopped, d);
    part_stopped(d);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    begin_stop(s->data);
}

static int load_config(lw_daemon *d, lw_config *cfg)
{
    int errors = lw_config_load(d->config_path, cfg);
    for (int i = 0; i < cfg->warnings.n; i++)
        LW_WARN("%s", cfg->warnings.v[i]);
    for (int i = 0; i < cfg->errors.n; i++)
        LW_ERROR("%s", cfg->errors.v[i]);
    return errors;
}

static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    lw_daemon *d = s->data;
    lw_config next;
    sd_notify(0, "RELOADING=1");
    if (load_config(d, &next)) {
        LW_ERROR("reload: %s has errors: keeping the running configuration", d->config_path);
        lw_config_free(&next);
        sd_notify(0, "READY=1");
        return;
    }
    if (d->cfg.state_path && next.state_path && strcmp(d->cfg.state_path, next.state_path))
        LW_WARN("reload: a new state path takes effect at restart only");
    /* Detector settings may have changed: rebuild the pipeline around the
     * current detector state. */
    persist(d);
    lw_config_free(&d->cfg);
    d->cfg = next;
    lw_log_set_level(lw_log_level_names[d->cfg.log_level]);
    rebuild(d);
    for (int i = 0; i < d->nparts; i++)
        if (d->parts[i].ops->reload)
            d->parts[i].ops->reload(d->parts[i].self, &d->cfg);
    LW_NOTICE("configuration reloaded from %s", d->config_path);
    sd_notify(0, "READY=1");
}

int lw_daemon_main(const char *config, const lw_component_factory *factories)
{
    lw_log_init();
    lw_daemon *d = lw_xcalloc(1, sizeof *d);
    d->config_path = strdup(config);
    if (load_config(d, &d->cfg)) {
        LW_ERROR("%s: not starting: fix the errors above (lambdaward check-config %s)", config, config);
        lw_config_free(&d->cfg);
        free(d->config_path);
        free(d);
        return LW_DAEMON_BAD_CONFIG;
    }
    lw_log_set_level(lw_log_level_names[d->cfg.log_level]); /* the loader refused any other */
    char err[512];
    d->state = lw_state_open(d->cfg.state_path, err, sizeof err);
    if (!d->state) {
        LW_ERROR("%s", err);
        lw_config_free(&d->cfg);
        free(d->config_path);
        free(d);
        return LW_DAEMON_FAILED;
    }
    if (*lw_state_warning(d->state))
        LW_WARN("state: %s", lw_state_warning(d->state));
    d->pipeline = make_pipeline(d); /* rebuilt from the state once the sinks can take findings */
    register_metrics(d);

    uv_loop_init(&d->loop);
    uv_signal_init(&d->loop, &d->sigterm);
    uv_signal_init(&d->loop, &d->sigint);
    uv_signal_init(&d->loop, &d->sighup);
    d->sigterm.data = d->sigint.data = d->sighup.data = d;
    uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
    uv_signal_start(&d->sighup, on_hup, SIGHUP);
    uv_timer_init(&d->loop, &d->tick);
    uv_timer_init(&d->loop, &d->persist);
    uv_timer_init(&d->loop, &d->committed);
    d->tick.data = d->persist.data = d->committed.data = d;
    uv_timer_start(&d->tick, on_tick, TICK_MS, TICK_MS);
    uv_timer_start(&d->persist, on_persist, PERSIST_MS, PERSIST_MS);
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec) {
        uv_timer_init(&d->loop, &d->watchdog);
        d->watchdog.data = d;
        uv_timer_start(&d->watchdog, on_watchdog, wd_usec / 2000, wd_usec / 2000);
    }
    for (int i = 0; factories[i]; i++)
        factories[i](d);
    for (int i = 0; i < d->nparts; i++) {
        if (d->parts[i].ops->start(d->parts[i].self, d) < 0) {
            LW_ERROR("%s: could not start", d->parts[i].ops->name);
            d->exit_code = LW_DAEMON_FAILED;
            begin_stop(d);
        }
    }
    /* Before the loop runs: no source has delivered anything yet. A finding
     * the replay raises that the state does not know (the configuration
     * changed between the runs) goes to the sinks like any other. */
    rebuild(d);
    persist(d); /* the journal replayed: keep it from growing over restarts */
    int nwatch = 0;
    for (lw_watch_cfg *w = d->cfg.watches; w; w = w->next)
        nwatch++;
    LW_NOTICE("lambdaward %s started: %d watch%s, %d component%s, state %s", LW_VERSION, nwatch, nwatch == 1 ? "" : "es",
              d->nparts, d->nparts == 1 ? "" : "s", d->cfg.state_path);
    sd_notify(0, "READY=1\nSTATUS=running");

    uv_run(&d->loop, UV_RUN_DEFAULT);

    for (int i = 0; i < d->nparts; i++)
        d->parts[i].ops->destroy(d->parts[i].self);
    uv_loop_close(&d->loop);
    lw_pipeline_free(d->pipeline);
    lw_buf_free(&d->journal);
    lw_buf_free(&d->scratch);
    lw_state_close(d->state);
    lw_metrics_free(d->metrics); /* last: components may touch their cells until destroyed */
    lw_config_free(&d->cfg);
    free(d->config_path);
    int rc = d->exit_code;
    free(d);
    return rc;
}
