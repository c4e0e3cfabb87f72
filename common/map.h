/*
 * map: a string-keyed open-addressing hash table.
 *
 * Keys are copied in; values are caller-owned pointers. Used for per-stream
 * and per-function state, where the number of keys is bounded by the caller
 * (the map itself never refuses to grow). Iteration order is insertion
 * order, so output built from a map is deterministic.
 */
#ifndef LW_MAP_H
#define LW_MAP_H

#include <stddef.h>
#include <stdint.h>

uint64_t lw_hash64(const void *p, size_t n);

typedef struct lw_map_entry {
    char *key;
    size_t klen;
    uint64_t hash;
    void *val;
} lw_map_entry;

typedef struct lw_map {
    lw_map_entry *entries; /* dense, insertion order; deleted ones have key NULL */
    size_t n, cap, live;
    uint32_t *slots;       /* index+1 into entries, 0 = empty, UINT32_MAX = tombstone */
    size_t nslots;
} lw_map;

void lw_map_init(lw_map *m);
void lw_map_free(lw_map *m); /* frees keys, not values */
void *lw_map_get(const lw_map *m, const char *key, size_t klen);
/* Returns the slot for key, inserting it with *val NULL when absent. */
void **lw_map_put(lw_map *m, const char *key, size_t klen);
/* Removes key; returns its value (or NULL). */
void *lw_map_del(lw_map *m, const char *key, size_t klen);
static inline size_t lw_map_count(const lw_map *m) { return m->live; }

#define lw_map_foreach(m, e) \
    for (lw_map_entry *e = (m)->entries; e && e < (m)->entries + (m)->n; e++) \
        if (e->key)

#endif
