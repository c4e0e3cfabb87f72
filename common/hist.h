/*
 * hist: a bounded, mergeable histogram for latency-like values.
 *
 * Log-linear buckets with 1 % relative width between 0.01 and ~10^7, so a
 * percentile is within 1 % of the exact value while memory stays fixed
 * (about 3.6 KB of counters, allocated on first use). Two histograms of the
 * same shape merge by adding counters, which is how parallel workers join.
 */
#ifndef LW_HIST_H
#define LW_HIST_H

#include <stdint.h>

typedef struct lw_hist {
    uint32_t *counts; /* NULL until the first value */
    uint64_t n;
    double max;
    double min;
    double sum;
} lw_hist;

void lw_hist_add(lw_hist *h, double v);
void lw_hist_merge(lw_hist *into, const lw_hist *from);
/* q in [0,1]; 0 when empty. The exact max is returned for q == 1. */
double lw_hist_quantile(const lw_hist *h, double q);
void lw_hist_free(lw_hist *h);

#endif
