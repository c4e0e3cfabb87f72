/*
 * output: how findings and summaries look on stdout, and the cells every
 * table we print for a person is made of (query, findings, status).
 *
 * json  = JSON Lines exactly as DESIGN.md specifies (findings first, then
 *         one summary per function);
 * table = the same information for a person, lines of at most `width`
 *         columns (0 = no limit; the command decides, daemon/cli/term.h);
 *         every text cell redacted and escaped (common/escape.h) so none
 *         can leak a credential, move the cursor or forge a row; times in
 *         UTC, written with their "Z".
 *
 * Names (functions, log groups) are never cut: a cut name can collide with
 * another ("billing-api-production-handler-eu" and "-us" cut at 28 columns
 * print the same), and a person copies names into `aws lambda` commands.
 * Other cells (detector, title, error) shrink first. A name longer than
 * its column goes whole on a line of its own and the row goes on, aligned,
 * on the next line (as df(1) does); only a name wider than the whole line
 * makes a line exceed `width`.
 */
#ifndef LW_OUTPUT_H
#define LW_OUTPUT_H

#include <stdbool.h>

#include "common/buf.h"
#include "detectors/finding.h"
#include "detectors/stats.h"

typedef enum lw_out_format { LW_OUT_TABLE, LW_OUT_JSON } lw_out_format;

typedef struct lw_out_style {
    lw_out_format fmt;
    size_t width;           /* table: columns a line may take; 0 = no limit */
    bool color;             /* table: severities in colour (ANSI SGR) */
    /* NULL, or which functions' summaries are shown (query --function). */
    bool (*want_function)(void *ud, const char *name, size_t n);
    void *ud;
} lw_out_style;

/* One finding, newline-terminated, appended to out. Read-only on st, so
 * --jobs workers render with the same style. */
void lw_out_finding(const lw_out_style *st, const lw_finding *f, const char *json, size_t n, lw_buf *out);
/* All summaries (and, for table, a header and a "no findings" note), and
 * when events came too late for their detection window, how many (JSON: a
 * {"kind":"late_events"} line). */
void lw_out_summaries(const lw_out_style *st, const lw_stats *s, uint64_t findings, uint64_t late, lw_buf *out);

/* Cells for other tables. The display columns of s once redacted and
 * escaped. */
size_t lw_out_columns(const char *s, size_t n);
/* s redacted and escaped in at most w columns, padded to w, "~" when cut;
 * w = 0: whole, unpadded. */
void lw_out_cell(lw_buf *out, const char *s, size_t n, size_t w);
/* A name column's width: the longest name (at least min), or what the
 * line leaves once `rest` columns are taken, whichever is less (never
 * below min). */
size_t lw_out_name_width(size_t longest, size_t min, size_t rest, size_t width);
/* A name in a column of w: padded when it fits, else whole on a line of
 * its own followed by w spaces on the next, where the row continues. */
void lw_out_name(lw_buf *out, const char *s, size_t n, size_t w);

#endif
