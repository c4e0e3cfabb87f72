/*
 * window: per-key counts over fixed event-time windows, with a history.
 *
 * Windows are numbered ts / width. A series accumulates the current window;
 * when an event (or tick) lands in a later window, the current one closes:
 * its values join a ring of the last LW_WINDOW_HIST windows (empty windows
 * in between count as zeros) and the caller's close callback runs. The
 * median of the ring is the baseline of the windowed detectors.
 */
#ifndef LW_WINDOW_H
#define LW_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"

#define LW_WINDOW_HIST 60

typedef struct lw_wseries {
    int64_t cur;       /* current window index; 0 = none yet */
    double a, b;       /* accumulators of the current window */
    float hist_a[LW_WINDOW_HIST], hist_b[LW_WINDOW_HIST];
    uint32_t at, filled;
    double prev_a;     /* the last closed window's a */
    float med_a, med_b;/* medians of the history, cached at each close */
    uint32_t episode;  /* detector-defined: set while an alert episode lasts */
    uint32_t streak;   /* detector-defined */
} lw_wseries;

typedef void (*lw_wclose_cb)(void *ud, lw_wseries *s, int64_t window, double a, double b);

/* Moves s to window w, closing the current one (and counting skipped ones
 * as empty). Events older than the current window stay in it. */
void lw_wseries_roll(lw_wseries *s, int64_t w, lw_wclose_cb cb, void *ud);
static inline double lw_wseries_median_a(const lw_wseries *s) { return s->med_a; }
static inline double lw_wseries_median_b(const lw_wseries *s) { return s->med_b; }

static inline int64_t lw_window_of(int64_t ts_ms, int64_t width_ms)
{
    return width_ms > 0 ? ts_ms / width_ms + 1 : 1; /* +1: 0 means "none" */
}

/* For a saved state opening with an lw_wseries: its ring indices are in range. */
bool lw_wseries_valid(const void *state);

/*
 * A detector of one series per function (invocation_storm, log_flood,
 * error_spike) opens its struct with an lw_window_det: records roll their
 * function's series to their window, ticks roll every series, and the
 * table is saved as lw_keyed_det's with format 0: the blobs these three
 * have always written.
 */
typedef struct lw_window_det {
    lw_keyed_det keyed; /* key: function; states open with an lw_wseries */
    int64_t width_ms;
    lw_wclose_cb on_close; /* ud: the detector */
    /* For on_close, which may emit: the record being counted (NULL when a
     * tick or the end of input closes the window), the emitter, and the
     * function of the series. */
    const lw_record *rec;
    const lw_emitter *out;
    lw_str function;
} lw_window_det;

void *lw_window_det_new(size_t size, size_t state_size, size_t max_functions, double window_s, lw_wclose_cb on_close);
/* The state of rec's function, its series rolled to rec's window; NULL past
 * max_functions. */
void *lw_window_det_at(void *self, const lw_record *rec, const lw_emitter *out);
/* lw_detector_ops members: tick rolls every series to now's window, flush
 * closes every current window. */
void lw_window_det_tick(void *self, int64_t now_ms, const lw_emitter *out);
void lw_window_det_flush(void *self, const lw_emitter *out);

#endif
