/* httpd: see httpd.h. Ownership: the server owns its listener and every
 * connection; a connection frees itself in its uv_close callback. */
#include "daemon/net/httpd.h"

#include <ctype.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/list.h"

struct lw_httpd {
    uv_tcp_t listener;
    lw_httpd_opts o;
    lw_httpd_stats st;
    char bind[64];
    int port;
    bool stopping;
    int handles;               /* listener + connections not yet closed */
    int live;                  /* connections in conns (not closing) */
    uint64_t seq;
    void (*done)(void *ud);
    void *done_ud;
    struct lw_httpd_conn *conns;
};

struct lw_httpd_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    lw_httpd *srv;
    http_parser parser;
    lw_buf url, body, hdr;     /* hdr: "name\0value\0name\0value\0..." */
    size_t hdr_marks[LW_HTTPD_MAX_HEADERS * 2];
    int nmarks;
    bool last_was_value;
    bool in_request;           /* between message begin and complete */
    bool too_large;
    bool responded;
    bool closing;
    bool keep_alive;
    bool hdr_done;             /* hdr's last value is terminated */
    bool early;                /* answered from the headers: read no more */
    int writes;                /* responses not yet written */
    uint64_t idle_since;       /* h->seq when the last request ended: orders idleness within a loop tick */
    char remote[64];
    struct lw_httpd_conn *next, **prev;
    int closes_pending;
};

static http_parser_settings settings;

const char *lw_httpd_header(const lw_httpd_request *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->header_name[i], name))
            return r->header_value[i];
    return NULL;
}

const lw_httpd_stats *lw_httpd_stats_get(const lw_httpd *h) { return &h->st; }
int lw_httpd_port(const lw_httpd *h) { return h->port; }

/* The server frees itself once its last handle has closed after stop. */
static void handle_closed(lw_httpd *h)
{
    if (--h->handles > 0 || !h->stopping)
        return;
    if (h->done)
        h->done(h->done_ud);
    free(h);
}

static void conn_closed(uv_handle_t *hd)
{
    lw_httpd_conn *c = hd->data;
    if (--c->closes_pending > 0)
        return;
    lw_httpd *h = c->srv;
    lw_buf_free(&c->url);
    lw_buf_free(&c->body);
    lw_buf_free(&c->hdr);
    free(c);
    h->st.open_connections--;
    handle_closed(h);
}

static void conn_close(lw_httpd_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->prev)
        c->srv->live--;
    LW_LIST_UNLINK(c);
    c->closes_pending = 2;
    uv_close((uv_handle_t *)&c->timer, conn_closed);
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

typedef struct write_req {
    uv_write_t req;
    lw_httpd_conn *c;
    bool close_after;
    char data[];
} write_req;

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    w->c->writes--;
    if (status < 0 || w->close_after)
        conn_close(w->c);
    free(w);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

static void send_raw(lw_httpd_conn *c, int status, const char *ctype, const char *body, size_t n, const char *extra,
                     bool close_after)
{
    lw_httpd *h = c->srv;
    if (status < 300) h->st.responses_2xx++;
    else if (status < 500) h->st.responses_4xx++;
    else h->st.responses_5xx++;
    lw_buf head = LW_BUF_INIT;
    lw_buf_printf(&head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s%s%s%s\r\n", status, reason(status), n,
                  ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", extra ? extra : "",
                  close_after ? "Connection: close\r\n" : "");
    write_req *w = lw_xmalloc(sizeof *w + head.len + n);
    memcpy(w->data, head.p, head.len);
    if (n)
        memcpy(w->data + head.len, body, n);
    w->c = c;
    w->close_after = close_after;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)(head.len + n));
    lw_buf_free(&head);
    c->writes++;
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
        c->writes--;
        free(w);
        conn_close(c);
    }
}


