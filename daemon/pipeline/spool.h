/*
 * spool: findings framed into an anonymous temporary file and read back in
 * the order they were put.
 *
 * One-shot drivers hold findings they cannot hand on yet: a query worker's
 * findings until the workers before it are printed, and every finding of a
 * `query --webhook` run until the analysis is over. A temporary file keeps
 * that off the heap whatever the input size.
 */
#ifndef LW_SPOOL_H
#define LW_SPOOL_H

#include <stdbool.h>
#include <stdio.h>

#include "common/buf.h"
#include "detectors/finding.h"

typedef struct lw_spooled {
    char id[LW_FINDING_ID_LEN + 1];
    int severity;
    /* Valid until the next read; each NUL-terminated. */
    const char *detector; /* whole, however long ("rule:" + a user's rule name) */
    const char *rendered; /* the putter's rendering (may be empty) */
    size_t rendered_len;
    const char *json;     /* the finding's JSON */
    size_t json_len;
} lw_spooled;

typedef struct lw_spool {
    FILE *f;
    lw_buf rec;
} lw_spool;

/* Returns 0, or -1 with errno when no temporary file can be made. */
int lw_spool_open(lw_spool *s);
void lw_spool_put(lw_spool *s, const char *id, int severity, const char *detector, const char *rendered,
                  size_t rendered_len, const char *json, size_t json_len);
/* Back to the first finding put. */
void lw_spool_rewind(lw_spool *s);
bool lw_spool_next(lw_spool *s, lw_spooled *k);
void lw_spool_close(lw_spool *s);

#endif
