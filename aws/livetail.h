/*
 * livetail: the CloudWatch Logs StartLiveTail protocol, without the I/O.
 *
 * The request: POST / with X-Amz-Target Logs_20140328.StartLiveTail
 * (awsJson 1.1, SigV4 service "logs", signed by logs_transport's one
 * signing path) and a body of logGroupIdentifiers (ARNs, 1 to 10),
 * optional logStreamNames or logStreamNamePrefixes (one group only) and
 * logEventFilterPattern. The host carries the model's "stream-" prefix
 * (botocore's logs model since April 2026; "streaming-" before), unless
 * the endpoint URL was given explicitly (flag, AWS_ENDPOINT_URL_*, config),
 * which is used exactly as given.
 *
 * The answer: a 200 whose body is an event stream (eventstream.h), or an
 * awsJson error keyed by __type (lw_lt_start_error). The parser turns each
 * decoded message into a typed result: initial-response (always first, as
 * botocore requires), sessionStart (sessionId, requestId, groups),
 * sessionUpdate (the sampled flag and the parsed payload, whose
 * sessionResults parsers/decode.c turns into lw_events: aws/ sits below the
 * event model, as the FilterLogEvents client hands on pages), or the end of
 * the session (SessionTimeoutException after 3 h, SessionStreamingException,
 * any other exception or error) with what the caller should do next.
 */
#ifndef LW_LIVETAIL_H
#define LW_LIVETAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/eventstream.h"
#include "common/buf.h"
#include "common/json.h"

#define LW_LT_TARGET "Logs_20140328.StartLiveTail"
#define LW_LT_HOST_PREFIX "stream-"
#define LW_LT_MAX_GROUPS 10
#define LW_LT_MAX_STREAMS 100

/* --- the request ------------------------------------------------------------ */

typedef struct lw_lt_request {
    const char *const *groups;          /* log group ARNs */
    int ngroups;
    const char *const *streams;         /* logStreamNames, or NULL */
    int nstreams;
    const char *const *stream_prefixes; /* logStreamNamePrefixes, or NULL */
    int nprefixes;
    const char *filter_pattern;         /* NULL or "" = every event */
} lw_lt_request;

/* Appends the JSON body to out; -1 with err (nothing appended) when the
 * request breaks the model's constraints. */
int lw_lt_request_body(const lw_lt_request *r, lw_buf *out, char *err, size_t errlen);
/* The URL to POST to (no trailing slash): the explicit endpoint as given
 * (explicit_url, else AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, else
 * AWS_ENDPOINT_URL), else https://stream-logs.<region>.amazonaws.com. */
void lw_lt_endpoint(const char *explicit_url, const char *region, char *out, size_t n);

/* --- the answer ---------------------------------------------------------------- */

typedef enum lw_lt_kind {
    LW_LT_INITIAL = 1,   /* initial-response */
    LW_LT_START,         /* sessionStart */
    LW_LT_UPDATE,        /* sessionUpdate */
    LW_LT_END,           /* an exception or error: the session is over */
    LW_LT_IGNORED,       /* an event type this client does not know (a newer model): skipped */
} lw_lt_kind;

/* What a session's end asks of the caller. */
typedef enum lw_lt_next {
    LW_LT_RESTART = 1,   /* start again now (the 3-hour limit) */
    LW_LT_BACKOFF,       /* start again after a backoff (throttled, streaming error, 5xx, ...) */
    LW_LT_GIVE_UP,       /* a request the service refuses as such (access, parameters,
                            missing group): retrying will not help until the config changes */
} lw_lt_next;

typedef struct lw_lt_end {
    const char *type;    /* "SessionTimeoutException", "ThrottlingException", ...; "" unknown */
    const char *message; /* "" when none */
    lw_lt_next next;
    bool protocol;       /* the stream broke the protocol (not a service's answer) */
} lw_lt_end;

typedef struct lw_lt_result {
    lw_lt_kind kind;
    /* LW_LT_START */
    const char *session_id, *request_id;     /* "" when absent */
    const char *groups[LW_LT_MAX_GROUPS];    /* logGroupIdentifiers (the first 10) */
    int ngroups;
    /* LW_LT_UPDATE */
    bool sampled;
    int nresults;
    const lw_json *update;                   /* the parsed payload, for lw_decoder_page;
                                                NULL when it has no sessionResults */
    /* LW_LT_END */
    lw_lt_end end;
} lw_lt_result;

typedef struct lw_lt_stats {
    uint64_t messages, updates, sampled_updates, results, ignored;
} lw_lt_stats;

typedef struct lw_lt_parser {
    lw_json j;
    lw_buf text;      /* the strings a result points to */
    bool initial;     /* initial-response seen */
    bool started;     /* sessionStart seen */
    bool ended;
    lw_lt_stats st;
} lw_lt_parser;

void lw_lt_parser_init(lw_lt_parser *p);
void lw_lt_parser_free(lw_lt_parser *p);
/* Classifies one decoded message. Pointers in out are valid until the next
 * call. After an LW_LT_END every further message is an LW_LT_END too. */
void lw_lt_parse(lw_lt_parser *p, const lw_es_message *m, lw_lt_result *out);
/* A non-200 answer to StartLiveTail (the awsJson error body), or status 0
 * for a transport failure with transport_error: always an LW_LT_END.
 * Strings live in text. */
void lw_lt_start_error(int status, const char *body, size_t n, const char *transport_error, lw_buf *text,
                       lw_lt_result *out);
/* The end of a stream that stopped without an exception (a cut connection,
 * a truncated frame): LW_LT_BACKOFF with the decoder's error if any. */
void lw_lt_stream_cut(lw_lt_parser *p, const char *why, lw_lt_result *out);

const char *lw_lt_next_name(lw_lt_next n);

#endif
