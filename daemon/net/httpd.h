/*
 * httpd: a small HTTP/1.1 server on the daemon's libuv loop, for the
 * Firehose ingest endpoint and /metrics. Requests are parsed by Debian's
 * http-parser (Node.js's parser before llhttp: small, fuzzed for years);
 * TLS is left to a terminator in front, as Firehose requires HTTPS on 443.
 *
 * Bounded by construction: at most max_connections at once, at most
 * max_per_client from one peer address (others get 503 and are closed);
 * when the server is full, the connection idle longest is closed to make
 * room, so idle connections can never lock a real client out. Headers are
 * capped by http-parser and must arrive within header_timeout (which is
 * also how long a connection may sit idle); bodies over max_body get 413
 * without being read further; a request not received whole within
 * `timeout` gets 408. on_headers lets the handler refuse a request from its
 * headers alone (a wrong key) before any body is read. Each refusal is
 * counted. Keep-alive is supported; a handler answers synchronously with
 * lw_httpd_respond() before it returns. Scratch buffers grown by a large
 * request are released after it.
 */
#ifndef LW_HTTPD_H
#define LW_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/buf.h"

typedef struct lw_httpd lw_httpd;
typedef struct lw_httpd_conn lw_httpd_conn;

#define LW_HTTPD_MAX_HEADERS 32

typedef struct lw_httpd_request {
    const char *method;
    const char *path;          /* without the query string */
    const char *query;         /* after '?', or "" */
    int nheaders;
    const char *header_name[LW_HTTPD_MAX_HEADERS];  /* lower-cased */
    const char *header_value[LW_HTTPD_MAX_HEADERS];
    const char *body;
    size_t body_len;
    const char *remote;        /* peer address, for logs */
} lw_httpd_request;

/* Value of a header (case-insensitive name), or NULL. */
const char *lw_httpd_header(const lw_httpd_request *r, const char *name);

typedef void (*lw_httpd_handler)(void *ud, lw_httpd_conn *c, const lw_httpd_request *r);
/* Headers complete, body not read (r->body is empty): respond (and the
 * connection is closed without reading the body) or return to go on. */
typedef void (*lw_httpd_headers_hook)(void *ud, lw_httpd_conn *c, const lw_httpd_request *r);
/* The body of the server's own refusals (400, 408, 413, 503): r holds what
 * headers had arrived (maybe none). Sets *ctype; NULL = text/plain msg. */
typedef void (*lw_httpd_error_body)(void *ud, const lw_httpd_request *r, int status, const char *msg,
                                    lw_buf *out, const char **ctype);

typedef struct lw_httpd_opts {
    const char *bind;          /* "127.0.0.1", "::1", "0.0.0.0" */
    int port;                  /* 0 = ephemeral (see lw_httpd_port) */
    size_t max_body;
    int max_connections;
    int max_per_client;        /* connections from one address; 0 = max_connections */
    double timeout_s;          /* a whole request */
    double header_timeout_s;   /* headers, and idle between requests; 0 = timeout_s */
    lw_httpd_handler handler;
    lw_httpd_headers_hook on_headers; /* may be NULL */
    lw_httpd_error_body error_body;   /* may be NULL */
    void *ud;
} lw_httpd_opts;

typedef struct lw_httpd_stats {
    uint64_t requests, responses_2xx, responses_4xx, responses_5xx;
    uint64_t refused_connections, refused_too_large, timeouts, bad_requests;
    uint64_t refused_per_client, evicted_idle, refused_at_headers;
    int open_connections;
} lw_httpd_stats;

/* Starts listening; NULL with err filled on failure. */
lw_httpd *lw_httpd_start(uv_loop_t *loop, const lw_httpd_opts *o, char *err, size_t errlen);
int lw_httpd_port(const lw_httpd *h);
/* content_type may be NULL; extra_headers is "Name: value\r\n..." or NULL.
 * The request's body is not to be used after this call: a large one is
 * freed here, so a spike's memory is returned before the client is told. */
void lw_httpd_respond(lw_httpd_conn *c, int status, const char *content_type, const char *body, size_t n,
                      const char *extra_headers);
const lw_httpd_stats *lw_httpd_stats_get(const lw_httpd *h);
/* Stops listening; idle connections close now, busy ones after their
 * response. done(ud) runs when every handle is closed; then h is freed. */
void lw_httpd_stop(lw_httpd *h, void (*done)(void *ud), void *ud);

#endif
