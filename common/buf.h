/*
 * buf: growable byte buffers and the allocation policy of the whole program.
 *
 * lambdaward treats allocation failure as fatal (as Redis does): every
 * allocation goes through lw_xmalloc/lw_xrealloc, which abort with a message
 * instead of returning NULL, so callers never carry half-built state.
 * Memory bounds are enforced by the callers' own limits, not by malloc.
 */
#ifndef LW_BUF_H
#define LW_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void *lw_xmalloc(size_t n);
void *lw_xcalloc(size_t n, size_t size);
void *lw_xrealloc(void *p, size_t n);
char *lw_xstrndup(const char *s, size_t n);

typedef struct lw_buf {
    char *p;
    size_t len;
    size_t cap;
} lw_buf;

#define LW_BUF_INIT {NULL, 0, 0}

void lw_buf_reserve(lw_buf *b, size_t extra);
void lw_buf_free(lw_buf *b);
/* After a spike: frees b when it grew past LW_BUF_KEEP, so one huge request
 * does not pin its size for the life of the process, and then returns the
 * heap's free top to the system (glibc keeps large freed blocks unless
 * trimmed). Returns whether it freed. */
#define LW_BUF_KEEP ((size_t)1 << 20)
bool lw_buf_release_large(lw_buf *b);
void lw_buf_printf(lw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lw_buf_vprintf(lw_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static inline void lw_buf_reset(lw_buf *b) { b->len = 0; }

static inline void lw_buf_append(lw_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1)
        lw_buf_reserve(b, n + 1);
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void lw_buf_putc(lw_buf *b, char c)
{
    if (b->cap - b->len < 2)
        lw_buf_reserve(b, 2);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static inline void lw_buf_puts(lw_buf *b, const char *s) { lw_buf_append(b, s, strlen(s)); }

#endif
