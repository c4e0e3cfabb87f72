/* logs: see logs.h. Ownership: each call owns its timer; it is freed in the
 * timer's close callback, after its done callback has run.
 *
 * At level debug every exchange is logged (operation, log group or prefix,
 * HTTP status, duration, attempt) and every retry decision with its wait:
 * only what this file builds, never a header, so no credential or
 * signature can reach the log (the transport signs; daemon/log.c redacts
 * whatever else a message quotes). */
#include "aws/logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/backoff.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "common/list.h"
#include "daemon/log.h"

static const char *const op_names[LW_LOGS_OPS] = {"FilterLogEvents", "GetLogEvents", "DescribeLogGroups"};

const char *lw_logs_op_name(lw_logs_op op) { return op < LW_LOGS_OPS ? op_names[op] : "?"; }

typedef struct call call;

struct lw_logs {
    uv_loop_t *loop;
    lw_logs_transport t;
    lw_logs_opts o;
    lw_logs_stats st;
    uint64_t next_slot_ms[LW_LOGS_OPS]; /* leaky bucket: when the next call may go */
    uint64_t rng;
    int live;                           /* calls not yet freed */
    bool closing;
    call *calls;
};

struct call {
    lw_logs *c;
    lw_logs_op op;
    lw_buf body;         /* the request without nextToken and closing brace */
    char *token;
    int attempts;
    bool refreshed;
    bool in_flight;
    bool finished;
    lw_logs_page_cb on_page;
    lw_logs_done_cb on_done;
    void *ud;
    uv_timer_t timer;
    uint64_t sent_ns;    /* uv_hrtime() when the request went: its duration, for the debug log */
    char subject[300];   /* what the call is about, for the debug log: "/aws/lambda/x", "prefix /aws/" */
    lw_buf last_error;
    call *next, **prev;
};

lw_logs *lw_logs_new(uv_loop_t *loop, const lw_logs_transport *t, const lw_logs_opts *o)
{
    lw_logs *c = lw_xcalloc(1, sizeof *c);
    c->loop = loop;
    c->t = *t;
    if (o)
        c->o = *o;
    for (int i = 0; i < LW_LOGS_OPS; i++)
        if (c->o.tps[i] <= 0)
            c->o.tps[i] = 5;
    if (c->o.max_attempts <= 0)
        c->o.max_attempts = 8;
    if (c->o.backoff_base_s <= 0)
        c->o.backoff_base_s = 0.2;
    if (c->o.backoff_cap_s <= 0)
        c->o.backoff_cap_s = 20;
    c->rng = c->o.seed ? c->o.seed : lw_backoff_seed();
    return c;
}

const lw_logs_stats *lw_logs_stats_get(const lw_logs *c) { return &c->st; }

static void maybe_free_client(lw_logs *c)
{
    if (c->closing && c->live == 0)
        free(c);
}

static void call_freed(uv_handle_t *h)
{
    call *k = h->data;
    lw_logs *c = k->c;
    lw_buf_free(&k->body);
    lw_buf_free(&k->last_error);
    free(k->token);
    free(k);
    c->live--;
    maybe_free_client(c);
}

static void finish(call *k, const char *error)
{
    if (k->finished)
        return;
    k->finished = true;
    LW_LIST_UNLINK(k);
    if (error)
        k->c->st.failures++;
    /* Close before the callback: on_done may be the last thing a stopping
     * daemon waits for, and it then closes every handle of the loop; the
     * timer must already be closing by then (k is freed only later, in
     * call_freed, so it stays valid through on_done). */
    uv_close((uv_handle_t *)&k->timer, call_freed);
    k->on_done(k->ud, error);
}

static void on_reply(void *ctx, const lw_logs_response *r);

static void do_send(uv_timer_t *t)
{
    call *k = t->data;
    lw_logs *c = k->c;
    if (c->closing) {
        finish(k, "cancelled");
        return;
    }
    lw_buf req = LW_BUF_INIT;
    lw_buf_append(&req, k->body.p, k->body.len);
    if (k->token) {
        lw_buf_puts(&req, k->op == LW_LOGS_GET ? ",\"nextToken\":" : ",\"nextToken\":");
        lw_jw_cstr(&req, k->token);
    }
    lw_buf_putc(&req, '}');
    char target[64];
    snprintf(target, sizeof target, "Logs_20140328.%s", op_names[k->op]);
    c->st.calls[k->op]++;
    k->in_flight = true;
    k->sent_ns = uv_hrtime();
    c->t.send(c->t.ud, target, req.p, req.len, on_reply, k);
    lw_buf_free(&req);
}

