/*
 * redact: the one masking step every piece of evidence passes through.
 *
 * Masks values that must never leave lambdaward: cookie values (names are
 * kept), Authorization / Proxy-Authorization credentials (scheme kept),
 * API-key and token headers, key=value and "key":"value" pairs whose key
 * names a secret (token, secret, password, api key, signature, session,
 * credential...), AWS access key ids (prefix kept), JWTs and private-key
 * blocks. The mask is "****". Output is valid UTF-8.
 */
#ifndef LW_REDACT_H
#define LW_REDACT_H

#include <stddef.h>

#include "common/buf.h"

#define LW_MASK "****"

/* Appends the redacted form of s[0..n) to out. */
void lw_redact(const char *s, size_t n, lw_buf *out);

#endif
