/*
 * median: the median of a float array by quickselect (expected O(n)); the
 * array is reordered. Shared by the detectors' baselines.
 */
#ifndef LW_MEDIAN_H
#define LW_MEDIAN_H

#include <stdint.h>

float lw_median_inplace(float *v, uint32_t n);

#endif