/* Queues the next request of k, after `delay_ms` and no sooner than the
 * operation's rate allows. */
static void schedule(call *k, uint64_t delay_ms)
{
    lw_logs *c = k->c;
    uint64_t now = uv_now(c->loop);
    uint64_t want = now + delay_ms;
    uint64_t interval = (uint64_t)(1000.0 / c->o.tps[k->op]);
    uint64_t slot = c->next_slot_ms[k->op] > want ? c->next_slot_ms[k->op] : want;
    c->next_slot_ms[k->op] = slot + interval;
    uv_timer_start(&k->timer, do_send, slot - now, 0);
}

static void retry(call *k, const char *why, double retry_after_s)
{
    lw_logs *c = k->c;
    lw_buf_reset(&k->last_error);
    lw_buf_puts(&k->last_error, why);
    if (++k->attempts >= c->o.max_attempts) {
        lw_buf msg = LW_BUF_INIT;
        lw_buf_printf(&msg, "%s: gave up after %d attempts: %s", op_names[k->op], k->attempts, why);
        LW_DEBUG("AWS %s %s: %s", op_names[k->op], k->subject, msg.p);
        finish(k, msg.p);
        lw_buf_free(&msg);
        return;
    }
    c->st.retries++;
    double wait = lw_backoff_delay(k->attempts, c->o.backoff_base_s, c->o.backoff_cap_s, &c->rng);
    bool told = retry_after_s > wait;
    if (told)
        wait = retry_after_s;
    LW_DEBUG("AWS %s %s: retry %d of %d in %.2f s (%s): %s", op_names[k->op], k->subject, k->attempts,
             c->o.max_attempts - 1, wait, told ? "Retry-After" : "backoff with jitter", why);
    schedule(k, (uint64_t)(wait * 1000));
}

static void refreshed(void *ctx, bool ok)
{
    call *k = ctx;
    if (!ok) {
        LW_DEBUG("AWS %s %s: credentials could not be refreshed", op_names[k->op], k->subject);
        finish(k, "ExpiredTokenException: credentials expired and could not be refreshed");
        return;
    }
    schedule(k, 0);
}

bool lw_logs_error_parse(const char *body, size_t n, lw_buf *type, lw_buf *msg)
{
    lw_json j;
    lw_json_init(&j);
    bool typed = false;
    if (n && lw_json_parse(&j, body, n) == LW_JSON_OK && j.tok[0].type == JSMN_OBJECT) {
        int t = lw_json_get(&j, 0, "__type");
        if (lw_json_is_str(&j, t)) {
            const char *tp = lw_json_raw(&j, t);
            size_t tl = lw_json_rawlen(&j, t);
            const char *hash = memchr(tp, '#', tl);
            if (hash) {
                tl -= (size_t)(hash + 1 - tp);
                tp = hash + 1;
            }
            lw_buf_printf(type, "%.*s", (int)tl, tp);
            typed = true;
        }
        int m = lw_json_get(&j, 0, "message");
        if (m < 0)
            m = lw_json_get(&j, 0, "Message");
        if (lw_json_is_str(&j, m)) {
            lw_json_unescape(lw_json_raw(&j, m), lw_json_rawlen(&j, m), msg);
            if (!msg->p)
                lw_buf_puts(msg, "");
        }
    }
    lw_json_free(&j);
    return typed;
}

/* "Name: message" (or the HTTP status when the body names no type). */
static void error_text(int status, const char *body, size_t n, lw_buf *out)
{
    lw_buf type = LW_BUF_INIT, msg = LW_BUF_INIT;
    if (lw_logs_error_parse(body, n, &type, &msg))
        lw_buf_append(out, type.p, type.len);
    else
        lw_buf_printf(out, "HTTP %d", status);
    if (msg.p) {
        lw_buf_puts(out, ": ");
        lw_buf_append(out, msg.p, msg.len);
    }
    lw_buf_free(&type);
    lw_buf_free(&msg);
}

