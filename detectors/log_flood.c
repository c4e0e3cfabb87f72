/*
 * log_flood: a function writing far more log than usual (denial of wallet:
 * CloudWatch Logs bills every ingested byte).
 *
 * Message bytes and events per function per window, against the median of
 * the last 60 windows; before a baseline exists only an absolute ceiling
 * applies. One per episode. The evidence carries the ingestion cost this
 * rate would run to per day.
 *
 * Decided when the window closes (window.h: once the function's events are
 * `lateness_s` past its end), so late or out-of-order delivery decides the
 * same as on time; the finding's time is the window's start.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/window.h"

/* CloudWatch Logs standard-class ingestion, USD per GB (us-east-1). */
#define INGEST_USD_PER_GB 0.50

typedef struct flood_cfg {
    double window_s, lateness_s, warmup_windows, min_bytes, factor, ceiling_bytes, max_functions;
} flood_cfg;

static const lw_option options[] = {
    LW_OPT("window_s", LW_OPT_DURATION, "60", offsetof(flood_cfg, window_s), 1, 86400, "window length"),
    LW_OPT("lateness_s", LW_OPT_DURATION, "120", offsetof(flood_cfg, lateness_s), 0, 86400,
           "how late an event may arrive behind its function's newest (at most 3 windows)"),
    LW_OPT("warmup_windows", LW_OPT_INT, "10", offsetof(flood_cfg, warmup_windows), 0, LW_WINDOW_HIST,
           "windows of history before the baseline is used (at most the history kept)"),
    LW_OPT("min_bytes", LW_OPT_SIZE, "5e6", offsetof(flood_cfg, min_bytes), 1, 1024.0 * 1024 * 1024 * 1024,
           "a flood is at least this many bytes per window"),
    LW_OPT("factor", LW_OPT_DOUBLE, "10", offsetof(flood_cfg, factor), 1, 1e6, "and this many times the median window"),
    LW_OPT("ceiling_bytes", LW_OPT_SIZE, "50e6", offsetof(flood_cfg, ceiling_bytes), 1, 1024.0 * 1024 * 1024 * 1024,
           "bytes per window that alert even without a baseline"),
    LW_OPT("max_functions", LW_OPT_INT, "20000", offsetof(flood_cfg, max_functions), 1, 1e6, "functions tracked"),
    LW_OPT_END,
};

typedef struct flood {
    lw_window_det base;
    flood_cfg cfg;
    char key[32];
} flood;

static void alert(flood *s, int64_t window, double bytes, double events, double base)
{
    lw_finding *f = lw_window_finding(&s->base, "log_flood", LW_SEV_MEDIUM, window, NULL, s->key, sizeof s->key);
    double per_day_gb = bytes / s->cfg.window_s * 86400 / 1e9;
    lw_finding_title(f, "Log flood: %.1f MB in %.0fs (usual %.1f MB), ~$%.2f/day to ingest at this rate", bytes / 1e6,
                     s->cfg.window_s, base / 1e6, per_day_gb * INGEST_USD_PER_GB);
    lw_finding_num(f, "bytes_in_window", bytes);
    lw_finding_num(f, "events_in_window", events);
    lw_finding_num(f, "window_s", s->cfg.window_s);
    lw_finding_num(f, "baseline_bytes_median", base);
    lw_finding_num(f, "estimated_ingest_usd_per_day", per_day_gb * INGEST_USD_PER_GB);
    lw_emit(s->base.out, f);
}

static void on_close(void *ud, lw_wseries *w, int64_t window, double bytes, double events)
{
    flood *s = ud;
    double base = lw_wseries_median_a(w);
    bool warm = w->filled >= (uint32_t)s->cfg.warmup_windows;
    if (!w->episode && bytes >= s->cfg.min_bytes &&
        (bytes >= s->cfg.ceiling_bytes || (warm && bytes >= s->cfg.factor * base))) {
        w->episode = 1;
        alert(s, window, bytes, events, base);
    }
    if (w->episode && bytes < 2 * base)
        w->episode = 0;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    flood *s = self;
    if (!rec->ev || rec->kind == LW_REC_SENSOR_MALFORMED)
        return;
    int slot;
    lw_wseries *w = lw_window_det_at(s, rec, out, &slot);
    if (w)
        lw_wseries_add(w, slot, (double)rec->ev->message.n, 1);
}

static void *create(const void *cfg)
{
    const flood_cfg *c = cfg;
    flood *s = lw_window_det_new(sizeof *s, sizeof(lw_wseries), (size_t)c->max_functions, c->window_s, c->lateness_s,
                                  on_close);
    s->cfg = *c;
    return s;
}

const lw_detector_ops lw_detector_log_flood = {
    .name = "log_flood",
    .summary = "log volume far above the function's baseline (ingestion cost)",
    .options = options,
    .config_size = sizeof(flood_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .tick = lw_window_det_tick,
    .flush = lw_window_det_flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
    .late = lw_window_det_late,
};
