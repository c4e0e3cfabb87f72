/* catalog: every format of the secret catalogue, planted in the line shapes
 * logs have, is masked by lw_redact and reported by secret_leak with its
 * own kind; look-alikes of secrets draw no finding.
 *
 * Samples are made up at run time from each row's shape (a fixed seed per
 * row), never issued by any vendor; this file holds no token literal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "daemon/pipeline/pipeline.h"
#include "detectors/detector.h"
#include "parsers/classify.h"
#include "secrets/catalog.h"
#include "secrets/redact.h"

/* ---- harness ---------------------------------------------------------------- */

#define MAXF 16
typedef struct got {
    int n;
    char kind[MAXF][64];
    char sev[MAXF][16];
    char json[MAXF][4096];
} got;

static void collect(void *ud, lw_finding *f)
{
    got *g = ud;
    if (g->n < MAXF) {
        lw_buf b = LW_BUF_INIT;
        lw_finding_json(f, "id", &b);
        snprintf(g->json[g->n], sizeof g->json[0], "%s", b.p);
        static const char key[] = "\"evidence\":{\"kind\":\"";
        const char *k = strstr(b.p, key);
        k = k ? k + sizeof key - 1 : "";
        snprintf(g->kind[g->n], sizeof g->kind[0], "%.*s", (int)strcspn(k, "\""), k);
        snprintf(g->sev[g->n], sizeof g->sev[0], "%s", lw_severity_name(f->severity));
        lw_buf_free(&b);
    }
    g->n++;
}

static const lw_detector_ops *ops(void)
{
    const lw_detector_ops *o = lw_detector_find("secret_leak");
    assert_non_null(o);
    return o;
}

static void *mk(void)
{
    void *cfg = calloc(1, ops()->config_size);
    assert_int_equal(lw_options_defaults(ops()->options, cfg), 0);
    void *d = ops()->create(cfg);
    free(cfg);
    return d;
}

/* Runs one line through a fresh detector as an APP record. */
static void detect(const char *msg, got *g)
{
    void *d = mk();
    lw_event ev = {0};
    lw_app app = {0};
    lw_record rec = {0};
    ev.group = lw_str_c("/aws/lambda/catalog");
    ev.stream = lw_str_c("s1");
    ev.timestamp = 1000;
    ev.message = lw_str_c(msg);
    app.request_id = lw_str_c("r1");
    rec.kind = LW_REC_APP;
    rec.ev = &ev;
    rec.app = &app;
    rec.function = lw_function_name(ev.group, LW_STR_NULL);
    memset(g, 0, sizeof *g);
    lw_emitter out = {.emit = collect, .ud = g};
    ops()->on_record(d, &rec, &out);
    ops()->destroy(d);
}

/* Does out hold any 8 bytes of the secret's non-public part? */
static const char *leaked(const char *out, const char *secret, size_t pub)
{
    static char frag[9];
    size_t n = strlen(secret);
    for (size_t i = pub; i + 8 <= n; i++) {
        memcpy(frag, secret + i, 8);
        frag[8] = '\0';
        if (strstr(out, frag))
            return frag;
    }
    return NULL;
}

static void json_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        if (*s == '"' || *s == '\\') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

#define MAXLINES 32
#define LINE 4096

/* The lines a row's sample is planted in. */
static int shapes(const lw_secret_format *f, const char *secret, char lines[][LINE])
{
    int n = 0;
    if (!f->ctx) { /* a bare token: anywhere */
        static const char *const bare[] = {
            "[INFO]\t2026-03-08T14:23:20.100Z\trid-1\tusing %s now",
            "config value=%s loaded",
            "{\"level\":\"INFO\",\"value\":\"%s\"}",
            "{'value': '%s', 'n': 1}",
            "value: %s",
            "sent X-Custom-Header: %s to upstream",
            "GET https://api.example.com/v1/items?x=%s 200",
        };
        for (size_t i = 0; i < sizeof bare / sizeof *bare; i++)
            snprintf(lines[n++], LINE, bare[i], secret);
    } else if (!strstr(f->ctx, "%s")) { /* named by a keyword in the key */
        char up[64];
        size_t k = 0;
        for (; f->ctx[k] && k + 1 < sizeof up; k++)
            up[k] = (char)toupper((unsigned char)f->ctx[k]);
        up[k] = '\0';
        const char *kw = f->ctx;
        snprintf(lines[n++], LINE, "%s_api_key=%s", kw, secret);
        snprintf(lines[n++], LINE, "{\"%s_api_key\": \"%s\"}", kw, secret);
        snprintf(lines[n++], LINE, "settings {'%s_api_key': '%s'}", kw, secret);
        snprintf(lines[n++], LINE, "%s_api_key: %s", kw, secret);
        snprintf(lines[n++], LINE, "export %s_API_KEY=%s", up, secret);
        snprintf(lines[n++], LINE, "sent X-%s-Token: %s upstream", kw, secret);
    } else { /* templates, as they are, mid-line and JSON-escaped */
        const char *t = f->ctx;
        while (*t && n + 3 <= MAXLINES) {
            size_t l = strcspn(t, "\n");
            char tmpl[512], one[LINE / 2], esc[LINE / 2 + 100];
            snprintf(tmpl, sizeof tmpl, "%.*s", (int)l, t);
            snprintf(one, sizeof one, tmpl, secret, secret);
            snprintf(lines[n++], LINE, "%s", one);
            snprintf(lines[n++], LINE, "[WARN]\trid-2\tgot %s while calling", one);
            json_escape(one, esc, sizeof esc);
            snprintf(lines[n++], LINE, "{\"level\":\"DEBUG\",\"msg\":\"%s\"}", esc);
            t += l + (t[l] == '\n');
        }
    }
    return n;
}

