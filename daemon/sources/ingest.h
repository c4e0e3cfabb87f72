/*
 * ingest: receives CloudWatch Logs subscriptions through Amazon Data
 * Firehose's HTTP endpoint delivery (see FORMATS.md, "Firehose").
 *
 * A request is answered 200 only after its events are analysed and its
 * findings durably recorded, in one transaction together with its request
 * id; a retried request id is answered 200 without analysing it again.
 * Every limit refusal is an HTTP error and a counter. A record that cannot
 * be read (bad base64, bad gzip, bad JSON) is counted and logged and the
 * rest of the request is still analysed: Firehose retrying it would not
 * make it readable.
 */
#ifndef LW_INGEST_H
#define LW_INGEST_H

#include "daemon/daemon.h"

/* Registers the ingest source when the configuration has [ingest firehose]. */
void lw_ingest_factory(lw_daemon *d);

#endif
