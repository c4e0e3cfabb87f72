/* fold: see fold.h. */
#include "detectors/fold.h"

#include "common/map.h"

void *lw_fold_det_new(size_t size, size_t state_size, size_t max_keys, uint32_t format,
                      bool (*valid)(const void *state), double window_s, lw_fold_close_cb on_close)
{
    lw_fold_det *d = lw_keyed_det_new(size, state_size, max_keys, format, valid);
    d->window_ms = (int64_t)(window_s * 1000);
    d->on_close = on_close;
    return d;
}

static void close_one(lw_fold_det *d, const char *key, size_t klen, lw_fold *s, const lw_emitter *out)
{
    d->on_close(d, key, klen, s, out);
    memset(s, 0, d->keyed.keys.size);
}

void *lw_fold_det_count(void *self, lw_str function, lw_str what, int64_t now_ms, const lw_emitter *out)
{
    lw_fold_det *d = self;
    lw_keyed *k = &d->keyed.keys;
    lw_buf_reset(&k->key);
    lw_buf_append(&k->key, function.p ? function.p : "", function.n);
    lw_buf_putc(&k->key, '\x1f');
    lw_buf_append(&k->key, what.p ? what.p : "", what.n);
    lw_fold *s = lw_keyed_get(k, k->key.p, k->key.len, NULL);
    if (!s)
        return NULL;
    if (s->count && now_ms - s->start_ms > d->window_ms) {
        /* The finding borrows the key; the scratch is the table's. */
        lw_buf key = LW_BUF_INIT;
        lw_buf_append(&key, k->key.p, k->key.len);
        close_one(d, key.p, key.len, s, out);
        lw_buf_free(&key);
    }
    if (!s->count)
        s->start_ms = now_ms;
    s->last_ms = now_ms;
    s->count++;
    s->seen_clock = out->clock_ms;
    return s;
}

void lw_fold_det_tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    lw_fold_det *d = self;
    lw_map_foreach(&d->keyed.keys.map, e) {
        lw_fold *s = e->val;
        /* as in window.c: the first tick's jump is no sign of silence */
        if (!d->ticked && s->seen_clock < now_ms)
            s->seen_clock = now_ms;
        if (s->count && now_ms - s->seen_clock > d->window_ms)
            close_one(d, e->key, e->klen, s, out);
    }
    d->ticked = true;
}

void lw_fold_det_flush(void *self, const lw_emitter *out)
{
    lw_fold_det *d = self;
    lw_map_foreach(&d->keyed.keys.map, e) {
        lw_fold *s = e->val;
        if (s->count)
            close_one(d, e->key, e->klen, s, out);
    }
}
