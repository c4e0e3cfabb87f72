/* secret_leak: each kind found, masked and hashed; clean lines stay quiet;
 * one finding per secret per function; environment dumps over several
 * events; state save/restore; the JSONL fixture end to end.
 *
 * The credentials are made up at run time from a fixed seed: random
 * strings of the right shape, never issued by AWS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "daemon/pipeline/pipeline.h"
#include "detectors/detector.h"
#include "parsers/classify.h"
#include "parsers/decode.h"

/* ---- harness ---------------------------------------------------------------- */

#define MAXF 64
typedef struct got {
    int n;
    char det[MAXF][32];
    int sev[MAXF];
    char key[MAXF][96];
    char json[MAXF][4096];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    if (g->n < MAXF) {
        snprintf(g->det[g->n], sizeof g->det[0], "%s", f->detector);
        g->sev[g->n] = f->severity;
        snprintf(g->key[g->n], sizeof g->key[0], "%.*s", (int)f->key.n, f->key.p ? f->key.p : "");
        lw_buf b = LW_BUF_INIT;
        lw_finding_json(f, "id", &b);
        snprintf(g->json[g->n], sizeof g->json[0], "%s", b.p);
        lw_buf_free(&b);
    }
    g->n++;
}

typedef struct rb {
    lw_event ev;
    lw_app app;
    lw_sensor s;
    lw_record rec;
    char group[128];
} rb;

static const lw_record *line(rb *b, lw_record_kind kind, const char *fn, const char *stream, int64_t ts,
                             const char *rid, const char *msg)
{
    memset(b, 0, sizeof *b);
    snprintf(b->group, sizeof b->group, "/aws/lambda/%s", fn);
    b->ev.group = lw_str_c(b->group);
    b->ev.stream = lw_str_c(stream);
    b->ev.timestamp = ts;
    b->ev.message = lw_str_c(msg);
    b->rec.kind = kind;
    b->rec.ev = &b->ev;
    if (kind == LW_REC_APP) {
        b->app.request_id = lw_str_c(rid);
        b->rec.app = &b->app;
    }
    b->rec.function = lw_function_name(b->ev.group, LW_STR_NULL);
    return &b->rec;
}

static const lw_record *app(rb *b, const char *fn, int64_t ts, const char *rid, const char *msg)
{
    return line(b, LW_REC_APP, fn, "s1", ts, rid, msg);
}

static const lw_record *sensor(rb *b, const char *fn, const char *payload, const char *ip)
{
    line(b, LW_REC_SENSOR, fn, "s1", 5000, NULL, "SensorEvent: {");
    b->s.payload = lw_str_c(payload);
    b->s.source_ip = lw_str_c(ip);
    b->s.request_id = lw_str_c("99999999-0000-4000-8000-000000000001");
    b->s.blocked = 0;
    b->rec.sensor = &b->s;
    return &b->rec;
}

static const lw_detector_ops *ops(void)
{
    const lw_detector_ops *o = lw_detector_find("secret_leak");
    assert_non_null(o);
    return o;
}

static void *mk(const char *opt, const char *v)
{
    void *cfg = calloc(1, ops()->config_size);
    char err[256];
    assert_int_equal(lw_options_defaults(ops()->options, cfg), 0);
    if (opt)
        assert_int_equal(lw_options_set(ops()->options, cfg, opt, v, err, sizeof err), 0);
    void *d = ops()->create(cfg);
    free(cfg);
    assert_non_null(d);
    return d;
}

static void feed(void *d, const lw_record *r, got *g)
{
    lw_emitter out = {.emit = collect, .ud = g};
    ops()->on_record(d, r, &out);
}

