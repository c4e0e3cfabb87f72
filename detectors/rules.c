/*
 * rules: the literal prefilter, PCRE2 helpers, and the `rules` detector
 * (user rules). See rules.h for the design.
 *
 * The `rules` detector: every TEXT, APP and PLATFORM message, and the raw
 * HTTP request of every sensor event, is matched against each rule. The
 * first `max_per_window` matches of one rule on one function within
 * `window_s` are findings of their own (identity: the log event: its
 * CloudWatch event id, else its time and a hash of the message; the sensor
 * event id for sensor records); later ones in that window are folded into
 * one finding with `count` when the window closes (tick, flush, or the
 * next match after it). Memory: one 32-byte window per (function, rule),
 * at most `max_keys` (past that, every match is reported on its own: never
 * lost). PCRE2's match limit bounds a pathological pattern; a line that
 * hits it counts as no match and is counted in `errors`.
 */
#include "detectors/rules.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jsonw.h"
#include "common/map.h"
#include "common/ser.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/redact.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LW_LIT_X86 1
#endif

/* ==== 1. literal prefilter ================================================ */

void lw_litset_init(lw_litset *ls)
{
    memset(ls, 0, sizeof *ls);
    ls->scan = NULL;
}

static unsigned char fold(unsigned char c) { return (unsigned char)tolower(c); }

/* Exact comparison of literal L at s[start..]: 4 bytes are readable there
 * and the literal fits (see verify()). */
static inline bool lit_at(const lw_lit *L, const unsigned char *s)
{
    uint32_t h;
    memcpy(&h, s, 4);
    if ((h & L->headmask) != L->head)
        return false;
    if (L->len <= 4)
        return true;
    if (!L->nocase)
        return memcmp(s + 4, L->s + 4, L->len - 4u) == 0;
    for (unsigned k = 4; k < L->len; k++)
        if (fold(s[k]) != fold((unsigned char)L->s[k]))
            return false;
    return true;
}

/* A candidate window at s[p..p+3) in the buckets of `bits`: returns the
 * groups of the literals that really occur there. */
static uint32_t verify(const lw_litset *ls, const unsigned char *s, size_t n, size_t p, unsigned bits, uint32_t found)
{
    while (bits) {
        int b = __builtin_ctz(bits);
        bits &= bits - 1;
        for (int k = 0; k < ls->nbucket[b]; k++) {
            const lw_lit *L = &ls->lit[ls->bucket[b][k]];
            if (!(L->groups & ~found) || p < L->anchor)
                continue;
            size_t start = p - L->anchor;
            if (start + L->len > n)
                continue;
            bool hit;
            if (start + 4 <= n) {
                hit = lit_at(L, s + start);
            } else { /* a 3-byte literal at the very end */
                unsigned char tmp[LW_LIT_LEN + 4] = {0};
                memcpy(tmp, s + start, n - start);
                hit = lit_at(L, tmp);
            }
            if (hit)
                found |= L->groups;
        }
    }
    return found;
}

/* Portable: exact byte tables, three loads per position. */
static uint32_t scan_c(const lw_litset *ls, const unsigned char *s, size_t n)
{
    uint32_t found = 0;
    const uint8_t *b0 = ls->byte[0], *b1 = ls->byte[1], *b2 = ls->byte[2];
    for (size_t i = 0; i + LW_LIT_WIN <= n; i++) {
        unsigned bits = b0[s[i]] & b1[s[i + 1]] & b2[s[i + 2]];
        if (bits) {
            found = verify(ls, s, n, i, bits, found);
            if (found == ls->all)
                break;
        }
    }
    return found;
}

#ifdef LW_LIT_X86
#define LOOKUP256(x, a, b)                                                \
    _mm256_and_si256(_mm256_shuffle_epi8((a), _mm256_and_si256((x), lo)), \
                     _mm256_shuffle_epi8((b), _mm256_and_si256(_mm256_srli_epi16((x), 4), lo)))

/* Candidate mask of the 32 windows starting at p[0..32) (reads p[0..34)). */
__attribute__((target("avx2"))) static inline uint32_t block_avx2(const __m256i t[6], const unsigned char *p,
                                                                   uint8_t rb[32])
{
    const __m256i lo = _mm256_set1_epi8(0x0f);
    __m256i x0 = _mm256_loadu_si256((const __m256i *)p);
    __m256i x1 = _mm256_loadu_si256((const __m256i *)(p + 1));
    __m256i x2 = _mm256_loadu_si256((const __m256i *)(p + 2));
    __m256i r = _mm256_and_si256(LOOKUP256(x0, t[0], t[1]), LOOKUP256(x1, t[2], t[3]));
    r = _mm256_and_si256(r, LOOKUP256(x2, t[4], t[5]));
    uint32_t m = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, _mm256_setzero_si256()));
    if (m)
        _mm256_storeu_si256((__m256i *)rb, r);
    return m;
}

