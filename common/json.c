/* json: see json.h. This file holds jsmn's implementation. */
#undef JSMN_HEADER
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "common/json.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"

void lw_json_init(lw_json *j)
{
    memset(j, 0, sizeof *j);
    jsmn_init(&j->parser);
}

void lw_json_free(lw_json *j)
{
    free(j->tok);
    memset(j, 0, sizeof *j);
}

static size_t skip_digits(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* RFC 8259 number grammar; jsmn's strict mode does not check it. */
static bool valid_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        i = skip_digits(s, n, i);
    else
        return false;
    /* A fraction and an exponent each need at least one digit. */
    if (i < n && s[i] == '.') {
        size_t d = i + 1;
        if ((i = skip_digits(s, n, d)) == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        if ((i = skip_digits(s, n, d)) == d)
            return false;
    }
    return i == n;
}


/* What strict jsmn still lets through: a key without exactly one value
 * ({"a":"b" "c":1}), a non-string key, a colon after anything but an
 * object key (["a":"b"], {"a":"b":"c"}, "a":"b"), a token outside its
 * parent ({"a"}:"x"}), and primitives that are neither a literal nor a
 * number ([thanx]). */
static bool validate(const lw_json *j)
{
    int prev_top_end = -1;
    for (int i = 0; i < j->n; i++) {
        const jsmntok_t *t = &j->tok[i];
        const jsmntok_t *p = t->parent >= 0 ? &j->tok[t->parent] : NULL;
        if (!p) {
            /* Several values back to back are fine ({..}{..}, as the
             * scanner splits them); anything but white space between them
             * ({..},{..}) is not. */
            if (prev_top_end >= 0)
                for (int k = prev_top_end; k < t->start; k++)
                    if (j->js[k] != ' ' && j->js[k] != '\t' && j->js[k] != '\r' && j->js[k] != '\n')
                        return false;
            prev_top_end = t->end;
        }
        bool is_key = p && p->type == JSMN_OBJECT;
        if (is_key) {
            if (t->type != JSMN_STRING || t->size != 1)
                return false;
        } else if ((t->type == JSMN_STRING || t->type == JSMN_PRIMITIVE) && t->size != 0) {
            return false; /* only object keys may be followed by a colon */
        }
        if (p && (t->start < p->start || t->end > p->end) && p->type != JSMN_STRING)
            return false;
        if (p && p->type == JSMN_STRING &&
            (t->start < p->end || (p->parent >= 0 && t->end > j->tok[p->parent].end)))
            return false; /* a value sits after its key, inside the key's object */
        if (t->type == JSMN_PRIMITIVE) {
            const char *s = j->js + t->start;
            size_t n = (size_t)(t->end - t->start);
            if (!((n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "null", 4))) ||
                  (n == 5 && !memcmp(s, "false", 5)) || valid_number(s, n)))
                return false;
        }
    }
    return true;
}

static int run(lw_json *j, const char *js, size_t len)
{
    if (len > LW_JSON_MAX_DOC)
        return LW_JSON_TOOBIG;
    j->js = js;
    if (!j->cap) {
        j->cap = 64;
        j->tok = lw_xmalloc(j->cap * sizeof *j->tok);
    }
    for (;;) {
        int r = jsmn_parse(&j->parser, js, len, j->tok, j->cap);
        j->n = (int)j->parser.toknext;
        if (r == JSMN_ERROR_NOMEM) {
            j->cap *= 2;
            j->tok = lw_xrealloc(j->tok, j->cap * sizeof *j->tok);
            continue;
        }
        if (r == JSMN_ERROR_PART)
            return LW_JSON_PART;
        if (r < 0)
            return LW_JSON_INVAL;
        if (j->n == 0)
            return LW_JSON_PART;
        return validate(j) ? LW_JSON_OK : LW_JSON_INVAL;
    }
}

int lw_json_parse(lw_json *j, const char *js, size_t len)
{
    jsmn_init(&j->parser);
    return run(j, js, len);
}

int lw_json_resume(lw_json *j, const char *js, size_t len) { return run(j, js, len); }

int lw_json_next(const lw_json *j, int t)
{
    int pending = 1;
    while (pending > 0 && t < j->n) {
        pending += j->tok[t].size;
        pending--;
        t++;
    }
    return t;
}

bool lw_json_eq(const lw_json *j, int t, const char *s)
{
    if (t < 0 || j->tok[t].type != JSMN_STRING)
        return false;
    size_t n = strlen(s);
    return lw_json_rawlen(j, t) == n && memcmp(lw_json_raw(j, t), s, n) == 0;
}

