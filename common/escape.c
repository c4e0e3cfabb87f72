/* escape: see escape.h. */
#include "common/escape.h"

#include <stdbool.h>

#include "common/jsonw.h"

static const char hexd[] = "0123456789abcdef";

static void hex_byte(lw_buf *out, unsigned c)
{
    char e[4] = {'\\', 'x', hexd[(c >> 4) & 15], hexd[c & 15]};
    lw_buf_append(out, e, 4);
}

static void u_escape(lw_buf *out, unsigned cp)
{
    char e[6] = {'\\', 'u', hexd[(cp >> 12) & 15], hexd[(cp >> 8) & 15], hexd[(cp >> 4) & 15], hexd[cp & 15]};
    lw_buf_append(out, e, 6);
}

/* Code points of 2 or 3 bytes that must not reach a display as themselves. */
static bool hidden(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f || cp == 0x2028 ||
           cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static unsigned decode(const unsigned char *u, int l)
{
    if (l == 2)
        return (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
    if (l == 3)
        return (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    return 0x10000; /* 4 bytes: outside every class above */
}

static void ascii(lw_buf *out, unsigned c, unsigned flags)
{
    switch (c) {
    case '\t': lw_buf_append(out, "\\t", 2); return;
    case '\n': lw_buf_append(out, "\\n", 2); return;
    case '\r': lw_buf_append(out, "\\r", 2); return;
    }
    if (c < 0x20 || c == 0x7f) {
        hex_byte(out, c);
        return;
    }
    if (flags & LW_ESC_SLACK) {
        if (c == '&') { lw_buf_append(out, "&amp;", 5); return; }
        if (c == '<') { lw_buf_append(out, "&lt;", 4); return; }
        if (c == '>') { lw_buf_append(out, "&gt;", 4); return; }
    }
    lw_buf_putc(out, (char)c);
}

size_t lw_escape_char(lw_buf *out, const char *s, size_t n, unsigned flags)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        ascii(out, u[0], flags);
        return 1;
    }
    int l = lw_utf8_seqlen(u, n);
    if (!l) {
        hex_byte(out, u[0]);
        return 1;
    }
    unsigned cp = decode(u, l);
    if (hidden(cp))
        u_escape(out, cp);
    else
        lw_buf_append(out, s, (size_t)l);
    return (size_t)l;
}

/* Bytes that stand for themselves whatever the flags: printable ASCII
 * other than Slack's three. */
static bool plain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>'; }

size_t lw_escape(lw_buf *out, const char *s, size_t n, unsigned flags, size_t max)
{
    size_t i = 0, start = out->len;
    lw_buf one = LW_BUF_INIT;
    while (i < n) {
        size_t run = 0;
        while (i + run < n && plain((unsigned char)s[i + run]))
            run++;
        if (max && out->len - start + run > max)
            run = max - (out->len - start);
        if (run) {
            lw_buf_append(out, s + i, run);
            i += run;
            continue;
        }
        if (max && out->len - start >= max)
            break;
        lw_buf_reset(&one);
        size_t used = lw_escape_char(&one, s + i, n - i, flags);
        if (max && out->len - start + one.len > max)
            break;
        lw_buf_append(out, one.p, one.len);
        i += used;
    }
    lw_buf_free(&one);
    return i;
}
