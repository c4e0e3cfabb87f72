/* sniff: see sniff.h.
 *
 * A short table of signatures rather than libmagic: we only have to tell
 * "not a log" apart and say roughly what it is, the decoder must not depend
 * on a magic database being installed (the fuzz and static builds have
 * none), and libmagic's verdict for what it does not know ("data") is the
 * same control-byte test done here. */
#include "parsers/sniff.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"

typedef struct sig {
    size_t at;
    const char *magic;
    size_t len;
    const char *what;
} sig;

#define S(at, m, what) {at, m, sizeof m - 1, what}
static const sig sigs[] = {
    S(0, "\x1f\x8b", "gzip data"), /* only reached inside gzip: the decoder inflates the outer one */
    S(0, "\x7f" "ELF", "an ELF executable"),
    S(0, "\x89PNG\r\n\x1a\n", "a PNG image"),
    S(0, "\xff\xd8\xff", "a JPEG image"),
    S(0, "GIF8", "a GIF image"),
    S(0, "PK\x03\x04", "a zip archive"),
    S(257, "ustar", "a tar archive"),
    S(0, "BZh", "bzip2 data"),
    S(0, "\xfd" "7zXZ", "xz data"),
    S(0, "\x28\xb5\x2f\xfd", "zstd data"),
    S(0, "7z\xbc\xaf\x27\x1c", "a 7-zip archive"),
    S(0, "%PDF-", "a PDF document"),
    S(0, "SQLite format 3", "an SQLite database"),
    S(0, "MZ", NULL), /* checked with a NUL below: "MZ" alone starts words */
};
#undef S

/* Bytes no log line holds: C0 controls but tab, newline, CR, form feed,
 * vertical tab and ESC (colour codes), DEL, and bytes of invalid UTF-8. */
static size_t non_text(const unsigned char *p, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) || c == 0x7f)
                bad++;
            i++;
            continue;
        }
        int l = lw_utf8_seqlen(p + i, n - i);
        if (l > 0) {
            i += (size_t)l;
        } else if (n - i < 4) {
            break; /* a sequence cut by the end of the window */
        } else {
            bad++;
            i++;
        }
    }
    return bad;
}

bool lw_sniff_binary(const char *p, size_t n, char *why, size_t cap)
{
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        const sig *s = &sigs[i];
        if (s->what && n >= s->at + s->len && memcmp(p + s->at, s->magic, s->len) == 0) {
            snprintf(why, cap, "looks like %s, not a log", s->what);
            return true;
        }
    }
    const char *nul = memchr(p, '\0', n);
    if (nul) {
        if (n >= 2 && p[0] == 'M' && p[1] == 'Z')
            snprintf(why, cap, "looks like a Windows executable, not a log");
        else
            snprintf(why, cap, "binary data (NUL bytes) at offset %zu, not a log", (size_t)(nul - p));
        return true;
    }
    /* Logs are text: a few stray bytes (a mangled character, a colour
     * code) are damage within a line, one in eight is not text at all. */
    size_t bad = non_text(u, n);
    if (bad >= 8 && bad * 8 >= n) {
        snprintf(why, cap, "binary data (%zu of the first %zu bytes are not text), not a log", bad, n);
        return true;
    }
    return false;
}
