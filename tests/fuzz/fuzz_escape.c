/* escape: the visible form of text shown to people, and the URL judge.
 *
 * The first byte picks the flags and a bound; the rest is the text.
 * Invariants checked: lw_escape consumes a prefix of the input and appends
 * at most the bound; the output is valid UTF-8 without a C0 byte, DEL, a
 * C1 control, U+2028/U+2029 or a bidi control; with LW_ESC_SLACK no '<'
 * or '>' and every '&' starts an entity; a cut happens only where the next
 * character's escape would not fit; escaping is a bijection on printable
 * ASCII. lw_url_parse on the text never crashes and a loopback host is
 * never one that libcurl rewrote. */
#include "common/escape.h"
#include "common/url.h"
#include "fuzz_common.h"

static int forbidden(const unsigned char *p, size_t n, size_t i)
{
    unsigned c = p[i];
    if (c < 0x20 || c == 0x7f)
        return 1;
    if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
        return 1;
    if (c == 0xd8 && i + 1 < n && p[i + 1] == 0x9c)
        return 1;
    if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80 &&
        (p[i + 2] == 0x8e || p[i + 2] == 0x8f || (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)))
        return 1;
    if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)
        return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 1 ? LW_ESC_SLACK : 0;
    size_t max = data[0] >> 1; /* 0 = no bound, else 1..127 bytes */
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    lw_buf out = LW_BUF_INIT;
    lw_buf_puts(&out, "p:");
    size_t used = lw_escape(&out, s, n, flags, max);
    FUZZ_CHECK(used <= n);
    FUZZ_CHECK(!memcmp(out.p, "p:", 2));
    const unsigned char *o = (const unsigned char *)out.p + 2;
    size_t on = out.len - 2;
    if (max)
        FUZZ_CHECK(on <= max);
    else
        FUZZ_CHECK(used == n);
    FUZZ_UTF8((const char *)o, on);
    for (size_t i = 0; i < on; i++) {
        FUZZ_CHECK(!forbidden(o, on, i));
        if (flags & LW_ESC_SLACK) {
            FUZZ_CHECK(o[i] != '<' && o[i] != '>');
            if (o[i] == '&')
                FUZZ_CHECK(!strncmp((const char *)o + i, "&amp;", 5) || !strncmp((const char *)o + i, "&lt;", 4) ||
                           !strncmp((const char *)o + i, "&gt;", 4));
        }
    }
    if (used < n) {
        lw_buf next = LW_BUF_INIT;
        lw_escape_char(&next, s + used, n - used, flags);
        FUZZ_CHECK(on + next.len > max);
        lw_buf_free(&next);
    }
    int plain = 1;
    for (size_t i = 0; i < n && plain; i++)
        plain = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '<' && s[i] != '>' && s[i] != '&';
    if (plain && !max)
        FUZZ_CHECK(on == n && !memcmp(o, s, n));
    lw_buf_free(&out);

    char *z = lw_xstrndup(s, n);
    lw_url u;
    char err[128], origin[320];
    if (lw_url_parse(z, &u, err, sizeof err) == 0) {
        FUZZ_CHECK(!(u.loopback && u.rewritten));
        lw_url_origin(&u, origin, sizeof origin);
    }
    free(z);
    return 0;
}
