/* ingest: see ingest.h. */
#include "daemon/sources/ingest.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/digest.h"
#include "common/gzip.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/net/httpd.h"
#include "parsers/decode.h"

typedef struct ingest {
    lw_daemon *d;
    lw_httpd *http;
    unsigned char key_digest[LW_DIGEST_LEN];
    size_t max_decompressed;
    size_t max_records;
    /* counters (the daemon's /metrics reads them, see counters[]) */
    uint64_t requests, duplicates, records, bad_records, events, control, auth_failures, bombs, failures;
    lw_httpd_stats http_st; /* the server's, copied at each scrape while it runs */
    double *http_open;
    /* per-request scratch */
    lw_buf body;   /* the request body after gunzip */
    lw_buf plain;  /* one record after gunzip */
    lw_buf record, out;
    lw_json json;
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
     "Unreadable records (not base64, not valid gzip, too large decompressed, not a subscription payload).",
     offsetof(ingest, bad_records)},
    {"lambdaward_ingest_events_total", "Log events analysed, counted once their request is recorded.",
     offsetof(ingest, events)},
    {"lambdaward_ingest_control_messages_total", "CloudWatch Logs subscription control messages received.",
     offsetof(ingest, control)},
    {"lambdaward_ingest_auth_failures_total", "Requests refused for a wrong or missing access key.",
     offsetof(ingest, auth_failures)},
    {"lambdaward_ingest_decompression_refusals_total",
     "Bodies or records refused for decompressing past max_decompressed.", offsetof(ingest, bombs)},
    {"lambdaward_ingest_failed_requests_total",
     "Requests answered with an error: malformed body, too many records, no request id, or not recorded durably.",
     offsetof(ingest, failures)},
    {"lambdaward_ingest_http_refused_connections_total",
     "Connections refused on the Firehose port (over max_connections, or while stopping).",
     offsetof(ingest, http_st.refused_connections)},
    {"lambdaward_ingest_http_refused_too_large_total", "Requests refused for a body over max_body.",
     offsetof(ingest, http_st.refused_too_large)},
    {"lambdaward_ingest_http_timeouts_total", "Requests not received whole within the timeout.",
     offsetof(ingest, http_st.timeouts)},
    {"lambdaward_ingest_http_bad_requests_total", "Connections that sent something other than HTTP.",
     offsetof(ingest, http_st.bad_requests)},
};

/* Standard base64 (with padding) into out; -1 when not base64. */
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

static void on_event(void *ud, const lw_event *ev)
{
    ingest *g = ud;
    /* CloudWatch delivers each event to a subscription once; Firehose may
     * repeat a whole request, which the request id already catches. */
    lw_daemon_event_nodedupe(g->d, ev);
    g->req_events++;
}

static void on_decode_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)line;
    ingest *g = ud;
    g->bad_records++;
    LW_WARN("ingest: %s: unreadable subscription payload: %s", origin, msg);
}

static void reply(ingest *g, lw_httpd_conn *c, int status, const char *request_id, const char *error)
{
    lw_buf_reset(&g->out);
    lw_buf_puts(&g->out, "{\"requestId\":");
    lw_jw_cstr(&g->out, request_id ? request_id : "");
    lw_buf_printf(&g->out, ",\"timestamp\":%" PRId64, lw_wall_ms());
    if (error) {
        lw_buf_puts(&g->out, ",\"errorMessage\":");
        lw_jw_cstr(&g->out, error);
    }
    lw_buf_putc(&g->out, '}');
    lw_httpd_respond(c, status, "application/json", g->out.p, g->out.len, NULL);
}

