/* options: the man(7) form of the reference that lambdaward.conf(5) is
 * built from: text from the tables cannot turn into roff requests or
 * escapes, and the config walk gives one heading per section in the same
 * order as the INI reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/options.h"

typedef struct { double n; char *s; } row_t;

static char *render(void (*fn)(FILE *, const lw_option *), const lw_option *t)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    fn(f, t);
    fclose(f);
    return out;
}

static void hostile_text_stays_text(void **state)
{
    (void)state;
    static const lw_option t[] = {
        LW_OPT("dash-name", LW_OPT_INT, "-1", offsetof(row_t, n), -5, 5,
               ".so /etc/passwd and a \\fB font and an 'quote"),
        LW_OPT("empty_help", LW_OPT_STR, NULL, offsetof(row_t, s), 0, 0, ""),
        LW_OPT_END,
    };
    char *out = render(lw_options_reference_man, t);
    /* Every line that starts with a dot or a quote is one of ours. */
    for (char *line = out; *line; line = strchr(line, '\n') + 1) {
        if (*line == '.' || *line == '\'')
            assert_true(!strncmp(line, ".TP\n", 4) || !strncmp(line, ".B ", 3) || !strncmp(line, ".br\n", 4));
        if (!strchr(line, '\n'))
            break;
    }
    assert_non_null(strstr(out, ".B dash\\-name\n"));
    assert_non_null(strstr(out, "\\&.so /etc/passwd and a \\efB font"));
    assert_non_null(strstr(out, "Default: \\fB\\-1\\fR."));
    assert_non_null(strstr(out, "an integer from \\-5 to 5"));
    assert_non_null(strstr(out, ".B empty_help\nType: text.\n")); /* no help, no empty sentence */
    free(out);
}

static void one_heading_per_section(void **state)
{
    (void)state;
    char *ini = NULL, *man = NULL;
    size_t a, b;
    FILE *f = open_memstream(&ini, &a);
    lw_config_reference(f);
    fclose(f);
    f = open_memstream(&man, &b);
    lw_config_reference_man(f);
    fclose(f);
    /* The INI reference's section lines, in order, are the page's headings. */
    char *m = man;
    int sections = 0;
    for (char *line = ini; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (*line != '[')
            continue;
        size_t n = strcspn(line, "\n");
        char want[128];
        snprintf(want, sizeof want, ".SS \"%.*s\"\n", (int)n, line);
        assert_null(strchr(want, '-')); /* none has a hyphen, which the page would escape */
        char *at = strstr(m, want);
        assert_non_null(at);
        m = at + 1;
        sections++;
    }
    assert_true(sections >= 8);
    assert_null(strstr(man, "; lambdaward configuration reference")); /* the INI preamble stays out */
    assert_non_null(strstr(ini, "; lambdaward configuration reference")); /* ...and in the INI form */
    free(ini);
    free(man);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_text_stays_text),
        cmocka_unit_test(one_heading_per_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