/* Made-up credentials of the right shape. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static char rch(const char *alpha)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return alpha[rng % strlen(alpha)];
}
static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static void fake(char *out, const char *prefix, const char *alpha, int n)
{
    size_t l = strlen(prefix);
    memcpy(out, prefix, l);
    for (int i = 0; i < n; i++)
        out[l + (size_t)i] = rch(alpha);
    out[l + (size_t)n] = '\0';
}

static void sha16(const char *s, char out[17])
{
    unsigned char md[32];
    unsigned len;
    EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bool has(const got *g, int i, const char *s) { return strstr(g->json[i], s) != NULL; }

/* Any 12 characters of s from offset `from` in finding i? */
static bool has_frag(const got *g, int i, const char *s, size_t from)
{
    char frag[13];
    size_t n = strnlen(s + from, 12);
    memcpy(frag, s + from, n);
    frag[n] = '\0';
    return has(g, i, frag);
}

/* ---- tests ------------------------------------------------------------------ */

static void access_key_id_masked_and_hashed(void **st)
{
    (void)st;
    char key[32], msg[256], sha[17], want[64];
    fake(key, "AKIA", B32, 16);
    snprintf(msg, sizeof msg, "[INFO]\t2026-03-08T14:23:20.100Z\trid-1\tconnecting with access key %s to s3", key);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, app(&b, "orders", 1000, "rid-1", msg), &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.det[0], "secret_leak");
    assert_int_equal(g.sev[0], LW_SEV_CRITICAL);
    sha16(key, sha);
    snprintf(want, sizeof want, "aws_access_key_id:%s", sha);
    assert_string_equal(g.key[0], want);
    assert_true(has(&g, 0, "\"kind\":\"aws_access_key_id\""));
    assert_true(has(&g, 0, "\"secret_prefix\":\"AKIA****\""));
    snprintf(want, sizeof want, "\"secret_sha256\":\"%s\"", sha);
    assert_true(has(&g, 0, want));
    assert_true(has(&g, 0, "\"request_id\":\"rid-1\""));
    assert_true(has(&g, 0, "\"key_type\":\"long-term, IAM user\""));
    char mask[16]; /* redact.h: "****#" + the first 8 hex of the secret's SHA-256 */
    snprintf(mask, sizeof mask, "%.8s", sha);
    snprintf(want, sizeof want, "connecting with access key AKIA****#%s to s3", mask);
    assert_true(has(&g, 0, want));
    assert_false(has_frag(&g, 0, key, 4)); /* nothing after the prefix, anywhere */
    ops()->destroy(d);
}

static void credentials_object(void **st)
{
    (void)st;
    char id[32], secret[64], token[512], msg[1024];
    fake(id, "ASIA", B32, 16);
    fake(secret, "", B64, 40);
    fake(token, "IQoJb3JpZ2luX2VjE", B64, 300);
    snprintf(msg, sizeof msg,
             "{\"level\":\"DEBUG\",\"requestId\":\"rid-2\",\"credentials\":{\"AccessKeyId\": \"%s\", \"SecretAccessKey\": "
             "\"%s\", \"SessionToken\": \"%s\"}}",
             id, secret, token);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, app(&b, "auth", 1000, "rid-2", msg), &g);
    assert_int_equal(g.n, 3);
    assert_true(has(&g, 0, "\"kind\":\"aws_access_key_id\"") && has(&g, 0, "temporary, STS"));
    assert_true(has(&g, 1, "\"kind\":\"aws_secret_access_key\"") && has(&g, 1, "\"name\":\"SecretAccessKey\""));
    assert_true(has(&g, 2, "\"kind\":\"aws_session_token\"") && has(&g, 2, "\"name\":\"SessionToken\""));
    assert_true(has(&g, 2, "\"secret_prefix\":\"IQoJ****\""));
    for (int i = 0; i < 3; i++) {
        assert_false(has_frag(&g, i, id, 4));
        assert_false(has_frag(&g, i, secret, 4));
        assert_false(has_frag(&g, i, token, 20));
    }
    /* the same secret key as aws_secret_access_key=, an ini file */
    char ini[256];
    char secret2[64];
    fake(secret2, "", B64, 40);
    snprintf(ini, sizeof ini, "[default]\naws_secret_access_key = %s\n", secret2);
    feed(d, app(&b, "auth", 2000, "rid-3", ini), &g);
    assert_int_equal(g.n, 4);
    assert_true(has(&g, 3, "\"name\":\"aws_secret_access_key\""));
    ops()->destroy(d);
}

