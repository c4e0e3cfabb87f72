/*
 * wipe: erasing secrets (credentials, webhook secrets, tokens) from memory
 * before it is freed or reused. OPENSSL_cleanse is the compiler-proof
 * erase OpenSSL itself relies on; a plain memset before free() may be
 * optimised away.
 */
#ifndef LW_WIPE_H
#define LW_WIPE_H

#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

static inline void lw_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

/* Wipes a NUL-terminated string in place (NULL is fine). */
static inline void lw_wipe_str(char *s)
{
    if (s)
        OPENSSL_cleanse(s, strlen(s));
}

#endif
