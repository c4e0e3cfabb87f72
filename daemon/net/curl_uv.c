/* curl_uv: see curl_uv.h. Pitfalls the example skips, handled here: a
 * timeout of 0 means "soon", never a re-entrant call from curl's own
 * callback; a socket's context is freed only in uv_close's callback; one
 * poll handle per socket; poll errors are passed as CURL_CSELECT_ERR. */
#include "daemon/net/curl_uv.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/wipe.h"

/* A FilterLogEvents page holds up to 1 MB of log events; as JSON, with
 * field names and escapes (a JSON-format message escapes every quote), it
 * is larger. 1 MiB refused real full pages; 8 MiB leaves room for heavy
 * escaping while still bounding what a broken server can make us hold. */
#define MAX_RESPONSE (8u << 20)

struct lw_curl {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    char *ca_bundle;
    int handles;        /* open uv handles (timer + sockets) */
    bool closing;
};

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    lw_curl *c;
} sock_ctx;

typedef struct lw_curl_xfer transfer;
struct lw_curl_xfer {
    lw_curl *c;
    CURL *easy;
    struct curl_slist *headers;
    lw_buf response;
    char *body;
    lw_http_cb cb;
    void *ctx;
    double retry_after_s;
    bool sensitive;
    bool too_big;
    bool (*on_body)(void *ctx, const char *p, size_t n);
    int streaming;   /* on_body: 0 not yet known, 1 a 2xx body streams, -1 gathered */
    bool stopped;    /* on_body asked to end */
    char error[CURL_ERROR_SIZE];
};

static void handle_closed(uv_handle_t *h)
{
    lw_curl *c = h->data;
    if (h->type == UV_POLL)
        free(h); /* the sock_ctx starts with its uv_poll_t */
    if (--c->handles == 0 && c->closing) {
        curl_multi_cleanup(c->multi);
        free(c->ca_bundle);
        free(c);
    }
}

static void release(transfer *t)
{
    curl_multi_remove_handle(t->c->multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    if (t->sensitive && t->response.p)
        lw_wipe(t->response.p, t->response.len);
    lw_buf_free(&t->response);
    free(t->body);
    free(t);
}

static void finish(transfer *t, CURLcode rc)
{
    long status = 0;
    if (t->too_big) /* curl only says it could not write */
        snprintf(t->error, sizeof t->error, "response larger than %u MiB: refused", MAX_RESPONSE >> 20);
    if (t->stopped)
        snprintf(t->error, sizeof t->error, "stopped by the receiver");
    if (rc == CURLE_OK)
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    lw_http_result r = {.status = (int)status,
                        .error = rc == CURLE_OK ? NULL : (t->error[0] ? t->error : curl_easy_strerror(rc)),
                        .retry_after_s = t->retry_after_s,
                        .body = t->response.p ? t->response.p : "",
                        .body_len = t->response.len};
    t->cb(t->ctx, &r);
    release(t);
}

static void reap(lw_curl *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        transfer *t;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        finish(t, m->data.result);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_ctx *s = (sock_ctx *)p;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(s->c->multi, s->fd, flags, &running);
    reap(s->c);
}

static void on_timeout(uv_timer_t *t)
{
    lw_curl *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(c);
}

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    lw_curl *c = userp;
    sock_ctx *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            curl_multi_assign(c->multi, fd, NULL);
            uv_close((uv_handle_t *)&s->poll, handle_closed);
        }
        return 0;
    }
    if (!s) {
        s = lw_xcalloc(1, sizeof *s);
        s->fd = fd;
        s->c = c;
        if (uv_poll_init_socket(c->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = c;
        c->handles++;
        curl_multi_assign(c->multi, fd, s);
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    uv_poll_start(&s->poll, ev, on_poll);
    return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    lw_curl *c = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else /* 0 means "soon": run from the loop, never from inside curl */
        uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

lw_curl *lw_curl_new(uv_loop_t *loop, const char *ca_bundle)
{
    static bool global;
    if (!global) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        global = true;
    }
    lw_curl *c = lw_xcalloc(1, sizeof *c);
    c->loop = loop;
    c->multi = curl_multi_init();
    c->ca_bundle = ca_bundle ? strdup(ca_bundle) : NULL;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->handles = 1;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    return c;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    if (t->on_body && t->streaming == 0) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->streaming = status >= 200 && status < 300 ? 1 : -1;
    }
    if (t->streaming == 1) {
        if (!t->on_body(t->ctx, p, len)) {
            t->stopped = true;
            return 0; /* aborts the transfer */
        }
        return len;
    }
    if (t->response.len + len > MAX_RESPONSE) {
        t->too_big = true;
        return 0; /* aborts the transfer */
    }
    lw_buf_append(&t->response, p, len);
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(p, "Retry-After:", 12))
        t->retry_after_s = atof(p + 12); /* delta-seconds; an HTTP date reads as 0 */
    return len;
}

lw_curl_xfer *lw_curl_request(lw_curl *c, const lw_http_request *r, lw_http_cb cb, void *ctx)
{
    transfer *t = lw_xcalloc(1, sizeof *t);
    t->c = c;
    t->cb = cb;
    t->ctx = ctx;
    t->sensitive = r->sensitive;
    t->on_body = r->on_body;
    bool get = !strcmp(r->method, "GET");
    size_t n = get ? 0 : r->body_len;
    t->body = lw_xmalloc(n + 1);
    if (n)
        memcpy(t->body, r->body, n);
    t->body[n] = '\0';
    for (int i = 0; i < r->nheaders; i++)
        t->headers = curl_slist_append(t->headers, r->headers[i]);
    if (!get)
        t->headers = curl_slist_append(t->headers, "Expect:"); /* no 100-continue round trip */
    CURL *e = t->easy = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    if (get) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
        if (strcmp(r->method, "POST"))
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout_s * 1000));
    if (r->idle_timeout_s > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(r->idle_timeout_s + 0.999));
    }
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     r->connect_timeout_s > 0 ? (long)(r->connect_timeout_s * 1000) : 10000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->no_proxy)
        curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    if (c->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
    if (c->closing || curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        finish(t, CURLE_ABORTED_BY_CALLBACK);
        return NULL;
    }
    return t;
}

void lw_curl_cancel(lw_curl *c, lw_curl_xfer *x)
{
    (void)c;
    if (x)
        release(x); /* removing the easy handle tells curl to drop its sockets */
}

static void post(void *ud, const char *url, const char *const *headers, int nheaders, const char *body, size_t n,
                 double timeout_s, lw_http_cb cb, void *ctx)
{
    lw_http_request r = {.method = "POST", .url = url, .headers = headers, .nheaders = nheaders, .body = body,
                         .body_len = n, .timeout_s = timeout_s};
    lw_curl_request(ud, &r, cb, ctx);
}

uv_loop_t *lw_curl_loop(const lw_curl *c) { return c->loop; }
lw_poster lw_curl_poster(lw_curl *c) { return (lw_poster){post, c}; }

void lw_curl_close(lw_curl *c)
{
    /* Owners stop issuing work and wait for their transfers to answer first
     * (webhook delivery drains on stop); what is left is the timer and any
     * sockets curl keeps for reuse, closed through their callbacks. */
    c->closing = true;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, handle_closed);
}
