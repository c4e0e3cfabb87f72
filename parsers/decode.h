/*
 * decode: turns raw input bytes into lw_events, whatever shape they come in.
 *
 * Detected per input (from its first document): FilterLogEvents and
 * GetLogEvents response pages (one per line, pretty-printed, or back to
 * back), Live Tail sessionUpdate payloads (sessionResults, the group named
 * by its logGroupIdentifier: ARN, "ACCOUNT:NAME" or name), JSON Lines of events, CloudWatch subscription payloads (plain or
 * gzip, members back to back as Firehose writes them), a JSON array of
 * events, and plain text lines (including `aws logs tail` output). Input is
 * fed in chunks of any size; memory is bounded by the largest single
 * document (LW_JSON_MAX_DOC). Problems are reported through on_error with
 * the line they start on (0 when the message gives a byte offset instead:
 * gzip damage, binary data), counted, and decoding goes on at the next
 * line. Damage costs only itself: an unfinished JSON document ends where a
 * line starts a new one (see continues() in decode.c), and the lines it
 * spanned are counted in damaged_lines. Binary input (sniff.h) is one error
 * and nothing of it is decoded.
 */
#ifndef LW_DECODE_H
#define LW_DECODE_H

#include <stdint.h>

#include "common/json.h"
#include "parsers/event.h"

typedef void (*lw_event_cb)(void *ud, const lw_event *ev);
typedef void (*lw_decode_err_cb)(void *ud, const char *origin, uint64_t line, const char *msg);

typedef struct lw_decoder_opts {
    const char *origin;          /* file name for messages ("-" = stdin) */
    const char *default_group;   /* for inputs that carry no group name */
    const char *default_stream;  /* for inputs that carry no stream name */
    lw_event_cb on_event;
    lw_decode_err_cb on_error;
    void *ud;                    /* for on_event */
    void *err_ud;                /* for on_error; NULL = ud */
} lw_decoder_opts;

typedef struct lw_decode_stats {
    uint64_t bytes_in;        /* as fed, before gunzip */
    uint64_t events;
    uint64_t documents;
    uint64_t control_messages;
    uint64_t errors;
    uint64_t damaged_lines;   /* input lines lost to damage (each also an error) */
} lw_decode_stats;

typedef struct lw_decoder lw_decoder;

lw_decoder *lw_decoder_new(const lw_decoder_opts *opts);
void lw_decoder_feed(lw_decoder *d, const char *buf, size_t len);
/* One document the caller has already parsed (an API page whose client
 * read its nextToken): its events, without scanning or parsing it again.
 * page must hold one object or array at token 0. */
void lw_decoder_page(lw_decoder *d, const lw_json *page);
/* Signals end of input: flushes the last line, reports truncation. */
void lw_decoder_finish(lw_decoder *d);
const lw_decode_stats *lw_decoder_stats(const lw_decoder *d);
void lw_decoder_free(lw_decoder *d);

#endif
