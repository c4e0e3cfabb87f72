/* log: every message is redacted and escaped into exactly one line, with
 * a bound that cuts on a character boundary and says so. */
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
#include "daemon/log.h"

/* Runs one lw_log call with stderr sent to a file; returns what it wrote. */
static char captured[16384];

static void capture_begin(int *saved)
{
    fflush(stderr);
    *saved = dup(2);
    FILE *f = tmpfile();
    assert_non_null(f);
    dup2(fileno(f), 2);
    fclose(f); /* fd 2 keeps the file open */
}

static const char *capture_end(int saved)
{
    fflush(stderr);
    off_t n = lseek(2, 0, SEEK_CUR);
    assert_true(n >= 0 && (size_t)n < sizeof captured);
    assert_int_equal(pread(2, captured, (size_t)n, 0), n);
    captured[n] = '\0';
    dup2(saved, 2);
    close(saved);
    return captured;
}

static size_t count(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static int setup(void **st)
{
    (void)st;
    unsetenv("JOURNAL_STREAM");
    lw_log_init();
    lw_log_set_level("debug");
    return 0;
}

static void forged_line_stays_one_line(void **st)
{
    (void)st;
    int saved;
    capture_begin(&saved);
    LW_WARN("tailer: polling %s: %s", "/aws/lambda/x\r\n2026-01-01T00:00:00Z error: forged",
            "\x1b[2J\x1b[31mred\xc2\x9b" "31m\xe2\x80\xae" "txt.exe");
    const char *out = capture_end(saved);
    printf("  %s", out);
    assert_int_equal(count(out, '\n'), 1);
    assert_int_equal(out[strlen(out) - 1], '\n');
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\x1b'));
    assert_null(strstr(out, "\xc2\x9b"));
    assert_null(strstr(out, "\xe2\x80\xae"));
    assert_non_null(strstr(out, " warning: tailer: polling /aws/lambda/x\\r\\n2026-01-01T00:00:00Z error: forged: "
                                "\\x1b[2J\\x1b[31mred\\u009b31m\\u202etxt.exe\n"));
}

static void credentials_are_masked(void **st)
{
    (void)st;
    int saved;
    capture_begin(&saved);
    LW_ERROR("%s", "Authorization: Bearer abcdef123456");
    const char *out = capture_end(saved);
    printf("  %s", out);
    assert_null(strstr(out, "abcdef123456"));
    assert_non_null(strstr(out, "Authorization: Bearer "));
    assert_int_equal(count(out, '\n'), 1);
}

static void print_has_no_prefix(void **st)
{
    (void)st;
    int saved;
    capture_begin(&saved);
    lw_print(stderr, "query: cannot read %s: %s", "a\nb", "No such file");
    const char *out = capture_end(saved);
    assert_string_equal(out, "query: cannot read a\\nb: No such file\n");
}

/* Under journald the line is "<priority>message", escaped all the same. */
static void journal_line(void **st)
{
    (void)st;
    int saved;
    capture_begin(&saved);
    struct stat sb;
    assert_int_equal(fstat(2, &sb), 0);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    lw_log_init();
    LW_NOTICE("finding %s", "a\n<3>forged");
    const char *out = capture_end(saved);
    unsetenv("JOURNAL_STREAM");
    lw_log_init();
    assert_string_equal(out, "<5>finding a\\n<3>forged\n");
}

static void long_message_cut_on_a_boundary(void **st)
{
    (void)st;
    /* 3000 two-byte characters, then an escape right at the bound */
    lw_buf m = LW_BUF_INIT;
    for (int i = 0; i < 3000; i++)
        lw_buf_puts(&m, "\xc3\xa9");
    int saved;
    capture_begin(&saved);
    LW_INFO("x%s", m.p); /* "x" makes the cut fall inside a character */
    const char *out = capture_end(saved);
    lw_buf_free(&m);
    const char *msg = strstr(out, " info: ");
    assert_non_null(msg);
    msg += 7;
    const char *mark = strstr(msg, "\xe2\x80\xa6[+");
    assert_non_null(mark);
    /* the kept part: "x" and 1023 whole characters (2047 bytes <= 2048) */
    assert_int_equal(mark - msg, 1 + 2 * 1023);
    assert_string_equal(mark, "\xe2\x80\xa6[+3954 bytes]\n");
    assert_int_equal(count(out, '\n'), 1);
}

static void below_threshold_writes_nothing(void **st)
{
    (void)st;
    lw_log_set_level("error");
    int saved;
    capture_begin(&saved);
    LW_INFO("not shown");
    const char *out = capture_end(saved);
    lw_log_set_level("debug");
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forged_line_stays_one_line),
        cmocka_unit_test(credentials_are_masked),
        cmocka_unit_test(print_has_no_prefix),
        cmocka_unit_test(journal_line),
        cmocka_unit_test(long_message_cut_on_a_boundary),
        cmocka_unit_test(below_threshold_writes_nothing),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
