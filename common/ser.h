/*
 * ser: a minimal binary writer/reader for detector state blobs.
 *
 * Little-endian fixed-width values and length-prefixed strings. Readers
 * never read past the end: a short or corrupt blob sets `bad` and every
 * later read returns zero, so restore code checks once at the end.
 */
#ifndef LW_SER_H
#define LW_SER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"

static inline void lw_put_u32(lw_buf *b, uint32_t v) { lw_buf_append(b, &v, 4); }
static inline void lw_put_u64(lw_buf *b, uint64_t v) { lw_buf_append(b, &v, 8); }
static inline void lw_put_f64(lw_buf *b, double v) { lw_buf_append(b, &v, 8); }
static inline void lw_put_str(lw_buf *b, const char *s, size_t n)
{
    lw_put_u32(b, (uint32_t)n);
    lw_buf_append(b, s, n);
}

typedef struct lw_rd {
    const char *p;
    size_t n;
    bool bad;
} lw_rd;

static inline bool lw_rd_take(lw_rd *r, void *out, size_t n)
{
    if (r->bad || r->n < n) {
        r->bad = true;
        memset(out, 0, n);
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    r->n -= n;
    return true;
}
static inline uint32_t lw_get_u32(lw_rd *r) { uint32_t v; lw_rd_take(r, &v, 4); return v; }
static inline uint64_t lw_get_u64(lw_rd *r) { uint64_t v; lw_rd_take(r, &v, 8); return v; }
static inline double lw_get_f64(lw_rd *r) { double v; lw_rd_take(r, &v, 8); return v; }
/* Borrowed pointer into the blob; *n = 0 and NULL on error. */
static inline const char *lw_get_str(lw_rd *r, size_t *n)
{
    uint32_t len = lw_get_u32(r);
    if (r->bad || r->n < len) {
        r->bad = true;
        *n = 0;
        return NULL;
    }
    const char *s = r->p;
    r->p += len;
    r->n -= len;
    *n = len;
    return s;
}

#endif