void lw_httpd_respond(lw_httpd_conn *c, int status, const char *ctype, const char *body, size_t n, const char *extra)
{
    if (c->responded || c->closing)
        return;
    c->responded = true;
    /* The request is answered: its body goes back before the client has
     * the answer (and may send the next one). */
    if (body < c->body.p || body >= c->body.p + c->body.cap)
        lw_buf_release_large(&c->body);
    send_raw(c, status, ctype, body, n, extra, !c->keep_alive || c->srv->stopping);
}

/* The headers received so far as a request view (no body). Terminates
 * the last value: called once no more header bytes will be parsed. */
static void view_headers(lw_httpd_conn *c, lw_httpd_request *r)
{
    memset(r, 0, sizeof *r);
    if (!c->hdr_done) {
        lw_buf_putc(&c->hdr, '\0');
        c->hdr_done = true;
    }
    for (int i = 0; i + 1 < c->nmarks && c->hdr_done && r->nheaders < LW_HTTPD_MAX_HEADERS; i += 2) {
        r->header_name[r->nheaders] = c->hdr.p + c->hdr_marks[i];
        r->header_value[r->nheaders] = c->hdr.p + c->hdr_marks[i + 1];
        r->nheaders++;
    }
    r->method = http_method_str((enum http_method)c->parser.method);
    r->path = r->query = "";
    r->body = "";
    r->remote = c->remote;
}

/* The server's own refusal: in the handler's format when it has one
 * (Firehose wants JSON even from the HTTP layer), then close. */
static void refuse(lw_httpd_conn *c, int status, const char *msg)
{
    lw_httpd *h = c->srv;
    c->responded = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    if (!h->o.error_body) {
        send_raw(c, status, "text/plain", msg, strlen(msg), NULL, true);
        return;
    }
    lw_httpd_request r;
    view_headers(c, &r);
    lw_buf out = LW_BUF_INIT;
    const char *ctype = "text/plain";
    h->o.error_body(h->o.ud, &r, status, msg, &out, &ctype);
    send_raw(c, status, ctype, out.p ? out.p : "", out.len, NULL, true);
    lw_buf_free(&out);
}

static void arm_timer(lw_httpd_conn *c, double seconds);

static int on_message_begin(http_parser *p)
{
    lw_httpd_conn *c = p->data;
    lw_buf_reset(&c->url);
    lw_buf_reset(&c->body);
    lw_buf_reset(&c->hdr);
    c->nmarks = 0;
    c->last_was_value = false;
    c->hdr_done = false;
    c->responded = false;
    c->in_request = true;
    arm_timer(c, c->srv->o.header_timeout_s); /* headers first, and soon */
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    lw_httpd_conn *c = p->data;
    if (c->url.len + n > 8192)
        return -1;
    lw_buf_append(&c->url, at, n);
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    lw_httpd_conn *c = p->data;
    if (c->last_was_value || c->nmarks == 0) {
        if (c->nmarks >= LW_HTTPD_MAX_HEADERS * 2)
            return -1;
        if (c->nmarks)
            lw_buf_putc(&c->hdr, '\0');
        c->hdr_marks[c->nmarks++] = c->hdr.len;
        c->last_was_value = false;
    }
    for (size_t i = 0; i < n; i++)
        lw_buf_putc(&c->hdr, (char)tolower((unsigned char)at[i]));
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    lw_httpd_conn *c = p->data;
    if (!c->last_was_value) {
        lw_buf_putc(&c->hdr, '\0');
        c->hdr_marks[c->nmarks++] = c->hdr.len;
        c->last_was_value = true;
    }
    lw_buf_append(&c->hdr, at, n);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    lw_httpd_conn *c = p->data;
    lw_httpd *h = c->srv;
    c->keep_alive = false; /* an answer from the headers closes: the body is never read */
    if (h->o.on_headers) {
        lw_httpd_request r;
        view_headers(c, &r);
        h->o.on_headers(h->o.ud, c, &r);
        if (c->responded) {
            h->st.refused_at_headers++;
            c->early = true;
            return -1;
        }
    }
    c->keep_alive = http_should_keep_alive(p);
    arm_timer(c, h->o.timeout_s); /* now the body, within the timeout */
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > h->o.max_body) {
        c->too_large = true;
        return -1; /* stop now: never read a body we will refuse */
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    lw_httpd_conn *c = p->data;
    if (c->body.len + n > c->srv->o.max_body) {
        c->too_large = true; /* chunked bodies have no length up front */
        return -1;
    }
    lw_buf_append(&c->body, at, n);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    lw_httpd_conn *c = p->data;
    lw_httpd *h = c->srv;
    c->in_request = false;
    h->st.requests++;
    lw_httpd_request r;
    view_headers(c, &r);
    char *q = memchr(c->url.p ? c->url.p : "", '?', c->url.len);
    if (q)
        *q = '\0';
    r.path = c->url.p ? c->url.p : "/";
    r.query = q ? q + 1 : "";
    r.body = c->body.p ? c->body.p : "";
    r.body_len = c->body.len;
    h->o.handler(h->o.ud, c, &r);
    if (!c->responded)
        lw_httpd_respond(c, 500, "text/plain", "no response\n", 12, NULL);
    lw_buf_release_large(&c->body);
    c->idle_since = ++h->seq;
    arm_timer(c, h->o.header_timeout_s); /* now the idle timeout of a kept-alive connection */
    return 0;
}

