/*
 * outbox: delivers findings from the durable outbox to the webhooks.
 *
 * The outbox (state.h) is filled in the same transaction that records a
 * finding; this module drains it on the loop: oldest first, a few at a time
 * per webhook, each POST carrying X-Lambdaward-Delivery (the finding id, so
 * receivers can be idempotent), X-Lambdaward-Timestamp and, with a secret,
 * X-Lambdaward-Signature. Any 2xx marks the row delivered in the database;
 * anything else (non-2xx, timeout, connection error) schedules a retry with
 * exponential backoff and full jitter, or after Retry-After when the
 * receiver sends one. Rows survive restarts, so pending deliveries resume.
 * A finding still undelivered after max_age is given up: logged and
 * counted, never dropped silently. Each webhook has its own rate limit.
 *
 * The HTTP POST itself is injected (production: libcurl on the loop);
 * lw_outbox_factory registers the daemon's sink around it.
 */
#ifndef LW_WEBHOOK_H
#define LW_WEBHOOK_H

#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "daemon/net/http.h"
#include "daemon/state.h"


typedef struct lw_webhooks lw_webhooks;

typedef struct lw_webhook_stats {
    uint64_t delivered, failed_attempts, given_up, in_flight;
} lw_webhook_stats;

lw_webhooks *lw_webhooks_new(uv_loop_t *loop, lw_state *state, const lw_config *cfg, const lw_poster *poster);
/* Checks the outbox now (called after a batch commits new findings). */
void lw_webhooks_kick(lw_webhooks *w);
void lw_webhooks_reload(lw_webhooks *w, const lw_config *cfg);
const lw_webhook_stats *lw_webhooks_stats(const lw_webhooks *w);
/* Stops; done(ud) once in-flight deliveries have answered; w is freed. */
void lw_webhooks_stop(lw_webhooks *w, void (*done)(void *ud), void *ud);

typedef struct lw_daemon lw_daemon;
/* The daemon's webhook sink, registered when webhooks are configured. */
void lw_outbox_factory(lw_daemon *d);

#endif
