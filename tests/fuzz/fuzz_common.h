/* Shared checks for the fuzz targets. A violated invariant prints what was
 * violated and aborts, which libFuzzer reports as a crash together with the
 * input that caused it (see tests/fuzz/run). Everything here is
 * deterministic: no clocks, no randomness, no global state between runs. */
#ifndef LW_FUZZ_COMMON_H
#define LW_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/jsonw.h"
#include "parsers/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* True when p[0..n) is valid UTF-8 by the project's own definition. */
static inline int fuzz_is_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        int l = lw_utf8_seqlen((const unsigned char *)p + i, n - i);
        if (l <= 0)
            return 0;
        i += (size_t)l;
    }
    return 1;
}

#define FUZZ_UTF8(p, n) FUZZ_CHECK(fuzz_is_utf8((p), (n)))

/* A borrowed string lies inside [base, base+n), or is empty. */
static inline int fuzz_inside(lw_str s, const char *base, size_t n)
{
    if (!s.n)
        return 1;
    return s.p && s.p >= base && s.n <= n && s.p - base <= (ptrdiff_t)(n - s.n);
}

#define FUZZ_INSIDE(s, base, n) FUZZ_CHECK(fuzz_inside((s), (base), (n)))

/* A NUL-terminated heap copy (free it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