static void on_timeout(uv_timer_t *t)
{
    lw_httpd_conn *c = t->data;
    if (c->in_request) {
        c->srv->st.timeouts++;
        refuse(c, 408, "request not received within the timeout");
    } else {
        conn_close(c); /* an idle keep-alive connection: just close */
    }
}

static void arm_timer(lw_httpd_conn *c, double seconds)
{
    uv_timer_start(&c->timer, on_timeout, (uint64_t)(seconds * 1000), 0);
}

static void alloc_cb(uv_handle_t *hd, size_t suggested, uv_buf_t *buf)
{
    (void)hd;
    (void)suggested;
    static char slab[65536]; /* one loop thread: a static read buffer is safe */
    *buf = uv_buf_init(slab, sizeof slab);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    lw_httpd_conn *c = s->data;
    if (n < 0) {
        conn_close(c);
        return;
    }
    if (n == 0 || c->closing)
        return;
    size_t used = http_parser_execute(&c->parser, &settings, buf->base, (size_t)n);
    if (c->early) {
        uv_read_stop(s); /* answered from the headers; closes once written */
        return;
    }
    if (c->too_large) {
        c->srv->st.refused_too_large++;
        refuse(c, 413, "request body over max_body");
        return;
    }
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK || used != (size_t)n) {
        if (HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED)
            return;
        c->srv->st.bad_requests++;
        char msg[128];
        snprintf(msg, sizeof msg, "bad request: %s", http_errno_description(HTTP_PARSER_ERRNO(&c->parser)));
        if (!c->closing)
            refuse(c, 400, msg);
    }
}

/* An idle connection costs nothing to close (the client reconnects when
 * it has a request): when full, the one idle longest makes room. */
static bool evict_idle(lw_httpd *h, lw_httpd_conn *except)
{
    lw_httpd_conn *oldest = NULL;
    for (lw_httpd_conn *c = h->conns; c; c = c->next)
        if (c != except && !c->in_request && !c->writes && (!oldest || c->idle_since < oldest->idle_since))
            oldest = c;
    if (!oldest)
        return false;
    h->st.evicted_idle++;
    conn_close(oldest);
    return true;
}

/* Why c may not be served now, or NULL. */
static const char *admit(lw_httpd *h, lw_httpd_conn *c)
{
    if (h->stopping)
        return "stopping";
    int same = 0;
    for (lw_httpd_conn *o = h->conns; o; o = o->next)
        same += !strcmp(o->remote, c->remote);
    if (same > h->o.max_per_client) {
        h->st.refused_per_client++;
        return "too many connections from this address";
    }
    if (h->live > h->o.max_connections && !evict_idle(h, c))
        return "too many connections";
    return NULL;
}

