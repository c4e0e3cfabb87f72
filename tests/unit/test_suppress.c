/* suppress: [suppress NAME] sections as check-config reads them, and the
 * matcher the daemon asks before a finding goes to the webhooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/suppress.h"

static int load(const char *text, lw_config *c)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/lw-test-suppress-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int n = lw_config_load(path, c);
    unlink(path);
    return n;
}

static bool has(const lw_strlist *l, const char *needle)
{
    for (int i = 0; i < l->n; i++)
        if (strstr(l->v[i], needle))
            return true;
    return false;
}

#define T0 1764720000000LL /* 2025-12-03T00:00:00Z */

static const char timeout_json[] =
    "{\"kind\":\"finding\",\"id\":\"f1\",\"detector\":\"timeout\",\"severity\":\"high\",\"function\":\"batch-export\","
    "\"log_group\":\"/aws/lambda/batch-export\",\"title\":\"Task timed out after 900.00 seconds\","
    "\"evidence\":{\"timeout_s\":900,\"path\":\"/jobs/nightly\\u002dfull\",\"cold\":false}}";

static const lw_suppress_cfg *m(const lw_config *c, const char *det, const char *fn, int64_t now)
{
    return lw_suppress_match(c->suppressions, det, fn, timeout_json, strlen(timeout_json), now);
}

static void sections_are_read_and_matched(void **st)
{
    (void)st;
    lw_config c;
    assert_int_equal(load("[suppress nightly]\ndetector = timeout\nfunction = batch-*\nmatch = timeout_s=900\n"
                          "match = path=/jobs/nightly-*\nexpires = 2025-12-31\n"
                          "[suppress any-probe]\ndetector = *\nfunction = canary-?\n"
                          "[suppress by-group]\ndetector = timeout\nmatch = log_group=/aws/lambda/worker*\n",
                          &c),
                     0);
    const lw_suppress_cfg *x = c.suppressions;
    assert_string_equal(x->name, "nightly");
    assert_int_equal(x->match.n, 2);
    assert_int_equal(x->expires_ms, T0 + 28 * 86400000LL);
    assert_ptr_equal(m(&c, "timeout", "batch-export", T0), x);
    assert_null(m(&c, "attack", "batch-export", T0));          /* another detector */
    assert_null(m(&c, "timeout", "export", T0));                /* the glob is anchored */
    assert_null(m(&c, "timeout", "batch-export", x->expires_ms)); /* expired: by the clock given */
    assert_string_equal(m(&c, "attack", "canary-1", T0)->name, "any-probe");
    assert_null(m(&c, "attack", "canary-12", T0));
    lw_config_free(&c);

    /* a field that does not hold, or is absent, mutes nothing */
    assert_int_equal(load("[suppress a]\ndetector = timeout\nmatch = timeout_s=300\n"
                          "[suppress b]\ndetector = timeout\nmatch = no_such_field=*\n"
                          "[suppress c]\ndetector = timeout\nmatch = cold=false\nmatch = title=*900.00*\n", &c),
                     0);
    assert_string_equal(m(&c, "timeout", "batch-export", T0)->name, "c"); /* a boolean as written; top level */
    assert_null(lw_suppress_match(c.suppressions, "timeout", "batch-export", "not json", 8, T0));
    lw_config_free(&c);
}

static void check_config_reports_bad_sections(void **st)
{
    (void)st;
    lw_config c;
    int n = load("[suppress]\ndetector = timeout\n"
                 "[suppress x]\nfunction = f\n"
                 "[suppress y]\ndetector = no_such_detector\n"
                 "[suppress z]\ndetector = timeout\nmatch = noequals\nexpires = next tuesday\nbogus = 1\n"
                 "[suppress z]\ndetector = rule:mine\n",
                 &c);
    assert_true(n >= 6);
    assert_true(has(&c.errors, "[suppress] needs a name"));
    assert_true(has(&c.errors, "suppress 'x' has no detector"));
    assert_true(has(&c.errors, "unknown detector 'no_such_detector'"));
    assert_true(has(&c.errors, "match = noequals is not FIELD=GLOB"));
    assert_true(has(&c.errors, "expires = next tuesday is not an ISO 8601"));
    assert_true(has(&c.errors, "unknown option 'bogus' in [suppress z]"));
    assert_true(has(&c.errors, "suppress 'z' is defined twice"));
    lw_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sections_are_read_and_matched),
        cmocka_unit_test(check_config_reports_bad_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
