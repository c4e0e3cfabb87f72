/*
 * webhook_format: what a webhook delivery carries (DESIGN.md contract).
 *
 *   body       the finding object as JSON (format = json), or a Slack
 *              message with severity, function, what happened and the key
 *              evidence (format = slack);
 *   signature  "sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>" when the
 *              webhook has a secret, sent as X-Lambdaward-Signature with
 *              X-Lambdaward-Timestamp and X-Lambdaward-Delivery (finding id).
 * lw_webhook_request builds all of it, once, for every sender (the daemon's
 * outbox, `query --webhook`, `test-webhook`), so they cannot drift.
 * Pure functions: the delivery loop (HTTP, retries, outbox) is elsewhere.
 */
#ifndef LW_WEBHOOK_FORMAT_H
#define LW_WEBHOOK_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"

/* Whether webhook h takes a finding of this severity from this detector
 * (its min_severity and detectors filters). */
bool lw_webhook_wants(const lw_webhook_cfg *h, lw_severity severity, const char *detector);
/* Appends the body for fmt built from the finding's JSON. Returns 0, or -1
 * when finding_json does not parse (the body is then the raw JSON). */
int lw_webhook_body(lw_webhook_format fmt, const char *finding_json, size_t n, lw_buf *out);
/* Writes "sha256=<64 hex>" (72 bytes + NUL) for timestamp and body. */
void lw_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t n, char out[80]);

/* One delivery, ready to POST: body, headers (the contract's, then the
 * webhook's own `header =` lines) and timeout. */
#define LW_WEBHOOK_MAX_HEADERS 40
typedef struct lw_webhook_request {
    const char *url;
    lw_buf body;
    const char *headers[LW_WEBHOOK_MAX_HEADERS];
    int nheaders;
    double timeout_s;
    char delivery[80], stamp[64], signature[120]; /* storage for headers[] */
} lw_webhook_request;
/* Builds the delivery of finding_id (its JSON, n bytes) to h, stamped with
 * unix time now_s. Free with lw_webhook_request_free. */
void lw_webhook_request_build(lw_webhook_request *r, const lw_webhook_cfg *h, const char *finding_id,
                              const char *finding_json, size_t n, int64_t now_s);
void lw_webhook_request_free(lw_webhook_request *r);

#endif
