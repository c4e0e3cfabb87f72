/*
 * stats: per-function accounting behind the `summary` output objects.
 *
 * Counts invocations, cold starts, errors, timeouts and OOM kills (each
 * failed request counted once even when several lines report it), keeps
 * bounded histograms of duration and init duration, memory, billed time and
 * the estimated cost at public Lambda prices, and the sensor-event tallies.
 * Per-function state is fixed-size (about 12 KB); two lw_stats merge, which
 * is how parallel workers combine their results.
 */
#ifndef LW_STATS_H
#define LW_STATS_H

#include "common/buf.h"
#include "common/hist.h"
#include "common/map.h"
#include "parsers/event.h"

#define LW_RING 16

typedef struct lw_fn_stats {
    uint64_t invocations, cold_starts, errors, timeouts, oom;
    uint64_t attacks_blocked, attacks_unblocked, sensor_malformed;
    lw_hist duration, init;
    int memory_size_mb, max_memory_used_mb;
    double billed_ms;
    double gb_seconds;
    /* recently counted request ids, so one failure reported twice counts once */
    uint64_t err_ring[LW_RING], tmo_ring[LW_RING], oom_ring[LW_RING];
    unsigned err_at, tmo_at, oom_at;
} lw_fn_stats;

typedef enum lw_arch { LW_ARCH_X86_64, LW_ARCH_ARM64 } lw_arch;

typedef struct lw_stats {
    lw_map fns; /* function name -> lw_fn_stats* (insertion order) */
    lw_arch arch;
} lw_stats;

void lw_stats_init(lw_stats *s, lw_arch arch);
void lw_stats_free(lw_stats *s);
void lw_stats_record(lw_stats *s, const lw_record *rec);
void lw_stats_merge(lw_stats *into, const lw_stats *from);
double lw_stats_cost(const lw_stats *s, const lw_fn_stats *f);
/* Appends the summary object (one line, no newline) for one function. */
void lw_stats_summary_json(const lw_stats *s, const char *fn, size_t fnlen, const lw_fn_stats *f, lw_buf *out);

#endif
