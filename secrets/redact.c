/* redact: see redact.h. Runs only on evidence, so clarity beats speed. */
#include "secrets/redact.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "secrets/catalog.h"

/* ---- one scanner per thread ---------------------------------------------------- */

static pthread_key_t scanner_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void drop_scanner(void *p) { lw_secret_scanner_free(p); }

static void make_key(void) { pthread_key_create(&scanner_key, drop_scanner); }

static lw_secret_scanner *scanner(void)
{
    pthread_once(&key_once, make_key);
    lw_secret_scanner *sc = pthread_getspecific(scanner_key);
    if (!sc) {
        sc = lw_secret_scanner_new();
        pthread_setspecific(scanner_key, sc);
    }
    return sc;
}

/* ---- spans to mask -------------------------------------------------------------- */

typedef struct span {
    size_t a, b, keep;
    uint16_t flags;
    int rank;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static void add(spans *sp, size_t a, size_t b, size_t keep, uint16_t flags, int rank)
{
    if (b <= a)
        return;
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 32;
        sp->v = lw_xrealloc(sp->v, sp->cap * sizeof *sp->v);
    }
    sp->v[sp->n++] = (span){a, b, keep, flags, rank};
}

static int by_start(const void *x, const void *y)
{
    const span *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->rank != q->rank)
        return q->rank - p->rank;
    return p->b > q->b ? -1 : p->b < q->b;
}

static bool token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '_' || c == '-';
}

/* A file path or URL path ("tmp.u4d6rE3a9W/does-not-exist"): base64's
 * alphabet holds '/', but in random base64 a whole all-lowercase word of
 * 3+ letters needs a separator ('/', '+') on both sides, so such words
 * almost never make up a third of the run; in paths they do. */
static bool path_like(const char *s, size_t n)
{
    size_t words = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] >= 'a' && s[j] <= 'z')
            j++;
        bool whole = (i == 0 || !isalnum((unsigned char)s[i - 1])) && (j == n || !isalnum((unsigned char)s[j]));
        if (j - i >= 3 && whole)
            words += j - i;
        i = j > i ? j : i + 1;
    }
    return words * 3 >= n;
}

