/* redact: see redact.h. Runs only on findings, so clarity beats speed. */
#include "detectors/redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "common/jsonw.h"

/* Header names whose whole value is a credential. */
static const char *const secret_headers[] = {
    "x-api-key", "x-amz-security-token", "x-auth-token", "x-access-token", "x-csrf-token",
    "x-xsrf-token", "api-key", "apikey", "x-functions-key", "x-goog-api-key", NULL,
};

/* Substrings that make a key name secret (compared case-insensitively). */
static const char *const secret_words[] = {
    "token", "secret", "password", "passwd", "pwd", "apikey", "api_key", "api-key", "access_key",
    "accesskey", "signature", "credential", "session", "auth", "private_key", "_ap_key", NULL,
};

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.'; }

static bool key_is_secret(const char *k, size_t n)
{
    for (int i = 0; secret_words[i]; i++) {
        size_t l = strlen(secret_words[i]);
        for (size_t j = 0; j + l <= n; j++)
            if (strncasecmp(k + j, secret_words[i], l) == 0)
                return true;
    }
    return false;
}

static bool at_line_start(const char *s, size_t i) { return i == 0 || s[i - 1] == '\n'; }

static size_t line_end(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] != '\r' && s[i] != '\n')
        i++;
    return i;
}

/* Cookie names and auth schemes are kept for context only when they look
 * like one: short, of [A-Za-z0-9._-], and not an access key id. */
static bool name_shaped(const char *p, size_t n)
{
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-' || p[i] == '.'))
            return false;
    for (size_t i = 0; i + 4 <= n; i++) /* a key id anywhere inside is not a name */
        if (!strncmp(p + i, "AKIA", 4) || !strncmp(p + i, "ASIA", 4) || !strncmp(p + i, "ABIA", 4) ||
            !strncmp(p + i, "ACCA", 4))
            return false;
    return true;
}

/* Header "name: value" at s+i (at a line start). Returns bytes consumed, or 0. */
static size_t header(const char *s, size_t n, size_t i, lw_buf *out)
{
    size_t k = i;
    while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'))
        k++;
    if (k == i || k >= n || s[k] != ':')
        return 0;
    size_t nl = k - i;
    const char *name = s + i;
    size_t v = k + 1;
    while (v < n && s[v] == ' ')
        v++;
    size_t e = line_end(s, n, v);
    bool cookie = (nl == 6 && !strncasecmp(name, "cookie", 6)) || (nl == 10 && !strncasecmp(name, "set-cookie", 10));
    bool authz = (nl == 13 && !strncasecmp(name, "authorization", 13)) ||
                 (nl == 19 && !strncasecmp(name, "proxy-authorization", 19));
    bool secret = false;
    for (int h = 0; secret_headers[h] && !secret; h++)
        secret = strlen(secret_headers[h]) == nl && !strncasecmp(name, secret_headers[h], nl);
    if (!cookie && !authz && !secret)
        return 0;
    lw_utf8_sanitize(out, s + i, v - i);
    if (cookie) {
        /* Keep cookie names: "a=1; b=2" -> "a=****; b=****". */
        size_t p = v;
        while (p < e) {
            while (p < e && s[p] == ' ')
                lw_buf_putc(out, s[p++]);
            size_t eq = p;
            while (eq < e && s[eq] != '=' && s[eq] != ';')
                eq++;
            /* Only a name-shaped name is kept; a bare value (no '=') or
             * anything else is masked like a value. */
            if (eq < e && s[eq] == '=' && name_shaped(s + p, eq - p))
                lw_utf8_sanitize(out, s + p, eq - p);
            else if (eq > p)
                lw_buf_puts(out, LW_MASK);
            if (eq < e && s[eq] == '=') {
                lw_buf_puts(out, "=" LW_MASK);
                eq++;
                while (eq < e && s[eq] != ';')
                    eq++;
            }
            if (eq < e) {
                lw_buf_putc(out, ';');
                eq++;
            }
            p = eq;
        }
    } else if (authz) {
        size_t sp = v;
        while (sp < e && s[sp] != ' ')
            sp++;
        if (sp < e && name_shaped(s + v, sp - v))
            lw_utf8_sanitize(out, s + v, sp - v + 1); /* the scheme: "Bearer " */
        lw_buf_puts(out, LW_MASK);
    } else {
        lw_buf_puts(out, LW_MASK);
    }
    return e - i;
}

