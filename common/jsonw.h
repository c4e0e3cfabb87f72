/*
 * jsonw: writing JSON text into an lw_buf.
 *
 * Output of lambdaward is always valid JSON and valid UTF-8, whatever the
 * input held: invalid UTF-8 sequences are replaced with U+FFFD and control
 * characters are escaped. Callers build objects with the key/value helpers;
 * commas are the caller's business (lw_jw_sep).
 */
#ifndef LW_JSONW_H
#define LW_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"

/* Appends s[0..n) as a quoted JSON string. */
void lw_jw_str(lw_buf *b, const char *s, size_t n);
static inline void lw_jw_cstr(lw_buf *b, const char *s) { lw_jw_str(b, s, strlen(s)); }
/* Appends a number; non-finite values become null. Up to 3 decimals, trimmed. */
void lw_jw_num(lw_buf *b, double v);
void lw_jw_int(lw_buf *b, int64_t v);

/* "key": with a leading comma when *first is false. */
void lw_jw_key(lw_buf *b, bool *first, const char *key);

/* Appends s[0..n) with invalid UTF-8 replaced by U+FFFD, no quoting. */
void lw_utf8_sanitize(lw_buf *b, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
int lw_utf8_seqlen(const unsigned char *s, size_t n);

#endif
