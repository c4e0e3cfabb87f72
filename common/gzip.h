/*
 * gzip: the one gzip reader, for the decoder (streamed exports, stdin) and
 * the Firehose ingest (request bodies and subscription payloads).
 *
 * Streams members back to back, as Firehose and S3 exports write them;
 * after junk or a corrupt member it reports the damage and goes on at the
 * next member header, so one bad member loses nothing else. Damage is
 * reported with its byte offset in the compressed input. Output goes to
 * a callback in chunks of at most 256 KiB; max_out bounds what one reader
 * produces (gzip bombs). zlib (inflateInit2 with automatic header
 * detection) does the inflating.
 */
#ifndef LW_GZIP_H
#define LW_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "common/buf.h"

typedef struct lw_gunzip {
    void (*on_data)(void *ud, const char *p, size_t n);
    void (*on_error)(void *ud, const char *msg); /* damage, reported once per place */
    void *ud;
    size_t max_out;   /* 0 = unbounded */
    size_t produced;
    uint64_t fed;     /* input bytes fed before this feed: messages give byte offsets */
    bool over;        /* max_out reached: the rest is refused */
    bool live;
    bool done;        /* a member ended; the next bytes start a new one */
    bool skipping;    /* after junk or corruption: looking for a member header */
    bool half_magic;  /* the last feed ended on 0x1f while looking */
    z_stream z;
    char *out;
} lw_gunzip;

/* Do these bytes start a gzip member? */
static inline bool lw_is_gzip(const char *p, size_t n)
{
    return n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
}

void lw_gunzip_init(lw_gunzip *g, void (*on_data)(void *, const char *, size_t),
                    void (*on_error)(void *, const char *), void *ud, size_t max_out);
/* Returns 0, or -1 once max_out is reached (nothing more is produced). */
int lw_gunzip_feed(lw_gunzip *g, const char *in, size_t n);
/* End of input: reports a member cut short. Returns 0, or -1 if it was. */
int lw_gunzip_finish(lw_gunzip *g);
void lw_gunzip_free(lw_gunzip *g);

/* All of in, inflated into out (NUL-terminated), strictly: 0, -1 when
 * corrupt, truncated or followed by junk, -2 when over max. */
int lw_gunzip_all(const char *in, size_t n, size_t max, lw_buf *out);

#endif
