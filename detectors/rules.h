/*
 * rules: what the pattern detectors share on top of common/pattern.h (the
 * literal prefilter and lw_re_compile), and user rules.
 *
 *  1. lw_patterns: a built-in detector's fixed literal set and PCRE2
 *     patterns; lw_rx_excerpt, the redacted evidence excerpt.
 *
 *  2. User rules: named PCRE2 patterns with a severity. A match on a log
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

#include "common/pattern.h"
#include "detectors/finding.h"

/* A short, redacted excerpt of s[0..n) around offset `at` for evidence:
 * the whole text is redacted first (lw_redact_ex: every catalogue hit,
 * and each span in masks ([start, end) pairs, e.g. detected secrets) kept
 * to its first `keep` bytes), then about `max` bytes around where `at`
 * went are cut from the redacted text, so a cut never falls inside a
 * secret; control characters become spaces; "..." marks a cut. The
 * excerpt never ends inside a UTF-8 sequence or a mask. out is reset
 * first. */
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

/* A built-in detector's prefilter and PCRE2 patterns (probe; the secret
 * catalogue has its own, secrets/catalog.c), built once at create(), with
 * match data for `pairs` ovector pairs. The tables are fixed, so a failure
 * is a programming error: it is told on stderr, naming the detector and
 * the pattern (names[k], or its number when names is NULL), and aborts. */
typedef struct lw_patterns {
    lw_litset lits;
    pcre2_code *rx[LW_PATTERNS_MAX];
    int n;
    pcre2_match_data *md;
} lw_patterns;

void lw_patterns_build(lw_patterns *p, const char *detector, const lw_lit_def *lits, size_t nlits,
                       const char *const *rx, const char *const *names, int n, uint32_t pairs);
void lw_patterns_free(lw_patterns *p);

/* ---- user rules ---------------------------------------------------------- */

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
