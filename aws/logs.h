/*
 * logs: the CloudWatch Logs API operations lambdaward uses, on the loop.
 *
 * Builds the JSON 1.1 requests (X-Amz-Target Logs_20140328.<Op>), follows
 * pagination (FilterLogEvents and DescribeLogGroups nextToken, including
 * empty pages that still carry a token; GetLogEvents nextForwardToken until
 * it repeats), hands each response page to the caller as it arrives (no
 * whole result is ever held), parses errors from __type/message, and
 * retries what is worth retrying: ThrottlingException, 5xx and transport
 * failures with exponential backoff and full jitter; ExpiredTokenException
 * after one credential refresh. A token bucket per operation keeps the
 * whole process under the configured calls per second.
 *
 * The HTTP exchange itself (signing and sending) is a transport the caller
 * provides, so tests can script responses and production plugs in SigV4
 * over libcurl.
 */
#ifndef LW_LOGS_H
#define LW_LOGS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "common/buf.h"
#include "common/json.h"

typedef enum lw_logs_op {
    LW_LOGS_FILTER = 0,       /* FilterLogEvents */
    LW_LOGS_GET,              /* GetLogEvents */
    LW_LOGS_DESCRIBE_GROUPS,  /* DescribeLogGroups */
    LW_LOGS_OPS
} lw_logs_op;

const char *lw_logs_op_name(lw_logs_op op);

/* --- transport ------------------------------------------------------------ */

typedef struct lw_logs_response {
    int status;              /* HTTP status; 0 when the exchange failed */
    const char *body;
    size_t body_len;
    const char *error;       /* transport error text when status == 0 */
    double retry_after_s;    /* from a Retry-After header, or 0 */
} lw_logs_response;

typedef void (*lw_logs_reply_cb)(void *ctx, const lw_logs_response *r);

typedef struct lw_logs_transport {
    /* Sends one signed POST of body with X-Amz-Target target; calls
     * reply(ctx, ...) exactly once, later, from the loop. */
    void (*send)(void *ud, const char *target, const char *body, size_t n, lw_logs_reply_cb reply, void *ctx);
    /* Credentials expired: refresh them (may be asynchronous), then call
     * done(ctx, ok). */
    void (*refresh_credentials)(void *ud, void (*done)(void *ctx, bool ok), void *ctx);
    void *ud;
} lw_logs_transport;

/* --- client ----------------------------------------------------------------- */

typedef struct lw_logs_opts {
    double tps[LW_LOGS_OPS];  /* calls per second per operation; 0 = 5 */
    int max_attempts;         /* per request, default 8 */
    double backoff_base_s;    /* default 0.2 */
    double backoff_cap_s;     /* default 20 */
    uint64_t seed;            /* jitter RNG seed; 0 = from the clock */
} lw_logs_opts;

typedef struct lw_logs_stats {
    uint64_t calls[LW_LOGS_OPS];
    uint64_t pages, throttled, server_errors, transport_errors, expired_tokens, retries, failures;
    uint64_t truncated_pages; /* 200 answers whose JSON is cut mid-way (also in server_errors) */
    uint64_t bytes;
} lw_logs_stats;

typedef struct lw_logs lw_logs;

lw_logs *lw_logs_new(uv_loop_t *loop, const lw_logs_transport *t, const lw_logs_opts *o);
const lw_logs_stats *lw_logs_stats_get(const lw_logs *c);
/* Cancels queued work (callbacks get an error "cancelled") and frees the
 * client once in-flight exchanges have answered. */
void lw_logs_close(lw_logs *c);

/* A paginated call. on_page gets each successful page already parsed (the
 * client reads nextToken from it, so nobody parses it twice; valid only
 * during the call: page->js is the raw JSON) and returns false to stop
 * paginating; on_done gets NULL on success or the error
 * ("ResourceNotFoundException: The specified log group does not exist."). */
typedef bool (*lw_logs_page_cb)(void *ud, const lw_json *page);
typedef void (*lw_logs_done_cb)(void *ud, const char *error);

typedef struct lw_logs_filter_params {
    const char *log_group;
    const char *filter_pattern;  /* NULL = all */
    const char *stream_prefix;   /* NULL = all */
    int64_t start_ms, end_ms;    /* end 0 = open */
    int limit;                   /* 0 = service default */
} lw_logs_filter_params;

void lw_logs_filter(lw_logs *c, const lw_logs_filter_params *p, lw_logs_page_cb on_page, lw_logs_done_cb on_done,
                    void *ud);
/* prefix or pattern (one of them, or neither). */
void lw_logs_describe_groups(lw_logs *c, const char *prefix, const char *pattern, lw_logs_page_cb on_page,
                             lw_logs_done_cb on_done, void *ud);
void lw_logs_get_events(lw_logs *c, const char *group, const char *stream, int64_t start_ms, lw_logs_page_cb on_page,
                        lw_logs_done_cb on_done, void *ud);

/* Reads an awsJson error body {"__type": "prefix#Name", "message" or
 * "Message": "..."}: appends Name to type and the unescaped message to msg
 * (msg stays NULL when there is none); false when no __type is named. */
bool lw_logs_error_parse(const char *body, size_t n, lw_buf *type, lw_buf *msg);

/* Calls cb with each logGroupName of a DescribeLogGroups response page. */
void lw_logs_group_names(const lw_json *page, void (*cb)(void *ud, const char *name), void *ud);

#endif
