/* json: tokenizing, lookups, primitive validation and string unescaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/jsonw.h"
#include "common/json.h"

static char *unesc(const char *s, int *rc)
{
    static lw_buf b;
    lw_buf_reset(&b);
    *rc = lw_json_unescape(s, strlen(s), &b);
    return b.p ? b.p : "";
}

static void unescape_basic(void **st)
{
    (void)st;
    int rc;
    assert_string_equal(unesc("a\\nb\\t\\\"c\\\\d\\/e", &rc), "a\nb\t\"c\\d/e");
    assert_int_equal(rc, 0);
    assert_string_equal(unesc("\\u00e9\\u20AC", &rc), "\xc3\xa9\xe2\x82\xac");
    assert_int_equal(rc, 0);
}

static void unescape_surrogates(void **st)
{
    (void)st;
    int rc;
    /* U+1F600 as a surrogate pair */
    assert_string_equal(unesc("\\ud83d\\ude00", &rc), "\xf0\x9f\x98\x80");
    assert_int_equal(rc, 0);
    /* lone high, lone low, reversed: each becomes U+FFFD, not garbage */
    assert_string_equal(unesc("x\\ud83dy", &rc), "x\xef\xbf\xbdy");
    assert_string_equal(unesc("\\ude00", &rc), "\xef\xbf\xbd");
    assert_string_equal(unesc("\\ude00\\ud83d", &rc), "\xef\xbf\xbd\xef\xbf\xbd");
}

static void unescape_malformed(void **st)
{
    (void)st;
    int rc;
    unesc("\\x41", &rc);
    assert_int_equal(rc, -1);
    unesc("\\u12", &rc);
    assert_int_equal(rc, -1);
    unesc("trailing\\", &rc);
    assert_int_equal(rc, -1);
}

static void invalid_utf8_replaced(void **st)
{
    (void)st;
    int rc;
    /* lone continuation byte, overlong encoding, truncated sequence */
    assert_string_equal(unesc("a\x80" "b\xc0\xaf" "c\xe2\x82", &rc), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd");
    lw_buf out = LW_BUF_INIT;
    lw_jw_str(&out, "\x01\"\xff", 3);
    assert_string_equal(out.p, "\"\\u0001\\\"\xef\xbf\xbd\"");
    lw_buf_free(&out);
}

static void lookups_and_primitives(void **st)
{
    (void)st;
    const char *s = "{\"a\":{\"b\":[1,2,{\"c\":3}]},\"n\":-12.5e1,\"t\":true,\"f\":false,\"z\":null,\"s\":\"x\"}";
    lw_json j;
    lw_json_init(&j);
    int r = lw_json_parse(&j, s, strlen(s));
    assert_int_equal(r, LW_JSON_OK);
    {
        int b = lw_json_path(&j, 0, "a", "b", NULL);
        assert_true(b > 0);
        assert_int_equal(j.tok[b].type, JSMN_ARRAY);
        double d;
        assert_true(lw_json_num(&j, lw_json_get(&j, 0, "n"), &d));
        assert_true(d == -125.0);
        assert_int_equal(lw_json_bool(&j, lw_json_get(&j, 0, "t")), 1);
        assert_int_equal(lw_json_bool(&j, lw_json_get(&j, 0, "f")), 0);
        assert_int_equal(lw_json_bool(&j, lw_json_get(&j, 0, "z")), -1);
        assert_false(lw_json_num(&j, lw_json_get(&j, 0, "s"), &d));
        assert_int_equal(lw_json_get(&j, 0, "missing"), -1);
        /* the member after a nested object is still found */
        assert_true(lw_json_eq(&j, lw_json_get(&j, 0, "s"), "x"));
    }
    int64_t v;
    const char *num = "{\"ts\":1772979866649}";
    assert_int_equal(lw_json_parse(&j, num, strlen(num)), LW_JSON_OK);
    assert_true(lw_json_int(&j, lw_json_get(&j, 0, "ts"), &v));
    assert_true(v == 1772979866649LL);
    /* garbage strict jsmn lets through, which we refuse */
    static const char *bad[] = {"{\"lead\":012}", "{\"bad\":tru}", "[ thanx ]", "{\"a\":\"b\" \"c\":1}",
                                "{\"n\":1.}", "{\"n\":-}", "{\"n\":1e}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(lw_json_parse(&j, bad[i], strlen(bad[i])), LW_JSON_INVAL);
    lw_json_free(&j);
}

static void incremental(void **st)
{
    (void)st;
    const char *full = "{\n  \"a\": \"hello\",\n  \"b\": [1, 2]\n}\n";
    lw_json j;
    lw_json_init(&j);
    lw_buf b = LW_BUF_INIT;
    int r = LW_JSON_PART;
    const char *p = full;
    while (*p) {
        const char *nl = strchr(p, '\n');
        lw_buf_append(&b, p, (size_t)(nl - p + 1));
        p = nl + 1;
        r = lw_json_resume(&j, b.p, b.len);
        if (*p)
            assert_int_equal(r, LW_JSON_PART);
    }
    assert_int_equal(r, LW_JSON_OK);
    assert_true(lw_json_eq(&j, lw_json_get(&j, 0, "a"), "hello"));
    assert_int_equal(lw_json_parse(&j, "{\"a\":", 5), LW_JSON_PART);
    assert_int_equal(lw_json_parse(&j, "{\"a\" 1}", 7), LW_JSON_INVAL);
    /* many tokens: the array grows */
    lw_buf big = LW_BUF_INIT;
    lw_buf_putc(&big, '[');
    for (int i = 0; i < 5000; i++)
        lw_buf_printf(&big, "%s%d", i ? "," : "", i);
    lw_buf_putc(&big, ']');
    assert_int_equal(lw_json_parse(&j, big.p, big.len), LW_JSON_OK);
    assert_int_equal(j.n, 5001);
    lw_buf_free(&big);
    lw_buf_free(&b);
    lw_json_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unescape_basic),
        cmocka_unit_test(unescape_surrogates),
        cmocka_unit_test(unescape_malformed),
        cmocka_unit_test(invalid_utf8_replaced),
        cmocka_unit_test(lookups_and_primitives),
        cmocka_unit_test(incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
