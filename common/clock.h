/*
 * clock: the program's one reading of the wall clock and of a monotonic
 * clock. Wall time is for what the outside world stamps (webhook
 * timestamps, checkpoints, "last polled" ages, --since); detection never
 * reads it: detectors and parsers judge events by their own timestamps,
 * and the layering test keeps this header out of detectors/ and parsers/.
 */
#ifndef LW_CLOCK_H
#define LW_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch, UTC. */
int64_t lw_wall_ms(void);
/* Seconds on a clock that never jumps (progress and rates). */
double lw_mono_s(void);

#endif