__attribute__((target("avx2"))) static uint32_t scan_avx2(const lw_litset *ls, const unsigned char *s, size_t n)
{
    __m256i t[6];
    for (int k = 0; k < 6; k++)
        t[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ls->tab[k]));
    uint32_t found = 0;
    uint8_t rb[32];
    size_t i = 0;
    for (; i + 34 <= n; i += 32) {
        uint32_t m = block_avx2(t, s + i, rb);
        if (!m)
            continue;
        while (m) {
            int p = __builtin_ctz(m);
            m &= m - 1;
            found = verify(ls, s, n, i + (size_t)p, rb[p], found);
        }
        if (found == ls->all)
            return found;
    }
    if (i + LW_LIT_WIN > n)
        return found;
    /* The last windows: one more block ending at the end of the string
     * (overlapping windows already seen are masked), or for a short
     * string a zero-padded copy. Candidates are verified in place. */
    size_t j;
    uint32_t m;
    if (n >= 34) {
        j = n - 34;
        m = block_avx2(t, s + j, rb) & ~((1u << (i - j)) - 1); /* 1 <= i - j <= 31 */
    } else {
        unsigned char pad[64] = {0};
        memcpy(pad, s, n);
        j = 0;
        m = block_avx2(t, pad, rb);
        size_t nwin = n - (LW_LIT_WIN - 1);
        m &= (uint32_t)((1ull << nwin) - 1);
    }
    while (m) {
        int p = __builtin_ctz(m);
        m &= m - 1;
        found = verify(ls, s, n, j + (size_t)p, rb[p], found);
    }
    return found;
}

#define LOOKUP128(x, a, b) \
    _mm_and_si128(_mm_shuffle_epi8((a), _mm_and_si128((x), lo)), _mm_shuffle_epi8((b), _mm_and_si128(_mm_srli_epi16((x), 4), lo)))

__attribute__((target("ssse3"))) static inline uint32_t block_ssse3(const __m128i t[6], const unsigned char *p,
                                                                     uint8_t rb[16])
{
    const __m128i lo = _mm_set1_epi8(0x0f);
    __m128i x0 = _mm_loadu_si128((const __m128i *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 1));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 2));
    __m128i r = _mm_and_si128(LOOKUP128(x0, t[0], t[1]), LOOKUP128(x1, t[2], t[3]));
    r = _mm_and_si128(r, LOOKUP128(x2, t[4], t[5]));
    uint32_t m = ~(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(r, _mm_setzero_si128())) & 0xffff;
    if (m)
        _mm_storeu_si128((__m128i *)rb, r);
    return m;
}

__attribute__((target("ssse3"))) static uint32_t scan_ssse3(const lw_litset *ls, const unsigned char *s, size_t n)
{
    __m128i t[6];
    for (int k = 0; k < 6; k++)
        t[k] = _mm_loadu_si128((const __m128i *)ls->tab[k]);
    uint32_t found = 0;
    uint8_t rb[16];
    size_t i = 0;
    for (; i + 18 <= n; i += 16) {
        uint32_t m = block_ssse3(t, s + i, rb);
        if (!m)
            continue;
        while (m) {
            int p = __builtin_ctz(m);
            m &= m - 1;
            found = verify(ls, s, n, i + (size_t)p, rb[p], found);
        }
        if (found == ls->all)
            return found;
    }
    if (i + LW_LIT_WIN > n)
        return found;
    size_t j;
    uint32_t m;
    if (n >= 18) {
        j = n - 18;
        m = block_ssse3(t, s + j, rb) & ~((1u << (i - j)) - 1); /* 1 <= i - j <= 15 */
    } else {
        unsigned char pad[32] = {0};
        memcpy(pad, s, n);
        j = 0;
        m = block_ssse3(t, pad, rb) & ((1u << (n - (LW_LIT_WIN - 1))) - 1);
    }
    while (m) {
        int p = __builtin_ctz(m);
        m &= m - 1;
        found = verify(ls, s, n, j + (size_t)p, rb[p], found);
    }
    return found;
}
#endif

#ifdef LW_LIT_X86
/* Candidate mask of the 64 windows at p; x0..x2 are p[0..64), p[1..65),
 * p[2..66). VPERMI2B looks at 7 bits: a byte >= 0x80 aliases an ASCII
 * entry, which can only add a candidate that verify() then rejects. */
