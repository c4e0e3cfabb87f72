/* sts: the STS answer parser (expat), for both actions.
 *
 * The first byte picks the action (AssumeRole or AssumeRoleWithWebIdentity);
 * the rest is the answer body. Invariants checked: lw_sts_parse returns 0,
 * 1 or -1; on 0 the key id, secret and token are non-empty,
 * NUL-terminated, printable without spaces, and the expiry is after 1970;
 * on 1 the error code is non-empty and the message holds no control
 * character; otherwise (1 and -1) every byte of the credentials is wiped,
 * and on -1 an error message is set. */
#include "aws/sts.h"
#include "fuzz_common.h"

static void printable(const char *s, size_t cap, int allow_space)
{
    FUZZ_CHECK(memchr(s, 0, cap) != NULL);
    for (; *s; s++)
        FUZZ_CHECK((unsigned char)*s >= (allow_space ? ' ' : '!') && *s != 127);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *action = data[0] & 1 ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    lw_sts_result r;
    memset(&r, 0x5a, sizeof r);
    char err[256] = "";
    int rc = lw_sts_parse(action, (const char *)data + 1, size - 1, &r, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == -1);
    if (rc == 0) {
        printable(r.creds.access_key, sizeof r.creds.access_key, 0);
        printable(r.creds.secret_key, sizeof r.creds.secret_key, 0);
        printable(r.creds.session_token, sizeof r.creds.session_token, 0);
        FUZZ_CHECK(r.creds.access_key[0] && r.creds.secret_key[0] && r.creds.session_token[0]);
        FUZZ_CHECK(r.creds.expires_ms > 0);
        FUZZ_CHECK(memchr(r.assumed_arn, 0, sizeof r.assumed_arn) != NULL);
    } else {
        const unsigned char *p = (const unsigned char *)&r.creds;
        for (size_t i = 0; i < sizeof r.creds; i++)
            FUZZ_CHECK(p[i] == 0);
        if (rc == 1) {
            FUZZ_CHECK(r.code[0] != '\0');
            printable(r.code, sizeof r.code, 0);
            FUZZ_CHECK(memchr(r.message, 0, sizeof r.message) != NULL);
            for (const char *m = r.message; *m; m++)
                FUZZ_CHECK((unsigned char)*m >= ' ' && *m != 127);
        } else {
            FUZZ_CHECK(err[0] != '\0');
        }
    }
    lw_sts_result_wipe(&r);
    return 0;
}