static void private_keys(void **st)
{
    (void)st;
    char body[6][80], msg[1024];
    for (int i = 0; i < 6; i++)
        fake(body[i], "", B64, 64);
    snprintf(msg, sizeof msg, "loaded key\n-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n%s\n%s\n%s\n-----END OPENSSH PRIVATE KEY-----\nok",
             body[0], body[1], body[2], body[3]);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, app(&b, "signer", 1, "r1", msg), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"kind\":\"private_key\""));
    assert_true(has(&g, 0, "\"key_type\":\"OPENSSH\""));
    assert_true(has(&g, 0, "\"body_in_event\":true"));
    assert_false(has_frag(&g, 0, body[1], 0));
    /* JSON-escaped newlines in the body */
    snprintf(msg, sizeof msg, "{\"pem\": \"-----BEGIN PRIVATE KEY-----\\n%s\\n%s\\n-----END PRIVATE KEY-----\"}", body[4],
             body[5]);
    feed(d, app(&b, "signer", 2, "r2", msg), &g);
    assert_int_equal(g.n, 2);
    assert_true(has(&g, 1, "\"key_type\":\"PKCS#8\"") && has(&g, 1, "\"body_in_event\":true"));
    assert_false(has_frag(&g, 1, body[4], 4));
    /* the header alone at the end of an event: the body follows line by line */
    feed(d, line(&b, LW_REC_TEXT, "signer", "s2", 3, NULL, "-----BEGIN EC PRIVATE KEY-----\n"), &g);
    assert_int_equal(g.n, 3);
    assert_true(has(&g, 2, "\"body_in_event\":false") && has(&g, 2, "\"key_type\":\"EC\""));
    /* a header quoted in a sentence is not a key */
    feed(d, app(&b, "signer", 4, "r4", "invalid PEM: -----BEGIN RSA PRIVATE KEY----- header not found"), &g);
    assert_int_equal(g.n, 3);
    ops()->destroy(d);
}

static void environment_dump_in_one_event(void **st)
{
    (void)st;
    char id[32], msg[512];
    fake(id, "ASIA", B32, 16);
    snprintf(msg, sizeof msg,
             "AWS_LAMBDA_FUNCTION_NAME=leaky\nAWS_REGION=eu-west-1\n_HANDLER=app.handler\nAWS_ACCESS_KEY_ID=%s\n"
             "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001\nPATH=/usr/bin\n",
             id);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, line(&b, LW_REC_TEXT, "leaky", "s1", 1000, NULL, msg), &g);
    assert_int_equal(g.n, 2);
    assert_true(has(&g, 0, "\"kind\":\"aws_access_key_id\""));
    assert_true(has(&g, 1, "\"kind\":\"environment_dump\""));
    assert_true(has(&g, 1, "\"variables\":\"AWS_ACCESS_KEY_ID,AWS_LAMBDA_FUNCTION_NAME,AWS_LAMBDA_RUNTIME_API,_HANDLER\""));
    assert_true(has(&g, 1, "\"variable_count\":4"));
    assert_false(has_frag(&g, 1, id, 4));
    /* Python's print(os.environ) */
    feed(d, line(&b, LW_REC_TEXT, "leaky", "s2", 2000, NULL,
                 "environ({'AWS_LAMBDA_FUNCTION_NAME': 'leaky', '_HANDLER': 'app.handler', 'TREND_AP_KEY': 'x'})"),
         &g);
    assert_int_equal(g.n, 3);
    assert_true(has(&g, 2, "\"kind\":\"environment_dump\""));
    ops()->destroy(d);
}

