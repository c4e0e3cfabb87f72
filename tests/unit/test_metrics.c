/* metrics: the registry and its renderer produce exactly the Prometheus
 * text exposition (0.0.4) the daemon serves: HELP and TYPE once per family,
 * series in registration order, label values and HELP text escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"

/* Each test gets a fresh registry and an output buffer. */
typedef struct fixture {
    lw_metrics *m;
    lw_buf out;
} fixture;

static int setup(void **st)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->m = lw_metrics_new();
    *st = fx;
    return 0;
}

static int teardown(void **st)
{
    fixture *fx = *st;
    lw_buf_free(&fx->out);
    lw_metrics_free(fx->m);
    free(fx);
    return 0;
}

static const char *render(fixture *fx)
{
    lw_buf_reset(&fx->out);
    lw_metrics_render(fx->m, &fx->out);
    lw_buf_putc(&fx->out, '\0');
    return fx->out.p;
}

typedef struct lag_src {
    int calls;
    double *lag;
} lag_src;

static void collect_lag(void *ud)
{
    lag_src *s = ud;
    s->calls++;
    *s->lag = 2.5 * s->calls;
}

static void exact_text(void **st)
{
    fixture *fx = *st;
    lw_metrics *m = fx->m;
    uint64_t kept = 7; /* a counter the component keeps itself */
    lw_metrics_counter_ref(m, "t_events_total", "Events analysed.", &kept);
    lw_metric_family *calls = lw_metrics_family(m, "t_calls_total", "Calls by operation.", LW_METRIC_COUNTER,
                                                "operation");
    uint64_t *get = lw_metric_u64(calls, "Get"), *put = lw_metric_u64(calls, "Put");
    (*get)++;
    *put += 3;
    (*lw_metric_u64(calls, "Get"))++; /* found again, not added twice */
    lw_metric_family *lag = lw_metrics_family(m, "t_lag_seconds", "Now minus \\ the last\npoll.", LW_METRIC_GAUGE,
                                              "log_group");
    lag_src src = {0, lw_metric_double(lag, "/aws/lambda/a")};
    *lw_metric_double(lag, "/aws/lambda/never") = -1;
    lw_metrics_on_collect(m, collect_lag, &src);
    *lw_metrics_gauge(m, "t_pending", "Deliveries waiting.") = 12;
    lw_metrics_family(m, "t_by_detector_total", "Findings by detector.", LW_METRIC_COUNTER, "detector");
    kept = 9;

    assert_string_equal(render(fx),
                        "# HELP t_events_total Events analysed.\n"
                        "# TYPE t_events_total counter\n"
                        "t_events_total 9\n"
                        "# HELP t_calls_total Calls by operation.\n"
                        "# TYPE t_calls_total counter\n"
                        "t_calls_total{operation=\"Get\"} 2\n"
                        "t_calls_total{operation=\"Put\"} 3\n"
                        "# HELP t_lag_seconds Now minus \\\\ the last\\npoll.\n"
                        "# TYPE t_lag_seconds gauge\n"
                        "t_lag_seconds{log_group=\"/aws/lambda/a\"} 2.5\n"
                        "t_lag_seconds{log_group=\"/aws/lambda/never\"} -1\n"
                        "# HELP t_pending Deliveries waiting.\n"
                        "# TYPE t_pending gauge\n"
                        "t_pending 12\n"
                        "# HELP t_by_detector_total Findings by detector.\n"
                        "# TYPE t_by_detector_total counter\n");
    /* collect runs before every rendering */
    assert_non_null(strstr(render(fx), "t_lag_seconds{log_group=\"/aws/lambda/a\"} 5\n"));
    assert_int_equal(src.calls, 2);
}

/* Label values escaped as the format requires (a log group name may hold
 * a quote, backslash or newline); doubles as the shortest text that reads
 * back as the same value. */
