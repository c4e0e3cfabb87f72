/*
 * findings: the stage between detectors and sinks.
 *
 * Gives each finding its deterministic id, drops a finding whose id was
 * already emitted recently (two signals of one event; bounded memory: the
 * last `dedupe_capacity` ids), serialises it once (redacted, see finding.h)
 * and hands the result to the sink.
 */
#ifndef LW_FINDINGS_H
#define LW_FINDINGS_H

#include "detectors/finding.h"

typedef void (*lw_finding_sink)(void *ud, const lw_finding *f, const char *id, const char *json, size_t n);

typedef struct lw_findings lw_findings;

lw_findings *lw_findings_new(size_t dedupe_capacity, lw_finding_sink sink, void *ud);
void lw_findings_emit(lw_findings *fs, lw_finding *f);
/* The 64-bit key the stage dedupes on, for merging parallel outputs. */
uint64_t lw_finding_id_hash(const char *id);
void lw_findings_free(lw_findings *fs);

#endif
