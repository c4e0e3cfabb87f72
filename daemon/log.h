/*
 * log: the daemon's log lines on stderr.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each line starts with a
 * syslog priority prefix "<N>" and carries no timestamp, since journald adds
 * both; on a terminal or in a file it gets an ISO timestamp and the level
 * word. Nothing that could hold a credential is ever passed here: callers
 * log names, counts and error types, never request headers or keys.
 */
#ifndef LW_LOG_H
#define LW_LOG_H

typedef enum lw_log_level {
    LW_LOG_ERROR = 3,
    LW_LOG_WARNING = 4,
    LW_LOG_NOTICE = 5,
    LW_LOG_INFO = 6,
    LW_LOG_DEBUG = 7,
} lw_log_level;

void lw_log_init(void);
/* "debug", "info", ...; returns -1 for an unknown name. */
int lw_log_set_level(const char *name);
void lw_log(lw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LW_ERROR(...) lw_log(LW_LOG_ERROR, __VA_ARGS__)
#define LW_WARN(...) lw_log(LW_LOG_WARNING, __VA_ARGS__)
#define LW_NOTICE(...) lw_log(LW_LOG_NOTICE, __VA_ARGS__)
#define LW_INFO(...) lw_log(LW_LOG_INFO, __VA_ARGS__)
#define LW_DEBUG(...) lw_log(LW_LOG_DEBUG, __VA_ARGS__)

#endif
