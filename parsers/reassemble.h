/*
 * reassemble: joins sensor records that arrive split over many log events.
 *
 * The agent's record (header line + pretty-printed JSON) reaches CloudWatch
 * either as one event or as one event per line, interleaved with other
 * streams. Reassembly is per (log group, log stream): a header opens a
 * record, the stream's next events are appended and fed to jsmn
 * incrementally until the object closes. Every open record is bounded in
 * bytes, lines and event time; all open records together are bounded in
 * bytes and count. A record that breaks a bound, is interrupted by a
 * platform line or a new header, or is still open at the end of input is
 * reported as malformed, and the lines that had been swallowed into it are
 * handed on as ordinary messages, so nothing else is lost.
 *
 * Events that are not part of a record pass straight through (on_message)
 * without copying: the common case costs one hash-map check, skipped
 * entirely while no record is open.
 */
#ifndef LW_REASSEMBLE_H
#define LW_REASSEMBLE_H

#include "common/buf.h"
#include "parsers/event.h"

typedef struct lw_reasm_limits {
    size_t max_record_bytes;   /* default 2 MiB */
    unsigned max_record_lines; /* default 10000 */
    int64_t max_record_age_ms; /* event-time gap from the header; default 60 s */
    size_t max_open_records;   /* default 4096 */
    size_t max_total_bytes;    /* default 64 MiB */
} lw_reasm_limits;

typedef struct lw_reasm_cb {
    void (*on_message)(void *ud, const lw_event *ev);
    /* hdr: the header event; json: the complete object text. */
    void (*on_record)(void *ud, const lw_event *hdr, const char *json, size_t n);
    void (*on_malformed)(void *ud, const lw_event *hdr, const char *reason);
    void *ud;
} lw_reasm_cb;

typedef struct lw_reasm_stats {
    uint64_t records;        /* complete records handed on */
    uint64_t split_records;  /* of which arrived over more than one event */
    uint64_t malformed;
    uint64_t replayed_lines; /* lines given back after a malformed record */
    size_t open_records;
    size_t open_bytes;
} lw_reasm_stats;

typedef struct lw_reasm lw_reasm;

lw_reasm *lw_reasm_new(const lw_reasm_limits *limits /* NULL = defaults */, const lw_reasm_cb *cb);
void lw_reasm_feed(lw_reasm *r, const lw_event *ev);
/* Closes records that have not grown while the source's event-time
 * progress (now_ms, which never goes back) moved max_record_age on. */
void lw_reasm_expire(lw_reasm *r, int64_t now_ms);
/* End of input: every open record is reported malformed. */
void lw_reasm_flush(lw_reasm *r);
/* Streams that currently have an open record (for parallel workers). */
bool lw_reasm_has_open(const lw_reasm *r, lw_str group, lw_str stream);
size_t lw_reasm_open_count(const lw_reasm *r);
/* The open records, so that a record split across a restart is still
 * joined. The text saved passes through redact (the state file holds no
 * secret; a redacted record still completes, its secrets masked).
 * restore (into a reassembler with none open) refuses, leaving none open,
 * a blob that is not one save wrote: -1. Restored records have no file
 * name: their messages name "saved state". */
typedef void (*lw_reasm_redact)(const char *s, size_t n, lw_buf *out);
void lw_reasm_save(const lw_reasm *r, lw_buf *out, lw_reasm_redact redact);
int lw_reasm_restore(lw_reasm *r, const char *p, size_t n);
const lw_reasm_stats *lw_reasm_stats_get(const lw_reasm *r);
void lw_reasm_free(lw_reasm *r);

#endif
