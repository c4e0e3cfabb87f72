/* json: the jsmn wrapper (tokenizing, incremental resume, walking, member
 * lookup, primitives, unescaping) and the JSON writer it pairs with.
 *
 * Invariants checked:
 *  - every token lies inside the input and inside its parent;
 *    lw_json_next skips exactly one subtree;
 *  - lw_json_get finds the first member with a given key, and nothing in
 *    a non-object;
 *  - an integer is also a number, a boolean is not; lw_jw_num writes a
 *    valid JSON number (or null) that reads back as the same value;
 *  - resuming a parse that stopped at an arbitrary cut (LW_JSON_PART) ends
 *    exactly as a parse of the whole text (the reassembler relies on it);
 *  - unescaped strings are valid UTF-8; lw_jw_str output is one valid JSON
 *    string that unescapes back to the sanitised input. */
#include <math.h>

#include "fuzz_common.h"
#include "common/json.h"

static void check_number(const lw_json *j, int t)
{
    double d;
    int64_t i;
    bool isnum = lw_json_num(j, t, &d);
    bool isint = lw_json_int(j, t, &i);
    int b = lw_json_bool(j, t);
    FUZZ_CHECK(b >= -1 && b <= 1);
    if (b >= 0)
        FUZZ_CHECK(!isnum && !isint);
    if (isint)
        FUZZ_CHECK(isnum);
    if (isint && fabs(d) < 1e15)
        FUZZ_CHECK(fabs(d - (double)i) < 1.0);
    if (!isnum)
        return;

    /* Write it back out: a JSON number (or null) that reads back the same. */
    lw_buf w = LW_BUF_INIT;
    lw_jw_num(&w, d);
    FUZZ_CHECK(w.len > 0);
    if (!isfinite(d)) {
        FUZZ_CHECK(w.len == 4 && !memcmp(w.p, "null", 4));
    } else {
        /* Inside an array: jsmn's strict mode wants a primitive delimited. */
        lw_buf arr = LW_BUF_INIT;
        lw_buf_putc(&arr, '[');
        lw_buf_append(&arr, w.p, w.len);
        lw_buf_putc(&arr, ']');
        lw_json k;
        lw_json_init(&k);
        FUZZ_CHECK(lw_json_parse(&k, arr.p, arr.len) == LW_JSON_OK);
        FUZZ_CHECK(k.n == 2 && k.tok[1].type == JSMN_PRIMITIVE);
        double back;
        FUZZ_CHECK(lw_json_num(&k, 1, &back) || w.len > 63);
        if (w.len <= 63 && fabs(d) < 1e15)
            FUZZ_CHECK(fabs(back - d) <= 0.0005 + fabs(d) * 1e-12);
        lw_json_free(&k);
        lw_buf_free(&arr);
    }
    lw_buf_free(&w);
}

static void check_object(const lw_json *j, int obj)
{
    int members = j->tok[obj].size;
    int kt = obj + 1;
    for (int m = 0; m < members; m++) {
        FUZZ_CHECK(kt + 1 < j->n);
        const jsmntok_t *k = &j->tok[kt];
        FUZZ_CHECK(k->type == JSMN_STRING && k->size == 1 && k->parent == obj);
        size_t kl = lw_json_rawlen(j, kt);
        const char *kp = lw_json_raw(j, kt);
        if (kl < 256 && !memchr(kp, '\0', kl)) {
            char key[256];
            memcpy(key, kp, kl);
            key[kl] = '\0';
            int v = lw_json_get(j, obj, key);
            /* The first member with this key: at or before this one. */
            FUZZ_CHECK(v > obj && v <= kt + 1 && v < j->n);
            FUZZ_CHECK(j->tok[v - 1].parent == obj && lw_json_eq(j, v - 1, key));
            FUZZ_CHECK(j->tok[v].parent == v - 1);
        }
        kt = lw_json_next(j, kt + 1);
    }
    FUZZ_CHECK(kt == lw_json_next(j, obj));
}

