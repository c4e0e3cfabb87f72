/*
 * detector: the one small interface every detector implements.
 *
 * A detector is a file in detectors/ exporting one lw_detector_ops
 * (anomaly.c exports three: one engine over three metrics). The
 * pipeline holds a list of them and knows nothing of their insides (the
 * Fluent Bit plugin shape). Each detector:
 *   - declares its tunables in an option table (common/option.h: name,
 *     type, default, range, help), the same shape as the config sections';
 *     the config file's parsing and checks, and the reference, come from it;
 *   - gets every lw_record through on_record and reports findings through
 *     the emitter (strings in the finding are borrowed for the call);
 *   - may keep state, bounded, and save/restore it as an opaque blob so a
 *     restarted daemon neither relearns nor re-alerts;
 *   - gets tick() with the source's event-time progress (never the wall
 *     clock: a backlog read late must decide as if read on time) and
 *     flush() at end of input; one that holds windows open for late events
 *     says through late() how many came later than it could take.
 *
 * What detectors share is written once, and a detector's struct opens with
 * the part it uses: lw_stateless_det (below) for the finding alone,
 * lw_keyed_det (keyed.h) for one table of per-key state and its saving,
 * lw_window_det (window.h) for a series per function, lw_fold_det (fold.h)
 * for repeats folded per window. Their functions go straight into the ops.
 */
#ifndef LW_DETECTOR_H
#define LW_DETECTOR_H

#include "common/buf.h"
#include "common/option.h"
#include "detectors/finding.h"
#include "parsers/event.h"

typedef struct lw_emitter {
    void (*emit)(void *ud, lw_finding *f);
    void *ud;
    /* The source's event-time progress (the newest event time it has
     * given, or a tick's clock) as this record arrives: what a detector
     * needs to tell, at a later tick, a key gone silent from one that is
     * only behind the others. */
    int64_t clock_ms;
} lw_emitter;

static inline void lw_emit(const lw_emitter *out, lw_finding *f) { out->emit(out->ud, f); }

/* A severity option with a floor: a detector that promises "never lower
 * than medium" keeps the promise whatever the config says. */
static inline lw_severity lw_sev_at_least(lw_severity v, lw_severity floor) { return v < floor ? floor : v; }

/* The request id a record carries: a platform line's, an application
 * log line's, a sensor event's; empty for plain text. */
static inline lw_str lw_record_request_id(const lw_record *rec)
{
    switch (rec->kind) {
    case LW_REC_PLATFORM: return rec->platform->request_id;
    case LW_REC_APP: return rec->app->request_id;
    case LW_REC_SENSOR: return rec->sensor->request_id;
    default: return LW_STR_NULL;
    }
}

/* A size option as a size: dflt when it is unset or out of any sane range,
 * so a config struct filled by hand cannot ask for nothing or for all. */
static inline size_t lw_opt_size(double v, size_t dflt) { return v >= 1 && v < 1e12 ? (size_t)v : dflt; }

typedef struct lw_detector_ops {
    const char *name;          /* the `detector` field of its findings */
    const char *summary;       /* one line for --help and docs */
    const lw_option *options;  /* terminated by LW_OPT_END; may be NULL */
    size_t config_size;        /* sizeof its config struct */
    void *(*create)(const void *config);
    void (*destroy)(void *self);
    void (*on_record)(void *self, const lw_record *rec, const lw_emitter *out);
    void (*tick)(void *self, int64_t now_ms, const lw_emitter *out); /* optional */
    void (*flush)(void *self, const lw_emitter *out);                /* optional */
    void (*save)(void *self, lw_buf *out);                           /* optional */
    int (*restore)(void *self, const char *p, size_t n);             /* optional */
    uint64_t (*late)(void *self);                                    /* optional */
    /* optional: told every finding any detector of the pipeline emits
     * (persistence asks what else a stream saw); it may note, never emit */
    void (*on_finding)(void *self, const lw_finding *f);
} lw_detector_ops;

/* A detector that keeps nothing between records but the finding it fills
 * (timeout, out_of_memory) opens its struct with an lw_stateless_det; the
 * struct comes zeroed, and lw_stateless_det_destroy is its ops.destroy.
 * Detectors with per-key state use keyed.h's lw_keyed_det instead. */
typedef struct lw_stateless_det {
    lw_finding f;
} lw_stateless_det;

void *lw_stateless_det_new(size_t size);
void lw_stateless_det_destroy(void *self);

/* All detectors, NULL-terminated, in the order they run. */
extern const lw_detector_ops *const lw_detector_registry[];
const lw_detector_ops *lw_detector_find(const char *name);

#endif
