/* gzip: see gzip.h. */
#include "common/gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GZ_CHUNK (256u << 10)

static int feed(lw_gunzip *g, const char *buf, size_t len);

void lw_gunzip_init(lw_gunzip *g, void (*on_data)(void *, const char *, size_t),
                    void (*on_error)(void *, const char *), void *ud, size_t max_out)
{
    memset(g, 0, sizeof *g);
    g->on_data = on_data;
    g->on_error = on_error;
    g->ud = ud;
    g->max_out = max_out;
}

void lw_gunzip_free(lw_gunzip *g)
{
    if (g->live)
        inflateEnd(&g->z);
    free(g->out);
    g->live = false;
    g->out = NULL;
}

/* Skips to the next gzip member header (1f 8b) in [p, p+n); a 0x1f at the
 * very end is remembered, since the 0x8b may start the next feed. Returns
 * the offset of the header, or n when there is none. */
static size_t resync(lw_gunzip *g, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0x1f)
            continue;
        if (i + 1 < n) {
            if (p[i + 1] == 0x8b)
                return i;
        } else {
            g->half_magic = true;
        }
    }
    return n;
}

/* Hands out what inflate produced, within max_out. */
static int emit(lw_gunzip *g, size_t got)
{
    if (g->max_out && g->produced + got > g->max_out) {
        got = g->max_out - g->produced;
        g->over = true;
    }
    g->produced += got;
    if (got)
        g->on_data(g->ud, g->out, got);
    return g->over ? -1 : 0;
}

/* Where the reader is in its whole input, for messages: a line number of
 * the inflated text would point nowhere in a compressed file. */
static unsigned long long at(const lw_gunzip *g, const char *buf)
{
    return (unsigned long long)(g->fed + (uint64_t)((const char *)g->z.next_in - buf));
}

int lw_gunzip_feed(lw_gunzip *g, const char *buf, size_t len)
{
    int rc = feed(g, buf, len);
    g->fed += len;
    return rc;
}

static int feed(lw_gunzip *g, const char *buf, size_t len)
{
    static const Bytef first_magic_byte = 0x1f;
    if (g->over)
        return -1;
    if (!g->out)
        g->out = lw_xmalloc(GZ_CHUNK);
    if (g->half_magic) {
        /* The previous feed ended on 0x1f while looking for a member. */
        g->half_magic = false;
        if (len && (unsigned char)buf[0] == 0x8b) {
            inflateReset(&g->z);
            g->done = g->skipping = false;
            g->z.next_in = (Bytef *)&first_magic_byte;
            g->z.avail_in = 1;
            g->z.next_out = (Bytef *)g->out;
            g->z.avail_out = GZ_CHUNK;
            inflate(&g->z, Z_NO_FLUSH); /* consumes the byte as header */
        }
    }
    g->z.next_in = (Bytef *)buf;
    g->z.avail_in = (uInt)len;
    while (g->z.avail_in > 0) {
        if (!g->live) {
            if (inflateInit2(&g->z, 15 + 32) != Z_OK) {
                g->on_error(g->ud, "zlib initialisation failed");
                return 0;
            }
            g->live = true;
        } else if (g->done || g->skipping) {
            size_t hdr = resync(g, g->z.next_in, g->z.avail_in);
            /* A 0x1f ending this feed may be the first byte of the next
             * member's header (0x8b comes in the next feed): not junk. */
            size_t junk = hdr - (g->half_magic ? 1 : 0);
            if (junk && g->done && !g->skipping) {
                char msg[160];
                snprintf(msg, sizeof msg, "data after the end of a gzip member at byte offset %llu: skipped to the next member",
                         at(g, buf));
                g->on_error(g->ud, msg);
            }
            g->z.next_in += hdr;
            g->z.avail_in -= (uInt)hdr;
            if (!g->z.avail_in) {
                if (junk)
                    g->skipping = true; /* reported: the rest of this junk is not */
                return 0;
            }
            inflateReset(&g->z);
            g->done = g->skipping = false;
        }
        g->z.next_out = (Bytef *)g->out;
        g->z.avail_out = GZ_CHUNK;
        int r = inflate(&g->z, Z_NO_FLUSH);
        if (emit(g, GZ_CHUNK - g->z.avail_out) < 0)
            return -1;
        if (r == Z_STREAM_END) {
            g->done = true;
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            char msg[200];
            snprintf(msg, sizeof msg, "corrupt gzip data at byte offset %llu (%s): skipped to the next member",
                     at(g, buf), g->z.msg ? g->z.msg : "inflate failed");
            g->on_error(g->ud, msg);
            g->skipping = true; /* zlib has consumed the bad header: no risk of finding it again */
        }
    }
    return 0;
}

int lw_gunzip_finish(lw_gunzip *g)
{
    if (g->live && !g->done && !g->skipping && !g->over) {
        char msg[120];
        snprintf(msg, sizeof msg, "truncated gzip stream: input ended at byte offset %llu inside a member",
                 (unsigned long long)g->fed);
        g->on_error(g->ud, msg);
        return -1;
    }
    return 0;
}

typedef struct all_ctx {
    lw_buf *out;
    bool damaged;
} all_ctx;

static void all_data(void *ud, const char *p, size_t n) { lw_buf_append(((all_ctx *)ud)->out, p, n); }
static void all_error(void *ud, const char *msg)
{
    (void)msg;
    ((all_ctx *)ud)->damaged = true;
}

int lw_gunzip_all(const char *in, size_t n, size_t max, lw_buf *out)
{
    all_ctx c = {out, false};
    lw_gunzip g;
    lw_gunzip_init(&g, all_data, all_error, &c, max);
    int over = lw_gunzip_feed(&g, in, n) < 0;
    if (!over && (lw_gunzip_finish(&g) < 0 || !g.live))
        c.damaged = true; /* cut short, or empty: not a gzip body */
    lw_gunzip_free(&g);
    lw_buf_reserve(out, 1);
    out->p[out->len] = '\0';
    return over ? -2 : c.damaged ? -1 : 0;
}