static void walk(const lw_json *j, const char *s, size_t size)
{
    FUZZ_CHECK(j->n > 0 && j->js == s);
    int top = 0;
    for (int t = 0; t < j->n; t++) {
        const jsmntok_t *k = &j->tok[t];
        FUZZ_CHECK(k->start >= 0 && k->end >= k->start && (size_t)k->end <= size);
        if (k->parent < 0) {
            /* Top-level values follow each other. */
            FUZZ_CHECK(t == top);
            top = lw_json_next(j, t);
        } else {
            FUZZ_CHECK(k->parent < t);
            const jsmntok_t *p = &j->tok[k->parent];
            if (p->type == JSMN_STRING) {
                /* A member value: its parent is the key, which it follows,
                 * inside the key's object. */
                FUZZ_CHECK(p->parent >= 0 && j->tok[p->parent].type == JSMN_OBJECT);
                FUZZ_CHECK(k->start >= p->end && k->end <= j->tok[p->parent].end);
            } else {
                FUZZ_CHECK(k->start >= p->start && k->end <= p->end);
            }
        }
        int nx = lw_json_next(j, t);
        FUZZ_CHECK(nx > t && nx <= j->n);
        FUZZ_CHECK(nx == j->n || j->tok[nx].start >= k->end);

        switch (k->type) {
        case JSMN_OBJECT:
            check_object(j, t);
            break;
        case JSMN_STRING: {
            lw_buf b = LW_BUF_INIT;
            int rc = lw_json_str(j, t, &b);
            FUZZ_CHECK(rc == 0 || rc == -1);
            FUZZ_UTF8(b.p, b.len);
            lw_buf_free(&b);
            FUZZ_CHECK(lw_json_get(j, t, "message") == -1);
            break;
        }
        case JSMN_PRIMITIVE:
            check_number(j, t);
            FUZZ_CHECK(lw_json_get(j, t, "message") == -1);
            break;
        default:
            FUZZ_CHECK(lw_json_get(j, t, "message") == -1);
            break;
        }
    }
    lw_json_path(j, 0, "record", "metrics", "durationMs", NULL);
}

static void check_resume(const char *s, size_t size, const lw_json *whole, int rc_whole, size_t cut)
{
    lw_json k;
    lw_json_init(&k);
    if (lw_json_parse(&k, s, cut) == LW_JSON_PART) {
        int rc = lw_json_resume(&k, s, size);
        FUZZ_CHECK(rc == rc_whole);
        if (rc == LW_JSON_OK) {
            FUZZ_CHECK(k.n == whole->n);
            for (int t = 0; t < k.n; t++) {
                const jsmntok_t *a = &k.tok[t], *b = &whole->tok[t];
                FUZZ_CHECK(a->type == b->type && a->start == b->start && a->end == b->end &&
                           a->size == b->size && a->parent == b->parent);
            }
        }
    }
    lw_json_free(&k);
}

static void check_string_roundtrip(const char *s, size_t size)
{
    lw_buf w = LW_BUF_INIT, u = LW_BUF_INIT, want = LW_BUF_INIT;
    lw_jw_str(&w, s, size);
    FUZZ_UTF8(w.p, w.len);
    lw_json k;
    lw_json_init(&k);
    FUZZ_CHECK(lw_json_parse(&k, w.p, w.len) == LW_JSON_OK);
    FUZZ_CHECK(k.n == 1 && k.tok[0].type == JSMN_STRING && k.tok[0].start == 1 &&
               (size_t)k.tok[0].end == w.len - 1);
    FUZZ_CHECK(lw_json_str(&k, 0, &u) == 0);
    lw_utf8_sanitize(&want, s, size);
    FUZZ_CHECK(u.len == want.len && (u.len == 0 || !memcmp(u.p, want.p, u.len)));
    lw_json_free(&k);
    lw_buf_free(&w);
    lw_buf_free(&u);
    lw_buf_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    lw_json j;
    lw_json_init(&j);
    int rc = lw_json_parse(&j, s, size);
    FUZZ_CHECK(rc == LW_JSON_OK || rc == LW_JSON_PART || rc == LW_JSON_INVAL || rc == LW_JSON_TOOBIG);
    if (rc == LW_JSON_OK)
        walk(&j, s, size);
    if (size >= 2) {
        /* Cut positions from the input itself: deterministic, and fuzzed. */
        check_resume(s, size, &j, rc, ((size_t)data[0] * 256 + data[size - 1]) % size);
        check_resume(s, size, &j, rc, size - 1);
    }
    lw_json_free(&j);

    lw_buf b = LW_BUF_INIT;
    int urc = lw_json_unescape(s, size, &b);
    FUZZ_CHECK(urc == 0 || urc == -1);
    FUZZ_UTF8(b.p, b.len);
    lw_buf_free(&b);

    check_string_roundtrip(s, size);
    return 0;
}
