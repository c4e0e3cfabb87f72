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

#include <uv.h>

#include "daemon/webhook.h"

typedef struct lw_curl lw_curl;

lw_curl *lw_curl_new(uv_loop_t *loop, const char *ca_bundle);
/* A lw_poster whose POSTs go through this client. */
lw_poster lw_curl_poster(lw_curl *c);
/* Call once every transfer has answered; frees the client after libuv has
 * closed its handles. */
void lw_curl_close(lw_curl *c);

#endif
