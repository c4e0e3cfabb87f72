/* ingest: see ingest.h. */
#include "daemon/sources/ingest.h"

#include <inttypes.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/digest.h"
#include "common/gzip.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/net/httpd.h"
#include "parsers/decode.h"

/* Pushed groups exported on /metrics: bounded, as group names come from
 * the payloads (the rest are still counted in the state). */
#define MAX_GROUP_SERIES 1000

typedef struct group_count {
    char *name;
    int64_t events, duplicates;
} group_count;

typedef struct ingest {
    lw_daemon *d;
    lw_httpd *http;
    uv_timer_t prune;
    bool prune_started;
    unsigned char key_digest[LW_DIGEST_LEN];
    size_t max_decompressed, max_records, max_record, max_record_decompressed;
    int64_t request_retention_ms, event_retention_ms;
    /* counters (the daemon's /metrics reads them, see counters[]) */
    uint64_t requests, duplicates, records, bad_records, events, control, auth_failures, bombs, failures;
    uint64_t unreadable_requests, duplicate_events, pruned;
    lw_httpd_stats http_st; /* the server's, copied at each scrape while it runs */
    double *http_open;
    lw_metric_family *group_events;
    int group_series;
    /* per-request scratch */
    lw_buf body;   /* the request body after gunzip */
    lw_buf plains; /* every record's payload, read and checked, back to back */
    size_t *offs;  /* record i is plains[offs[i], offs[i+1]) */
    size_t offs_cap;
    lw_buf plain, out, key;
    lw_json json, rec;
    group_count *groups;
    int ngroups, groups_cap;
    uint64_t req_events;
    bool state_error;
} ingest;

/* Every counter on /metrics, with what it means (names are what users'
 * dashboards query: never rename one). */
static const struct {
    const char *name, *help;
    size_t off;
} counters[] = {
    {"lambdaward_ingest_requests_total", "Firehose requests received.", offsetof(ingest, requests)},
    {"lambdaward_ingest_duplicate_requests_total",
     "Requests whose request id was already analysed: acknowledged, not analysed again.",
     offsetof(ingest, duplicates)},
    {"lambdaward_ingest_records_total", "Records in requests analysed.", offsetof(ingest, records)},
    {"lambdaward_ingest_bad_records_total",
     "Unreadable records (not base64, not valid gzip, too large, not a subscription payload); "
     "their request is refused retryably.",
     offsetof(ingest, bad_records)},
    {"lambdaward_ingest_unreadable_requests_total",
     "Requests refused (500, retryable) for holding an unreadable record: Firehose retries, then backs them up to S3.",
     offsetof(ingest, unreadable_requests)},
    {"lambdaward_ingest_events_total", "Log events analysed, counted once their request is recorded.",
     offsetof(ingest, events)},
    {"lambdaward_ingest_duplicate_events_total",
     "Log events dropped as already analysed (same log event id under another request id).",
     offsetof(ingest, duplicate_events)},
    {"lambdaward_ingest_control_messages_total", "CloudWatch Logs subscription control messages received.",
     offsetof(ingest, control)},
    {"lambdaward_ingest_auth_failures_total", "Requests refused for a wrong or missing access key.",
     offsetof(ingest, auth_failures)},
    {"lambdaward_ingest_decompression_refusals_total",
     "Bodies or records refused for decompressing past max_decompressed or max_record_decompressed.",
     offsetof(ingest, bombs)},
    {"lambdaward_ingest_failed_requests_total",
     "Requests answered with an error: malformed body, too many records, no request id, unreadable record, "
     "or not recorded durably.",
     offsetof(ingest, failures)},
    {"lambdaward_ingest_pruned_ids_total", "Request and event ids forgotten after their retention.",
     offsetof(ingest, pruned)},
    {"lambdaward_ingest_http_refused_connections_total",
     "Connections refused on the Firehose port (over max_connections or max_connections_per_client, or while "
     "stopping).",
     offsetof(ingest, http_st.refused_connections)},
    {"lambdaward_ingest_http_refused_per_client_total",
     "Connections refused for being over max_connections_per_client.", offsetof(ingest, http_st.refused_per_client)},
    {"lambdaward_ingest_http_evicted_idle_total",
     "Idle connections closed to make room for a new one when max_connections were open.",
     offsetof(ingest, http_st.evicted_idle)},
    {"lambdaward_ingest_http_refused_too_large_total", "Requests refused for a body over max_body.",
     offsetof(ingest, http_st.refused_too_large)},
    {"lambdaward_ingest_http_timeouts_total", "Requests not received whole within the timeout.",
     offsetof(ingest, http_st.timeouts)},
    {"lambdaward_ingest_http_bad_requests_total", "Connections that sent something other than HTTP.",
     offsetof(ingest, http_st.bad_requests)},
};

