/*
 * daemon: `lambdaward run`, the long-running service.
 *
 * One libuv loop owns everything: the components (sources that bring
 * events, sinks that take findings, listeners), the pipeline, the state
 * store, and the timers (detector ticks, state persistence, the systemd
 * watchdog). Sources hand events over in batches: a batch is one SQLite
 * transaction in which events are deduplicated against the ids already
 * seen, analysed, their findings recorded and queued for the webhooks, and
 * the source's checkpoint advanced, so a crash at any instant neither loses
 * nor repeats an alert.
 *
 * Signals: SIGTERM/SIGINT stop the sources, persist state and exit 0;
 * SIGHUP reloads the configuration (detector state carries over).
 */
#ifndef LW_DAEMON_H
#define LW_DAEMON_H

#include <stdint.h>
#include <uv.h>

#include "common/buf.h"
#include "config/config.h"
#include "detectors/finding.h"
#include "daemon/state.h"
#include "parsers/event.h"

typedef struct lw_daemon lw_daemon;
typedef struct lw_metrics lw_metrics;

/* A component on the daemon's loop: a source that brings events (tailer,
 * Firehose ingest), a sink that takes findings (the webhook outbox), or a
 * listener (metrics). The daemon knows this struct, never a component's
 * insides: cli/run.c decides which factories run. A component that counts
 * registers its metric families in start (lw_daemon_metric_registry); the
 * daemon renders /metrics, no component prints text of its own. */
typedef struct lw_component_ops {
    const char *name;
    int (*start)(void *self, lw_daemon *d);
    /* Stop taking work; call done(ud) once in-flight work is finished. */
    void (*stop)(void *self, void (*done)(void *ud), void *ud);
    void (*destroy)(void *self);
    /* The configuration changed (SIGHUP); may be NULL. */
    void (*reload)(void *self, const lw_config *cfg);
    /* A new finding, inside the batch's open transaction (so what it
     * writes to the state commits with the finding); may be NULL. */
    void (*finding)(void *self, const lw_finding *f, const char *id);
    /* Batches with new findings committed; called from the loop on its
     * next turn, never inside a source's callback. May be NULL. */
    void (*committed)(void *self);
} lw_component_ops;

uv_loop_t *lw_daemon_loop(lw_daemon *d);
const lw_config *lw_daemon_config(lw_daemon *d);
lw_state *lw_daemon_state(lw_daemon *d);

/* A batch: begin, events, then commit (or abort on error). */
int lw_daemon_batch_begin(lw_daemon *d);
/* Analyses ev unless (group, event id) was already seen; returns 1 if
 * analysed, 0 if it was a duplicate, -1 on a state error. Events without
 * an id are always analysed (their source dedupes them another way). */
int lw_daemon_event(lw_daemon *d, const lw_event *ev);
/* For sources that deduplicate whole deliveries themselves (Firehose request
 * ids): analyses ev without the per-event id check, which would cost a
 * B-tree insert per event for nothing. */
void lw_daemon_event_nodedupe(lw_daemon *d, const lw_event *ev);
int lw_daemon_batch_commit(lw_daemon *d);
void lw_daemon_batch_abort(lw_daemon *d);

void lw_daemon_add_component(lw_daemon *d, const lw_component_ops *ops, void *self);

/* Registers its component(s), or none when the configuration asks for none. */
typedef void (*lw_component_factory)(lw_daemon *d);
/* Runs the daemon on config_path until SIGTERM; returns the exit status.
 * factories ends with NULL. */
enum { LW_DAEMON_OK = 0, LW_DAEMON_FAILED = 1, LW_DAEMON_BAD_CONFIG = 2 };
int lw_daemon_main(const char *config_path, const lw_component_factory *factories);

/* A component's state write failed (counted with the daemon's own). */
void lw_daemon_state_error(lw_daemon *d);
/* The registry every component registers its metrics with (metrics.h);
 * it lives until the daemon has destroyed its components. */
lw_metrics *lw_daemon_metric_registry(lw_daemon *d);
/* The Prometheus text exposition of everything the daemon counts: the one
 * rendering both /metrics endpoints serve. */
void lw_daemon_metrics(lw_daemon *d, lw_buf *out);

#endif
