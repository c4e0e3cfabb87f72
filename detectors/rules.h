/*
 * rules: pattern machinery shared by the pattern detectors, and user rules.
 *
 * Three parts:
 *
 *  1. lw_litset, the literal prefilter. Most log lines contain none of what
 *     a pattern detector looks for, so secret_leak and probe first ask
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
 *     in one string, for the detectors' built-in patterns and user rules;
 *     lw_patterns, a built-in detector's fixed literal set and patterns.
 *
 *  3. User rules: named PCRE2 patterns with a severity. A match on a log
 *     line gives a finding whose `detector` field is "rule:<NAME>" (DESIGN
 *     lists the fixed detector names; rules are namespaced so a rule can
 *     never impersonate one, and webhook filters can select them). The
 *     detector that runs them is registered as `rules`: its options live in
 *     `[detector rules]`, and `enabled = false` there turns all rules off.
 *
 *     Rules are compiled once into immutable, reference-counted lw_rule
 *     objects collected in an lw_ruleset. The `rules` detector takes the set
 *     from its config (lw_rules_cfg.rules; the pipeline compiles the
 *     config's [rule] sections into one set per pipeline; NULL: no rules),
 *     so two pipelines can run different rules. Each detector instance
 *     takes its own references at create(), so a reload (a new set, a new
 *     pipeline) never changes a running pipeline, and query worker threads
 *     share compiled patterns safely (PCRE2 code is read-only at match
 *     time; every instance owns its match data and JIT stack).
 */
#ifndef LW_RULES_H
#define LW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "detectors/finding.h"

/* ---- 1. literal prefilter ------------------------------------------------ */

#define LW_LIT_MAX 48 /* literals per set */
#define LW_LIT_LEN 24 /* bytes per literal */

struct hs_database; /* Vectorscan's, behind this interface only */
struct hs_scratch;

typedef struct lw_lit {
    char s[LW_LIT_LEN];
    uint8_t len;
    bool nocase; /* ASCII case-insensitive */
    uint32_t groups;
} lw_lit;

/* One set per detector instance, used by one thread at a time: it owns its
 * scratch space (a pipeline, and so each `query --jobs` thread, creates
 * its own detectors). */
typedef struct lw_litset {
    lw_lit lit[LW_LIT_MAX];
    int n;
    uint32_t all; /* OR of every literal's groups */
    struct hs_database *db;
    struct hs_scratch *scratch;
} lw_litset;

void lw_litset_init(lw_litset *ls);
/* Adds a literal of 1..LW_LIT_LEN bytes (any but NUL) reporting `groups`
 * (bits, not 0) when it occurs anywhere in a scanned string; nocase folds
 * ASCII letters only. Returns -1 when the set is full or the literal does
 * not fit. */
int lw_litset_add(lw_litset *ls, const char *lit, bool nocase, uint32_t groups);
/* Compiles the set; call after the last add and before scanning. Returns
 * 0, or -1 with the library's message in err. */
int lw_litset_build(lw_litset *ls, char *err, size_t errlen);
/* OR of the groups of every literal occurring in s[0..n) (any bytes; it
 * stops early once all groups are found). */
uint32_t lw_litset_scan(const lw_litset *ls, const char *s, size_t n);
void lw_litset_free(lw_litset *ls);

/* ---- 2. PCRE2 ------------------------------------------------------------ */

/* Compiles with PCRE2 (and JIT when the platform has it). On error returns
 * NULL with "<PCRE2 message> at offset N" in err. */
pcre2_code *lw_re_compile(const char *pattern, uint32_t options, char *err, size_t errlen);

/* A short, redacted excerpt of s[0..n) around offset `at` for evidence:
 * about `max` bytes of the line; each span in masks ([start, end) pairs,
 * e.g. detected secrets) is replaced by its first `keep` bytes and "****"
 * before lw_redact() runs over the rest; control characters become
 * spaces; "..." marks a cut. The excerpt never ends inside a UTF-8
 * sequence, and a secret span is never cut in two (cutting could hide it
 * from the redaction). out is reset first. */
void lw_rx_excerpt(lw_buf *out, const char *s, size_t n, size_t at, size_t max, const size_t (*masks)[2],
                   int nmasks, size_t keep);

/* The first bytes of an n-byte message a pattern detector looks at, under
 * its max_scan_bytes option. */
static inline size_t lw_scan_len(size_t n, double max_scan_bytes)
{
    return max_scan_bytes >= 1 && n > (size_t)max_scan_bytes ? (size_t)max_scan_bytes : n;
}

/* One literal of a built-in detector's prefilter. */
typedef struct lw_lit_def {
    const char *s;
    bool nocase;
    uint32_t groups;
} lw_lit_def;

#define LW_PATTERNS_MAX 16

/* A built-in detector's prefilter and PCRE2 patterns (probe, secret_leak),
 * built once at create(), with match data for `pairs` ovector pairs. The
 * tables are fixed, so a failure is a programming error: it is told on
 * stderr, naming the detector and the pattern (names[k], or its number
 * when names is NULL), and aborts. */
typedef struct lw_patterns {
    lw_litset lits;
    pcre2_code *rx[LW_PATTERNS_MAX];
    int n;
    pcre2_match_data *md;
} lw_patterns;

void lw_patterns_build(lw_patterns *p, const char *detector, const lw_lit_def *lits, size_t nlits,
                       const char *const *rx, const char *const *names, int n, uint32_t pairs);
void lw_patterns_free(lw_patterns *p);

/* ---- 3. user rules ------------------------------------------------------- */

#define LW_RULE_NAME_MAX 64

typedef struct lw_rule lw_rule;       /* immutable once compiled; refcounted */
typedef struct lw_ruleset lw_ruleset; /* an ordered list of rules */

lw_ruleset *lw_ruleset_new(void);
void lw_ruleset_free(lw_ruleset *rs);
/* Compiles and appends a rule. name: 1..64 of [A-Za-z0-9_.-], unique in the
 * set. Patterns are PCRE2, UTF-8 (invalid UTF-8 in a line never errors).
 * Returns 0, or -1 with a message in err (for a bad pattern: the PCRE2
 * message and the offset in the pattern). */
int lw_ruleset_add(lw_ruleset *rs, const char *name, const char *pattern, lw_severity sev, char *err, size_t errlen);
size_t lw_ruleset_count(const lw_ruleset *rs);
/* Validates a pattern without keeping it (check-config). */
int lw_rule_check(const char *pattern, char *err, size_t errlen);

/* The `rules` detector's config: the option table fills the doubles; the
 * set is not an option (NULL: no rules). */
typedef struct lw_rules_cfg {
    double max_per_window;
    double window_s;
    double max_keys;
    double max_scan_bytes;
    double match_limit;
    double excerpt_bytes;
    const lw_ruleset *rules;
} lw_rules_cfg;

#endif
