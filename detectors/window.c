/* window: see window.h. */
#include "detectors/window.h"

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
}

static void cache_medians(lw_wseries *s)
{
    float tmp[LW_WINDOW_HIST];
    memcpy(tmp, s->hist_a, s->filled * sizeof *tmp);
    s->med_a = lw_median_inplace(tmp, s->filled);
    memcpy(tmp, s->hist_b, s->filled * sizeof *tmp);
    s->med_b = lw_median_inplace(tmp, s->filled);
}

void lw_wseries_roll(lw_wseries *s, int64_t w, lw_wclose_cb cb, void *ud)
{
    if (s->cur == 0) {
        s->cur = w;
        return;
    }
    if (w <= s->cur)
        return;
    if (cb)
        cb(ud, s, s->cur, s->a, s->b);
    push(s, s->a, s->b);
    s->prev_a = s->a;
    int64_t gap = w - s->cur - 1;
    if (gap > LW_WINDOW_HIST)
        gap = LW_WINDOW_HIST;
    for (int64_t i = 0; i < gap; i++) {
        push(s, 0, 0);
        s->prev_a = 0;
    }
    cache_medians(s);
    s->cur = w;
    s->a = s->b = 0;
}

bool lw_wseries_valid(const void *state)
{
    const lw_wseries *s = state;
    return s->at < LW_WINDOW_HIST && s->filled <= LW_WINDOW_HIST;
}

void *lw_window_det_new(size_t size, size_t state_size, size_t max_functions, double window_s, lw_wclose_cb on_close)
{
    lw_window_det *d = lw_keyed_det_new(size, state_size, max_functions, 0, lw_wseries_valid);
    d->width_ms = (int64_t)(window_s * 1000);
    d->on_close = on_close;
    return d;
}

void *lw_window_det_at(void *self, const lw_record *rec, const lw_emitter *out)
{
    lw_window_det *d = self;
    lw_wseries *s = lw_keyed_fn(&d->keyed.keys, rec->function, NULL, NULL);
    if (!s)
        return NULL;
    d->rec = rec;
    d->out = out;
    d->function = rec->function;
    lw_wseries_roll(s, lw_window_of(rec->ev->timestamp, d->width_ms), d->on_close, d);
    return s;
}

/* next: each series one window on (the end of input), else to window w. */
static void roll_all(lw_window_det *d, int64_t w, bool next, const lw_emitter *out)
{
    d->rec = NULL;
    d->out = out;
    lw_map_foreach(&d->keyed.keys.map, e) {
        char *sep = memchr(e->key, '\x1f', e->klen);
        d->function = (lw_str){e->key, sep ? (size_t)(sep - e->key) : e->klen};
        lw_wseries *s = e->val;
        lw_wseries_roll(s, next ? s->cur + 1 : w, d->on_close, d);
    }
}

void lw_window_det_tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    lw_window_det *d = self;
    roll_all(d, lw_window_of(now_ms, d->width_ms), false, out);
}

void lw_window_det_flush(void *self, const lw_emitter *out) { roll_all(self, 0, true, out); }
