/*
 * eventstream: an incremental decoder of the AWS event stream encoding
 * (application/vnd.amazon.eventstream), the framing of Live Tail answers.
 *
 * Each message: a 12-byte prelude (total length, headers length, CRC32 of
 * those 8 bytes; big-endian u32s), headers (name length u8, name, type u8,
 * value), the payload, then a CRC32 of everything before it (IEEE, zlib's
 * crc32). Header types: 0 true, 1 false, 2 byte, 3 short, 4 int, 5 long,
 * 6 bytes (u16 length), 7 string (u16 length), 8 timestamp (i64 ms),
 * 9 uuid (16 bytes).
 *
 * Fed arbitrary chunks (as libcurl's write callback hands them); calls
 * on_message once per complete, verified message. A message spanning
 * chunks is gathered in one buffer reserved once from its prelude (no
 * allocation per byte), returned to the heap after a big one; a message
 * wholly inside a chunk is decoded in place. Bounded: a frame over
 * max_frame, a headers block over 128 KiB (botocore's limit), a bad CRC
 * or a malformed header block is an error that ends the stream: after a
 * bad prelude nothing says where the next frame starts, so there is no
 * resynchronising, and every later feed returns the same error.
 */
#ifndef LW_EVENTSTREAM_H
#define LW_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define LW_ES_PRELUDE_LEN 12
#define LW_ES_MIN_FRAME 16                        /* prelude + message CRC */
#define LW_ES_MAX_FRAME_DEFAULT ((size_t)16 << 20)
#define LW_ES_MAX_HEADERS_LEN ((size_t)128 << 10)

typedef enum lw_es_type {
    LW_ES_TRUE = 0,
    LW_ES_FALSE = 1,
    LW_ES_BYTE = 2,
    LW_ES_SHORT = 3,
    LW_ES_INT = 4,
    LW_ES_LONG = 5,
    LW_ES_BYTES = 6,
    LW_ES_STRING = 7,
    LW_ES_TIMESTAMP = 8,
    LW_ES_UUID = 9,
} lw_es_type;

/* A borrowed byte range; p == NULL when absent. */
typedef struct lw_es_span {
    const char *p;
    size_t n;
} lw_es_span;

typedef struct lw_es_header {
    lw_es_span name;
    lw_es_type type;
    int64_t i;          /* TRUE 1, FALSE 0, BYTE/SHORT/INT/LONG sign-extended, TIMESTAMP ms */
    lw_es_span bytes;   /* BYTES, STRING (not NUL-terminated), UUID (16 bytes) */
} lw_es_header;

/* Everything borrowed from the decoder: valid only during the callback. */
typedef struct lw_es_message {
    /* The string headers Amazon's protocols use (absent: p == NULL). */
    lw_es_span message_type;    /* ":message-type": event, exception, error */
    lw_es_span event_type;      /* ":event-type" */
    lw_es_span exception_type;  /* ":exception-type" */
    lw_es_span content_type;    /* ":content-type" */
    lw_es_span error_code;      /* ":error-code" */
    lw_es_span error_message;   /* ":error-message" */
    const lw_es_header *headers; /* all of them, in order */
    size_t nheaders;
    const uint8_t *payload;
    size_t payload_len;
    uint64_t offset;            /* of the frame in the stream */
} lw_es_message;

/* Returns false to stop decoding (lw_es_feed then returns LW_ES_STOPPED). */
typedef bool (*lw_es_message_cb)(void *ud, const lw_es_message *m);

enum { LW_ES_OK = 0, LW_ES_ERROR = -1, LW_ES_STOPPED = 1 };

typedef struct lw_es_decoder {
    size_t max_frame;
    lw_es_message_cb on_message;
    void *ud;
    lw_buf frame;            /* a frame spanning chunks, gathered */
    uint32_t total;          /* of the frame being gathered, once its prelude is in; 0 before */
    lw_es_header *hdr;       /* headers of the current message, reused */
    size_t hdr_cap;
    uint64_t offset;         /* bytes consumed */
    uint64_t messages;
    uint64_t bytes_in;
    int state;               /* LW_ES_OK, LW_ES_ERROR or LW_ES_STOPPED */
    char error[192];
} lw_es_decoder;

/* max_frame 0 = LW_ES_MAX_FRAME_DEFAULT. The callback must not free d. */
void lw_es_init(lw_es_decoder *d, size_t max_frame, lw_es_message_cb on_message, void *ud);
int lw_es_feed(lw_es_decoder *d, const void *p, size_t n);
/* End of the stream: LW_ES_ERROR ("truncated frame ...") when it stopped
 * inside a frame, else the decoder's state. */
int lw_es_finish(lw_es_decoder *d);
/* The error text when the state is LW_ES_ERROR, else "". */
const char *lw_es_error(const lw_es_decoder *d);
/* Whether bytes of an unfinished frame are held. */
bool lw_es_pending(const lw_es_decoder *d);
void lw_es_free(lw_es_decoder *d);

/* Parses a header block (for tests and the fuzzer); returns the number of
 * headers, or -1 with err. hdr grows as needed (free() it). */
int lw_es_parse_headers(const uint8_t *p, size_t n, lw_es_header **hdr, size_t *cap, char *err, size_t errlen);

/* Appends one encoded message (for tests and fakes on the C side): string
 * headers given as name/value pairs. */
void lw_es_encode(lw_buf *out, const char *const *str_headers, int npairs, const void *payload, size_t n);

static inline bool lw_es_span_eq(lw_es_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

#endif
