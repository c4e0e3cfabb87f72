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

#include "common/buf.h"
#include "config/config.h"
#include "config/options.h"
#include "detectors/detector.h"

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
    assert_string_equal(c.detector_settings->value, "9");
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
    assert_true(has(&c.errors, ":2: [aws] filter_tps = fast: must be a number from 0.1 to 100"));
    assert_true(has(&c.errors, ":3: unknown option 'bogus' in [aws]"));
    assert_true(has(&c.errors, ":5: [watch w] lookback = forever: must be a duration from 0s to 14d"));
    assert_true(has(&c.errors, ":8: [webhook a] min_severity = urgent: must be a severity"));
    assert_true(has(&c.errors, ":9: secret_env: environment variable LW_TEST_UNSET_VARIABLE is not set"));
    assert_true(has(&c.errors, ":10: unknown detector 'nope'"));
    assert_true(has(&c.errors, ":12: detector attack has no option 'no_such_option'"));
    assert_true(has(&c.errors, ":13: unknown section [frobnicate]"));
    assert_true(has(&c.errors, ":15: rule 'broken': "));
    assert_true(has(&c.errors, ":6: webhook 'a': plain http to http://hooks.example.com: use https"));
    assert_true(has(&c.errors, ":4: watch 'w' selects no log group"));
    lw_config_free(&c);
}

static void warnings_and_loopback(void **st)
{
    (void)st;
    lw_config c;
    /* an inline secret in a file others can read draws a warning, never the secret */
    assert_int_equal(load("[webhook local]\nurl = http://127.0.0.1:9999/hook\nsecret = topsecret\n", &c, 0644), 0);
    assert_int_equal(c.warnings.n, 1);
    assert_true(has(&c.warnings, ":3: holds a secret inline (secret) and is readable by group or others (mode 644)"));
    assert_true(has(&c.warnings, "secret_file = PATH or secret_env = VARIABLE"));
    assert_false(has(&c.warnings, "topsecret"));
    lw_config_free(&c);
    /* the group counts too */
    assert_int_equal(load("[webhook local]\nurl = http://127.0.0.1:9999/hook\nsecret = topsecret\n", &c, 0640), 0);
    assert_int_equal(c.warnings.n, 1);
    lw_config_free(&c);
    assert_int_equal(load("[webhook local]\nurl = http://127.0.0.1:9999/hook\nsecret = topsecret\n", &c, 0600), 0);
    assert_int_equal(c.warnings.n, 0);
    lw_config_free(&c);
    assert_int_equal(load("[ingest firehose]\nport = 70000\n", &c, 0600), 2);
    assert_true(has(&c.errors, "[ingest firehose] port = 70000: must be an integer from 1 to 65535"));
    assert_true(has(&c.errors, "needs access_key"));
    lw_config_free(&c);
    assert_true(load("", &c, 0600) == 0);
    assert_non_null(strstr(c.state_path, "state.db"));
    lw_config_free(&c);
}

/* Each kind of bad value, in detector sections and plain ones alike, is
 * refused with its file, line, section and option, and what would do. */