static void on_connection(uv_stream_t *server, int status)
{
    lw_httpd *h = server->data;
    if (status < 0)
        return;
    lw_httpd_conn *c = lw_xcalloc(1, sizeof *c);
    c->srv = h;
    uv_tcp_init(server->loop, &c->tcp);
    uv_timer_init(server->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    h->handles++;
    h->st.open_connections++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    struct sockaddr_storage sa;
    int len = sizeof sa;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0) {
        if (sa.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&sa, c->remote, sizeof c->remote);
        else
            uv_ip4_name((struct sockaddr_in *)&sa, c->remote, sizeof c->remote);
    }
    LW_LIST_PUSH(h->conns, c);
    h->live++;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->idle_since = ++h->seq;
    const char *why = admit(h, c);
    if (why) {
        h->st.refused_connections++;
        refuse(c, 503, why);
        return;
    }
    arm_timer(c, h->o.header_timeout_s);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
}

lw_httpd *lw_httpd_start(uv_loop_t *loop, const lw_httpd_opts *o, char *err, size_t errlen)
{
    http_parser_settings_init(&settings);
    settings.on_message_begin = on_message_begin;
    settings.on_url = on_url;
    settings.on_header_field = on_header_field;
    settings.on_header_value = on_header_value;
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
    lw_httpd *h = lw_xcalloc(1, sizeof *h);
    h->o = *o;
    if (h->o.max_connections <= 0)
        h->o.max_connections = 64;
    if (h->o.timeout_s <= 0)
        h->o.timeout_s = 30;
    if (h->o.header_timeout_s <= 0 || h->o.header_timeout_s > h->o.timeout_s)
        h->o.header_timeout_s = h->o.timeout_s;
    if (h->o.max_per_client <= 0 || h->o.max_per_client > h->o.max_connections)
        h->o.max_per_client = h->o.max_connections;
    snprintf(h->bind, sizeof h->bind, "%s", o->bind ? o->bind : "127.0.0.1");
    struct sockaddr_storage sa;
    int rc = strchr(h->bind, ':') ? uv_ip6_addr(h->bind, o->port, (struct sockaddr_in6 *)&sa)
                                  : uv_ip4_addr(h->bind, o->port, (struct sockaddr_in *)&sa);
    if (rc == 0)
        rc = uv_tcp_init(loop, &h->listener);
    if (rc == 0) {
        h->handles = 1;
        h->listener.data = h;
        rc = uv_tcp_bind(&h->listener, (struct sockaddr *)&sa, 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&h->listener, 128, on_connection);
        if (rc < 0) {
            snprintf(err, errlen, "cannot listen on %s:%d: %s", h->bind, o->port, uv_strerror(rc));
            lw_httpd_stop(h, NULL, NULL); /* frees h once the loop closes the handle */
            return NULL;
        }
    } else {
        snprintf(err, errlen, "bad listen address %s:%d: %s", h->bind, o->port, uv_strerror(rc));
        free(h);
        return NULL;
    }
    struct sockaddr_storage got;
    int len = sizeof got;
    uv_tcp_getsockname(&h->listener, (struct sockaddr *)&got, &len);
    h->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                              : ((struct sockaddr_in *)&got)->sin_port);
    return h;
}

static void listener_closed(uv_handle_t *hd)
{
    lw_httpd *h = hd->data;
    handle_closed(h);
}

void lw_httpd_stop(lw_httpd *h, void (*done)(void *ud), void *ud)
{
    h->stopping = true;
    h->done = done;
    h->done_ud = ud;
    for (lw_httpd_conn *c = h->conns, *next; c; c = next) {
        next = c->next;
        if (!c->in_request)
            conn_close(c); /* idle: nothing in flight */
    }
    uv_close((uv_handle_t *)&h->listener, listener_closed);
}
