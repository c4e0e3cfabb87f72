/* url: scheme, host, userinfo and loopback come from parsing, never from a
 * prefix; what may be printed of a URL is its origin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/url.h"

typedef struct row {
    const char *url;
    int rc;            /* of lw_url_parse */
    const char *scheme;
    const char *host;
    bool userinfo;
    bool loopback;
    bool rewritten;    /* libcurl read the host differently from how it is written */
} row;

static const row rows[] = {
    /* look like loopback by prefix, are not */
    {"http://localhost.evil.example/", 0, "http", "localhost.evil.example", false, false, false},
    {"http://localhost@evil.example/", 0, "http", "evil.example", true, false, false},
    {"http://127.0.0.1.nip.io/", 0, "http", "127.0.0.1.nip.io", false, false, false},
    {"http://127.0.0.1@evil.example/", 0, "http", "evil.example", true, false, false},
    {"http://[::1]@evil.example/", 0, "http", "evil.example", true, false, false},
    /* loopback literals and localhost */
    {"http://127.0.0.1:9999/hook", 0, "http", "127.0.0.1", false, true, false},
    {"http://127.8.9.10/", 0, "http", "127.8.9.10", false, true, false},
    {"http://[::1]:8080/", 0, "http", "[::1]", false, true, false},
    {"http://[::ffff:127.0.0.1]/", 0, "http", "[::ffff:127.0.0.1]", false, true, false},
    {"http://[0:0:0:0:0:0:0:1]/", 0, "http", "[::1]", false, true, false},
    {"http://localhost/", 0, "http", "localhost", false, true, false},
    {"http://LOCALHOST./", 0, "http", "LOCALHOST.", false, true, false},
    {"HTTP://LocalHost:80/x", 0, "http", "LocalHost", false, true, false},
    /* numeric shorthand libcurl would turn into 127.0.0.1: not a literal */
    {"http://0x7f.1/", 0, "http", "127.0.0.1", false, false, true},
    {"http://127.1/", 0, "http", "127.0.0.1", false, false, true},
    {"http://2130706433/", 0, "http", "127.0.0.1", false, false, true},
    {"http://Local%68ost/", 0, "http", "Localhost", false, false, true},
    /* near misses */
    {"http://localhost../", 0, "http", "localhost..", false, false, false},
    {"http://128.0.0.1/", 0, "http", "128.0.0.1", false, false, false},
    {"http://[::2]/", 0, "http", "[::2]", false, false, false},
    {"http://[::ffff:10.0.0.1]/", 0, "http", "[::ffff:10.0.0.1]", false, false, false},
    /* userinfo of any kind */
    {"https://user:pw@example.com/", 0, "https", "example.com", true, false, false},
    {"https://:pw@example.com/", 0, "https", "example.com", true, false, false},
    {"https://user@example.com/", 0, "https", "example.com", true, false, false},
    /* other schemes parse; callers refuse them */
    {"ftp://files.example.com/x", 0, "ftp", "files.example.com", false, false, false},
    {"file:///etc/passwd", 0, "file", "", false, false, false},
    {"gopher://127.0.0.1/", 0, "gopher", "127.0.0.1", false, true, false},
    /* good ones */
    {"https://hooks.example.com/lambdaward", 0, "https", "hooks.example.com", false, false, false},
    {"https://hooks.slack.com/services/T0/B0/X", 0, "https", "hooks.slack.com", false, false, false},
    /* not URLs */
    {"http://exa mple.com/", -1, NULL, NULL, false, false, false},
    {"http://127.0.0.1:99999/", -1, NULL, NULL, false, false, false},
    {"hooks.example.com/x", -1, NULL, NULL, false, false, false},
    {"", -1, NULL, NULL, false, false, false},
};

static void table(void **st)
{
    (void)st;
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const row *r = &rows[i];
        lw_url u;
        char err[128] = "";
        int rc = lw_url_parse(r->url, &u, err, sizeof err);
        bool ok = rc == r->rc;
        if (ok && rc == 0)
            ok = !strcmp(u.scheme, r->scheme) && !strcmp(u.host, r->host) && u.userinfo == r->userinfo &&
                 u.loopback == r->loopback && u.rewritten == r->rewritten;
        if (ok && rc < 0)
            ok = err[0] != '\0';
        if (!ok) {
            bad++;
            printf("  %s: rc %d (%s) scheme %s host %s userinfo %d loopback %d rewritten %d\n", r->url, rc, err,
                   rc ? "-" : u.scheme, rc ? "-" : u.host, rc ? 0 : u.userinfo, rc ? 0 : u.loopback,
                   rc ? 0 : u.rewritten);
        }
    }
    assert_int_equal(bad, 0);
}

static void secret_hooks(void **st)
{
    (void)st;
    static const struct { const char *url; bool secret; } t[] = {
        {"https://hooks.slack.com/services/T0/B0/XXXX", true},
        {"https://HOOKS.SLACK.COM./services/T0/B0/XXXX", true},
        {"https://contoso.webhook.office.com/webhookb2/abc", true},
        {"https://outlook.office.com/webhook/abc", true},
        {"https://prod-12.westeurope.logic.azure.com/workflows/x?sig=y", true},
        {"https://discord.com/api/webhooks/1/abc", true},
        {"https://discordapp.com/api/webhooks/1/abc", true},
        {"https://hooks.example.com/x", false},
        {"https://notslack.com/hooks.slack.com", false},
        {"https://evilhooks.slack.com.example/", false},
        {"https://xdiscord.com/", false},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        lw_url u;
        char err[64];
        assert_int_equal(lw_url_parse(t[i].url, &u, err, sizeof err), 0);
        if (u.secret_hook != t[i].secret)
            fail_msg("%s: secret_hook %d", t[i].url, u.secret_hook);
    }
}

static void printable_is_the_origin(void **st)
{
    (void)st;
    char out[128];
    lw_url_printable("https://hooks.slack.com/services/T0/B0/XXXX?x=1", out, sizeof out);
    assert_string_equal(out, "https://hooks.slack.com");
    lw_url_printable("https://user:pw@example.com:8443/path", out, sizeof out);
    assert_string_equal(out, "https://example.com:8443");
    lw_url_printable("http://[::1]:9/x", out, sizeof out);
    assert_string_equal(out, "http://[::1]:9");
    lw_url_printable("not a url with s3cr3t", out, sizeof out);
    assert_string_equal(out, "(not a URL)");
    lw_url_printable(NULL, out, sizeof out);
    assert_string_equal(out, "(not a URL)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(secret_hooks),
        cmocka_unit_test(printable_is_the_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
