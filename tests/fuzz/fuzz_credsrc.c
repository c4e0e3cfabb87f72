/* credsrc: the parsers of the other credential sources, picked by the
 * first byte: 0 credential_process output, 1 GetRoleCredentials answer,
 * 2 the `aws sso login` token cache file, 3 the credential_process
 * command-line split (lw_shell_split).
 *
 * Invariants checked: a parse either succeeds with a non-empty key id and
 * secret (NUL-terminated within their buffers), or fails with a message
 * and the output wiped; the split returns -1 or a word count whose words
 * are NUL-terminated inside the buffer, with argv NULL-terminated. */
#include "aws/credentials.h"
#include "fuzz_common.h"

static void check_creds(int rc, const lw_aws_creds *c, const char *err)
{
    if (rc == 0) {
        FUZZ_CHECK(memchr(c->access_key, 0, sizeof c->access_key) && c->access_key[0]);
        FUZZ_CHECK(memchr(c->secret_key, 0, sizeof c->secret_key) && c->secret_key[0]);
        FUZZ_CHECK(memchr(c->session_token, 0, sizeof c->session_token));
        FUZZ_CHECK(c->expires_ms >= 0);
    } else {
        FUZZ_CHECK(rc == -1 && err[0] != '\0');
        const unsigned char *p = (const unsigned char *)c;
        for (size_t i = 0; i < sizeof *c; i++)
            FUZZ_CHECK(p[i] == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    lw_aws_creds c;
    memset(&c, 0x5a, sizeof c);
    char err[256] = "";
    switch (data[0] & 3) {
    case 0:
        check_creds(lw_creds_parse_process_json(s, n, &c, err, sizeof err), &c, err);
        break;
    case 1:
        check_creds(lw_creds_parse_sso_json(s, n, &c, err, sizeof err), &c, err);
        if (err[0] == '\0')
            FUZZ_CHECK(c.session_token[0] && c.expires_ms > 0);
        break;
    case 2: {
        char tok[128];
        int64_t exp = -1;
        int rc = lw_creds_parse_sso_token(s, n, tok, sizeof tok, &exp, err, sizeof err);
        if (rc == 0)
            FUZZ_CHECK(memchr(tok, 0, sizeof tok) && tok[0] && exp > 0);
        else
            FUZZ_CHECK(rc == -1 && err[0] && tok[0] == 0);
        break;
    }
    case 3: {
        char *cmd = malloc(n + 1), buf[512], *argv[16];
        memcpy(cmd, s, n);
        cmd[n] = '\0';
        int argc = lw_shell_split(cmd, buf, sizeof buf, argv, 16);
        FUZZ_CHECK(argc >= -1 && argc < 16);
        if (argc >= 0) {
            FUZZ_CHECK(argv[argc] == NULL);
            for (int i = 0; i < argc; i++) {
                FUZZ_CHECK(argv[i] >= buf && argv[i] < buf + sizeof buf);
                FUZZ_CHECK(memchr(argv[i], 0, (size_t)(buf + sizeof buf - argv[i])) != NULL);
            }
        }
        free(cmd);
        break;
    }
    }
    return 0;
}
