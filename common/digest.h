/*
 * digest: comparing a secret a client presents (the Firehose access key,
 * the /metrics bearer token) with the configured one. Both sides are
 * reduced to their SHA-256 and compared with CRYPTO_memcmp, so neither the
 * secret, nor how much of it matched, nor its length shows in the time a
 * refusal takes. The component keeps only the digest of its secret.
 */
#ifndef LW_DIGEST_H
#define LW_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define LW_DIGEST_LEN 32

static inline void lw_secret_digest(const char *s, size_t n, unsigned char out[LW_DIGEST_LEN])
{
    unsigned int len = LW_DIGEST_LEN;
    EVP_Digest(s, n, out, &len, EVP_sha256(), NULL);
}

/* Whether given (NULL = none presented) is the secret whose digest is want. */
static inline bool lw_secret_matches(const char *given, const unsigned char want[LW_DIGEST_LEN])
{
    unsigned char got[LW_DIGEST_LEN];
    lw_secret_digest(given ? given : "", given ? strlen(given) : 0, got);
    return given && CRYPTO_memcmp(got, want, LW_DIGEST_LEN) == 0;
}

#endif
