/*
 * catalog: the one table of secret formats lambdaward knows, and the
 * matcher over it. Redaction (redact.c) masks every hit; secret_leak
 * reports the plausible ones. One table for both means a format that is
 * detected is always masked, and the other way round.
 *
 * Two kinds of rows live side by side:
 *
 *  - token formats: a vendor's own shape, usually prefix-anchored
 *    (ghp_..., xoxb-..., sk_live_..., AKIA...), or named by a vendor
 *    keyword nearby ("datadog_api_key = <40 chars>"). Most vendor rows
 *    are drafted from gitleaks' rules by gen_vendors.py and reviewed;
 *  - context formats: a credential named by where it stands: the
 *    Authorization header of any scheme, Cookie / Set-Cookie values,
 *    API-key headers, key=value / JSON / Python / YAML / Go assignments
 *    whose key names a secret, URL userinfo, curl -u, private key blocks,
 *    JWTs, AWS key ids, secret keys and session tokens.
 *
 * Each row's PCRE2 pattern (no UTF mode: log lines are bytes) marks the
 * secret as its highest-numbered group that took part in the match (or
 * the whole match without groups); group 1, when another group is the
 * secret, is the secret's name (a header or variable name, a URL's user).
 *
 * The matcher: one Vectorscan pass over the text finds which rows' literals
 * occur (every row has literals that every match contains); PCRE2 runs
 * only for those rows. A text without any candidate costs that one pass.
 * The compiled table (Vectorscan database, PCRE2 code) is built once per
 * process and shared read-only; each lw_secret_scanner owns the mutable
 * parts (Vectorscan scratch, PCRE2 match data and JIT stack), so every
 * thread uses its own scanner.
 */
#ifndef LW_CATALOG_H
#define LW_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lw_secret_class {
    LW_SC_CLOUD,   /* cloud and infrastructure providers */
    LW_SC_VCS,     /* source hosting */
    LW_SC_PAYMENT, /* payment processors, exchanges */
    LW_SC_CHAT,    /* chat, messaging, webhooks that post */
    LW_SC_AI,      /* model APIs */
    LW_SC_SAAS,    /* other hosted services */
    LW_SC_CRYPTO,  /* private keys */
    LW_SC_GENERIC, /* named by context only: passwords, bearer tokens, cookies */
    LW_SC_MARKER,  /* not a secret: a hint for detectors */
} lw_secret_class;

/* Row flags. */
enum {
    LW_SF_GENERIC = 1 << 0,     /* a key/value shape: detection also asks lw_secret_plausible's generic test */
    LW_SF_HEADER = 1 << 1,      /* a header, URL or command-line shape (ranks above GENERIC) */
    LW_SF_PARAMS = 1 << 2,      /* an auth scheme's parameter list (ranks above HEADER) */
    LW_SF_REDACT_ONLY = 1 << 3, /* masked, never reported (a signature, a cookie jar) */
    LW_SF_MARKER = 1 << 4,      /* neither masked nor reported: environment variable names */
    LW_SF_COOKIE = 1 << 5,      /* mask each cookie value, keep the names */
    LW_SF_PEM = 1 << 6,         /* mask a private key block, header label included */
};

#define LW_SECRET_LITS 8

typedef struct lw_secret_format {
    const char *id;   /* stable: a finding's kind */
    const char *name; /* for people */
    lw_secret_class cls;
    bool critical; /* a live cloud, VCS, payment or chat credential */
    const char *rx;
    /* Prefilter literals, ASCII case-insensitive; a leading '=' makes one
     * case-sensitive. Every match of rx contains one of them. */
    const char *lits[LW_SECRET_LITS];
    uint8_t keep;      /* bytes of public prefix a mask keeps ("ghp_": 4) */
    float min_entropy; /* detection: Shannon bits/char of the secret, 0: none */
    uint16_t flags;
    /* A made-up sample's shape, for tests and the fuzzer: literal bytes,
     * "[chars]" for one of them, "[chars]{n}" for n; "\" escapes. */
    const char *shape;
    /* What a sample needs around it: a keyword that must be in the key's
     * name ("datadog" -> datadog_api_key = ...), or templates with %s for
     * the secret, one per line ("Authorization: Bearer %s"). NULL: a bare
     * token, recognised anywhere. */
    const char *ctx;
} lw_secret_format;

int lw_secret_format_count(void);
const lw_secret_format *lw_secret_format_at(int i);
/* -1 when no row has that id. */
int lw_secret_format_find(const char *id);
const char *lw_secret_class_name(lw_secret_class c);

/* One hit: the secret is s[start, end). */
typedef struct lw_secret_hit {
    size_t start, end;
    size_t mstart;       /* where the whole match starts */
    size_t nstart, nend; /* its name, when the row has one; else empty */
    int fmt;
} lw_secret_hit;

typedef struct lw_secret_scanner lw_secret_scanner;

/* The table is compiled on the first call in the process (a broken row is
 * a programming error: it is told on stderr and aborts). */
lw_secret_scanner *lw_secret_scanner_new(void);
void lw_secret_scanner_free(lw_secret_scanner *sc);

/* Every hit of every row in s[0..n), markers included, in text order
 * (overlapping hits of different rows are all there). The array belongs
 * to the scanner and lives until its next scan. */
const lw_secret_hit *lw_secret_scan_all(lw_secret_scanner *sc, const char *s, size_t n, size_t *count);
/* The same hits after lw_secret_resolve, at most max of them, in text
 * order; returns how many were stored. */
size_t lw_secret_scan(lw_secret_scanner *sc, const char *s, size_t n, lw_secret_hit *hits, size_t max);
/* For detection: where hits overlap, keeps the most specific (a vendor
 * token over the variable that holds it, a header over a key=value
 * shape), in text order; markers are kept as they are. Returns the new
 * count. */
size_t lw_secret_resolve(lw_secret_hit *hits, size_t n);
/* A row's rank in lw_secret_resolve: higher wins. */
int lw_secret_rank(const lw_secret_format *f);

/* Detection's validators for a hit's secret s[0..n) (name: the hit's
 * name, may be empty): the row's entropy floor, and placeholder rejection
 * (masks, ${VAR}, <redacted>, xxxx, changeme, null, true...); for GENERIC
 * and HEADER rows also: at least 8 bytes, not a hex digest or UUID, not a
 * number, path or URL, a mix of character classes, and a name that is not
 * a pagination cursor, a hash, a count or a type. */
bool lw_secret_plausible(const lw_secret_format *f, const char *s, size_t n, const char *name, size_t nl);
/* Shannon entropy in bits per byte. */
double lw_entropy(const char *s, size_t n);
/* Bytes of a secret (as a row matches it) that are public: the kept
 * prefix, or a private key block's BEGIN line. */
size_t lw_secret_public_len(const lw_secret_format *f, const char *s, size_t n);

/* Writes a made-up sample of row f's shape to out (NUL-terminated, at most
 * cap - 1 bytes): each class character is picked by body[k % nbody] when
 * body is given (the fuzzer), else by a generator seeded with seed.
 * Returns its length. */
size_t lw_secret_sample(const lw_secret_format *f, uint64_t seed, const uint8_t *body, size_t nbody, char *out,
                        size_t cap);

#endif
