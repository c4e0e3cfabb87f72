/* Shared checks for the fuzz targets: any violated invariant aborts, which
 * libFuzzer reports as a crash with the input that caused it. */
#ifndef LW_FUZZ_COMMON_H
#define LW_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"

static inline void fuzz_assert_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        int l = lw_utf8_seqlen((const unsigned char *)p + i, n - i);
        if (l <= 0)
            abort();
        i += (size_t)l;
    }
}

/* A borrowed string must point inside [base, base+n) or be empty. */
static inline void fuzz_assert_inside(const char *s, size_t sn, const char *base, size_t n)
{
    if (!sn)
        return;
    if (s < base || s + sn > base + n)
        abort();
}

#endif
