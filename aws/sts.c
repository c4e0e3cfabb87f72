/* sts: the STS calls on the loop (see sts.h). One lw_sts_call owns a copy
 * of the request (the form body, which for web identity holds the token,
 * and the source credentials: both wiped when the call ends), the transfer
 * in flight and a retry timer; it frees itself once libuv has closed the
 * timer, after the callback (or a cancel). */
#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/url.h"
#include "common/wipe.h"

#define ATTEMPTS 3
#define RETRY_MS 1000

struct lw_sts_call {
    lw_curl *curl;
    lw_curl_xfer *xfer;
    uv_timer_t retry;
    lw_sts_cb cb;
    void *ud;
    bool signed_call, done;
    int attempt;
    double timeout_s;
    char action[32];
    char endpoint[1024], origin[300], host[300], region[64];
    char role_arn[2048];
    lw_buf body;          /* the form: may hold the web identity token */
    lw_aws_creds source;  /* signs AssumeRole */
};

static void closed(uv_handle_t *h)
{
    lw_sts_call *c = h->data;
    if (c->body.p)
        lw_wipe(c->body.p, c->body.len);
    lw_buf_free(&c->body);
    lw_wipe(c, sizeof *c);
    free(c);
}

static void finish(lw_sts_call *c)
{
    c->done = true;
    c->xfer = NULL;
    uv_close((uv_handle_t *)&c->retry, closed);
}

static void on_answer(void *ud, const lw_http_result *r);

static void issue(lw_sts_call *c)
{
    static const char ctype[] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
    char url[1100], host[320];
    snprintf(url, sizeof url, "%s/", c->endpoint);
    snprintf(host, sizeof host, "Host: %s", c->host);
    const char *hdrs[6] = {ctype, "Accept: text/xml"};
    int nh = 2;
    lw_sigv4_out o;
    lw_buf authz = LW_BUF_INIT, token = LW_BUF_INIT;
    char date[64];
    if (c->signed_call) {
        const char *sign_headers[] = {host, ctype};
        lw_sigv4_req rq = {.method = "POST", .path = "/", .query = "", .headers = sign_headers, .nheaders = 2,
                           .body = c->body.p, .body_len = c->body.len, .region = c->region, .service = "sts",
                           .time_s = lw_wall_ms() / 1000};
        lw_sigv4_sign(&rq, &c->source, &o);
        snprintf(date, sizeof date, "X-Amz-Date: %s", o.amz_date);
        lw_buf_printf(&authz, "Authorization: %s", o.authorization.p);
        hdrs[nh++] = date;
        hdrs[nh++] = authz.p;
        if (c->source.session_token[0]) {
            lw_buf_printf(&token, "X-Amz-Security-Token: %s", c->source.session_token);
            hdrs[nh++] = token.p;
        }
    }
    lw_http_request rq = {.method = "POST", .url = url, .headers = hdrs, .nheaders = nh, .body = c->body.p,
                          .body_len = c->body.len, .timeout_s = c->timeout_s, .sensitive = true};
    c->xfer = lw_curl_request(c->curl, &rq, on_answer, c);
    if (c->signed_call) {
        lw_sigv4_out_free(&o);
        lw_buf_free(&authz);
    }
    if (token.p)
        lw_wipe(token.p, token.len);
    lw_buf_free(&token);
}

static void on_retry(uv_timer_t *h)
{
    lw_sts_call *c = h->data;
    if (!c->done)
        issue(c);
}

static bool retryable(const lw_http_result *r, const lw_sts_result *res, int parsed)
{
    if (r->status == 0 || r->status >= 500)
        return true;
    return parsed == 1 && (!strcmp(res->code, "Throttling") || !strcmp(res->code, "ThrottlingException") ||
                           !strcmp(res->code, "IDPCommunicationError"));
}

