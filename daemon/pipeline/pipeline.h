/*
 * pipeline: one instance of the analysis chain, the same for every driver.
 *
 *   lw_event -> reassembler -> classifier / sensor parser -> stats + detectors
 *            -> findings stage -> sink
 *
 * The query command and the daemon each create one (or one per worker
 * thread) and differ only in where events come from and where findings go.
 * Nothing in here knows the source of an event.
 */
#ifndef LW_PIPELINE_H
#define LW_PIPELINE_H

#include "config/config.h"
#include "detectors/findings.h"
#include "detectors/stats.h"
#include "parsers/reassemble.h"

typedef struct lw_pipeline_opts {
    lw_finding_sink sink;
    void *ud;
    const lw_reasm_limits *limits; /* NULL = defaults */
    lw_arch arch;
    size_t dedupe_capacity;        /* 0 = default */
    const lw_config *config;       /* detector settings and rules; NULL = defaults. Read
                                      again when a restore is refused (the detector is
                                      rebuilt from it): keep it valid while
                                      lw_pipeline_restore may be called */
    bool no_summaries;             /* skip the per-function summaries (the daemon
                                      prints none: ~11 KB of histograms per function) */
} lw_pipeline_opts;

typedef struct lw_pipeline_counts {
    uint64_t events;
    uint64_t message_bytes;
    uint64_t platform, app, text, sensor, sensor_malformed;
    uint64_t platform_unread;  /* platform lines with fields that could not be read */
} lw_pipeline_counts;

typedef struct lw_pipeline lw_pipeline;

lw_pipeline *lw_pipeline_new(const lw_pipeline_opts *o);
void lw_pipeline_event(lw_pipeline *p, const lw_event *ev);
/* Same signature as lw_event_cb, for wiring a decoder straight in. */
void lw_pipeline_event_cb(void *p, const lw_event *ev);
/* Event-time progress: detectors close only windows that event time has
 * passed, never by the wall clock. now_ms is the source's event-time
 * clock; the pipeline never lets it go back, nor stay behind the newest
 * event it has seen, so lw_pipeline_tick(p, lw_pipeline_event_ms(p)) is
 * always right. A driver that knows more (daemon/run.c: every source is
 * quiet, so event time has moved on with the wall clock) passes more. */
void lw_pipeline_tick(lw_pipeline *p, int64_t now_ms);
/* The newest event time seen; INT64_MIN before any event. */
int64_t lw_pipeline_event_ms(const lw_pipeline *p);
/* Events detectors had to count as late (their window had closed). */
uint64_t lw_pipeline_late(const lw_pipeline *p);
/* End of input: open records become malformed, detectors flush. */
void lw_pipeline_finish(lw_pipeline *p);
/* Detector state, one opaque blob per detector that keeps any, so a
 * restarted daemon neither relearns baselines nor re-alerts. */
typedef void (*lw_state_cb)(void *ud, const char *detector, const char *blob, size_t n);
void lw_pipeline_save(lw_pipeline *p, lw_state_cb cb, void *ud);
/* Returns 0, or -1 when the detector is unknown or refuses the blob (the
 * detector then starts fresh: a corrupt blob is never half-trusted). */
int lw_pipeline_restore(lw_pipeline *p, const char *detector, const char *blob, size_t n);
lw_reasm *lw_pipeline_reasm(lw_pipeline *p);
lw_stats *lw_pipeline_stats(lw_pipeline *p);
const lw_pipeline_counts *lw_pipeline_counts_get(const lw_pipeline *p);
void lw_pipeline_free(lw_pipeline *p);

#endif
