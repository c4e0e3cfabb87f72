/* term: see term.h. */
#include "daemon/cli/term.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "config/options.h"

typedef struct color_arg { int mode; } color_arg;

static const char *const color_choices[] = {"auto", "always", "never", NULL};

/* The same order as lw_color_mode: the choice's index is the mode. */
const lw_option lw_term_color_option[] = {
    {.name = "color", .type = LW_OPT_CHOICE, .dflt = "auto", .offset = offsetof(color_arg, mode),
     .help = "colour severities in the table", .choices = color_choices},
    LW_OPT_END,
};

int lw_term_color_parse(const char *text, lw_color_mode *mode, char *err, size_t errlen)
{
    color_arg a = {0};
    if (lw_option_parse(lw_term_color_option, text, &a, err, errlen) < 0)
        return -1;
    *mode = (lw_color_mode)a.mode;
    return 0;
}

bool lw_term_color(int fd, lw_color_mode mode)
{
    if (mode != LW_COLOR_AUTO)
        return mode == LW_COLOR_ALWAYS;
    const char *no = getenv("NO_COLOR");
    return isatty(fd) && !(no && *no);
}

size_t lw_term_width(int fd)
{
    bool tty = isatty(fd);
    struct winsize ws;
    if (tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v > 0 && v < 100000)
            return (size_t)v;
    }
    return tty ? 80 : 0;
}