static void on_answer(void *ud, const lw_http_result *r)
{
    lw_sts_call *c = ud;
    c->xfer = NULL;
    if (c->done)
        return;
    lw_sts_result res;
    char perr[300] = "", msg[2400];
    int parsed = r->status ? lw_sts_parse(c->action, r->body, r->body_len, &res, perr, sizeof perr) : -1;
    if (r->status == 200 && parsed == 0) {
        c->cb(c->ud, &res.creds, NULL);
        lw_sts_result_wipe(&res);
        finish(c);
        return;
    }
    if (retryable(r, &res, parsed) && c->attempt < ATTEMPTS) {
        c->attempt++;
        lw_sts_result_wipe(&res);
        uv_timer_start(&c->retry, on_retry, RETRY_MS, 0);
        return;
    }
    int l = snprintf(msg, sizeof msg, "STS %s of %s at %s failed: ", c->action, c->role_arn, c->origin);
    if (l < 0 || (size_t)l >= sizeof msg)
        l = 0;
    if (r->status == 0)
        snprintf(msg + l, sizeof msg - l, "%s", r->error ? r->error : "no answer");
    else if (parsed == 1)
        snprintf(msg + l, sizeof msg - l, "HTTP %d %s: %s", r->status, res.code, res.message);
    else if (r->status == 200)
        snprintf(msg + l, sizeof msg - l, "%s", perr);
    else
        snprintf(msg + l, sizeof msg - l, "HTTP %d (%s)", r->status, perr);
    lw_sts_result_wipe(&res);
    c->cb(c->ud, NULL, msg);
    finish(c);
}

static void form(lw_buf *b, const char *key, const char *value)
{
    lw_buf_printf(b, "&%s=", key);
    lw_url_encode(b, value);
}

lw_sts_call *lw_sts_assume(lw_curl *curl, const lw_sts_request *r, lw_sts_cb cb, void *ud)
{
    lw_sts_call *c = lw_xcalloc(1, sizeof *c);
    c->curl = curl;
    c->cb = cb;
    c->ud = ud;
    c->attempt = 1;
    c->timeout_s = r->timeout_s > 0 ? r->timeout_s : 30;
    c->signed_call = r->web_identity_token == NULL;
    snprintf(c->action, sizeof c->action, "%s", c->signed_call ? "AssumeRole" : "AssumeRoleWithWebIdentity");
    snprintf(c->endpoint, sizeof c->endpoint, "%s", r->endpoint);
    lw_url_printable(c->endpoint, c->origin, sizeof c->origin);
    snprintf(c->region, sizeof c->region, "%s", r->region && *r->region ? r->region : "us-east-1");
    snprintf(c->role_arn, sizeof c->role_arn, "%s", r->role->role_arn);
    const char *h = strstr(c->endpoint, "://");
    h = h ? h + 3 : c->endpoint;
    size_t hl = strcspn(h, "/?#");
    snprintf(c->host, sizeof c->host, "%.*s", (int)hl, h);
    if (r->source)
        c->source = *r->source;
    char session[80];
    if (r->role->session_name[0])
        snprintf(session, sizeof session, "%s", r->role->session_name);
    else
        snprintf(session, sizeof session, "lambdaward-%lld", (long long)(lw_wall_ms() / 1000));
    lw_buf_printf(&c->body, "Action=%s&Version=2011-06-15", c->action);
    form(&c->body, "RoleArn", r->role->role_arn);
    form(&c->body, "RoleSessionName", session);
    if (r->role->duration_s > 0) {
        char d[16];
        snprintf(d, sizeof d, "%d", r->role->duration_s);
        form(&c->body, "DurationSeconds", d);
    }
    if (c->signed_call && r->role->external_id[0])
        form(&c->body, "ExternalId", r->role->external_id);
    if (!c->signed_call)
        form(&c->body, "WebIdentityToken", r->web_identity_token);
    uv_timer_init(lw_curl_loop(curl), &c->retry);
    c->retry.data = c;
    /* From the loop, not from here: lw_curl answers at once when closing. */
    uv_timer_start(&c->retry, on_retry, 0, 0);
    return c;
}

void lw_sts_cancel(lw_sts_call *c)
{
    if (!c || c->done)
        return;
    if (c->xfer)
        lw_curl_cancel(c->curl, c->xfer);
    uv_timer_stop(&c->retry);
    finish(c);
}
