/* gzip: the one reader streams members back to back, reports junk, corrupt
 * and truncated members and resumes at the next member, bounds its output,
 * and the strict whole-buffer form refuses any damage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "common/gzip.h"

/* Appends text as one gzip member. */
static void member(lw_buf *out, const char *text)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, strlen(text)) + 32;
    lw_buf_reserve(out, out->len + cap);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = (Bytef *)out->p + out->len;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len += cap - z.avail_out;
    deflateEnd(&z);
}

typedef struct sink {
    lw_buf text;
    int errors;
    char first[200], last[200];
} sink;

static void on_data(void *ud, const char *p, size_t n) { lw_buf_append(&((sink *)ud)->text, p, n); }
static void on_error(void *ud, const char *msg)
{
    sink *s = ud;
    if (!s->errors++)
        snprintf(s->first, sizeof s->first, "%s", msg);
    snprintf(s->last, sizeof s->last, "%s", msg);
}

/* Feeds in pieces of `step` bytes (1 = every boundary, magic split too). */
static void run(const lw_buf *in, size_t step, size_t max, sink *s)
{
    memset(s, 0, sizeof *s);
    lw_gunzip g;
    lw_gunzip_init(&g, on_data, on_error, s, max);
    for (size_t at = 0; at < in->len; at += step)
        lw_gunzip_feed(&g, in->p + at, at + step < in->len ? step : in->len - at);
    lw_gunzip_finish(&g);
    lw_gunzip_free(&g);
    lw_buf_putc(&s->text, '\0');
}

static void members_back_to_back(void **st)
{
    (void)st;
    lw_buf in = LW_BUF_INIT;
    member(&in, "first line\n");
    member(&in, "second line\n");
    sink s;
    for (size_t step = 1; step <= in.len; step = step * 3 + 1) {
        run(&in, step, 0, &s);
        assert_string_equal(s.text.p, "first line\nsecond line\n");
        assert_int_equal(s.errors, 0);
        lw_buf_free(&s.text);
    }
    lw_buf plain = LW_BUF_INIT;
    assert_int_equal(lw_gunzip_all(in.p, in.len, 1 << 20, &plain), 0);
    assert_string_equal(plain.p, "first line\nsecond line\n");
    lw_buf_free(&plain);
    lw_buf_free(&in);
}

static void junk_and_corruption_cost_only_themselves(void **st)
{
    (void)st;
    lw_buf in = LW_BUF_INIT;
    member(&in, "kept 1\n");
    lw_buf_puts(&in, "junk\x1f"); /* a lone 0x1f too: not a header */
    member(&in, "kept 2\n");
    size_t bad_at = in.len;
    member(&in, "lost\n");
    in.p[bad_at + 3] = (char)0xff; /* reserved flag bits: a corrupt header */
    member(&in, "kept 3\n");
    sink s;
    for (size_t step = 1; step <= in.len; step = step * 2 + 1) {
        run(&in, step, 0, &s);
        assert_string_equal(s.text.p, "kept 1\nkept 2\nkept 3\n");
        assert_true(s.errors >= 2);
        lw_buf_free(&s.text);
    }
    lw_buf plain = LW_BUF_INIT;
    assert_int_equal(lw_gunzip_all(in.p, in.len, 1 << 20, &plain), -1); /* strict: any damage refuses */
    lw_buf_free(&plain);
    lw_buf_free(&in);
}

static void junk_after_a_split_magic_byte_is_reported(void **st)
{
    (void)st;
    lw_buf in = LW_BUF_INIT;
    member(&in, "kept\n");
    lw_buf_puts(&in, "\x1fjunk");
    sink s;
    run(&in, in.len - 4, 0, &s); /* the feed ends right after the 0x1f */
    assert_string_equal(s.text.p, "kept\n");
    assert_int_equal(s.errors, 1);
    lw_buf_free(&s.text);
    lw_buf_free(&in);
}

/* Damage is placed by its byte offset in the compressed input, whatever
 * the chunking: a line number of the inflated text points nowhere. */
static void errors_give_the_byte_offset(void **st)
{
    (void)st;
    lw_buf in = LW_BUF_INIT;
    member(&in, "kept 1\n");
    size_t junk_at = in.len;
    lw_buf_puts(&in, "junk");
    member(&in, "kept 2\n");
    size_t bad_at = in.len;
    member(&in, "lost\n");
    in.p[bad_at + 3] = (char)0xff; /* reserved flag bits: zlib refuses the header at its 4th byte */
    sink s;
    for (size_t step = 1; step <= in.len; step = step * 2 + 1) {
        run(&in, step, 0, &s);
        char want[160];
        snprintf(want, sizeof want,
                 "data after the end of a gzip member at byte offset %zu: skipped to the next member", junk_at);
        assert_string_equal(s.first, want);
        assert_non_null(strstr(s.last, "corrupt gzip data at byte offset "));
        unsigned long long off = strtoull(s.last + strlen("corrupt gzip data at byte offset "), NULL, 10);
        assert_in_range(off, bad_at, bad_at + 4);
        lw_buf_free(&s.text);
    }
    lw_buf_free(&in);
}

static void truncated_member_is_reported(void **st)
{
    (void)st;
    lw_buf in = LW_BUF_INIT;
    member(&in, "a line that is long enough to be cut in the middle of its member\n");
    in.len -= 6;
    sink s;
    run(&in, in.len, 0, &s);
    assert_int_equal(s.errors, 1);
    char want[100];
    snprintf(want, sizeof want, "truncated gzip stream: input ended at byte offset %zu inside a member", in.len);
    assert_string_equal(s.last, want);
    lw_buf_free(&s.text);
    lw_buf plain = LW_BUF_INIT;
    assert_int_equal(lw_gunzip_all(in.p, in.len, 1 << 20, &plain), -1);
    assert_int_equal(lw_gunzip_all("", 0, 1 << 20, &plain), -1); /* empty is no gzip body */
    lw_buf_free(&plain);
    lw_buf_free(&in);
}

static void output_is_bounded(void **st)
{
    (void)st;
    static char big[1 << 20];
    memset(big, 'a', sizeof big - 1);
    lw_buf in = LW_BUF_INIT;
    member(&in, big); /* ~1 KB that inflates to 1 MB: a small bomb */
    sink s;
    run(&in, in.len, 4096, &s);
    assert_int_equal(s.text.len, 4096 + 1); /* + the NUL the test adds */
    lw_buf_free(&s.text);
    lw_buf plain = LW_BUF_INIT;
    assert_int_equal(lw_gunzip_all(in.p, in.len, 4096, &plain), -2);
    lw_buf_reset(&plain);
    assert_int_equal(lw_gunzip_all(in.p, in.len, sizeof big - 1, &plain), 0); /* exactly max is fine */
    assert_int_equal(plain.len, sizeof big - 1);
    lw_buf_free(&plain);
    lw_buf_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(members_back_to_back),
        cmocka_unit_test(junk_and_corruption_cost_only_themselves),
        cmocka_unit_test(junk_after_a_split_magic_byte_is_reported),
        cmocka_unit_test(errors_give_the_byte_offset),
        cmocka_unit_test(truncated_member_is_reported),
        cmocka_unit_test(output_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
