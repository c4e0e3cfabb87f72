/*
 * rules: pattern machinery shared by the pattern detectors, and user rules.
 *
 * Three parts:
 *
 *  1. lw_litset, a literal prefilter. Most log lines contain none of what a
 *     pattern detector looks for, so secret_leak and probe first ask "does
 *     this line contain any of these short literals?" and run PCRE2 only
 *     when it does. The vector stage is the "Teddy" idea from Hyperscan:
 *     each literal contributes one 3-byte window (at an offset chosen to be
 *     rare in logs) to nibble tables of 8 buckets; PSHUFB looks up 32
 *     windows at once (AVX2; SSSE3 and plain C fallbacks), and only
 *     positions whose three bytes all hit one bucket go to an exact
 *     (optionally ASCII case-insensitive) comparison. With AVX-512 VBMI
 *     (Ice Lake, Zen 4 and later) VPERMI2B looks whole bytes up in
 *     128-entry tables instead: 64 windows per step, no nibble
 *     cross-products. A normal line costs a few vector instructions per
 *     32 bytes.
 *
 *  2. lw_re_compile: PCRE2 compile + JIT with the error message and offset
 *     in one string, for the detectors' built-in patterns and user rules.
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
#define LW_LIT_WIN 3  /* bytes the vector stage looks at per literal */

typedef struct lw_lit {
    char s[LW_LIT_LEN];
    uint8_t len;
    uint8_t anchor; /* offset of the window the vector stage looks for */
    bool nocase;    /* ASCII case-insensitive */
    uint32_t groups;
    uint32_t head, headmask; /* first 4 bytes (masked: case, short literal) */
} lw_lit;

typedef struct lw_litset lw_litset;
typedef uint32_t (*lw_litscan_fn)(const lw_litset *ls, const unsigned char *s, size_t n);

struct lw_litset {
    uint8_t tab[2 * LW_LIT_WIN][16]; /* per window byte: low / high nibble -> bucket bits */
    uint8_t byte[LW_LIT_WIN][256];   /* per window byte: byte -> bucket bits (AVX-512 VBMI, C) */
    lw_lit lit[LW_LIT_MAX];
    uint8_t bucket[8][LW_LIT_MAX]; /* literal indices per bucket */
    uint8_t nbucket[8];
    int n;
    uint32_t all;                  /* OR of every literal's groups */
    lw_litscan_fn scan;
};

void lw_litset_init(lw_litset *ls);
/* Adds an ASCII literal of 3..LW_LIT_LEN bytes reporting `groups` (bits) when
 * found; `anchor` is the offset of its rarest 3-byte window (0..len-3).
 * Returns -1 when the set is full or the literal does not fit. */
int lw_litset_add(lw_litset *ls, const char *lit, unsigned anchor, bool nocase, uint32_t groups);
/* Places the literals in buckets and builds the tables; call after the
 * last add and before scanning. Windows equal when case-folded share a
 * bucket; the others are spread so that unlike windows do not multiply
 * into false candidates (a byte-frequency model of log text, greedy and
 * then local moves). */
void lw_litset_build(lw_litset *ls);
/* OR of the groups of every literal occurring in s[0..n) (stops early once
 * all groups are found). The best vector code the CPU has is chosen once. */
static inline uint32_t lw_litset_scan(const lw_litset *ls, const char *s, size_t n)
{
    return n >= LW_LIT_WIN ? ls->scan(ls, (const unsigned char *)s, n) : 0;
}

/* For tests, after lw_litset_build(): 0 = portable C, 1 = SSSE3, 2 = AVX2,
 * 3 = AVX-512 VBMI. -1 when the CPU lacks it. */
int lw_litset_use(lw_litset *ls, int impl);

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
