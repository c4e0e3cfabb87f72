/* webhook delivery: 2xx, retries with backoff, Retry-After, max_age,
 * restart resume, headers and signature, against a scripted poster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "daemon/sinks/outbox.h"
#include "daemon/sinks/webhook_format.h"

typedef struct poster_state {
    uv_loop_t *loop;
    int script[16];          /* status per call; 0 = connection error */
    double retry_after[16];
    int calls;
    char last_headers[1024];
    char last_body[1024];
    char delivery_ids[16][40];
} poster_state;

typedef struct reply {
    uv_timer_t t;
    lw_http_cb cb;
    void *ctx;
    lw_http_result r;
} reply;

static void closed(uv_handle_t *h) { free(h->data); }
static void fire(uv_timer_t *t)
{
    reply *r = t->data;
    r->cb(r->ctx, &r->r);
    uv_close((uv_handle_t *)t, closed);
}

static void post(void *ud, const char *url, const char *const *headers, int nheaders, const char *body, size_t n,
                 double timeout_s, lw_http_cb cb, void *ctx)
{
    (void)url;
    (void)timeout_s;
    poster_state *p = ud;
    int i = p->calls++;
    p->last_headers[0] = '\0';
    for (int h = 0; h < nheaders; h++) {
        strncat(p->last_headers, headers[h], sizeof p->last_headers - strlen(p->last_headers) - 2);
        strcat(p->last_headers, "\n");
        if (!strncmp(headers[h], "X-Lambdaward-Delivery: ", 23) && i < 16)
            snprintf(p->delivery_ids[i], 40, "%s", headers[h] + 23);
    }
    snprintf(p->last_body, sizeof p->last_body, "%.*s", (int)n, body);
    reply *r = calloc(1, sizeof *r);
    r->cb = cb;
    r->ctx = ctx;
    r->r.status = i < 16 ? p->script[i] : 200;
    r->r.error = r->r.status ? NULL : "Connection refused";
    r->r.retry_after_s = i < 16 ? p->retry_after[i] : 0;
    uv_timer_init(p->loop, &r->t);
    r->t.data = r;
    uv_timer_start(&r->t, fire, 0, 0);
}

