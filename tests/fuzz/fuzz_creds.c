/* creds: the container / instance-metadata credentials answer parser.
 *
 * Invariants checked: lw_creds_parse_json either succeeds with a non-empty
 * key id, secret and token (NUL-terminated within their buffers) and an
 * expiry after 1970, or fails with an error message and every byte of the
 * output wiped (no half-filled secret is left behind). */
#include "aws/credentials.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_aws_creds c;
    memset(&c, 0x5a, sizeof c);
    char err[256] = "";
    if (lw_creds_parse_json((const char *)data, size, &c, err, sizeof err) == 0) {
        FUZZ_CHECK(memchr(c.access_key, 0, sizeof c.access_key) && c.access_key[0]);
        FUZZ_CHECK(memchr(c.secret_key, 0, sizeof c.secret_key) && c.secret_key[0]);
        FUZZ_CHECK(memchr(c.session_token, 0, sizeof c.session_token) && c.session_token[0]);
        FUZZ_CHECK(c.expires_ms > 0);
    } else {
        FUZZ_CHECK(err[0] != '\0');
        const unsigned char *p = (const unsigned char *)&c;
        for (size_t i = 0; i < sizeof c; i++)
            FUZZ_CHECK(p[i] == 0);
    }
    return 0;
}
