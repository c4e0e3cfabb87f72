/* timeutil: ISO 8601 timestamps and durations.
 *
 * Invariants checked: lw_parse_iso8601 consumes 0 or 10..n bytes; a parsed
 * time formats (lw_fmt_iso8601) to a canonical timestamp that parses back,
 * whole, to the same instant; lw_parse_duration (on a NUL-terminated copy)
 * fails or gives a non-negative number of milliseconds; lw_time_parse_arg
 * (command-line times) never sets its output on refusal, and its answer
 * either ignores "now" (an absolute time) or moves with it exactly (a
 * duration ago), and a duration ago is never after now. */
#include "common/timeutil.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ms = 0;
    size_t k = lw_parse_iso8601((const char *)data, size, &ms);
    FUZZ_CHECK(k == 0 || (k >= 10 && k <= size));
    /* Years 0000..9999, which is all the parser reads (4 digits, offsets
     * of at most +-99:99 can push it one day out). */
    if (k && ms >= -62167219200000 && ms < 253402300800000) {
        lw_buf b = LW_BUF_INIT;
        lw_fmt_iso8601(&b, ms);
        FUZZ_CHECK(b.len == 24);
        int64_t back = 0;
        size_t k2 = lw_parse_iso8601(b.p, b.len, &back);
        if (k2 != b.len || back != ms) {
            fprintf(stderr, "timeutil: %.*s -> %lld -> %s -> %lld (consumed %zu of %zu)\n", (int)k,
                    (const char *)data, (long long)ms, b.p, (long long)back, k2, b.len);
            abort();
        }
        lw_buf_free(&b);
    }

    char *s = fuzz_cstr(data, size);
    int64_t d = -1;
    if (lw_parse_duration(s, &d) == 0)
        FUZZ_CHECK(d >= 0);
    const int64_t now = 1772979866649LL;
    int64_t a = -1, b = -1;
    int ra = lw_time_parse_arg(s, now, &a), rb = lw_time_parse_arg(s, now + 1000, &b);
    FUZZ_CHECK(ra == rb || (ra == -1 && rb == 0 && b < 1000)); /* a duration of exactly "now" */
    FUZZ_CHECK(ra == 0 || (ra == -1 && a == -1 && b == -1));
    if (ra == 0)
        FUZZ_CHECK(b == a || (b == a + 1000 && a <= now));
    free(s);
    return 0;
}
