/* eventstream: the AWS SDK for Go's vectors (tests/data/eventstream),
 * every chunk boundary, byte-at-a-time feeding, CRC damage, bounds,
 * truncation and malformed header blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "aws/eventstream.h"
#include "common/json.h"

static const char *const positive[] = {"all_headers", "empty_message", "int32_header", "payload_no_headers",
                                       "payload_one_str_header"};
static const char *const negative[] = {"corrupted_header_len", "corrupted_headers", "corrupted_length",
                                       "corrupted_payload"};

static void slurp(const char *rel, lw_buf *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/eventstream/%s", getenv("LW_SRC") ? getenv("LW_SRC") : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lw_buf_append(out, chunk, n);
    fclose(f);
}

static void b64(const char *s, size_t n, lw_buf *out)
{
    lw_buf_reset(out);
    lw_buf_reserve(out, n + 4);
    int len = EVP_DecodeBlock((unsigned char *)out->p, (const unsigned char *)s, (int)n);
    assert_true(len >= 0);
    while (n && s[n - 1] == '=') {
        n--;
        len--;
    }
    out->len = (size_t)len;
}

/* Every message seen, flattened so that runs can be compared. */
typedef struct seen {
    int n;
    lw_buf log;       /* per message: header names, types, values, payload */
    int stop_after;   /* 0 = never stop */
} seen;

static bool record(void *ud, const lw_es_message *m)
{
    seen *s = ud;
    s->n++;
    lw_buf_printf(&s->log, "#%d@%llu h=%zu", s->n, (unsigned long long)m->offset, m->nheaders);
    for (size_t i = 0; i < m->nheaders; i++) {
        const lw_es_header *h = &m->headers[i];
        lw_buf_printf(&s->log, " [%.*s t%d i%lld b%zu:", (int)h->name.n, h->name.p, (int)h->type, (long long)h->i,
                      h->bytes.n);
        lw_buf_append(&s->log, h->bytes.p ? h->bytes.p : "", h->bytes.n);
        lw_buf_putc(&s->log, ']');
    }
    lw_buf_printf(&s->log, " p%zu:", m->payload_len);
    lw_buf_append(&s->log, m->payload, m->payload_len);
    lw_buf_putc(&s->log, '\n');
    return !(s->stop_after && s->n >= s->stop_after);
}

static int run(const void *p, size_t n, size_t chunk, seen *s, lw_es_decoder *d, size_t max_frame)
{
    lw_es_init(d, max_frame, record, s);
    const uint8_t *b = p;
    int rc = LW_ES_OK;
    for (size_t at = 0; at < n && rc == LW_ES_OK; at += chunk)
        rc = lw_es_feed(d, b + at, n - at < chunk ? n - at : chunk);
    if (rc == LW_ES_OK)
        rc = lw_es_finish(d);
    return rc;
}