/* The finding's kind names this row, or a row with the very same pattern
 * (gitleaks has a few such pairs: bittrex access and secret keys are both
 * 32 [a-z0-9] after "bittrex"; nothing can tell them apart). */
static bool same_kind(const char *kind, const lw_secret_format *f)
{
    if (!strcmp(kind, f->id))
        return true;
    int j = lw_secret_format_find(kind);
    return j >= 0 && !strcmp(lw_secret_format_at(j)->rx, f->rx);
}

/* ---- tests ------------------------------------------------------------------ */

static void every_format_masked_and_reported(void **st)
{
    (void)st;
    static char lines[MAXLINES][LINE];
    int formats = 0, planted = 0, found = 0, masked = 0, ambiguous = 0, fails = 0;
    lw_buf out = LW_BUF_INIT;
    got g;
    for (int i = 0; i < lw_secret_format_count(); i++) {
        const lw_secret_format *f = lw_secret_format_at(i);
        if (f->flags & LW_SF_MARKER)
            continue;
        char secret[1024];
        size_t sl = lw_secret_sample(f, (uint64_t)i + 1, NULL, 0, secret, sizeof secret);
        assert_true(sl > 0);
        size_t pub = lw_secret_public_len(f, secret, sl);
        formats++;
        int n = shapes(f, secret, lines);
        for (int k = 0; k < n; k++) {
            planted++;
            lw_buf_reset(&out);
            lw_redact(lines[k], strlen(lines[k]), &out);
            const char *frag = leaked(out.p, secret, pub);
            if (frag) {
                print_message("%s: '%s' survives redaction of\n  %s\n  -> %s\n", f->id, frag, lines[k], out.p);
                fails++;
                continue;
            }
            masked++;
            if (f->flags & LW_SF_REDACT_ONLY)
                continue;
            detect(lines[k], &g);
            int hit = -1;
            for (int j = 0; j < g.n && j < MAXF && hit < 0; j++)
                if (same_kind(g.kind[j], f))
                    hit = j;
            if (hit < 0) {
                print_message("%s: not reported in\n  %s\n  (%d findings%s%s)\n", f->id, lines[k], g.n,
                              g.n ? ", first: " : "", g.n ? g.json[0] : "");
                fails++;
                continue;
            }
            ambiguous += strcmp(g.kind[hit], f->id) != 0;
            assert_string_equal(g.sev[hit], f->critical ? "critical" : "high");
            for (int j = 0; j < g.n && j < MAXF; j++)
                if ((frag = leaked(g.json[j], secret, pub))) {
                    print_message("%s: '%s' in the finding %s\n", f->id, frag, g.json[j]);
                    fails++;
                }
            found++;
        }
    }
    lw_buf_free(&out);
    printf("catalogue: %d formats, %d planted lines, %d masked, %d reported with their kind "
           "(%d as an identical-pattern twin)\n",
           formats, planted, masked, found, ambiguous);
    assert_true(formats >= 200);
    assert_int_equal(fails, 0);
}

