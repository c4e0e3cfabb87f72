/* escape: every class of invisible or line-breaking character becomes a
 * visible escape; the bound never splits a character or an escape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/escape.h"

static const char *esc_n(const char *s, size_t n, unsigned flags)
{
    static lw_buf b;
    lw_buf_reset(&b);
    assert_int_equal(lw_escape(&b, s, n, flags, 0), n);
    return b.p ? b.p : "";
}

static const char *esc(const char *s) { return esc_n(s, strlen(s), 0); }

static void c0_and_del(void **st)
{
    (void)st;
    assert_string_equal(esc("a\tb\rc\nd"), "a\\tb\\rc\\nd");
    assert_string_equal(esc_n("x\0y", 3, 0), "x\\x00y");
    assert_string_equal(esc("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
    assert_string_equal(esc("\x01\x07\x08\x0b\x0c\x1f\x7f"), "\\x01\\x07\\x08\\x0b\\x0c\\x1f\\x7f");
    /* every C0 byte and DEL: none survives raw */
    for (unsigned c = 0; c < 0x20; c++) {
        char in = (char)c;
        const char *o = esc_n(&in, 1, 0);
        assert_true(o[0] == '\\');
        assert_true(strlen(o) == 2 || strlen(o) == 4);
    }
}

static void c1_controls(void **st)
{
    (void)st;
    /* U+0085 NEL, U+009B CSI: a terminal would act on them */
    assert_string_equal(esc("a\xc2\x85" "b\xc2\x9b" "c"), "a\\u0085b\\u009bc");
    assert_string_equal(esc("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
    /* U+00A0 and beyond are text */
    assert_string_equal(esc("\xc2\xa0\xc3\xa9"), "\xc2\xa0\xc3\xa9");
}

static void separators_and_bidi(void **st)
{
    (void)st;
    assert_string_equal(esc("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"), "a\\u2028b\\u2029c");
    /* U+202A..U+202E */
    assert_string_equal(esc("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae"),
                        "\\u202a\\u202b\\u202c\\u202d\\u202e");
    /* U+2066..U+2069 */
    assert_string_equal(esc("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"), "\\u2066\\u2067\\u2068\\u2069");
    /* LRM, RLM, ALM */
    assert_string_equal(esc("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "\\u200e\\u200f\\u061c");
    /* neighbours stay text: U+2027, U+202F, U+206A */
    assert_string_equal(esc("\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa"), "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa");
    /* 4-byte characters are text */
    assert_string_equal(esc("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

static void invalid_utf8_shows_its_bytes(void **st)
{
    (void)st;
    assert_string_equal(esc("a\xff" "b\x9b" "c"), "a\\xffb\\x9bc");
    /* a truncated sequence, an overlong NUL, a surrogate */
    assert_string_equal(esc("\xe2\x80"), "\\xe2\\x80");
    assert_string_equal(esc("\xc0\x80"), "\\xc0\\x80");
    assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

static void slack_entities(void **st)
{
    (void)st;
    const char *in = "<!channel> & <https://evil.example|click> \x1b\n";
    assert_string_equal(esc_n(in, strlen(in), LW_ESC_SLACK),
                        "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; \\x1b\\n");
    /* without the flag, they are plain text */
    assert_string_equal(esc("<a & b>"), "<a & b>");
}

static void plain_text_unchanged(void **st)
{
    (void)st;
    const char *s = "GET /?file=/etc/passwd from 198.51.100.23 (rule 1005936) \\n caf\xc3\xa9";
    assert_string_equal(esc(s), s);
}

static void bound_never_splits(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    /* "ab" fits, the escape of ESC (4 bytes) would not fit in 5 */
    assert_int_equal(lw_escape(&b, "ab\x1b" "cd", 5, 0, 5), 2);
    assert_string_equal(b.p, "ab");
    lw_buf_reset(&b);
    /* a 2-byte character is not cut in half */
    assert_int_equal(lw_escape(&b, "abc\xc3\xa9", 5, 0, 4), 3);
    assert_string_equal(b.p, "abc");
    lw_buf_reset(&b);
    /* exactly at the bound, everything is taken */
    assert_int_equal(lw_escape(&b, "ab\n", 3, 0, 4), 3);
    assert_string_equal(b.p, "ab\\n");
    lw_buf_reset(&b);
    /* appends: the bound counts only what this call adds */
    lw_buf_puts(&b, "prefix:");
    assert_int_equal(lw_escape(&b, "abcdef", 6, 0, 3), 3);
    assert_string_equal(b.p, "prefix:abc");
    lw_buf_free(&b);
}

static void one_character(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    assert_int_equal(lw_escape_char(&b, "\xe2\x80\xae" "x", 4, 0), 3);
    assert_string_equal(b.p, "\\u202e");
    lw_buf_reset(&b);
    assert_int_equal(lw_escape_char(&b, "\xc3\xa9", 2, 0), 2);
    assert_string_equal(b.p, "\xc3\xa9");
    lw_buf_reset(&b);
    assert_int_equal(lw_escape_char(&b, "<", 1, LW_ESC_SLACK), 1);
    assert_string_equal(b.p, "&lt;");
    lw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c0_and_del),
        cmocka_unit_test(c1_controls),
        cmocka_unit_test(separators_and_bidi),
        cmocka_unit_test(invalid_utf8_shows_its_bytes),
        cmocka_unit_test(slack_entities),
        cmocka_unit_test(plain_text_unchanged),
        cmocka_unit_test(bound_never_splits),
        cmocka_unit_test(one_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
