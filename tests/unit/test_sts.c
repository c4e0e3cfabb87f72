/* sts: the XML of STS answers (lw_sts_parse), against the answers AWS
 * documents for AssumeRole and AssumeRoleWithWebIdentity (API reference,
 * "Examples") and its ErrorResponse shape: credentials and expiry read,
 * the assumed role's ARN, error code and message, and refusals (a missing
 * field, another action's answer, a DTD with entities, truncation, text
 * too long) that leave no secret behind and name no value. Also the form
 * encoding (lw_url_encode) and the STS endpoint precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"
#include "aws/sts.h"
#include "common/url.h"

/* From the STS API reference, AssumeRole, "Example" (token shortened). */
static const char assume_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "<AssumeRoleResult>\n"
    "<SourceIdentity>DevUser123</SourceIdentity>\n"
    "<AssumedRoleUser>\n"
    "  <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>\n"
    "  <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>\n"
    "</AssumedRoleUser>\n"
    "<Credentials>\n"
    "  <SessionToken>\n"
    "   AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW\n"
    "  </SessionToken>\n"
    "  <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "  <Expiration>2019-07-15T23:28:33.359Z</Expiration>\n"
    "  <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>\n"
    "</Credentials>\n"
    "<PackedPolicySize>8</PackedPolicySize>\n"
    "</AssumeRoleResult>\n"
    "<ResponseMetadata>\n"
    "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "</ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static const char web_ok[] =
    "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleWithWebIdentityResult>\n"
    "    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>\n"
    "    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>\n"
    "      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
    "      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "    </Credentials>\n"
    "    <SourceIdentity>SourceIdentityValue</SourceIdentity>\n"
    "    <Provider>www.amazon.com</Provider>\n"
    "  </AssumeRoleWithWebIdentityResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</AssumeRoleWithWebIdentityResponse>\n";

static const char denied[] =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <Error>\n"
    "    <Type>Sender</Type>\n"
    "    <Code>AccessDenied</Code>\n"
    "    <Message>User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:AssumeRole on "
    "resource: arn:aws:iam::222222222222:role/reader</Message>\n"
    "  </Error>\n"
    "  <RequestId>4a1f2e3b-0000-4000-8000-123456789abc</RequestId>\n"
    "</ErrorResponse>\n";

