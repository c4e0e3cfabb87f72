/*
 * catalog_worst: the secret catalogue's worst cases, row by row.
 *
 * Every row's PCRE2 pattern is run alone over 256 KiB texts built to make
 * it work hard: random base64 (what a big Firehose record or a dumped blob
 * looks like), and the row's own literal repeated with fillers that keep
 * a pattern's key and value parts matching for as long as they can. Prints
 * each row and text that took over 20 ms (none, when this was written:
 * five gitleaks-derived rows took 400 ms on base64 and generic_secret 1.9 s
 * on "pass-aaaaaaaa." before their unbounded parts were bounded).
 *
 *   build/bench/catalog_worst
 *
 * Timing belongs here, not in a pass/fail test.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secrets/catalog.h"

#define TEXT (256 * 1024)

static char buf[TEXT + 512];

static double run(pcre2_code *c, pcre2_match_data *md, size_t n, int *matches)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    size_t at = 0;
    *matches = 0;
    while (at < n && pcre2_match(c, (PCRE2_SPTR)buf, n, at, 0, md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        (*matches)++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

static size_t fill(const char *fmt, const char *lit)
{
    char piece[256];
    int l = snprintf(piece, sizeof piece, fmt, lit, lit, lit);
    size_t n = 0;
    while (l > 0 && n + (size_t)l < TEXT) {
        memcpy(buf + n, piece, (size_t)l);
        n += (size_t)l;
    }
    return n;
}

static size_t base64(void)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < TEXT; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = b64[x & 63];
    }
    return TEXT;
}

int main(void)
{
    static const char *const fills[] = {"%s_x = ", "%s%s%s", "%s: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                        "%s-aaaaaaaa.", "%s\"\"\"''' ", NULL};
    double worst = 0;
    const char *worst_id = "";
    for (int i = 0; i < lw_secret_format_count(); i++) {
        const lw_secret_format *r = lw_secret_format_at(i);
        int e;
        PCRE2_SIZE eo;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)r->rx, PCRE2_ZERO_TERMINATED, 0, &e, &eo, NULL);
        if (!c)
            continue;
        pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
        const char *lit = r->lits[0] ? r->lits[0] + (r->lits[0][0] == '=') : NULL;
        for (int k = -1; k < 0 || (lit && fills[k]); k++) {
            size_t n = k < 0 ? base64() : fill(fills[k], lit);
            int m;
            double ms = run(c, md, n, &m);
            if (ms > worst)
                worst = ms, worst_id = r->id;
            if (ms > 20)
                printf("%8.2f ms  %-32s %s (%d matches)\n", ms, r->id, k < 0 ? "base64" : fills[k], m);
        }
        pcre2_match_data_free(md);
        pcre2_code_free(c);
    }
    printf("worst: %.2f ms per 256 KiB (%s), %d rows\n", worst, worst_id, lw_secret_format_count());
    return 0;
}
