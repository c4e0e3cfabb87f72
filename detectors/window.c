/* window: see window.h. */
#include "detectors/window.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/map.h"
#include "common/median.h"

static void push(lw_wseries *s, double a, double b)
{
    s->hist_a[s->at] = (float)a;
    s->hist_b[s->at] = (float)b;
    s->at = (s->at + 1) % LW_WINDOW_HIST;
    if (s->filled < LW_WINDOW_HIST)
        s->filled++;
    s->prev_a = a;
}

static void cache_medians(lw_wseries *s)
{
    float tmp[LW_WINDOW_HIST];
    memcpy(tmp, s->hist_a, s->filled * sizeof *tmp);
    s->med_a = lw_median_inplace(tmp, s->filled);
    memcpy(tmp, s->hist_b, s->filled * sizeof *tmp);
    s->med_b = lw_median_inplace(tmp, s->filled);
}

static int slot_of(int64_t w) { return (int)(((w % LW_WINDOW_OPEN) + LW_WINDOW_OPEN) % LW_WINDOW_OPEN); }

/* Closes the oldest open window. Empty windows before the key's first
 * event are not history: which window the first *arriving* event opened
 * depends on arrival order, the first window with an event does not. */
static void close_one(lw_wseries *s, const lw_wparams *p)
{
    int i = slot_of(s->cur);
    bool used = s->used & (1u << i);
    if (used && p->cb)
        p->cb(p->ud, s, s->cur, s->a[i], s->b[i]);
    if (used || s->filled) {
        push(s, s->a[i], s->b[i]);
        cache_medians(s);
    }
    s->a[i] = s->b[i] = 0;
    s->used &= ~(1u << i);
    s->cur++;
}

void lw_wseries_close_until(lw_wseries *s, const lw_wparams *p, int64_t ts_ms)
{
    if (!s->started)
        return;
    int64_t upto = lw_window_of(ts_ms, p->width_ms) - 1; /* the last window ending by ts_ms */
    for (int n = 0; n < LW_WINDOW_OPEN && s->cur <= upto; n++)
        close_one(s, p);
    if (s->cur > upto)
        return;
    /* Past the open windows all are empty: at most a ring of zeros. */
    if (s->filled) {
        int64_t gap = upto - s->cur + 1;
        for (int64_t i = 0; i < gap && i < LW_WINDOW_HIST; i++)
            push(s, 0, 0);
        cache_medians(s);
    }
    s->cur = upto + 1;
}

/* Up to the last window with events: the empty ones after it are not
 * history yet (nothing says they ended). */
void lw_wseries_close_all(lw_wseries *s, const lw_wparams *p)
{
    for (int n = 0; s->started && s->used && n < LW_WINDOW_OPEN; n++)
        close_one(s, p);
}

int lw_wseries_place(lw_wseries *s, const lw_wparams *p, int64_t ts_ms)
{
    int64_t w = lw_window_of(ts_ms, p->width_ms);
    if (!s->started) {
        /* The oldest window an on-time event could still belong to. */
        s->started = 1;
        s->cur = lw_window_of(ts_ms - p->lateness_ms, p->width_ms);
        s->max_ms = ts_ms;
    } else if (ts_ms > s->max_ms) {
        s->max_ms = ts_ms;
    }
    lw_wseries_close_until(s, p, s->max_ms - p->lateness_ms);
    if (w < s->cur)
        return -1;
    if (w >= s->cur + LW_WINDOW_OPEN) /* only when lateness was not clamped to the open windows */
        lw_wseries_close_until(s, p, lw_window_start(w - LW_WINDOW_OPEN + 1, p->width_ms));
    int i = slot_of(w);
    s->used |= 1u << i;
    return i;
}

bool lw_wseries_valid(const void *state)
{
    const lw_wseries *s = state;
    return s->at < LW_WINDOW_HIST && s->filled <= LW_WINDOW_HIST && s->used < (1u << LW_WINDOW_OPEN) &&
           s->started <= 1;
}

void *lw_window_det_new(size_t size, size_t state_size, size_t max_functions, double window_s, double lateness_s,
                        lw_wclose_cb on_close)
{
    lw_window_det *d = lw_keyed_det_new(size, state_size, max_functions, LW_WINDOW_FORMAT, lw_wseries_valid);
    int64_t width = (int64_t)(window_s * 1000);
    int64_t late = lateness_s > 0 ? (int64_t)(lateness_s * 1000) : 0;
    /* Held windows are bounded: a lateness past them would force windows
     * shut early, so it is cut to what they can hold. */
    if (width > 0 && late > (LW_WINDOW_OPEN - 1) * width)
        late = (LW_WINDOW_OPEN - 1) * width;
    d->params = (lw_wparams){width, late, on_close, d};
    d->clock_ms = LW_WINDOW_NO_CLOCK;
    return d;
}

void *lw_window_det_at(void *self, const lw_record *rec, const lw_emitter *out, int *slot)
{
    lw_window_det *d = self;
    if (!rec->ev)
        return NULL;
    int64_t ts = rec->ev->timestamp;
    lw_wseries *s = lw_keyed_fn(&d->keyed.keys, rec->function, NULL, NULL);
    if (!s)
        return NULL;
    d->out = out;
    d->function = rec->function;
    int i = lw_wseries_place(s, &d->params, ts);
    s->seen_clock = out->clock_ms;
    if (i < 0) {
        d->late++;
        return NULL;
    }
    *slot = i;
    return s;
}

/* The function of a table key (the keys are function names; a \x1f would
 * start a suffix). */
static lw_str function_of(const char *key, size_t klen)
{
    const char *sep = memchr(key, '\x1f', klen);
    return (lw_str){key, sep ? (size_t)(sep - key) : klen};
}

void lw_window_det_tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    lw_window_det *d = self;
    bool first = d->clock_ms == LW_WINDOW_NO_CLOCK;
    if (now_ms > d->clock_ms)
        d->clock_ms = now_ms;
    d->out = out;
    int64_t idle = d->params.lateness_ms + d->params.width_ms;
    lw_map_foreach(&d->keyed.keys.map, e) {
        lw_wseries *s = e->val;
        /* Before the first tick the clock was the events' alone (or a
         * saved state's): a first tick that jumps it (the daemon's floor)
         * is no sign of silence. */
        if (first && s->seen_clock < d->clock_ms)
            s->seen_clock = d->clock_ms;
        if (!s->started || d->clock_ms - s->seen_clock <= idle)
            continue;
        d->function = function_of(e->key, e->klen);
        lw_wseries_close_until(s, &d->params, d->clock_ms - d->params.lateness_ms);
    }
}

void lw_window_det_flush(void *self, const lw_emitter *out)
{
    lw_window_det *d = self;
    d->out = out;
    lw_map_foreach(&d->keyed.keys.map, e) {
        d->function = function_of(e->key, e->klen);
        lw_wseries_close_all(e->val, &d->params);
    }
}

uint64_t lw_window_det_late(void *self) { return ((lw_window_det *)self)->late; }

lw_finding *lw_window_finding(lw_window_det *d, const char *detector, lw_severity sev, int64_t window,
                              const char *tag, char *key, size_t keylen)
{
    lw_finding *f = &d->keyed.f;
    lw_finding_init(f, detector, sev, NULL);
    f->function = d->function;
    f->time_ms = lw_window_start(window, d->params.width_ms);
    if (tag)
        snprintf(key, keylen, "%s:%" PRId64, tag, window);
    else
        snprintf(key, keylen, "%" PRId64, window);
    f->key = lw_str_c(key);
    return f;
}
