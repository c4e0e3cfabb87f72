/* log: see log.h. */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"

static lw_log_level threshold = LW_LOG_INFO;
static bool journal;

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
            threshold = map[i].l;
            return 0;
        }
    }
    return -1;
}

void lw_log(lw_log_level level, const char *fmt, ...)
{
    if (level > threshold)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One write per line, so lines from threads never interleave. */
    char line[2200];
    if (journal) {
        snprintf(line, sizeof line, "<%d>%s\n", (int)level, msg);
    } else {
        static const char *const names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
        int64_t ms = lw_wall_ms();
        time_t secs = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s: %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000), names[level], msg);
    }
    fputs(line, stderr);
}
