/* eventstream: any bytes, fed in chunks whose sizes come from the input
 * (the layout of fuzz_decode: byte 0 & 7 = k plan bytes, then the plan,
 * then the stream). Byte 0 & 8 asks the harness to repair the CRCs of
 * every frame first, so that the fuzzer reaches the header parser instead
 * of stopping at checksums.
 *
 * Invariants: every header and payload span lies inside the bytes fed;
 * offsets grow by whole frames; after an error or a stop nothing more is
 * delivered; the messages, final state and error text are the same in one
 * feed as in chunks (a chunking must never change what is decoded). */
#include <zlib.h>

#include "aws/eventstream.h"
#include "fuzz_common.h"

typedef struct ctx {
    const uint8_t *base;  /* the stream (for one-feed runs), or NULL */
    size_t n;
    uint64_t messages, next_offset, hash;
    bool done;
} ctx;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ u[i]) * 0x100000001b3ull;
    return h * 0x9e3779b97f4a7c15ull + n;
}

static void inside(const ctx *c, const void *p, size_t n)
{
    FUZZ_CHECK(n == 0 || p);
    if (c->base && n)
        FUZZ_CHECK((const uint8_t *)p >= c->base && (const uint8_t *)p + n <= c->base + c->n);
}

static bool on_message(void *ud, const lw_es_message *m)
{
    ctx *c = ud;
    FUZZ_CHECK(!c->done);
    FUZZ_CHECK(m->offset == c->next_offset);
    size_t total = LW_ES_MIN_FRAME + m->payload_len;
    uint64_t h = mix(c->hash, &m->offset, sizeof m->offset);
    for (size_t i = 0; i < m->nheaders; i++) {
        const lw_es_header *x = &m->headers[i];
        FUZZ_CHECK(x->name.n >= 1 && x->name.n <= 255);
        FUZZ_CHECK(x->type <= LW_ES_UUID);
        inside(c, x->name.p, x->name.n);
        inside(c, x->bytes.p, x->bytes.n);
        if (x->type == LW_ES_UUID)
            FUZZ_CHECK(x->bytes.n == 16);
        if (x->type == LW_ES_TRUE || x->type == LW_ES_FALSE)
            FUZZ_CHECK(x->i == (x->type == LW_ES_TRUE));
        total += 2 + x->name.n + (x->type == LW_ES_BYTES || x->type == LW_ES_STRING ? 2 : 0) + x->bytes.n;
        if (x->type >= LW_ES_BYTE && x->type <= LW_ES_LONG)
            total += x->type == LW_ES_BYTE ? 1 : x->type == LW_ES_SHORT ? 2 : x->type == LW_ES_INT ? 4 : 8;
        if (x->type == LW_ES_TIMESTAMP)
            total += 8;
        h = mix(h, x->name.p, x->name.n);
        h = mix(h, &x->type, sizeof x->type);
        h = mix(h, &x->i, sizeof x->i);
        h = mix(h, x->bytes.p ? x->bytes.p : "", x->bytes.n);
    }
    inside(c, m->payload, m->payload_len);
    h = mix(h, m->payload_len ? (const void *)m->payload : "", m->payload_len);
    c->hash = h;
    c->messages++;
    c->next_offset += total;
    /* A message whose payload starts with '!' stops the stream. */
    if (m->payload_len && m->payload[0] == '!') {
        c->done = true;
        return false;
    }
    return true;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Gives every frame it can walk correct CRCs. */
static void repair(uint8_t *p, size_t n)
{
    size_t at = 0;
    while (n - at >= LW_ES_MIN_FRAME) {
        uint32_t total = be32(p + at);
        if (total < LW_ES_MIN_FRAME || total > n - at)
            total = (uint32_t)(n - at);
        put32(p + at, total);
        put32(p + at + 8, (uint32_t)crc32(0, p + at, 8));
        put32(p + at + total - 4, (uint32_t)crc32(0, p + at, total - 4));
        at += total;
    }
}

static int decode(const uint8_t *p, size_t n, const uint8_t *plan, size_t k, ctx *c, lw_buf *err)
{
    memset(c, 0, sizeof *c);
    c->hash = 0xcbf29ce484222325ull;
    if (!k) {
        c->base = p;
        c->n = n;
    }
    lw_es_decoder d;
    lw_es_init(&d, 1 << 16, on_message, c);
    size_t at = 0, step = 0;
    int rc = LW_ES_OK;
    while (at < n) {
        size_t len = n - at;
        if (k) {
            uint8_t b = plan[step++ % k];
            size_t want = b < 128 ? (size_t)b + 1 : (size_t)(b - 127) * 997;
            if (want < len)
                len = want;
        }
        uint64_t before = c->messages;
        rc = lw_es_feed(&d, p + at, len);
        if (rc != LW_ES_OK) {
            /* the state sticks and nothing else comes out */
            FUZZ_CHECK(lw_es_feed(&d, p, n) == rc);
            FUZZ_CHECK(c->messages >= before);
            break;
        }
        at += len;
    }
    if (rc == LW_ES_OK)
        rc = lw_es_finish(&d);
    FUZZ_CHECK(d.messages == c->messages);
    FUZZ_CHECK(d.frame.cap <= (1 << 16) + 1); /* bounded by max_frame, whatever the input claims */
    if (rc == LW_ES_ERROR)
        FUZZ_CHECK(*lw_es_error(&d));
    else
        FUZZ_CHECK(!*lw_es_error(&d));
    lw_buf_puts(err, lw_es_error(&d));
    lw_es_free(&d);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t k = data[0] & 7;
    if (1 + k > size)
        return 0;
    const uint8_t *plan = data + 1;
    size_t n = size - 1 - k;
    uint8_t *p = lw_xmalloc(n + 1);
    memcpy(p, data + 1 + k, n);
    if (data[0] & 8)
        repair(p, n);
    ctx whole, chunked;
    lw_buf e1 = LW_BUF_INIT, e2 = LW_BUF_INIT;
    int r1 = decode(p, n, NULL, 0, &whole, &e1);
    int r2 = decode(p, n, plan, k, &chunked, &e2);
    if (k) {
        FUZZ_CHECK(r1 == r2);
        FUZZ_CHECK(whole.messages == chunked.messages && whole.hash == chunked.hash);
        FUZZ_CHECK(!strcmp(e1.p ? e1.p : "", e2.p ? e2.p : ""));
    }
    lw_buf_free(&e1);
    lw_buf_free(&e2);
    free(p);
    return 0;
}