/* AKIA/ASIA/ABIA/ACCA + 16 [A-Z0-9]. */
static size_t aws_key_id(const char *s, size_t n, size_t i)
{
    if (i + 20 > n || (i > 0 && isalnum((unsigned char)s[i - 1])))
        return 0;
    if (strncmp(s + i, "AKIA", 4) && strncmp(s + i, "ASIA", 4) && strncmp(s + i, "ABIA", 4) &&
        strncmp(s + i, "ACCA", 4))
        return 0;
    for (size_t k = i + 4; k < i + 20; k++)
        if (!(isupper((unsigned char)s[k]) || isdigit((unsigned char)s[k])))
            return 0;
    if (i + 20 < n && isalnum((unsigned char)s[i + 20]))
        return 0;
    return 20;
}

static bool b64url(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_'; }

/* eyJ<b64url>.<b64url>.<b64url> */
static size_t jwt(const char *s, size_t n, size_t i)
{
    if (i + 10 > n || strncmp(s + i, "eyJ", 3) || (i > 0 && b64url(s[i - 1])))
        return 0;
    size_t k = i, dots = 0;
    while (k < n && (b64url(s[k]) || s[k] == '.')) {
        dots += s[k] == '.';
        k++;
    }
    return dots >= 2 ? k - i : 0;
}

void lw_redact(const char *s, size_t n, lw_buf *out)
{
    size_t i = 0, run = 0;
    lw_buf_reserve(out, n + 1);
#define FLUSH()                                          \
    do {                                                 \
        if (run) {                                       \
            lw_utf8_sanitize(out, s + i - run, run);     \
            run = 0;                                     \
        }                                                \
    } while (0)
    while (i < n) {
        size_t m;
        if (at_line_start(s, i)) {
            FLUSH();
            if ((m = header(s, n, i, out)) > 0) {
                i += m;
                continue;
            }
        }
        if (s[i] == '-' && n - i > 11 && !strncmp(s + i, "-----BEGIN ", 11)) {
            /* The BEGIN line ends at its closing dashes or at the line end,
             * whichever comes first: a malformed header must not carry the
             * key body along as "header". */
            size_t line_end = i + 11;
            while (line_end < n && s[line_end] != '\n' && s[line_end] != '\r')
                line_end++;
            const char *dashes = memmem(s + i + 11, line_end - i - 11, "-----", 5);
            size_t hdr_end = dashes ? (size_t)(dashes - s) + 5 : line_end;
            if (memmem(s + i, hdr_end - i, "PRIVATE KEY", 11)) {
                FLUSH();
                /* Nothing of the block is copied, not even its label, which
                 * could itself hold anything. */
                lw_buf_puts(out, "-----BEGIN PRIVATE KEY-----");
                const char *end = memmem(s + hdr_end, n - hdr_end, "-----END ", 9);
                lw_buf_puts(out, LW_MASK);
                i = end ? (size_t)(end - s) : n;
                continue;
            }
        }
        if ((m = aws_key_id(s, n, i)) > 0) {
            FLUSH();
            lw_buf_append(out, s + i, 4);
            lw_buf_puts(out, LW_MASK);
            i += m;
            continue;
        }
        if ((m = jwt(s, n, i)) > 0) {
            FLUSH();
            lw_buf_puts(out, "eyJ" LW_MASK);
            i += m;
            continue;
        }
        if ((s[i] == '=' || s[i] == ':') && i > 0) {
            /* key=value, key: value, "key":"value" with a secret-sounding key */
            size_t ke = i;
            if (ke > 0 && s[ke - 1] == '"')
                ke--;
            size_t kb = ke;
            while (kb > 0 && word_char(s[kb - 1]))
                kb--;
            if (ke > kb && key_is_secret(s + kb, ke - kb)) {
                size_t v = i + 1;
                while (v < n && s[v] == ' ')
                    v++;
                bool quoted = v < n && (s[v] == '"' || s[v] == '\'');
                char q = quoted ? s[v] : 0;
                size_t vb = quoted ? v + 1 : v;
                size_t ve = vb;
                if (quoted) {
                    while (ve < n && s[ve] != q) {
                        if (s[ve] == '\\' && ve + 1 < n)
                            ve++;
                        ve++;
                    }
                } else {
                    while (ve < n && !isspace((unsigned char)s[ve]) && s[ve] != '&' && s[ve] != ';' &&
                           s[ve] != ',' && s[ve] != '"' && s[ve] != '\'' && s[ve] != '}')
                        ve++;
                }
                if (ve > vb) {
                    run++;
                    i++;
                    FLUSH();
                    lw_utf8_sanitize(out, s + i, vb - i);
                    lw_buf_puts(out, LW_MASK);
                    i = ve;
                    continue;
                }
            }
        }
        run++;
        i++;
    }
    FLUSH();
#undef FLUSH
}