/* Standard base64 (with padding) appended to out; -1 when not base64. */
static int b64decode(const char *s, size_t n, lw_buf *out)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n % 4)
        return -1;
    lw_buf_reserve(out, n / 4 * 3 + 1);
    int got = EVP_DecodeBlock((unsigned char *)out->p + out->len, (const unsigned char *)s, (int)n);
    if (got < 0)
        return -1;
    size_t pad = (n && s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    out->len += (size_t)got - pad;
    return 0;
}

/* The JSON answer Firehose's spec asks for, on every status. */
static void answer_json(lw_buf *out, const char *request_id, const char *error)
{
    lw_buf_reset(out);
    lw_buf_puts(out, "{\"requestId\":");
    lw_jw_cstr(out, request_id ? request_id : "");
    lw_buf_printf(out, ",\"timestamp\":%" PRId64, lw_wall_ms());
    if (error) {
        lw_buf_puts(out, ",\"errorMessage\":");
        lw_jw_cstr(out, error);
    }
    lw_buf_putc(out, '}');
}

static void reply_extra(ingest *g, lw_httpd_conn *c, int status, const char *request_id, const char *error,
                        const char *extra)
{
    answer_json(&g->out, request_id, error);
    lw_httpd_respond(c, status, "application/json", g->out.p, g->out.len, extra);
}

static void reply(ingest *g, lw_httpd_conn *c, int status, const char *request_id, const char *error)
{
    reply_extra(g, c, status, request_id, error, NULL);
}

/* The HTTP layer's own refusals (400, 408, 413, 503), in the same shape. */
static void error_body(void *ud, const lw_httpd_request *r, int status, const char *msg, lw_buf *out,
                       const char **ctype)
{
    (void)ud;
    (void)status;
    answer_json(out, lw_httpd_header(r, "x-amz-firehose-request-id"), msg);
    *ctype = "application/json";
}

/* From the headers alone: what is no delivery, or has no key, is answered
 * before its body is read, and the connection closed. */
static void on_headers(void *ud, lw_httpd_conn *c, const lw_httpd_request *r)
{
    ingest *g = ud;
    const char *rid = lw_httpd_header(r, "x-amz-firehose-request-id");
    /* This port is the public side (a TLS terminator fronts it): it serves
     * nothing but deliveries, and /metrics only on the metrics listener.
     * Firehose POSTs to whatever path its endpoint URL has, so the path is
     * not checked. */
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) {
        reply(g, c, 404, rid, "not found: this port takes Firehose deliveries (POST) only");
        return;
    }
    if (strcmp(r->method, "POST")) {
        reply_extra(g, c, 405, rid, "method not allowed: Firehose deliveries are POSTs", "Allow: POST\r\n");
        return;
    }
    g->requests++;
    if (!lw_secret_matches(lw_httpd_header(r, "x-amz-firehose-access-key"), g->key_digest)) {
        g->auth_failures++;
        LW_WARN("ingest: request %s from %s: wrong or missing access key", rid ? rid : "-", r->remote);
        reply(g, c, 401, rid, "invalid access key");
    }
}

static group_count *group_of(ingest *g, const lw_str *name)
{
    for (int i = 0; i < g->ngroups; i++)
        if (strlen(g->groups[i].name) == name->n && !memcmp(g->groups[i].name, name->p, name->n))
            return &g->groups[i];
    if (g->ngroups == g->groups_cap) {
        g->groups_cap = g->groups_cap ? g->groups_cap * 2 : 8;
        g->groups = lw_xrealloc(g->groups, (size_t)g->groups_cap * sizeof *g->groups);
    }
    group_count *gc = &g->groups[g->ngroups++];
    gc->name = lw_xstrndup(name->p, name->n);
    gc->events = gc->duplicates = 0;
    return gc;
}

