/*
 * metrics: the daemon's registry of counters and gauges and the one
 * renderer of /metrics (Prometheus text exposition format 0.0.4).
 *
 * The engine owns the counters (STYLE.md): a component registers each
 * family once at start (name, HELP text, counter or gauge, at most one
 * label name) and gets series it updates without the registry on its hot
 * path: either a cell the registry keeps (uint64_t or double, at a stable
 * address until removed) or a pointer to a counter the component already
 * keeps, which the renderer reads. Values that exist only at scrape time
 * (lag = now - last poll, a row count in the state store, counters held by
 * a client that may be freed before the daemon) are copied into cells by a
 * collect callback, which the registry calls before every rendering.
 * No component prints Prometheus text: lw_metrics_render writes `# HELP`
 * and `# TYPE` once per family, then its series, in registration order.
 *
 * Costs: registering a series, finding one by label value and removing one
 * scan the family's series (a few dozen, 500 for 500 log groups); none of
 * that happens per event. Rendering is linear in the series.
 *
 * Names, HELP texts and label names are not copied: pass string literals.
 * Label values are copied. Misuse (an invalid name, no HELP text, a name
 * registered twice with another type or label, a label value in an
 * unlabelled family or none in a labelled one, one label value as two
 * kinds of series) is a programming error: it aborts with a message, so
 * any test that starts the component finds it.
 */
#ifndef LW_METRICS_H
#define LW_METRICS_H

#include <stdint.h>

#include "common/buf.h"

typedef struct lw_metrics lw_metrics;
typedef struct lw_metric_family lw_metric_family;

typedef enum lw_metric_type { LW_METRIC_COUNTER, LW_METRIC_GAUGE } lw_metric_type;

lw_metrics *lw_metrics_new(void);
/* Frees the registry, its families and cells; pointers it read are the
 * components' own and untouched. */
void lw_metrics_free(lw_metrics *m);

/* The family `name`: registered now, or the one already registered under
 * that name (same type and label, else abort). label is the label name,
 * NULL for a family with one unlabelled series. */
lw_metric_family *lw_metrics_family(lw_metrics *m, const char *name, const char *help, lw_metric_type type,
                                    const char *label);

/* The series with label value v (NULL in an unlabelled family), added if
 * new; returns its cell, valid until the series is removed or the registry
 * freed. Update it directly: `(*cell)++`. */
uint64_t *lw_metric_u64(lw_metric_family *f, const char *v);
double *lw_metric_double(lw_metric_family *f, const char *v);
/* A series that reads *src at each rendering: src must stay valid until
 * the series is removed or the registry freed. */
void lw_metric_u64_ref(lw_metric_family *f, const char *v, const uint64_t *src);
/* Removes the series with label value v, if any (a log group gone). */
void lw_metric_remove(lw_metric_family *f, const char *v);

/* Shorthands for unlabelled families. */
uint64_t *lw_metrics_counter(lw_metrics *m, const char *name, const char *help);
double *lw_metrics_gauge(lw_metrics *m, const char *name, const char *help);
void lw_metrics_counter_ref(lw_metrics *m, const char *name, const char *help, const uint64_t *src);

/* collect(ud) runs before every rendering, in registration order, to
 * refresh cells whose value is computed at scrape time. ud must stay
 * valid as long as the registry renders. */
void lw_metrics_on_collect(lw_metrics *m, void (*collect)(void *ud), void *ud);

/* Runs the collect callbacks, then appends the whole exposition to out. */
void lw_metrics_render(lw_metrics *m, lw_buf *out);

/* Appends v as a Prometheus label value (without the quotes): backslash,
 * quote and newline escaped as the text format requires. Label values come
 * from log group names and config rule names. */
void lw_prom_label(lw_buf *out, const char *v);

#endif
