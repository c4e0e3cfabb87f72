/* redact: the masking step every piece of evidence passes through.
 *
 * The input chooses a catalogue row, the bytes of a secret's body (mapped
 * into the row's alphabet and length by lw_secret_sample), one of the line
 * shapes the secret is planted in, and arbitrary text before and after it:
 *
 *   [row hi][row lo][shape][body length L][L body bytes][before 0xff after]
 *
 * Invariants: no 8 bytes of the secret's non-public part survive lw_redact
 * (unless the surrounding text holds them itself); the output is valid
 * UTF-8 and appended (what was in the buffer before stays); redacting the
 * output again keeps every mask it has ("****#" + 8 hex: a mask is never
 * re-masked into another). */
#include <ctype.h>

#include "fuzz_common.h"
#include "secrets/catalog.h"
#include "secrets/redact.h"

#define MAX_TEXT 2048

/* Shapes for a bare token (the ones test_catalog proves each row knows;
 * vendor rows want a delimiter after the token, as gitleaks' do), for a
 * keyword-named one; templates come from the row. */
static const char *const bare[] = {"%s", "value=%s", "{\"v\": \"%s\"}", "{'v': '%s'}", "v: %s", "X-H: %s", "?x=%s"};
static const char *const named[] = {"%s_api_key=%s", "{\"%s_key\": \"%s\"}", "{'%s_key': '%s'}", "%s_token: %s"};

static int pick_template(const char *ctx, int which, char *out, size_t cap)
{
    int count = 1;
    for (const char *p = ctx; *p; p++)
        count += *p == '\n';
    which %= count;
    const char *t = ctx;
    while (which-- > 0)
        t = strchr(t, '\n') + 1;
    size_t l = strcspn(t, "\n");
    if (l + 1 > cap)
        return -1;
    memcpy(out, t, l);
    out[l] = '\0';
    return 0;
}

/* The line holding the secret, or -1 (a shape that does not fit). */
static int plant(const lw_secret_format *f, int shape, const char *secret, char *out, size_t cap)
{
    char t[512];
    int n;
    if (!f->ctx) {
        n = snprintf(out, cap, bare[shape % (int)(sizeof bare / sizeof *bare)], secret);
    } else if (!strstr(f->ctx, "%s")) {
        n = snprintf(out, cap, named[shape % (int)(sizeof named / sizeof *named)], f->ctx, secret);
    } else {
        if (pick_template(f->ctx, shape, t, sizeof t) < 0)
            return -1;
        n = snprintf(out, cap, t, secret, secret);
    }
    return n > 0 && (size_t)n < cap ? n : -1;
}

static bool is_hex8(const char *p)
{
    for (int i = 0; i < 8; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return true;
}

static bool has_alnum(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isalnum((unsigned char)p[i]))
            return true;
    return false;
}

static bool in(const char *hay, size_t n, const char *needle, size_t l) { return memmem(hay, n, needle, l) != NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int nf = lw_secret_format_count();
    int row = ((data[0] << 8) | data[1]) % nf;
    const lw_secret_format *f = lw_secret_format_at(row);
    if (f->flags & LW_SF_MARKER)
        return 0;
    int shape = data[2];
    size_t bl = data[3] % 64;
    data += 4, size -= 4;
    if (bl > size)
        bl = size;
    const uint8_t *body = data;
    data += bl, size -= bl;
    if (size > MAX_TEXT)
        size = MAX_TEXT;
    const uint8_t *cut = memchr(data, 0xff, size);
    size_t nb = cut ? (size_t)(cut - data) : size;
    size_t na = cut ? size - nb - 1 : 0;
    const char *before = (const char *)data, *after = cut ? (const char *)cut + 1 : "";

    char secret[1024], line[2048];
    size_t sl = lw_secret_sample(f, 1, bl ? body : NULL, bl, secret, sizeof secret);
    int ll = plant(f, shape, secret, line, sizeof line);
    if (!sl || ll < 0)
        return 0;
    size_t pub = lw_secret_public_len(f, secret, sl);

    lw_buf text = LW_BUF_INIT;
    lw_buf_append(&text, before, nb);
    lw_buf_putc(&text, ' ');
    size_t at = text.len;
    lw_buf_append(&text, line, (size_t)ll);
    lw_buf_putc(&text, ' ');
    lw_buf_append(&text, after, na);

    static const char prefix[] = "evidence: ";
    lw_buf b = LW_BUF_INIT;
    lw_buf_puts(&b, prefix);
    lw_redact(text.p, text.len, &b);
    FUZZ_CHECK(b.len >= sizeof prefix - 1 && !memcmp(b.p, prefix, sizeof prefix - 1));
    const char *out = b.p + sizeof prefix - 1;
    size_t n = b.len - (sizeof prefix - 1);
    FUZZ_UTF8(out, n);
    FUZZ_CHECK(b.p[b.len] == '\0');

    /* What is around the secret may hold its bytes too: only a window the
     * surroundings (and the line's own template) lack is the secret's. The
     * masks' own hex digits and key block labels are blanked first: they are
     * a hash and a constant, and could happen to continue a piece of the
     * secret the input copied around it. */
    char *plain = malloc(n + 1);
    memcpy(plain, out, n);
    for (char *m = plain; (m = memmem(m, (size_t)(plain + n - m), "****#", 5)) != NULL; m += 5)
        if (plain + n - m >= 13 && is_hex8(m + 5))
            memset(m, 1, 13);
    static const char label[] = "-----BEGIN PRIVATE KEY-----"; /* what a key block's mask starts with */
    for (char *m = plain; (m = memmem(m, (size_t)(plain + n - m), label, sizeof label - 1)) != NULL;)
        memset(m, 1, sizeof label - 1);
    for (size_t i = pub; i + 8 <= sl; i++) {
        const char *w = secret + i;
        if (!in(plain, n, w, 8) || !has_alnum(w, 8)) /* "--------": the mask's own label can make that */
            continue;
        if (in(before, nb, w, 8) || in(after, na, w, 8))
            continue;
        const char *s = strstr(line, secret);
        if (s && (in(line, (size_t)(s - line), w, 8) || in(s + sl, strlen(s + sl), w, 8)))
            continue;
        fprintf(stderr, "redact: %s: '%.8s' survives\n  in:  ", f->id, w);
        fwrite(text.p, 1, text.len, stderr);
        fprintf(stderr, "\n  out: ");
        fwrite(out, 1, n, stderr);
        fputc('\n', stderr);
        abort();
    }
    (void)at;
    free(plain);

    lw_buf again = LW_BUF_INIT;
    lw_redact(out, n, &again);
    for (const char *m = out; (m = memmem(m, (size_t)(out + n - m), "****#", 5)) != NULL; m++) {
        if (out + n - m >= 13 && is_hex8(m + 5) && !in(again.p, again.len, m, 13)) {
            fprintf(stderr, "redact: mask %.13s re-masked\n  once:  ", m);
            fwrite(out, 1, n, stderr);
            fprintf(stderr, "\n  twice: ");
            fwrite(again.p, 1, again.len, stderr);
            fputc('\n', stderr);
            abort();
        }
    }
    lw_buf_free(&again);
    lw_buf_free(&b);
    lw_buf_free(&text);
    return 0;
}
