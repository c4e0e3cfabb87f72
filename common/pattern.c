/* pattern: see pattern.h. */
#include "common/pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "common/buf.h"

/* ==== 1. literal prefilter ================================================ */

void lw_litset_init_cap(lw_litset *ls, int cap)
{
    memset(ls, 0, sizeof *ls);
    ls->cap = cap > 0 ? cap : LW_LIT_MAX;
}

void lw_litset_init(lw_litset *ls) { lw_litset_init_cap(ls, LW_LIT_MAX); }

int lw_litset_add(lw_litset *ls, const char *lit, bool nocase, uint32_t groups)
{
    size_t len = strlen(lit);
    if (!ls->cap)
        ls->cap = LW_LIT_MAX;
    if (ls->n >= ls->cap || len < 1 || len > LW_LIT_LEN || !groups || ls->db)
        return -1;
    if (!ls->lit)
        ls->lit = lw_xcalloc((size_t)ls->cap, sizeof *ls->lit);
    lw_lit *L = &ls->lit[ls->n++];
    memcpy(L->s, lit, len);
    L->len = (uint8_t)len;
    L->nocase = nocase;
    L->groups = groups;
    ls->all |= groups;
    return 0;
}

void lw_litset_free(lw_litset *ls)
{
    hs_free_scratch(ls->scratch);
    hs_free_database(ls->db);
    free(ls->lit);
    lw_litset_init(ls);
}

int lw_litset_build(lw_litset *ls, char *err, size_t errlen)
{
    if (ls->db) {
        snprintf(err, errlen, "prefilter built twice");
        return -1;
    }
    if (!ls->n) {
        snprintf(err, errlen, "prefilter has no literals");
        return -1;
    }
    size_t nl = (size_t)ls->n;
    const char **expr = lw_xcalloc(nl, sizeof *expr);
    size_t *len = lw_xcalloc(nl, sizeof *len);
    unsigned *flags = lw_xcalloc(nl, sizeof *flags), *ids = lw_xcalloc(nl, sizeof *ids);
    for (int i = 0; i < ls->n; i++) {
        expr[i] = ls->lit[i].s;
        len[i] = ls->lit[i].len;
        flags[i] = HS_FLAG_SINGLEMATCH | (ls->lit[i].nocase ? HS_FLAG_CASELESS : 0);
        ids[i] = (unsigned)i;
    }
    hs_compile_error_t *ce = NULL;
    hs_error_t rc = hs_compile_lit_multi(expr, flags, ids, len, (unsigned)ls->n, HS_MODE_BLOCK, NULL, &ls->db, &ce);
    free(expr);
    free(len);
    free(flags);
    free(ids);
    if (rc != HS_SUCCESS) {
        snprintf(err, errlen, "vectorscan: %s", ce && ce->message ? ce->message : "compile failed");
        hs_free_compile_error(ce);
        return -1;
    }
    if (hs_alloc_scratch(ls->db, &ls->scratch) != HS_SUCCESS) {
        snprintf(err, errlen, "vectorscan: cannot allocate scratch space");
        return -1;
    }
    return 0;
}

typedef struct hits {
    const lw_litset *ls;
    uint32_t found;
} hits;

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    hits *h = ctx;
    h->found |= h->ls->lit[id].groups;
    return h->found == h->ls->all; /* non-zero stops the scan */
}

/* hs_scan takes an unsigned length: longer strings go in overlapping
 * pieces, so a literal across a cut is still seen whole. Stops when the
 * callback stops the scan. */
static void scan_pieces(const lw_litset *ls, hs_scratch_t *scratch, const char *s, size_t n,
                        match_event_handler cb, void *ctx)
{
    const size_t piece = (size_t)1 << 30;
    for (size_t off = 0; off < n;) {
        size_t len = n - off < piece ? n - off : piece;
        hs_error_t rc = hs_scan(ls->db, s + off, (unsigned)len, 0, scratch, cb, ctx);
        if (rc == HS_SCAN_TERMINATED)
            return;
        if (rc != HS_SUCCESS) {
            fprintf(stderr, "lambdaward: prefilter: hs_scan failed (%d)\n", (int)rc);
            abort(); /* only misuse gets here: an unbuilt set, a scratch shared by two threads */
        }
        if (off + len == n)
            return;
        off += len - (LW_LIT_LEN - 1);
    }
}

uint32_t lw_litset_scan(const lw_litset *ls, const char *s, size_t n)
{
    hits h = {ls, 0};
    scan_pieces(ls, ls->scratch, s, n, on_hit, &h);
    return h.found;
}

struct hs_scratch *lw_litset_scratch_new(const lw_litset *ls)
{
    hs_scratch_t *s = NULL;
    return ls->db && hs_alloc_scratch(ls->db, &s) == HS_SUCCESS ? s : NULL;
}

void lw_litset_scratch_free(struct hs_scratch *scratch) { hs_free_scratch(scratch); }

typedef struct ids {
    uint8_t *seen;
    size_t count;
} ids;

static int on_id(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    ids *x = ctx;
    x->count += !x->seen[id];
    x->seen[id] = 1;
    return 0;
}

size_t lw_litset_scan_ids(const lw_litset *ls, struct hs_scratch *scratch, const char *s, size_t n, uint8_t *seen)
{
    ids x = {seen, 0};
    scan_pieces(ls, scratch, s, n, on_id, &x);
    return x.count;
}

/* ==== 2. PCRE2 ============================================================= */

pcre2_code *lw_re_compile(const char *pattern, uint32_t options, char *err, size_t errlen)
{
    int code = 0;
    PCRE2_SIZE off = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        if (err && errlen)
            snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
        return NULL;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* no JIT: the interpreter still works */
    return re;
}