/* The decoded JSON says what the encoded message holds. */
static void test_vectors_positive(void **st)
{
    (void)st;
    for (size_t v = 0; v < sizeof positive / sizeof *positive; v++) {
        char rel[128];
        lw_buf enc = LW_BUF_INIT, dec = LW_BUF_INIT, want = LW_BUF_INIT, got = LW_BUF_INIT;
        snprintf(rel, sizeof rel, "encoded/positive/%s", positive[v]);
        slurp(rel, &enc);
        snprintf(rel, sizeof rel, "decoded/positive/%s", positive[v]);
        slurp(rel, &dec);
        lw_json j;
        lw_json_init(&j);
        assert_int_equal(lw_json_parse(&j, dec.p, dec.len), LW_JSON_OK);
        int64_t total, hlen, pcrc, mcrc;
        assert_true(lw_json_int(&j, lw_json_get(&j, 0, "total_length"), &total));
        assert_true(lw_json_int(&j, lw_json_get(&j, 0, "headers_length"), &hlen));
        assert_true(lw_json_int(&j, lw_json_get(&j, 0, "prelude_crc"), &pcrc));
        assert_true(lw_json_int(&j, lw_json_get(&j, 0, "message_crc"), &mcrc));
        assert_int_equal((size_t)total, enc.len);
        /* the vectors' CRCs are the ones zlib computes over the same bytes */
        assert_int_equal((uint32_t)pcrc, (uint32_t)crc32(0, (const Bytef *)enc.p, 8));
        assert_int_equal((uint32_t)mcrc, (uint32_t)crc32(0, (const Bytef *)enc.p, (uInt)enc.len - 4));

        seen s = {0};
        lw_es_decoder d;
        assert_int_equal(run(enc.p, enc.len, enc.len, &s, &d, 0), LW_ES_OK);
        assert_int_equal(s.n, 1);
        assert_int_equal(d.messages, 1);
        /* Compare with the decoded JSON, header by header. */
        int hs = lw_json_get(&j, 0, "headers");
        assert_true(hs >= 0 && j.tok[hs].type == JSMN_ARRAY);
        int nh = j.tok[hs].size;
        lw_buf_printf(&want, "#1@0 h=%d", nh);
        int e = hs + 1;
        for (int i = 0; i < nh; i++, e = lw_json_next(&j, e)) {
            lw_buf name = LW_BUF_INIT;
            lw_json_str(&j, lw_json_get(&j, e, "name"), &name);
            int64_t type;
            assert_true(lw_json_int(&j, lw_json_get(&j, e, "type"), &type));
            int val = lw_json_get(&j, e, "value");
            int64_t iv = 0;
            lw_buf bytes = LW_BUF_INIT;
            if (type == LW_ES_TRUE || type == LW_ES_FALSE) {
                iv = lw_json_bool(&j, val);
                assert_int_equal(iv, type == LW_ES_TRUE);
            } else if (type == LW_ES_BYTES || type == LW_ES_STRING || type == LW_ES_UUID) {
                b64(lw_json_raw(&j, val), lw_json_rawlen(&j, val), &bytes);
            } else {
                assert_true(lw_json_int(&j, val, &iv));
            }
            lw_buf_printf(&want, " [%s t%d i%lld b%zu:", name.p, (int)type, (long long)iv, bytes.len);
            lw_buf_append(&want, bytes.p ? bytes.p : "", bytes.len);
            lw_buf_putc(&want, ']');
            lw_buf_free(&name);
            lw_buf_free(&bytes);
        }
        int pl = lw_json_get(&j, 0, "payload");
        b64(lw_json_raw(&j, pl), lw_json_rawlen(&j, pl), &got);
        lw_buf_printf(&want, " p%zu:", got.len);
        lw_buf_append(&want, got.p ? got.p : "", got.len);
        lw_buf_putc(&want, '\n');
        assert_string_equal(s.log.p, want.p);
        lw_es_free(&d);
        lw_json_free(&j);
        lw_buf_free(&s.log);
        lw_buf_free(&enc);
        lw_buf_free(&dec);
        lw_buf_free(&want);
        lw_buf_free(&got);
    }
}

static void test_vectors_negative(void **st)
{
    (void)st;
    for (size_t v = 0; v < sizeof negative / sizeof *negative; v++) {
        char rel[128];
        lw_buf enc = LW_BUF_INIT, why = LW_BUF_INIT;
        snprintf(rel, sizeof rel, "encoded/negative/%s", negative[v]);
        slurp(rel, &enc);
        snprintf(rel, sizeof rel, "decoded/negative/%s", negative[v]);
        slurp(rel, &why);
        /* "Prelude checksum mismatch" -> "prelude checksum mismatch" */
        while (why.len && (why.p[why.len - 1] == '\n' || why.p[why.len - 1] == ' '))
            why.p[--why.len] = '\0';
        why.p[0] = (char)(why.p[0] | 0x20);
        for (size_t chunk = 1; chunk <= enc.len; chunk++) {
            seen s = {0};
            lw_es_decoder d;
            assert_int_equal(run(enc.p, enc.len, chunk, &s, &d, 0), LW_ES_ERROR);
            assert_int_equal(s.n, 0);
            if (!strstr(lw_es_error(&d), why.p))
                fail_msg("%s (chunks of %zu): \"%s\" does not say \"%s\"", negative[v], chunk, lw_es_error(&d), why.p);
            /* the error sticks: nothing after damage is decoded */
            assert_int_equal(lw_es_feed(&d, "x", 1), LW_ES_ERROR);
            lw_es_free(&d);
            lw_buf_free(&s.log);
        }
        lw_buf_free(&enc);
        lw_buf_free(&why);
    }
}

/* All positive vectors back to back: split in two at every byte, and fed
 * in chunks of every size, the messages are the same. */
