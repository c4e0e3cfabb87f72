/* metrics: the registry and the one renderer of /metrics, see metrics.h. */
#include "daemon/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a series holds its value. */
typedef enum { CELL_U64, CELL_DOUBLE, REF_U64 } series_kind;

typedef struct series {
    struct series *next;
    char *label;          /* the label value; NULL in an unlabelled family */
    series_kind kind;
    union {
        uint64_t u;
        double d;
    } cell;               /* each series is its own allocation, so a cell never moves */
    const uint64_t *ref;  /* REF_U64: the component's counter */
} series;

struct lw_metric_family {
    lw_metric_family *next;
    const char *name, *help, *label;
    lw_metric_type type;
    series *first, **tail;
};

typedef struct collector {
    struct collector *next;
    void (*fn)(void *ud);
    void *ud;
} collector;

struct lw_metrics {
    lw_metric_family *first, **tail;
    collector *collectors, **ctail;
};

/* Misuse is a bug in the caller, found by the first test that registers:
 * fail loudly rather than render text a scraper would reject. */
static void misuse(const char *family, const char *what)
{
    fprintf(stderr, "metrics: %s: %s\n", family, what);
    abort();
}

lw_metrics *lw_metrics_new(void)
{
    lw_metrics *m = lw_xcalloc(1, sizeof *m);
    m->tail = &m->first;
    m->ctail = &m->collectors;
    return m;
}

void lw_metrics_free(lw_metrics *m)
{
    if (!m)
        return;
    for (lw_metric_family *f = m->first, *fn; f; f = fn) {
        fn = f->next;
        for (series *s = f->first, *sn; s; s = sn) {
            sn = s->next;
            free(s->label);
            free(s);
        }
        free(f);
    }
    for (collector *c = m->collectors, *cn; c; c = cn) {
        cn = c->next;
        free(c);
    }
    free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]*, what the format allows in a metric or label
 * name (a label name may not hold ':', which none of ours do). */
static bool valid_name(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == ':'))
            return false;
    return true;
}

lw_metric_family *lw_metrics_family(lw_metrics *m, const char *name, const char *help, lw_metric_type type,
                                    const char *label)
{
    if (!valid_name(name) || (label && !valid_name(label)))
        misuse(name ? name : "(null)", "not a valid metric or label name");
    if (!help || !*help)
        misuse(name, "no HELP text: every family says what it counts");
    for (lw_metric_family *f = m->first; f; f = f->next) {
        if (strcmp(f->name, name))
            continue;
        if (f->type != type || !f->label != !label || (label && strcmp(f->label, label)))
            misuse(name, "registered twice with another type or label");
        return f;
    }
    lw_metric_family *f = lw_xcalloc(1, sizeof *f);
    f->name = name;
    f->help = help;
    f->type = type;
    f->label = label;
    f->tail = &f->first;
    *m->tail = f;
    m->tail = &f->next;
    return f;
}

/* The link pointing at the series with label value v, or at the end. */
static series **find(lw_metric_family *f, const char *v)
{
    if (!f->label != !v)
        misuse(f->name, f->label ? "series without a label value" : "label value in an unlabelled family");
    series **p = &f->first;
    while (*p && v && strcmp((*p)->label, v))
        p = &(*p)->next;
    return p;
}

static series *get(lw_metric_family *f, const char *v, series_kind kind)
{
    series **p = find(f, v);
    if (*p) {
        if ((*p)->kind != kind)
            misuse(f->name, "one series registered as two kinds");
        return *p;
    }
    series *s = lw_xcalloc(1, sizeof *s);
    s->label = v ? lw_xstrndup(v, strlen(v)) : NULL;
    s->kind = kind;
    *f->tail = s;
    f->tail = &s->next;
    return s;
}

uint64_t *lw_metric_u64(lw_metric_family *f, const char *v) { return &get(f, v, CELL_U64)->cell.u; }
double *lw_metric_double(lw_metric_family *f, const char *v) { return &get(f, v, CELL_DOUBLE)->cell.d; }
void lw_metric_u64_ref(lw_metric_family *f, const char *v, const uint64_t *src) { get(f, v, REF_U64)->ref = src; }

void lw_metric_remove(lw_metric_family *f, const char *v)
{
    series **p = find(f, v);
    series *s = *p;
    if (!s)
        return;
    *p = s->next;
    if (f->tail == &s->next)
        f->tail = p;
    free(s->label);
    free(s);
}

uint64_t *lw_metrics_counter(lw_metrics *m, const char *name, const char *help)
{
    return lw_metric_u64(lw_metrics_family(m, name, help, LW_METRIC_COUNTER, NULL), NULL);
}

double *lw_metrics_gauge(lw_metrics *m, const char *name, const char *help)
{
    return lw_metric_double(lw_metrics_family(m, name, help, LW_METRIC_GAUGE, NULL), NULL);
}

void lw_metrics_counter_ref(lw_metrics *m, const char *name, const char *help, const uint64_t *src)
{
    lw_metric_u64_ref(lw_metrics_family(m, name, help, LW_METRIC_COUNTER, NULL), NULL, src);
}

void lw_metrics_on_collect(lw_metrics *m, void (*collect)(void *ud), void *ud)
{
    collector *c = lw_xcalloc(1, sizeof *c);
    c->fn = collect;
    c->ud = ud;
    *m->ctail = c;
    m->ctail = &c->next;
}

void lw_prom_label(lw_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            lw_buf_putc(out, '\\');
        if (*v == '\n')
            lw_buf_puts(out, "\\n");
        else
            lw_buf_putc(out, *v);
    }
}

/* HELP text escapes backslash and newline only (a quote is literal). */
static void help_text(lw_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            lw_buf_puts(out, "\\\\");
        else if (*v == '\n')
            lw_buf_puts(out, "\\n");
        else
            lw_buf_putc(out, *v);
    }
}

/* The shortest decimal that reads back as the same double (15 digits
 * almost always do; 17 always do), and the format's spellings of the
 * non-finite values. Integral values come out without a fraction. */
static void put_double(lw_buf *out, double d)
{
    if (isnan(d)) {
        lw_buf_puts(out, "NaN");
        return;
    }
    if (isinf(d)) {
        lw_buf_puts(out, d > 0 ? "+Inf" : "-Inf");
        return;
    }
    char s[32];
    snprintf(s, sizeof s, "%.15g", d);
    if (strtod(s, NULL) != d)
        snprintf(s, sizeof s, "%.17g", d);
    lw_buf_puts(out, s);
}

void lw_metrics_render(lw_metrics *m, lw_buf *out)
{
    for (collector *c = m->collectors; c; c = c->next)
        c->fn(c->ud);
    for (lw_metric_family *f = m->first; f; f = f->next) {
        lw_buf_printf(out, "# HELP %s ", f->name);
        help_text(out, f->help);
        lw_buf_printf(out, "\n# TYPE %s %s\n", f->name, f->type == LW_METRIC_COUNTER ? "counter" : "gauge");
        for (series *s = f->first; s; s = s->next) {
            lw_buf_puts(out, f->name);
            if (s->label) {
                lw_buf_printf(out, "{%s=\"", f->label);
                lw_prom_label(out, s->label);
                lw_buf_puts(out, "\"}");
            }
            lw_buf_putc(out, ' ');
            if (s->kind == CELL_DOUBLE)
                put_double(out, s->cell.d);
            else
                lw_buf_printf(out, "%llu", (unsigned long long)(s->kind == REF_U64 ? *s->ref : s->cell.u));
            lw_buf_putc(out, '\n');
        }
    }
}
