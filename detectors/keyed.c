/* keyed: see keyed.h. */
#include "detectors/keyed.h"

#include <stdlib.h>

#include "common/ser.h"

void lw_keyed_init(lw_keyed *k, size_t size, size_t max_keys)
{
    memset(k, 0, sizeof *k);
    lw_map_init(&k->map);
    k->size = size;
    k->max_keys = max_keys ? max_keys : 10000;
}

void lw_keyed_free(lw_keyed *k)
{
    lw_map_foreach(&k->map, e) free(e->val);
    lw_map_free(&k->map);
    lw_buf_free(&k->key);
    lw_buf_free(&k->last_key);
}

void *lw_keyed_get(lw_keyed *k, const char *key, size_t n, bool *created)
{
    if (created)
        *created = false;
    if (k->last && k->last_key.len == n && memcmp(k->last_key.p, key, n) == 0)
        return k->last;
    void *v = lw_map_get(&k->map, key, n);
    if (!v) {
        if (lw_map_count(&k->map) >= k->max_keys) {
            k->untracked++;
            return NULL;
        }
        void **slot = lw_map_put(&k->map, key, n);
        v = *slot = lw_xcalloc(1, k->size);
        if (created)
            *created = true;
    }
    lw_buf_reset(&k->last_key);
    lw_buf_append(&k->last_key, key, n);
    k->last = v;
    return v;
}

void lw_keyed_del(lw_keyed *k, const char *key, size_t n)
{
    void *v = lw_map_del(&k->map, key, n);
    if (v && v == k->last)
        k->last = NULL;
    free(v);
}

void *lw_keyed_fn(lw_keyed *k, lw_str function, const char *suffix, bool *created)
{
    lw_buf_reset(&k->key);
    lw_buf_append(&k->key, function.p ? function.p : "", function.n);
    if (suffix) {
        lw_buf_putc(&k->key, '\x1f');
        lw_buf_puts(&k->key, suffix);
    }
    return lw_keyed_get(k, k->key.p, k->key.len, created);
}

#define KEYED_FORMAT 1

void lw_keyed_save(const lw_keyed *k, lw_buf *out)
{
    lw_put_u32(out, KEYED_FORMAT);
    lw_put_u32(out, (uint32_t)k->size);
    lw_put_u32(out, (uint32_t)lw_map_count(&k->map));
    lw_map_foreach(&k->map, e) {
        lw_put_str(out, e->key, e->klen);
        lw_buf_append(out, e->val, k->size);
    }
}

int lw_keyed_restore(lw_keyed *k, const char *p, size_t n, bool (*valid)(const void *state))
{
    lw_rd r = {p, n, false};
    if (lw_get_u32(&r) != KEYED_FORMAT || lw_get_u32(&r) != k->size)
        return -1; /* another version's layout: start fresh rather than misread */
    uint32_t count = lw_get_u32(&r);
    void *tmp = lw_xmalloc(k->size);
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        size_t kl;
        const char *key = lw_get_str(&r, &kl);
        if (!lw_rd_take(&r, tmp, k->size) || (valid && !valid(tmp))) {
            r.bad = true;
            break;
        }
        void *s = lw_keyed_get(k, key, kl, NULL);
        if (s)
            memcpy(s, tmp, k->size);
    }
    free(tmp);
    return r.bad ? -1 : 0;
}

void *lw_keyed_det_new(size_t size, size_t state_size, size_t max_keys, uint32_t format,
                       bool (*valid)(const void *state))
{
    lw_keyed_det *d = lw_xcalloc(1, size);
    lw_keyed_init(&d->keys, state_size, max_keys);
    d->format = format;
    d->valid = valid;
    return d;
}

void lw_keyed_det_destroy(void *self)
{
    lw_keyed_det *d = self;
    lw_keyed_free(&d->keys);
    lw_finding_free(&d->f);
    free(d);
}

void lw_keyed_det_save(void *self, lw_buf *out)
{
    const lw_keyed_det *d = self;
    if (d->format)
        lw_put_u32(out, d->format);
    lw_keyed_save(&d->keys, out);
}

int lw_keyed_det_restore(void *self, const char *p, size_t n)
{
    lw_keyed_det *d = self;
    lw_rd r = {p, n, false};
    if (d->format && lw_get_u32(&r) != d->format)
        return -1;
    return lw_keyed_restore(&d->keys, r.p, r.n, d->valid);
}
