/* sts_parse: the XML of STS answers (see sts.h), read with expat. Pure:
 * no I/O, no allocation that outlives the call. Kept apart from sts.c so
 * the fuzz target and unit tests link it without libcurl or the loop.
 *
 * Only these paths are read (names are local: the xmlns is not checked,
 * as botocore does not check it either):
 *   <ActionResponse><ActionResult><Credentials><AccessKeyId|SecretAccessKey|
 *     SessionToken|Expiration>   and   ...<AssumedRoleUser><Arn>
 *   <ErrorResponse><Error><Code|Message>
 * A document type declaration stops the parse: STS never sends one, and
 * refusing it keeps entity expansion out entirely. */
#include "aws/sts.h"

#include <expat.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "common/wipe.h"

#define MAX_DEPTH 16

typedef struct field {
    char *dst;
    size_t cap, len;
    bool seen, overflow;
} field;

enum { F_AKID, F_SECRET, F_TOKEN, F_EXPIRATION, F_ARN, F_CODE, F_MESSAGE, F_N };

typedef struct ctx {
    XML_Parser xp;
    const char *action;
    int depth;
    char path[MAX_DEPTH][32]; /* element names so far, cut at 31 bytes */
    int in_field;             /* the field whose text is being read, or -1 */
    field f[F_N];
    char expiration[64];
    bool is_error, is_result, bad_root, doctype, too_deep;
} ctx;

static bool at(const ctx *c, int depth, const char *name) { return c->depth > depth && !strcmp(c->path[depth], name); }

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    ctx *c = ud;
    if (c->depth >= MAX_DEPTH) {
        c->too_deep = true;
        XML_StopParser(c->xp, XML_FALSE);
        return;
    }
    snprintf(c->path[c->depth], sizeof c->path[0], "%s", name);
    c->depth++;
    c->in_field = -1;
    char want[64];
    if (c->depth == 1) {
        snprintf(want, sizeof want, "%sResponse", c->action);
        c->is_result = !strcmp(name, want);
        c->is_error = !strcmp(name, "ErrorResponse");
        c->bad_root = !c->is_result && !c->is_error;
        return;
    }
    if (c->is_result && c->depth == 4) {
        snprintf(want, sizeof want, "%sResult", c->action);
        if (!at(c, 1, want))
            return;
        if (at(c, 2, "Credentials")) {
            static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
            for (int i = 0; i < 4; i++)
                if (!strcmp(name, names[i]))
                    c->in_field = i;
        } else if (at(c, 2, "AssumedRoleUser") && !strcmp(name, "Arn")) {
            c->in_field = F_ARN;
        }
    } else if (c->is_error && c->depth == 3 && at(c, 1, "Error")) {
        if (!strcmp(name, "Code"))
            c->in_field = F_CODE;
        else if (!strcmp(name, "Message"))
            c->in_field = F_MESSAGE;
    }
    if (c->in_field >= 0) {
        field *f = &c->f[c->in_field];
        if (f->len)
            lw_wipe(f->dst, f->cap); /* a repeated element: the last one counts */
        f->len = 0;
        f->seen = true;
        f->overflow = false;
    }
}

static void on_end(void *ud, const XML_Char *name)
{
    (void)name;
    ctx *c = ud;
    if (c->depth > 0)
        c->depth--;
    c->in_field = -1;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    ctx *c = ud;
    if (c->in_field < 0 || len <= 0)
        return;
    field *f = &c->f[c->in_field];
    if (f->len + (size_t)len >= f->cap) {
        f->overflow = true;
        return;
    }
    memcpy(f->dst + f->len, s, (size_t)len);
    f->len += (size_t)len;
    f->dst[f->len] = '\0';
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    ctx *c = ud;
    c->doctype = true;
    XML_StopParser(c->xp, XML_FALSE);
}

/* Whitespace around a value is the document's layout (the API reference's
 * own examples indent the token): trimmed. */
static void trim_field(field *f)
{
    size_t a = 0;
    while (a < f->len && strchr(" \t\r\n", f->dst[a]))
        a++;
    size_t e = f->len;
    while (e > a && strchr(" \t\r\n", f->dst[e - 1]))
        e--;
    memmove(f->dst, f->dst + a, e - a);
    lw_wipe(f->dst + (e - a), f->len - (e - a));
    f->len = e - a;
    f->dst[f->len] = '\0';
}

/* Keys and tokens are printable ASCII without spaces; a field with
 * anything else is not what was issued. */
static bool token_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127)
            return false;
    return true;
}

/* expat's buffers hold the secret while it parses: they are wiped before
 * they go back to the allocator (malloc_usable_size says how much). */
static void wiping_free(void *p)
{
    if (p)
        lw_wipe(p, malloc_usable_size(p));
    free(p);
}

