/*
 * http: the types every HTTP client of the program shares: the answer to a
 * request, the callback that receives it, and lw_poster, an injectable
 * "POST this" (production: lw_curl_poster; tests: an in-memory fake).
 * Types only, so a component can take a poster without linking libcurl.
 */
#ifndef LW_NET_HTTP_H
#define LW_NET_HTTP_H

#include <stddef.h>

typedef struct lw_http_result {
    int status;            /* 0 = no HTTP answer */
    const char *error;     /* transport error when status == 0 */
    double retry_after_s;  /* parsed Retry-After, or 0 */
    const char *body;      /* response body (for test-webhook output) */
    size_t body_len;
} lw_http_result;

typedef void (*lw_http_cb)(void *ctx, const lw_http_result *r);

typedef struct lw_poster {
    /* POST body to url with the given "Name: value" headers; calls cb once. */
    void (*post)(void *ud, const char *url, const char *const *headers, int nheaders, const char *body, size_t n,
                 double timeout_s, lw_http_cb cb, void *ctx);
    void *ud;
} lw_poster;

#endif
