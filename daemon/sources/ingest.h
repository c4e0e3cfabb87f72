/*
 * ingest: receives CloudWatch Logs subscriptions through Amazon Data
 * Firehose's HTTP endpoint delivery (see FORMATS.md, "Firehose").
 *
 * A request is answered 200 only after its events are analysed and its
 * findings durably recorded, in one transaction together with its request
 * id; a retried request id is answered 200 without analysing it again.
 * Every answer, the HTTP layer's refusals too, is the JSON Firehose's spec
 * asks for (requestId, timestamp, errorMessage). The access key is checked
 * from the headers, before any body is read.
 *
 * A request with a record that cannot be read (bad base64, bad or
 * oversized gzip, not a CloudWatch Logs subscription payload) is refused
 * whole with a 500, before anything in it is analysed: Firehose retries
 * it, then writes it to its S3 error bucket, so nothing unread is ever
 * acknowledged and nothing read from a refused request was counted. (Split
 * acknowledgement does not exist in the protocol: a request is one answer.)
 * A 413 is kept for what can never succeed (over max_body, max_records,
 * max_decompressed). Log event ids are deduplicated behind the request id,
 * and both are forgotten after their retention.
 */
#ifndef LW_INGEST_H
#define LW_INGEST_H

#include "daemon/daemon.h"

/* Registers the ingest source when the configuration has [ingest firehose]. */
void lw_ingest_factory(lw_daemon *d);

#endif