/* 1 when the event is new, 0 when its (group, id) was analysed before. */
static int event_is_new(ingest *g, const lw_event *ev)
{
    if (!ev->event_id.n || g->event_retention_ms <= 0)
        return 1;
    unsigned char full[LW_DIGEST_LEN];
    lw_buf *k = &g->key;
    lw_buf_reset(k);
    lw_buf_append(k, ev->group.p, ev->group.n);
    lw_buf_putc(k, '\0');
    lw_buf_append(k, ev->event_id.p, ev->event_id.n);
    lw_secret_digest(k->p, k->len, full); /* SHA-256: its first 16 bytes are the key */
    int rc = lw_state_firehose_event_add(lw_daemon_state(g->d), full, lw_wall_ms());
    if (rc < 0)
        g->state_error = true;
    return rc;
}

static void on_event(void *ud, const lw_event *ev)
{
    ingest *g = ud;
    if (g->state_error)
        return;
    int fresh = event_is_new(g, ev);
    if (fresh < 0)
        return;
    group_count *gc = group_of(g, &ev->group);
    if (!fresh) {
        gc->duplicates++;
        return;
    }
    gc->events++;
    lw_daemon_event_nodedupe(g->d, ev);
    g->req_events++;
}

static void on_decode_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)ud;
    (void)line;
    /* Every record was checked before any was analysed: what is left here
     * is a repaired detail (an invalid escape replaced), worth a line. */
    LW_WARN("ingest: %s: %s", origin, msg);
}

/* Why payload p is not a CloudWatch Logs subscription payload, or NULL. */
static const char *check_payload(lw_json *j, const char *p, size_t n)
{
    if (lw_json_parse(j, p, n) != LW_JSON_OK || j->n < 1 || j->tok[0].type != JSMN_OBJECT ||
        lw_json_next(j, 0) != j->n)
        return "not one JSON object";
    int mt = lw_json_get(j, 0, "messageType");
    if (!lw_json_is_str(j, mt))
        return "no messageType: not a CloudWatch Logs subscription payload";
    if (lw_json_eq(j, mt, "CONTROL_MESSAGE"))
        return NULL;
    if (!lw_json_eq(j, mt, "DATA_MESSAGE"))
        return "messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE";
    if (!lw_json_is_str(j, lw_json_get(j, 0, "logGroup")) || !lw_json_is_str(j, lw_json_get(j, 0, "logStream")))
        return "no logGroup or logStream string";
    int evs = lw_json_get(j, 0, "logEvents");
    if (evs < 0 || j->tok[evs].type != JSMN_ARRAY)
        return "no logEvents array";
    int e = evs + 1;
    for (int i = 0; i < j->tok[evs].size; i++, e = lw_json_next(j, e)) {
        if (e >= j->n || j->tok[e].type != JSMN_OBJECT)
            return "a logEvents entry is not an object";
        int ts = lw_json_get(j, e, "timestamp");
        if (!lw_json_is_str(j, lw_json_get(j, e, "id")) || ts < 0 || j->tok[ts].type != JSMN_PRIMITIVE ||
            !lw_json_is_str(j, lw_json_get(j, e, "message")))
            return "a logEvents entry without string id, numeric timestamp and string message";
    }
    return NULL;
}

/* Record i (token t of the request) into g->plains, read and checked.
 * NULL, or why it cannot be read. */
static const char *read_record(ingest *g, const lw_json *j, int t, size_t total_cap)
{
    int data = lw_json_get(j, t, "data");
    if (!lw_json_is_str(j, data))
        return "no data string";
    size_t rawlen = lw_json_rawlen(j, data);
    if (rawlen / 4 * 3 > g->max_record + 3)
        return "data over max_record";
    size_t start = g->plains.len;
    if (b64decode(lw_json_raw(j, data), rawlen, &g->plains) < 0)
        return "data is not base64";
    const char *p = g->plains.p + start;
    size_t n = g->plains.len - start;
    if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b) {
        size_t room = total_cap > start ? total_cap - start : 0;
        size_t cap = g->max_record_decompressed < room ? g->max_record_decompressed : room;
        lw_buf_reset(&g->plain);
        int rc = lw_gunzip_all(p, n, cap, &g->plain);
        if (rc == -2) {
            g->bombs++;
            return "decompresses past max_record_decompressed (or all records past max_decompressed)";
        }
        if (rc < 0)
            return "not valid gzip";
        g->plains.len = start;
        lw_buf_append(&g->plains, g->plain.p ? g->plain.p : "", g->plain.len);
        p = g->plains.p + start;
        n = g->plain.len;
    }
    return check_payload(&g->rec, p, n);
}

/* Every record read and checked before any is analysed. NULL, or why the
 * request cannot be read (msg has the record's index). */
