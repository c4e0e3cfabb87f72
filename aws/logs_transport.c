/* logs_transport: see logs_transport.h. */
#include "aws/logs_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "aws/creds_provider.h"
#include "common/clock.h"
#include "common/wipe.h"

/* A request that arrived before there were credentials to sign it with. */
typedef struct queued {
    struct queued *next;
    char *target;
    char *body;
    size_t n;
    lw_logs_reply_cb reply;
    void *ctx;
} queued;

struct lw_logs_transport_ctx {
    lw_curl *curl;
    lw_poster poster;
    lw_creds_provider *creds;
    queued *queue, **queue_tail;
    bool waiting;  /* asked the provider for credentials for the queue */
    char region[64];
    char profile[128];
    char endpoint[512];
    char host[300];
    double timeout_s;
};

typedef struct pending {
    lw_logs_reply_cb reply;
    void *ctx;
} pending;

static void got(void *ud, const lw_http_result *r)
{
    pending *p = ud;
    lw_logs_response resp = {.status = r->status, .body = r->body, .body_len = r->body_len, .error = r->error,
                             .retry_after_s = r->retry_after_s};
    p->reply(p->ctx, &resp);
    free(p);
}

void lw_logs_sign(const char *host, const char *region, const lw_aws_creds *creds, const char *target,
                  const char *body, size_t n, int64_t time_s, lw_logs_signed *out)
{
    memset(out, 0, sizeof *out);
    char hosth[320];
    snprintf(hosth, sizeof hosth, "Host: %s", host);
    snprintf(out->target, sizeof out->target, "X-Amz-Target: %s", target);
    const char *sign_headers[] = {hosth, "Content-Type: application/x-amz-json-1.1", out->target};
    lw_sigv4_req r = {.method = "POST", .path = "/", .query = "", .headers = sign_headers, .nheaders = 3,
                      .body = body, .body_len = n, .region = region, .service = "logs", .time_s = time_s};
    lw_sigv4_out o;
    lw_sigv4_sign(&r, creds, &o);
    snprintf(out->date, sizeof out->date, "X-Amz-Date: %s", o.amz_date);
    lw_buf_printf(&out->authz, "Authorization: %s", o.authorization.p);
    out->headers[0] = "Content-Type: application/x-amz-json-1.1";
    out->headers[1] = out->target;
    out->headers[2] = out->date;
    out->headers[3] = out->authz.p;
    out->n = 4;
    if (creds->session_token[0]) {
        lw_buf_printf(&out->token, "X-Amz-Security-Token: %s", creds->session_token);
        out->headers[out->n++] = out->token.p;
    }
    lw_sigv4_out_free(&o);
}

void lw_logs_signed_free(lw_logs_signed *s)
{
    lw_buf_free(&s->authz);
    if (s->token.p)
        lw_wipe(s->token.p, s->token.len);
    lw_buf_free(&s->token);
}

void lw_logs_url_host(const char *url, char *out, size_t n)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    const char *slash = strchr(h, '/');
    snprintf(out, n, "%.*s", (int)(slash ? slash - h : (long)strlen(h)), h);
}

static void send_signed(lw_logs_transport_ctx *t, const lw_aws_creds *creds, const char *target, const char *body,
                        size_t n, lw_logs_reply_cb reply, void *ctx)
{
    lw_logs_signed sg;
    lw_logs_sign(t->host, t->region, creds, target, body, n, lw_wall_ms() / 1000, &sg);
    pending *p = lw_xmalloc(sizeof *p);
    p->reply = reply;
    p->ctx = ctx;
    char url[600];
    snprintf(url, sizeof url, "%s/", t->endpoint);
    t->poster.post(t->poster.ud, url, sg.headers, sg.n, body, n, t->timeout_s, got, p);
    lw_logs_signed_free(&sg);
}

/* An answer for a request that never left: 400 with a JSON error body, so
 * the client reports it and does not retry it. */
static void reply_error(lw_logs_reply_cb reply, void *ctx, const char *err)
{
    lw_buf b = LW_BUF_INIT;
    lw_buf_puts(&b, "{\"__type\":\"RequestNotSent\",\"message\":\"");
    for (const char *c = err; *c; c++) {
        if (*c == '"' || *c == '\\')
            lw_buf_printf(&b, "\\%c", *c);
        else if ((unsigned char)*c < 0x20)
            lw_buf_printf(&b, "\\u%04x", (unsigned char)*c);
        else
            lw_buf_putc(&b, *c);
    }
    lw_buf_puts(&b, "\"}");
    lw_logs_response resp = {.status = 400, .body = b.p, .body_len = b.len};
    reply(ctx, &resp);
    lw_buf_free(&b);
}

static void on_creds(void *ud, const char *err)
{
    lw_logs_transport_ctx *t = ud;
    t->waiting = false;
    queued *q = t->queue;
    t->queue = NULL;
    t->queue_tail = &t->queue;
    const lw_aws_creds *c = err ? NULL : lw_creds_provider_latest(t->creds);
    while (q) {
        queued *next = q->next;
        if (c)
            send_signed(t, c, q->target, q->body, q->n, q->reply, q->ctx);
        else
            reply_error(q->reply, q->ctx, err ? err : "no AWS credentials");
        free(q->target);
        free(q->body);
        free(q);
        q = next;
    }
}