/* Things that look like secrets and are not: none may draw a finding. */
static void look_alikes_stay_quiet(void **st)
{
    (void)st;
    static const char *const quiet[] = {
        "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 merged",
        "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "{\"secret_hash\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 pulled",
        "\"ETag\": \"\\\"d41d8cd98f00b204e9800998ecf8427e\\\"\"",
        "START RequestId: 0b6f1c2d-3e4a-4b4c-8d8e-7f0000000001 Version: $LATEST",
        "{\"session_id\": \"c6af9ac6-7b61-11e6-9a41-93e8deadbeef\", \"user\": 42}",
        "X-Amzn-Trace-Id: Root=1-5f84c7a1-6c5d2b1a9e8f7d6c5b4a3921;Parent=53995c3f42cd8ad8;Sampled=1",
        "thumbnail dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==",
        "log stream 2026/03/08/[$LATEST]a1b2c3d4e5f60718293a4b5c6d7e8f90 created",
        "invoking arn:aws:lambda:eu-west-1:111122223333:function:orders-prod:live",
        "secret rotation scheduled for arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
        "token=null", "password=****", "password=${DB_PASSWORD}", "api_key=<redacted>", "secret: changeme",
        "{\"token\": true, \"password\": \"\", \"secret\": \"xxxxxxxxxxxxxxxx\"}",
        "client_secret=[REDACTED] auth_token={{ .Values.token }}",
        "version=1.2.3-beta.4+build.5 node v18.17.1 runtime python3.12",
        "{\"token_type\": \"Bearer\", \"expires_in\": 3600}",
        "{\"NextToken\": \"AAMAAXNpZ25lZC10b2tlbi1wYWdpbmF0aW9uLWN1cnNvci0wMDAx\"}",
        "{\"usage\": {\"total_tokens\": 1234, \"max_tokens\": 4096}}",
        "Authorization header missing; token expired for user 42, refreshing token",
        "password reset email sent to user 42",
        "GET /?file=/etc/passwd HTTP/1.1",
        "key=uploads/2026/03/0b6f1c2d-3e4a-4b4c-8d8e-7f0000000002.png",
        "user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "risk-assessment-2026-quarterly-report-final-version-approved-by-board",
        "placeholder AKIAXXXXXXXXXXXXXXXX and AKIAAAAABBBBCCCCDDDD",
        "docs: aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "https://my-bucket.s3.eu-west-1.amazonaws.com/reports/2026/summary.csv?X-Amz-Signature="
        "aa3e7e9b4e8b1c5d0f2a6c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d",
        "{\"auth\": \"ok\", \"session\": \"started\", \"credentials\": \"loaded\"}",
    };
    int fp = 0, n = (int)(sizeof quiet / sizeof *quiet);
    got g;
    for (int i = 0; i < n; i++) {
        detect(quiet[i], &g);
        if (g.n) {
            fp++;
            print_message("false positive: %s\n  -> %s\n", quiet[i], g.json[0]);
        }
    }
    printf("look-alikes: %d false positives of %d\n", fp, n);
    assert_int_equal(fp, 0);
}

/* The samples the other tests rely on do fit their own rows. */
static void samples_follow_their_shape(void **st)
{
    (void)st;
    lw_secret_scanner *sc = lw_secret_scanner_new();
    int fails = 0;
    for (int i = 0; i < lw_secret_format_count(); i++) {
        const lw_secret_format *f = lw_secret_format_at(i);
        if (f->ctx || (f->flags & LW_SF_MARKER))
            continue;
        char s[1024], line[1100];
        lw_secret_sample(f, 7, NULL, 0, s, sizeof s);
        snprintf(line, sizeof line, "x %s y", s);
        size_t nh;
        const lw_secret_hit *h = lw_secret_scan_all(sc, line, strlen(line), &nh);
        bool ok = false;
        for (size_t k = 0; k < nh && !ok; k++)
            ok = h[k].fmt == i && h[k].start == 2 && h[k].end == 2 + strlen(s);
        if (!ok) {
            print_message("%s: its sample %s is not matched whole\n", f->id, s);
            fails++;
        }
    }
    assert_int_equal(fails, 0);
    /* the fuzzer's mapping: body bytes pick the class characters */
    const lw_secret_format *gh = lw_secret_format_at(lw_secret_format_find("github_pat"));
    char a[64], b[64];
    const uint8_t body[] = {0, 1, 2};
    lw_secret_sample(gh, 1, body, 3, a, sizeof a);
    lw_secret_sample(gh, 2, body, 3, b, sizeof b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 40);
    assert_memory_equal(a, "ghp_", 4);
    lw_secret_scanner_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_follow_their_shape),
        cmocka_unit_test(every_format_masked_and_reported),
        cmocka_unit_test(look_alikes_stay_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