void lw_logs_group_names(const lw_json *j, void (*cb)(void *ud, const char *name), void *ud)
{
    int arr = lw_json_get(j, 0, "logGroups");
    if (arr < 0 || j->tok[arr].type != JSMN_ARRAY)
        return;
    lw_buf name = LW_BUF_INIT;
    int e = arr + 1;
    for (int i = 0; i < j->tok[arr].size && e < j->n; i++, e = lw_json_next(j, e)) {
        lw_buf_reset(&name);
        if (lw_json_str(j, lw_json_get(j, e, "logGroupName"), &name) == 0 && name.len)
            cb(ud, name.p);
    }
    lw_buf_free(&name);
}

static bool is_type(const lw_buf *e, const char *name)
{
    size_t n = strlen(name);
    return e->len >= n && !strncmp(e->p, name, n) && (e->len == n || e->p[n] == ':');
}

static void on_reply(void *ctx, const lw_logs_response *r)
{
    call *k = ctx;
    lw_logs *c = k->c;
    k->in_flight = false;
    double ms = (double)(uv_hrtime() - k->sent_ns) / 1e6;
    if (r->status)
        LW_DEBUG("AWS %s %s: HTTP %d in %.0f ms, %zu bytes (attempt %d, %s)", op_names[k->op], k->subject, r->status,
                 ms, r->body_len, k->attempts + 1, k->token ? "next page" : "first page");
    else
        LW_DEBUG("AWS %s %s: no answer after %.0f ms (attempt %d): %s", op_names[k->op], k->subject, ms,
                 k->attempts + 1, r->error ? r->error : "connection failed");
    if (c->closing) {
        finish(k, "cancelled");
        return;
    }
    if (r->status == 0) {
        c->st.transport_errors++;
        retry(k, r->error ? r->error : "connection failed", 0);
        return;
    }
    if (r->status != 200) {
        lw_buf e = LW_BUF_INIT;
        error_text(r->status, r->body, r->body_len, &e);
        if (is_type(&e, "ThrottlingException") || r->status == 429) {
            c->st.throttled++;
            retry(k, e.p, r->retry_after_s);
        } else if (r->status >= 500) {
            c->st.server_errors++;
            retry(k, e.p, r->retry_after_s);
        } else if (is_type(&e, "ExpiredTokenException") && !k->refreshed && c->t.refresh_credentials) {
            c->st.expired_tokens++;
            k->refreshed = true;
            LW_DEBUG("AWS %s %s: ExpiredTokenException: refreshing the credentials, then once more", op_names[k->op],
                     k->subject);
            c->t.refresh_credentials(c->t.ud, refreshed, k);
        } else {
            finish(k, e.p);
        }
        lw_buf_free(&e);
        return;
    }
    c->st.pages++;
    c->st.bytes += r->body_len;
    lw_json j;
    lw_json_init(&j);
    int pr = lw_json_parse(&j, r->body, r->body_len);
    if (pr != LW_JSON_OK || j.tok[0].type != JSMN_OBJECT) {
        lw_json_free(&j);
        c->st.server_errors++;
        /* A page cut mid-way (a proxy, a dropped connection that still
         * ended the body) says so, never passes for another kind of body;
         * either is worth another try. */
        lw_buf why = LW_BUF_INIT;
        if (pr == LW_JSON_PART) {
            c->st.truncated_pages++;
            lw_buf_printf(&why, "truncated response page: its JSON ends unfinished after %zu bytes", r->body_len);
        } else {
            lw_buf_puts(&why, "malformed response body");
        }
        retry(k, why.p, 0);
        lw_buf_free(&why);
        return;
    }
    int t = lw_json_get(&j, 0, k->op == LW_LOGS_GET ? "nextForwardToken" : "nextToken");
    char *next = NULL;
    if (lw_json_is_str(&j, t)) {
        lw_buf tb = LW_BUF_INIT;
        lw_json_str(&j, t, &tb);
        next = tb.p ? tb.p : strdup("");
    }
    k->attempts = 0;
    bool more = k->on_page(k->ud, &j);
    lw_json_free(&j);
    /* GetLogEvents: the end of the stream is the token coming back unchanged. */
    bool end = !next || (k->op == LW_LOGS_GET && k->token && !strcmp(next, k->token));
    if (!more || end || c->closing) {
        free(next);
        finish(k, c->closing ? "cancelled" : NULL);
        return;
    }
    free(k->token);
    k->token = next;
    schedule(k, 0);
}