static void send_req(void *ud, const char *target, const char *body, size_t n, lw_logs_reply_cb reply, void *ctx)
{
    lw_logs_transport_ctx *t = ud;
    if (!t->creds) {
        reply_error(reply, ctx, "cancelled: the transport is closed");
        return;
    }
    const lw_aws_creds *c = lw_creds_provider_current(t->creds);
    if (c) {
        send_signed(t, c, target, body, n, reply, ctx);
        return;
    }
    /* None yet (the chain is still fetching) or about to expire: wait. */
    queued *q = lw_xcalloc(1, sizeof *q);
    q->target = strdup(target);
    q->body = lw_xmalloc(n + 1);
    memcpy(q->body, body, n);
    q->n = n;
    q->reply = reply;
    q->ctx = ctx;
    *t->queue_tail = q;
    t->queue_tail = &q->next;
    if (!t->waiting) {
        t->waiting = true;
        lw_creds_provider_get(t->creds, false, on_creds, t);
    }
}

typedef struct refreshing {
    void (*done)(void *ctx, bool ok);
    void *ctx;
} refreshing;

static void refreshed(void *ud, const char *err)
{
    refreshing *r = ud;
    r->done(r->ctx, err == NULL);
    free(r);
}

/* ExpiredTokenException: the whole chain again (the credentials may come
 * from a different source by now). */
static void refresh(void *ud, void (*done)(void *ctx, bool ok), void *ctx)
{
    lw_logs_transport_ctx *t = ud;
    if (!t->creds) {
        done(ctx, false);
        return;
    }
    refreshing *r = lw_xmalloc(sizeof *r);
    r->done = done;
    r->ctx = ctx;
    lw_creds_provider_get(t->creds, true, refreshed, r);
}

lw_logs_transport_ctx *lw_logs_transport_new(lw_curl *curl, const char *region, const char *profile,
                                             const char *endpoint_url, double timeout_s, char *err, size_t errlen)
{
    lw_logs_transport_ctx *t = lw_xcalloc(1, sizeof *t);
    t->curl = curl;
    t->poster = lw_curl_poster(curl);
    t->timeout_s = timeout_s > 0 ? timeout_s : 30;
    snprintf(t->profile, sizeof t->profile, "%s", profile ? profile : "");
    /* A named profile that is missing or unusable is a configuration error,
     * as the AWS CLI makes it: said at start, before the region (which the
     * profile may be the one to name), not on every poll of a daemon that
     * keeps running without credentials. */
    lw_creds_plan *probe = lw_xcalloc(1, sizeof *probe);
    int prc = lw_creds_plan_resolve(profile, probe, err, errlen);
    lw_creds_plan_wipe(probe);
    free(probe);
    if (prc < 0) {
        free(t);
        return NULL;
    }
    lw_region_resolve(region, profile, t->region, sizeof t->region);
    if (!t->region[0]) {
        snprintf(err, errlen, "no AWS region: set --region, region in [aws], AWS_REGION, or the profile's region");
        free(t);
        return NULL;
    }
    t->queue_tail = &t->queue;
    /* Environment and shared files now; otherwise STS, a process, SSO,
     * the container or instance metadata on the loop, and requests wait. */
    lw_creds_options co = {.profile = profile, .region = t->region};
    t->creds = lw_creds_provider_new_opts(lw_curl_loop(curl), curl, &co);
    lw_logs_endpoint(endpoint_url, t->region, t->endpoint, sizeof t->endpoint);
    lw_logs_url_host(t->endpoint, t->host, sizeof t->host);
    return t;
}

const char *lw_aws_ca_bundle(const char *configured)
{
    const char *env = getenv("AWS_CA_BUNDLE");
    return env && *env ? env : configured;
}

lw_logs_transport lw_logs_transport_get(lw_logs_transport_ctx *t) { return (lw_logs_transport){send_req, refresh, t}; }
const char *lw_logs_transport_endpoint(const lw_logs_transport_ctx *t) { return t->endpoint; }
const char *lw_logs_transport_region(const lw_logs_transport_ctx *t) { return t->region; }
const lw_aws_creds *lw_logs_transport_creds(lw_logs_transport_ctx *t)
{
    return t->creds ? lw_creds_provider_current(t->creds) : NULL;
}
lw_curl *lw_logs_transport_curl(lw_logs_transport_ctx *t) { return t->curl; }

void lw_logs_transport_close(lw_logs_transport_ctx *t)
{
    if (!t || !t->creds)
        return;
    lw_creds_provider *p = t->creds;
    t->creds = NULL;
    lw_creds_provider_close(p); /* a queue still waiting is answered "cancelled" */
}

void lw_logs_transport_free(lw_logs_transport_ctx *t)
{
    if (!t)
        return;
    lw_logs_transport_close(t);
    free(t);
}
