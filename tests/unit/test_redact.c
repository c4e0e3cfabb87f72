/* redact: everything that must never leave lambdaward is masked, with the
 * mask format of redact.h (public prefix + "****#" + 8 hex of SHA-256). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "secrets/redact.h"

static char *red(const char *s)
{
    static lw_buf b;
    lw_buf_reset(&b);
    lw_redact(s, strlen(s), &b);
    return b.p ? b.p : "";
}

/* The mask of secret: "****#" + the first 8 hex of its SHA-256. */
static const char *m(const char *secret)
{
    static char out[8][16];
    static int k;
    unsigned char md[32];
    unsigned len;
    EVP_Digest(secret, strlen(secret), md, &len, EVP_sha256(), NULL);
    char *o = out[k++ % 8];
    snprintf(o, 16, "****#%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
    return o;
}

static char want[1024];
#define W(...) (snprintf(want, sizeof want, __VA_ARGS__), want)

static void headers(void **st)
{
    (void)st;
    assert_string_equal(red("GET / HTTP/1.1\r\ncookie: session=eyJzZWNy; theme=dark\r\nhost: x\r\n\r\n"),
                        W("GET / HTTP/1.1\r\ncookie: session=%s; theme=%s\r\nhost: x\r\n\r\n", m("eyJzZWNy"), m("dark")));
    assert_string_equal(red("Authorization: Bearer abc.def.ghi\n"), W("Authorization: Bearer %s\n", m("abc.def.ghi")));
    assert_string_equal(red("authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/x\n"),
                        W("authorization: AWS4-HMAC-SHA256 %s\n", m("Credential=AKIAIOSFODNN7EXAMPLE/x")));
    assert_string_equal(red("X-Api-Key: 12345\nx-amz-security-token: FwoGZX\n"),
                        W("X-Api-Key: %s\nx-amz-security-token: %s\n", m("12345"), m("FwoGZX")));
    /* a cookie value without a name, or a name that is not name-shaped, is a value */
    assert_string_equal(red("cookie: AKIAIOSFODNN7EXAMPLE\n"), W("cookie: AKIA%s\n", m("AKIAIOSFODNN7EXAMPLE")));
    assert_null(strstr(red("cookie: \x83\x9a AKIAIOSFODNN7EXAMPLE token\n"), "AKIAIOSFODNN7EXAMPLE"));
}

/* The issue's shapes: headers anywhere in a line, any scheme, any quoting. */
static void headers_anywhere_any_scheme(void **st)
{
    (void)st;
    assert_string_equal(red("calling upstream with Authorization: Bearer tok123 at 10:02"),
                        W("calling upstream with Authorization: Bearer %s at 10:02", m("tok123")));
    assert_string_equal(red("{'Authorization': 'Bearer x1y2z3'}"), W("{'Authorization': 'Bearer %s'}", m("x1y2z3")));
    assert_string_equal(red("{\"headers\": {\"authorization\": \"Basic dXNlcjpwYXNz\"}}"),
                        W("{\"headers\": {\"authorization\": \"Basic %s\"}}", m("dXNlcjpwYXNz")));
    assert_string_equal(red("Authorization: token s3cr3t"), W("Authorization: token %s", m("s3cr3t")));
    assert_string_equal(red("Authorization: MyScheme abc"), W("Authorization: MyScheme %s", m("abc")));
    /* Digest: every parameter, not just the first word */
    const char *dg = "Authorization: Digest username=\"bob\", realm=\"x\", response=\"6629fae49393a05397450978507c4ef1\"";
    assert_null(strstr(red(dg), "6629fae4"));
    assert_non_null(strstr(red(dg), "Authorization: Digest ****#"));
    /* the scheme is never what gets masked */
    assert_non_null(strstr(red("Authorization: Bearer x"), "Bearer ****#"));
}

static void keys_tokens_pairs(void **st)
{
    (void)st;
    assert_string_equal(red("key AKIAIOSFODNN7EXAMPLE used"), W("key AKIA%s used", m("AKIAIOSFODNN7EXAMPLE")));
    assert_string_equal(red("/callback?code=1&access_token=abc123&state=x"),
                        W("/callback?code=1&access_token=%s&state=x", m("abc123")));
    assert_string_equal(red("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                        W("AWS_SECRET_ACCESS_KEY=%s", m("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")));
    assert_string_equal(red("{\"password\": \"hunter2\", \"user\": \"bob\"}"),
                        W("{\"password\": \"%s\", \"user\": \"bob\"}", m("hunter2")));
    assert_string_equal(red("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end"),
                        W("jwt eyJ%s end", m("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")));
    const char *pk = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
    assert_string_equal(red(pk), W("-----BEGIN PRIVATE KEY-----%s-----END RSA PRIVATE KEY-----", m("\nMIIEowIBAAKCAQEA\n")));
    /* a BEGIN line without closing dashes carries nothing along */
    const char *bad = "-----BEGIN PRIVATE KEY ACCAZZZZZZZZZZZZZZZZ\nMIIE\n-----END PRIVATE KEY-----";
    assert_string_equal(red(bad), W("-----BEGIN PRIVATE KEY-----%s-----END PRIVATE KEY-----", m("\nMIIE\n")));
}

/* key = "value" in every notation the issue lists. */
static void assignments_in_every_notation(void **st)
{
    (void)st;
    static const char *const shapes[] = {
        "password = \"%s\"", "password='%s'",   "token := \"%s\"",  "api_key: %s",    "secret => '%s'",
        "export DB_PASSWORD=%s", "{\"client_secret\": \"%s\"}", "{'auth_token': '%s'}", "pwd=%s;",
        "https://u:%s@db.example.com/x", "mysql://root:%s@10.0.0.1/db", "curl -u admin:%s https://x",
        "https://h/p?sig=%s&se=1",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        char line[256];
        snprintf(line, sizeof line, shapes[i], "Qw9rTy7uIo");
        if (strstr(red(line), "Qw9rTy7uIo"))
            fail_msg("left in: %s -> %s", line, red(line));
        if (!strstr(red(line), m("Qw9rTy7uIo")))
            fail_msg("not masked as the value: %s -> %s", line, red(line));
    }
    /* an object or list after a secret-named key is not its value */
    assert_string_equal(red("\"credentials\": {\"user\": \"bob\"}"), "\"credentials\": {\"user\": \"bob\"}");
    /* vendor tokens bare, keeping their public prefix */
    char gh[64];
    snprintf(gh, sizeof gh, "%s%s", "ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
    assert_string_equal(red(gh), W("ghp_%s", m(gh)));
}

static void idempotent(void **st)
{
    (void)st;
    static const char *const lines[] = {
        "cookie: session=eyJzZWNy; theme=dark",
        "Authorization: Bearer abc.def.ghi",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "password=hunter2 key AKIAIOSFODNN7EXAMPLE jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "Authorization: Digest username=\"bob\", response=\"abc\"",
        "token=****",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char once[512];
        snprintf(once, sizeof once, "%s", red(lines[i]));
        assert_string_equal(red(once), once);
    }
}

static void safety_net_and_readable_ids(void **st)
{
    (void)st;
    /* a long random token no row knows */
    assert_null(strstr(red("blob Zx8kQ2mW9vL4pR7tY1nB6cJ3hG5dF0sA tail"), "Zx8kQ2mW9vL4pR7t"));
    /* hashes, UUIDs and request ids stay readable */
    const char *ids = "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
                      "request 0b6f1c2d-3e4a-4b4c-8d8e-7f0000000001 trace 1-5f84c7a1-6c5d2b1a9e8f7d6c5b4a3921";
    assert_string_equal(red(ids), ids);
}

/* Error messages, ours and AWS's, keep their words: an error type before
 * a colon, a sentence after a path ending in "secret", an environment
 * variable's name, and paths in the safety net's alphabet. */
static void messages_stay_readable(void **st)
{
    (void)st;
    const char *keep[] = {
        "ExpiredTokenException: The security token included in the request is expired",
        "InvalidSignatureException: Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z",
        "open /etc/lambdaward/credentials/webhook-secret: Permission denied",
        "conf:47: credential:webhook.secret: CREDENTIALS_DIRECTORY is not set (systemd sets it)",
        "cannot read secret file /tmp/tmp.u4d6rE3a9W/root-only/webhook.secret: Permission denied",
        "at /var/task/node_modules/aws-sdk/lib/Request.js:31:12",
        "lambdaward query: cannot read /tmp/tmp.u4d6rE3a9W/does-not-exist: No such file or directory",
    };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        assert_string_equal(red(keep[i]), keep[i]);
    /* ... while the same shapes with a value are masked */
    assert_null(strstr(red("secret: Xk8aB3dE9fG2hJ4k more"), "Xk8aB3dE9fG2hJ4k"));
    assert_null(strstr(red("MY_SECRET: Xk8aB3dE9fG2hJ4k"), "Xk8aB3dE9fG2hJ4k"));
    assert_null(strstr(red("/auth_token: Xk8aB3dE9fG2hJ4kL6mN7pQ1 more"), "Xk8aB3dE9fG2hJ4k"));
    /* a cookie string mid-line ends at a blank (RFC 6265: values hold none) */
    const char *c = red("GET /x cookie: sid=Zx81kLm0QpZx81; x=1 {'user': 'bob'}");
    assert_null(strstr(c, "Zx81kLm0QpZx81"));
    assert_non_null(strstr(c, " {'user': 'bob'}"));
    /* random base64 with '/' in it is no path */
    assert_null(strstr(red("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9KEY leaked"), "bPxRfiCYzz9KEY"));
}

static void harmless_text_untouched(void **st)
{
    (void)st;
    const char *s = "GET /?file=/etc/passwd HTTP/1.1\r\nhost: api.example.com\r\nDuration: 102 ms";
    assert_string_equal(red(s), s);
    assert_string_equal(red("invalid \xff utf8"), "invalid \xef\xbf\xbd utf8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headers),
        cmocka_unit_test(headers_anywhere_any_scheme),
        cmocka_unit_test(keys_tokens_pairs),
        cmocka_unit_test(assignments_in_every_notation),
        cmocka_unit_test(idempotent),
        cmocka_unit_test(safety_net_and_readable_ids),
        cmocka_unit_test(messages_stay_readable),
        cmocka_unit_test(harmless_text_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