static void typed_values_refused_with_their_line(void **st)
{
    (void)st;
    const char *text = "[detector error_spike]\n"                  /* 1 */
                       "max_functions = -1\n"                      /* 2: a negative count */
                       "[detector duration_anomaly]\n"             /* 3 */
                       "z = nan\n"                                 /* 4 */
                       "ratio = inf\n"                             /* 5 */
                       "min_delta = lots\n"                        /* 6: not a number */
                       "max_keys = 2000000\n"                      /* 7: above max */
                       "[detector timeout]\n"                      /* 8 */
                       "severity = urgent\n"                       /* 9: no such severity */
                       "[detector rules]\n"                        /* 10 */
                       "window_s = 5x\n"                           /* 11: bad duration */
                       "[detector invocation_storm]\n"             /* 12 */
                       "min_count = 2.5\n"                         /* 13: a count is whole */
                       "[detector log_flood]\n"                    /* 14 */
                       "min_bytes = 5Q\n"                          /* 15: bad size */
                       "[detector attack]\n"                       /* 16 */
                       "include_payload = maybe\n"                 /* 17 */
                       "unblocked_severity = 5\n"                  /* 18: no such index */
                       "[detector recursion]\n"                    /* 19 */
                       "max_roots = 0\n"                           /* 20: would never evict */
                       "[aws]\n"                                   /* 21 */
                       "request_timeout = 5x\n"                    /* 22 */
                       "[rule r]\n"                                /* 23 */
                       "pattern = x\n"                             /* 24 */
                       "severity = 7\n";                           /* 25 */
    lw_config c;
    int n = load(text, &c, 0600);
    for (int i = 0; i < c.errors.n; i++)
        printf("  %s\n", c.errors.v[i]);
    assert_int_equal(n, 14);
    assert_true(has(&c.errors, ":2: [detector error_spike] max_functions = -1: must be an integer from 1 to 1000000"));
    assert_true(has(&c.errors, ":4: [detector duration_anomaly] z = nan: must be a number from 0.1 to 1000"));
    assert_true(has(&c.errors, ":5: [detector duration_anomaly] ratio = inf: must be a number from 1 to 1000"));
    assert_true(has(&c.errors, ":6: [detector duration_anomaly] min_delta = lots: must be a number from 0 to"));
    assert_true(has(&c.errors, ":7: [detector duration_anomaly] max_keys = 2000000: must be an integer from 1 to"));
    assert_true(has(&c.errors, ":9: [detector timeout] severity = urgent: must be a severity: info, low, medium, "
                               "high or critical"));
    assert_true(has(&c.errors, ":11: [detector rules] window_s = 5x: must be a duration from 0s to 1d"));
    assert_true(has(&c.errors, ":13: [detector invocation_storm] min_count = 2.5: must be an integer"));
    assert_true(has(&c.errors, ":15: [detector log_flood] min_bytes = 5Q: must be a size from 1 to 1024G"));
    assert_true(has(&c.errors, ":17: [detector attack] include_payload = maybe: must be true or false"));
    assert_true(has(&c.errors, ":18: [detector attack] unblocked_severity = 5: must be a severity"));
    assert_true(has(&c.errors, ":20: [detector recursion] max_roots = 0: must be an integer from 1 to"));
    assert_true(has(&c.errors, ":22: [aws] request_timeout = 5x: must be a duration from 1s to 10m"));
    assert_true(has(&c.errors, ":25: [rule r] severity = 7: must be a severity"));
    assert_true(has(&c.errors, "/tmp/lw-test-config-")); /* the file is named */
    assert_null(c.detector_settings); /* nothing refused reaches a detector */
    lw_config_free(&c);
}

/* The value a detector's option takes from text, read back from its
 * config struct as the detector would see it. */
static double value_of(const char *detector, const char *name, const char *text)
{
    const lw_detector_ops *d = lw_detector_find(detector);
    assert_non_null(d);
    const lw_option *o = lw_option_find(d->options, name);
    assert_non_null(o);
    char *cfg = calloc(1, d->config_size);
    char err[256];
    assert_int_equal(lw_options_defaults(d->options, cfg), 0);
    int rc = lw_option_parse(o, text, cfg, err, sizeof err);
    if (rc < 0)
        printf("  %s = %s: %s\n", name, text, err);
    assert_int_equal(rc, 0);
    double v;
    switch (o->type) {
    case LW_OPT_BOOL: v = *(bool *)(cfg + o->offset); break;
    case LW_OPT_SEVERITY: v = *(lw_severity *)(cfg + o->offset); break;
    default: v = *(double *)(cfg + o->offset); break;
    }
    free(cfg);
    return v;
}

