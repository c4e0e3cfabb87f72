/* window: see window.h. */
#include "detectors/window.h"

#include <stdlib.h>
#include <string.h>

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
