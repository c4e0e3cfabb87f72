/* eventstream: see eventstream.h. Checks are ordered as the SDKs order
 * them (the prelude CRC before the lengths it covers, so a damaged length
 * reads as the checksum error it is), and nothing is reserved for a frame
 * before its prelude has been verified and bounded. */
#include "aws/eventstream.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t crc(uint32_t c, const uint8_t *p, size_t n)
{
    /* zlib takes uInt lengths; frames are bounded far below that */
    return (uint32_t)crc32(c, p, (uInt)n);
}

void lw_es_init(lw_es_decoder *d, size_t max_frame, lw_es_message_cb on_message, void *ud)
{
    memset(d, 0, sizeof *d);
    d->max_frame = max_frame ? max_frame : LW_ES_MAX_FRAME_DEFAULT;
    if (d->max_frame > UINT32_MAX)
        d->max_frame = UINT32_MAX;
    d->on_message = on_message;
    d->ud = ud;
}

void lw_es_free(lw_es_decoder *d)
{
    lw_buf_free(&d->frame);
    free(d->hdr);
    d->hdr = NULL;
    d->hdr_cap = 0;
}

const char *lw_es_error(const lw_es_decoder *d) { return d->state == LW_ES_ERROR ? d->error : ""; }
bool lw_es_pending(const lw_es_decoder *d) { return d->frame.len > 0; }

static int fail(lw_es_decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(lw_es_decoder *d, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(d->error, sizeof d->error, "event stream frame at byte %" PRIu64 ": %s", d->offset, msg);
    d->state = LW_ES_ERROR;
    return LW_ES_ERROR;
}

static size_t value_len(uint8_t type)
{
    switch (type) {
    case LW_ES_TRUE:
    case LW_ES_FALSE: return 0;
    case LW_ES_BYTE: return 1;
    case LW_ES_SHORT: return 2;
    case LW_ES_INT: return 4;
    case LW_ES_LONG:
    case LW_ES_TIMESTAMP: return 8;
    case LW_ES_UUID: return 16;
    default: return SIZE_MAX; /* BYTES/STRING carry their own length; others are invalid */
    }
}

int lw_es_parse_headers(const uint8_t *p, size_t n, lw_es_header **hdr, size_t *cap, char *err, size_t errlen)
{
    size_t i = 0;
    int count = 0;
    while (i < n) {
        uint8_t nl = p[i++];
        if (nl == 0) {
            snprintf(err, errlen, "header %d has an empty name", count);
            return -1;
        }
        if (n - i < (size_t)nl + 1) {
            snprintf(err, errlen, "header %d: its name runs past the header block", count);
            return -1;
        }
        lw_es_header h = {.name = {(const char *)p + i, nl}};
        i += nl;
        uint8_t type = p[i++];
        if (type > LW_ES_UUID) {
            snprintf(err, errlen, "header \"%.*s\" has unknown value type %u", (int)nl, h.name.p, type);
            return -1;
        }
        h.type = (lw_es_type)type;
        size_t vl = value_len(type);
        if (vl == SIZE_MAX) {
            if (n - i < 2) {
                snprintf(err, errlen, "header \"%.*s\": its value length runs past the header block", (int)nl,
                         h.name.p);
                return -1;
            }
            vl = be16(p + i);
            i += 2;
        }
        if (n - i < vl) {
            snprintf(err, errlen, "header \"%.*s\": its value runs past the header block", (int)nl, h.name.p);
            return -1;
        }
        const uint8_t *v = p + i;
        switch (type) {
        case LW_ES_TRUE: h.i = 1; break;
        case LW_ES_FALSE: h.i = 0; break;
        case LW_ES_BYTE: h.i = (int8_t)v[0]; break;
        case LW_ES_SHORT: h.i = (int16_t)be16(v); break;
        case LW_ES_INT: h.i = (int32_t)be32(v); break;
        case LW_ES_LONG:
        case LW_ES_TIMESTAMP: h.i = (int64_t)((uint64_t)be32(v) << 32 | be32(v + 4)); break;
        default: h.bytes = (lw_es_span){(const char *)v, vl}; break;
        }
        i += vl;
        if ((size_t)count == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *hdr = lw_xrealloc(*hdr, *cap * sizeof **hdr);
        }
        (*hdr)[count++] = h;
    }
    return count;
}

/* The protocol's string headers; a second copy of one of them is an error
 * (botocore refuses duplicate headers: two different :message-type values
 * would let two readers see two different messages). */
static int pick_known(lw_es_decoder *d, lw_es_message *m)
{
    static const char *const names[] = {":message-type", ":event-type", ":exception-type",
                                        ":content-type", ":error-code", ":error-message"};
    lw_es_span *slots[] = {&m->message_type, &m->event_type, &m->exception_type,
                           &m->content_type, &m->error_code, &m->error_message};
    for (size_t i = 0; i < m->nheaders; i++) {
        const lw_es_header *h = &m->headers[i];
        if (h->name.n < 2 || h->name.p[0] != ':')
            continue;
        for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
            if (!lw_es_span_eq(h->name, names[k]))
                continue;
            if (slots[k]->p)
                return fail(d, "duplicate header \"%s\"", names[k]);
            if (h->type != LW_ES_STRING)
                return fail(d, "header \"%s\" is not a string (type %d)", names[k], (int)h->type);
            /* a zero-length string still counts as present */
            *slots[k] = h->bytes.p ? h->bytes : (lw_es_span){"", 0};
            break;
        }
    }
    return LW_ES_OK;
}

