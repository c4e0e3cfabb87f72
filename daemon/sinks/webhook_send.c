/*
 * webhook_send: one-shot deliveries outside the daemon, for `lambdaward
 * test-webhook NAME` (a signed sample finding, response printed) and
 * `lambdaward query --webhook NAME` (a query's findings, each tried up to
 * three times). Same bodies, headers and signatures as the daemon's
 * deliverer; no outbox, since nothing outlives the command.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/net/curl_uv.h"
#include "daemon/sinks/webhook_format.h"
#include "daemon/sinks/webhook_send.h"

typedef struct one {
    bool done;
    int status;
    char error[256];
    lw_buf body;
} one;

static void got(void *ctx, const lw_http_result *r)
{
    one *o = ctx;
    o->done = true;
    o->status = r->status;
    snprintf(o->error, sizeof o->error, "%s", r->error ? r->error : "");
    lw_buf_append(&o->body, r->body ? r->body : "", r->body_len);
}

/* Sends one finding; blocks on a private loop (commands only, never the
 * daemon's loop). Returns the HTTP status, 0 on a transport error. */
int lw_webhook_send_once(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                         char *err, size_t errlen, lw_buf *response)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    lw_curl *c = lw_curl_new(&loop, ca_bundle);
    lw_poster p = lw_curl_poster(c);
    lw_buf body = LW_BUF_INIT;
    lw_webhook_body(h->format, json, strlen(json), &body);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char delivery[80], stamp[64], sig[80], sighdr[120];
    snprintf(delivery, sizeof delivery, "X-Lambdaward-Delivery: %s", finding_id);
    snprintf(stamp, sizeof stamp, "X-Lambdaward-Timestamp: %" PRId64, (int64_t)tv.tv_sec);
    const char *headers[40];
    int n = 0;
    headers[n++] = "Content-Type: application/json";
    headers[n++] = "User-Agent: lambdaward";
    headers[n++] = delivery;
    headers[n++] = stamp;
    if (h->secret) {
        lw_webhook_sign(h->secret, (int64_t)tv.tv_sec, body.p ? body.p : "", body.len, sig);
        snprintf(sighdr, sizeof sighdr, "X-Lambdaward-Signature: %s", sig);
        headers[n++] = sighdr;
    }
    for (int i = 0; i < h->headers.n && n < 40; i++)
        headers[n++] = h->headers.v[i];
    one o = {0};
    p.post(p.ud, h->url, headers, n, body.p ? body.p : "", body.len, h->timeout_s > 0 ? h->timeout_s : 10, got, &o);
    while (!o.done)
        uv_run(&loop, UV_RUN_ONCE);
    lw_curl_close(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    lw_buf_free(&body);
    snprintf(err, errlen, "%s", o.error);
    if (response)
        lw_buf_append(response, o.body.p ? o.body.p : "", o.body.len);
    lw_buf_free(&o.body);
    return o.status;
}

const lw_webhook_cfg *lw_webhook_find(const lw_config *c, const char *name)
{
    for (const lw_webhook_cfg *h = c->webhooks; h; h = h->next)
        if (!strcmp(h->name, name))
            return h;
    return NULL;
}