/* The safety net: long high-entropy tokens no row knows. */
static void high_entropy_runs(const char *s, size_t n, spans *sp)
{
    for (size_t i = 0; i < n;) {
        if (!token_char((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        bool up = false, low = false, dig = false;
        while (j < n && token_char((unsigned char)s[j])) {
            unsigned char c = (unsigned char)s[j++];
            up |= c >= 'A' && c <= 'Z';
            low |= c >= 'a' && c <= 'z';
            dig |= c >= '0' && c <= '9';
        }
        while (j < n && s[j] == '=') /* base64 padding; an '=' inside is a key=value */
            j++;
        if (j - i >= 24 && up && low && dig && !path_like(s + i, j - i) && lw_entropy(s + i, j - i) >= 4.0)
            add(sp, i, j, 0, 0, -1);
        i = j;
    }
}

/* ---- masks ------------------------------------------------------------------------- */

/* "****", or "****#" and 8 hex digits: what a mask looks like. */
static bool is_mask(const char *p, size_t n)
{
    if (n == 4)
        return !memcmp(p, LW_MASK, 4);
    if (n != 13 || memcmp(p, LW_MASK "#", 5))
        return false;
    for (size_t i = 5; i < 13; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static void put_mask(lw_buf *out, const char *secret, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(secret, n, md, &len, EVP_sha256(), NULL);
    char tag[14] = LW_MASK "#";
    for (int i = 0; i < 4; i++) {
        tag[5 + 2 * i] = hx[md[i] >> 4];
        tag[6 + 2 * i] = hx[md[i] & 15];
    }
    tag[13] = '\0';
    lw_buf_puts(out, tag);
}

/* The length of the mask token at p ("****", or "****#" + 8 hex, after
 * any number of stars), or 0. */
static size_t mask_at(const char *p, size_t n)
{
    size_t r = 0;
    while (r < n && p[r] == '*')
        r++;
    if (r < 4)
        return 0;
    return n - r >= 9 && is_mask(p + r - 4, 13) ? r + 9 : r;
}

static bool has_alnum(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9'))
            return true;
    return false;
}

/* A piece of a span between masks already there: masked, unless it holds
 * no letter or digit (the newline after a key block's mask). */
static void put_piece(lw_buf *out, const char *p, size_t n)
{
    if (has_alnum(p, n))
        put_mask(out, p, n);
    else
        lw_utf8_sanitize(out, p, n);
}

/* Masks p[0..n) keeping its first `keep` bytes. Masks already in it (text
 * redacted before) are copied as they are and the pieces between them
 * masked on their own, so redacting twice keeps the first masks: a name
 * prefix right before one ("ASIA****#...") stays too. */
static void mask_span(lw_buf *out, const char *p, size_t n, size_t keep)
{
    size_t i = 0, piece = 0;
    while (i < n) {
        size_t m = mask_at(p + i, n - i);
        if (!m) {
            i++;
            continue;
        }
        if (i > piece) {
            bool prefix = piece == 0 && i <= 24;
            for (size_t k = 0; k < i && prefix; k++)
                prefix = (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= '0' && p[k] <= '9') ||
                         p[k] == '_' || p[k] == '-' || p[k] == '.';
            if (prefix)
                lw_utf8_sanitize(out, p, i);
            else
                put_piece(out, p + piece, i - piece);
        }
        lw_buf_append(out, p + i, m);
        i += m;
        piece = i;
    }
    if (piece == 0) {
        lw_utf8_sanitize(out, p, keep < n ? keep : 0);
        put_mask(out, p, n);
    } else if (piece < n) {
        put_piece(out, p + piece, n - piece);
    }
}

/* A value: masked, keeping masks already in it. */
static void mask_value(lw_buf *out, const char *p, size_t n) { mask_span(out, p, n, 0); }

/* Cookie names are kept when they look like one: short, of
 * [A-Za-z0-9._-], and not an access key id. */
static bool name_shaped(const char *p, size_t n)
{
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    }
    for (size_t i = 0; i + 4 <= n; i++)
        if (!strncmp(p + i, "AKIA", 4) || !strncmp(p + i, "ASIA", 4) || !strncmp(p + i, "ABIA", 4) ||
            !strncmp(p + i, "ACCA", 4))
            return false;
    return true;
}

/* "a=1; b=2" -> "a=****#..; b=****#..": names kept, every value masked. */
static void mask_cookies(lw_buf *out, const char *s, size_t n)
{
    size_t p = 0;
    while (p < n) {
        while (p < n && s[p] == ' ')
            lw_buf_putc(out, s[p++]);
        size_t e = p;
        while (e < n && s[e] != ';')
            e++;
        const char *eq = memchr(s + p, '=', e - p);
        if (eq && name_shaped(s + p, (size_t)(eq - s) - p)) {
            size_t v = (size_t)(eq - s) + 1;
            lw_buf_append(out, s + p, v - p);
            if (e > v)
                mask_value(out, s + v, e - v);
        } else if (e > p) {
            mask_value(out, s + p, e - p);
        }
        if (e < n)
            lw_buf_putc(out, ';');
        p = e + 1;
    }
}

/* A private key block: nothing of it is copied, not even its label, which
 * could itself hold anything (but masks already in the label are kept). */
static void mask_pem(lw_buf *out, const char *s, size_t n)
{
    const char *d = n > 11 ? memmem(s + 11, n - 11, "-----", 5) : NULL;
    const char *nl = memchr(s, '\n', n);
    size_t body = d && (!nl || d < nl) ? (size_t)(d - s) + 5 : nl ? (size_t)(nl - s) : n;
    lw_buf_puts(out, "-----BEGIN PRIVATE KEY-----");
    for (size_t i = 11; i < body; i++) {
        size_t m = mask_at(s + i, body - i);
        if (m) {
            lw_buf_append(out, s + i, m);
            i += m - 1;
        }
    }
    if (body < n)
        mask_value(out, s + body, n - body);
}

static void emit(lw_buf *out, const char *s, const span *sp)
{
    size_t len = sp->b - sp->a, keep = sp->keep < len ? sp->keep : 0;
    const char *p = s + sp->a;
    if (sp->flags & LW_SF_PEM) {
        mask_pem(out, p, len);
    } else if (sp->flags & LW_SF_COOKIE) {
        mask_cookies(out, p, len);
    } else {
        mask_span(out, p, len, keep);
    }
}

/* A span starting inside a mask already in the text (its hex digits run
 * on into a token) starts after it instead: a mask is never cut. */
static void clip_to_masks(const char *s, size_t n, spans *sp)
{
    for (const char *m = s; (m = n - (size_t)(m - s) >= 4 ? memmem(m, n - (size_t)(m - s), LW_MASK, 4) : NULL);) {
        size_t a = (size_t)(m - s), l = mask_at(m, n - a);
        for (size_t i = 0; i < sp->n; i++)
            if (sp->v[i].a > a && sp->v[i].a < a + l)
                sp->v[i].a = sp->v[i].b > a + l ? a + l : sp->v[i].b;
        m += l;
    }
}

void lw_redact_ex(const char *s, size_t n, lw_buf *out, const size_t (*extra)[2], int nextra, size_t keep,
                  size_t *at)
{
    spans sp = {0};
    size_t nh;
    const lw_secret_hit *h = lw_secret_scan_all(scanner(), s, n, &nh);
    for (size_t i = 0; i < nh; i++) {
        const lw_secret_format *f = lw_secret_format_at(h[i].fmt);
        if (!(f->flags & LW_SF_MARKER))
            add(&sp, h[i].start, h[i].end, f->keep, f->flags, lw_secret_rank(f));
    }
    for (int k = 0; k < nextra; k++)
        if (extra[k][0] < extra[k][1] && extra[k][1] <= n)
            add(&sp, extra[k][0], extra[k][1], keep, 0, -2); /* the rows' own masks first */
    high_entropy_runs(s, n, &sp);
    clip_to_masks(s, n, &sp);
    if (sp.n > 1)
        qsort(sp.v, sp.n, sizeof *sp.v, by_start);
    lw_buf_reserve(out, n + 1);
    size_t pos = 0, want = at ? *at : (size_t)-1;
    for (size_t i = 0; i < sp.n;) {
        span m = sp.v[i];
        for (i++; i < sp.n && sp.v[i].a < m.b; i++) /* overlaps join the first */
            if (sp.v[i].b > m.b)
                m.b = sp.v[i].b;
        if (want >= pos && want < m.a) {
            lw_utf8_sanitize(out, s + pos, want - pos);
            *at = out->len;
            pos = want;
        }
        lw_utf8_sanitize(out, s + pos, m.a - pos);
        if (want >= m.a && want < m.b)
            *at = out->len;
        emit(out, s, &m);
        pos = m.b;
    }
    if (want >= pos && want <= n) {
        lw_utf8_sanitize(out, s + pos, want - pos);
        *at = out->len;
        pos = want;
    }
    lw_utf8_sanitize(out, s + pos, n - pos);
    if (at && want > n)
        *at = out->len;
    free(sp.v);
}

void lw_redact(const char *s, size_t n, lw_buf *out) { lw_redact_ex(s, n, out, NULL, 0, 0, NULL); }
