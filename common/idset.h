/*
 * idset: a bounded set of 64-bit ids that forgets the oldest first.
 *
 * Used wherever "have we already emitted this?" must be answered in fixed
 * memory: the findings stage, and the merge of parallel query workers.
 * Ids must be non-zero (callers OR in 1).
 */
#ifndef LW_IDSET_H
#define LW_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lw_idset {
    uint64_t *set;   /* open addressing, 0 = empty */
    size_t set_cap;
    uint64_t *fifo;  /* insertion order, for eviction */
    size_t cap, head, count;
} lw_idset;

void lw_idset_init(lw_idset *s, size_t capacity);
void lw_idset_free(lw_idset *s);
/* true when id was not among the last `capacity` ids added; adds it. */
bool lw_idset_add(lw_idset *s, uint64_t id);

#endif