static bool creds_zero(const lw_aws_creds *c)
{
    const unsigned char *p = (const unsigned char *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        if (p[i])
            return false;
    return true;
}

static int parse(const char *action, const char *xml, lw_sts_result *r, char *err)
{
    err[0] = '\0';
    return lw_sts_parse(action, xml, strlen(xml), r, err, 300);
}

static void assume_role_answer(void **state)
{
    (void)state;
    lw_sts_result r;
    char err[300];
    /* The documented example indents the token on its own lines: layout,
     * trimmed. Whitespace inside a credential is refused. */
    assert_int_equal(parse("AssumeRole", assume_ok, &r, err), 0);
    assert_string_equal(r.creds.access_key, "ASIAJEXAMPLEXEG2JICEA");
    assert_string_equal(r.creds.secret_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert_string_equal(r.creds.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW");
    assert_int_equal(r.creds.expires_ms, 1563233313359LL);
    assert_string_equal(r.assumed_arn, "arn:aws:sts::123456789012:assumed-role/demo/John");
    assert_string_equal(r.code, "");
    /* Another action's answer is not this one's. */
    assert_int_equal(parse("AssumeRoleWithWebIdentity", assume_ok, &r, err), -1);
    assert_non_null(strstr(err, "AssumeRoleWithWebIdentityResponse"));
    lw_sts_result_wipe(&r);
}

static void web_identity_answer(void **state)
{
    (void)state;
    lw_sts_result r;
    char err[300];
    assert_int_equal(parse("AssumeRoleWithWebIdentity", web_ok, &r, err), 0);
    assert_string_equal(r.creds.access_key, "ASgeIAIOSFODNN7EXAMPLE");
    assert_string_equal(r.creds.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
    assert_int_equal(r.creds.expires_ms, 1414191623000LL);
    assert_string_equal(r.assumed_arn, "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1");
}

static void error_answer(void **state)
{
    (void)state;
    lw_sts_result r;
    char err[300];
    assert_int_equal(parse("AssumeRole", denied, &r, err), 1);
    assert_string_equal(r.code, "AccessDenied");
    assert_non_null(strstr(r.message, "sts:AssumeRole on resource: arn:aws:iam::222222222222:role/reader"));
    assert_true(creds_zero(&r.creds));
    /* Line breaks and tabs in a message become spaces (it is shown in one
     * log line); XML 1.0 cannot carry other control characters at all. */
    const char *ctl = "<ErrorResponse><Error><Code>Bad</Code><Message>a&#10;b&#9;c</Message></Error></ErrorResponse>";
    assert_int_equal(parse("AssumeRole", ctl, &r, err), 1);
    assert_string_equal(r.message, "a b c");
    ctl = "<ErrorResponse><Error><Code>Bad</Code><Message>a&#x1b;[31m</Message></Error></ErrorResponse>";
    assert_int_equal(parse("AssumeRole", ctl, &r, err), -1);
    assert_int_equal(parse("AssumeRole", "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", &r,
                           err),
                     -1);
    assert_non_null(strstr(err, "Code"));
}

static void refusals(void **state)
{
    (void)state;
    lw_sts_result r;
    char err[300];
    static const char *const bad[] = {
        "",
        "not xml",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
        "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken></Credentials></AssumeRoleResult>"
        "</AssumeRoleResponse>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
        "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>tomorrow</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
        /* credentials elsewhere than under the Result are not read */
        "<AssumeRoleResponse><Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
        "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
        "</AssumeRoleResponse>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
        "<SecretAccessKey>s s</SecretAccessKey><SessionToken>t</SessionToken>"
        "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><AssumeRoleResponse>&b;"
        "</AssumeRoleResponse>",
        "<Other/>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(parse("AssumeRole", bad[i], &r, err), -1);
        assert_true(err[0] != '\0');
        assert_true(creds_zero(&r.creds));
        assert_null(strstr(err, "ASIAX"));
    }
    /* A secret longer than its buffer: refused, named, not cut. */
    char big[1000];
    snprintf(big, sizeof big,
             "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
             "<SecretAccessKey>%0200d</SecretAccessKey><SessionToken>t</SessionToken>"
             "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
             7);
    assert_int_equal(parse("AssumeRole", big, &r, err), -1);
    assert_non_null(strstr(err, "SecretAccessKey is too long"));
    assert_null(strstr(err, "0000"));
}

static void encoding_and_endpoints(void **state)
{
    (void)state;
    lw_buf b = LW_BUF_INIT;
    lw_url_encode(&b, "arn:aws:iam::1:role/a b+c=d,e.f@g_h-i~j");
    assert_string_equal(b.p, "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc%3Dd%2Ce.f%40g_h-i~j");
    lw_buf_free(&b);
    char ep[300];
    unsetenv("AWS_ENDPOINT_URL_STS");
    unsetenv("AWS_ENDPOINT_URL");
    lw_sts_endpoint(NULL, "eu-central-1", ep, sizeof ep);
    assert_string_equal(ep, "https://sts.eu-central-1.amazonaws.com");
    lw_sts_endpoint(NULL, "", ep, sizeof ep);
    assert_string_equal(ep, "https://sts.amazonaws.com");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1/", 1);
    lw_sts_endpoint(NULL, "eu-central-1", ep, sizeof ep);
    assert_string_equal(ep, "http://127.0.0.1:1");
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:2", 1);
    lw_sts_endpoint(NULL, "eu-central-1", ep, sizeof ep);
    assert_string_equal(ep, "http://127.0.0.1:2");
    lw_sts_endpoint("http://127.0.0.1:3", "eu-central-1", ep, sizeof ep);
    assert_string_equal(ep, "http://127.0.0.1:3");
    lw_sso_endpoint(NULL, "eu-west-1", ep, sizeof ep);
    assert_string_equal(ep, "http://127.0.0.1:1");
    unsetenv("AWS_ENDPOINT_URL");
    lw_sso_endpoint(NULL, "eu-west-1", ep, sizeof ep);
    assert_string_equal(ep, "https://portal.sso.eu-west-1.amazonaws.com");
    unsetenv("AWS_ENDPOINT_URL_STS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(assume_role_answer),
        cmocka_unit_test(web_identity_answer),
        cmocka_unit_test(error_answer),
        cmocka_unit_test(refusals),
        cmocka_unit_test(encoding_and_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
