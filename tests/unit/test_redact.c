/* redact: everything that must never leave lambdaward is masked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "secrets/redact.h"

static char *red(const char *s)
{
    static lw_buf b;
    lw_buf_reset(&b);
    lw_redact(s, strlen(s), &b);
    return b.p ? b.p : "";
}

static void headers(void **st)
{
    (void)st;
    assert_string_equal(red("GET / HTTP/1.1\r\ncookie: session=eyJzZWNy; theme=dark\r\nhost: x\r\n\r\n"),
                        "GET / HTTP/1.1\r\ncookie: session=****; theme=****\r\nhost: x\r\n\r\n");
    assert_string_equal(red("Authorization: Bearer abc.def.ghi\n"), "Authorization: Bearer ****\n");
    assert_string_equal(red("authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/x\n"),
                        "authorization: AWS4-HMAC-SHA256 ****\n");
    assert_string_equal(red("X-Api-Key: 12345\nx-amz-security-token: FwoGZX\n"), "X-Api-Key: ****\nx-amz-security-token: ****\n");
    /* a cookie value without a name, or a name that is not name-shaped, is a value */
    assert_string_equal(red("cookie: AKIAIOSFODNN7EXAMPLE\n"), "cookie: ****\n");
    assert_null(strstr(red("cookie: \x83\x9a AKIAIOSFODNN7EXAMPLE token\n"), "AKIAIOSFODNN7EXAMPLE"));
}

static void keys_tokens_pairs(void **st)
{
    (void)st;
    assert_string_equal(red("key AKIAIOSFODNN7EXAMPLE used"), "key AKIA**** used");
    assert_string_equal(red("/callback?code=1&access_token=abc123&state=x"), "/callback?code=1&access_token=****&state=x");
    assert_string_equal(red("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "AWS_SECRET_ACCESS_KEY=****");
    assert_string_equal(red("{\"password\": \"hunter2\", \"user\": \"bob\"}"), "{\"password\": \"****\", \"user\": \"bob\"}");
    assert_string_equal(red("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end"), "jwt eyJ**** end");
    const char *pk = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
    assert_string_equal(red(pk), "-----BEGIN PRIVATE KEY-----****-----END RSA PRIVATE KEY-----");
    /* a BEGIN line without closing dashes carries nothing along */
    assert_string_equal(red("-----BEGIN PRIVATE KEY ACCAZZZZZZZZZZZZZZZZ\nMIIE\n-----END PRIVATE KEY-----"),
                        "-----BEGIN PRIVATE KEY-----****-----END PRIVATE KEY-----");
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
        cmocka_unit_test(keys_tokens_pairs),
        cmocka_unit_test(harmless_text_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
