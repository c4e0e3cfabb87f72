/* timeutil: see timeutil.h. */
#include "common/timeutil.h"

#include <ctype.h>
#include <stdbool.h>
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

void lw_fmt_iso8601(lw_buf *b, int64_t ms)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int msec = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    lw_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A date the calendar has: lw_parse_iso8601 reads logs and takes any day
 * up to 31, but a user's "2026-02-30" is a typo to report, not March 2. */
static bool real_date(const char *s)
{
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (s[i] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

int lw_time_parse_arg(const char *s, int64_t now_ms, int64_t *out_ms)
{
    if (!s || !*s)
        return -1;
    size_t n = strlen(s);
    if (!strcmp(s, "now")) {
        *out_ms = now_ms;
        return 0;
    }
    if (all_digits(s)) {
        /* Epoch milliseconds, as the AWS CLI's `logs` commands take them;
         * ten digits are epoch seconds (`date +%s`): as milliseconds they
         * would be January 1970, which nobody means. */
        if (n > 16)
            return -1;
        int64_t v = strtoll(s, NULL, 10);
        if (v >= 100000000000LL)
            *out_ms = v;
        else if (n == 10)
            *out_ms = v * 1000;
        else
            return -1;
        return 0;
    }
    if (n >= 10 && s[0] >= '0' && s[0] <= '9' && s[4] == '-') {
        int64_t ms;
        if (lw_parse_iso8601(s, n, &ms) != n || !real_date(s))
            return -1;
        *out_ms = ms;
        return 0;
    }
    /* A duration ago; a bare number has no unit and is refused above or
     * here, so "15" is never silently 15 seconds. */
    size_t num = strspn(s, "0123456789.");
    if (!num || num == n || strspn(s + num, "mshdw") != n - num)
        return -1; /* no hex, exponents or signs from strtod */
    int64_t d;
    if (lw_parse_duration(s, &d) < 0 || d > now_ms)
        return -1;
    *out_ms = now_ms - d;
    return 0;
}
