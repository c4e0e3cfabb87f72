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
#include "detectors/finding.h"
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

/*
 * A detector whose state is one table opens its struct with an
 * lw_keyed_det and takes its lifecycle and saved state from here, so that
 * every such detector is freed, saved and restored the same way.
 *
 * The blob is the table, after the detector's own format number when it
 * has one: format 0 writes none, the layout of the detectors saved before
 * any had a number. A daemon upgraded in place restores what the old one
 * wrote, so a detector's format and state struct change only together.
 */
typedef struct lw_keyed_det {
    lw_keyed keys;
    lw_finding f;                     /* the finding being built */
    uint32_t format;
    bool (*valid)(const void *state); /* as for lw_keyed_restore */
} lw_keyed_det;

/* A zeroed detector struct of `size` bytes, opening with its lw_keyed_det. */
void *lw_keyed_det_new(size_t size, size_t state_size, size_t max_keys, uint32_t format,
                       bool (*valid)(const void *state));
/* lw_detector_ops members; a detector owning more frees it, then calls
 * lw_keyed_det_destroy. */
void lw_keyed_det_destroy(void *self);
void lw_keyed_det_save(void *self, lw_buf *out);
int lw_keyed_det_restore(void *self, const char *p, size_t n);

#endif
