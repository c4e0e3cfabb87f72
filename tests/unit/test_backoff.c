/* backoff: the one retry policy is full jitter: a draw in [0, min(cap,
 * base * 2^attempt)] that really spreads over that range and never exceeds
 * the cap, whatever the attempt count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/backoff.h"

static void backoff_is_full_jitter(void **st)
{
    (void)st;
    uint64_t rng = 42;
    double max = 0;
    for (int i = 0; i < 1000; i++) {
        double b = lw_backoff_delay(3, 2, 600, &rng);
        assert_true(b >= 0 && b <= 16);
        if (b > max)
            max = b;
    }
    assert_true(max > 12); /* it really spreads over [0, 16] */
    for (int i = 0; i < 100; i++)
        assert_true(lw_backoff_delay(40, 2, 600, &rng) <= 600);
}

static void same_seed_same_waits(void **st)
{
    (void)st;
    uint64_t a = 7, b = 7;
    for (int i = 1; i < 50; i++)
        assert_true(lw_backoff_delay(i, 0.2, 20, &a) == lw_backoff_delay(i, 0.2, 20, &b));
    uint64_t z = 0; /* a zero state would stay zero forever: it must not */
    double first = lw_backoff_delay(5, 1, 100, &z);
    assert_true(z != 0);
    assert_true(first >= 0 && first <= 32);
    assert_true(lw_backoff_seed() != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backoff_is_full_jitter),
        cmocka_unit_test(same_seed_same_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
