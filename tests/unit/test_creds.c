/* credentials: the container / instance-metadata answer parser
 * (lw_creds_parse_json): good answers, missing fields, bad expirations,
 * a Code other than Success, and error messages that never carry a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials.h"

#define AK "ASIAQ3EGTJ7K5LMN2PXZ"
#define SK "Zq8v/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R"
#define TOK "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD"

static int parse(const char *json, lw_aws_creds *c, char *err, size_t n)
{
    err[0] = '\0';
    return lw_creds_parse_json(json, strlen(json), c, err, n);
}

static bool all_zero(const lw_aws_creds *c)
{
    const unsigned char *p = (const unsigned char *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        if (p[i])
            return false;
    return true;
}

static void imds_answer(void **st)
{
    (void)st;
    const char *js = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-03-08T14:00:00Z\",\n"
                     "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" AK "\",\n"
                     "  \"SecretAccessKey\" : \"" SK "\",\n  \"Token\" : \"" TOK "\",\n"
                     "  \"Expiration\" : \"2026-03-08T20:24:26Z\"\n}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), 0);
    assert_string_equal(c.access_key, AK);
    assert_string_equal(c.secret_key, SK);
    assert_string_equal(c.session_token, TOK);
    assert_int_equal(c.expires_ms, 1773001466000LL); /* 2026-03-08T20:24:26Z */
}

static void container_answer(void **st)
{
    (void)st;
    /* No Code; AccountId present (newer agents); an escaped slash in the secret;
     * fractional seconds and an offset in Expiration. */
    const char *js = "{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\",\"AccessKeyId\":\"" AK "\","
                     "\"SecretAccessKey\":\"Zq8v\\/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R\",\"Token\":\"" TOK "\","
                     "\"Expiration\":\"2026-03-08T21:24:26.500+01:00\",\"AccountId\":\"123456789012\"}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), 0);
    assert_string_equal(c.secret_key, SK);
    assert_int_equal(c.expires_ms, 1773001466500LL);
}

static void missing_fields(void **st)
{
    (void)st;
    static const char *fields[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
    static const char *values[] = {AK, SK, TOK, "2026-03-08T20:24:26Z"};
    for (int skip = 0; skip < 4; skip++) {
        char js[1024] = "{";
        for (int i = 0; i < 4; i++) {
            if (i == skip)
                continue;
            size_t l = strlen(js);
            snprintf(js + l, sizeof js - l, "%s\"%s\":\"%s\"", l > 1 ? "," : "", fields[i], values[i]);
        }
        strcat(js, "}");
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(js, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, fields[skip]));
        assert_true(all_zero(&c));
        assert_null(strstr(err, AK));
        assert_null(strstr(err, SK));
        assert_null(strstr(err, TOK));
    }
    /* Present but empty, or not a string. */
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse("{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "AccessKeyId"));
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":42,\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "SecretAccessKey"));
    /* An escaped NUL would silently cut the secret (found by fuzz_creds). */
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"\\u0000et\",\"Token\":\"" TOK
                           "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "SecretAccessKey"));
    assert_true(all_zero(&c));
}

static void bad_expiration(void **st)
{
    (void)st;
    static const char *bad[] = {"tomorrow", "2026-13-08T20:24:26Z", "2026-03-08T20:24:26Z junk", "", "1772997866",
                                "2026-03-08T25:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char js[1024];
        snprintf(js, sizeof js,
                 "{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                 "\",\"Expiration\":\"%s\"}",
                 bad[i]);
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(js, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "Expiration"));
        assert_true(all_zero(&c));
    }
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse("{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"" TOK
                           "\",\"Expiration\":1772997866}",
                           &c, err, sizeof err),
                     -1);
}

static void code_not_success(void **st)
{
    (void)st;
    const char *js = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume the role\","
                     "\"LastUpdated\":\"2026-03-08T14:00:00Z\"}";
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(js, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
    /* Even with credentials alongside, a failed Code wins. */
    assert_int_equal(parse("{\"Code\":\"Failed\",\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK
                           "\",\"Token\":\"" TOK "\",\"Expiration\":\"2026-03-08T20:24:26Z\"}",
                           &c, err, sizeof err),
                     -1);
    assert_true(all_zero(&c));
    /* A Code that is not a string, or odd characters in it, is not echoed raw. */
    assert_int_equal(parse("{\"Code\":\"a\\\"b<script>\"}", &c, err, sizeof err), -1);
    assert_null(strstr(err, "<script>"));
    assert_int_equal(parse("{\"Code\":7}", &c, err, sizeof err), -1);
}

static void not_json(void **st)
{
    (void)st;
    static const char *bad[] = {"", "not json", "[1,2]", "\"AccessKeyId\"", "{\"AccessKeyId\":", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        lw_aws_creds c;
        char err[256];
        assert_int_equal(parse(bad[i], &c, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_true(all_zero(&c));
    }
    lw_aws_creds c;
    char err[64];
    assert_int_equal(lw_creds_parse_json(NULL, 0, &c, err, sizeof err), -1);
}

static void too_long(void **st)
{
    (void)st;
    size_t n = 10000;
    char *big = malloc(n + 512);
    char *tok = malloc(n);
    memset(tok, 'A', n - 1);
    tok[n - 1] = '\0';
    snprintf(big, n + 512,
             "{\"AccessKeyId\":\"" AK "\",\"SecretAccessKey\":\"" SK "\",\"Token\":\"%s\","
             "\"Expiration\":\"2026-03-08T20:24:26Z\"}",
             tok);
    lw_aws_creds c;
    char err[256];
    assert_int_equal(parse(big, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "Token"));
    assert_non_null(strstr(err, "too long"));
    free(big);
    free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(imds_answer),      cmocka_unit_test(container_answer), cmocka_unit_test(missing_fields),
        cmocka_unit_test(bad_expiration),   cmocka_unit_test(code_not_success), cmocka_unit_test(not_json),
        cmocka_unit_test(too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
