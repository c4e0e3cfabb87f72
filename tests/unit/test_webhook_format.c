/* webhook_format and output: signatures checked against Python's hmac,
 * Slack bodies, and the query table; attacker text escaped in both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/sinks/output.h"
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

/* A finding whose title and path carry a forged line, terminal escapes, a
 * bidi override and a Slack mention/link: none of it may act. */
static const char HOSTILE[] =
    "{\"kind\":\"finding\",\"id\":\"0123\",\"detector\":\"attack\",\"severity\":\"high\","
    "\"title\":\"attack on /a\\r\\n*:rotating_light: CRITICAL* forged\\u001b[2J <!channel>\","
    "\"function\":\"fn\\u202egnp.exe\",\"log_group\":\"/aws/lambda/fn\",\"time\":\"t\",\"count\":1,"
    "\"evidence\":{\"path\":\"/x\\n\\u0085<https://evil.example|click>\"}}";

static void slack_escapes_attacker_text(void **st)
{
    (void)st;
    lw_buf b = LW_BUF_INIT;
    assert_int_equal(lw_webhook_body(LW_WEBHOOK_SLACK, HOSTILE, strlen(HOSTILE), &b), 0);
    lw_json j;
    lw_json_init(&j);
    assert_int_equal(lw_json_parse(&j, b.p, b.len), LW_JSON_OK);
    lw_buf t = LW_BUF_INIT;
    assert_int_equal(lw_json_str(&j, lw_json_get(&j, 0, "text"), &t), 0);
    printf("%s\n", t.p);
    /* the title stays on the first line, its CR/LF and ESC visible */
    assert_non_null(strstr(t.p, "attack on /a\\r\\n*:rotating_light: CRITICAL* forged\\x1b[2J &lt;!channel&gt;\n"));
    assert_null(strchr(t.p, '\r'));
    assert_null(strchr(t.p, '\x1b'));
    assert_null(strstr(t.p, "<!channel>"));
    assert_null(strstr(t.p, "\xe2\x80\xae"));
    assert_non_null(strstr(t.p, "`fn\\u202egnp.exe`"));
    assert_non_null(strstr(t.p, "\u2022 path: `/x\\n\\u0085&lt;https://evil.example|click&gt;`"));
    /* only the template's own line breaks: title, function, path, log group */
    size_t lines = 0;
    for (const char *c = t.p; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    lw_buf_free(&t);
    lw_json_free(&j);
    lw_buf_free(&b);
}

static void table_escapes_attacker_text(void **st)
{
    (void)st;
    lw_finding f;
    memset(&f, 0, sizeof f);
    f.detector = "attack";
    f.severity = LW_SEV_HIGH;
    f.count = 1;
    static const char fn[] = "fn\x1b]0;owned\x07";
    f.function = (lw_str){fn, sizeof fn - 1};
    lw_buf_puts(&f.title, "GET /a\r\n2026-01-01 CRITICAL forged\xe2\x80\xa8\xc2\x9b" "31m");
    lw_buf out = LW_BUF_INIT;
    const lw_out_style table80 = {.fmt = LW_OUT_TABLE, .width = 80};
    lw_out_finding(&table80, &f, "", 0, &out);
    printf("%s", out.p);
    assert_null(strchr(out.p, '\r'));
    assert_null(strchr(out.p, '\x1b'));
    assert_null(strchr(out.p, '\x07'));
    assert_null(strstr(out.p, "\xe2\x80\xa8"));
    assert_null(strstr(out.p, "\xc2\x9b"));
    assert_non_null(strstr(out.p, "fn\\x1b]0;owned\\x07"));
    assert_non_null(strstr(out.p, "\n  GET /a\\r\\n2026-01-01 CRITICAL forged\\u2028\\u009b31m\n"));
    /* two lines: the header row and the title */
    size_t lines = 0;
    for (const char *c = out.p; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 2);
    /* a cut keeps escapes whole: the 4 columns of "\x1b" do not fit in the last 2 */
    lw_buf_reset(&f.title);
    for (int i = 0; i < 76; i++)
        lw_buf_putc(&f.title, 'a');
    lw_buf_puts(&f.title, "\x1bzz");
    lw_buf_reset(&out);
    lw_out_finding(&table80, &f, "", 0, &out);
    const char *title = strstr(out.p, "\n  ") + 3;
    assert_int_equal(strlen(title), 76 + 1 + 1); /* 76 a, "~", newline */
    assert_int_equal(title[76], '~');
    lw_buf_free(&out);
    lw_buf_free(&f.title);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_matches_python_hmac),
        cmocka_unit_test(json_format_is_the_finding),
        cmocka_unit_test(slack_format),
        cmocka_unit_test(slack_escapes_attacker_text),
        cmocka_unit_test(table_escapes_attacker_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
