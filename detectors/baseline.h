/*
 * baseline: a robust, bounded, online estimate of "normal" for one metric.
 *
 * Keeps the last LW_BASELINE_CAP samples in a ring and a cached median and
 * MAD (median absolute deviation), recomputed every few samples, so an
 * update costs O(1) amortised and memory is fixed (~1.1 KB). Median/MAD
 * ignore the odd slow call that would drag a mean/stddev baseline along.
 * Also keeps a short window (the last LW_BASELINE_SHORT samples) whose
 * median reveals a sustained shift before the long ring absorbs it.
 */
#ifndef LW_BASELINE_H
#define LW_BASELINE_H

#include <stdbool.h>
#include <stdint.h>


#define LW_BASELINE_CAP 256
#define LW_BASELINE_SHORT 16

typedef struct lw_baseline {
    float ring[LW_BASELINE_CAP];
    uint32_t at;          /* next slot */
    uint32_t filled;      /* samples in the ring */
    uint64_t total;       /* samples ever seen */
    uint32_t since;       /* samples since the cache was computed */
    float median, mad;    /* cached */
} lw_baseline;

void lw_baseline_add(lw_baseline *b, double v);
/* Refreshes the cache if stale; call before reading median/mad. */
void lw_baseline_refresh(lw_baseline *b);
/* Robust z-score of v: (v - median) / (1.4826 * MAD), MAD floored at
 * floor_frac * median so near-constant series do not make tiny changes huge. */
double lw_baseline_z(const lw_baseline *b, double v, double floor_frac);
/* Median of the last LW_BASELINE_SHORT samples. */
double lw_baseline_recent_median(const lw_baseline *b);

#endif
