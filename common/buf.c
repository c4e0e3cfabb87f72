/* buf: see buf.h. */
#include "common/buf.h"

#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>

static void oom(size_t n)
{
    fprintf(stderr, "lambdaward: out of memory allocating %zu bytes\n", n);
    abort();
}

void *lw_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *lw_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *lw_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *lw_xstrndup(const char *s, size_t n)
{
    char *p = lw_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void lw_buf_reserve(lw_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    b->p = lw_xrealloc(b->p, cap);
    b->cap = cap;
}

bool lw_buf_release_large(lw_buf *b)
{
    if (b->cap <= LW_BUF_KEEP)
        return false;
    lw_buf_free(b);
    malloc_trim(0);
    return true;
}

void lw_buf_free(lw_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void lw_buf_vprintf(lw_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0) {
        lw_buf_reserve(b, (size_t)n + 1);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void lw_buf_printf(lw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lw_buf_vprintf(b, fmt, ap);
    va_end(ap);
}