#define VBMI_BLOCK(t, x0, x1, x2)                                                                        \
    _mm512_and_si512(_mm512_and_si512(_mm512_permutex2var_epi8((t)[0], (x0), (t)[1]),                   \
                                      _mm512_permutex2var_epi8((t)[2], (x1), (t)[3])),                  \
                     _mm512_permutex2var_epi8((t)[4], (x2), (t)[5]))

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static uint32_t scan_vbmi(const lw_litset *ls,
                                                                                const unsigned char *s, size_t n)
{
    __m512i t[2 * LW_LIT_WIN];
    for (int k = 0; k < LW_LIT_WIN; k++) {
        t[2 * k] = _mm512_loadu_si512((const void *)ls->byte[k]);
        t[2 * k + 1] = _mm512_loadu_si512((const void *)(ls->byte[k] + 64));
    }
    uint32_t found = 0;
    uint8_t rb[64];
    size_t i = 0;
    for (; i + 66 <= n; i += 64) {
        __m512i r = VBMI_BLOCK(t, _mm512_loadu_si512((const void *)(s + i)), _mm512_loadu_si512((const void *)(s + i + 1)),
                               _mm512_loadu_si512((const void *)(s + i + 2)));
        uint64_t m = _mm512_test_epi8_mask(r, r);
        if (!m)
            continue;
        _mm512_storeu_si512((void *)rb, r);
        while (m) {
            int p = __builtin_ctzll(m);
            m &= m - 1;
            found = verify(ls, s, n, i + (size_t)p, rb[p], found);
        }
        if (found == ls->all)
            return found;
    }
    if (i + LW_LIT_WIN > n)
        return found;
    /* The tail: masked loads read nothing past the end. */
    size_t left = n - i; /* 3..65 */
    uint64_t l0 = left >= 64 ? ~0ull : (1ull << left) - 1;
    uint64_t l1 = left - 1 >= 64 ? ~0ull : (1ull << (left - 1)) - 1;
    uint64_t l2 = (1ull << (left - 2)) - 1; /* the windows that fit: left - 2 <= 63 */
    __m512i r = VBMI_BLOCK(t, _mm512_maskz_loadu_epi8(l0, s + i), _mm512_maskz_loadu_epi8(l1, s + i + 1),
                           _mm512_maskz_loadu_epi8(l2, s + i + 2));
    uint64_t m = _mm512_test_epi8_mask(r, r) & l2;
    if (m)
        _mm512_storeu_si512((void *)rb, r);
    while (m) {
        int p = __builtin_ctzll(m);
        m &= m - 1;
        found = verify(ls, s, n, i + (size_t)p, rb[p], found);
    }
    return found;
}
#endif

static lw_litscan_fn pick_scan(void)
{
#ifdef LW_LIT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw"))
        return scan_vbmi;
    if (__builtin_cpu_supports("avx2"))
        return scan_avx2;
    if (__builtin_cpu_supports("ssse3"))
        return scan_ssse3;
#endif
    return scan_c;
}

int lw_litset_use(lw_litset *ls, int impl)
{
    switch (impl) {
    case 0: ls->scan = scan_c; return 0;
#ifdef LW_LIT_X86
    case 1:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("ssse3"))
            return -1;
        ls->scan = scan_ssse3;
        return 0;
    case 2:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2"))
            return -1;
        ls->scan = scan_avx2;
        return 0;
    case 3:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx512vbmi") || !__builtin_cpu_supports("avx512bw"))
            return -1;
        ls->scan = scan_vbmi;
        return 0;
#endif
    default: return -1;
    }
}

/* Rough share of a byte in log text: what a false candidate costs. */
static double byte_weight(int x)
{
    if (islower(x) || isdigit(x) || x == ' ')
        return 1.0;
    if (isupper(x) || x == '.' || x == '-' || x == '_' || x == '/' || x == ':' || x == ',' || x == '"' || x == '=')
        return 0.3;
    if (x >= 0x21 && x < 0x7f)
        return 0.05;
    return 0.02;
}

/* Nibble masks of a set of windows: bit x of lo[k] = some window has low
 * nibble x at byte k. A bucket accepts every byte whose nibbles are both
 * set, which is where false candidates come from. */
typedef struct nib {
    uint16_t lo[LW_LIT_WIN], hi[LW_LIT_WIN];
} nib;

static void nib_or(nib *a, const nib *b)
{
    for (int k = 0; k < LW_LIT_WIN; k++) {
        a->lo[k] |= b->lo[k];
        a->hi[k] |= b->hi[k];
    }
}

/* Expected share of byte triples a bucket accepts (lower is better). */
static double nib_cost(const nib *m, const double w[256])
{
    double n = 1;
    for (int k = 0; k < LW_LIT_WIN; k++) {
        double t = 0;
        for (int h = 0; h < 16; h++)
            if (m->hi[k] >> h & 1)
                for (int l = 0; l < 16; l++)
                    if (m->lo[k] >> l & 1)
                        t += w[h * 16 + l];
        n *= t;
    }
    return n;
}

static bool same_window(const lw_lit *a, const lw_lit *b)
{
    for (int k = 0; k < LW_LIT_WIN; k++)
        if (fold((unsigned char)a->s[a->anchor + k]) != fold((unsigned char)b->s[b->anchor + k]))
            return false;
    return true;
}