static void handle(void *ud, lw_httpd_conn *c, const lw_httpd_request *r)
{
    ingest *g = ud;
    const char *rid = lw_httpd_header(r, "x-amz-firehose-request-id");
    /* This port is the public side (a TLS terminator fronts it): it serves
     * nothing but deliveries, and /metrics only on the metrics listener.
     * Firehose POSTs to whatever path its endpoint URL has, so the path is
     * not checked; any other method finds nothing here. */
    if (strcmp(r->method, "POST")) {
        reply(g, c, 404, rid, "not found: this port takes Firehose deliveries (POST) only");
        return;
    }
    g->requests++;
    if (!lw_secret_matches(lw_httpd_header(r, "x-amz-firehose-access-key"), g->key_digest)) {
        g->auth_failures++;
        LW_WARN("ingest: request %s from %s: wrong or missing access key", rid ? rid : "-", r->remote);
        reply(g, c, 401, rid, "invalid access key");
        return;
    }
    const char *body = r->body;
    size_t blen = r->body_len;
    const char *enc = lw_httpd_header(r, "content-encoding");
    lw_buf_reset(&g->body);
    if (enc && !strcasecmp(enc, "gzip")) {
        int rc = lw_gunzip_all(r->body, r->body_len, g->max_decompressed, &g->body);
        if (rc == -2) {
            g->bombs++;
            reply(g, c, 413, rid, "decompressed body too large");
            return;
        }
        if (rc < 0) {
            g->failures++;
            reply(g, c, 400, rid, "body is not valid gzip");
            return;
        }
        body = g->body.p;
        blen = g->body.len;
    }
    lw_json *j = &g->json;
    if (lw_json_parse(j, body, blen) != LW_JSON_OK || j->tok[0].type != JSMN_OBJECT) {
        g->failures++;
        reply(g, c, 400, rid, "body is not a JSON object");
        return;
    }
    int recs = lw_json_get(j, 0, "records");
    if (recs < 0 || j->tok[recs].type != JSMN_ARRAY) {
        g->failures++;
        reply(g, c, 400, rid, "no records array");
        return;
    }
    if ((size_t)j->tok[recs].size > g->max_records) {
        g->failures++;
        reply(g, c, 413, rid, "too many records");
        return;
    }
    char rid_body[128] = "";
    if (!rid) {
        int t = lw_json_get(j, 0, "requestId");
        if (lw_json_is_str(j, t))
            snprintf(rid_body, sizeof rid_body, "%.*s", (int)lw_json_rawlen(j, t), lw_json_raw(j, t));
        rid = rid_body[0] ? rid_body : NULL;
    }
    if (!rid) {
        g->failures++;
        reply(g, c, 400, NULL, "no request id");
        return;
    }
    if (lw_daemon_batch_begin(g->d) < 0) {
        reply(g, c, 503, rid, "state store unavailable");
        return;
    }
    int fresh = lw_state_request_add(lw_daemon_state(g->d), rid, lw_wall_ms());
    if (fresh == 0) {
        lw_daemon_batch_abort(g->d);
        g->duplicates++;
        LW_INFO("ingest: request %s already analysed: acknowledging the retry", rid);
        reply(g, c, 200, rid, NULL);
        return;
    }
    g->state_error = fresh < 0;
    g->req_events = 0;
    int n = j->tok[recs].size, t = recs + 1;
    for (int i = 0; i < n && t < j->n && !g->state_error; i++, t = lw_json_next(j, t)) {
        g->records++;
        int data = lw_json_get(j, t, "data");
        lw_buf_reset(&g->record);
        if (!lw_json_is_str(j, data) || b64decode(lw_json_raw(j, data), lw_json_rawlen(j, data), &g->record) < 0) {
            g->bad_records++;
            LW_WARN("ingest: request %s record %d: data is not base64", rid, i);
            continue;
        }
        const char *payload = g->record.p ? g->record.p : "";
        size_t plen = g->record.len;
        lw_buf_reset(&g->plain);
        if (plen >= 2 && (unsigned char)payload[0] == 0x1f && (unsigned char)payload[1] == 0x8b) {
            int rc = lw_gunzip_all(payload, plen, g->max_decompressed, &g->plain);
            if (rc < 0) {
                if (rc == -2)
                    g->bombs++;
                g->bad_records++;
                LW_WARN("ingest: request %s record %d: %s", rid, i,
                        rc == -2 ? "decompresses past max_decompressed" : "not valid gzip");
                continue;
            }
            payload = g->plain.p;
            plen = g->plain.len;
        }
        char origin[200];
        snprintf(origin, sizeof origin, "firehose request %.100s record %d", rid, i);
        lw_decoder_opts o = {.origin = origin, .on_event = on_event, .on_error = on_decode_error, .ud = g};
        lw_decoder *dec = lw_decoder_new(&o);
        lw_decoder_feed(dec, payload, plen);
        lw_decoder_finish(dec);
        g->control += lw_decoder_stats(dec)->control_messages;
        lw_decoder_free(dec);
    }
    if (g->state_error || lw_daemon_batch_commit(g->d) < 0) {
        if (g->state_error)
            lw_daemon_batch_abort(g->d);
        g->failures++;
        reply(g, c, 500, rid, "could not record the events durably; retry");
        return;
    }
    g->events += g->req_events;
    reply(g, c, 200, rid, NULL);
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

static void register_metrics(ingest *g, lw_metrics *m)
{
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        lw_metrics_counter_ref(m, counters[i].name, counters[i].help,
                               (const uint64_t *)((const char *)g + counters[i].off));
    g->http_open =
        lw_metrics_gauge(m, "lambdaward_ingest_http_open_connections", "Connections open on the Firehose port.");
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
        .timeout_s = cfg->ingest_timeout_s,
        .handler = handle,
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
    return 0;
}

static void stop(void *self, void (*done)(void *ud), void *ud)
{
    ingest *g = self;
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
    lw_buf_free(&g->plain);
    lw_buf_free(&g->record);
    lw_buf_free(&g->out);
    lw_json_free(&g->json);
    free(g);
}

static void reload(void *self, const lw_config *cfg)
{
    ingest *g = self;
    if (cfg->ingest_access_key)
        lw_secret_digest(cfg->ingest_access_key, strlen(cfg->ingest_access_key), g->key_digest);
    g->max_decompressed = (size_t)cfg->ingest_max_decompressed;
    g->max_records = (size_t)cfg->ingest_max_records;
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
    reload(g, cfg);
    lw_daemon_add_component(d, &ops, g);
}
