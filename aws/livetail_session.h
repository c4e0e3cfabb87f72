/*
 * livetail_session: one StartLiveTail session on the loop: the request
 * built and signed (livetail.h, logs_transport's signing), POSTed through
 * lw_curl as a streamed answer, its body fed to the event stream decoder
 * as libcurl hands it over, each message turned into a typed result.
 *
 * on_result gets the initial response, sessionStart and every
 * sessionUpdate (its payload then goes to lw_decoder_page for the events);
 * on_end is called exactly once, from the loop, with why the session is
 * over: an exception in the stream, an error at start, a cut connection or
 * a damaged frame, each with what to do next (lw_lt_next). Scheduling,
 * restarts, backoff and dedupe with polling belong to the caller.
 */
#ifndef LW_LIVETAIL_SESSION_H
#define LW_LIVETAIL_SESSION_H

#include "aws/livetail.h"
#include "aws/logs_transport.h"

typedef struct lw_lt_session_cbs {
    void (*on_result)(void *ud, const lw_lt_result *r);
    void (*on_end)(void *ud, const lw_lt_result *r);
    void *ud;
} lw_lt_session_cbs;

typedef struct lw_lt_session_opts {
    const char *endpoint_url;   /* explicit endpoint, or NULL (then the environment, else stream-logs.<region>) */
    size_t max_frame;           /* 0 = LW_ES_MAX_FRAME_DEFAULT */
    double idle_timeout_s;      /* nothing received for this long ends the stream; 0 = 30 */
} lw_lt_session_opts;

typedef struct lw_lt_session lw_lt_session;

/* NULL with err when the request is invalid or there are no credentials
 * yet (the chain is still fetching them: try again later); also NULL when
 * the HTTP client is closing, after on_end has been called. */
lw_lt_session *lw_lt_session_start(lw_logs_transport_ctx *t, const lw_lt_request *req, const lw_lt_session_opts *o,
                                   const lw_lt_session_cbs *cbs, char *err, size_t errlen);
/* Ends the session now; no callback follows. Not from inside on_result
 * (that runs in libcurl's write callback): defer it to the loop's next turn. */
void lw_lt_session_stop(lw_lt_session *s);
const lw_lt_stats *lw_lt_session_stats(const lw_lt_session *s);

#endif
