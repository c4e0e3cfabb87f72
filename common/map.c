/* map: see map.h. */
#include "common/map.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

#define TOMB UINT32_MAX

/* wyhash-style mixing: fast on short keys, good enough distribution. */
static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t lw_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = mix(h ^ v, 0xBF58476D1CE4E5B9ull);
        s += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, n);
    h = mix(h ^ v ^ ((uint64_t)n << 56), 0x94D049BB133111EBull);
    return mix(h, 0x2545F4914F6CDD1Dull);
}

void lw_map_init(lw_map *m) { memset(m, 0, sizeof *m); }

void lw_map_free(lw_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->entries[i].key);
    free(m->entries);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static long find(const lw_map *m, const char *key, size_t klen, uint64_t h)
{
    if (!m->nslots)
        return -1;
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = m->slots[i];
        if (s == 0)
            return -1;
        if (s == TOMB)
            continue;
        const lw_map_entry *e = &m->entries[s - 1];
        if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return (long)i;
    }
}

static void rehash(lw_map *m)
{
    /* Compact deleted entries, then size the slot table for 25 % load: a
     * map with churn (records opened and closed) then takes as many new
     * keys as it holds before the next rehash, keeping puts amortised O(1).
     * Sizing for 50 % made a steady-state map of N keys rehash every few
     * inserts. */
    size_t j = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->entries[i].key)
            m->entries[j++] = m->entries[i];
    m->n = j;
    size_t ns = 16;
    while (ns < (m->n + 1) * 4)
        ns *= 2;
    free(m->slots);
    m->slots = lw_xcalloc(ns, sizeof *m->slots);
    m->nslots = ns;
    for (size_t i = 0; i < m->n; i++) {
        size_t k = m->entries[i].hash & (ns - 1);
        while (m->slots[k])
            k = (k + 1) & (ns - 1);
        m->slots[k] = (uint32_t)(i + 1);
    }
}

void *lw_map_get(const lw_map *m, const char *key, size_t klen)
{
    long i = find(m, key, klen, lw_hash64(key, klen));
    return i < 0 ? NULL : m->entries[m->slots[i] - 1].val;
}

void **lw_map_put(lw_map *m, const char *key, size_t klen)
{
    uint64_t h = lw_hash64(key, klen);
    long i = find(m, key, klen, h);
    if (i >= 0)
        return &m->entries[m->slots[i] - 1].val;
    if ((m->n + 1) * 2 > m->nslots)
        rehash(m);
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->entries = lw_xrealloc(m->entries, m->cap * sizeof *m->entries);
    }
    lw_map_entry *e = &m->entries[m->n];
    e->key = lw_xstrndup(key, klen);
    e->klen = klen;
    e->hash = h;
    e->val = NULL;
    size_t mask = m->nslots - 1, k = h & mask;
    while (m->slots[k] && m->slots[k] != TOMB)
        k = (k + 1) & mask;
    m->slots[k] = (uint32_t)(++m->n);
    m->live++;
    return &e->val;
}

void *lw_map_del(lw_map *m, const char *key, size_t klen)
{
    long i = find(m, key, klen, lw_hash64(key, klen));
    if (i < 0)
        return NULL;
    lw_map_entry *e = &m->entries[m->slots[i] - 1];
    void *v = e->val;
    free(e->key);
    e->key = NULL;
    m->slots[i] = TOMB;
    m->live--;
    if (m->live == 0) {
        /* Cheap full reset keeps long-lived maps (open records) from
         * accumulating tombstones. */
        m->n = 0;
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
    }
    return v;
}
