/*
 * detector: the one small interface every detector implements.
 *
 * A detector is a file in detectors/ exporting one lw_detector_ops. The
 * pipeline holds a list of them and knows nothing of their insides (the
 * Fluent Bit plugin shape). Each detector:
 *   - declares its tunables in an option table (name, default, help); the
 *     config file, --help and docs all come from that table;
 *   - gets every lw_record through on_record and reports findings through
 *     the emitter (strings in the finding are borrowed for the call);
 *   - may keep state, bounded, and save/restore it as an opaque blob so a
 *     restarted daemon neither relearns nor re-alerts;
 *   - gets tick() with the event clock (daemon) and flush() at end of input.
 */
#ifndef LW_DETECTOR_H
#define LW_DETECTOR_H

#include "common/buf.h"
#include "detectors/finding.h"
#include "parsers/event.h"

typedef struct lw_emitter {
    void (*emit)(void *ud, lw_finding *f);
    void *ud;
} lw_emitter;

static inline void lw_emit(const lw_emitter *out, lw_finding *f) { out->emit(out->ud, f); }

/* A severity option's value (a number from the config) as a severity, never
 * below floor; out-of-range values are clamped, not converted blindly. */
static inline lw_severity lw_sev_of(double v, lw_severity floor)
{
    if (!(v >= floor)) /* also NaN */
        return floor;
    if (v >= LW_SEV_CRITICAL)
        return LW_SEV_CRITICAL;
    return (lw_severity)(int)v;
}

/* One tunable: a double at `offset` in the detector's config struct. */
typedef struct lw_option {
    const char *name;
    double dflt;
    size_t offset;
    const char *help;
} lw_option;

typedef struct lw_detector_ops {
    const char *name;          /* the `detector` field of its findings */
    const char *summary;       /* one line for --help and docs */
    const lw_option *options;  /* terminated by {NULL}; may be NULL */
    size_t config_size;        /* sizeof its config struct */
    void *(*create)(const void *config);
    void (*destroy)(void *self);
    void (*on_record)(void *self, const lw_record *rec, const lw_emitter *out);
    void (*tick)(void *self, int64_t now_ms, const lw_emitter *out); /* optional */
    void (*flush)(void *self, const lw_emitter *out);                /* optional */
    void (*save)(void *self, lw_buf *out);                           /* optional */
    int (*restore)(void *self, const char *p, size_t n);             /* optional */
} lw_detector_ops;

/* All detectors, NULL-terminated, in the order they run. */
extern const lw_detector_ops *const lw_detector_registry[];
const lw_detector_ops *lw_detector_find(const char *name);
/* Fills cfg (config_size bytes) with the option defaults. */
void lw_detector_defaults(const lw_detector_ops *ops, void *cfg);
/* Sets one option by name; -1 when the detector has no such option. */
int lw_detector_set(const lw_detector_ops *ops, void *cfg, const char *name, double v);

#endif
