/*
 * option: the shape of one typed option, shared by the config file's
 * sections and the detectors' tunables (the Fluent Bit config map idea:
 * type, name, default, where the value lands, range and help in one row).
 *
 * Types only. The table rows live next to what they configure (config.c
 * for sections, each detector's options[]); parsing, range checks, defaults
 * and the `check-config --reference` text live once in config/options.c.
 * This header sits in common/ because detectors, which are below config in
 * the layering, declare tables too.
 */
#ifndef LW_OPTION_H
#define LW_OPTION_H

#include <stddef.h>

/* What the text means, and what is stored at `offset`. */
typedef enum lw_opt_type {
    LW_OPT_STR,      /* char *, owned (strdup) */
    LW_OPT_INT,      /* double holding a whole number within [min, max] */
    LW_OPT_DOUBLE,   /* double, finite, within [min, max] */
    LW_OPT_DURATION, /* double seconds: "250ms", "30s", "5m", "2h", "1d"; a bare number is seconds */
    LW_OPT_SIZE,     /* double bytes: "64k", "8M", "1G" (binary multiples); a bare number is bytes */
    LW_OPT_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
    LW_OPT_SEVERITY, /* lw_severity: info, low, medium, high, critical (or its index 0..4) */
    LW_OPT_CHOICE,   /* int: the index of the value in `choices` */
    LW_OPT_LIST,     /* lw_strlist: comma-separated, and the key may repeat */
    LW_OPT_LINES,    /* lw_strlist: the key may repeat; each value whole */
    LW_OPT_SECRET,   /* char *: inline, or from <name>_file, or from <name>_env */
    LW_OPT_SECRET_LINES, /* lw_strlist: as LINES inline, or one per line from <name>_file / <name>_env */
} lw_opt_type;

typedef struct lw_option {
    const char *name;
    lw_opt_type type;
    const char *dflt;            /* as it would be written in the file; NULL = none */
    size_t offset;               /* of the field in the struct the table fills */
    double min, max;             /* INT, DOUBLE, DURATION (s), SIZE (bytes); both 0 = any */
    const char *help;
    const char *const *choices;  /* CHOICE: NULL-terminated names */
} lw_option;

/* One row, and the end of a table. Designated, so a row need not spell out
 * the fields its type does not use (choices). Parameters are upper case so
 * they cannot replace member names inside an offsetof() argument. */
#define LW_OPT(NAME, TYPE, DFLT, OFFSET, MIN, MAX, HELP)                                                     \
    {.name = (NAME), .type = (TYPE), .dflt = (DFLT), .offset = (OFFSET), .min = (MIN), .max = (MAX), .help = (HELP)}
#define LW_OPT_END {.name = NULL}

#endif