static void *wiping_realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    void *q = malloc(n ? n : 1);
    if (!q)
        return NULL;
    size_t old = malloc_usable_size(p);
    memcpy(q, p, old < n ? old : n);
    wiping_free(p);
    return q;
}

static const XML_Memory_Handling_Suite wiping_mm = {malloc, wiping_realloc, wiping_free};

void lw_sts_result_wipe(lw_sts_result *r) { lw_wipe(r, sizeof *r); }

int lw_sts_parse(const char *action, const char *body, size_t n, lw_sts_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    ctx c;
    memset(&c, 0, sizeof c);
    c.action = action;
    c.in_field = -1;
    field init[F_N] = {
        {out->creds.access_key, sizeof out->creds.access_key, 0, 0, 0},
        {out->creds.secret_key, sizeof out->creds.secret_key, 0, 0, 0},
        {out->creds.session_token, sizeof out->creds.session_token, 0, 0, 0},
        {c.expiration, sizeof c.expiration, 0, 0, 0},
        {out->assumed_arn, sizeof out->assumed_arn, 0, 0, 0},
        {out->code, sizeof out->code, 0, 0, 0},
        {out->message, sizeof out->message, 0, 0, 0},
    };
    memcpy(c.f, init, sizeof init);
    int rc = -1;
    if (n > 1 << 20 || !body) {
        snprintf(err, errlen, "STS answer is %s", body ? "larger than 1 MiB" : "empty");
        goto done;
    }
    c.xp = XML_ParserCreate_MM("UTF-8", &wiping_mm, NULL);
    if (!c.xp) {
        snprintf(err, errlen, "out of memory for the XML parser");
        goto done;
    }
    XML_SetUserData(c.xp, &c);
    XML_SetElementHandler(c.xp, on_start, on_end);
    XML_SetCharacterDataHandler(c.xp, on_text);
    XML_SetStartDoctypeDeclHandler(c.xp, on_doctype);
    enum XML_Status st = XML_Parse(c.xp, body, (int)n, XML_TRUE);
    if (c.doctype) {
        snprintf(err, errlen, "STS answer has a document type declaration");
    } else if (c.too_deep) {
        snprintf(err, errlen, "STS answer nests more than %d elements", MAX_DEPTH);
    } else if (st != XML_STATUS_OK) {
        snprintf(err, errlen, "STS answer is not well-formed XML (line %lu: %s)",
                 (unsigned long)XML_GetCurrentLineNumber(c.xp), XML_ErrorString(XML_GetErrorCode(c.xp)));
    } else if (c.bad_root) {
        snprintf(err, errlen, "STS answer is neither %sResponse nor ErrorResponse", action);
    } else {
        for (int i = 0; i < F_N; i++) {
            if (c.f[i].overflow) {
                static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration",
                                                    "AssumedRoleUser/Arn", "Error/Code", "Error/Message"};
                snprintf(err, errlen, "STS answer: %s is too long", names[i]);
                goto parsed;
            }
        }
        if (c.is_error) {
            trim_field(&c.f[F_CODE]);
            trim_field(&c.f[F_MESSAGE]);
            if (!out->code[0]) {
                snprintf(err, errlen, "STS error answer has no Error/Code");
                goto parsed;
            }
            for (char *m = out->message; *m; m++)
                if ((unsigned char)*m < ' ' || *m == 127)
                    *m = ' ';
            for (char *m = out->code; *m; m++)
                if (!((*m >= 'A' && *m <= 'Z') || (*m >= 'a' && *m <= 'z') || (*m >= '0' && *m <= '9') || *m == '.'))
                    *m = '?';
            rc = 1;
            goto parsed;
        }
        for (int i = 0; i < F_N; i++)
            trim_field(&c.f[i]);
        static const char *const req[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
        for (int i = 0; i < 4; i++) {
            if (!c.f[i].seen || !c.f[i].len) {
                snprintf(err, errlen, "STS answer has no Credentials/%s", req[i]);
                goto parsed;
            }
            if (i < 3 && !token_chars(c.f[i].dst)) {
                snprintf(err, errlen, "STS answer: Credentials/%s holds characters no credential has", req[i]);
                goto parsed;
            }
        }
        int64_t ms = 0;
        size_t len = strlen(c.expiration);
        if (lw_parse_iso8601(c.expiration, len, &ms) != len || ms <= 0) {
            snprintf(err, errlen, "STS answer: Credentials/Expiration is not an ISO 8601 time");
            goto parsed;
        }
        out->creds.expires_ms = ms;
        rc = 0;
    }
parsed:
    XML_ParserFree(c.xp);
done:
    if (rc != 0)
        lw_wipe(&out->creds, sizeof out->creds);
    if (rc < 0) {
        out->code[0] = out->message[0] = out->assumed_arn[0] = '\0';
    }
    return rc;
}
