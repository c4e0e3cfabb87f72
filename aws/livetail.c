/* livetail: see livetail.h. Each payload is tokenized once, here; the
 * update's tokens go on to the decoder, which reads the events from them. */
#include "aws/livetail.h"

#include <stdio.h>
#include <string.h>

#include "aws/credentials.h"
#include "aws/logs.h"
#include "common/jsonw.h"

/* --- the request ------------------------------------------------------------ */

static void str_list(lw_buf *b, const char *key, const char *const *v, int n)
{
    lw_buf_printf(b, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i)
            lw_buf_putc(b, ',');
        lw_jw_cstr(b, v[i]);
    }
    lw_buf_putc(b, ']');
}

static int check_list(const char *what, const char *const *v, int n, int max, char *err, size_t errlen)
{
    if (n > max) {
        snprintf(err, errlen, "StartLiveTail takes at most %d %s, not %d", max, what, n);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (!v[i] || !*v[i]) {
            snprintf(err, errlen, "StartLiveTail: %s %d is empty", what, i + 1);
            return -1;
        }
    return 0;
}

int lw_lt_request_body(const lw_lt_request *r, lw_buf *out, char *err, size_t errlen)
{
    if (r->ngroups < 1) {
        snprintf(err, errlen, "StartLiveTail needs at least one log group");
        return -1;
    }
    if (check_list("log groups", r->groups, r->ngroups, LW_LT_MAX_GROUPS, err, errlen) < 0 ||
        check_list("log stream names", r->streams, r->nstreams, LW_LT_MAX_STREAMS, err, errlen) < 0 ||
        check_list("log stream name prefixes", r->stream_prefixes, r->nprefixes, LW_LT_MAX_STREAMS, err, errlen) < 0)
        return -1;
    for (int i = 0; i < r->ngroups; i++) {
        size_t l = strlen(r->groups[i]);
        /* The model: "If you specify an ARN, the ARN can't end with an
         * asterisk" (DescribeLogGroups' "arn" does; "logGroupArn" does not). */
        if (r->groups[i][l - 1] == '*') {
            snprintf(err, errlen, "StartLiveTail: log group ARN %d ends with '*' (use logGroupArn, not arn)", i + 1);
            return -1;
        }
    }
    if ((r->nstreams || r->nprefixes) && r->ngroups != 1) {
        snprintf(err, errlen, "StartLiveTail: log stream filters need exactly one log group");
        return -1;
    }
    if (r->nstreams && r->nprefixes) {
        snprintf(err, errlen, "StartLiveTail: logStreamNames and logStreamNamePrefixes exclude each other");
        return -1;
    }
    lw_buf_puts(out, "{\"logGroupIdentifiers\":[");
    for (int i = 0; i < r->ngroups; i++) {
        if (i)
            lw_buf_putc(out, ',');
        lw_jw_cstr(out, r->groups[i]);
    }
    lw_buf_putc(out, ']');
    if (r->nstreams)
        str_list(out, "logStreamNames", r->streams, r->nstreams);
    if (r->nprefixes)
        str_list(out, "logStreamNamePrefixes", r->stream_prefixes, r->nprefixes);
    if (r->filter_pattern && *r->filter_pattern) {
        lw_buf_puts(out, ",\"logEventFilterPattern\":");
        lw_jw_cstr(out, r->filter_pattern);
    }
    lw_buf_putc(out, '}');
    return 0;
}

void lw_lt_endpoint(const char *explicit_url, const char *region, char *out, size_t n)
{
    lw_logs_endpoint_prefixed(explicit_url, region, LW_LT_HOST_PREFIX, out, n);
}

/* --- the answer ---------------------------------------------------------------- */

const char *lw_lt_next_name(lw_lt_next n)
{
    switch (n) {
    case LW_LT_RESTART: return "restart";
    case LW_LT_BACKOFF: return "backoff";
    case LW_LT_GIVE_UP: return "give up";
    }
    return "?";
}

void lw_lt_parser_init(lw_lt_parser *p)
{
    memset(p, 0, sizeof *p);
    lw_json_init(&p->j);
}

void lw_lt_parser_free(lw_lt_parser *p)
{
    lw_json_free(&p->j);
    lw_buf_free(&p->text);
}

/* Strings of a result are gathered in one buffer as offsets (it may move
 * while growing) and turned into pointers once it is complete. */
static size_t keep(lw_buf *text, const char *s, size_t n)
{
    size_t at = text->len;
    lw_buf_append(text, s, n);
    lw_buf_putc(text, '\0');
    return at;
}

static size_t keep_json(lw_buf *text, const lw_json *j, int t)
{
    size_t at = text->len;
    if (lw_json_is_str(j, t))
        lw_json_str(j, t, text);
    lw_buf_putc(text, '\0');
    return at;
}

/* Service errors by their __type / :exception-type / :error-code. */
static lw_lt_next next_for(const char *type, int status)
{
    static const char *const give_up[] = {"AccessDeniedException", "InvalidParameterException",
                                          "ResourceNotFoundException", "InvalidOperationException",
                                          "UnrecognizedClientException", "MissingAuthenticationTokenException",
                                          "ValidationException"};
    if (!strcmp(type, "SessionTimeoutException"))
        return LW_LT_RESTART;
    for (size_t i = 0; i < sizeof give_up / sizeof *give_up; i++)
        if (!strcmp(type, give_up[i]))
            return LW_LT_GIVE_UP;
    /* Throttling, LimitExceeded (too many concurrent sessions: one may end
     * soon), SessionStreamingException, 5xx, expired tokens (the transport
     * refreshes them), and whatever a newer service says. */
    (void)status;
    return LW_LT_BACKOFF;
}

static void end_result(lw_lt_parser *p, lw_lt_result *out, size_t type_at, size_t msg_at, bool protocol)
{
    p->ended = true;
    out->kind = LW_LT_END;
    out->end.type = p->text.p + type_at;
    out->end.message = p->text.p + msg_at;
    out->end.protocol = protocol;
    out->end.next = protocol ? LW_LT_BACKOFF : next_for(out->end.type, 200);
}

static void protocol_error(lw_lt_parser *p, lw_lt_result *out, const char *fmt, const char *arg, size_t argn)
{
    lw_buf_reset(&p->text);
    size_t t = keep(&p->text, "", 0);
    size_t m = p->text.len;
    lw_buf_printf(&p->text, fmt, (int)argn, arg);
    lw_buf_putc(&p->text, '\0');
    end_result(p, out, t, m, true);
}

static void parse_start(lw_lt_parser *p, lw_lt_result *out)
{
    const lw_json *j = &p->j;
    size_t sid = keep_json(&p->text, j, lw_json_get(j, 0, "sessionId"));
    size_t rid = keep_json(&p->text, j, lw_json_get(j, 0, "requestId"));
    size_t g[LW_LT_MAX_GROUPS];
    int arr = lw_json_get(j, 0, "logGroupIdentifiers"), ng = 0;
    if (arr >= 0 && j->tok[arr].type == JSMN_ARRAY) {
        int e = arr + 1;
        for (int i = 0; i < j->tok[arr].size && e < j->n; i++, e = lw_json_next(j, e))
            if (ng < LW_LT_MAX_GROUPS && lw_json_is_str(j, e))
                g[ng++] = keep_json(&p->text, j, e);
    }
    out->session_id = p->text.p + sid;
    out->request_id = p->text.p + rid;
    for (int i = 0; i < ng; i++)
        out->groups[i] = p->text.p + g[i];
    out->ngroups = ng;
}

void lw_lt_parse(lw_lt_parser *p, const lw_es_message *m, lw_lt_result *out)
{
    memset(out, 0, sizeof *out);
    p->st.messages++;
    if (p->ended) {
        protocol_error(p, out, "a message after the end of the session%.*s", "", 0);
        return;
    }
    lw_buf_reset(&p->text);
    const lw_es_span mt = m->message_type;
    if (lw_es_span_eq(mt, "exception") || lw_es_span_eq(mt, "error")) {
        bool exc = lw_es_span_eq(mt, "exception");
        lw_es_span type = exc ? m->exception_type : m->error_code;
        size_t t = keep(&p->text, type.p ? type.p : "", type.n);
        size_t msg;
        if (exc) {
            /* The modeled exception's body: {"message": "..."} */
            msg = p->text.len;
            if (m->payload_len && lw_json_parse(&p->j, (const char *)m->payload, m->payload_len) == LW_JSON_OK &&
                p->j.tok[0].type == JSMN_OBJECT) {
                int k = lw_json_get(&p->j, 0, "message");
                if (k < 0)
                    k = lw_json_get(&p->j, 0, "Message");
                if (lw_json_is_str(&p->j, k))
                    lw_json_str(&p->j, k, &p->text);
            }
            lw_buf_putc(&p->text, '\0');
        } else {
            const lw_es_span em = m->error_message;
            msg = keep(&p->text, em.p ? em.p : "", em.n);
        }
        end_result(p, out, t, msg, false);
        return;
    }
    if (!lw_es_span_eq(mt, "event")) {
        protocol_error(p, out, "unknown :message-type \"%.*s\"", mt.p ? mt.p : "", mt.p ? mt.n : 0);
        return;
    }
    const lw_es_span et = m->event_type;
    if (!p->initial) {
        if (!lw_es_span_eq(et, "initial-response")) {
            protocol_error(p, out, "the first event is \"%.*s\", not initial-response", et.p ? et.p : "",
                           et.p ? et.n : 0);
            return;
        }
        p->initial = true;
        out->kind = LW_LT_INITIAL;
        return;
    }
    bool start = lw_es_span_eq(et, "sessionStart"), update = lw_es_span_eq(et, "sessionUpdate");
    if (!start && !update) {
        p->st.ignored++;
        out->kind = LW_LT_IGNORED;
        return;
    }
    if (lw_json_parse(&p->j, (const char *)m->payload, m->payload_len) != LW_JSON_OK ||
        p->j.tok[0].type != JSMN_OBJECT) {
        protocol_error(p, out, "the %.*s payload is not a JSON object", et.p, et.n);
        return;
    }
    if (start) {
        p->started = true;
        out->kind = LW_LT_START;
        parse_start(p, out);
        return;
    }
    const lw_json *j = &p->j;
    int res = lw_json_get(j, 0, "sessionResults");
    if (res >= 0 && j->tok[res].type != JSMN_ARRAY) {
        protocol_error(p, out, "sessionUpdate's sessionResults is not an array%.*s", "", 0);
        return;
    }
    out->kind = LW_LT_UPDATE;
    out->sampled = lw_json_bool(j, lw_json_path(j, 0, "sessionMetadata", "sampled", NULL)) == 1;
    out->nresults = res >= 0 ? j->tok[res].size : 0;
    /* No sessionResults (the member is optional): nothing for the decoder,
     * which would take a document it does not know for a text message. */
    out->update = res >= 0 ? j : NULL;
    p->st.updates++;
    p->st.sampled_updates += out->sampled;
    p->st.results += (uint64_t)out->nresults;
}

void lw_lt_start_error(int status, const char *body, size_t n, const char *transport_error, lw_buf *text,
                       lw_lt_result *out)
{
    memset(out, 0, sizeof *out);
    lw_buf_reset(text);
    lw_buf type = LW_BUF_INIT, msg = LW_BUF_INIT;
    if (status == 0) {
        lw_buf_puts(&type, "");
        lw_buf_puts(&msg, transport_error ? transport_error : "connection failed");
    } else if (!lw_logs_error_parse(body, n, &type, &msg)) {
        lw_buf_printf(&msg, "HTTP %d", status);
    }
    size_t t = keep(text, type.p ? type.p : "", type.len);
    size_t m = keep(text, msg.p ? msg.p : "", msg.len);
    out->kind = LW_LT_END;
    out->end.type = text->p + t;
    out->end.message = text->p + m;
    out->end.next = status == 0 || status >= 500 || status == 429 ? LW_LT_BACKOFF : next_for(out->end.type, status);
    /* A 4xx nobody named (a proxy's page) is not the service refusing. */
    if (status >= 400 && status < 500 && !type.len)
        out->end.next = LW_LT_BACKOFF;
    lw_buf_free(&type);
    lw_buf_free(&msg);
}

void lw_lt_stream_cut(lw_lt_parser *p, const char *why, lw_lt_result *out)
{
    memset(out, 0, sizeof *out);
    lw_buf_reset(&p->text);
    size_t t = keep(&p->text, "", 0);
    size_t m = p->text.len;
    lw_buf_printf(&p->text, "the stream ended without an exception%s%s", why && *why ? ": " : "", why ? why : "");
    lw_buf_putc(&p->text, '\0');
    end_result(p, out, t, m, true);
}
