/*
 * redact: the one masking step every piece of evidence passes through.
 *
 * Masks every hit of every row of the secret catalogue (catalog.h) in the
 * whole text: vendor tokens, headers anywhere in a line (the credential
 * after any Authorization scheme, cookie and set-cookie values with their
 * names kept, API-key headers), key=value / JSON / Python / YAML / Go
 * shapes whose key names a secret, URL userinfo and secret-named query
 * parameters, curl -u, JWTs, private key blocks, AWS key ids, secret keys
 * and session tokens. Redaction is aggressive where detection is precise:
 * no entropy or placeholder test decides what is masked. A safety net
 * masks, in addition, any run of 24 or more [A-Za-z0-9+/=_-] that mixes
 * upper case, lower case and digits with a Shannon entropy of at least
 * 4.0 bits per character (hex digests and UUIDs stay readable).
 *
 * The mask: the row's public prefix, "****", "#" and the first 8 hex
 * digits of the SHA-256 of the secret as matched (public prefix
 * included): "ghp_****#1a2b3c4d", "Authorization: Bearer ****#9f8e7d6c",
 * "password=****#0c1d2e3f". Two findings with different secrets stay
 * distinguishable, and the digits are the start of the finding's
 * secret_sha256. 32 bits of a hash cannot be reversed into a random
 * token, but a weak password (a dictionary word) can be confirmed offline
 * by hashing guesses: the mask hides a secret, it does not make a weak one
 * safe to print.
 *
 * Output is valid UTF-8. Redacting redacted text changes nothing: a value
 * that already is a mask ("****" or "****#" + 8 hex) is left as it is.
 */
#ifndef LW_REDACT_H
#define LW_REDACT_H

#include <stddef.h>

#include "common/buf.h"

#define LW_MASK "****"

/* Appends the redacted form of s[0..n) to out. Thread-safe: each thread
 * matches with its own scanner. */
void lw_redact(const char *s, size_t n, lw_buf *out);

/* lw_redact, also masking the [start, end) spans given (keeping their
 * first `keep` bytes); when at is not NULL, *at (an offset in s) becomes
 * the offset in out of the same place, or of the start of the mask that
 * covers it. */
void lw_redact_ex(const char *s, size_t n, lw_buf *out, const size_t (*spans)[2], int nspans, size_t keep,
                  size_t *at);

#endif
