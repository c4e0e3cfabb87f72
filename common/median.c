/* median: see median.h. */
#include "common/median.h"

/* k-th smallest (0-based), Hoare-style partitioning on a middle pivot. */
static float select_k(float *v, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        uint32_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

float lw_median_inplace(float *v, uint32_t n)
{
    if (!n)
        return 0;
    float hi = select_k(v, n, n / 2);
    if (n % 2)
        return hi;
    /* even: the largest of the lower half, which select_k left below n/2 */
    float lo = v[0];
    for (uint32_t i = 1; i < n / 2; i++)
        if (v[i] > lo)
            lo = v[i];
    return (lo + hi) / 2;
}
