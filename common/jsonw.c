/* jsonw: see jsonw.h. */
#include "common/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

int lw_utf8_seqlen(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

static const char hexd[] = "0123456789abcdef";

/* Appends the UTF-8 sequence at s, or U+FFFD for a byte that starts none;
 * returns the bytes consumed. */
static size_t utf8_or_replacement(lw_buf *b, const char *s, size_t n)
{
    int l = lw_utf8_seqlen((const unsigned char *)s, n);
    if (!l) {
        lw_buf_append(b, "\xEF\xBF\xBD", 3);
        return 1;
    }
    lw_buf_append(b, s, (size_t)l);
    return (size_t)l;
}

static void escape(lw_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    lw_buf_reserve(b, n + 2);
    while (i < n) {
        unsigned c = u[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            run++;
            continue;
        }
        if (run) {
            lw_buf_append(b, s + i - run, run);
            run = 0;
        }
        if (c >= 0x80) {
            i += utf8_or_replacement(b, s + i, n - i);
            continue;
        }
        i++;
        switch (c) {
        case '"': lw_buf_append(b, "\\\"", 2); break;
        case '\\': lw_buf_append(b, "\\\\", 2); break;
        case '\n': lw_buf_append(b, "\\n", 2); break;
        case '\r': lw_buf_append(b, "\\r", 2); break;
        case '\t': lw_buf_append(b, "\\t", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            lw_buf_append(b, e, 6);
        }
        }
    }
    if (run)
        lw_buf_append(b, s + n - run, run);
}

void lw_jw_str(lw_buf *b, const char *s, size_t n)
{
    lw_buf_putc(b, '"');
    escape(b, s, n);
    lw_buf_putc(b, '"');
}

void lw_utf8_sanitize(lw_buf *b, const char *s, size_t n)
{
    /* Hot path for message bodies: copy runs of ASCII a word at a time and
     * only validate where a byte has its high bit set. */
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        while (i < n && !((unsigned char)s[i] & 0x80))
            i++;
        if (i > start)
            lw_buf_append(b, s + start, i - start);
        if (i < n)
            i += utf8_or_replacement(b, s + i, n - i);
    }
}

void lw_jw_num(lw_buf *b, double v)
{
    if (!isfinite(v)) {
        lw_buf_puts(b, "null");
        return;
    }
    /* Range first: converting a double past 2^63 to int64 is undefined. */
    if (fabs(v) < 9e15 && v == (double)(int64_t)v) {
        lw_jw_int(b, (int64_t)v);
        return;
    }
    char tmp[64];
    /* %.17g never needs more than 24 characters; %.3f can need hundreds. */
    int n = fabs(v) < 1e15 ? snprintf(tmp, sizeof tmp, "%.3f", v) : snprintf(tmp, sizeof tmp, "%.17g", v);
    if (n < 0 || n >= (int)sizeof tmp)
        n = snprintf(tmp, sizeof tmp, "%.17g", v);
    if (fabs(v) < 1e15) {
        while (n > 0 && tmp[n - 1] == '0')
            n--;
        if (n > 0 && tmp[n - 1] == '.')
            n--;
    }
    lw_buf_append(b, tmp, (size_t)n);
}

void lw_jw_int(lw_buf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    lw_buf_append(b, tmp, (size_t)n);
}

void lw_jw_key(lw_buf *b, bool *first, const char *key)
{
    if (!*first)
        lw_buf_putc(b, ',');
    *first = false;
    lw_jw_cstr(b, key);
    lw_buf_putc(b, ':');
}