static void environment_dump_over_events(void **st)
{
    (void)st;
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    /* `; env` in a container image function: one variable per event */
    feed(d, line(&b, LW_REC_TEXT, "f", "A", 1000, NULL, "AWS_LAMBDA_FUNCTION_NAME=f"), &g);
    feed(d, line(&b, LW_REC_TEXT, "f", "B", 1001, NULL, "_HANDLER=other.stream"), &g); /* another stream */
    feed(d, line(&b, LW_REC_TEXT, "f", "A", 1002, NULL, "LANG=en_US.UTF-8"), &g);
    feed(d, line(&b, LW_REC_TEXT, "f", "A", 1003, NULL, "_HANDLER=app.handler"), &g);
    assert_int_equal(g.n, 0);
    feed(d, line(&b, LW_REC_TEXT, "f", "A", 1004, NULL, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"kind\":\"environment_dump\"") && has(&g, 0, "\"events\":3"));
    assert_true(has(&g, 0, "\"log_stream\":\"A\""));
    feed(d, line(&b, LW_REC_TEXT, "f", "A", 1005, NULL, "TREND_AP_SECRET=zz"), &g); /* same dump */
    assert_int_equal(g.n, 1);
    /* too far apart: not one dump */
    feed(d, line(&b, LW_REC_TEXT, "f", "C", 1000, NULL, "AWS_LAMBDA_FUNCTION_NAME=f"), &g);
    feed(d, line(&b, LW_REC_TEXT, "f", "C", 2000, NULL, "_HANDLER=a.b"), &g);
    feed(d, line(&b, LW_REC_TEXT, "f", "C", 60000, NULL, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"), &g);
    assert_int_equal(g.n, 1);
    /* names in a request are the attacker's, not a dump */
    feed(d, sensor(&b, "f", "GET /?x=AWS_LAMBDA_FUNCTION_NAME=a&_HANDLER=b&TREND_AP_KEY=c HTTP/1.1\r\n\r\n", "1.2.3.4"), &g);
    assert_int_equal(g.n, 1);
    ops()->destroy(d);
}

static void clean_lines_stay_quiet(void **st)
{
    (void)st;
    char b64[400], hexish[48];
    fake(b64, "data:image/png;base64,", B64, 300);
    fake(hexish, "", "0123456789abcdef", 40);
    char l1[512], l2[128];
    snprintf(l1, sizeof l1, "thumbnail %s", b64);
    snprintf(l2, sizeof l2, "{\"aws_etag\": \"%s\"}", hexish);
    const char *clean[] = {
        "request 0b6f1c2d-3e4a-4b4c-8d8e-7f0000000001 done in 12 ms",
        "{\"secret_hash\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}",
        l1,
        l2,
        "GET https://my-bucket.s3.eu-west-1.amazonaws.com/reports/2026/summary.csv 200",
        "docs: aws_access_key_id = AKIAIOSFODNN7EXAMPLE aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "placeholder AKIAXXXXXXXXXXXXXXXX and AKIAAAAABBBBCCCCDDDD and AKIA0000000000000000",
        "token expired for user 42, refreshing token",
        "{\"Token\": \"short-lived\", \"AWS_REGION\": \"eu-west-1\", \"aws_secret\": \"not-a-key\"}",
        "secret rotation scheduled for arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
        "invalid PEM: -----BEGIN RSA PRIVATE KEY----- header not found in SIGNING_KEY",
        "AWS_REGION=eu-west-1 AWS_LAMBDA_FUNCTION_NAME=f", /* two names: not a dump */
        "MY_HANDLER=x OTHER_AWS_ACCESS_KEY_ID=y AWS_LAMBDA_FUNCTION_NAMES=z",
        "",
    };
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    for (size_t i = 0; i < sizeof clean / sizeof *clean; i++) {
        feed(d, app(&b, "clean", 1000 + (int64_t)i, "r", clean[i]), &g);
        if (g.n)
            fail_msg("fired on clean line %zu: %s", i, g.json[0]);
    }
    /* the documentation keys do count when asked */
    void *d2 = mk("ignore_examples", "false");
    feed(d2, app(&b, "clean", 1, "r", clean[5]), &g);
    assert_int_equal(g.n, 2);
    ops()->destroy(d);
    ops()->destroy(d2);
}

static void one_finding_per_secret_per_function(void **st)
{
    (void)st;
    char key[32], msg[128];
    fake(key, "AKIA", B32, 16);
    snprintf(msg, sizeof msg, "using %s", key);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    for (int i = 0; i < 1000; i++) {
        char stream[16], rid[16];
        snprintf(stream, sizeof stream, "s%d", i % 7);
        snprintf(rid, sizeof rid, "r%d", i);
        feed(d, line(&b, LW_REC_APP, "f", stream, 1000 + i, rid, msg), &g);
    }
    assert_int_equal(g.n, 1);
    feed(d, app(&b, "other-function", 5000, "r", msg), &g);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.key[0], g.key[1]); /* same secret, same key; the function tells them apart */
    ops()->destroy(d);
}

static void sensor_payload_and_options(void **st)
{
    (void)st;
    char key[32], payload[256];
    fake(key, "AKIA", B32, 16);
    snprintf(payload, sizeof payload,
             "GET /items HTTP/1.1\r\nauthorization: AWS4-HMAC-SHA256 Credential=%s/20260308/eu-west-1/s3/aws4_request\r\n\r\n",
             key);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, sensor(&b, "api", payload, "203.0.113.9"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"location\":\"sensor_payload\"") && has(&g, 0, "\"source_ip\":\"203.0.113.9\""));
    assert_true(has(&g, 0, "\"request_id\":\"99999999-0000-4000-8000-000000000001\""));
    assert_false(has_frag(&g, 0, key, 4));
    ops()->destroy(d);
    /* a floor above what random ids reach silences them */
    d = mk("min_entropy_key_id", "4.5");
    feed(d, sensor(&b, "api", payload, "203.0.113.9"), &g);
    assert_int_equal(g.n, 1);
    ops()->destroy(d);
}

