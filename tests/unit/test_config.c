/* config: options, defaults, secrets, and every error with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

static char path[64];

static int load(const char *text, lw_config *c, mode_t mode)
{
    snprintf(path, sizeof path, "/tmp/lw-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
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

static void full_config(void **st)
{
    (void)st;
    char secret_path[] = "/tmp/lw-test-secret-XXXXXX";
    int fd = mkstemp(secret_path);
    assert_int_equal(write(fd, "s3cr3t-from-file\n", 17), 17);
    close(fd);
    setenv("LW_TEST_KEY", "key-from-env", 1);
    char text[2048];
    snprintf(text, sizeof text,
             "[aws]\nregion = eu-central-1\nfilter_tps = 3\n"
             "[watch lambda]\nlog_group_prefix = /aws/lambda/, /aws/lambda-edge/\nlog_group = /custom/one\n"
             "lookback = 10m\npoll_interval = 1m\n"
             "[webhook ops]\nurl = https://hooks.example.com/x\nformat = slack\nsecret_file = %s\n"
             "min_severity = high\ndetectors = attack, recursion\nheader = X-Team: sec\nheader = X-Env: prod\n"
             "[ingest firehose]\nport = 9000\naccess_key_env = LW_TEST_KEY\nmax_body = 4M\n"
             "[detector duration_anomaly]\nz = 9\n[detector log_flood]\nenabled = false\n"
             "[rule dump]\npattern = (?i)dumping\nseverity = low\n"
             "[state]\npath = /tmp/x.db\n",
             secret_path);
    lw_config c;
    assert_int_equal(load(text, &c, 0600), 0);
    unlink(secret_path);
    assert_string_equal(c.region, "eu-central-1");
    assert_true(c.filter_tps == 3);
    assert_true(c.describe_tps == 2); /* default */
    assert_non_null(c.watches);
    assert_int_equal(c.watches->prefixes.n, 2);
    assert_string_equal(c.watches->prefixes.v[1], "/aws/lambda-edge/");
    assert_true(c.watches->lookback_s == 600);
    assert_true(c.watches->poll_interval_s == 60);
    assert_true(c.watches->discovery_interval_s == 300);
    assert_string_equal(c.webhooks->secret, "s3cr3t-from-file");
    assert_int_equal(c.webhooks->format, LW_WEBHOOK_SLACK);
    assert_int_equal(c.webhooks->min_severity, LW_SEV_HIGH);
    assert_int_equal(c.webhooks->detectors.n, 2);
    assert_int_equal(c.webhooks->headers.n, 2);
    assert_true(c.webhooks->max_age_s == 86400);
    assert_true(c.ingest_enabled);
    assert_string_equal(c.ingest_access_key, "key-from-env");
    assert_true(c.ingest_max_body == 4 * 1024 * 1024);
    assert_string_equal(c.detector_settings->detector, "duration_anomaly");
    assert_true(c.detector_settings->value == 9);
    assert_int_equal(c.disabled_detectors.n, 1);
    assert_string_equal(c.rules->pattern, "(?i)dumping");
    assert_int_equal(c.rules->severity, LW_SEV_LOW);
    assert_string_equal(c.state_path, "/tmp/x.db");
    assert_int_equal(c.warnings.n, 0);
    lw_config_free(&c);
}

static void every_error_with_its_line(void **st)
{
    (void)st;
    const char *text = "[aws]\n"                                   /* 1 */
                       "filter_tps = fast\n"                        /* 2 */
                       "bogus = 1\n"                                /* 3 */
                       "[watch w]\n"                                /* 4 */
                       "lookback = forever\n"                       /* 5 */
                       "[webhook a]\n"                              /* 6 */
                       "url = http://hooks.example.com/\n"          /* 7 */
                       "min_severity = urgent\n"                    /* 8 */
                       "secret_env = LW_TEST_UNSET_VARIABLE\n"      /* 9 */
                       "[detector nope]\n"                          /* 10 */
                       "[detector attack]\n"                        /* 11 */
                       "no_such_option = 1\n"                       /* 12 */
                       "[frobnicate]\n"                             /* 13 */
                       "x = 1\n"                                    /* 14 */
                       "[rule broken]\n"                            /* 15 */
                       "pattern = (unclosed\n";                     /* 16 */
    unsetenv("LW_TEST_UNSET_VARIABLE");
    lw_config c;
    int n = load(text, &c, 0600);
    for (int i = 0; i < c.errors.n; i++)
        printf("  %s\n", c.errors.v[i]);
    assert_true(n >= 9);
    assert_true(has(&c.errors, ":2: filter_tps: 'fast' is not a valid number"));
    assert_true(has(&c.errors, ":3: unknown option 'bogus' in [aws]"));
    assert_true(has(&c.errors, ":5: lookback: 'forever' is not a valid duration"));
    assert_true(has(&c.errors, ":8: min_severity: 'urgent'"));
    assert_true(has(&c.errors, ":9: secret_env: environment variable LW_TEST_UNSET_VARIABLE is not set"));
    assert_true(has(&c.errors, ":10: unknown detector 'nope'"));
    assert_true(has(&c.errors, ":12: detector attack has no option 'no_such_option'"));
    assert_true(has(&c.errors, ":13: unknown section [frobnicate]"));
    assert_true(has(&c.errors, ":15: rule 'broken': "));
    assert_true(has(&c.errors, ":6: webhook 'a': plain http to http://hooks.example.com/"));
    assert_true(has(&c.errors, ":4: watch 'w' selects no log group"));
    lw_config_free(&c);
}

static void warnings_and_loopback(void **st)
{
    (void)st;
    lw_config c;
    /* an inline secret in a world-readable file draws a warning, never the secret */
    assert_int_equal(load("[webhook local]\nurl = http://127.0.0.1:9999/hook\nsecret = topsecret\n", &c, 0644), 0);
    assert_int_equal(c.warnings.n, 1);
    assert_true(has(&c.warnings, "readable by every user"));
    assert_false(has(&c.warnings, "topsecret"));
    lw_config_free(&c);
    assert_int_equal(load("[webhook local]\nurl = http://127.0.0.1:9999/hook\nsecret = topsecret\n", &c, 0640), 0);
    assert_int_equal(c.warnings.n, 0);
    lw_config_free(&c);
    assert_int_equal(load("[ingest firehose]\nport = 70000\n", &c, 0600), 2);
    assert_true(has(&c.errors, "port: 70000 is out of range"));
    assert_true(has(&c.errors, "needs access_key"));
    lw_config_free(&c);
    assert_true(load("", &c, 0600) == 0);
    assert_non_null(strstr(c.state_path, "state.db"));
    lw_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_config),
        cmocka_unit_test(every_error_with_its_line),
        cmocka_unit_test(warnings_and_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
