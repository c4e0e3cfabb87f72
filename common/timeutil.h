/*
 * timeutil: ISO 8601 timestamps and durations as lambdaward reads and
 * writes them. All times are epoch milliseconds, UTC.
 */
#ifndef LW_TIMEUTIL_H
#define LW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Parses "2026-03-08T14:24:26.649Z", "+0000", "+00:00", "2026-03-08 14:24:26",
 * a bare date "2026-03-08", fractional seconds of any length. Returns the
 * number of bytes consumed (0 = not a timestamp) and sets *ms. */
size_t lw_parse_iso8601(const char *s, size_t n, int64_t *ms);
/* Parses durations such as "90s", "15m", "2h", "7d", "1500ms" into ms. */
int lw_parse_duration(const char *s, int64_t *ms);
/* A command-line time (--since and the like), as the AWS CLI takes them:
 * a duration before now_ms with its unit ("90s", "30m", "2h", "7d"), an
 * ISO 8601 time or date (lw_parse_iso8601, the whole string), or epoch
 * milliseconds (digits only). Returns 0 and sets *out_ms, or -1. */
int lw_time_parse_arg(const char *s, int64_t now_ms, int64_t *out_ms);
/* Appends "2026-03-08T14:24:26.649Z". */
void lw_fmt_iso8601(lw_buf *b, int64_t ms);

#endif
