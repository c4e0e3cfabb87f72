/* backoff: see backoff.h. */
#include "common/backoff.h"

#include <math.h>

#include "common/clock.h"

uint64_t lw_backoff_seed(void)
{
    uint64_t s = (uint64_t)lw_wall_ms() * 1000003u ^ (uint64_t)(lw_mono_s() * 1e9) ^ 0x9E3779B97F4A7C15ull;
    return s ? s : 1;
}

double lw_backoff_delay(int attempt, double base_s, double cap_s, uint64_t *rng)
{
    uint64_t x = *rng ? *rng : 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    double cap = base_s * pow(2, attempt < 0 ? 0 : attempt > 30 ? 30 : attempt);
    if (cap > cap_s)
        cap = cap_s;
    return cap * (double)(x % 1000001) / 1e6;
}
