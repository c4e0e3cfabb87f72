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

#endif
