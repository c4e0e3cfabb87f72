/* hist: see hist.h. */
#include "common/hist.h"

#include <math.h>
#include <stdlib.h>

#include "common/buf.h"

#define MINV 0.01
#define GROWTH 1.02      /* bucket i covers [MINV*G^i, MINV*G^(i+1)); mid is within 1 % */
#define NBUCKETS 1400    /* up to MINV * 1.02^1400 ~ 1e10 */

static double lg;

static int bucket(double v)
{
    if (!(v > MINV))
        return 0;
    if (lg == 0)
        lg = log(GROWTH);
    int b = (int)(log(v / MINV) / lg) + 1;
    return b >= NBUCKETS ? NBUCKETS - 1 : b;
}

static double bucket_mid(int b)
{
    if (b == 0)
        return MINV / 2;
    if (lg == 0)
        lg = log(GROWTH);
    return MINV * exp(lg * (b - 1)) * (1 + GROWTH) / 2;
}

void lw_hist_add(lw_hist *h, double v)
{
    if (!isfinite(v) || v < 0)
        return;
    if (!h->counts)
        h->counts = lw_xcalloc(NBUCKETS, sizeof *h->counts);
    h->counts[bucket(v)]++;
    if (h->n == 0 || v > h->max)
        h->max = v;
    if (h->n == 0 || v < h->min)
        h->min = v;
    h->n++;
    h->sum += v;
}

void lw_hist_merge(lw_hist *into, const lw_hist *from)
{
    if (!from->n)
        return;
    if (!into->counts)
        into->counts = lw_xcalloc(NBUCKETS, sizeof *into->counts);
    for (int i = 0; i < NBUCKETS; i++)
        into->counts[i] += from->counts[i];
    if (into->n == 0 || from->max > into->max)
        into->max = from->max;
    if (into->n == 0 || from->min < into->min)
        into->min = from->min;
    into->n += from->n;
    into->sum += from->sum;
}

double lw_hist_quantile(const lw_hist *h, double q)
{
    if (!h->n)
        return 0;
    if (q >= 1)
        return h->max;
    /* Nearest-rank: the value at rank ceil(q*n). */
    uint64_t rank = (uint64_t)ceil(q * (double)h->n);
    if (rank < 1)
        rank = 1;
    /* The extremes are kept exactly: small samples stay exact. */
    if (rank >= h->n)
        return h->max;
    if (rank == 1)
        return h->min;
    uint64_t seen = 0;
    for (int i = 0; i < NBUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            double v = bucket_mid(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

void lw_hist_free(lw_hist *h)
{
    free(h->counts);
    h->counts = NULL;
    h->n = 0;
}
