/* livetail_session: see livetail_session.h. Ownership: the session is freed
 * in the transfer's completion callback after on_end, or at once by
 * lw_lt_session_stop (which cancels the transfer, so no callback comes). */
#include "aws/livetail_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

struct lw_lt_session {
    lw_curl *curl;
    lw_curl_xfer *xfer;
    lw_lt_session_cbs cbs;
    lw_es_decoder dec;
    lw_lt_parser parser;
    lw_lt_result end;     /* the end the stream itself announced */
    bool ended;
    bool streamed;        /* a 2xx body began */
    lw_buf text;          /* strings of a start error */
};

static void free_session(lw_lt_session *s)
{
    lw_es_free(&s->dec);
    lw_lt_parser_free(&s->parser);
    lw_buf_free(&s->text);
    free(s);
}

static bool on_message(void *ud, const lw_es_message *m)
{
    lw_lt_session *s = ud;
    lw_lt_result r;
    lw_lt_parse(&s->parser, m, &r);
    if (r.kind == LW_LT_END) {
        /* kept for the completion callback: the parser's strings stay
         * valid, since nothing is parsed after an end */
        s->end = r;
        s->ended = true;
        return false;
    }
    if (r.kind != LW_LT_IGNORED)
        s->cbs.on_result(s->cbs.ud, &r);
    return true;
}

static bool on_body(void *ctx, const char *p, size_t n)
{
    lw_lt_session *s = ctx;
    s->streamed = true;
    int rc = lw_es_feed(&s->dec, p, n);
    /* a damaged frame: nothing after it can be read, so the transfer ends */
    return rc == LW_ES_OK;
}

static void done(void *ctx, const lw_http_result *hr)
{
    lw_lt_session *s = ctx;
    lw_lt_result r;
    if (s->ended) {
        r = s->end;
    } else if (s->streamed || hr->status == 200) {
        int rc = lw_es_finish(&s->dec);
        lw_buf why = LW_BUF_INIT;
        if (rc == LW_ES_ERROR)
            lw_buf_puts(&why, lw_es_error(&s->dec));
        else if (hr->status == 0 && hr->error)
            lw_buf_puts(&why, hr->error);
        lw_lt_stream_cut(&s->parser, why.p ? why.p : "", &r);
        lw_buf_free(&why);
    } else {
        lw_lt_start_error(hr->status, hr->body, hr->body_len, hr->error, &s->text, &r);
    }
    s->xfer = NULL;
    s->cbs.on_end(s->cbs.ud, &r);
    free_session(s);
}

lw_lt_session *lw_lt_session_start(lw_logs_transport_ctx *t, const lw_lt_request *req, const lw_lt_session_opts *o,
                                   const lw_lt_session_cbs *cbs, char *err, size_t errlen)
{
    lw_lt_session_opts none = {0};
    if (!o)
        o = &none;
    const lw_aws_creds *creds = lw_logs_transport_creds(t);
    if (!creds) {
        snprintf(err, errlen, "StartLiveTail: no AWS credentials yet");
        return NULL;
    }
    lw_buf body = LW_BUF_INIT;
    if (lw_lt_request_body(req, &body, err, errlen) < 0)
        return NULL;
    const char *region = lw_logs_transport_region(t);
    char url[600], host[320];
    lw_lt_endpoint(o->endpoint_url, region, url, sizeof url - 1);
    lw_logs_url_host(url, host, sizeof host);
    lw_logs_signed sg;
    lw_logs_sign(host, region, creds, LW_LT_TARGET, body.p, body.len, lw_wall_ms() / 1000, &sg);
    strcat(url, "/");

    lw_lt_session *s = lw_xcalloc(1, sizeof *s);
    s->curl = lw_logs_transport_curl(t);
    s->cbs = *cbs;
    lw_es_init(&s->dec, o->max_frame, on_message, s);
    lw_lt_parser_init(&s->parser);
    lw_http_request hr = {.method = "POST", .url = url, .headers = sg.headers, .nheaders = sg.n, .body = body.p,
                          .body_len = body.len, .timeout_s = 0, .on_body = on_body,
                          .idle_timeout_s = o->idle_timeout_s > 0 ? o->idle_timeout_s : 30};
    s->xfer = lw_curl_request(s->curl, &hr, done, s);
    lw_logs_signed_free(&sg);
    lw_buf_free(&body);
    if (!s->xfer) {
        /* the client is closing: done() has run, and freed s */
        snprintf(err, errlen, "StartLiveTail: the HTTP client is closing");
        return NULL;
    }
    return s;
}

void lw_lt_session_stop(lw_lt_session *s)
{
    if (!s)
        return;
    lw_curl_cancel(s->curl, s->xfer);
    free_session(s);
}

const lw_lt_stats *lw_lt_session_stats(const lw_lt_session *s) { return &s->parser.st; }
