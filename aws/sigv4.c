/* sigv4: see sigv4.h. */
#include "aws/sigv4.h"

#include <ctype.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/wipe.h"

static void hexs(lw_buf *out, const unsigned char *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        lw_buf_putc(out, hx[p[i] >> 4]);
        lw_buf_putc(out, hx[p[i] & 15]);
    }
}

static void sha256_hex(const void *p, size_t n, lw_buf *out)
{
    unsigned char md[32];
    unsigned int len = 32;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    hexs(out, md, 32);
}

static void hmac(const unsigned char *key, size_t kl, const char *msg, size_t ml, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)msg, ml, out, &len);
}

typedef struct hdr {
    lw_buf name, value;
} hdr;

static int cmp_hdr(const void *a, const void *b)
{
    return strcmp(((const hdr *)a)->name.p, ((const hdr *)b)->name.p);
}

/* Canonical query: parameters sorted by name then value (already encoded).
 * Not by the whole "name=value": "Param" must sort before "Param-3", though
 * '=' sorts after '-' (the suite's get-vanilla-query-order-encoded). */
static int cmp_str(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t xn = strcspn(x, "="), yn = strcspn(y, "=");
    int c = strncmp(x, y, xn < yn ? xn : yn);
    if (c || xn != yn)
        return c ? c : (xn < yn ? -1 : 1);
    return strcmp(x + xn, y + yn);
}

static void canonical_query(const char *q, lw_buf *out)
{
    if (!q || !*q)
        return;
    char *copy = strdup(q), *save = NULL;
    char *parts[256];
    int n = 0;
    for (char *t = strtok_r(copy, "&", &save); t && n < 256; t = strtok_r(NULL, "&", &save))
        parts[n++] = t;
    qsort(parts, (size_t)n, sizeof *parts, cmp_str);
    for (int i = 0; i < n; i++) {
        if (i)
            lw_buf_putc(out, '&');
        lw_buf_puts(out, parts[i]);
        if (!strchr(parts[i], '='))
            lw_buf_putc(out, '=');
    }
    free(copy);
}

void lw_sigv4_sign(const lw_sigv4_req *r, const lw_aws_creds *c, lw_sigv4_out *out)
{
    memset(out, 0, sizeof *out);
    time_t t = (time_t)r->time_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char date[9];
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';

    /* Headers: the caller's, plus x-amz-date and the token. */
    int n = r->nheaders + 2;
    hdr *h = lw_xcalloc((size_t)n, sizeof *h);
    int k = 0;
    for (int i = 0; i < r->nheaders; i++) {
        const char *colon = strchr(r->headers[i], ':');
        if (!colon)
            continue;
        for (const char *p = r->headers[i]; p < colon; p++)
            lw_buf_putc(&h[k].name, (char)tolower((unsigned char)*p));
        /* trim, and fold runs of spaces into one (SigV4's "trimall") */
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        bool space = false;
        for (; *v; v++) {
            if (*v == ' ' || *v == '\t') {
                space = true;
                continue;
            }
            if (space && h[k].value.len)
                lw_buf_putc(&h[k].value, ' ');
            space = false;
            lw_buf_putc(&h[k].value, *v);
        }
        if (!h[k].value.p)
            lw_buf_puts(&h[k].value, "");
        k++;
    }
    if (!r->omit_amz_date) {
        lw_buf_puts(&h[k].name, "x-amz-date");
        lw_buf_puts(&h[k].value, out->amz_date);
        k++;
    }
    if (c->session_token[0]) {
        lw_buf_puts(&h[k].name, "x-amz-security-token");
        lw_buf_puts(&h[k].value, c->session_token);
        k++;
    }
    qsort(h, (size_t)k, sizeof *h, cmp_hdr);

    lw_buf signed_headers = LW_BUF_INIT;
    lw_buf *cr = &out->canonical_request;
    lw_buf_printf(cr, "%s\n%s\n", r->method, r->path && *r->path ? r->path : "/");
    canonical_query(r->query, cr);
    lw_buf_putc(cr, '\n');
    for (int i = 0; i < k; i++) {
        /* repeated headers: values joined with commas */
        if (i && !strcmp(h[i].name.p, h[i - 1].name.p)) {
            cr->len--; /* drop the newline */
            lw_buf_putc(cr, ',');
            lw_buf_printf(cr, "%s\n", h[i].value.p);
            continue;
        }
        lw_buf_printf(cr, "%s:%s\n", h[i].name.p, h[i].value.p);
        if (signed_headers.len)
            lw_buf_putc(&signed_headers, ';');
        lw_buf_puts(&signed_headers, h[i].name.p);
    }
    lw_buf_printf(cr, "\n%s\n", signed_headers.p);
    sha256_hex(r->body ? r->body : "", r->body_len, cr);

    lw_buf *sts = &out->string_to_sign;
    lw_buf_printf(sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n", out->amz_date, date, r->region, r->service);
    sha256_hex(cr->p, cr->len, sts);

    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    lw_buf key = LW_BUF_INIT;
    lw_buf_printf(&key, "AWS4%s", c->secret_key);
    hmac((const unsigned char *)key.p, key.len, date, 8, k1);
    lw_wipe(key.p, key.len);
    lw_buf_free(&key);
    hmac(k1, 32, r->region, strlen(r->region), k2);
    hmac(k2, 32, r->service, strlen(r->service), k3);
    hmac(k3, 32, "aws4_request", 12, k4);
    hmac(k4, 32, sts->p, sts->len, sig);

    lw_buf_printf(&out->authorization, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=",
                  c->access_key, date, r->region, r->service, signed_headers.p);
    hexs(&out->authorization, sig, 32);
    for (int i = 0; i < k; i++) {
        lw_buf_free(&h[i].name);
        lw_buf_free(&h[i].value);
    }
    free(h);
    lw_buf_free(&signed_headers);
}

void lw_sigv4_out_free(lw_sigv4_out *o)
{
    lw_buf_free(&o->canonical_request);
    lw_buf_free(&o->string_to_sign);
    lw_buf_free(&o->authorization);
}