int lw_litset_add(lw_litset *ls, const char *lit, unsigned anchor, bool nocase, uint32_t groups)
{
    size_t len = strlen(lit);
    if (ls->n >= LW_LIT_MAX || len < LW_LIT_WIN || len > LW_LIT_LEN || anchor + LW_LIT_WIN > len || !groups)
        return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)lit[i] >= 0x80)
            return -1; /* ASCII only: the byte tables have 128 entries */
    lw_lit *L = &ls->lit[ls->n++];
    memset(L, 0, sizeof *L);
    memcpy(L->s, lit, len);
    L->len = (uint8_t)len;
    L->anchor = (uint8_t)anchor;
    L->nocase = nocase;
    L->groups = groups;
    /* The head check of lit_at(): the first (up to) 4 bytes, case folded. */
    for (unsigned k = 0; k < 4 && k < len; k++) {
        unsigned char c = (unsigned char)lit[k];
        uint32_t m = 0xff;
        if (nocase && isalpha(c)) {
            m = 0xdf;
            c = (unsigned char)toupper(c);
        }
        L->head |= (uint32_t)(c & m) << (8 * k);
        L->headmask |= m << (8 * k);
    }
    ls->all |= groups;
    ls->scan = NULL; /* lw_litset_build() again */
    return 0;
}

/* Literals are grouped in units (same folded window: inseparable), units
 * are placed in the 8 buckets greedily, most expensive first, then moved
 * one at a time while that lowers the summed cost. */
