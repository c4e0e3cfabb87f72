/* log: see log.h. */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/wipe.h"
#include "secrets/redact.h"

static lw_log_level threshold = LW_LOG_INFO;
static bool journal;
static bool pinned;

void lw_log_pin_level(void) { pinned = true; }

void lw_log_init(void)
{
    /* JOURNAL_STREAM is "device:inode" of the journal socket our stderr is
     * connected to; only trust it if stderr really is that file. */
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long long dev, ino;
    journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
              (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int lw_log_set_level(const char *name)
{
    static const struct { const char *n; lw_log_level l; } map[] = {
        {"error", LW_LOG_ERROR}, {"warning", LW_LOG_WARNING}, {"warn", LW_LOG_WARNING},
        {"notice", LW_LOG_NOTICE}, {"info", LW_LOG_INFO}, {"debug", LW_LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        if (!strcmp(name, map[i].n)) {
            if (!pinned)
                threshold = map[i].l;
            return 0;
        }
    }
    return -1;
}

/* The one step: format, redact the whole message (before any cut, so a
 * cut never leaves half a secret unrecognised), escape, bound, end the
 * line. The raw text may hold a credential: wiped before it is freed. */
static void render(lw_buf *line, const char *fmt, va_list ap)
{
    lw_buf raw = LW_BUF_INIT, red = LW_BUF_INIT;
    lw_buf_vprintf(&raw, fmt, ap);
    lw_redact(raw.p ? raw.p : "", raw.len, &red);
    size_t used = lw_escape(line, red.p ? red.p : "", red.len, 0, LW_LOG_MAX);
    if (used < red.len)
        lw_buf_printf(line, "\xe2\x80\xa6[+%zu bytes]", red.len - used);
    lw_buf_putc(line, '\n');
    lw_wipe(raw.p, raw.len);
    lw_wipe(red.p, red.len);
    lw_buf_free(&raw);
    lw_buf_free(&red);
}

/* One write per line, so lines from threads never interleave. */
static void emit(FILE *to, lw_buf *line)
{
    fwrite(line->p, 1, line->len, to);
    fflush(to);
    lw_buf_free(line);
}

void lw_log(lw_log_level level, const char *fmt, ...)
{
    if (level > threshold)
        return;
    lw_buf line = LW_BUF_INIT;
    if (journal) {
        lw_buf_printf(&line, "<%d>", (int)level);
    } else {
        static const char *const names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
        int64_t ms = lw_wall_ms();
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        lw_buf_printf(&line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000), names[level]);
    }
    va_list ap;
    va_start(ap, fmt);
    render(&line, fmt, ap);
    va_end(ap);
    emit(stderr, &line);
}

void lw_print(FILE *to, const char *fmt, ...)
{
    lw_buf line = LW_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    render(&line, fmt, ap);
    va_end(ap);
    emit(to, &line);
}
