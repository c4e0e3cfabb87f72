/*
 * window: per-key counts over fixed event-time windows, with a history.
 *
 * Windows are numbered ts / width (+1). Nothing here reads a clock: windows
 * advance by event time only, so a backlog read hours late, or streams read
 * in another order, fill the same windows as the same events read live.
 *
 * A series holds up to LW_WINDOW_OPEN windows open at once, because events
 * of one function arrive out of order across its log streams (one per
 * runtime instance; CloudWatch keeps order only within a stream). The
 * function's watermark is the newest event time it has seen minus the
 * allowed lateness; a window closes once its end is behind the watermark,
 * and only then: its values join a ring of the last LW_WINDOW_HIST windows
 * (empty windows in between count as zeros) and the caller's close callback
 * runs. An event whose window has already closed is late: it is counted,
 * and never lands in another window. Windows close oldest first, so the
 * callback sees a function's windows in event-time order whatever order
 * their events came in; a detector that decides at close decides the same.
 *
 * An idle function (its events stopped) has no watermark of its own that
 * moves. Its windows close on tick(): the clock tick() gets is the source's
 * event-time progress (the newest event time of the whole source, floored
 * by the daemon at the wall clock less 20 minutes; see daemon/run.c). A
 * function counts as idle once that clock has gone more than a window plus
 * the lateness past where it stood when the function's last event arrived
 * (the emitter carries it with every record: the whole source's progress,
 * not this detector's share of the events). Measured in arrivals, not
 * against the function's own event times, so a group read hours behind the
 * others (a backlog read group after group) is not idle while its events
 * keep coming; an active function has its own watermark, so this only
 * catches the silent ones and can afford to be generous.
 */
#ifndef LW_WINDOW_H
#define LW_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"

#define LW_WINDOW_HIST 60
#define LW_WINDOW_OPEN 4 /* windows held open at once: lateness <= 3 windows */

typedef struct lw_wseries {
    int64_t cur;       /* oldest open window, once started */
    uint32_t started;  /* cur is set (window 0 is a time before 1970, not "none") */
    double a[LW_WINDOW_OPEN], b[LW_WINDOW_OPEN]; /* open windows' accumulators, slot = window % OPEN */
    uint32_t used;     /* bit per slot: that window has had an event */
    uint32_t pad;
    int64_t max_ms;    /* newest event time of this key */
    int64_t seen_clock;/* the source's event-time progress when this key's last event arrived */
    float hist_a[LW_WINDOW_HIST], hist_b[LW_WINDOW_HIST];
    uint32_t at, filled;
    double prev_a;     /* the last closed window's a */
    float med_a, med_b;/* medians of the history, cached at each close */
    uint32_t episode;  /* detector-defined: set while an alert episode lasts */
    uint32_t streak;   /* detector-defined */
} lw_wseries;

/* a, b: the closing window's accumulators. The history (medians, filled,
 * prev_a) does not include the closing window yet. */
typedef void (*lw_wclose_cb)(void *ud, lw_wseries *s, int64_t window, double a, double b);

static inline double lw_wseries_median_a(const lw_wseries *s) { return s->med_a; }
static inline double lw_wseries_median_b(const lw_wseries *s) { return s->med_b; }

static inline int64_t lw_window_of(int64_t ts_ms, int64_t width_ms)
{
    if (width_ms <= 0)
        return 1;
    int64_t q = ts_ms / width_ms;
    if (ts_ms % width_ms < 0)
        q--; /* floor: times before 1970 are still times */
    return q + 1; /* +1: the numbering findings have always used in their keys */
}

/* The event time at which window w starts. */
static inline int64_t lw_window_start(int64_t w, int64_t width_ms) { return (w - 1) * width_ms; }

/* For a saved state opening with an lw_wseries: its ring indices are in range. */
bool lw_wseries_valid(const void *state);

/*
 * The series mechanics on their own (the unit tests drive them). ts: an
 * event's time; returns the slot of its window to add to, or -1 when the
 * event is late (its window closed). Closes what the new watermark passes.
 */
typedef struct lw_wparams {
    int64_t width_ms, lateness_ms;
    lw_wclose_cb cb;
    void *ud;
} lw_wparams;

int lw_wseries_place(lw_wseries *s, const lw_wparams *p, int64_t ts_ms);
static inline void lw_wseries_add(lw_wseries *s, int slot, double a, double b)
{
    s->a[slot] += a;
    s->b[slot] += b;
}
/* Closes every window that ends at or before ts_ms. */
void lw_wseries_close_until(lw_wseries *s, const lw_wparams *p, int64_t ts_ms);
/* Closes every open window (the end of input). */
void lw_wseries_close_all(lw_wseries *s, const lw_wparams *p);

/*
 * A detector of one series per function (invocation_storm, log_flood,
 * error_spike) opens its struct with an lw_window_det: records place
 * themselves in their function's series, ticks close idle functions'
 * windows, the end of input closes every window. Its table is saved as
 * lw_keyed_det's with format LW_WINDOW_FORMAT.
 */
#define LW_WINDOW_NO_CLOCK INT64_MIN /* before the first tick */
#define LW_WINDOW_FORMAT 2 /* 0: before; 1 was never written (the table's own first word) */

typedef struct lw_window_det {
    lw_keyed_det keyed; /* key: function; states open with an lw_wseries */
    lw_wparams params;  /* ud: the detector */
    int64_t clock_ms;   /* the latest tick's clock: the source's event-time progress */
    uint64_t late;      /* events whose window had closed */
    /* For on_close, which may emit: the emitter and the function of the
     * series. */
    const lw_emitter *out;
    lw_str function;
} lw_window_det;

void *lw_window_det_new(size_t size, size_t state_size, size_t max_functions, double window_s, double lateness_s,
                        lw_wclose_cb on_close);
/* The finding of a closed window, from on_close: the series' function, the
 * window's start as its time, and "<tag>:<window>" (or "<window>" when tag
 * is NULL) as its key, written into key, the detector's buffer, which
 * outlives the finding. */
lw_finding *lw_window_finding(lw_window_det *d, const char *detector, lw_severity sev, int64_t window,
                              const char *tag, char *key, size_t keylen);
/* The state of rec's function with its closed windows closed, and in *slot
 * the open window rec belongs in; NULL when rec is late (counted) or past
 * max_functions. */
void *lw_window_det_at(void *self, const lw_record *rec, const lw_emitter *out, int *slot);
/* lw_detector_ops members: tick closes idle functions' windows, flush
 * closes every window, late says how many events came too late. */
void lw_window_det_tick(void *self, int64_t now_ms, const lw_emitter *out);
void lw_window_det_flush(void *self, const lw_emitter *out);
uint64_t lw_window_det_late(void *self);

#endif
