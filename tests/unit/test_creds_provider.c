/* creds_provider on a real loop against the fake STS (tests/fakests/
 * server.py, started here on 127.0.0.1, stopping by itself):
 * lw_creds_provider_new_role, the per-account shape (one base chain, a
 * role assumed on top of it), gets the role's credentials signed by the
 * base's key and names where they came from; a role the base may not
 * assume is an error naming the role ARN and AccessDenied, with no
 * secret in it; closing the providers and the client frees everything
 * (ASan checks); closing while a credential_process runs kills it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/creds_provider.h"

#define READER "arn:aws:iam::111111111111:role/reader"
#define DENIED "arn:aws:iam::999999999999:role/nope"

static pid_t fake_pid;
static char endpoint[64], dir[64];

static int start_fake(void **st)
{
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/lw-cp-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char trust[128], cfg[128], script[1024];
    snprintf(trust, sizeof trust, "%s/trust.json", dir);
    snprintf(cfg, sizeof cfg, "%s/none", dir);
    FILE *f = fopen(trust, "w");
    if (!f)
        return -1;
    fputs("{\"callers\": {\"AKIABASE0000000001\": {\"secret\": \"base-secret-value\"}},"
          " \"roles\": {\"" READER "\": {\"principals\": [\"AKIABASE0000000001\"]}}}",
          f);
    fclose(f);
    const char *src = getenv("LW_SRC");
    snprintf(script, sizeof script, "%s/tests/fakests/server.py", src ? src : ".");
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    fake_pid = fork();
    if (fake_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl("/usr/bin/python3", "python3", script, "--trust", trust, "--max-seconds", "60", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[64] = "";
    if (!out || !fgets(line, sizeof line, out) || strncmp(line, "LISTENING ", 10))
        return -1;
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", atoi(line + 10));
    /* the base: static keys in the environment, nothing else */
    setenv("AWS_ACCESS_KEY_ID", "AKIABASE0000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "base-secret-value", 1);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cfg, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_SESSION_TOKEN");
    return 0;
}

static int stop_fake(void **st)
{
    (void)st;
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
    }
    char trust[128];
    snprintf(trust, sizeof trust, "%s/trust.json", dir);
    unlink(trust);
    rmdir(dir);
    return 0;
}

typedef struct answer {
    bool done;
    char err[3000];
} answer;

static void on_done(void *ud, const char *err)
{
    answer *a = ud;
    a->done = true;
    snprintf(a->err, sizeof a->err, "%s", err ? err : "");
}

static void wait_for(uv_loop_t *loop, answer *a)
{
    for (int i = 0; i < 3000 && !a->done; i++)
        uv_run(loop, UV_RUN_ONCE);
    assert_true(a->done);
}

static void role_on_a_base(void **st)
{
    (void)st;
    uv_loop_t loop;
    uv_loop_init(&loop);
    lw_curl *curl = lw_curl_new(&loop, NULL);
    lw_creds_provider *base = lw_creds_provider_new(&loop, curl, NULL);
    lw_sts_role ok = {.role_arn = READER, .session_name = "acct-a", .duration_s = 900};
    lw_sts_role bad = {.role_arn = DENIED};
    lw_creds_provider *a = lw_creds_provider_new_role(&loop, curl, base, &ok, "eu-central-1", endpoint);
    lw_creds_provider *b = lw_creds_provider_new_role(&loop, curl, base, &bad, "eu-central-1", endpoint);
    answer ra = {0}, rb = {0};
    lw_creds_provider_get(a, false, on_done, &ra);
    lw_creds_provider_get(b, false, on_done, &rb);
    wait_for(&loop, &ra);
    wait_for(&loop, &rb);
    assert_string_equal(ra.err, "");
    const lw_aws_creds *c = lw_creds_provider_current(a);
    assert_non_null(c);
    assert_memory_equal(c->access_key, "ASIA", 4);
    assert_true(c->session_token[0] != '\0');
    assert_true(c->expires_ms > 0);
    assert_non_null(strstr(lw_creds_provider_source(a), READER));
    assert_non_null(strstr(lw_creds_provider_source(a), "environment"));
    /* the base still has its own keys: one base, many roles */
    assert_string_equal(lw_creds_provider_current(base)->access_key, "AKIABASE0000000001");
    assert_non_null(strstr(rb.err, DENIED));
    assert_non_null(strstr(rb.err, "AccessDenied"));
    assert_null(strstr(rb.err, "base-secret-value"));
    assert_null(lw_creds_provider_current(b));
    /* Closing a role provider with a run in flight: no callback after, no leak. */
    answer rc = {0};
    lw_creds_provider_get(a, true, on_done, &rc);
    lw_creds_provider_close(a);
    assert_true(rc.done);
    assert_string_equal(rc.err, "cancelled");
    lw_creds_provider_close(b);
    lw_creds_provider_close(base);
    lw_curl_close(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A provider closed while its credential_process runs: the process is
 * killed and reaped, and the loop ends (uv_run returns only once the
 * process handle is closed, which is after its exit was seen). */
static void process_killed_on_close(void **st)
{
    (void)st;
    char cfg[128], old[128];
    snprintf(old, sizeof old, "%s", getenv("AWS_CONFIG_FILE"));
    snprintf(cfg, sizeof cfg, "%s/config", dir);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    const char *src = getenv("LW_SRC");
    fprintf(f, "[profile slow]\ncredential_process = /usr/bin/python3 %s/tests/fakests/creds_process.py A S "
               "--sleep 600\n",
            src ? src : ".");
    fclose(f);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    uv_loop_t loop;
    uv_loop_init(&loop);
    lw_curl *curl = lw_curl_new(&loop, NULL);
    lw_creds_provider *p = lw_creds_provider_new(&loop, curl, "slow");
    answer a = {0};
    lw_creds_provider_get(p, false, on_done, &a);
    for (int i = 0; i < 5; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    assert_false(a.done);
    lw_creds_provider_close(p);
    assert_true(a.done);
    assert_string_equal(a.err, "cancelled");
    lw_curl_close(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    setenv("AWS_CONFIG_FILE", old, 1);
    unlink(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(role_on_a_base), cmocka_unit_test(process_killed_on_close)};
    return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
