/*
 * json: lambdaward's thin layer over jsmn (Debian's libjsmn-dev).
 *
 * jsmn tokenizes without allocating; this module owns the growing token
 * array, lookups of object members by key, primitive validation (strict
 * jsmn still lets some garbage through) and string unescaping, which jsmn
 * leaves to us: \uXXXX escapes with surrogate pairs, lone surrogates and
 * invalid UTF-8 become U+FFFD so that every string we hand on is valid UTF-8.
 *
 * Built with JSMN_STRICT and JSMN_PARENT_LINKS; this header is the only
 * place that includes <jsmn.h> for declarations.
 */
#ifndef LW_JSON_H
#define LW_JSON_H

#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#define JSMN_HEADER
#include <jsmn.h>

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

/* Documents larger than this are refused: jsmn offsets are ints, and no
 * CloudWatch page or record legitimately comes near it. */
#define LW_JSON_MAX_DOC (64u << 20)

enum { LW_JSON_OK = 0, LW_JSON_PART = -1, LW_JSON_INVAL = -2, LW_JSON_TOOBIG = -3 };

typedef struct lw_json {
    jsmn_parser parser;
    jsmntok_t *tok;
    unsigned cap;
    int n;            /* tokens produced by the last parse */
    const char *js;   /* the text the tokens point into */
} lw_json;

void lw_json_init(lw_json *j);
void lw_json_free(lw_json *j);
/* Tokenizes js[0..len) from scratch. Returns LW_JSON_OK, _PART or _INVAL. */
int lw_json_parse(lw_json *j, const char *js, size_t len);
/* Continues an incremental parse after more bytes were appended to the same
 * logical buffer (which may have moved: js is the new base). */
int lw_json_resume(lw_json *j, const char *js, size_t len);

/* Index of the token after the whole subtree at t (bounded by j->n). */
int lw_json_next(const lw_json *j, int t);
/* Value token of member key in object obj, or -1. */
int lw_json_get(const lw_json *j, int obj, const char *key);
/* Walks a path of keys: lw_json_path(j, 0, "a", "b", NULL). */
int lw_json_path(const lw_json *j, int obj, ...) __attribute__((sentinel));

static inline bool lw_json_is_str(const lw_json *j, int t) { return t >= 0 && j->tok[t].type == JSMN_STRING; }
static inline const char *lw_json_raw(const lw_json *j, int t) { return j->js + j->tok[t].start; }
static inline size_t lw_json_rawlen(const lw_json *j, int t) { return (size_t)(j->tok[t].end - j->tok[t].start); }
bool lw_json_eq(const lw_json *j, int t, const char *s);

/* Number primitive at t (validated). Returns false when t is not a number. */
bool lw_json_num(const lw_json *j, int t, double *out);
bool lw_json_int(const lw_json *j, int t, int64_t *out);
/* Boolean primitive at t: 1, 0, or -1 when absent/not a boolean. */
int lw_json_bool(const lw_json *j, int t);

/* Unescapes a JSON string body (without quotes) and appends it to out.
 * Returns 0, or -1 on a malformed escape (out then holds a best effort
 * with U+FFFD in place of the bad escape). Invalid UTF-8 is replaced. */
int lw_json_unescape(const char *s, size_t n, lw_buf *out);
/* Unescapes token t into out (appending); -1 when t is not a string. */
int lw_json_str(const lw_json *j, int t, lw_buf *out);

#endif