static char dir[64], db[128];

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static lw_state *fresh_state(void)
{
    snprintf(dir, sizeof dir, "/tmp/lw-wh-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/state.db", dir);
    char err[256];
    lw_state *s = lw_state_open(db, err, sizeof err);
    assert_non_null(s);
    return s;
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void queue(lw_state *s, const char *id, int64_t created)
{
    char json[128];
    snprintf(json, sizeof json, "{\"kind\":\"finding\",\"id\":\"%s\",\"severity\":\"high\",\"title\":\"t\"}", id);
    lw_state_finding_add(s, id, "attack", 3, "fn", created, json, created);
    lw_state_outbox_add(s, "ops", id, created);
}

static lw_webhook_cfg hook = {.name = "ops", .url = "https://hooks.example.com/x", .format = LW_WEBHOOK_JSON,
                              .secret = "wh-secret", .max_age_s = 3600, .timeout_s = 5};

static void run_until(uv_loop_t *loop, poster_state *p, int calls)
{
    for (int i = 0; i < 200 && p->calls < calls; i++)
        uv_run(loop, UV_RUN_ONCE);
    uv_run(loop, UV_RUN_NOWAIT);
}

static void stop_and_drain(lw_webhooks *w, uv_loop_t *loop)
{
    lw_webhooks_stop(w, NULL, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
}

static void delivers_with_headers_and_signature(void **st)
{
    (void)st;
    lw_state *s = fresh_state();
    queue(s, "f1", now_ms());
    uv_loop_t loop;
    uv_loop_init(&loop);
    poster_state p = {.loop = &loop, .script = {200}};
    lw_config cfg = {.webhooks = &hook};
    lw_poster ps = {post, &p};
    lw_webhooks *w = lw_webhooks_new(&loop, s, &cfg, &ps);
    run_until(&loop, &p, 1);
    stop_and_drain(w, &loop);
    assert_int_equal(p.calls, 1);
    assert_int_equal(lw_state_outbox_pending(s), 0);
    assert_string_equal(p.delivery_ids[0], "f1");
    assert_non_null(strstr(p.last_headers, "X-Lambdaward-Timestamp: "));
    /* the signature verifies over "<timestamp>.<body>" */
    long ts = atol(strstr(p.last_headers, "X-Lambdaward-Timestamp: ") + 24);
    char sig[80];
    lw_webhook_sign("wh-secret", ts, p.last_body, strlen(p.last_body), sig);
    char want[120];
    snprintf(want, sizeof want, "X-Lambdaward-Signature: %s\n", sig);
    assert_non_null(strstr(p.last_headers, want));
    assert_null(strstr(p.last_headers, "wh-secret"));
    lw_state_close(s);
    uv_loop_close(&loop);
    cleanup();
}

static void failures_are_retried_later_and_resume_after_restart(void **st)
{
    (void)st;
    lw_state *s = fresh_state();
    queue(s, "f2", now_ms());
    uv_loop_t loop;
    uv_loop_init(&loop);
    poster_state p = {.loop = &loop, .script = {503}};
    lw_config cfg = {.webhooks = &hook};
    lw_poster ps = {post, &p};
    lw_webhooks *w = lw_webhooks_new(&loop, s, &cfg, &ps);
    run_until(&loop, &p, 1);
    stop_and_drain(w, &loop);
    assert_int_equal(p.calls, 1);
    assert_int_equal(lw_state_outbox_pending(s), 1); /* still owed, with a backoff */
    lw_outbox_item *it;
    int n;
    lw_state_outbox_due(s, now_ms() + 7 * 24 * 3600 * 1000LL, 10, &it, &n);
    assert_int_equal(n, 1);
    assert_int_equal(it[0].attempts, 1);
    assert_true(it[0].next_attempt_ms >= now_ms() - 1000);
    lw_state_outbox_items_free(it, n);
    /* "restart": a new deliverer on the same file, once the retry is due */
    lw_state_outbox_retry(s, "ops", "f2", now_ms() - 1, 503, "HTTP 503");
    poster_state p2 = {.loop = &loop, .script = {200}};
    lw_poster ps2 = {post, &p2};
    w = lw_webhooks_new(&loop, s, &cfg, &ps2);
    run_until(&loop, &p2, 1);
    stop_and_drain(w, &loop);
    assert_int_equal(p2.calls, 1);
    assert_string_equal(p2.delivery_ids[0], "f2"); /* same delivery id as the first try */
    assert_int_equal(lw_state_outbox_pending(s), 0);
    lw_state_close(s);
    uv_loop_close(&loop);
    cleanup();
}

static void retry_after_is_honoured(void **st)
{
    (void)st;
    lw_state *s = fresh_state();
    queue(s, "f3", now_ms());
    uv_loop_t loop;
    uv_loop_init(&loop);
    poster_state p = {.loop = &loop, .script = {429}, .retry_after = {1200}};
    lw_config cfg = {.webhooks = &hook};
    lw_poster ps = {post, &p};
    lw_webhooks *w = lw_webhooks_new(&loop, s, &cfg, &ps);
    run_until(&loop, &p, 1);
    stop_and_drain(w, &loop);
    lw_outbox_item *it;
    int n;
    lw_state_outbox_due(s, now_ms() + 1100 * 1000, 10, &it, &n);
    assert_int_equal(n, 0); /* not before Retry-After */
    lw_state_outbox_items_free(it, n);
    lw_state_outbox_due(s, now_ms() + 1300 * 1000, 10, &it, &n);
    assert_int_equal(n, 1);
    lw_state_outbox_items_free(it, n);
    lw_state_close(s);
    uv_loop_close(&loop);
    cleanup();
}

static void given_up_after_max_age_and_counted(void **st)
{
    (void)st;
    lw_state *s = fresh_state();
    queue(s, "old", now_ms() - 7200 * 1000); /* older than max_age (1 h) */
    uv_loop_t loop;
    uv_loop_init(&loop);
    poster_state p = {.loop = &loop};
    lw_config cfg = {.webhooks = &hook};
    lw_poster ps = {post, &p};
    lw_webhooks *w = lw_webhooks_new(&loop, s, &cfg, &ps);
    uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(lw_webhooks_stats(w)->given_up, 1);
    stop_and_drain(w, &loop);
    assert_int_equal(p.calls, 0);
    assert_int_equal(lw_state_outbox_pending(s), 0);
    assert_int_equal(lw_state_finding_count(s), 1); /* the finding itself is kept */
    lw_state_close(s);
    uv_loop_close(&loop);
    cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delivers_with_headers_and_signature),
        cmocka_unit_test(failures_are_retried_later_and_resume_after_restart),
        cmocka_unit_test(retry_after_is_honoured),
        cmocka_unit_test(given_up_after_max_age_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
