/*
 * findings: the stage between detectors and sinks.
 *
 * Gives each finding its deterministic id, drops a finding whose id was
 * already emitted recently (two signals of one event; bounded memory: the
 * last `dedupe_capacity` ids), serialises it once (redacted, see finding.h)
 * and hands the result to the sink. Keeps counts by detector and the
 * highest severity seen, for --fail-on and metrics.
 */
#ifndef LW_FINDINGS_H
#define LW_FINDINGS_H

#include "detectors/finding.h"

typedef void (*lw_finding_sink)(void *ud, const lw_finding *f, const char *id, const char *json, size_t n);

typedef struct lw_findings_stats {
    uint64_t emitted;
    uint64_t duplicates;
    uint64_t by_severity[LW_SEV_CRITICAL + 1];
    int max_severity; /* -1 when none */
} lw_findings_stats;

typedef struct lw_findings lw_findings;

lw_findings *lw_findings_new(size_t dedupe_capacity, lw_finding_sink sink, void *ud);
void lw_findings_emit(lw_findings *fs, lw_finding *f);
const lw_findings_stats *lw_findings_stats_get(const lw_findings *fs);
/* The 64-bit key the stage dedupes on, for merging parallel outputs. */
uint64_t lw_finding_id_hash(const char *id);
void lw_findings_free(lw_findings *fs);

#endif
