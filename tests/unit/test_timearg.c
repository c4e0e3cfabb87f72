/* timeutil's lw_time_parse_arg: the times commands take on their command
 * line (--since): durations before now, ISO 8601, epoch milliseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/timeutil.h"

#define NOW 1764720000000LL /* 2025-12-03T00:00:00Z */

static int64_t parsed(const char *s)
{
    int64_t v = -42;
    assert_int_equal(lw_time_parse_arg(s, NOW, &v), 0);
    return v;
}

static void relative_durations_count_back_from_now(void **st)
{
    (void)st;
    assert_int_equal(parsed("2h"), NOW - 2 * 3600000LL);
    assert_int_equal(parsed("30m"), NOW - 30 * 60000LL);
    assert_int_equal(parsed("7d"), NOW - 7 * 86400000LL);
    assert_int_equal(parsed("90s"), NOW - 90000);
    assert_int_equal(parsed("1500ms"), NOW - 1500);
}

static void absolute_times(void **st)
{
    (void)st;
    assert_int_equal(parsed("2025-12-03T00:00:00Z"), NOW);
    assert_int_equal(parsed("2025-12-02T23:00:00.500Z"), NOW - 3600000 + 500);
    assert_int_equal(parsed("2025-12-03T01:00:00+01:00"), NOW);
    assert_int_equal(parsed("2025-12-03"), NOW);
    assert_int_equal(parsed("1764720000000"), NOW); /* epoch ms, as the AWS CLI's --start-time */
    assert_int_equal(parsed("0"), 0);
}

static void what_is_no_time(void **st)
{
    (void)st;
    int64_t v = 7;
    const char *bad[] = {"", "h", "2x", "-2h", "2025-13-03", "2025-12-03T00:00:00Zjunk", "12.5", "yesterday",
                         "1764720000000000000", "100000000d"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(lw_time_parse_arg(bad[i], NOW, &v), -1);
        assert_int_equal(v, 7); /* untouched */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relative_durations_count_back_from_now),
        cmocka_unit_test(absolute_times),
        cmocka_unit_test(what_is_no_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
