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
#include <unistd.h>

#include "common/backoff.h"
#include "common/clock.h"
#include "common/url.h"
#include "config/config.h"
#include "daemon/log.h"
#include "daemon/net/curl_uv.h"
#include "daemon/sinks/webhook_format.h"
#include "daemon/sinks/webhook_send.h"

typedef struct one {
    bool done;
    int status;
    double retry_after_s;
    char error[256];
    lw_buf body;
} one;

static void got(void *ctx, const lw_http_result *r)
{
    one *o = ctx;
    o->done = true;
    o->status = r->status;
    o->retry_after_s = r->retry_after_s;
    snprintf(o->error, sizeof o->error, "%s", r->error ? r->error : "");
    lw_buf_append(&o->body, r->body ? r->body : "", r->body_len);
}

static int send_one(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                    char *err, size_t errlen, lw_buf *response, double *retry_after_s)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    lw_curl *c = lw_curl_new(&loop, ca_bundle);
    lw_poster p = lw_curl_poster(c);
    lw_webhook_request req;
    lw_webhook_request_build(&req, h, finding_id, json, strlen(json), lw_wall_ms() / 1000);
    one o = {0};
    char where[300]; /* scheme://host:port only: a hook's path and query are often its credential */
    lw_url_printable(req.url, where, sizeof where);
    int64_t t0 = lw_wall_ms();
    LW_DEBUG("webhook %s: POST %s finding %s", h->name, where, finding_id);
    p.post(p.ud, req.url, req.headers, req.nheaders, req.body.p, req.body.len, req.timeout_s, got, &o);
    while (!o.done)
        uv_run(&loop, UV_RUN_ONCE);
    if (o.status)
        LW_DEBUG("webhook %s: HTTP %d after %lld ms", h->name, o.status, (long long)(lw_wall_ms() - t0));
    else
        LW_DEBUG("webhook %s: no answer after %lld ms: %s", h->name, (long long)(lw_wall_ms() - t0), o.error);
    lw_curl_close(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    lw_webhook_request_free(&req);
    snprintf(err, errlen, "%s", o.error);
    if (response)
        lw_buf_append(response, o.body.p ? o.body.p : "", o.body.len);
    lw_buf_free(&o.body);
    if (retry_after_s)
        *retry_after_s = o.retry_after_s;
    return o.status;
}

int lw_webhook_send_once(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                         char *err, size_t errlen, lw_buf *response)
{
    return send_one(h, ca_bundle, finding_id, json, err, errlen, response, NULL);
}

/* A command waits in the foreground: short waits, whatever the webhook's
 * retry settings for the daemon's outbox (minutes) say. */
#define SEND_BASE_S 0.5
#define SEND_CAP_S 8.0

int lw_webhook_send(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                    int tries, char *err, size_t errlen)
{
    static uint64_t rng;
    if (!rng)
        rng = lw_backoff_seed();
    int status = 0;
    for (int attempt = 0; attempt < tries; attempt++) {
        double retry_after = 0;
        status = send_one(h, ca_bundle, finding_id, json, err, errlen, NULL, &retry_after);
        if (status >= 200 && status < 300)
            break;
        if (attempt + 1 < tries) {
            double wait = lw_backoff_delay(attempt + 1, SEND_BASE_S, SEND_CAP_S, &rng);
            if (retry_after > wait)
                wait = retry_after < SEND_CAP_S ? retry_after : SEND_CAP_S;
            LW_DEBUG("webhook %s: finding %s: try %d of %d in %.2f s", h->name, finding_id, attempt + 2, tries, wait);
            usleep((useconds_t)(wait * 1e6));
        }
    }
    return status;
}

const lw_webhook_cfg *lw_webhook_find(const lw_config *c, const char *name)
{
    for (const lw_webhook_cfg *h = c->webhooks; h; h = h->next)
        if (!strcmp(h->name, name))
            return h;
    return NULL;
}
