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
/* A time given on a command line (--since, --start, --end, findings
 * --since), into epoch ms:
 *   a duration ago:  "90s", "15m", "2h", "7d", "1w" (also "1500ms", "1.5h"),
 *                    meaning now_ms minus that; a unit is required;
 *   ISO 8601:        "2026-03-08T14:00:00Z", "...+01:00", "...+0100",
 *                    "2026-03-08 14:00", fractions of a second; a time
 *                    without a zone is UTC; a bare date is its 00:00 UTC;
 *   epoch ms:        all digits, >= 10^11 (as the AWS CLI's logs commands);
 *   epoch seconds:   exactly 10 digits (`date +%s`);
 *   "now".
 * Returns 0, or -1 (nothing set) for anything else, impossible dates
 * ("2026-02-30") included. */
int lw_time_parse_arg(const char *s, int64_t now_ms, int64_t *out_ms);
/* Appends "2026-03-08T14:24:26.649Z". */
void lw_fmt_iso8601(lw_buf *b, int64_t ms);

#endif