static void typed_values_accepted(void **st)
{
    (void)st;
    static const struct {
        const char *detector, *option, *text;
        double want;
    } ok[] = {
        /* durations: units, and a bare number keeps its old unit (seconds) */
        {"attack", "window_s", "5m", 300},
        {"attack", "window_s", "300", 300},
        {"attack", "window_s", "30s", 30},
        {"rules", "window_s", "250ms", 0.25},
        {"memory_pressure", "window_s", "2h", 7200},
        /* sizes: binary multiples; a bare number (as in today's configs) is bytes */
        {"log_flood", "min_bytes", "64k", 65536},
        {"log_flood", "min_bytes", "5M", 5 * 1024 * 1024},
        {"log_flood", "min_bytes", "5e6", 5e6},
        /* severities by name, and by the index the old help texts documented */
        {"timeout", "severity", "high", LW_SEV_HIGH},
        {"timeout", "severity", "Critical", LW_SEV_CRITICAL},
        {"timeout", "severity", "2", LW_SEV_MEDIUM},
        /* booleans, and the 0/1 the old help texts documented */
        {"attack", "include_payload", "false", 0},
        {"attack", "include_payload", "0", 0},
        {"probe", "report_blocked", "1", 1},
        /* integers and numbers at their bounds */
        {"error_spike", "max_functions", "1000000", 1e6},
        {"error_spike", "max_functions", "1", 1},
        {"duration_anomaly", "z", "3.5", 3.5},
        {"error_spike", "min_rate", "0", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (value_of(ok[i].detector, ok[i].option, ok[i].text) != ok[i].want)
            fail_msg("[detector %s] %s = %s: not %g", ok[i].detector, ok[i].option, ok[i].text, ok[i].want);

    /* the same through a config file: accepted, and applied as written */
    lw_config c;
    assert_int_equal(load("[detector attack]\nwindow_s = 5m\nblocked_severity = high\n"
                          "[detector log_flood]\nceiling_bytes = 64M\n",
                          &c, 0600),
                     0);
    int n = 0;
    for (const lw_detector_setting *s = c.detector_settings; s; s = s->next, n++) {
        double want = !strcmp(s->key, "window_s") ? 300 : !strcmp(s->key, "ceiling_bytes") ? 64 * 1024 * 1024 : LW_SEV_HIGH;
        assert_true(value_of(s->detector, s->key, s->value) == want);
    }
    assert_int_equal(n, 3);
    lw_config_free(&c);
}

/* Every table's defaults parse and sit within their own ranges, and the
 * reference shows each option with its type and range. */
static void defaults_and_reference(void **st)
{
    (void)st;
    for (int i = 0; lw_detector_registry[i]; i++) {
        const lw_detector_ops *d = lw_detector_registry[i];
        void *cfg = calloc(1, d->config_size);
        if (lw_options_defaults(d->options, cfg) < 0)
            fail_msg("detector %s: a default is out of its own range", d->name);
        free(cfg);
    }
    char *ref = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ref, &len);
    lw_config_reference(f);
    fclose(f);
    assert_non_null(strstr(ref, "\n[detector error_spike]\n"));
    assert_non_null(strstr(ref, "; functions tracked\n; an integer from 1 to 1000000\n;max_functions = 20000\n"));
    assert_non_null(strstr(ref, "; a duration from 1s to 1d (250ms, 30s, 5m, 2h, 1d; a bare number is seconds)\n"
                                ";window_s = 300\n"));
    assert_non_null(strstr(ref, ";request_timeout = 30s\n"));
    assert_non_null(strstr(ref, "; a size from 1k to 1000000000 (64k, 8M, 1G; a bare number is bytes)\n"
                                ";max_body = 64M\n"));
    assert_non_null(strstr(ref, "\n[rule NAME]\n"));
    assert_non_null(strstr(ref, ";severity = medium\n"));
    assert_non_null(strstr(ref, "; one of json, slack\n;format = json\n"));
    free(ref);
}

/* The config's URL check, row by row: what is refused, and what any
 * message may show of the URL (its origin, never its path or userinfo). */
static void webhook_urls_judged_by_parsing(void **st)
{
    (void)st;
    static const struct { const char *url; const char *error; } t[] = {
        {"http://localhost.evil.example/p4th", "plain http to http://localhost.evil.example: use https"},
        {"http://localhost@evil.example/p4th", "url http://evil.example carries a user name or password"},
        {"http://127.0.0.1.nip.io/p4th", "plain http to http://127.0.0.1.nip.io: use https"},
        {"http://0x7f.1/p4th", "plain http to a host not written as a plain name or address (libcurl reads it as "
                               "http://127.0.0.1)"},
        {"https://user:pw@example.com/p4th", "url https://example.com carries a user name or password"},
        {"ftp://files.example.com/p4th", "url must be https:// (got ftp://)"},
        {"file:///etc/p4th", "url must be https:// (got file://)"},
        {"https://exa mple.com/p4th", "url is not a valid URL"},
        {"http://[::1]:8080/p4th", NULL},
        {"http://[::ffff:127.0.0.1]/p4th", NULL},
        {"http://LOCALHOST./p4th", NULL},
        {"http://127.0.0.1:9999/p4th", NULL},
        {"https://hooks.example.com/p4th", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char text[256];
        snprintf(text, sizeof text, "[webhook w]\nurl = %s\n", t[i].url);
        lw_config c;
        int n = load(text, &c, 0600);
        for (int e = 0; e < c.errors.n; e++)
            printf("  %s -> %s\n", t[i].url, c.errors.v[e]);
        if (t[i].error) {
            assert_int_equal(n, 1);
            if (!has(&c.errors, t[i].error))
                fail_msg("%s: expected \"%s\"", t[i].url, t[i].error);
            assert_false(has(&c.errors, "p4th"));
            assert_false(has(&c.errors, "pw"));
        } else if (n) {
            fail_msg("%s: refused", t[i].url);
        }
        lw_config_free(&c);
    }
    /* allow_insecure_http lifts the http rule, not the userinfo one */
    lw_config c;
    assert_int_equal(load("[webhook w]\nurl = http://hooks.example.com/x\nallow_insecure_http = true\n", &c, 0600), 0);
    lw_config_free(&c);
    assert_int_equal(load("[webhook w]\nurl = http://u:p@hooks.example.com/x\nallow_insecure_http = true\n", &c, 0600), 1);
    lw_config_free(&c);
    assert_int_equal(load("[webhook w]\nformat = slack\n", &c, 0600), 1);
    assert_true(has(&c.errors, "webhook 'w' has no url (url, url_file or url_env)"));
    lw_config_free(&c);
}

static char *temp_file(const char *text)
{
    static char paths[4][64];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 64, "/tmp/lw-test-secret-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return p;
}

/* url_file and header_file: the secrets live outside the config file. */
static void url_and_headers_from_files(void **st)
{
    (void)st;
    const char *url = temp_file("https://hooks.slack.com/services/T0/B0/XXXXSECRET\n\n");
    const char *hdr = temp_file("# the receiver's credentials\r\nAuthorization: Bearer abc.def\r\n\n"
                                "  X-Api-Key: k3y  \n");
    const char *hdr2 = temp_file("X-Second: two\n");
    setenv("LW_TEST_HEADERS", "X-From-Env: e\nX-Env-Two: f", 1);
    char text[512];
    snprintf(text, sizeof text,
             "[webhook s]\nurl_file = %s\nformat = slack\nheader = X-Team: sec\nheader_file = %s\n"
             "header_file = %s\nheader_env = LW_TEST_HEADERS\n",
             url, hdr, hdr2);
    lw_config c;
    /* readable by others, but no credential is inline: no warning */
    assert_int_equal(load(text, &c, 0644), 0);
    unsetenv("LW_TEST_HEADERS");
    assert_string_equal(c.webhooks->url, "https://hooks.slack.com/services/T0/B0/XXXXSECRET");
    assert_int_equal(c.webhooks->headers.n, 6);
    assert_string_equal(c.webhooks->headers.v[0], "X-Team: sec");
    assert_string_equal(c.webhooks->headers.v[1], "Authorization: Bearer abc.def");
    assert_string_equal(c.webhooks->headers.v[2], "X-Api-Key: k3y");
    assert_string_equal(c.webhooks->headers.v[3], "X-Second: two");
    assert_string_equal(c.webhooks->headers.v[4], "X-From-Env: e");
    assert_string_equal(c.webhooks->headers.v[5], "X-Env-Two: f");
    /* the inline header is the only inline credential, and 0644 would warn for it */
    assert_int_equal(c.warnings.n, 1);
    assert_true(has(&c.warnings, "holds a webhook header value inline (header)"));
    assert_true(has(&c.warnings, "header_file = PATH"));
    assert_false(has(&c.warnings, "sec"));
    lw_config_free(&c);

    /* a header line that is no header is reported without its text */
    const char *bad = temp_file("Authorization: Bearer ok\nghp_notaheadertoken\nBad Name: x\n");
    snprintf(text, sizeof text, "[webhook s]\nurl = https://hooks.example.com/\nheader_file = %s\n", bad);
    assert_int_equal(load(text, &c, 0600), 2);
    assert_true(has(&c.errors, "webhook 's': header 2 is not \"Name: value\""));
    assert_true(has(&c.errors, "webhook 's': header 3 is not \"Name: value\""));
    assert_false(has(&c.errors, "ghp_notaheadertoken"));
    lw_config_free(&c);

    /* missing, empty and oversized files are errors with their line */
    const char *empty = temp_file("\n  \n");
    lw_buf big = LW_BUF_INIT;
    for (int i = 0; i < 9000; i++)
        lw_buf_putc(&big, 'x');
    const char *large = temp_file(big.p);
    lw_buf_free(&big);
    snprintf(text, sizeof text,
             "[webhook a]\nurl_file = /nonexistent/lw-url\n[webhook b]\nurl_file = %s\n"
             "[webhook c]\nurl = https://x.example/\nheader_file = %s\n",
             empty, large);
    int n = load(text, &c, 0600);
    for (int i = 0; i < c.errors.n; i++)
        printf("  %s\n", c.errors.v[i]);
    assert_true(has(&c.errors, ":2: cannot read secret file /nonexistent/lw-url: No such file or directory"));
    assert_true(has(&c.errors, ":4: secret file "));
    assert_true(has(&c.errors, " is empty"));
    assert_true(has(&c.errors, ":7: secret file "));
    assert_true(has(&c.errors, "is larger than 8192 bytes"));
    assert_true(has(&c.errors, "webhook 'a' has no url"));
    assert_true(n >= 5);
    lw_config_free(&c);
    unlink(url);
    unlink(hdr);
    unlink(hdr2);
    unlink(bad);
    unlink(empty);
    unlink(large);
}

/* Which inline values make a file others can read draw the warning. */
static void inline_credential_warnings(void **st)
{
    (void)st;
    static const struct { const char *text; const char *warning; } t[] = {
        {"[webhook s]\nurl = https://hooks.slack.com/services/T0/B0/XXXX\n",
         ":2: holds a Slack, Teams or Discord webhook URL inline (url)"},
        {"[webhook t]\nurl = https://contoso.webhook.office.com/webhookb2/x\n", "webhook URL inline (url)"},
        {"[webhook d]\nurl = https://discord.com/api/webhooks/1/x\n", "webhook URL inline (url)"},
        {"[webhook h]\nurl = https://hooks.example.com/x\nheader = Authorization: Bearer x\n",
         ":3: holds a webhook header value inline (header)"},
        /* a later section's defaults must not hide an earlier inline secret */
        {"[webhook a]\nurl = https://hooks.example.com/a\nsecret = s3\n[webhook b]\nurl = https://hooks.example.com/b\n",
         ":3: holds a secret inline (secret)"},
        {"[webhook plain]\nurl = https://hooks.example.com/x\n", NULL},
        {"[ingest firehose]\naccess_key_env = HOME\n", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        lw_config c;
        assert_int_equal(load(t[i].text, &c, 0604), 0);
        for (int w = 0; w < c.warnings.n; w++)
            printf("  %s\n", c.warnings.v[w]);
        if (t[i].warning) {
            assert_int_equal(c.warnings.n, 1);
            if (!has(&c.warnings, t[i].warning))
                fail_msg("case %zu: expected \"%s\"", i, t[i].warning);
            assert_false(has(&c.warnings, "XXXX"));
        } else {
            assert_int_equal(c.warnings.n, 0);
        }
        lw_config_free(&c);
        /* the same file, private: silent */
        assert_int_equal(load(t[i].text, &c, 0600), 0);
        assert_int_equal(c.warnings.n, 0);
        lw_config_free(&c);
    }
}

/* secret_file = credential:NAME reads $CREDENTIALS_DIRECTORY/NAME, where
 * systemd's LoadCredential= puts it; without that variable, or with a name
 * that is not one file name, it is an error naming the line. */
static void secrets_from_systemd_credentials(void **st)
{
    (void)st;
    char dir[] = "/tmp/lw-test-creds-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[128];
    snprintf(file, sizeof file, "%s/webhook-ops", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("from-the-credential\n", f);
    fclose(f);
    const char *text = "[watch w]\nlog_group = /aws/lambda/x\n"
                       "[webhook ops]\nurl = https://hooks.example.com/x\nsecret_file = credential:webhook-ops\n";
    lw_config c;
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    assert_int_equal(load(text, &c, 0644), 0);
    assert_string_equal(c.webhooks->secret, "from-the-credential");
    assert_int_equal(c.warnings.n, 0); /* no secret inline: 0644 is fine */
    lw_config_free(&c);

    /* a credential the unit did not pass: the resolved path is named */
    const char *missing = "[watch w]\nlog_group = /aws/lambda/x\n"
                          "[webhook ops]\nurl = https://hooks.example.com/x\nsecret_file = credential:other\n";
    assert_int_equal(load(missing, &c, 0644), 1);
    assert_true(has(&c.errors, ":5: cannot read secret file "));
    assert_true(has(&c.errors, "/other: No such file or directory"));
    lw_config_free(&c);

    const char *bad = "[watch w]\nlog_group = /aws/lambda/x\n"
                      "[webhook ops]\nurl = https://hooks.example.com/x\nsecret_file = credential:../webhook-ops\n";
    assert_int_equal(load(bad, &c, 0644), 1);
    assert_true(has(&c.errors, ":5: credential:../webhook-ops: a credential name is one file name"));
    lw_config_free(&c);

    unsetenv("CREDENTIALS_DIRECTORY");
    assert_int_equal(load(text, &c, 0644), 1);
    assert_true(has(&c.errors, ":5: credential:webhook-ops: CREDENTIALS_DIRECTORY is not set"));
    lw_config_free(&c);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_config),
        cmocka_unit_test(every_error_with_its_line),
        cmocka_unit_test(warnings_and_loopback),
        cmocka_unit_test(typed_values_refused_with_their_line),
        cmocka_unit_test(typed_values_accepted),
        cmocka_unit_test(defaults_and_reference),
        cmocka_unit_test(webhook_urls_judged_by_parsing),
        cmocka_unit_test(url_and_headers_from_files),
        cmocka_unit_test(inline_credential_warnings),
        cmocka_unit_test(secrets_from_systemd_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
