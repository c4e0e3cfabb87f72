/*
 * file: the file and stdin source of `lambdaward query`.
 *
 * Streams a file (or '-', standard input) through the decoder into a
 * pipeline, one read chunk at a time whatever the file's size. With jobs
 * > 1 a large line-oriented file is cut at line starts into one range per
 * worker thread, each with its own pipeline; the workers' findings come
 * back to the caller in input order, each finding id once.
 */
#ifndef LW_SOURCE_FILE_H
#define LW_SOURCE_FILE_H

#include "daemon/pipeline/pipeline.h"
#include "daemon/pipeline/spool.h"
#include "parsers/decode.h"

/* What damage cost, over every file read with these options. */
typedef struct lw_file_counts {
    uint64_t damaged_lines;    /* input lines lost to damage (see decode.h) */
    uint64_t platform_unread;  /* the --jobs workers' platform lines that could not be
                                  read (a single thread counts in the caller's pipeline) */
    uint64_t late;             /* the --jobs workers' late events (lw_pipeline_late; a
                                  single thread counts in the caller's pipeline) */
} lw_file_counts;

typedef struct lw_file_opts {
    const char *default_group; /* for input that names no log group */
    lw_pipeline *p;            /* the caller's pipeline: events (one thread) and merged stats */
    int jobs;                  /* > 1: split large JSON Lines and text files */
    /* For jobs > 1. Each worker's pipeline is built from these options with
     * its own sink; render runs in the worker's thread and must touch no
     * shared state; replay runs in the caller's thread, in input order. */
    const lw_pipeline_opts *worker;
    void (*render)(void *ud, const lw_finding *f, const char *json, size_t n, lw_buf *out);
    void (*replay)(void *ud, const lw_spooled *k);
    /* Every input error; msg is NULL for one a worker counted past the
     * ones it keeps the text of. */
    lw_decode_err_cb on_error;
    /* NULL, or which events reach a pipeline and which of a worker's
     * findings come back (query --function); both may run in worker
     * threads and must touch no shared state. (A single thread's findings
     * go to the caller's own sink, which filters them itself.) */
    bool (*keep_event)(void *ud, const lw_event *ev);
    bool (*keep_finding)(void *ud, const lw_finding *f);
    void *ud;
    lw_file_counts *counts;    /* NULL, or added to as files are read */
} lw_file_opts;

/* Returns 0, or -1 when path could not be opened or read (message printed;
 * what was read before a read error is analysed). */
int lw_file_read(const lw_file_opts *o, const char *path);

#endif
