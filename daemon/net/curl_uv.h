/*
 * curl_uv: libcurl's multi interface driven by the daemon's libuv loop, in
 * the shape of curl's docs/examples/multi-uv.c: curl says which sockets to
 * watch and when to wake (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION); libuv
 * polls and calls curl_multi_socket_action; finished transfers are reaped
 * with curl_multi_info_read. One thread, nothing blocks. Connections are
 * reused; TLS verification is always on (there is no switch to turn it
 * off), with an optional CA bundle.
 */
#ifndef LW_CURL_UV_H
#define LW_CURL_UV_H

#include <stdbool.h>
#include <uv.h>

#include "daemon/net/http.h"

typedef struct lw_curl lw_curl;

lw_curl *lw_curl_new(uv_loop_t *loop, const char *ca_bundle);
uv_loop_t *lw_curl_loop(const lw_curl *c);
/* A lw_poster whose POSTs go through this client. */
lw_poster lw_curl_poster(lw_curl *c);
/* A request of any method, for callers that are not webhooks (the
 * credential providers: GET/PUT to the metadata endpoints). */
typedef struct lw_http_request {
    const char *method;          /* "GET", "PUT" or "POST" */
    const char *url;
    const char *const *headers;  /* "Name: value" */
    int nheaders;
    const char *body;            /* PUT/POST only; NULL = empty */
    size_t body_len;
    double timeout_s;            /* the whole exchange */
    double connect_timeout_s;    /* 0 = 10 s */
    bool no_proxy;               /* never through http_proxy & co (link-local endpoints) */
    bool sensitive;              /* the answer holds secrets: wiped before it is freed */
    /* A streamed answer (Live Tail): a 2xx body goes to on_body(ctx, ...)
     * as it arrives instead of being gathered (return false to end the
     * transfer; cb then says "stopped by the receiver"); any other status
     * is gathered for cb as usual. With it, timeout_s 0 means no limit on
     * the whole exchange, and idle_timeout_s ends a stream that sends
     * nothing for that long. */
    bool (*on_body)(void *ctx, const char *p, size_t n);
    double idle_timeout_s;
} lw_http_request;
typedef struct lw_curl_xfer lw_curl_xfer;
/* Starts r (everything is copied); cb(ctx, result) is called exactly once
 * from the loop, unless the request is cancelled first. When the client is
 * closing, cb is called at once and NULL is returned. */
lw_curl_xfer *lw_curl_request(lw_curl *c, const lw_http_request *r, lw_http_cb cb, void *ctx);
/* Abandons a request that has not answered yet; its cb is never called. */
void lw_curl_cancel(lw_curl *c, lw_curl_xfer *x);
/* Call once every transfer has answered; frees the client after libuv has
 * closed its handles. */
void lw_curl_close(lw_curl *c);

#endif
