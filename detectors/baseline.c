/* baseline: see baseline.h. */
#include "detectors/baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/median.h"

/* Median and MAD of 256 samples by quickselect cost ~2.5 us (unpredictable
 * branches): they are recomputed once half the ring is new (every 8 samples
 * while the ring is filling, every 128 once full). A baseline of 256
 * samples moves slowly; a median that is half a ring old changes no
 * decision that matters, and the per-invocation cost stays ~20 ns. */
#define REFRESH_MIN 8

static float median_of(float *v, uint32_t n) { return lw_median_inplace(v, n); }

void lw_baseline_add(lw_baseline *b, double v)
{
    b->ring[b->at] = (float)v;
    b->at = (b->at + 1) % LW_BASELINE_CAP;
    if (b->filled < LW_BASELINE_CAP)
        b->filled++;
    b->total++;
    b->since++;
}

void lw_baseline_refresh(lw_baseline *b)
{
    uint32_t every = b->filled / 2 > REFRESH_MIN ? b->filled / 2 : REFRESH_MIN;
    if (!b->filled || (b->since < every && b->median != 0))
        return;
    float tmp[LW_BASELINE_CAP];
    memcpy(tmp, b->ring, b->filled * sizeof *tmp);
    b->median = median_of(tmp, b->filled);
    for (uint32_t i = 0; i < b->filled; i++)
        tmp[i] = fabsf(b->ring[i] - b->median);
    b->mad = median_of(tmp, b->filled);
    b->since = 0;
}

double lw_baseline_z(const lw_baseline *b, double v, double floor_frac)
{
    double scale = 1.4826 * b->mad;
    double floor = floor_frac * b->median;
    if (scale < floor)
        scale = floor;
    if (scale <= 0)
        scale = 1e-9;
    return (v - b->median) / scale;
}

double lw_baseline_recent_median(const lw_baseline *b)
{
    uint32_t n = b->filled < LW_BASELINE_SHORT ? b->filled : LW_BASELINE_SHORT;
    if (!n)
        return 0;
    float tmp[LW_BASELINE_SHORT];
    for (uint32_t i = 0; i < n; i++)
        tmp[i] = b->ring[(b->at + LW_BASELINE_CAP - 1 - i) % LW_BASELINE_CAP];
    return median_of(tmp, n);
}