static const char *read_records(ingest *g, const lw_json *j, int recs, char *msg, size_t msglen)
{
    int n = j->tok[recs].size, t = recs + 1;
    if (g->offs_cap < (size_t)n + 1) {
        g->offs_cap = (size_t)n + 1;
        g->offs = lw_xrealloc(g->offs, g->offs_cap * sizeof *g->offs);
    }
    lw_buf_reset(&g->plains);
    for (int i = 0; i < n; i++, t = lw_json_next(j, t)) {
        g->offs[i] = g->plains.len;
        const char *why = j->tok[t].type == JSMN_OBJECT ? read_record(g, j, t, g->max_decompressed) : "not an object";
        if (why) {
            g->bad_records++;
            snprintf(msg, msglen, "record %d cannot be read: %s", i, why);
            return msg;
        }
    }
    g->offs[n] = g->plains.len;
    return NULL;
}

/* Analyses the records read_records checked, inside the open batch. */
static void analyse_records(ingest *g, int n, const char *rid)
{
    char origin[200];
    snprintf(origin, sizeof origin, "firehose request %.100s", rid);
    lw_decoder_opts o = {.origin = origin, .on_event = on_event, .on_error = on_decode_error, .ud = g};
    lw_decoder *dec = lw_decoder_new(&o);
    g->req_events = 0;
    g->ngroups = 0;
    for (int i = 0; i < n && !g->state_error; i++) {
        g->records++;
        if (lw_json_parse(&g->rec, g->plains.p + g->offs[i], g->offs[i + 1] - g->offs[i]) == LW_JSON_OK)
            lw_decoder_page(dec, &g->rec);
    }
    g->control += lw_decoder_stats(dec)->control_messages;
    lw_decoder_free(dec);
    for (int i = 0; i < g->ngroups && !g->state_error; i++)
        if (lw_state_firehose_group_add(lw_daemon_state(g->d), g->groups[i].name, g->groups[i].events,
                                        g->groups[i].duplicates, lw_wall_ms()) < 0)
            g->state_error = true;
}

/* What the committed request adds to /metrics. */
static void count_committed(ingest *g)
{
    g->events += g->req_events;
    for (int i = 0; i < g->ngroups; i++) {
        g->duplicate_events += (uint64_t)g->groups[i].duplicates;
        if (!g->group_events || g->group_series >= MAX_GROUP_SERIES)
            continue;
        uint64_t *cell = lw_metric_u64(g->group_events, g->groups[i].name);
        if (*cell == 0)
            g->group_series++;
        *cell += (uint64_t)g->groups[i].events;
    }
}

/* After a large request, its buffers go back to the system. */
static void release_scratch(ingest *g)
{
    for (int i = 0; i < g->ngroups; i++)
        free(g->groups[i].name);
    g->ngroups = 0;
    bool big = g->body.cap > LW_BUF_KEEP || g->plains.cap > LW_BUF_KEEP || g->plain.cap > LW_BUF_KEEP ||
               g->json.cap > 65536 || g->rec.cap > 65536;
    if (!big)
        return;
    lw_buf_release_large(&g->body);
    lw_buf_release_large(&g->plains);
    lw_buf_release_large(&g->plain);
    lw_json_free(&g->json);
    lw_json_init(&g->json);
    lw_json_free(&g->rec);
    lw_json_init(&g->rec);
    if (g->offs_cap > 4096) {
        free(g->offs);
        g->offs = NULL;
        g->offs_cap = 0;
    }
    malloc_trim(0);
}

/* The request's body as JSON text (gunzipped when so encoded); NULL with
 * *status and *why set when it cannot be. */
static const char *body_text(ingest *g, const lw_httpd_request *r, size_t *len, int *status, const char **why)
{
    const char *enc = lw_httpd_header(r, "content-encoding");
    *len = r->body_len;
    if (!enc || !strcasecmp(enc, "identity"))
        return r->body;
    if (strcasecmp(enc, "gzip")) {
        *status = 415;
        *why = "Content-Encoding is neither gzip nor absent";
        return NULL;
    }
    lw_buf_reset(&g->body);
    int rc = lw_gunzip_all(r->body, r->body_len, g->max_decompressed, &g->body);
    if (rc == -2) {
        g->bombs++;
        *status = 413; /* never succeeds: Firehose sends the same bytes again */
        *why = "decompressed body over max_decompressed";
        return NULL;
    }
    if (rc < 0) {
        *status = 400;
        *why = "body is not valid gzip";
        return NULL;
    }
    *len = g->body.len;
    return g->body.p ? g->body.p : "";
}

