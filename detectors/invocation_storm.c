/*
 * invocation_storm: a function suddenly invoked far more than usual.
 *
 * Invocations (START lines) are counted per function per window (event
 * time). Two signals, both decided when a window closes (window.h: once
 * the function's events are `lateness_s` past its end), so that events
 * arriving late or out of order across streams decide the same as on time:
 *   surge   a window passes max(min_count, factor x the median of the last
 *           60 windows);
 *   growth  `growth_windows` consecutive windows each >= growth_ratio x the
 *           previous one (and >= growth_min): the exponential shape of a
 *           recursive loop or a retry storm, caught before it is big.
 * One finding per episode; the episode ends when a window falls back under
 * twice the baseline. A finding's time is the start of its window: the
 * window is what triggered it, and its start does not depend on which of
 * its events happened to arrive first.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/window.h"

typedef struct storm_cfg {
    double window_s, lateness_s, warmup_windows, min_count, factor, growth_windows, growth_ratio, growth_min;
    double max_functions;
} storm_cfg;

static const lw_option options[] = {
    LW_OPT("window_s", LW_OPT_DURATION, "60", offsetof(storm_cfg, window_s), 1, 86400, "window length"),
    LW_OPT("lateness_s", LW_OPT_DURATION, "120", offsetof(storm_cfg, lateness_s), 0, 86400,
           "how late an event may arrive behind its function's newest (at most 3 windows)"),
    LW_OPT("warmup_windows", LW_OPT_INT, "5", offsetof(storm_cfg, warmup_windows), 0, LW_WINDOW_HIST,
           "windows of history before a surge can fire (at most the history kept)"),
    LW_OPT("min_count", LW_OPT_INT, "100", offsetof(storm_cfg, min_count), 1, 1e9,
           "a surge needs at least this many invocations per window"),
    LW_OPT("factor", LW_OPT_DOUBLE, "10", offsetof(storm_cfg, factor), 1, 1e6,
           "a surge is this many times the median window"),
    LW_OPT("growth_windows", LW_OPT_INT, "3", offsetof(storm_cfg, growth_windows), 1, LW_WINDOW_HIST,
           "consecutive growing windows that make a storm"),
    LW_OPT("growth_ratio", LW_OPT_DOUBLE, "1.8", offsetof(storm_cfg, growth_ratio), 1, 1000,
           "each window at least this multiple of the previous"),
    LW_OPT("growth_min", LW_OPT_INT, "16", offsetof(storm_cfg, growth_min), 1, 1e9,
           "and at least this many invocations"),
    LW_OPT("max_functions", LW_OPT_INT, "20000", offsetof(storm_cfg, max_functions), 1, 1e6, "functions tracked"),
    LW_OPT_END,
};

typedef struct storm {
    lw_window_det base;
    storm_cfg cfg;
    char key[64];
} storm;

static void alert(storm *s, lw_wseries *w, int64_t window, double count, bool growth)
{
    lw_finding *f = lw_window_finding(&s->base, "invocation_storm", growth ? LW_SEV_HIGH : LW_SEV_MEDIUM, window,
                                      growth ? "growth" : "surge", s->key, sizeof s->key);
    f->count = (uint64_t)count;
    double base = lw_wseries_median_a(w);
    if (growth)
        lw_finding_title(f, "Invocations growing exponentially: %.0f per %.0fs window, x%.1f per window", count,
                         s->cfg.window_s, w->prev_a > 0 ? count / w->prev_a : 0);
    else
        lw_finding_title(f, "Invocation surge: %.0f per %.0fs window vs usual %.0f", count, s->cfg.window_s, base);
    lw_finding_str(f, "kind", lw_str_c(growth ? "exponential_growth" : "surge"));
    lw_finding_num(f, "invocations_in_window", count);
    lw_finding_num(f, "window_s", s->cfg.window_s);
    lw_finding_num(f, "baseline_median", base);
    lw_finding_num(f, "previous_window", w->prev_a);
    lw_finding_int(f, "growth_streak", w->streak);
    lw_emit(s->base.out, f);
    w->episode = 1;
}

static bool surging(const storm *s, const lw_wseries *w, double count)
{
    if (w->filled < (uint32_t)s->cfg.warmup_windows)
        return false;
    double base = lw_wseries_median_a(w);
    return count >= s->cfg.min_count && count >= s->cfg.factor * (base > 1 ? base : 1);
}

static void on_close(void *ud, lw_wseries *w, int64_t window, double count, double unused)
{
    (void)unused;
    storm *s = ud;
    /* prev_a still holds the window before this one here */
    if (count >= s->cfg.growth_min && count >= s->cfg.growth_ratio * w->prev_a)
        w->streak++;
    else
        w->streak = 0;
    if (!w->episode && surging(s, w, count))
        alert(s, w, window, count, false);
    else if (!w->episode && w->streak >= (uint32_t)s->cfg.growth_windows)
        alert(s, w, window, count, true);
    double base = lw_wseries_median_a(w);
    if (w->episode && w->streak == 0 && count < 2 * (base > 1 ? base : 1))
        w->episode = 0;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    storm *s = self;
    if (rec->kind != LW_REC_PLATFORM || rec->platform->type != LW_PL_START)
        return;
    int slot;
    lw_wseries *w = lw_window_det_at(s, rec, out, &slot);
    if (w)
        lw_wseries_add(w, slot, 1, 0);
}

static void *create(const void *cfg)
{
    const storm_cfg *c = cfg;
    storm *s = lw_window_det_new(sizeof *s, sizeof(lw_wseries), (size_t)c->max_functions, c->window_s, c->lateness_s,
                                  on_close);
    s->cfg = *c;
    return s;
}

const lw_detector_ops lw_detector_invocation_storm = {
    .name = "invocation_storm",
    .summary = "invocation surges against the function's own baseline, and exponential growth",
    .options = options,
    .config_size = sizeof(storm_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .tick = lw_window_det_tick,
    .flush = lw_window_det_flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
    .late = lw_window_det_late,
};
