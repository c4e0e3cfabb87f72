/* webhook_send: one-shot deliveries for commands (see webhook_send.c). */
#ifndef LW_WEBHOOK_SEND_H
#define LW_WEBHOOK_SEND_H

#include "common/buf.h"
#include "config/config.h"

/* Sends one finding; blocks on a private loop (commands only, never the
 * daemon's loop). Returns the HTTP status, 0 on a transport error; the
 * answer's body is appended to response when given. */
int lw_webhook_send_once(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                         char *err, size_t errlen, lw_buf *response);
/* Up to `tries` attempts of lw_webhook_send_once, with full-jitter waits
 * of a few seconds at most (a Retry-After within that is honoured).
 * Returns the last HTTP status. */
int lw_webhook_send(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                    int tries, char *err, size_t errlen);
const lw_webhook_cfg *lw_webhook_find(const lw_config *c, const char *name);

#endif
