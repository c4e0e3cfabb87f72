/* redact: the masking step every piece of evidence passes through.
 *
 * Invariants checked: the output is valid UTF-8, is appended (what was in
 * the buffer before stays), and holds no AWS access key id: no 20-character
 * AKIA/ASIA/ABIA/ACCA + [A-Z0-9]{16} run with a non-alphanumeric byte (or
 * the start/end of the text) on both sides. */
#include <ctype.h>

#include "secrets/redact.h"
#include "fuzz_common.h"

static bool is_alnum(char c) { return isalnum((unsigned char)c) != 0; }

static bool key_id_at(const char *p, size_t n, size_t i)
{
    if (i + 20 > n || (i > 0 && is_alnum(p[i - 1])) || (i + 20 < n && is_alnum(p[i + 20])))
        return false;
    if (memcmp(p + i, "AKIA", 4) && memcmp(p + i, "ASIA", 4) && memcmp(p + i, "ABIA", 4) &&
        memcmp(p + i, "ACCA", 4))
        return false;
    for (size_t k = i + 4; k < i + 20; k++)
        if (!isupper((unsigned char)p[k]) && !isdigit((unsigned char)p[k]))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "evidence: ";
    lw_buf b = LW_BUF_INIT;
    lw_buf_puts(&b, prefix);
    lw_redact((const char *)data, size, &b);
    FUZZ_CHECK(b.len >= sizeof prefix - 1 && !memcmp(b.p, prefix, sizeof prefix - 1));
    const char *out = b.p + sizeof prefix - 1;
    size_t n = b.len - (sizeof prefix - 1);
    FUZZ_UTF8(out, n);
    FUZZ_CHECK(b.p[b.len] == '\0');
    for (const char *a = out; (a = memchr(a, 'A', (size_t)(out + n - a))) != NULL; a++) {
        if (key_id_at(out, n, (size_t)(a - out))) {
            fprintf(stderr, "redact: key id left in the output: %.20s\n", a);
            abort();
        }
    }
    lw_buf_free(&b);
    return 0;
}
