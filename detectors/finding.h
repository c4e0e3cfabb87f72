/*
 * finding: the finding model and its JSON form (DESIGN.md, "JSON output").
 *
 * A detector fills an lw_finding (strings borrowed for the duration of the
 * emit call) and hands it to the findings stage. The id is a SHA-256 over
 * the fields that identify what happened (detector, group, stream, request
 * id and a detector-chosen key), so the same input always gives the same id
 * and webhook deliveries are idempotent. Every string of evidence passes
 * through lw_redact() when serialised: no sink ever sees a raw secret.
 */
#ifndef LW_FINDING_H
#define LW_FINDING_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "parsers/event.h"

typedef enum lw_severity {
    LW_SEV_INFO = 0,
    LW_SEV_LOW,
    LW_SEV_MEDIUM,
    LW_SEV_HIGH,
    LW_SEV_CRITICAL,
} lw_severity;

const char *lw_severity_name(lw_severity s);
/* Returns 0 and sets *s, or -1 for an unknown name. */
int lw_severity_parse(const char *name, lw_severity *s);

typedef enum lw_evtype { LW_EVT_STR = 1, LW_EVT_NUM, LW_EVT_INT, LW_EVT_BOOL } lw_evtype;

typedef struct lw_evidence {
    const char *key;
    lw_evtype type;
    lw_str s;
    double num;
    int64_t i;
} lw_evidence;

#define LW_FINDING_MAX_EVIDENCE 32
#define LW_FINDING_ID_LEN 32 /* hex chars */

typedef struct lw_finding {
    const char *detector;
    lw_severity severity;
    lw_buf title;
    lw_str function;
    lw_str group;
    lw_str stream;
    lw_str request_id;
    int64_t time_ms;
    uint64_t count;
    lw_str key;              /* extra identity, e.g. the sensor event id */
    lw_evidence ev[LW_FINDING_MAX_EVIDENCE];
    int nev;
} lw_finding;

/* Starts a finding from a record's context (function, group, stream). */
void lw_finding_init(lw_finding *f, const char *detector, lw_severity sev, const lw_record *rec);
void lw_finding_free(lw_finding *f);
void lw_finding_title(lw_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Evidence adders ignore empty strings, so optional fields need no checks. */
void lw_finding_str(lw_finding *f, const char *key, lw_str v);
void lw_finding_num(lw_finding *f, const char *key, double v);
void lw_finding_int(lw_finding *f, const char *key, int64_t v);
void lw_finding_bool(lw_finding *f, const char *key, bool v);
/* The first max bytes of v (a log message quoted in evidence). */
void lw_finding_head(lw_finding *f, const char *key, lw_str v, size_t max);

void lw_finding_id(const lw_finding *f, char out[LW_FINDING_ID_LEN + 1]);
/* Appends the one-line JSON object (no newline). */
void lw_finding_json(const lw_finding *f, const char *id, lw_buf *out);

#endif
