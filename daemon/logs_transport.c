/* logs_transport: see logs_transport.h. */
#include "daemon/logs_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"

struct lw_logs_transport_ctx {
    lw_curl *curl;
    lw_poster poster;
    lw_aws_creds creds;
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

static void got(void *ud, const lw_post_result *r)
{
    pending *p = ud;
    lw_logs_response resp = {.status = r->status, .body = r->body, .body_len = r->body_len, .error = r->error,
                             .retry_after_s = r->retry_after_s};
    p->reply(p->ctx, &resp);
    free(p);
}

static void send_signed(void *ud, const char *target, const char *body, size_t n, lw_logs_reply_cb reply, void *ctx)
{
    lw_logs_transport_ctx *t = ud;
    char host[320], tgt[128];
    snprintf(host, sizeof host, "Host: %s", t->host);
    snprintf(tgt, sizeof tgt, "X-Amz-Target: %s", target);
    const char *sign_headers[] = {host, "Content-Type: application/x-amz-json-1.1", tgt};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    lw_sigv4_req r = {.method = "POST", .path = "/", .query = "", .headers = sign_headers, .nheaders = 3,
                      .body = body, .body_len = n, .region = t->region, .service = "logs", .time_s = tv.tv_sec};
    lw_sigv4_out o;
    lw_sigv4_sign(&r, &t->creds, &o);
    char date[64];
    snprintf(date, sizeof date, "X-Amz-Date: %s", o.amz_date);
    lw_buf authz = LW_BUF_INIT, token = LW_BUF_INIT;
    lw_buf_printf(&authz, "Authorization: %s", o.authorization.p);
    const char *headers[6] = {"Content-Type: application/x-amz-json-1.1", tgt, date, authz.p};
    int nh = 4;
    if (t->creds.session_token[0]) {
        lw_buf_printf(&token, "X-Amz-Security-Token: %s", t->creds.session_token);
        headers[nh++] = token.p;
    }
    pending *p = lw_xmalloc(sizeof *p);
    p->reply = reply;
    p->ctx = ctx;
    char url[600];
    snprintf(url, sizeof url, "%s/", t->endpoint);
    t->poster.post(t->poster.ud, url, headers, nh, body, n, t->timeout_s, got, p);
    lw_sigv4_out_free(&o);
    lw_buf_free(&authz);
    lw_buf_free(&token);
}

static void refresh(void *ud, void (*done)(void *ctx, bool ok), void *ctx)
{
    lw_logs_transport_ctx *t = ud;
    char err[512];
    lw_aws_creds fresh;
    bool ok = lw_creds_resolve(t->profile[0] ? t->profile : NULL, &fresh, err, sizeof err) == 0;
    if (ok) {
        lw_creds_wipe(&t->creds);
        t->creds = fresh;
        lw_creds_wipe(&fresh);
    }
    done(ctx, ok);
}

lw_logs_transport_ctx *lw_logs_transport_new(lw_curl *curl, const char *region, const char *profile,
                                             const char *endpoint_url, double timeout_s, char *err, size_t errlen)
{
    lw_logs_transport_ctx *t = lw_xcalloc(1, sizeof *t);
    t->curl = curl;
    t->poster = lw_curl_poster(curl);
    t->timeout_s = timeout_s > 0 ? timeout_s : 30;
    snprintf(t->profile, sizeof t->profile, "%s", profile ? profile : "");
    lw_region_resolve(region, profile, t->region, sizeof t->region);
    if (!t->region[0]) {
        snprintf(err, errlen, "no AWS region: set --region, region in [aws], AWS_REGION, or the profile's region");
        free(t);
        return NULL;
    }
    if (lw_creds_resolve(profile, &t->creds, err, errlen) < 0) {
        free(t);
        return NULL;
    }
    lw_logs_endpoint(endpoint_url, t->region, t->endpoint, sizeof t->endpoint);
    const char *h = strstr(t->endpoint, "://");
    h = h ? h + 3 : t->endpoint;
    const char *slash = strchr(h, '/');
    snprintf(t->host, sizeof t->host, "%.*s", (int)(slash ? slash - h : (long)strlen(h)), h);
    return t;
}

lw_logs_transport lw_logs_transport_get(lw_logs_transport_ctx *t) { return (lw_logs_transport){send_signed, refresh, t}; }
const char *lw_logs_transport_endpoint(const lw_logs_transport_ctx *t) { return t->endpoint; }
const char *lw_logs_transport_region(const lw_logs_transport_ctx *t) { return t->region; }

void lw_logs_transport_free(lw_logs_transport_ctx *t)
{
    if (!t)
        return;
    lw_creds_wipe(&t->creds);
    free(t);
}
