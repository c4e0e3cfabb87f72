/* webhook_format: see webhook_format.h. */
#include "daemon/sinks/webhook_format.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/jsonw.h"
#include "common/json.h"

void lw_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t n, char out[80])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char ts[24];
    int tl = snprintf(ts, sizeof ts, "%" PRId64 ".", timestamp);
    /* HMAC over "<timestamp>.<body>" without building the concatenation. */
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end()};
    size_t outl = 0;
    EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params);
    EVP_MAC_update(ctx, (const unsigned char *)ts, (size_t)tl);
    EVP_MAC_update(ctx, (const unsigned char *)body, n);
    EVP_MAC_final(ctx, md, &outl, sizeof md);
    mdlen = (unsigned int)outl;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    static const char hx[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < mdlen; i++) {
        out[7 + 2 * i] = hx[md[i] >> 4];
        out[8 + 2 * i] = hx[md[i] & 15];
    }
    out[7 + 2 * mdlen] = '\0';
}

static lw_str member(const lw_json *j, int obj, const char *key)
{
    int t = lw_json_get(j, obj, key);
    if (t < 0)
        return LW_STR_NULL;
    return (lw_str){lw_json_raw(j, t), lw_json_rawlen(j, t)};
}

/* Appends a member's unescaped string value, escaped for Slack mrkdwn:
 * &, <, > as Slack documents (no forged links or <!channel>), and control
 * characters made visible (no forged lines in the message). */
static void text(lw_buf *out, const lw_json *j, int obj, const char *key)
{
    int t = lw_json_get(j, obj, key);
    if (t < 0 || j->tok[t].type == JSMN_OBJECT || j->tok[t].type == JSMN_ARRAY)
        return;
    lw_buf v = LW_BUF_INIT;
    if (j->tok[t].type == JSMN_STRING)
        lw_json_str(j, t, &v);
    else
        lw_buf_append(&v, lw_json_raw(j, t), lw_json_rawlen(j, t));
    lw_escape(out, v.p ? v.p : "", v.len, LW_ESC_SLACK, 0);
    lw_buf_free(&v);
}

static const char *badge(lw_str sev)
{
    if (lw_str_eq(sev, "critical")) return ":rotating_light: CRITICAL";
    if (lw_str_eq(sev, "high")) return ":red_circle: HIGH";
    if (lw_str_eq(sev, "medium")) return ":large_orange_circle: MEDIUM";
    if (lw_str_eq(sev, "low")) return ":large_yellow_circle: LOW";
    return ":white_circle: INFO";
}

bool lw_webhook_wants(const lw_webhook_cfg *h, lw_severity severity, const char *detector)
{
    if (severity < h->min_severity)
        return false;
    if (h->detectors.n == 0)
        return true;
    for (int i = 0; i < h->detectors.n; i++)
        if (!strcmp(h->detectors.v[i], detector))
            return true;
    return false;
}

int lw_webhook_body(lw_webhook_format fmt, const char *js, size_t n, lw_buf *out)
{
    if (fmt == LW_WEBHOOK_JSON) {
        lw_buf_append(out, js, n);
        return 0;
    }
    lw_json j;
    lw_json_init(&j);
    if (lw_json_parse(&j, js, n) != LW_JSON_OK || j.tok[0].type != JSMN_OBJECT) {
        lw_json_free(&j);
        lw_buf_append(out, js, n);
        return -1;
    }
    /* The message text, built in mrkdwn, then JSON-escaped into the body. */
    lw_buf m = LW_BUF_INIT;
    lw_buf_printf(&m, "*%s* ", badge(member(&j, 0, "severity")));
    text(&m, &j, 0, "title");
    lw_buf_puts(&m, "\n*Function:* `");
    text(&m, &j, 0, "function");
    lw_buf_puts(&m, "`   *Detector:* ");
    text(&m, &j, 0, "detector");
    lw_buf_puts(&m, "   *When:* ");
    text(&m, &j, 0, "time");
    lw_str count = member(&j, 0, "count");
    if (count.n && !lw_str_eq(count, "1")) {
        lw_buf_puts(&m, "   *Count:* ");
        lw_buf_append(&m, count.p, count.n);
    }
    int ev = lw_json_get(&j, 0, "evidence");
    if (ev >= 0 && j.tok[ev].type == JSMN_OBJECT) {
        /* Key evidence only: a Slack message is read on a phone. */
        static const char *const keys[] = {"source_ip", "method", "path", "query", "rule_id", "blocked",
                                           "request_id", "kind", "value", "baseline_median", "error_type",
                                           "max_memory_used_mb", "memory_size_mb", "trace_root", "functions",
                                           "masked", "indicator", NULL};
        for (int i = 0; keys[i]; i++) {
            if (lw_json_get(&j, ev, keys[i]) < 0)
                continue;
            lw_buf_printf(&m, "\n• %s: `", keys[i]);
            text(&m, &j, ev, keys[i]);
            lw_buf_putc(&m, '`');
        }
    }
    lw_buf_puts(&m, "\n_Log group_ ");
    text(&m, &j, 0, "log_group");
    lw_buf_puts(&m, " · _finding_ ");
    text(&m, &j, 0, "id");

    lw_buf_puts(out, "{\"text\":");
    lw_jw_str(out, m.p, m.len);
    lw_buf_puts(out, ",\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":");
    lw_jw_str(out, m.p, m.len);
    lw_buf_puts(out, "}}]}");
    lw_buf_free(&m);
    lw_json_free(&j);
    return 0;
}

void lw_webhook_request_build(lw_webhook_request *r, const lw_webhook_cfg *h, const char *finding_id,
                              const char *finding_json, size_t n, int64_t now_s)
{
    memset(r, 0, sizeof *r);
    r->url = h->url;
    r->timeout_s = h->timeout_s > 0 ? h->timeout_s : 10;
    lw_webhook_body(h->format, finding_json, n, &r->body);
    if (!r->body.p)
        lw_buf_puts(&r->body, ""); /* never a NULL body, even for an empty finding */
    snprintf(r->delivery, sizeof r->delivery, "X-Lambdaward-Delivery: %s", finding_id);
    snprintf(r->stamp, sizeof r->stamp, "X-Lambdaward-Timestamp: %" PRId64, now_s);
    r->headers[r->nheaders++] = "Content-Type: application/json";
    r->headers[r->nheaders++] = "User-Agent: lambdaward/" LW_VERSION;
    r->headers[r->nheaders++] = r->delivery;
    r->headers[r->nheaders++] = r->stamp;
    if (h->secret) {
        char sig[80];
        lw_webhook_sign(h->secret, now_s, r->body.p, r->body.len, sig);
        snprintf(r->signature, sizeof r->signature, "X-Lambdaward-Signature: %s", sig);
        r->headers[r->nheaders++] = r->signature;
    }
    for (int i = 0; i < h->headers.n && r->nheaders < LW_WEBHOOK_MAX_HEADERS; i++)
        r->headers[r->nheaders++] = h->headers.v[i];
}

void lw_webhook_request_free(lw_webhook_request *r) { lw_buf_free(&r->body); }