void lw_litset_build(lw_litset *ls)
{
    double w[256];
    for (int x = 0; x < 256; x++)
        w[x] = byte_weight(x);
    int unit[LW_LIT_MAX], nunits = 0, rep[LW_LIT_MAX];
    nib un[LW_LIT_MAX];
    memset(un, 0, sizeof un);
    for (int i = 0; i < ls->n; i++) {
        const lw_lit *L = &ls->lit[i];
        int u = -1;
        for (int j = 0; j < nunits && u < 0; j++)
            if (same_window(&ls->lit[rep[j]], L))
                u = j;
        if (u < 0) {
            u = nunits++;
            rep[u] = i;
        }
        unit[i] = u;
        unsigned nvar = L->nocase ? 1u << LW_LIT_WIN : 1;
        for (unsigned v = 0; v < nvar; v++) {
            for (int k = 0; k < LW_LIT_WIN; k++) {
                unsigned char c = (unsigned char)L->s[L->anchor + k];
                if (L->nocase)
                    c = (unsigned char)((v >> k) & 1 ? toupper(c) : tolower(c));
                un[u].lo[k] |= (uint16_t)(1u << (c & 15));
                un[u].hi[k] |= (uint16_t)(1u << (c >> 4));
            }
        }
    }
    /* Greedy, most expensive unit first. */
    int order[LW_LIT_MAX], where[LW_LIT_MAX];
    double ucost[LW_LIT_MAX];
    for (int u = 0; u < nunits; u++) {
        order[u] = u;
        ucost[u] = nib_cost(&un[u], w);
    }
    for (int i = 1; i < nunits; i++)
        for (int j = i; j > 0 && ucost[order[j]] > ucost[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    nib bm[8];
    memset(bm, 0, sizeof bm);
    for (int i = 0; i < nunits; i++) {
        int u = order[i], best = 0;
        double bestd = 0;
        for (int b = 0; b < 8; b++) {
            nib t = bm[b];
            nib_or(&t, &un[u]);
            bool empty = !bm[b].lo[0];
            double d = nib_cost(&t, w) - (empty ? 0 : nib_cost(&bm[b], w));
            if (b == 0 || d < bestd) {
                bestd = d;
                best = b;
            }
        }
        where[u] = best;
        nib_or(&bm[best], &un[u]);
    }
    /* Local search: move single units while the total drops. */
    for (int pass = 0; pass < 16; pass++) {
        bool moved = false;
        for (int u = 0; u < nunits; u++) {
            int from = where[u];
            nib rest;
            memset(&rest, 0, sizeof rest);
            for (int v = 0; v < nunits; v++)
                if (v != u && where[v] == from)
                    nib_or(&rest, &un[v]);
            double gain_from = nib_cost(&bm[from], w) - (rest.lo[0] ? nib_cost(&rest, w) : 0);
            for (int b = 0; b < 8; b++) {
                if (b == from)
                    continue;
                nib t = bm[b];
                nib_or(&t, &un[u]);
                double add = nib_cost(&t, w) - (bm[b].lo[0] ? nib_cost(&bm[b], w) : 0);
                if (add + 1e-12 < gain_from) {
                    where[u] = b;
                    bm[from] = rest;
                    bm[b] = t;
                    moved = true;
                    break;
                }
            }
        }
        if (!moved)
            break;
    }
    memset(ls->tab, 0, sizeof ls->tab);
    memset(ls->nbucket, 0, sizeof ls->nbucket);
    for (int i = 0; i < ls->n; i++) {
        int b = where[unit[i]];
        ls->bucket[b][ls->nbucket[b]++] = (uint8_t)i;
    }
    memset(ls->byte, 0, sizeof ls->byte);
    for (int i = 0; i < ls->n; i++) {
        const lw_lit *L = &ls->lit[i];
        uint8_t bit = (uint8_t)(1u << where[unit[i]]);
        for (int k = 0; k < LW_LIT_WIN; k++) {
            unsigned char c = (unsigned char)L->s[L->anchor + k];
            if (c < 128) {
                ls->byte[k][c] |= bit;
                if (L->nocase) {
                    ls->byte[k][tolower(c)] |= bit;
                    ls->byte[k][toupper(c)] |= bit;
                }
            }
        }
    }
    for (int b = 0; b < 8; b++)
        for (int k = 0; k < LW_LIT_WIN; k++)
            for (int x = 0; x < 16; x++) {
                if (bm[b].lo[k] >> x & 1)
                    ls->tab[2 * k][x] |= (uint8_t)(1u << b);
                if (bm[b].hi[k] >> x & 1)
                    ls->tab[2 * k + 1][x] |= (uint8_t)(1u << b);
            }
    ls->scan = pick_scan();
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

void lw_rx_excerpt(lw_buf *out, const char *s, size_t n, size_t at, size_t max, const size_t (*masks)[2],
                   int nmasks, size_t keep)
{
    lw_buf_reset(out);
    if (at > n)
        at = n;
    size_t a = at > max / 3 ? at - max / 3 : 0;
    size_t b = a + max < n ? a + max : n;
    /* Cut on character boundaries (a UTF-8 continuation byte is 10xxxxxx). */
    while (a > 0 && a < n && ((unsigned char)s[a] & 0xc0) == 0x80)
        a--;
    while (b < n && b > a && ((unsigned char)s[b] & 0xc0) == 0x80)
        b--;
    /* Never cut a masked span in two: widen to include it whole. */
    for (int k = 0; k < nmasks; k++) {
        if (masks[k][0] < a && masks[k][1] > a)
            a = masks[k][0];
        if (masks[k][0] < b && masks[k][1] > b)
            b = masks[k][1];
    }
    lw_buf raw = LW_BUF_INIT;
    for (size_t i = a; i < b;) {
        int hit = -1;
        for (int k = 0; k < nmasks && hit < 0; k++)
            if (masks[k][0] == i && masks[k][1] > i)
                hit = k;
        if (hit >= 0) {
            size_t len = masks[hit][1] - i;
            lw_buf_append(&raw, s + i, len < keep ? len : keep);
            lw_buf_puts(&raw, LW_MASK);
            i = masks[hit][1];
            continue;
        }
        size_t j = i + 1;
        while (j < b) {
            bool starts = false;
            for (int k = 0; k < nmasks && !starts; k++)
                starts = masks[k][0] == j;
            if (starts)
                break;
            j++;
        }
        lw_buf_append(&raw, s + i, j - i);
        i = j;
    }
    lw_buf red = LW_BUF_INIT;
    lw_redact(raw.p ? raw.p : "", raw.len, &red);
    if (a > 0)
        lw_buf_puts(out, "...");
    size_t limit = max + 16; /* the masks and "..." may add a little */
    size_t i = 0;
    while (i < red.len && i < limit) {
        unsigned char c = (unsigned char)red.p[i];
        if (c < 0x80) {
            lw_buf_putc(out, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
            i++;
            continue;
        }
        int l = lw_utf8_seqlen((const unsigned char *)red.p + i, red.len - i);
        if (l <= 0) /* lw_redact's output is valid UTF-8; be safe anyway */
            l = 1;
        if (i + (size_t)l > limit)
            break;
        lw_buf_append(out, red.p + i, (size_t)l);
        i += (size_t)l;
    }
    if (b < n || i < red.len)
        lw_buf_puts(out, "...");
    lw_buf_free(&raw);
    lw_buf_free(&red);
}

/* ==== 3. user rules ======================================================== */

struct lw_rule {
    atomic_int refs;
    char name[LW_RULE_NAME_MAX + 1];
    char detector[LW_RULE_NAME_MAX + 6]; /* "rule:" + name */
    lw_severity sev;
    pcre2_code *code;
};

struct lw_ruleset {
    lw_rule **v;
    size_t n, cap;
};

static lw_rule *rule_ref(lw_rule *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

static void rule_unref(lw_rule *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        pcre2_code_free(r->code);
        free(r);
    }
}

lw_ruleset *lw_ruleset_new(void) { return lw_xcalloc(1, sizeof(lw_ruleset)); }

static void ruleset_clear(lw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        rule_unref(rs->v[i]);
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

void lw_ruleset_free(lw_ruleset *rs)
{
    if (!rs)
        return;
    ruleset_clear(rs);
    free(rs);
}

size_t lw_ruleset_count(const lw_ruleset *rs) { return rs ? rs->n : 0; }

#define RULE_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

int lw_rule_check(const char *pattern, char *err, size_t errlen)
{
    if (!pattern || !*pattern) {
        snprintf(err, errlen, "empty pattern");
        return -1;
    }
    pcre2_code *re = lw_re_compile(pattern, RULE_OPTIONS, err, errlen);
    if (!re)
        return -1;
    pcre2_code_free(re);
    return 0;
}

int lw_ruleset_add(lw_ruleset *rs, const char *name, const char *pattern, lw_severity sev, char *err, size_t errlen)
{
    char tmp[8];
    if (!err || !errlen) {
        err = tmp;
        errlen = sizeof tmp;
    }
    size_t nl = name ? strlen(name) : 0;
    if (nl == 0 || nl > LW_RULE_NAME_MAX) {
        snprintf(err, errlen, "rule name must be 1 to %d characters", LW_RULE_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.')) {
            snprintf(err, errlen, "rule name '%s': only letters, digits, '_', '-' and '.'", name);
            return -1;
        }
    }
    if (sev < LW_SEV_INFO || sev > LW_SEV_CRITICAL) {
        snprintf(err, errlen, "rule '%s': severity %d is not a severity", name, (int)sev);
        return -1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        if (!strcmp(rs->v[i]->name, name)) {
            snprintf(err, errlen, "rule '%s' is defined twice", name);
            return -1;
        }
    }
    if (!pattern || !*pattern) {
        snprintf(err, errlen, "rule '%s': empty pattern", name);
        return -1;
    }
    char msg[200];
    pcre2_code *re = lw_re_compile(pattern, RULE_OPTIONS, msg, sizeof msg);
    if (!re) {
        snprintf(err, errlen, "rule '%s': %s", name, msg);
        return -1;
    }
    lw_rule *r = lw_xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    memcpy(r->name, name, nl + 1);
    snprintf(r->detector, sizeof r->detector, "rule:%s", name);
    r->sev = sev;
    r->code = re;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->v = lw_xrealloc(rs->v, rs->cap * sizeof *rs->v);
    }
    rs->v[rs->n++] = r;
    return 0;
}

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static lw_ruleset g_rules;

int lw_rules_add(const char *name, const char *pattern, lw_severity sev, char *err, size_t errlen)
{
    pthread_mutex_lock(&g_mu);
    int rc = lw_ruleset_add(&g_rules, name, pattern, sev, err, errlen);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void lw_rules_clear(void)
{
    pthread_mutex_lock(&g_mu);
    ruleset_clear(&g_rules);
    pthread_mutex_unlock(&g_mu);
}

/* ---- the detector ---------------------------------------------------------- */

/* One (function, rule) window. */
typedef struct rwin {
    int64_t start_ms, last_ms;
    uint64_t matches; /* in this window */
    uint64_t folded;  /* of which not reported one by one */
} rwin;

typedef struct rules_det {
    lw_rules_cfg cfg;
    lw_rule **rules;
    size_t nrules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    lw_keyed win; /* key: function \x1f rule name */
    lw_finding f;
    lw_buf excerpt, match, key;
    char idkey[96];
    uint64_t errors;
} rules_det;

static const lw_option options[] = {
    LW_OPT("max_per_window", LW_OPT_INT, "5", offsetof(lw_rules_cfg, max_per_window), 0, 1e6,
           "matches of one rule on one function reported one by one per window; later ones are folded into one "
           "finding with a count"),
    LW_OPT("window_s", LW_OPT_DURATION, "300", offsetof(lw_rules_cfg, window_s), 0, 86400,
           "the folding window, in event time"),
    LW_OPT("max_keys", LW_OPT_INT, "10000", offsetof(lw_rules_cfg, max_keys), 1, 1e6,
           "(function, rule) windows tracked at once (32 bytes each); past it every match is reported"),
    LW_OPT("max_scan_bytes", LW_OPT_SIZE, "262144", offsetof(lw_rules_cfg, max_scan_bytes), 1, 16 * 1024 * 1024,
           "bytes of each message matched (CloudWatch events are at most 256 KB)"),
    LW_OPT("match_limit", LW_OPT_INT, "1000000", offsetof(lw_rules_cfg, match_limit), 1000, 4e9,
           "PCRE2 match limit per line and rule: bounds a backtracking pattern (a line over it counts as no match)"),
    LW_OPT("excerpt_bytes", LW_OPT_SIZE, "200", offsetof(lw_rules_cfg, excerpt_bytes), 1, 65536,
           "bytes of the redacted line kept in evidence"),
    LW_OPT_END,
};

static void *create(const void *cfgp)
{
    const lw_rules_cfg *cfg = cfgp;
    rules_det *d = lw_xcalloc(1, sizeof *d);
    d->cfg = *cfg;
    d->cfg.rules = NULL;
    const lw_ruleset *rs = cfg->rules;
    if (!rs)
        pthread_mutex_lock(&g_mu);
    const lw_ruleset *src = rs ? rs : &g_rules;
    if (src->n) {
        d->rules = lw_xcalloc(src->n, sizeof *d->rules);
        for (size_t i = 0; i < src->n; i++)
            d->rules[i] = rule_ref(src->v[i]);
        d->nrules = src->n;
    }
    if (!rs)
        pthread_mutex_unlock(&g_mu);
    d->md = pcre2_match_data_create(1, NULL);
    d->mctx = pcre2_match_context_create(NULL);
    double lim = d->cfg.match_limit >= 1000 && d->cfg.match_limit <= 4e9 ? d->cfg.match_limit : 1000000;
    pcre2_set_match_limit(d->mctx, (uint32_t)lim);
    d->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    if (d->jit)
        pcre2_jit_stack_assign(d->mctx, NULL, d->jit);
    double mk = d->cfg.max_keys >= 1 ? d->cfg.max_keys : 1;
    lw_keyed_init(&d->win, sizeof(rwin), (size_t)mk);
    if (!d->md || !d->mctx) {
        fprintf(stderr, "lambdaward: rules: out of memory\n");
        abort();
    }
    return d;
}

static void destroy(void *self)
{
    rules_det *d = self;
    for (size_t i = 0; i < d->nrules; i++)
        rule_unref(d->rules[i]);
    free(d->rules);
    pcre2_match_data_free(d->md);
    pcre2_match_context_free(d->mctx);
    if (d->jit)
        pcre2_jit_stack_free(d->jit);
    lw_keyed_free(&d->win);
    lw_finding_free(&d->f);
    lw_buf_free(&d->excerpt);
    lw_buf_free(&d->match);
    lw_buf_free(&d->key);
    free(d);
}

static const lw_rule *rule_named(const rules_det *d, const char *name, size_t n)
{
    for (size_t i = 0; i < d->nrules; i++)
        if (strlen(d->rules[i]->name) == n && !memcmp(d->rules[i]->name, name, n))
            return d->rules[i];
    return NULL;
}

/* The folded matches of a closed window, as one finding. */
static void close_window(rules_det *d, const char *key, size_t klen, rwin *w, const lw_emitter *out)
{
    const char *sep = memchr(key, '\x1f', klen);
    const lw_rule *r = sep ? rule_named(d, sep + 1, klen - (size_t)(sep + 1 - key)) : NULL;
    if (r && w->folded) {
        lw_finding *f = &d->f;
        lw_finding_init(f, r->detector, r->sev, NULL);
        f->function = (lw_str){key, (size_t)(sep - key)};
        f->time_ms = w->start_ms;
        f->count = w->folded;
        snprintf(d->idkey, sizeof d->idkey, "fold:%" PRId64, w->start_ms);
        f->key = lw_str_c(d->idkey);
        lw_finding_title(f, "Rule %s matched %" PRIu64 " more times on %.*s within %.0f s", r->name, w->folded,
                         (int)f->function.n, f->function.p, d->cfg.window_s);
        lw_finding_str(f, "rule", lw_str_c(r->name));
        lw_finding_str(f, "kind", lw_str_c("folded"));
        lw_finding_int(f, "matches_in_window", (int64_t)w->matches);
        lw_finding_int(f, "folded", (int64_t)w->folded);
        lw_finding_num(f, "window_s", d->cfg.window_s);
        lw_emit(out, f);
    }
    memset(w, 0, sizeof *w);
}

static void close_all(rules_det *d, int64_t before_ms, const lw_emitter *out)
{
    lw_map_foreach(&d->win.map, e) {
        rwin *w = e->val;
        if (w->matches && (before_ms < 0 || w->start_ms < before_ms))
            close_window(d, e->key, e->klen, w, out);
    }
}

static void tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    rules_det *d = self;
    close_all(d, now_ms - (int64_t)(d->cfg.window_s * 1000), out);
}

static void flush(void *self, const lw_emitter *out) { close_all(self, -1, out); }

/* true when this match deserves a finding of its own. */
static bool count_match(rules_det *d, const lw_record *rec, const lw_rule *r, int64_t now, const lw_emitter *out)
{
    lw_buf *k = &d->win.key;
    lw_buf_reset(k);
    lw_buf_append(k, rec->function.p ? rec->function.p : "", rec->function.n);
    lw_buf_putc(k, '\x1f');
    lw_buf_puts(k, r->name);
    rwin *w = lw_keyed_get(&d->win, k->p, k->len, NULL);
    if (!w)
        return true; /* untracked: never fold, never lose */
    if (w->matches && now - w->start_ms > (int64_t)(d->cfg.window_s * 1000)) {
        lw_buf_reset(&d->key);
        lw_buf_append(&d->key, k->p, k->len);
        close_window(d, d->key.p, d->key.len, w, out);
    }
    if (!w->matches)
        w->start_ms = now;
    w->last_ms = now;
    w->matches++;
    if (w->matches <= (uint64_t)(d->cfg.max_per_window > 0 ? d->cfg.max_per_window : 0))
        return true;
    w->folded++;
    return false;
}

static void report(rules_det *d, const lw_record *rec, const lw_rule *r, lw_str text, const char *where,
                   size_t ms, size_t me, const lw_emitter *out)
{
    lw_finding *f = &d->f;
    lw_finding_init(f, r->detector, r->sev, rec);
    lw_str rid = LW_STR_NULL;
    if (rec->kind == LW_REC_APP)
        rid = rec->app->request_id;
    else if (rec->kind == LW_REC_PLATFORM)
        rid = rec->platform->request_id;
    else if (rec->kind == LW_REC_SENSOR)
        rid = rec->sensor->request_id;
    f->request_id = rid;
    if (rec->kind == LW_REC_SENSOR && rec->sensor->sensor_id.n) {
        f->key = rec->sensor->sensor_id;
    } else if (rec->ev->event_id.n) {
        f->key = rec->ev->event_id;
    } else {
        snprintf(d->idkey, sizeof d->idkey, "t%" PRId64 ":%016" PRIx64, rec->ev->timestamp,
                 lw_hash64(text.p, text.n));
        f->key = lw_str_c(d->idkey);
    }
    if (!f->time_ms && rec->kind == LW_REC_SENSOR)
        f->time_ms = rec->sensor->occurred_at_ms;
    size_t ml = me - ms;
    lw_rx_excerpt(&d->match, text.p + ms, ml, 0, ml < 120 ? ml : 120, NULL, 0, 0);
    lw_rx_excerpt(&d->excerpt, text.p, text.n, ms, (size_t)(d->cfg.excerpt_bytes > 16 ? d->cfg.excerpt_bytes : 16),
                  NULL, 0, 0);
    lw_finding_title(f, "Rule %s matched: %.*s", r->name, (int)(d->match.len < 100 ? d->match.len : 100),
                     d->match.p ? d->match.p : "");
    lw_finding_str(f, "rule", lw_str_c(r->name));
    lw_finding_str(f, "match", (lw_str){d->match.p, d->match.len});
    lw_finding_str(f, "location", lw_str_c(where));
    lw_finding_str(f, "request_id", rid);
    lw_finding_str(f, "excerpt", (lw_str){d->excerpt.p, d->excerpt.len});
    lw_emit(out, f);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    rules_det *d = self;
    if (!d->nrules || !rec->ev)
        return;
    lw_str text;
    const char *where;
    switch (rec->kind) {
    case LW_REC_TEXT:
    case LW_REC_APP:
    case LW_REC_PLATFORM:
        text = rec->ev->message;
        where = "log_line";
        break;
    case LW_REC_SENSOR:
        text = rec->sensor->payload;
        where = "sensor_payload";
        break;
    default: return;
    }
    if (!text.n)
        return;
    size_t n = text.n;
    if (d->cfg.max_scan_bytes >= 1 && n > (size_t)d->cfg.max_scan_bytes)
        n = (size_t)d->cfg.max_scan_bytes;
    int64_t now = rec->ev->timestamp;
    if (!now && rec->kind == LW_REC_SENSOR)
        now = rec->sensor->occurred_at_ms;
    for (size_t i = 0; i < d->nrules; i++) {
        const lw_rule *r = d->rules[i];
        int rc = pcre2_match(r->code, (PCRE2_SPTR)text.p, n, 0, 0, d->md, d->mctx);
        if (rc < 0) {
            if (rc != PCRE2_ERROR_NOMATCH)
                d->errors++;
            continue;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
        size_t ms = ov[0] <= n ? ov[0] : n, me = ov[1] <= n && ov[1] >= ms ? ov[1] : ms;
        if (count_match(d, rec, r, now, out))
            report(d, rec, r, text, where, ms, me, out);
    }
}

#define RULES_FORMAT 1

static void save(void *self, lw_buf *out)
{
    rules_det *d = self;
    lw_put_u32(out, RULES_FORMAT);
    lw_keyed_save(&d->win, out);
}

static bool valid(const void *p)
{
    const rwin *w = p;
    return w->folded <= w->matches;
}

static int restore(void *self, const char *p, size_t n)
{
    rules_det *d = self;
    lw_rd r = {p, n, false};
    if (lw_get_u32(&r) != RULES_FORMAT)
        return -1;
    return lw_keyed_restore(&d->win, r.p, r.n, valid);
}

const lw_detector_ops lw_detector_rules = {
    .name = "rules",
    .summary = "user rules: named PCRE2 patterns ([rule NAME]); findings are named rule:NAME",
    .options = options,
    .config_size = sizeof(lw_rules_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = tick,
    .flush = flush,
    .save = save,
    .restore = restore,
};