static void state_survives_restart(void **st)
{
    (void)st;
    char k1[32], k2[32], m1[64], m2[64];
    fake(k1, "ASIA", B32, 16);
    fake(k2, "ASIA", B32, 16);
    snprintf(m1, sizeof m1, "key %s", k1);
    snprintf(m2, sizeof m2, "key %s", k2);
    void *d = mk(NULL, NULL);
    got g = {0};
    rb b;
    feed(d, app(&b, "f", 1, "r", m1), &g);
    assert_int_equal(g.n, 1);
    lw_buf blob = LW_BUF_INIT;
    ops()->save(d, &blob);
    ops()->destroy(d);
    d = mk(NULL, NULL);
    assert_int_equal(ops()->restore(d, blob.p, blob.len), 0);
    feed(d, app(&b, "f", 2, "r", m1), &g); /* already reported before the restart */
    assert_int_equal(g.n, 1);
    feed(d, app(&b, "f", 3, "r", m2), &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(ops()->restore(d, "junk", 4), -1);
    blob.p[blob.len - 1] ^= 0x7f; /* a corrupt index is refused, not trusted */
    void *d3 = mk(NULL, NULL);
    assert_int_equal(ops()->restore(d3, blob.p, blob.len - 3), -1);
    ops()->destroy(d3);
    lw_buf_free(&blob);
    ops()->destroy(d);
}

/* ---- the fixture, through the whole pipeline ---------------------------------- */

typedef struct fx {
    int n, by_kind[8], probe, other;
    lw_buf all;
} fx;

static void fx_sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)id;
    fx *x = ud;
    x->n++;
    lw_buf_append(&x->all, json, n);
    lw_buf_putc(&x->all, '\n');
    static const char *kinds[] = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                                  "private_key",       "agent_key",             "environment_dump"};
    if (!strcmp(f->detector, "secret_leak")) {
        for (int k = 0; k < 6; k++) {
            char pat[64];
            snprintf(pat, sizeof pat, "\"kind\":\"%s\"", kinds[k]);
            if (memmem(json, n, pat, strlen(pat)))
                x->by_kind[k]++;
        }
    } else if (!strcmp(f->detector, "probe")) {
        x->probe++;
    } else {
        x->other++;
    }
}

