/*
 * fold: repeats folded into one finding per window, for attack (blocked
 * attacks per function and source) and rules (matches per function and
 * rule).
 *
 * A key's window opens at its first event and closes window_s later in
 * event time: at the key's next event after that, or at the end of input.
 * A key gone silent is closed on a tick once the source's event-time
 * progress (the tick's clock) has gone window_s past where it stood at the
 * key's last event. Not by comparing the tick's clock with the window's
 * own event time: that clock is the whole source's, and a group read hours
 * behind the others (a backlog) would have every window closed at once. The
 * detector's close callback then reports what was folded, and the state
 * starts over, zeroed. A detector opens its struct with an lw_fold_det and
 * its states with an lw_fold.
 */
#ifndef LW_FOLD_H
#define LW_FOLD_H

#include "detectors/detector.h"
#include "detectors/keyed.h"

typedef struct lw_fold {
    int64_t start_ms, last_ms;
    uint64_t count;     /* events in this window */
    int64_t seen_clock; /* the source's event-time progress at the last event (lw_emitter) */
} lw_fold;

typedef void (*lw_fold_close_cb)(void *self, const char *key, size_t klen, lw_fold *state, const lw_emitter *out);

typedef struct lw_fold_det {
    lw_keyed_det keyed; /* key: function \x1f what */
    int64_t window_ms;
    lw_fold_close_cb on_close;
    bool ticked; /* a tick has come: the keys' clocks are the ticks' */
} lw_fold_det;

void *lw_fold_det_new(size_t size, size_t state_size, size_t max_keys, uint32_t format,
                      bool (*valid)(const void *state), double window_s, lw_fold_close_cb on_close);
/* The state of (function, what) with the event at now_ms counted in it,
 * after closing its window if that has passed; NULL past max_keys (nothing
 * counted: the caller reports the event on its own). */
void *lw_fold_det_count(void *self, lw_str function, lw_str what, int64_t now_ms, const lw_emitter *out);
/* lw_detector_ops members: tick closes the windows of silent keys, flush
 * every one. */
void lw_fold_det_tick(void *self, int64_t now_ms, const lw_emitter *out);
void lw_fold_det_flush(void *self, const lw_emitter *out);

#endif
