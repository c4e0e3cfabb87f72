/*
 * error_spike: the share of failing invocations jumps above the function's
 * own baseline.
 *
 * Per function and window: invocations (REPORT lines) and failures (a
 * REPORT with status error/failure/timeout, the old-style timeout and
 * runtime-exit lines, an uncaught error logged by the runtime; each request
 * counted once). Fires when failures >= min_errors, the failure rate >=
 * min_rate and >= factor x the baseline rate (median of past windows).
 * Without history only a rate of >= cold_rate counts. One per episode.
 *
 * Decided when the window closes (window.h: once the function's events are
 * `lateness_s` past its end), on the whole window: a rate seen part-way
 * through depends on which of the window's events came first, which late
 * or out-of-order delivery changes; the whole window's does not. The
 * finding's time is the window's start.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/window.h"

typedef struct spike_cfg {
    double window_s, lateness_s, warmup_windows, min_errors, min_rate, factor, cold_rate, max_functions;
} spike_cfg;

static const lw_option options[] = {
    LW_OPT("window_s", LW_OPT_DURATION, "300", offsetof(spike_cfg, window_s), 1, 86400, "window length"),
    LW_OPT("lateness_s", LW_OPT_DURATION, "120", offsetof(spike_cfg, lateness_s), 0, 86400,
           "how late an event may arrive behind its function's newest (at most 3 windows)"),
    LW_OPT("warmup_windows", LW_OPT_INT, "3", offsetof(spike_cfg, warmup_windows), 0, LW_WINDOW_HIST,
           "windows of history before the baseline is used (at most the history kept)"),
    LW_OPT("min_errors", LW_OPT_INT, "10", offsetof(spike_cfg, min_errors), 1, 1e9,
           "failures per window before anything fires"),
    LW_OPT("min_rate", LW_OPT_DOUBLE, "0.05", offsetof(spike_cfg, min_rate), 0, 1, "failure rate floor (0.05 = 5 %)"),
    LW_OPT("factor", LW_OPT_DOUBLE, "5", offsetof(spike_cfg, factor), 1, 1e6, "times the baseline failure rate"),
    LW_OPT("cold_rate", LW_OPT_DOUBLE, "0.5", offsetof(spike_cfg, cold_rate), 0, 1,
           "failure rate that fires before a baseline exists"),
    LW_OPT("max_functions", LW_OPT_INT, "20000", offsetof(spike_cfg, max_functions), 1, 1e6, "functions tracked"),
    LW_OPT_END,
};

typedef struct fn_state {
    lw_wseries w;       /* first, for lw_window_det; a = failures, b = invocations */
    uint64_t recent[8]; /* request ids already counted as failed */
    uint32_t at;
} fn_state;

typedef struct spike {
    lw_window_det base;
    spike_cfg cfg;
    char key[32];
} spike;

static double base_rate(const lw_wseries *w)
{
    double inv = lw_wseries_median_b(w);
    return inv > 0 ? lw_wseries_median_a(w) / inv : 0;
}

static void alert(spike *s, int64_t window, double errors, double inv, double rate, double base, bool warm)
{
    lw_finding *f = lw_window_finding(&s->base, "error_spike", LW_SEV_MEDIUM, window, NULL, s->key, sizeof s->key);
    f->count = (uint64_t)errors;
    lw_finding_title(f, "Error spike: %.0f of %.0f invocations failed (%.0f%%, usual %.1f%%)", errors, inv,
                     100 * rate, 100 * base);
    lw_finding_num(f, "failures_in_window", errors);
    lw_finding_num(f, "invocations_in_window", inv);
    lw_finding_num(f, "failure_rate", rate);
    lw_finding_num(f, "baseline_rate", base);
    lw_finding_num(f, "window_s", s->cfg.window_s);
    lw_finding_bool(f, "baseline_ready", warm);
    lw_emit(s->base.out, f);
}

static void on_close(void *ud, lw_wseries *w, int64_t window, double errors, double reports)
{
    spike *s = ud;
    double inv = reports > errors ? reports : errors;
    double rate = inv > 0 ? errors / inv : 0;
    double base = base_rate(w);
    if (!w->episode && errors >= s->cfg.min_errors) {
        bool warm = w->filled >= (uint32_t)s->cfg.warmup_windows;
        if (warm ? (rate >= s->cfg.min_rate && rate >= s->cfg.factor * base) : rate >= s->cfg.cold_rate) {
            w->episode = 1;
            alert(s, window, errors, inv, rate, base, warm);
        }
    }
    if (w->episode && (errors < s->cfg.min_errors / 2 || rate < 2 * base))
        w->episode = 0;
}

static bool failed(const lw_record *rec)
{
    if (rec->kind == LW_REC_PLATFORM) {
        const lw_platform *p = rec->platform;
        if (p->type == LW_PL_REPORT)
            return p->status == LW_ST_ERROR || p->status == LW_ST_FAILURE || p->status == LW_ST_TIMEOUT;
        return p->type == LW_PL_TIMED_OUT || p->type == LW_PL_RUNTIME_EXIT;
    }
    return rec->kind == LW_REC_APP && rec->app->unhandled;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    spike *s = self;
    bool report = rec->kind == LW_REC_PLATFORM && rec->platform->type == LW_PL_REPORT;
    bool fail = failed(rec);
    if (!report && !fail)
        return;
    int slot;
    fn_state *st = lw_window_det_at(s, rec, out, &slot);
    if (!st)
        return;
    lw_wseries_add(&st->w, slot, 0, report);
    if (!fail)
        return;
    lw_str rid = lw_record_request_id(rec);
    if (rid.n) {
        uint64_t h = lw_hash64(rid.p, rid.n) | 1;
        for (int i = 0; i < 8; i++)
            if (st->recent[i] == h)
                return;
        st->recent[st->at++ % 8] = h;
    }
    lw_wseries_add(&st->w, slot, 1, 0);
}

static void *create(const void *cfg)
{
    const spike_cfg *c = cfg;
    spike *s = lw_window_det_new(sizeof *s, sizeof(fn_state), (size_t)c->max_functions, c->window_s, c->lateness_s,
                                  on_close);
    s->cfg = *c;
    return s;
}

const lw_detector_ops lw_detector_error_spike = {
    .name = "error_spike",
    .summary = "failure rate far above the function's baseline",
    .options = options,
    .config_size = sizeof(spike_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .tick = lw_window_det_tick,
    .flush = lw_window_det_flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
    .late = lw_window_det_late,
};
