/* webhook_send: one-shot deliveries for commands (see webhook_send.c). */
#ifndef LW_WEBHOOK_SEND_H
#define LW_WEBHOOK_SEND_H

#include "common/buf.h"
#include "config/config.h"

int lw_webhook_send_once(const lw_webhook_cfg *h, const char *ca_bundle, const char *finding_id, const char *json,
                         char *err, size_t errlen, lw_buf *response);
const lw_webhook_cfg *lw_webhook_find(const lw_config *c, const char *name);

#endif
