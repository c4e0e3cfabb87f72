/*
 * pattern: the pattern machinery shared by detectors/ and secrets/.
 *
 *  1. lw_litset, the literal prefilter. Most log lines contain none of what
 *     a pattern detector looks for, so the secret catalogue and probe first ask
 *     "which groups of these short literals occur in this line?" and run
 *     PCRE2 only for those. Vectorscan (Debian's libvectorscan-dev: the
 *     Hyperscan API in hs.h, portable beyond x86: NEON on arm64; on amd64
 *     the package needs SSE4.2) compiles the set for block mode, one
 *     HS_FLAG_SINGLEMATCH literal per id, and picks its SIMD code for the
 *     CPU at run time. Like Suricata's util-mpm-hs.c, callers see only
 *     init/add/build/scan; the library does the vector work.
 *
 *     Why Vectorscan: it replaced 500 lines of hand-written Teddy (nibble
 *     tables, bucket placement, C/SSSE3/AVX2/AVX-512 VBMI variants) and was
 *     measured against that and against one PCRE2-JIT alternation (a match
 *     gives the leftmost position holding a literal; every literal is then
 *     compared there). `query --file` of the 629 MB bench corpus, -o json,
 *     Release, 2-core VM, best of 3 in two series; instructions from
 *     callgrind on its first 20 MB (whole query / the prefilter's share,
 *     50,377 scans):
 *
 *                            wall s        MB/s      instructions
 *         hand-written Teddy 1.678 1.721   375 366    735 M /  13 M
 *         Vectorscan         1.730 1.706   364 369    769 M /  40 M
 *         PCRE2 alternation  2.313 2.315   272 272   1031 M / 307 M
 *
 *     PCRE2's start-of-match search tests one byte at a time against the
 *     literals' first bytes, which are common in logs. On the wall clock
 *     Vectorscan is within the noise of the hand-written code (natively
 *     both run AVX-512 code here); under callgrind, where both run their
 *     AVX2 code, the query costs 4.6 % more instructions, mostly
 *     Vectorscan's fixed ~160 per hs_scan() on short lines. Compiling a
 *     set takes about 2.6 M instructions (~1 ms) per detector instance. In
 *     exchange no CPU-specific code of ours is left to get wrong.
 *
 *  2. lw_re_compile: PCRE2 compile + JIT with the error message and offset
 *     in one string, for the detectors' built-in patterns, user rules and
 *     the secret catalogue.
 *
 *
 * A set built once may be shared by threads read-only when each thread
 * scans with its own scratch space (lw_litset_scratch_new): the secret
 * catalogue compiles its set once per process that way. A set's own
 * scratch (lw_litset_scan) is for one thread at a time.
 */
#ifndef LW_PATTERN_H
#define LW_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* ---- 1. literal prefilter ------------------------------------------------ */

#define LW_LIT_MAX 48 /* literals per set made by lw_litset_init */
#define LW_LIT_LEN 24 /* bytes per literal */

struct hs_database; /* Vectorscan's, behind this interface only */
struct hs_scratch;

typedef struct lw_lit {
    char s[LW_LIT_LEN];
    uint8_t len;
    bool nocase; /* ASCII case-insensitive */
    uint32_t groups;
} lw_lit;

typedef struct lw_litset {
    lw_lit *lit; /* cap entries, allocated on the first add */
    int n, cap;
    uint32_t all; /* OR of every literal's groups */
    struct hs_database *db;
    struct hs_scratch *scratch;
} lw_litset;

/* An empty set of at most LW_LIT_MAX literals (lw_litset_init_cap: cap). */
void lw_litset_init(lw_litset *ls);
void lw_litset_init_cap(lw_litset *ls, int cap);
/* Adds a literal of 1..LW_LIT_LEN bytes (any but NUL) reporting `groups`
 * (bits, not 0) when it occurs anywhere in a scanned string; nocase folds
 * ASCII letters only. The literal's id is the number of adds before it.
 * Returns -1 when the set is full or the literal does not fit. */
int lw_litset_add(lw_litset *ls, const char *lit, bool nocase, uint32_t groups);
/* Compiles the set; call after the last add and before scanning. Returns
 * 0, or -1 with the library's message in err. */
int lw_litset_build(lw_litset *ls, char *err, size_t errlen);
/* OR of the groups of every literal occurring in s[0..n) (any bytes; it
 * stops early once all groups are found). Uses the set's own scratch. */
uint32_t lw_litset_scan(const lw_litset *ls, const char *s, size_t n);
/* Scratch space for one more thread scanning a built set; NULL when out of
 * memory. */
struct hs_scratch *lw_litset_scratch_new(const lw_litset *ls);
void lw_litset_scratch_free(struct hs_scratch *scratch);
/* Sets seen[id] = 1 for every literal occurring in s[0..n), with the
 * caller's scratch (seen has one byte per literal; it is not cleared).
 * Returns how many entries it set that were 0. */
size_t lw_litset_scan_ids(const lw_litset *ls, struct hs_scratch *scratch, const char *s, size_t n, uint8_t *seen);
void lw_litset_free(lw_litset *ls);

/* ---- 2. PCRE2 ------------------------------------------------------------ */

/* Compiles with PCRE2 (and JIT when the platform has it). On error returns
 * NULL with "<PCRE2 message> at offset N" in err. */
pcre2_code *lw_re_compile(const char *pattern, uint32_t options, char *err, size_t errlen);

#endif
