/*
 * options: the one parser, validator and reference printer of typed option
 * tables (common/option.h), used by the config file's sections and by every
 * detector's options[] alike, so "5m", "64k", "high" and a range check mean
 * the same thing everywhere and the reference cannot drift from the code.
 *
 * Scalar types only (STR, INT, DOUBLE, DURATION, SIZE, BOOL, SEVERITY,
 * CHOICE); LIST, LINES, SECRET and SECRET_LINES append to lists or read files and
 * environment variables, which is the config loader's business.
 */
#ifndef LW_OPTIONS_H
#define LW_OPTIONS_H

#include <stdio.h>

#include "common/option.h"

/* The row called name in a {NULL}-terminated table (table may be NULL). */
const lw_option *lw_option_find(const lw_option *table, const char *name);

/* Parses text as o and stores it at base + o->offset. Returns 0, or -1 with
 * what a valid value looks like in err ("must be an integer from 1 to
 * 1000000"); the caller says where (file, line, section, option). Nothing
 * is stored on error. */
int lw_option_parse(const lw_option *o, const char *text, void *base, char *err, size_t errlen);

/* Stores every row's default into base (rows without one are left alone).
 * Returns -1 when a default does not parse: a bug in the table, which a
 * unit test walks every table to rule out. */
int lw_options_defaults(const lw_option *table, void *base);

/* Sets the option called name from text: lw_option_find + lw_option_parse.
 * -1 with err when there is no such option or the value is invalid. */
int lw_options_set(const lw_option *table, void *base, const char *name, const char *text, char *err,
                   size_t errlen);

/* The reference of one table as commented INI lines: help, type and range,
 * then ";name = default". */
void lw_options_reference(FILE *to, const lw_option *table);

/* The same reference as man(7) lines for lambdaward.conf(5): a tagged
 * paragraph per option with its help, type and range, and default. */
void lw_options_reference_man(FILE *to, const lw_option *table);
/* A section's heading there ("[watch NAME]") and what it is about (or NULL). */
void lw_options_man_heading(FILE *to, const char *header, const char *about);

#endif
