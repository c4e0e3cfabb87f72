/*
 * term: what the commands that print tables (query, findings, status) ask
 * of standard output: how wide a line may be, and whether to colour.
 *
 * Width: the terminal's (TIOCGWINSZ) when stdout is one and says; else
 * COLUMNS when it holds a number; else 80 on a terminal and no limit on a
 * pipe or file, so `| grep` and `> file` get whole lines unless COLUMNS
 * asks otherwise.
 *
 * Colour (--color=auto|always|never): always colours, never does not;
 * auto colours when stdout is a terminal and NO_COLOR (no-color.org) is
 * unset or empty. --color=always wins over NO_COLOR, as the flag is the
 * user's latest word.
 */
#ifndef LW_TERM_H
#define LW_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/option.h"

typedef enum lw_color_mode { LW_COLOR_AUTO, LW_COLOR_ALWAYS, LW_COLOR_NEVER } lw_color_mode;

/* The --color option's row (an LW_OPT_CHOICE of config/options.c). */
extern const lw_option lw_term_color_option[];

/* Parses a --color value into *mode; -1 with what is valid in err. */
int lw_term_color_parse(const char *text, lw_color_mode *mode, char *err, size_t errlen);
bool lw_term_color(int fd, lw_color_mode mode);
/* Columns a table line on fd may take; 0 = no limit. */
size_t lw_term_width(int fd);

#endif
