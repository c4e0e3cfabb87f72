/* sigv4: the official test-suite vectors botocore ships, and byte-for-byte
 * agreement with botocore itself on CloudWatch Logs requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

static lw_aws_creds example(const char *token)
{
    lw_aws_creds c;
    memset(&c, 0, sizeof c);
    strcpy(c.access_key, "AKIDEXAMPLE");
    strcpy(c.secret_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    if (token)
        snprintf(c.session_token, sizeof c.session_token, "%s", token);
    return c;
}

/* aws4_testsuite get-space / get-utf8 (2011 suite: a Date header, service
 * "host"); the path is given as our callers give it, already encoded. */
static void official_vectors(void **st)
{
    (void)st;
    static const struct {
        const char *path, *creq, *sts_hash, *sig;
    } v[] = {
        {"/%2520/foo", "GET\n/%2520/foo\n\ndate:Mon, 09 Sep 2011 23:36:00 GMT\nhost:host.foo.com\n\ndate;host\n"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "35975885599128f8963ce9be7219598b2b5a344321bae304529556c891e9e6ba",
         "2be9e587d1ee1f0fd02128724b86b4358ba3630d39f493b6e06610a19a50779e"},
        {"/%25E1%2588%25B4", "GET\n/%25E1%2588%25B4\n\ndate:Mon, 09 Sep 2011 23:36:00 GMT\nhost:host.foo.com\n\n"
                             "date;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         NULL, "57b1eb3df3b16a8479c0097b66c0b261cfd65b829419a3f2c3d05319722490b8"},
    };
    lw_aws_creds c = example(NULL);
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        const char *hdrs[] = {"Date:Mon, 09 Sep 2011 23:36:00 GMT", "Host:host.foo.com"};
        lw_sigv4_req r = {.method = "GET", .path = v[i].path, .query = "", .headers = hdrs, .nheaders = 2,
                          .body = "", .region = "us-east-1", .service = "host", .time_s = 1315611360,
                          .omit_amz_date = 1};
        lw_sigv4_out o;
        lw_sigv4_sign(&r, &c, &o);
        assert_string_equal(o.canonical_request.p, v[i].creq);
        if (v[i].sts_hash) {
            char want[256];
            snprintf(want, sizeof want, "AWS4-HMAC-SHA256\n20110909T233600Z\n20110909/us-east-1/host/aws4_request\n%s",
                     v[i].sts_hash);
            assert_string_equal(o.string_to_sign.p, want);
        }
        char authz[400];
        snprintf(authz, sizeof authz,
                 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, "
                 "SignedHeaders=date;host, Signature=%s",
                 v[i].sig);
        assert_string_equal(o.authorization.p, authz);
        lw_sigv4_out_free(&o);
    }
}

static void matches_botocore(void **st)
{
    (void)st;
    static const struct {
        const char *target, *body, *token;
        int64_t t;
    } cases[] = {
        {"Logs_20140328.FilterLogEvents", "{\"logGroupName\":\"/aws/lambda/x\",\"startTime\":1772979000000}", NULL, 1772979866},
        {"Logs_20140328.DescribeLogGroups", "{\"logGroupNamePrefix\":\"/aws/lambda/\",\"limit\":50}",
         "IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQDexampletokenexampletoken+/=", 1700000000},
        {"Logs_20140328.GetLogEvents", "{}", "short-token", 1800000000},
    };
    char *src = getenv("LW_SRC");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/aws/botocore_sign.py %lld eu-central-1 %s '%s' %s",
                 src ? src : ".", (long long)cases[i].t, cases[i].target, cases[i].body,
                 cases[i].token ? cases[i].token : "");
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char want[512] = {0};
        assert_non_null(fgets(want, sizeof want, p));
        assert_int_equal(pclose(p), 0);
        want[strcspn(want, "\n")] = '\0';
        char target[128];
        snprintf(target, sizeof target, "X-Amz-Target: %s", cases[i].target);
        const char *hdrs[] = {"Host: logs.eu-central-1.amazonaws.com", "Content-Type: application/x-amz-json-1.1",
                              target};
        lw_aws_creds c = example(cases[i].token);
        lw_sigv4_req r = {.method = "POST", .path = "/", .query = "", .headers = hdrs, .nheaders = 3,
                          .body = cases[i].body, .body_len = strlen(cases[i].body), .region = "eu-central-1",
                          .service = "logs", .time_s = cases[i].t};
        lw_sigv4_out o;
        lw_sigv4_sign(&r, &c, &o);
        assert_string_equal(o.authorization.p, want);
        assert_null(strstr(o.authorization.p, c.secret_key));
        lw_sigv4_out_free(&o);
    }
}

static void canonical_details(void **st)
{
    (void)st;
    /* header values are trimmed and inner runs of spaces folded; query
     * parameters sorted; repeated headers joined with commas */
    const char *hdrs[] = {"Host: example.com", "My-Header1:   a   b   c  ", "X-Multi: one", "x-multi: two"};
    lw_aws_creds c = example(NULL);
    lw_sigv4_req r = {.method = "GET", .path = "/", .query = "b=2&a=1", .headers = hdrs, .nheaders = 4,
                      .body = "", .region = "us-east-1", .service = "service", .time_s = 1440938160};
    lw_sigv4_out o;
    lw_sigv4_sign(&r, &c, &o);
    assert_non_null(strstr(o.canonical_request.p, "GET\n/\na=1&b=2\nhost:example.com\nmy-header1:a b c\n"));
    assert_non_null(strstr(o.canonical_request.p, "x-amz-date:20150830T123600Z\nx-multi:one,two\n"));
    assert_non_null(strstr(o.canonical_request.p, "\nhost;my-header1;x-amz-date;x-multi\n"));
    lw_sigv4_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(official_vectors),
        cmocka_unit_test(matches_botocore),
        cmocka_unit_test(canonical_details),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
