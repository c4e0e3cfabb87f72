/* webhook_format: signatures checked against Python's hmac, Slack bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/sinks/webhook_format.h"
#include "common/json.h"

static const char FINDING[] =
    "{\"kind\":\"finding\",\"id\":\"40675a7e0007b3f84647c22cfb69c9d8\",\"detector\":\"attack\",\"severity\":\"high\","
    "\"title\":\"UNBLOCKED attack: GET /?file=/etc/passwd from 203.0.113.77 (rule 1005936)\",\"function\":\"hello-world\","
    "\"log_group\":\"/aws/lambda/hello-world\",\"log_stream\":\"s\",\"request_id\":\"r\",\"time\":\"2026-03-08T14:24:26.649Z\","
    "\"count\":1,\"evidence\":{\"rule_id\":\"1005936\",\"blocked\":false,\"source_ip\":\"203.0.113.77\",\"method\":\"GET\","
    "\"path\":\"/\",\"query\":\"file=/etc/passwd&x=<b>\"}}";

static void signature_matches_python_hmac(void **st)
{
    (void)st;
    const char *secret = "wh-s3cr3t";
    char sig[80];
    lw_webhook_sign(secret, 1772979866, FINDING, strlen(FINDING), sig);
    /* An independent implementation: Python's hmac module. */
    FILE *f = fopen("/tmp/lw-wh-body", "wb");
    fwrite(FINDING, 1, strlen(FINDING), f);
    fclose(f);
    FILE *p = popen("/usr/bin/python3 -c 'import hmac,hashlib;"
                    "b=open(\"/tmp/lw-wh-body\",\"rb\").read();"
                    "print(\"sha256=\"+hmac.new(b\"wh-s3cr3t\", b\"1772979866.\"+b, hashlib.sha256).hexdigest())'",
                    "r");
    assert_non_null(p);
    char want[128] = {0};
    assert_non_null(fgets(want, sizeof want, p));
    pclose(p);
    remove("/tmp/lw-wh-body");
    want[strcspn(want, "\n")] = '\0';
    assert_string_equal(sig, want);
    assert_int_equal(strlen(sig), 71);
    /* a different timestamp or body changes it */
    char other[80];
    lw_webhook_sign(secret, 1772979867, FINDING, strlen(FINDING), other);
    assert_string_not_equal(sig, other);
}

static void json_format_is_the_finding(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    assert_int_equal(lw_webhook_body(LW_WEBHOOK_JSON, FINDING, strlen(FINDING), &b), 0);
    assert_string_equal(b.p, FINDING);
    lw_buf_free(&b);
}

static void slack_format(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    assert_int_equal(lw_webhook_body(LW_WEBHOOK_SLACK, FINDING, strlen(FINDING), &b), 0);
    lw_json j;
    lw_json_init(&j);
    assert_int_equal(lw_json_parse(&j, b.p, b.len), LW_JSON_OK);
    lw_buf t = LW_BUF_INIT;
    assert_int_equal(lw_json_str(&j, lw_json_get(&j, 0, "text"), &t), 0);
    printf("%s\n", t.p);
    assert_non_null(strstr(t.p, ":red_circle: HIGH"));
    assert_non_null(strstr(t.p, "UNBLOCKED attack: GET /?file=/etc/passwd"));
    assert_non_null(strstr(t.p, "*Function:* `hello-world`"));
    assert_non_null(strstr(t.p, "• source_ip: `203.0.113.77`"));
    assert_non_null(strstr(t.p, "file=/etc/passwd&amp;x=&lt;b&gt;")); /* mrkdwn-escaped */
    assert_non_null(strstr(t.p, "40675a7e0007b3f84647c22cfb69c9d8"));
    assert_true(lw_json_get(&j, 0, "blocks") > 0);
    lw_buf_free(&t);
    lw_json_free(&j);
    lw_buf_reset(&b);
    assert_int_equal(lw_webhook_body(LW_WEBHOOK_SLACK, "{broken", 7, &b), -1);
    lw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_matches_python_hmac),
        cmocka_unit_test(json_format_is_the_finding),
        cmocka_unit_test(slack_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
