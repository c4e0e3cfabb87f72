/*
 * log: the daemon's log lines on stderr, and the one redaction step every
 * message a command prints about its work goes through.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each line starts with a
 * syslog priority prefix "<N>" and carries no timestamp, since journald adds
 * both; on a terminal or in a file it gets an ISO timestamp and the level
 * word.
 *
 * Messages carry attacker-controlled text (finding titles, log group and
 * stream names, paths, error texts from AWS and webhook receivers), so the
 * formatted message is never trusted: it passes lw_redact (credentials
 * masked), then lw_escape (CR, LF, ESC, C1, bidi controls... made visible,
 * common/escape.h), so a message can neither forge or split a line nor
 * drive a terminal. It is then cut to LW_LOG_MAX bytes on a character
 * boundary, marked "…[+N bytes]". Callers still print only the origin of
 * a URL (common/url.h): a webhook's path is a credential redaction may not
 * recognise.
 */
#ifndef LW_LOG_H
#define LW_LOG_H

#include <stdio.h>

typedef enum lw_log_level {
    LW_LOG_ERROR = 3,
    LW_LOG_WARNING = 4,
    LW_LOG_NOTICE = 5,
    LW_LOG_INFO = 6,
    LW_LOG_DEBUG = 7,
} lw_log_level;

/* Bytes of a message, after escaping, on one line. */
#define LW_LOG_MAX 2048

void lw_log_init(void);
/* "debug", "info", ...; returns -1 for an unknown name. */
int lw_log_set_level(const char *name);
/* The level set now stays (a command line's --debug over the config's
 * [log] level, at start and at every reload): later lw_log_set_level calls
 * change nothing. */
void lw_log_pin_level(void);
void lw_log(lw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command's message (`query`, `check-config`, `test-webhook`...): one
 * line on `to` with no timestamp or level, through the same redaction,
 * escaping and bound as lw_log. */
void lw_print(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LW_ERROR(...) lw_log(LW_LOG_ERROR, __VA_ARGS__)
#define LW_WARN(...) lw_log(LW_LOG_WARNING, __VA_ARGS__)
#define LW_NOTICE(...) lw_log(LW_LOG_NOTICE, __VA_ARGS__)
#define LW_INFO(...) lw_log(LW_LOG_INFO, __VA_ARGS__)
#define LW_DEBUG(...) lw_log(LW_LOG_DEBUG, __VA_ARGS__)

#endif