/* The records array of the request, or -1 with *status and *why set. */
static int parse_request(ingest *g, const lw_httpd_request *r, const char **rid, char *rid_body, size_t rlen,
                         int *status, const char **why)
{
    size_t blen;
    const char *body = body_text(g, r, &blen, status, why);
    if (!body)
        return -1;
    lw_json *j = &g->json;
    *status = 400;
    if (lw_json_parse(j, body, blen) != LW_JSON_OK || j->tok[0].type != JSMN_OBJECT) {
        *why = "body is not a JSON object";
        return -1;
    }
    int recs = lw_json_get(j, 0, "records");
    if (recs < 0 || j->tok[recs].type != JSMN_ARRAY) {
        *why = "no records array";
        return -1;
    }
    if ((size_t)j->tok[recs].size > g->max_records) {
        *status = 413;
        *why = "more records than max_records";
        return -1;
    }
    if (!*rid) {
        int t = lw_json_get(j, 0, "requestId");
        if (lw_json_is_str(j, t))
            snprintf(rid_body, rlen, "%.*s", (int)lw_json_rawlen(j, t), lw_json_raw(j, t));
        *rid = rid_body[0] ? rid_body : NULL;
    }
    if (!*rid) {
        *why = "no request id";
        return -1;
    }
    return recs;
}

/* Analyses a readable request in one batch with its request id: 200, or
 * the status that says why not. */
static int deliver(ingest *g, const char *rid, int n, const char **why)
{
    if (lw_daemon_batch_begin(g->d) < 0) {
        *why = "state store unavailable; retry";
        return 503;
    }
    int fresh = lw_state_request_add(lw_daemon_state(g->d), rid, lw_wall_ms());
    if (fresh == 0) {
        lw_daemon_batch_abort(g->d);
        g->duplicates++;
        LW_INFO("ingest: request %s already analysed: acknowledging the retry", rid);
        return 200;
    }
    g->state_error = fresh < 0;
    if (!g->state_error)
        analyse_records(g, n, rid);
    if (g->state_error) {
        lw_daemon_batch_abort(g->d);
    } else if (lw_daemon_batch_commit(g->d) == 0) {
        count_committed(g);
        return 200;
    }
    g->state_error = false;
    *why = "could not record the events durably; retry";
    return 500;
}

static void handle(void *ud, lw_httpd_conn *c, const lw_httpd_request *r)
{
    ingest *g = ud;
    const char *rid = lw_httpd_header(r, "x-amz-firehose-request-id"), *why = NULL;
    char rid_body[128] = "", msg[256];
    int status = 400;
    int recs = parse_request(g, r, &rid, rid_body, sizeof rid_body, &status, &why);
    if (recs >= 0 && (why = read_records(g, &g->json, recs, msg, sizeof msg))) {
        /* 5xx: Firehose retries, then backs the request up to S3, where it
         * can be read; a 200 would have lost the record for good. */
        status = 500;
        g->unreadable_requests++;
        LW_WARN("ingest: request %s: %s: refused whole, for Firehose to retry and back up", rid, why);
    } else if (recs >= 0) {
        status = deliver(g, rid, g->json.tok[recs].size, &why);
    }
    if (status != 200)
        g->failures++;
    release_scratch(g); /* before the answer: once Firehose has it, the spike is over */
    reply(g, c, status, rid, status == 200 ? NULL : why);
}

/* Forgets request ids past their retention (longer than Firehose retries)
 * and event ids past theirs, so the tables stay bounded. */
static void on_prune(uv_timer_t *t)
{
    ingest *g = t->data;
    if (lw_daemon_batch_begin(g->d) < 0)
        return;
    int64_t now = lw_wall_ms();
    int n = lw_state_firehose_prune(lw_daemon_state(g->d), now - g->request_retention_ms, now - g->event_retention_ms);
    if (n < 0) {
        lw_daemon_batch_abort(g->d);
        lw_daemon_state_error(g->d);
        return;
    }
    if (lw_daemon_batch_commit(g->d) == 0)
        g->pruned += (uint64_t)n;
}

/* The server's counters live in the server, which is freed at stop: copy
 * them while it runs. */
static void collect(void *ud)
{
    ingest *g = ud;
    if (!g->http)
        return;
    g->http_st = *lw_httpd_stats_get(g->http);
    *g->http_open = g->http_st.open_connections;
}

