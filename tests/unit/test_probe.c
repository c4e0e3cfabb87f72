/* probe: every indicator and its spellings, request context for /var/task
 * and traversal, percent-encoding, sensor events and severities, identity
 * and repeats, save/restore, and the JSONL fixture end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "daemon/pipeline/pipeline.h"
#include "detectors/detector.h"
#include "parsers/classify.h"
#include "parsers/decode.h"

#define MAXF 64
typedef struct got {
    int n;
    int sev[MAXF];
    char key[MAXF][160];
    char json[MAXF][4096];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    assert_string_equal(f->detector, "probe");
    if (g->n < MAXF) {
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

static const lw_record *rec(rb *b, lw_record_kind kind, const char *fn, int64_t ts, const char *rid, const char *msg)
{
    memset(b, 0, sizeof *b);
    snprintf(b->group, sizeof b->group, "/aws/lambda/%s", fn);
    b->ev.group = lw_str_c(b->group);
    b->ev.stream = lw_str_c("s1");
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

static const lw_record *sensor(rb *b, const char *fn, int64_t ts, int blocked, const char *ip, const char *path,
                               const char *query, const char *payload)
{
    rec(b, LW_REC_SENSOR, fn, ts, NULL, "SensorEvent: {");
    b->s.blocked = blocked;
    b->s.source_ip = lw_str_c(ip);
    b->s.path = lw_str_c(path);
    b->s.query = lw_str_c(query);
    b->s.payload = lw_str_c(payload);
    b->s.method = lw_str_c("GET");
    b->s.request_id = lw_str_c("req-sensor");
    b->s.sensor_id = lw_str_c("sensor-1");
    b->rec.sensor = &b->s;
    return &b->rec;
}

static const lw_detector_ops *ops(void)
{
    const lw_detector_ops *o = lw_detector_find("probe");
    assert_non_null(o);
    return o;
}

static void *mk2(const char *o1, const char *v1, const char *o2, const char *v2)
{
    void *cfg = calloc(1, ops()->config_size);
    char err[256];
    assert_int_equal(lw_options_defaults(ops()->options, cfg), 0);
    if (o1)
        assert_int_equal(lw_options_set(ops()->options, cfg, o1, v1, err, sizeof err), 0);
    if (o2)
        assert_int_equal(lw_options_set(ops()->options, cfg, o2, v2, err, sizeof err), 0);
    void *d = ops()->create(cfg);
    free(cfg);
    assert_non_null(d);
    return d;
}

static void *mk(void) { return mk2(NULL, NULL, NULL, NULL); }

static void feed(void *d, const lw_record *r, got *g)
{
    lw_emitter out = {.emit = collect, .ud = g};
    ops()->on_record(d, r, &out);
}

static bool has(const got *g, int i, const char *s) { return strstr(g->json[i], s) != NULL; }

/* One log line in, the indicator (and match) expected, or none. */
static void expect(void *d, int *rid, const char *msg, const char *indicator, const char *match)
{
    got g = {0};
    rb b;
    char r[32];
    snprintf(r, sizeof r, "req-%d", (*rid)++);
    feed(d, rec(&b, LW_REC_APP, "f", 1000 + *rid, r, msg), &g);
    if (!indicator) {
        if (g.n)
            fail_msg("fired on \"%s\": %s", msg, g.json[0]);
        return;
    }
    if (g.n != 1)
        fail_msg("%d findings for \"%s\" (wanted %s)", g.n, msg, indicator);
    char want[160];
    snprintf(want, sizeof want, "\"indicator\":\"%s\"", indicator);
    if (!has(&g, 0, want))
        fail_msg("\"%s\": wanted %s, got %s", msg, indicator, g.json[0]);
    if (match) {
        snprintf(want, sizeof want, "\"match\":\"%s\"", match);
        if (!has(&g, 0, want))
            fail_msg("\"%s\": wanted match %s, got %s", msg, match, g.json[0]);
    }
    assert_int_equal(g.sev[0], LW_SEV_HIGH); /* a log line: the request reached the code */
}

