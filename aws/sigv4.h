/*
 * sigv4: AWS Signature Version 4 (HMAC-SHA256, OpenSSL), as botocore signs.
 *
 * Signs every header given (names lower-cased, values trimmed, runs of
 * spaces folded, sorted), plus the session token header when there is one.
 * The intermediate strings are exposed so tests can compare them with the
 * official test suite and with botocore. Secrets never leave this module
 * except as the final signature.
 */
#ifndef LW_SIGV4_H
#define LW_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

typedef struct lw_aws_creds {
    char access_key[128];
    char secret_key[128];
    char session_token[4096]; /* "" when none */
    int64_t expires_ms;       /* 0 = does not expire */
} lw_aws_creds;

typedef struct lw_sigv4_req {
    const char *method;
    const char *path;          /* already URI-encoded and normalized (no
                                  "." or ".." segments, no "//"), e.g. "/" */
    const char *query;         /* "a=1&b=2" or "" */
    const char *const *headers;/* "Name: value" (Host included) */
    int nheaders;
    const char *body;
    size_t body_len;
    const char *region;
    const char *service;
    int64_t time_s;            /* signing time, Unix seconds */
    int omit_amz_date;         /* the request carries a Date header instead
                                  (the 2011 test suite does; AWS APIs do not) */
} lw_sigv4_req;

typedef struct lw_sigv4_out {
    char amz_date[17];         /* 20150830T123600Z */
    lw_buf canonical_request;
    lw_buf string_to_sign;
    lw_buf authorization;      /* the Authorization header value */
} lw_sigv4_out;

void lw_sigv4_sign(const lw_sigv4_req *r, const lw_aws_creds *c, lw_sigv4_out *out);
void lw_sigv4_out_free(lw_sigv4_out *o);

#endif
