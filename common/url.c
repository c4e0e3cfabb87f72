/* url: see url.h. */
#include "common/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Copies part p of h into out ("" when absent); false when it does not fit. */
static bool part(CURLU *h, CURLUPart p, char *out, size_t n, bool *present)
{
    char *v = NULL;
    out[0] = '\0';
    if (present)
        *present = false;
    if (curl_url_get(h, p, &v, 0) != CURLUE_OK || !v)
        return true;
    if (present)
        *present = true;
    size_t l = strlen(v);
    bool fits = l < n;
    if (fits)
        memcpy(out, v, l + 1);
    curl_free(v);
    return fits;
}

/* The host as the text writes it: after "scheme:" and its slashes, up to
 * the path, after the last '@', without the port. Only compared with
 * libcurl's host (which decides), to notice a host libcurl rewrote. */
static void written_host(const char *s, char *out, size_t n)
{
    const char *p = strchr(s, ':');
    p = p ? p + 1 : s;
    while (*p == '/')
        p++;
    size_t len = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < len; i++)
        if (p[i] == '@')
            at = p + i;
    if (at) {
        len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    const char *end = p + len;
    if (*p == '[') {
        const char *rb = memchr(p, ']', len);
        if (rb)
            end = rb + 1;
    } else {
        const char *colon = memchr(p, ':', len);
        if (colon)
            end = colon;
    }
    snprintf(out, n, "%.*s", (int)(end - p), p);
}

static bool ipv6_of(const char *bracketed, struct in6_addr *a)
{
    char tmp[128];
    size_t l = strlen(bracketed);
    if (l < 2 || l >= sizeof tmp || bracketed[0] != '[')
        return false;
    size_t in = strcspn(bracketed + 1, "%]"); /* a zone id is not part of the address */
    memcpy(tmp, bracketed + 1, in);
    tmp[in] = '\0';
    return inet_pton(AF_INET6, tmp, a) == 1;
}

/* libcurl's host is what was written, give or take case and an IPv6
 * address spelt another way ([0:0::1] for [::1]). */
static bool as_written(const char *curl_host, const char *written)
{
    if (!strcasecmp(curl_host, written))
        return true;
    struct in6_addr a, b;
    return ipv6_of(curl_host, &a) && ipv6_of(written, &b) && !memcmp(&a, &b, sizeof a);
}

static bool loopback_host(const char *h)
{
    size_t l = strlen(h);
    if ((l == 9 || (l == 10 && h[9] == '.')) && !strncasecmp(h, "localhost", 9))
        return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, h, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (!ipv6_of(h, &a6))
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&a6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

/* h is d, or a subdomain of d (h without a trailing dot). */
static bool in_domain(const char *h, size_t hl, const char *d)
{
    size_t dl = strlen(d);
    if (hl < dl || strncasecmp(h + hl - dl, d, dl))
        return false;
    return hl == dl || h[hl - dl - 1] == '.';
}

/* Incoming-webhook services whose URL is the whole credential. */
static bool secret_hook_host(const char *h)
{
    static const char *const domains[] = {"hooks.slack.com", "webhook.office.com", "outlook.office.com",
                                          "outlook.office365.com", "logic.azure.com", "powerplatform.com",
                                          "discord.com", "discordapp.com", NULL};
    size_t hl = strlen(h);
    if (hl && h[hl - 1] == '.')
        hl--;
    for (int i = 0; domains[i]; i++)
        if (in_domain(h, hl, domains[i]))
            return true;
    return false;
}

int lw_url_parse(const char *s, lw_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    CURLU *h = curl_url();
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    CURLUcode rc = curl_url_set(h, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK) {
        snprintf(err, errlen, "%s", curl_url_strerror(rc));
        curl_url_cleanup(h);
        return -1;
    }
    bool user, password, ok = part(h, CURLUPART_SCHEME, u->scheme, sizeof u->scheme, NULL) &&
                               part(h, CURLUPART_HOST, u->host, sizeof u->host, NULL) &&
                               part(h, CURLUPART_PORT, u->port, sizeof u->port, NULL);
    char scratch[8];
    part(h, CURLUPART_USER, scratch, sizeof scratch, &user);
    part(h, CURLUPART_PASSWORD, scratch, sizeof scratch, &password);
    curl_url_cleanup(h);
    if (!ok) {
        snprintf(err, errlen, "scheme, host or port too long");
        return -1;
    }
    for (char *c = u->scheme; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    u->userinfo = user || password;
    char written[sizeof u->host];
    written_host(s, written, sizeof written);
    u->rewritten = u->host[0] && !as_written(u->host, written);
    u->loopback = u->host[0] && !u->rewritten && loopback_host(u->host);
    u->secret_hook = secret_hook_host(u->host);
    return 0;
}

void lw_url_origin(const lw_url *u, char *out, size_t n)
{
    snprintf(out, n, "%s://%s%s%s", u->scheme, u->host, u->port[0] ? ":" : "", u->port);
}

void lw_url_printable(const char *s, char *out, size_t n)
{
    lw_url u;
    char err[128];
    if (lw_url_parse(s ? s : "", &u, err, sizeof err) < 0)
        snprintf(out, n, "(not a URL)");
    else
        lw_url_origin(&u, out, n);
}

void lw_url_encode(lw_buf *out, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        bool keep = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                    *c == '-' || *c == '.' || *c == '_' || *c == '~';
        if (keep)
            lw_buf_putc(out, (char)*c);
        else
            lw_buf_printf(out, "%%%c%c", hx[*c >> 4], hx[*c & 15]);
    }
}