static void test_every_boundary(void **st)
{
    (void)st;
    lw_buf all = LW_BUF_INIT;
    for (int rep = 0; rep < 2; rep++)
        for (size_t v = 0; v < sizeof positive / sizeof *positive; v++) {
            char rel[128];
            snprintf(rel, sizeof rel, "encoded/positive/%s", positive[v]);
            slurp(rel, &all);
        }
    seen ref = {0};
    lw_es_decoder d;
    assert_int_equal(run(all.p, all.len, all.len, &ref, &d, 0), LW_ES_OK);
    assert_int_equal(ref.n, 10);
    lw_es_free(&d);
    for (size_t cut = 0; cut <= all.len; cut++) {
        seen s = {0};
        lw_es_init(&d, 0, record, &s);
        assert_int_equal(lw_es_feed(&d, all.p, cut), LW_ES_OK);
        assert_int_equal(lw_es_feed(&d, all.p + cut, all.len - cut), LW_ES_OK);
        assert_int_equal(lw_es_finish(&d), LW_ES_OK);
        assert_string_equal(s.log.p, ref.log.p);
        lw_es_free(&d);
        lw_buf_free(&s.log);
    }
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        seen s = {0};
        assert_int_equal(run(all.p, all.len, chunk, &s, &d, 0), LW_ES_OK);
        assert_string_equal(s.log.p, ref.log.p);
        lw_es_free(&d);
        lw_buf_free(&s.log);
    }
    lw_buf_free(&ref.log);
    lw_buf_free(&all);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A frame with valid CRCs around a raw header block (well formed or not). */
static void raw_frame(lw_buf *out, const void *hdr, size_t hl, const void *payload, size_t pl)
{
    size_t start = out->len;
    uint8_t pre[12];
    put32(pre, (uint32_t)(16 + hl + pl));
    put32(pre + 4, (uint32_t)hl);
    put32(pre + 8, (uint32_t)crc32(0, pre, 8));
    lw_buf_append(out, pre, 12);
    if (hl)
        lw_buf_append(out, hdr, hl);
    if (pl)
        lw_buf_append(out, payload, pl);
    uint8_t c[4];
    put32(c, (uint32_t)crc32(0, (const Bytef *)out->p + start, (uInt)(out->len - start)));
    lw_buf_append(out, c, 4);
}

static void expect_error(const lw_buf *f, const char *what)
{
    for (size_t chunk = 1; chunk <= f->len; chunk++) {
        seen s = {0};
        lw_es_decoder d;
        assert_int_equal(run(f->p, f->len, chunk, &s, &d, 0), LW_ES_ERROR);
        assert_int_equal(s.n, 0);
        if (!strstr(lw_es_error(&d), what))
            fail_msg("\"%s\" does not say \"%s\"", lw_es_error(&d), what);
        lw_es_free(&d);
        lw_buf_free(&s.log);
    }
}