/* Checks the prelude at p (12 bytes); returns the frame's total length or
 * 0 after fail(). */
static uint32_t check_prelude(lw_es_decoder *d, const uint8_t *p)
{
    uint32_t total = be32(p), hlen = be32(p + 4), want = be32(p + 8);
    uint32_t got = crc(0, p, 8);
    if (got != want) {
        fail(d, "prelude checksum mismatch (expected 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")", want, got);
        return 0;
    }
    if (total < LW_ES_MIN_FRAME) {
        fail(d, "total length %" PRIu32 " is below the minimum of %d", total, LW_ES_MIN_FRAME);
        return 0;
    }
    if (total > d->max_frame) {
        fail(d, "total length %" PRIu32 " exceeds the maximum of %zu", total, d->max_frame);
        return 0;
    }
    if (hlen > total - LW_ES_MIN_FRAME) {
        fail(d, "headers length %" PRIu32 " does not fit in a frame of %" PRIu32 " bytes", hlen, total);
        return 0;
    }
    if (hlen > LW_ES_MAX_HEADERS_LEN) {
        fail(d, "headers length %" PRIu32 " exceeds the maximum of %zu", hlen, LW_ES_MAX_HEADERS_LEN);
        return 0;
    }
    return total;
}

/* Room for the whole frame (and lw_buf's NUL), exactly: lw_buf_reserve
 * would round a 16 MiB frame up to 32 MiB. */
static void reserve_frame(lw_es_decoder *d, uint32_t total)
{
    if (d->frame.cap >= (size_t)total + 1)
        return;
    d->frame.p = lw_xrealloc(d->frame.p, (size_t)total + 1);
    d->frame.cap = (size_t)total + 1;
}