static call *start(lw_logs *c, lw_logs_op op, lw_logs_page_cb on_page, lw_logs_done_cb on_done, void *ud)
{
    call *k = lw_xcalloc(1, sizeof *k);
    k->c = c;
    k->op = op;
    k->on_page = on_page;
    k->on_done = on_done;
    k->ud = ud;
    uv_timer_init(c->loop, &k->timer);
    k->timer.data = k;
    c->live++;
    LW_LIST_PUSH(c->calls, k);
    lw_buf_putc(&k->body, '{');
    return k;
}

static void field_str(lw_buf *b, const char *key, const char *v)
{
    if (b->len > 1)
        lw_buf_putc(b, ',');
    lw_jw_cstr(b, key);
    lw_buf_putc(b, ':');
    lw_jw_cstr(b, v);
}

static void field_int(lw_buf *b, const char *key, int64_t v)
{
    if (b->len > 1)
        lw_buf_putc(b, ',');
    lw_buf_printf(b, "\"%s\":%" PRId64, key, v);
}

void lw_logs_filter(lw_logs *c, const lw_logs_filter_params *p, lw_logs_page_cb on_page, lw_logs_done_cb on_done,
                    void *ud)
{
    call *k = start(c, LW_LOGS_FILTER, on_page, on_done, ud);
    snprintf(k->subject, sizeof k->subject, "%s", p->log_group);
    field_str(&k->body, "logGroupName", p->log_group);
    if (p->start_ms)
        field_int(&k->body, "startTime", p->start_ms);
    if (p->end_ms)
        field_int(&k->body, "endTime", p->end_ms);
    if (p->filter_pattern && *p->filter_pattern)
        field_str(&k->body, "filterPattern", p->filter_pattern);
    if (p->stream_prefix && *p->stream_prefix)
        field_str(&k->body, "logStreamNamePrefix", p->stream_prefix);
    if (p->limit > 0)
        field_int(&k->body, "limit", p->limit);
    schedule(k, 0);
}

void lw_logs_describe_groups(lw_logs *c, const char *prefix, const char *pattern, lw_logs_page_cb on_page,
                             lw_logs_done_cb on_done, void *ud)
{
    call *k = start(c, LW_LOGS_DESCRIBE_GROUPS, on_page, on_done, ud);
    snprintf(k->subject, sizeof k->subject, "%s %s", prefix && *prefix ? "prefix" : pattern && *pattern ? "pattern" : "all",
             prefix && *prefix ? prefix : pattern && *pattern ? pattern : "groups");
    if (prefix && *prefix)
        field_str(&k->body, "logGroupNamePrefix", prefix);
    else if (pattern && *pattern)
        field_str(&k->body, "logGroupNamePattern", pattern);
    field_int(&k->body, "limit", 50);
    schedule(k, 0);
}

void lw_logs_get_events(lw_logs *c, const char *group, const char *stream, int64_t start_ms, lw_logs_page_cb on_page,
                        lw_logs_done_cb on_done, void *ud)
{
    call *k = start(c, LW_LOGS_GET, on_page, on_done, ud);
    snprintf(k->subject, sizeof k->subject, "%s %s", group, stream);
    field_str(&k->body, "logGroupName", group);
    field_str(&k->body, "logStreamName", stream);
    if (start_ms)
        field_int(&k->body, "startTime", start_ms);
    lw_buf_puts(&k->body, ",\"startFromHead\":true");
    schedule(k, 0);
}

void lw_logs_close(lw_logs *c)
{
    c->closing = true;
    /* Calls waiting on a timer end now; in-flight ones end at their reply. */
    for (call *k = c->calls, *next; k; k = next) {
        next = k->next;
        if (!k->in_flight) {
            uv_timer_stop(&k->timer);
            finish(k, "cancelled");
        }
    }
    maybe_free_client(c);
}
