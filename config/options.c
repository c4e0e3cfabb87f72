/* options: see options.h. */
#include "config/options.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/timeutil.h"
#include "detectors/finding.h"

const lw_option *lw_option_find(const lw_option *table, const char *name)
{
    for (const lw_option *o = table; o && o->name; o++)
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

/* A finite number and nothing after it but spaces. strtod alone would take
 * "nan", "inf" and "12abc"; none of them is a threshold. */
static int parse_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* k, M, G are binary multiples, as in the rest of the config ("8M" has
 * always meant 8 MiB here); an optional B may follow. */
static int parse_size(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    double m = 1;
    switch (tolower((unsigned char)*end)) {
    case 0: break;
    case 'k': m = 1024; end++; break;
    case 'm': m = 1024 * 1024; end++; break;
    case 'g': m = 1024.0 * 1024 * 1024; end++; break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end)
        return -1;
    *out = v * m;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") || !strcmp(s, "1"))
        *out = true;
    else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcmp(s, "0"))
        *out = false;
    else
        return -1;
    return 0;
}

/* A value of o's unit as it would be written: 300 s as "5m", 8388608 bytes
 * as "8M", so ranges read like the values they bound. */
static void fmt_value(lw_opt_type t, double v, char *out, size_t n)
{
    if (t == LW_OPT_DURATION) {
        static const struct { int64_t ms; const char *unit; } u[] = {
            {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
        int64_t ms = llround(v * 1000);
        for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
            if (ms == 0 || ms % u[i].ms == 0) {
                snprintf(out, n, "%lld%s", (long long)(ms / u[i].ms), ms == 0 ? "s" : u[i].unit);
                return;
            }
    }
    if (t == LW_OPT_SIZE && v == floor(v) && v > 0) {
        static const struct { double b; const char *unit; } u[] = {
            {1024.0 * 1024 * 1024, "G"}, {1024.0 * 1024, "M"}, {1024, "k"}};
        for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
            if (fmod(v, u[i].b) == 0) {
                snprintf(out, n, "%.0f%s", v / u[i].b, u[i].unit);
                return;
            }
    }
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(out, n, "%.0f", v);
    else
        snprintf(out, n, "%g", v);
}

/* What a valid value of o looks like: the tail of every error message and
 * the type line of the reference. */
static void describe(const lw_option *o, char *out, size_t n)
{
    const char *what = NULL, *hint = "";
    switch (o->type) {
    case LW_OPT_INT: what = "an integer"; break;
    case LW_OPT_DOUBLE: what = "a number"; break;
    case LW_OPT_DURATION: what = "a duration"; hint = " (250ms, 30s, 5m, 2h, 1d; a bare number is seconds)"; break;
    case LW_OPT_SIZE: what = "a size"; hint = " (64k, 8M, 1G; a bare number is bytes)"; break;
    case LW_OPT_STR: snprintf(out, n, "text"); return;
    case LW_OPT_BOOL: snprintf(out, n, "true or false"); return;
    case LW_OPT_SEVERITY: snprintf(out, n, "a severity: info, low, medium, high or critical"); return;
    case LW_OPT_LIST: snprintf(out, n, "a comma-separated list (the key may repeat)"); return;
    case LW_OPT_LINES: snprintf(out, n, "one value per line (the key may repeat)"); return;
    case LW_OPT_SECRET:
        snprintf(out, n, "a secret, or %s_file = PATH (or credential:NAME, a systemd credential), or %s_env = VARIABLE", o->name, o->name);
        return;
    case LW_OPT_SECRET_LINES:
        snprintf(out, n, "one value per line (the key may repeat), or %s_file = PATH (or credential:NAME) / %s_env = VARIABLE "
                 "holding one per line", o->name, o->name);
        return;
    case LW_OPT_CHOICE: {
        size_t at = (size_t)snprintf(out, n, "one of");
        for (const char *const *c = o->choices; c && *c && at < n; c++)
            at += (size_t)snprintf(out + at, n - at, "%s %s", c == o->choices ? "" : ",", *c);
        return;
    }
    }
    if (o->min || o->max) {
        char lo[32], hi[32];
        fmt_value(o->type, o->min, lo, sizeof lo);
        fmt_value(o->type, o->max, hi, sizeof hi);
        snprintf(out, n, "%s from %s to %s%s", what, lo, hi, hint);
    } else {
        snprintf(out, n, "%s%s", what, hint);
    }
}

static int invalid(const lw_option *o, char *err, size_t errlen)
{
    char d[192];
    describe(o, d, sizeof d);
    snprintf(err, errlen, "must be %s", d);
    return -1;
}

int lw_option_parse(const lw_option *o, const char *text, void *base, char *err, size_t errlen)
{
    void *field = (char *)base + o->offset;
    double v = 0;
    int rc = 0;
    switch (o->type) {
    case LW_OPT_STR:
        free(*(char **)field);
        *(char **)field = strdup(text);
        return 0;
    case LW_OPT_BOOL:
        return parse_bool(text, (bool *)field) < 0 ? invalid(o, err, errlen) : 0;
    case LW_OPT_SEVERITY: {
        lw_severity s;
        /* The detectors' help texts have long said "2 = medium": an index
         * written that way keeps its meaning. */
        if (lw_severity_parse(text, &s) < 0) {
            if (parse_number(text, &v) < 0 || v != floor(v) || v < LW_SEV_INFO || v > LW_SEV_CRITICAL)
                return invalid(o, err, errlen);
            s = (lw_severity)(int)v;
        }
        *(lw_severity *)field = s;
        return 0;
    }
    case LW_OPT_CHOICE:
        for (int i = 0; o->choices && o->choices[i]; i++)
            if (!strcasecmp(text, o->choices[i])) {
                *(int *)field = i;
                return 0;
            }
        return invalid(o, err, errlen);
    case LW_OPT_INT:
        rc = parse_number(text, &v);
        if (rc == 0 && v != floor(v))
            rc = -1;
        break;
    case LW_OPT_DOUBLE:
        rc = parse_number(text, &v);
        break;
    case LW_OPT_DURATION: {
        int64_t ms;
        rc = lw_parse_duration(text, &ms);
        v = (double)ms / 1000;
        break;
    }
    case LW_OPT_SIZE:
        rc = parse_size(text, &v);
        break;
    case LW_OPT_LIST:
    case LW_OPT_LINES:
    case LW_OPT_SECRET:
    case LW_OPT_SECRET_LINES:
        snprintf(err, errlen, "internal: %s is not a scalar option", o->name);
        return -1;
    }
    if (rc < 0 || ((o->min || o->max) && (v < o->min || v > o->max)))
        return invalid(o, err, errlen);
    *(double *)field = v;
    return 0;
}

int lw_options_defaults(const lw_option *table, void *base)
{
    int rc = 0;
    char err[256];
    for (const lw_option *o = table; o && o->name; o++)
        if (o->dflt && o->type != LW_OPT_LIST && o->type != LW_OPT_LINES && o->type != LW_OPT_SECRET &&
            o->type != LW_OPT_SECRET_LINES &&
            lw_option_parse(o, o->dflt, base, err, sizeof err) < 0)
            rc = -1;
    return rc;
}

int lw_options_set(const lw_option *table, void *base, const char *name, const char *text, char *err,
                   size_t errlen)
{
    const lw_option *o = lw_option_find(table, name);
    if (!o) {
        snprintf(err, errlen, "no option '%s'", name);
        return -1;
    }
    return lw_option_parse(o, text, base, err, errlen);
}

/* Help as "; " lines of at most ~78 columns: the reference is meant to be
 * copied into a config file, whose lines the loader caps in length. */
static void comment(FILE *to, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strlen(p);
        if (n > 76) {
            n = 76;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(p, " ");
        }
        fprintf(to, "; %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

void lw_options_reference(FILE *to, const lw_option *table)
{
    for (const lw_option *o = table; o && o->name; o++) {
        char d[192];
        describe(o, d, sizeof d);
        comment(to, o->help);
        comment(to, d);
        fprintf(to, ";%s = %s\n", o->name, o->dflt ? o->dflt : "");
    }
}

/* Text as roff takes it: backslashes and hyphens escaped (a "-" would be
 * set as a hyphen, and copied from the page it would not be the ASCII
 * minus an option value needs), and a leading "." or "'" kept from
 * reading as a request. */
static void roff(FILE *to, const char *text)
{
    if (*text == '.' || *text == '\'')
        fputs("\\&", to);
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            fputs("\\e", to);
        else if (*p == '-')
            fputs("\\-", to);
        else
            fputc(*p, to);
    }
}

void lw_options_reference_man(FILE *to, const lw_option *table)
{
    for (const lw_option *o = table; o && o->name; o++) {
        char d[192];
        describe(o, d, sizeof d);
        fputs(".TP\n.B ", to);
        roff(to, o->name);
        fputs("\n", to);
        /* Help is written as a phrase ("how often ..."); the page sets it
         * as a sentence. */
        if (o->help && *o->help) {
            char *help = lw_xstrndup(o->help, strlen(o->help));
            help[0] = (char)toupper((unsigned char)help[0]);
            roff(to, help);
            free(help);
            fputs(".\n.br\n", to);
        }
        /* The type line starts upper case as a sentence of its own. */
        fputs("Type: ", to);
        roff(to, d);
        if (o->dflt && *o->dflt) {
            fputs(". Default: \\fB", to);
            roff(to, o->dflt);
            fputs("\\fR", to);
        }
        fputs(".\n", to);
    }
}

void lw_options_man_heading(FILE *to, const char *header, const char *about)
{
    fputs(".SS \"", to);
    roff(to, header);
    fputs("\"\n", to);
    if (about && *about) {
        fputs(".PP\n", to);
        char *text = lw_xstrndup(about, strlen(about));
        text[0] = (char)toupper((unsigned char)text[0]);
        roff(to, text);
        free(text);
        fputs(".\n", to);
    }
}
