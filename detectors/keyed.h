/*
 * keyed: bounded per-key state for detectors (per function, per function
 * and memory size, ...). A map from key to a fixed-size zeroed struct,
 * capped at max_keys: past the cap new keys are not tracked and are counted
 * in `untracked`, so a flood of distinct names cannot grow memory.
 */
#ifndef LW_KEYED_H
#define LW_KEYED_H

#include "common/buf.h"
#include "common/map.h"
#include "parsers/event.h"

typedef struct lw_keyed {
    lw_map map;
    size_t size;       /* bytes per state */
    size_t max_keys;
    uint64_t untracked;
    lw_buf key;        /* scratch for composite keys */
    /* The last key looked up and its state: records come in runs of one
     * function, so most lookups hit this and skip the hash. */
    lw_buf last_key;
    void *last;
} lw_keyed;

void lw_keyed_init(lw_keyed *k, size_t state_size, size_t max_keys);
void lw_keyed_free(lw_keyed *k);
/* State for key (created zeroed on first use), or NULL past the cap. */
void *lw_keyed_get(lw_keyed *k, const char *key, size_t n, bool *created);
/* Forgets key and frees its state. */
void lw_keyed_del(lw_keyed *k, const char *key, size_t n);
/* Builds "<function>\x1f<suffix>" in k->key and returns its state. */
void *lw_keyed_fn(lw_keyed *k, lw_str function, const char *suffix, bool *created);

/* States are plain structs, saved byte for byte with their keys. valid, when
 * given, rejects a restored state that cannot be right (indices out of
 * range): a corrupt blob is refused rather than trusted. */
void lw_keyed_save(const lw_keyed *k, lw_buf *out);
int lw_keyed_restore(lw_keyed *k, const char *p, size_t n, bool (*valid)(const void *state));

#endif
