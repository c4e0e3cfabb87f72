/* redaction: output is valid UTF-8 and never holds an AWS access key id. */
#include <ctype.h>

#include "detectors/redact.h"
#include "fuzz_common.h"

static int keyish(const char *p, size_t n, size_t i)
{
    if (i + 20 > n || (i && isalnum((unsigned char)p[i - 1])) || (i + 20 < n && isalnum((unsigned char)p[i + 20])))
        return 0;
    if (strncmp(p + i, "AKIA", 4) && strncmp(p + i, "ASIA", 4))
        return 0;
    for (size_t k = i + 4; k < i + 20; k++)
        if (!isupper((unsigned char)p[k]) && !isdigit((unsigned char)p[k]))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_buf b = LW_BUF_INIT;
    lw_redact((const char *)data, size, &b);
    fuzz_assert_utf8(b.p, b.len);
    for (size_t i = 0; i < b.len; i++)
        if (keyish(b.p, b.len, i))
            abort();
    lw_buf_free(&b);
    return 0;
}