int lw_json_get(const lw_json *j, int obj, const char *key)
{
    if (obj < 0 || obj >= j->n || j->tok[obj].type != JSMN_OBJECT)
        return -1;
    size_t klen = strlen(key);
    int members = j->tok[obj].size;
    int t = obj + 1;
    for (int m = 0; m < members && t + 1 < j->n; m++) {
        const jsmntok_t *k = &j->tok[t];
        /* Keys are compared raw: our keys never need escapes, and an escaped
         * key in the input simply does not match. */
        if (k->type == JSMN_STRING && (size_t)(k->end - k->start) == klen &&
            memcmp(j->js + k->start, key, klen) == 0)
            return t + 1;
        t = lw_json_next(j, t + 1);
    }
    return -1;
}

int lw_json_path(const lw_json *j, int obj, ...)
{
    va_list ap;
    va_start(ap, obj);
    const char *k;
    while (obj >= 0 && (k = va_arg(ap, const char *)) != NULL)
        obj = lw_json_get(j, obj, k);
    va_end(ap);
    return obj;
}

/* The text of primitive token t; false when t is no primitive or empty. */
static bool primitive(const lw_json *j, int t, const char **s, size_t *n)
{
    if (t < 0 || j->tok[t].type != JSMN_PRIMITIVE)
        return false;
    *s = lw_json_raw(j, t);
    *n = lw_json_rawlen(j, t);
    return *n > 0;
}

bool lw_json_num(const lw_json *j, int t, double *out)
{
    const char *s;
    size_t n;
    if (!primitive(j, t, &s, &n) || n > 63 || !valid_number(s, n))
        return false;
    char tmp[64];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

bool lw_json_int(const lw_json *j, int t, int64_t *out)
{
    const char *s;
    size_t n;
    if (!primitive(j, t, &s, &n))
        return false;
    /* Fast path for the common case: plain integers such as epoch ms. */
    size_t i = s[0] == '-';
    if (n > i + 1 && s[i] == '0')
        return false; /* leading zero: not JSON */
    int64_t v = 0;
    if (n - i <= 18) {
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                break;
            v = v * 10 + (s[i] - '0');
        }
        if (i == n) {
            *out = s[0] == '-' ? -v : v;
            return true;
        }
    }
    double d;
    if (!lw_json_num(j, t, &d) || d > 9.2e18 || d < -9.2e18)
        return false;
    *out = (int64_t)d;
    return true;
}

int lw_json_bool(const lw_json *j, int t)
{
    if (t < 0 || j->tok[t].type != JSMN_PRIMITIVE)
        return -1;
    if (lw_json_rawlen(j, t) == 4 && !memcmp(lw_json_raw(j, t), "true", 4))
        return 1;
    if (lw_json_rawlen(j, t) == 5 && !memcmp(lw_json_raw(j, t), "false", 5))
        return 0;
    return -1;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

#define REPLACEMENT 0xFFFD

/* True when none of the 8 bytes is a backslash or has its high bit set. */
static inline bool plain8(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    uint64_t x = w ^ 0x5C5C5C5C5C5C5C5Cull;
    uint64_t bs = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
    return !((w & 0x8080808080808080ull) | bs);
}

/* One pass over the string, written straight into out: this runs on every
 * message of every event. The output is at most 3 bytes per input byte (an
 * invalid byte becomes U+FFFD), so reserving that up front keeps the loop
 * free of bounds checks. */
int lw_json_unescape(const char *s, size_t n, lw_buf *out)
{
    int rc = 0;
    lw_buf_reserve(out, 3 * n + 1);
    char *o = out->p + out->len;
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n && plain8(s + i)) {
            memcpy(o, s + i, 8);
            o += 8;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c != '\\') {
            if (c < 0x80) {
                *o++ = (char)c;
                i++;
                continue;
            }
            int l = lw_utf8_seqlen((const unsigned char *)s + i, n - i);
            if (l) {
                memcpy(o, s + i, (size_t)l);
                o += l;
                i += (size_t)l;
            } else {
                o = put_utf8(o, REPLACEMENT);
                i++;
            }
            continue;
        }
        if (i + 1 >= n) {
            o = put_utf8(o, REPLACEMENT);
            rc = -1;
            break;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (i + 4 > n || hex4(s + i, &cp) < 0) {
                o = put_utf8(o, REPLACEMENT);
                rc = -1;
                break;
            }
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' && hex4(s + i + 2, &lo) == 0 &&
                    lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else {
                    cp = REPLACEMENT; /* lone high surrogate */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = REPLACEMENT;     /* lone low surrogate */
            }
            o = put_utf8(o, cp);
            break;
        }
        default:
            o = put_utf8(o, REPLACEMENT);
            rc = -1;
        }
    }
    out->len = (size_t)(o - out->p);
    out->p[out->len] = '\0';
    return rc;
}

int lw_json_str(const lw_json *j, int t, lw_buf *out)
{
    if (!lw_json_is_str(j, t))
        return -1;
    return lw_json_unescape(lw_json_raw(j, t), lw_json_rawlen(j, t), out);
}