static void indicators_in_log_lines(void **st)
{
    (void)st;
    void *d = mk();
    int r = 0;
    expect(d, &r, "fetch url=http://169.254.169.254/latest/meta-data/iam/security-credentials/", "instance_metadata",
           "169.254.169.254");
    expect(d, &r, "GET /proxy?u=http://2852039166/ 200", "instance_metadata", "2852039166");
    expect(d, &r, "GET /proxy?u=http://0xA9FEA9FE/ 200", "instance_metadata", "0xA9FEA9FE");
    expect(d, &r, "GET /proxy?u=http://0xa9.0xfe.0xa9.0xfe/ 200", "instance_metadata", "0xa9.0xfe.0xa9.0xfe");
    expect(d, &r, "GET /proxy?u=http://0251.0376.0251.0376/ 200", "instance_metadata", NULL);
    expect(d, &r, "GET /proxy?u=http://[::ffff:169.254.169.254]/ 200", "instance_metadata", "169.254.169.254");
    expect(d, &r, "GET /proxy?u=http://[::ffff:a9fe:a9fe]/ 200", "instance_metadata", "::ffff:a9fe:a9fe");
    expect(d, &r, "GET /proxy?u=http://[fd00:ec2::254]/latest/ 200", "instance_metadata", "fd00:ec2::254");
    expect(d, &r, "fetch http://instance-data.ec2.internal/", "instance_metadata", NULL);
    expect(d, &r, "GET /x?u=http://evil.example/latest/api/token", "instance_metadata", "/latest/api/token");
    expect(d, &r, "fetch http://169.254.170.2/v2/credentials/abc", "container_credentials", "169.254.170.2");
    expect(d, &r, "curl http://localhost:9001/2018-06-01/runtime/invocation/next", "runtime_api",
           "localhost:9001");
    expect(d, &r, "curl http://127.0.0.1:9001/x", "runtime_api", "127.0.0.1:9001");
    expect(d, &r, "sh -c 'curl $AWS_LAMBDA_RUNTIME_API/x'", "runtime_api", "$AWS_LAMBDA_RUNTIME_API");
    expect(d, &r, "open /proc/self/environ", "proc_environ", "/proc/self/environ");
    expect(d, &r, "open /proc/1/environ", "proc_environ", "/proc/1/environ");
    expect(d, &r, "open /proc/self/cmdline", "proc_cmdline", "/proc/self/cmdline");
    expect(d, &r, "GET /f?path=/etc/passwd", "etc_passwd", "/etc/passwd");
    expect(d, &r, "read /etc/shadow", "etc_shadow", "/etc/shadow");
    expect(d, &r, "GET /f?path=/home/sbx_user1051/.aws/credentials", "aws_credentials_file", ".aws/credentials");
    expect(d, &r, "GET /view?file=/var/task/app.py 200", "var_task", "/var/task/app.py");
    expect(d, &r, "GET /var/task/handler.js 404", "var_task", "/var/task/handler.js");
    expect(d, &r, "GET /img?f=../../../../root/.bashrc", "path_traversal", "../../../../root/.bashrc");
    expect(d, &r, "GET /a/..\\..\\windows\\win.ini", "path_traversal", NULL);
    /* the strongest wins and the others are listed */
    got g = {0};
    rb b;
    feed(d, rec(&b, LW_REC_APP, "f", 1, "req-x", "GET /dl?f=../../../etc/passwd"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"indicator\":\"etc_passwd\"") && has(&g, 0, "\"indicators\":\"etc_passwd,path_traversal\""));
    ops()->destroy(d);
}

static void percent_encoding(void **st)
{
    (void)st;
    void *d = mk();
    int r = 0;
    expect(d, &r, "GET /dl?name=..%2f..%2f..%2fproc%2fself%2fenviron 200", "proc_environ", "/proc/self/environ");
    expect(d, &r, "GET /dl?name=%2e%2e%2F%2e%2e%2Fetc%2Fshadow", "etc_shadow", NULL);
    expect(d, &r, "GET /dl?name=%252e%252e%252f%252e%252e%252fx", "path_traversal", "../../x");
    expect(d, &r, "GET /dl?name=%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afboot", "path_traversal", "../../boot");
    expect(d, &r, "GET /p?u=http%3A%2F%2F169%2E254%2E169%2E254%2F", "instance_metadata", "169.254.169.254");
    got g = {0};
    rb b;
    feed(d, rec(&b, LW_REC_APP, "f", 1, "req-e", "GET /dl?name=..%2f..%2fsecret.txt"), &g);
    assert_int_equal(g.n, 1);
    assert_true(has(&g, 0, "\"url_decoded\":true"));
    ops()->destroy(d);
}

