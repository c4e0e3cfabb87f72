/*
 * backoff: the one retry policy of the program (the AWS client, the webhook
 * outbox, one-shot sends), "full jitter" as AWS's architecture blog
 * describes it: retry n waits a uniform random time in
 * [0, min(cap, base * 2^n)], so clients that failed together spread out
 * instead of retrying in lockstep.
 */
#ifndef LW_BACKOFF_H
#define LW_BACKOFF_H

#include <stdint.h>

/* A seed for lw_backoff_delay's generator, from the clock (never 0). */
uint64_t lw_backoff_seed(void);
/* The wait before retry `attempt` (1-based), in seconds; *rng is the
 * caller's generator state (xorshift64, non-zero), advanced by one draw. */
double lw_backoff_delay(int attempt, double base_s, double cap_s, uint64_t *rng);

#endif