static void escaping_and_values(void **st)
{
    fixture *fx = *st;
    lw_metrics *m = fx->m;
    lw_metric_family *f = lw_metrics_family(m, "t_x_total", "X.", LW_METRIC_COUNTER, "log_group");
    *lw_metric_u64(f, "a\"b\\c\nd") = 1;
    f = lw_metrics_family(m, "t_g", "G.", LW_METRIC_GAUGE, "v");
    *lw_metric_double(f, "tenth") = 0.1;
    *lw_metric_double(f, "ms") = 1234.567;
    *lw_metric_double(f, "third") = 1.0 / 3;
    *lw_metric_double(f, "big") = 1e21;
    assert_string_equal(render(fx), "# HELP t_x_total X.\n"
                                         "# TYPE t_x_total counter\n"
                                         "t_x_total{log_group=\"a\\\"b\\\\c\\nd\"} 1\n"
                                         "# HELP t_g G.\n"
                                         "# TYPE t_g gauge\n"
                                         "t_g{v=\"tenth\"} 0.1\n"
                                         "t_g{v=\"ms\"} 1234.567\n"
                                         "t_g{v=\"third\"} 0.33333333333333331\n"
                                         "t_g{v=\"big\"} 1e+21\n");
}

static void remove_series(void **st)
{
    fixture *fx = *st;
    lw_metrics *m = fx->m;
    lw_metric_family *f = lw_metrics_family(m, "t_lag", "Lag.", LW_METRIC_GAUGE, "log_group");
    *lw_metric_double(f, "a") = 1;
    *lw_metric_double(f, "b") = 2;
    *lw_metric_double(f, "c") = 3;
    lw_metric_remove(f, "b");
    lw_metric_remove(f, "c"); /* the last one: new series still go at the end */
    lw_metric_remove(f, "never-added");
    *lw_metric_double(f, "d") = 4;
    assert_string_equal(render(fx), "# HELP t_lag Lag.\n"
                                         "# TYPE t_lag gauge\n"
                                         "t_lag{log_group=\"a\"} 1\n"
                                         "t_lag{log_group=\"d\"} 4\n");
    lw_metric_remove(f, "a");
    lw_metric_remove(f, "d");
    *lw_metric_double(f, "e") = 5;
    assert_string_equal(render(fx), "# HELP t_lag Lag.\n"
                                         "# TYPE t_lag gauge\n"
                                         "t_lag{log_group=\"e\"} 5\n");
}

/* The property the issue asks for, checked on a text with several families
 * registered by several "components" (and one family registered by two):
 * every series line belongs to the family whose HELP and TYPE came just
 * before it, and each family's HELP and TYPE appear exactly once. */
static void every_series_has_help_and_type(void **st)
{
    fixture *fx = *st;
    lw_metrics *m = fx->m;
    uint64_t a = 1, b = 2;
    lw_metrics_counter_ref(m, "t_a_total", "A.", &a);
    lw_metric_family *k = lw_metrics_family(m, "t_k_total", "K.", LW_METRIC_COUNTER, "kind");
    *lw_metric_u64(k, "full") = 3;
    lw_metrics_counter_ref(m, "t_b_total", "B.", &b);
    /* a second component asks for the same family: same one, new series */
    *lw_metric_u64(lw_metrics_family(m, "t_k_total", "K.", LW_METRIC_COUNTER, "kind"), "quick") = 4;
    *lw_metrics_gauge(m, "t_g", "G.") = 5;
    char *text = (char *)render(fx);
    char seen[8][64], help_of[64] = "", type_of[64] = "";
    int helps = 0, types = 0, series = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64];
        if (sscanf(line, "# HELP %63s", name) == 1) {
            for (int i = 0; i < helps; i++)
                assert_string_not_equal(name, seen[i]); /* a family never twice */
            assert_true(helps < 8);
            snprintf(seen[helps++], sizeof seen[0], "%s", name);
            snprintf(help_of, sizeof help_of, "%s", name);
        } else if (sscanf(line, "# TYPE %63s", name) == 1) {
            assert_string_equal(name, help_of);
            snprintf(type_of, sizeof type_of, "%s", name);
            types++;
        } else {
            size_t n = strcspn(line, "{ ");
            snprintf(name, sizeof name, "%.*s", (int)n, line);
            assert_string_equal(name, help_of);
            assert_string_equal(name, type_of);
            series++;
        }
    }
    assert_int_equal(helps, 4);
    assert_int_equal(types, 4);
    assert_int_equal(series, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(exact_text, setup, teardown),
        cmocka_unit_test_setup_teardown(escaping_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_series, setup, teardown),
        cmocka_unit_test_setup_teardown(every_series_has_help_and_type, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