static void clean_lines_stay_quiet(void **st)
{
    (void)st;
    void *d = mk();
    int r = 0;
    const char *clean[] = {
        "[ERROR] ValueError: bad\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 9, in handler\n",
        "Invoke Error {\"stack\":[\"    at Runtime.handler (file:///var/task/index.mjs:3:9)\",\"    at "
        "Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)\"]}",
        "loaded source map webpack://app/../../src/handler.ts",
        "Loading configuration... done (../config/app.json)",
        "REPORT RequestId: r\tDuration: 169.25 ms\tBilled Duration: 170 ms\tMemory Size: 254 MB\tMax Memory Used: 169 MB",
        "peer 169.254.1.5 is link-local, skipping; 10.169.254.169 is fine; 169.254.169.2540 is not an address",
        "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001",
        "GET https://api.example.com/v1/items?q=a%20b%2Fc&page=2 200",
        "order 2852039166123 shipped; port 19001 open; build 0251.7",
        "etc/hosts is not read; processes: 12; /etcetera/passwd",
        "request 0b6f1c2d-3e4a-4b4c-8d8e-7f0000000001 done",
        "GET /static/app.js 200 (cache hit), latest/greatest",
    };
    for (size_t i = 0; i < sizeof clean / sizeof *clean; i++)
        expect(d, &r, clean[i], NULL, NULL);
    /* a member line of a pretty-printed record whose header was not seen */
    got g = {0};
    rb b;
    feed(d, rec(&b, LW_REC_TEXT, "f", 1, NULL, "                        \"query_string\": \"file=/etc/passwd\","), &g);
    assert_int_equal(g.n, 0);
    ops()->destroy(d);
}

static void sensor_events(void **st)
{
    (void)st;
    const char *imds = "GET /fetch?url=http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nhost: x\r\n\r\n";
    const char *passwd = "GET /dl?f=../../etc/passwd HTTP/1.1\r\n\r\n";
    got g = {0};
    rb b;
    void *d = mk();
    /* unblocked, a credential source: high */
    feed(d, sensor(&b, "api", 1000, 0, "198.51.100.23", "/fetch", "url=http://169.254.169.254/latest/meta-data/", imds), &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.sev[0], LW_SEV_HIGH);
    assert_string_equal(g.key[0], "instance_metadata:ip:198.51.100.23");
    assert_true(has(&g, 0, "\"location\":\"sensor_query\"") && has(&g, 0, "\"blocked\":false"));
    assert_true(has(&g, 0, "\"source_ip\":\"198.51.100.23\"") && has(&g, 0, "\"request_id\":\"req-sensor\""));
    /* blocked: `attack` has it; unblocked /etc/passwd: `attack` has it too */
    feed(d, sensor(&b, "api", 2000, 1, "198.51.100.24", "/fetch", "", imds), &g);
    feed(d, sensor(&b, "api", 3000, 0, "198.51.100.25", "/dl", "f=../../etc/passwd", passwd), &g);
    assert_int_equal(g.n, 1);
    ops()->destroy(d);
    /* ... unless asked */
    d = mk2("report_blocked", "true", "sensor_indicators", "2");
    feed(d, sensor(&b, "api", 2000, 1, "198.51.100.24", "/fetch", "", imds), &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.sev[1], LW_SEV_MEDIUM);
    assert_true(has(&g, 1, "\"location\":\"sensor_payload\"") && has(&g, 1, "\"blocked\":true"));
    feed(d, sensor(&b, "api", 3000, 0, "198.51.100.25", "/dl", "f=../../etc/passwd", passwd), &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.sev[2], LW_SEV_HIGH);
    assert_true(has(&g, 2, "\"indicator\":\"etc_passwd\""));
    ops()->destroy(d);
    /* and never, if so configured */
    d = mk2("sensor_indicators", "0", NULL, NULL);
    feed(d, sensor(&b, "api", 1000, 0, "198.51.100.23", "/fetch", "", imds), &g);
    assert_int_equal(g.n, 3);
    ops()->destroy(d);
}