static void seed_group(void *ud, const lw_firehose_group *fg)
{
    ingest *g = ud;
    if (g->group_series >= MAX_GROUP_SERIES)
        return;
    *lw_metric_u64(g->group_events, fg->name) = (uint64_t)fg->events;
    g->group_series++;
}

static void register_metrics(ingest *g, lw_metrics *m)
{
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        lw_metrics_counter_ref(m, counters[i].name, counters[i].help,
                               (const uint64_t *)((const char *)g + counters[i].off));
    g->http_open =
        lw_metrics_gauge(m, "lambdaward_ingest_http_open_connections", "Connections open on the Firehose port.");
    g->group_events = lw_metrics_family(m, "lambdaward_ingest_group_events_total",
                                        "Log events analysed from each pushed log group, all time (from the state).",
                                        LW_METRIC_COUNTER, "log_group");
    lw_state_firehose_groups(lw_daemon_state(g->d), seed_group, g);
    lw_metrics_on_collect(m, collect, g);
}

static int start(void *self, lw_daemon *d)
{
    ingest *g = self;
    const lw_config *cfg = lw_daemon_config(d);
    lw_httpd_opts o = {
        .bind = cfg->ingest_bind,
        .port = (int)cfg->ingest_port,
        .max_body = (size_t)cfg->ingest_max_body,
        .max_connections = (int)cfg->ingest_max_connections,
        .max_per_client = (int)cfg->ingest_max_per_client,
        .timeout_s = cfg->ingest_timeout_s,
        .header_timeout_s = cfg->ingest_header_timeout_s,
        .handler = handle,
        .on_headers = on_headers,
        .error_body = error_body,
        .ud = g,
    };
    char err[256];
    g->http = lw_httpd_start(lw_daemon_loop(d), &o, err, sizeof err);
    if (!g->http) {
        LW_ERROR("ingest: %s", err);
        return -1;
    }
    LW_NOTICE("ingest: Firehose endpoint on %s:%d", cfg->ingest_bind, lw_httpd_port(g->http));
    register_metrics(g, lw_daemon_metric_registry(d));
    uv_timer_init(lw_daemon_loop(d), &g->prune);
    g->prune.data = g;
    g->prune_started = true;
    uv_timer_start(&g->prune, on_prune, 1000, 600 * 1000);
    return 0;
}

static void stop(void *self, void (*done)(void *ud), void *ud)
{
    ingest *g = self;
    if (g->prune_started)
        uv_timer_stop(&g->prune); /* the daemon closes every handle at exit */
    if (!g->http) {
        done(ud);
        return;
    }
    collect(g); /* the server's last counts, before it goes */
    lw_httpd_stop(g->http, done, ud);
    g->http = NULL;
}

static void destroy(void *self)
{
    ingest *g = self;
    lw_buf_free(&g->body);
    lw_buf_free(&g->plains);
    lw_buf_free(&g->plain);
    lw_buf_free(&g->out);
    lw_buf_free(&g->key);
    lw_json_free(&g->json);
    lw_json_free(&g->rec);
    free(g->offs);
    free(g->groups);
    free(g);
}

static void reload(void *self, const lw_config *cfg)
{
    ingest *g = self;
    if (cfg->ingest_access_key)
        lw_secret_digest(cfg->ingest_access_key, strlen(cfg->ingest_access_key), g->key_digest);
    g->max_decompressed = (size_t)cfg->ingest_max_decompressed;
    g->max_records = (size_t)cfg->ingest_max_records;
    g->max_record = (size_t)cfg->ingest_max_record;
    g->max_record_decompressed = (size_t)cfg->ingest_max_record_decompressed;
    g->request_retention_ms = (int64_t)(cfg->ingest_request_retention_s * 1000);
    g->event_retention_ms = (int64_t)(cfg->ingest_event_id_retention_s * 1000);
}

static const lw_component_ops ops = {
    .name = "ingest",
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .reload = reload,
};

void lw_ingest_factory(lw_daemon *d)
{
    const lw_config *cfg = lw_daemon_config(d);
    if (!cfg->ingest_enabled)
        return;
    ingest *g = lw_xcalloc(1, sizeof *g);
    g->d = d;
    lw_json_init(&g->json);
    lw_json_init(&g->rec);
    reload(g, cfg);
    lw_daemon_add_component(d, &ops, g);
}
