/* spool: findings come back whole and in the order they were put, whatever
 * their fields' sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/pipeline/spool.h"

static const char ID1[] = "0123456789abcdef0123456789abcdef";
static const char ID2[] = "fedcba9876543210fedcba9876543210";

static void round_trip_in_order(void **st)
{
    (void)st;
    /* A user rule's name makes the detector field as long as it likes. */
    char longdet[300];
    memset(longdet, 'r', sizeof longdet - 1);
    memcpy(longdet, "rule:", 5);
    longdet[sizeof longdet - 1] = '\0';
    lw_spool s;
    assert_int_equal(lw_spool_open(&s), 0);
    lw_spool_put(&s, ID1, 4, longdet, "line one\n", 9, "{\"a\":1}", 7);
    lw_spool_put(&s, ID2, 0, "probe", NULL, 0, "{}", 2);
    for (int pass = 0; pass < 2; pass++) {
        lw_spool_rewind(&s);
        lw_spooled k;
        assert_true(lw_spool_next(&s, &k));
        assert_string_equal(k.id, ID1);
        assert_int_equal(k.severity, 4);
        assert_string_equal(k.detector, longdet);
        assert_int_equal(k.rendered_len, 9);
        assert_memory_equal(k.rendered, "line one\n", 9);
        assert_int_equal(k.json_len, 7);
        assert_string_equal(k.json, "{\"a\":1}");
        assert_true(lw_spool_next(&s, &k));
        assert_string_equal(k.id, ID2);
        assert_int_equal(k.severity, 0);
        assert_string_equal(k.detector, "probe");
        assert_int_equal(k.rendered_len, 0);
        assert_string_equal(k.rendered, "");
        assert_string_equal(k.json, "{}");
        assert_false(lw_spool_next(&s, &k));
    }
    lw_spool_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