static void identity_and_repeats(void **st)
{
    (void)st;
    const char *imds = "GET /f?u=http://169.254.169.254/ HTTP/1.1\r\n\r\n";
    void *d = mk();
    got g = {0};
    rb b;
    /* one source probing again and again: one finding per hour */
    for (int i = 0; i < 50; i++)
        feed(d, sensor(&b, "api", 1000 + i * 1000, 0, "203.0.113.7", "/f", "", imds), &g);
    assert_int_equal(g.n, 1);
    feed(d, sensor(&b, "api", 1000 + 3601000, 0, "203.0.113.7", "/f", "", imds), &g);
    assert_int_equal(g.n, 2);
    /* another source, another function: their own findings */
    feed(d, sensor(&b, "api", 5000, 0, "203.0.113.8", "/f", "", imds), &g);
    feed(d, sensor(&b, "other", 5000, 0, "203.0.113.7", "/f", "", imds), &g);
    assert_int_equal(g.n, 4);
    /* log lines: the request id is the source */
    feed(d, rec(&b, LW_REC_APP, "api", 1, "req-a", "GET /x?f=/etc/passwd"), &g);
    feed(d, rec(&b, LW_REC_APP, "api", 2, "req-a", "GET /y?f=/etc/passwd"), &g);
    feed(d, rec(&b, LW_REC_APP, "api", 3, "req-b", "GET /y?f=/etc/passwd"), &g);
    assert_int_equal(g.n, 6);
    assert_string_equal(g.key[4], "etc_passwd:req:req-a");
    /* state survives a restart */
    lw_buf blob = LW_BUF_INIT;
    ops()->save(d, &blob);
    ops()->destroy(d);
    d = mk();
    assert_int_equal(ops()->restore(d, blob.p, blob.len), 0);
    feed(d, rec(&b, LW_REC_APP, "api", 4, "req-b", "GET /z?f=/etc/passwd"), &g);
    assert_int_equal(g.n, 6);
    assert_int_equal(ops()->restore(d, blob.p, 5), -1);
    lw_buf_free(&blob);
    ops()->destroy(d);
}

/* ---- the fixture, through the whole pipeline ---------------------------------- */

typedef struct fx {
    int probe, attack, other;
    lw_buf all;
} fx;

static void fx_sink(void *ud, const lw_finding *f, const char *id, const char *json, size_t n)
{
    (void)id;
    fx *x = ud;
    if (!strcmp(f->detector, "probe")) {
        x->probe++;
        lw_buf_append(&x->all, json, n);
        lw_buf_putc(&x->all, '\n');
    } else if (!strcmp(f->detector, "attack")) {
        x->attack++;
    } else {
        x->other++;
    }
}

static void fixture_end_to_end(void **st)
{
    (void)st;
    const char *src = getenv("LW_SRC");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/probes.jsonl", src ? src : ".");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fx x = {0};
    lw_pipeline_opts po = {.sink = fx_sink, .ud = &x};
    lw_pipeline *p = lw_pipeline_new(&po);
    lw_decoder_opts o = {.origin = "probes.jsonl", .on_event = lw_pipeline_event_cb, .ud = p};
    lw_decoder *dec = lw_decoder_new(&o);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        lw_decoder_feed(dec, buf, n);
    fclose(f);
    lw_decoder_finish(dec);
    lw_decoder_free(dec);
    lw_pipeline_finish(p);
    lw_pipeline_free(p);
    /* fetcher: metadata x3 (dotted, decimal, mapped IPv6; a retry of the
     * same request is not new), container credentials, runtime API; files:
     * environ, passwd, .aws/credentials, /var/task, and the unblocked sensor
     * event (the blocked one is `attack`'s); quiet: nothing */
    assert_int_equal(x.probe, 10);
    assert_int_equal(x.attack, 2);
    assert_non_null(strstr(x.all.p, "\"indicator\":\"runtime_api\""));
    assert_non_null(strstr(x.all.p, "\"indicator\":\"container_credentials\""));
    assert_null(strstr(x.all.p, "\"function\":\"quiet\""));
    lw_buf_free(&x.all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indicators_in_log_lines),
        cmocka_unit_test(percent_encoding),
        cmocka_unit_test(clean_lines_stay_quiet),
        cmocka_unit_test(sensor_events),
        cmocka_unit_test(identity_and_repeats),
        cmocka_unit_test(fixture_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
