/* timeutil: see timeutil.h. */
#include "common/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, size_t n, size_t at, int count, int *out)
{
    if (at + (size_t)count > n)
        return 0;
    int v = 0;
    for (int i = 0; i < count; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 1;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

size_t lw_parse_iso8601(const char *s, size_t n, int64_t *ms)
{
    int Y, M, D, h = 0, mi = 0, sec = 0;
    if (!digits(s, n, 0, 4, &Y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &M) ||
        s[7] != '-' || !digits(s, n, 8, 2, &D))
        return 0;
    if (M < 1 || M > 12 || D < 1 || D > 31)
        return 0;
    size_t i = 10;
    int64_t frac_ms = 0;
    if (i < n && (s[i] == 'T' || s[i] == ' ') && digits(s, n, i + 1, 2, &h)) {
        if (i + 6 > n || s[i + 3] != ':' || !digits(s, n, i + 4, 2, &mi))
            return 0;
        i += 6;
        if (i < n && s[i] == ':') {
            if (!digits(s, n, i + 1, 2, &sec))
                return 0;
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                int scale = 100, any = 0;
                while (i < n && isdigit((unsigned char)s[i])) {
                    frac_ms += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                    any = 1;
                }
                if (!any)
                    return 0;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return 0;
        int64_t off = 0;
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int oh, om;
            int sign = s[i] == '-' ? -1 : 1;
            if (!digits(s, n, i + 1, 2, &oh))
                return 0;
            size_t j = i + 3;
            if (j < n && s[j] == ':')
                j++;
            if (!digits(s, n, j, 2, &om))
                return 0;
            off = sign * (oh * 3600 + om * 60);
            i = j + 2;
        }
        int64_t days = days_from_civil(Y, (unsigned)M, (unsigned)D);
        *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000 + frac_ms;
        return i;
    }
    *ms = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400000;
    return i;
}

int lw_parse_duration(const char *s, int64_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double mult;
    if (!*end || !strcmp(end, "s")) mult = 1000;
    else if (!strcmp(end, "ms")) mult = 1;
    else if (!strcmp(end, "m")) mult = 60e3;
    else if (!strcmp(end, "h")) mult = 3600e3;
    else if (!strcmp(end, "d")) mult = 86400e3;
    else if (!strcmp(end, "w")) mult = 7 * 86400e3;
    else return -1;
    if (!(v * mult < 9e18)) /* also rejects NaN */
        return -1;
    *ms = (int64_t)(v * mult);
    return 0;
}

int lw_time_parse_arg(const char *s, int64_t now_ms, int64_t *out_ms)
{
    size_t n = strlen(s);
    int64_t v;
    if (!n)
        return -1;
    /* Digits alone are epoch ms (a bare number of seconds would be a
     * duration to lw_parse_duration: here a unit is required). */
    if (strspn(s, "0123456789") == n) {
        if (n > 15) /* past the year 33658: a mistake, not a time */
            return -1;
        *out_ms = strtoll(s, NULL, 10);
        return 0;
    }
    if (lw_parse_iso8601(s, n, &v) == n) {
        *out_ms = v;
        return 0;
    }
    if (((s[n - 1] >= 'a' && s[n - 1] <= 'z') || (s[n - 1] >= 'A' && s[n - 1] <= 'Z')) &&
        lw_parse_duration(s, &v) == 0 && v <= now_ms) {
        *out_ms = now_ms - v;
        return 0;
    }
    return -1;
}

void lw_fmt_iso8601(lw_buf *b, int64_t ms)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int msec = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    lw_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
}