static void test_malformed_headers(void **st)
{
    (void)st;
    static const struct {
        const char *hdr;
        size_t n;
        const char *why;
    } cases[] = {
        {"\x01" "a" "\x0a", 3, "unknown value type 10"},
        {"\x05" "ab", 3, "name runs past"},
        {"\x00" "\x00", 2, "empty name"},
        {"\x01" "a" "\x07" "\x00", 4, "value length runs past"},
        {"\x01" "a" "\x07" "\x00\x05" "abc", 8, "value runs past"},
        {"\x01" "a" "\x05" "\x00\x00\x00", 6, "value runs past"},
        {"\x01" "a" "\x09" "0123456789abcde", 18, "value runs past"},
        {"\x0d:message-type\x07\x00\x05" "event" "\x0d:message-type\x07\x00\x05" "error", 44,
         "duplicate header \":message-type\""},
        {"\x0b:event-type\x04\x00\x00\x00\x01", 17, "\":event-type\" is not a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lw_buf f = LW_BUF_INIT;
        raw_frame(&f, cases[i].hdr, cases[i].n, "{}", 2);
        expect_error(&f, cases[i].why);
        lw_buf_free(&f);
    }
}

/* Every header type, the borders of the signed ones included. */
static void test_header_types(void **st)
{
    (void)st;
    static const uint8_t hdr[] = {
        1, 't', 0,  1, 'f', 1,  1, 'b', 2, 0x80,  1, 's', 3, 0x80, 0x00,
        1, 'i', 4, 0xff, 0xff, 0xff, 0xfe,
        1, 'l', 5, 0x80, 0, 0, 0, 0, 0, 0, 0,
        1, 'y', 6, 0, 3, 0, 1, 2,
        1, 'z', 7, 0, 0,
        1, 'T', 8, 0, 0, 1, 0x7f, 0x4a, 0x1b, 0x2c, 0x3d,
        1, 'u', 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    lw_es_header *h = NULL;
    size_t cap = 0;
    char err[128];
    int n = lw_es_parse_headers(hdr, sizeof hdr, &h, &cap, err, sizeof err);
    assert_int_equal(n, 10);
    assert_int_equal(h[0].i, 1);
    assert_int_equal(h[1].i, 0);
    assert_int_equal(h[2].i, -128);
    assert_int_equal(h[3].i, -32768);
    assert_int_equal(h[4].i, -2);
    assert_true(h[5].i == INT64_MIN);
    assert_int_equal(h[6].bytes.n, 3);
    assert_memory_equal(h[6].bytes.p, "\0\1\2", 3);
    assert_int_equal(h[7].type, LW_ES_STRING);
    assert_int_equal(h[7].bytes.n, 0);
    assert_int_equal(h[8].i, 0x17f4a1b2c3dLL);
    assert_int_equal(h[9].bytes.n, 16);
    assert_int_equal((uint8_t)h[9].bytes.p[15], 16);
    free(h);
}

static bool check_known(void *ud, const lw_es_message *m)
{
    int *ok = ud;
    assert_true(lw_es_span_eq(m->message_type, "exception"));
    assert_true(lw_es_span_eq(m->exception_type, "SessionTimeoutException"));
    assert_true(lw_es_span_eq(m->content_type, "application/json"));
    assert_true(lw_es_span_eq(m->event_type, "")); /* present, empty */
    assert_true(lw_es_span_eq(m->error_code, "E"));
    assert_true(lw_es_span_eq(m->error_message, "boom"));
    assert_int_equal(m->nheaders, 6);
    assert_int_equal(m->payload_len, 15);
    assert_memory_equal(m->payload, "{\"message\":\"x\"}", 15);
    (*ok)++;
    return true;
}

static void test_known_headers(void **st)
{
    (void)st;
    const char *hs[] = {":message-type", "exception", ":exception-type", "SessionTimeoutException",
                        ":content-type", "application/json", ":event-type", "", ":error-code", "E",
                        ":error-message", "boom"};
    lw_buf f = LW_BUF_INIT;
    lw_es_encode(&f, hs, 6, "{\"message\":\"x\"}", 15);
    for (size_t chunk = 1; chunk <= f.len; chunk++) {
        int ok = 0;
        lw_es_decoder d;
        lw_es_init(&d, 0, check_known, &ok);
        for (size_t at = 0; at < f.len; at += chunk)
            assert_int_equal(lw_es_feed(&d, f.p + at, f.len - at < chunk ? f.len - at : chunk), LW_ES_OK);
        assert_int_equal(lw_es_finish(&d), LW_ES_OK);
        assert_int_equal(ok, 1);
        lw_es_free(&d);
    }
    lw_buf_free(&f);
}

static void test_bounds(void **st)
{
    (void)st;
    /* Over max_frame: refused from the prelude, before anything is reserved. */
    lw_buf f = LW_BUF_INIT;
    static char payload[100];
    raw_frame(&f, NULL, 0, payload, sizeof payload);
    seen s = {0};
    lw_es_decoder d;
    assert_int_equal(run(f.p, f.len, f.len, &s, &d, 64), LW_ES_ERROR);
    assert_non_null(strstr(lw_es_error(&d), "total length 116 exceeds the maximum of 64"));
    lw_es_free(&d);
    assert_int_equal(run(f.p, f.len, f.len, &s, &d, 116), LW_ES_OK);
    assert_int_equal(s.n, 1);
    lw_es_free(&d);

    /* A prelude (with a valid CRC) claiming 4 GiB: an error, nothing reserved. */
    uint8_t pre[12];
    put32(pre, 0xfffffff0u);
    put32(pre + 4, 0);
    put32(pre + 8, (uint32_t)crc32(0, pre, 8));
    for (size_t cut = 1; cut < 12; cut++) {
        lw_es_init(&d, 0, record, &s);
        assert_int_equal(lw_es_feed(&d, pre, cut), LW_ES_OK);
        assert_int_equal(lw_es_feed(&d, pre + cut, 12 - cut), LW_ES_ERROR);
        assert_true(d.frame.cap <= 256);
        lw_es_free(&d);
    }
    lw_es_init(&d, 0, record, &s);
    assert_int_equal(lw_es_feed(&d, pre, 12), LW_ES_ERROR); /* whole prelude at once: judged at once */
    assert_non_null(strstr(lw_es_error(&d), "exceeds the maximum of 16777216"));
    lw_es_free(&d);

    /* Lengths that cannot be: total below 16, headers longer than the frame,
     * headers over 128 KiB. */
    uint32_t bad[][2] = {{15, 0}, {20, 5}, {16 + 200000, 131073}};
    const char *why[] = {"below the minimum of 16", "does not fit", "headers length 131073 exceeds"};
    for (int i = 0; i < 3; i++) {
        put32(pre, bad[i][0]);
        put32(pre + 4, bad[i][1]);
        put32(pre + 8, (uint32_t)crc32(0, pre, 8));
        lw_es_init(&d, 0, record, &s);
        assert_int_equal(lw_es_feed(&d, pre, 12), LW_ES_ERROR);
        if (!strstr(lw_es_error(&d), why[i]))
            fail_msg("\"%s\" does not say \"%s\"", lw_es_error(&d), why[i]);
        lw_es_free(&d);
    }
    lw_buf_free(&s.log);
    lw_buf_free(&f);
}

static void test_truncated(void **st)
{
    (void)st;
    const char *hs[] = {":message-type", "event", ":event-type", "sessionUpdate"};
    lw_buf f = LW_BUF_INIT;
    lw_es_encode(&f, hs, 2, "{\"sessionResults\":[]}", 21);
    lw_es_encode(&f, hs, 2, "{\"sessionResults\":[]}", 21);
    size_t one = f.len / 2;
    for (size_t cut = 1; cut < f.len; cut++) {
        if (cut == one)
            continue;
        seen s = {0};
        lw_es_decoder d;
        int rc = run(f.p, cut, 5, &s, &d, 0);
        assert_int_equal(rc, LW_ES_ERROR);
        assert_int_equal(s.n, cut > one ? 1 : 0);
        assert_non_null(strstr(lw_es_error(&d), "truncated frame"));
        char want[64];
        snprintf(want, sizeof want, "of its %zu bytes", one);
        assert_non_null(strstr(lw_es_error(&d), (cut % one) < 12 ? "of a prelude" : want));
        lw_es_free(&d);
        lw_buf_free(&s.log);
    }
    /* A stream that ends between frames is complete. */
    seen s = {0};
    lw_es_decoder d;
    assert_int_equal(run(f.p, one, 3, &s, &d, 0), LW_ES_OK);
    assert_int_equal(s.n, 1);
    lw_es_free(&d);
    lw_buf_free(&s.log);
    lw_buf_free(&f);
}

static void test_stop_and_release(void **st)
{
    (void)st;
    const char *hs[] = {":message-type", "event"};
    lw_buf f = LW_BUF_INIT;
    for (int i = 0; i < 3; i++)
        lw_es_encode(&f, hs, 1, "{}", 2);
    seen s = {.stop_after = 2};
    lw_es_decoder d;
    lw_es_init(&d, 0, record, &s);
    assert_int_equal(lw_es_feed(&d, f.p, f.len), LW_ES_STOPPED);
    assert_int_equal(s.n, 2);
    assert_int_equal(lw_es_feed(&d, f.p, f.len), LW_ES_STOPPED);
    assert_int_equal(s.n, 2);
    lw_es_free(&d);
    lw_buf_free(&s.log);
    lw_buf_free(&f);

    /* A 3 MiB frame gathered from 64 KiB chunks: reserved once, at its
     * size, and given back after it (LW_BUF_KEEP). */
    lw_buf big = LW_BUF_INIT;
    size_t pl = (size_t)3 << 20;
    char *payload = calloc(1, pl);
    lw_es_encode(&big, hs, 1, payload, pl);
    size_t before = big.len;
    lw_es_encode(&big, hs, 1, "{}", 2);
    size_t one_small = big.len - before;
    free(payload);
    seen s2 = {0};
    lw_es_init(&d, 0, record, &s2);
    size_t caps = 0, last_cap = 0;
    for (size_t at = 0; at < big.len; at += 65536) {
        size_t n = big.len - at < 65536 ? big.len - at : 65536;
        assert_int_equal(lw_es_feed(&d, big.p + at, n), LW_ES_OK);
        if (d.frame.cap != last_cap) {
            caps++;
            last_cap = d.frame.cap;
        }
        if (d.frame.len)
            assert_int_equal(d.frame.cap, big.len - one_small + 1);
    }
    assert_int_equal(s2.n, 2);
    assert_int_equal(d.frame.cap, 0);
    assert_true(caps <= 2); /* reserved, then released */
    lw_es_free(&d);
    lw_buf_free(&s2.log);
    lw_buf_free(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_positive), cmocka_unit_test(test_vectors_negative),
        cmocka_unit_test(test_every_boundary),   cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_header_types),     cmocka_unit_test(test_known_headers),
        cmocka_unit_test(test_bounds),           cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_stop_and_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