static char *slurp(const char *name, size_t *n)
{
    const char *src = getenv("LW_SRC");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    char *p = malloc(*n + 1);
    assert_int_equal(fread(p, 1, *n, f), *n);
    p[*n] = '\0';
    fclose(f);
    return p;
}

/* Every value after one of these markers in the input is a credential. */
static void assert_no_secret_in(const char *input, const char *output)
{
    static const char *markers[] = {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=",
                                    "TREND_AP_KEY=",      "TREND_AP_SECRET=",       "\\\"AccessKeyId\\\": \\\"",
                                    "\\\"SecretAccessKey\\\": \\\"", "\\\"SessionToken\\\": \\\"", "access key "};
    int checked = 0;
    for (size_t m = 0; m < sizeof markers / sizeof *markers; m++) {
        for (const char *p = input; (p = strstr(p, markers[m])) != NULL; p++) {
            const char *v = p + strlen(markers[m]);
            size_t l = strspn(v, B64);
            if (l < 16)
                continue;
            char frag[16];
            memcpy(frag, v + 4, 12); /* anything past the 4 shown characters */
            frag[12] = '\0';
            if (strstr(output, frag))
                fail_msg("secret fragment %s (after %s) in the output", frag, markers[m]);
            checked++;
        }
    }
    assert_true(checked >= 10);
}

static void fixture_end_to_end(void **st)
{
    (void)st;
    size_t n;
    char *input = slurp("secrets.jsonl", &n);
    fx x = {0};
    lw_pipeline_opts po = {.sink = fx_sink, .ud = &x};
    lw_pipeline *p = lw_pipeline_new(&po);
    lw_decoder_opts o = {.origin = "secrets.jsonl", .on_event = lw_pipeline_event_cb, .ud = p};
    lw_decoder *dec = lw_decoder_new(&o);
    lw_decoder_feed(dec, input, n);
    lw_decoder_finish(dec);
    lw_decoder_free(dec);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    /* leaky-env: the `; env` dump (key id, secret, token, two agent keys, the
     * dump itself); keys: AKIA id, ASIA id, secret, token, RSA key; clean: none */
    assert_int_equal(x.by_kind[0], 3);
    assert_int_equal(x.by_kind[1], 2);
    assert_int_equal(x.by_kind[2], 2);
    assert_int_equal(x.by_kind[3], 1);
    assert_int_equal(x.by_kind[4], 2);
    assert_int_equal(x.by_kind[5], 1);
    assert_int_equal(x.probe, 0); /* AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 is a dump, not a probe */
    assert_null(strstr(x.all.p, "\"function\":\"clean\""));
    assert_no_secret_in(input, x.all.p);
    lw_buf_free(&x.all);
    free(input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(access_key_id_masked_and_hashed),
        cmocka_unit_test(credentials_object),
        cmocka_unit_test(private_keys),
        cmocka_unit_test(environment_dump_in_one_event),
        cmocka_unit_test(environment_dump_over_events),
        cmocka_unit_test(clean_lines_stay_quiet),
        cmocka_unit_test(one_finding_per_secret_per_function),
        cmocka_unit_test(sensor_payload_and_options),
        cmocka_unit_test(state_survives_restart),
        cmocka_unit_test(fixture_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
