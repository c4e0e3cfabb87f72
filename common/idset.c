/* idset: see idset.h. */
#include "common/idset.h"

#include <stdlib.h>

#include "common/buf.h"

void lw_idset_init(lw_idset *s, size_t cap)
{
    s->cap = cap ? cap : 65536;
    s->set_cap = 16;
    while (s->set_cap < s->cap * 2)
        s->set_cap *= 2;
    s->set = lw_xcalloc(s->set_cap, sizeof *s->set);
    s->fifo = lw_xcalloc(s->cap, sizeof *s->fifo);
    s->head = s->count = 0;
}

void lw_idset_free(lw_idset *s)
{
    free(s->set);
    free(s->fifo);
    s->set = s->fifo = NULL;
}

static size_t probe(const lw_idset *s, uint64_t h)
{
    size_t mask = s->set_cap - 1, i = h & mask;
    while (s->set[i] && s->set[i] != h)
        i = (i + 1) & mask;
    return i;
}

static void set_remove(lw_idset *s, uint64_t h)
{
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t mask = s->set_cap - 1, i = probe(s, h);
    if (!s->set[i])
        return;
    s->set[i] = 0;
    for (size_t j = (i + 1) & mask; s->set[j]; j = (j + 1) & mask) {
        size_t home = s->set[j] & mask;
        bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            s->set[i] = s->set[j];
            s->set[j] = 0;
            i = j;
        }
    }
}

bool lw_idset_add(lw_idset *s, uint64_t h)
{
    size_t i = probe(s, h);
    if (s->set[i])
        return false;
    if (s->count == s->cap) {
        set_remove(s, s->fifo[s->head]);
        s->head = (s->head + 1) % s->cap;
        s->count--;
        i = probe(s, h);
    }
    s->set[i] = h;
    s->fifo[(s->head + s->count) % s->cap] = h;
    s->count++;
    return true;
}
