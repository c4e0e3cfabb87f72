/*
 * output: how findings and summaries look on stdout.
 *
 * json  = JSON Lines exactly as DESIGN.md specifies (findings first, then
 *         one summary per function);
 * table = the same information for a person, at most 80 columns wide;
 *         titles redacted, and every text from the logs escaped
 *         (common/escape.h) so none can move the cursor or forge a row.
 */
#ifndef LW_OUTPUT_H
#define LW_OUTPUT_H

#include "common/buf.h"
#include "detectors/finding.h"
#include "detectors/stats.h"

typedef enum lw_out_format { LW_OUT_TABLE, LW_OUT_JSON } lw_out_format;

typedef struct lw_out_style {
    lw_out_format fmt;
    /* NULL, or which functions' summaries are shown (query --function). */
    bool (*want_function)(void *ud, const char *name, size_t n);
    void *ud;
} lw_out_style;

/* One finding, newline-terminated, appended to out. */
void lw_out_finding(lw_out_format fmt, const lw_finding *f, const char *json, size_t n, lw_buf *out);
/* All summaries (and, for table, a header and a "no findings" note), and
 * when events came too late for their detection window, how many (JSON: a
 * {"kind":"late_events"} line). */
void lw_out_summaries(const lw_out_style *st, const lw_stats *s, uint64_t findings, uint64_t late, lw_buf *out);

#endif
