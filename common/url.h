/*
 * url: judging a URL by parsing it (libcurl's URL API, the parser the
 * requests themselves go through), never by its prefix, so that
 * http://localhost.evil.example/ and http://localhost@evil.example/ are
 * not mistaken for loopback.
 *
 * A host is loopback when it is written as a literal 127.0.0.0/8 address,
 * ::1 or an IPv4-mapped ::ffff:127.x.y.z (inet_pton decides what a literal
 * is), or is exactly "localhost" (any case, one optional trailing dot).
 * libcurl rewrites numeric shorthand (0x7f.1, 2130706433, 127.1) and
 * percent-escapes in hosts before connecting; such a host is not loopback
 * here, since what a reader of the config sees is not what is connected to.
 *
 * Also what of a URL may be printed: scheme://host[:port] only, since a
 * webhook's path or query is often its credential (Slack, Teams, Discord).
 */
#ifndef LW_URL_H
#define LW_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

typedef struct lw_url {
    char scheme[16];   /* lower case: "https" */
    char host[256];    /* as libcurl connects to it; IPv6 in brackets; "" for file:/// */
    char port[8];      /* as written; "" when none */
    bool userinfo;     /* a user or password (even empty) was given */
    bool loopback;     /* see above */
    bool rewritten;    /* libcurl rewrote the host (0x7f.1, %-escapes): never loopback */
    bool secret_hook;  /* a Slack, Teams or Discord hook: the URL itself is a credential */
} lw_url;

/* Parses s into u. Returns 0, or -1 with why in err ("bad hostname"). */
int lw_url_parse(const char *s, lw_url *u, char *err, size_t errlen);

/* "scheme://host[:port]" of a parsed URL, for messages. */
void lw_url_origin(const lw_url *u, char *out, size_t n);

/* The origin of s, or "(not a URL)": the only form of a URL ever logged. */
void lw_url_printable(const char *s, char *out, size_t n);

/* Appends s percent-encoded as SigV4 and AWS query strings and form bodies
 * want it: RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) as they
 * are, every other byte as %XX (upper-case hex). */
void lw_url_encode(lw_buf *out, const char *s);

#endif