/* A whole frame f of total bytes, prelude already checked. */
static int deliver(lw_es_decoder *d, const uint8_t *f, uint32_t total)
{
    uint32_t hlen = be32(f + 4);
    uint32_t want = be32(f + total - 4);
    uint32_t got = crc(0, f, total - 4);
    if (got != want)
        return fail(d, "message checksum mismatch (expected 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")", want, got);
    char err[128];
    int nh = lw_es_parse_headers(f + LW_ES_PRELUDE_LEN, hlen, &d->hdr, &d->hdr_cap, err, sizeof err);
    if (nh < 0)
        return fail(d, "malformed headers: %s", err);
    lw_es_message m = {.headers = d->hdr, .nheaders = (size_t)nh, .payload = f + LW_ES_PRELUDE_LEN + hlen,
                       .payload_len = total - LW_ES_MIN_FRAME - hlen, .offset = d->offset};
    if (pick_known(d, &m) != LW_ES_OK)
        return LW_ES_ERROR;
    d->messages++;
    d->offset += total;
    if (!d->on_message(d->ud, &m)) {
        d->state = LW_ES_STOPPED;
        return LW_ES_STOPPED;
    }
    return LW_ES_OK;
}

int lw_es_feed(lw_es_decoder *d, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (d->state != LW_ES_OK)
        return d->state;
    d->bytes_in += n;
    while (n > 0) {
        if (d->frame.len == 0 && n >= LW_ES_PRELUDE_LEN) {
            /* In place: the frame starts at the beginning of what is left. */
            uint32_t total = check_prelude(d, p);
            if (!total)
                return LW_ES_ERROR;
            if (n >= total) {
                int rc = deliver(d, p, total);
                if (rc != LW_ES_OK)
                    return rc;
                p += total;
                n -= total;
                continue;
            }
            d->total = total;
            reserve_frame(d, total);
            lw_buf_append(&d->frame, p, n);
            return LW_ES_OK;
        }
        /* Gathering: first the prelude, then (once it is checked) the rest. */
        size_t goal = d->total ? d->total : LW_ES_PRELUDE_LEN;
        size_t take = goal - d->frame.len < n ? goal - d->frame.len : n;
        lw_buf_append(&d->frame, p, take);
        p += take;
        n -= take;
        if (d->frame.len < goal)
            return LW_ES_OK;
        if (!d->total) {
            uint32_t total = check_prelude(d, (const uint8_t *)d->frame.p);
            if (!total)
                return LW_ES_ERROR;
            d->total = total;
            reserve_frame(d, total);
            continue;
        }
        int rc = deliver(d, (const uint8_t *)d->frame.p, d->total);
        d->total = 0;
        lw_buf_reset(&d->frame);
        lw_buf_release_large(&d->frame);
        if (rc != LW_ES_OK)
            return rc;
    }
    return LW_ES_OK;
}

int lw_es_finish(lw_es_decoder *d)
{
    if (d->state != LW_ES_OK || d->frame.len == 0)
        return d->state;
    if (d->total)
        return fail(d, "truncated frame: the stream ended after %zu of its %" PRIu32 " bytes", d->frame.len, d->total);
    return fail(d, "truncated frame: the stream ended after %zu bytes of a prelude", d->frame.len);
}

static void put32(lw_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    lw_buf_append(b, x, 4);
}

void lw_es_encode(lw_buf *out, const char *const *str_headers, int npairs, const void *payload, size_t n)
{
    lw_buf h = LW_BUF_INIT;
    for (int i = 0; i < npairs; i++) {
        const char *name = str_headers[2 * i], *val = str_headers[2 * i + 1];
        size_t nl = strlen(name), vl = strlen(val);
        lw_buf_putc(&h, (char)nl);
        lw_buf_append(&h, name, nl);
        lw_buf_putc(&h, LW_ES_STRING);
        lw_buf_putc(&h, (char)(vl >> 8));
        lw_buf_putc(&h, (char)vl);
        lw_buf_append(&h, val, vl);
    }
    size_t start = out->len;
    uint32_t total = (uint32_t)(LW_ES_MIN_FRAME + h.len + n);
    put32(out, total);
    put32(out, (uint32_t)h.len);
    put32(out, crc(0, (const uint8_t *)out->p + start, 8));
    if (h.len)
        lw_buf_append(out, h.p, h.len);
    if (n)
        lw_buf_append(out, payload, n);
    put32(out, crc(0, (const uint8_t *)out->p + start, out->len - start));
    lw_buf_free(&h);
}
