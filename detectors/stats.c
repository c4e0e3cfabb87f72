/* stats: see stats.h. */
#include "detectors/stats.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/jsonw.h"

/* Public on-demand prices (us-east-1), USD. */
#define PRICE_GBS_X86 0.0000166667
#define PRICE_GBS_ARM 0.0000133334
#define PRICE_REQUEST 0.0000002

void lw_stats_init(lw_stats *s, lw_arch arch)
{
    lw_map_init(&s->fns);
    s->arch = arch;
}

void lw_stats_free(lw_stats *s)
{
    lw_map_foreach(&s->fns, e) {
        lw_fn_stats *f = e->val;
        lw_hist_free(&f->duration);
        lw_hist_free(&f->init);
        free(f);
    }
    lw_map_free(&s->fns);
}

static lw_fn_stats *fn(lw_stats *s, lw_str name)
{
    void **slot = lw_map_put(&s->fns, name.p, name.n);
    if (!*slot) {
        lw_fn_stats *f = lw_xcalloc(1, sizeof *f);
        f->memory_size_mb = f->max_memory_used_mb = -1;
        *slot = f;
    }
    return *slot;
}

/* true the first time id is seen in the ring (an empty id always counts). */
static bool first_time(uint64_t *ring, unsigned *at, lw_str id)
{
    if (!id.n)
        return true;
    uint64_t h = lw_hash64(id.p, id.n) | 1;
    for (int i = 0; i < LW_RING; i++)
        if (ring[i] == h)
            return false;
    ring[*at % LW_RING] = h;
    (*at)++;
    return true;
}

static void failed(lw_fn_stats *f, lw_str id) { if (first_time(f->err_ring, &f->err_at, id)) f->errors++; }
static void timed_out(lw_fn_stats *f, lw_str id) { if (first_time(f->tmo_ring, &f->tmo_at, id)) f->timeouts++; }
static void out_of_memory(lw_fn_stats *f, lw_str id) { if (first_time(f->oom_ring, &f->oom_at, id)) f->oom++; }

void lw_stats_record(lw_stats *s, const lw_record *rec)
{
    switch (rec->kind) {
    case LW_REC_PLATFORM: {
        const lw_platform *p = rec->platform;
        lw_fn_stats *f;
        switch (p->type) {
        case LW_PL_REPORT:
            f = fn(s, rec->function);
            f->invocations++;
            if (p->duration_ms >= 0)
                lw_hist_add(&f->duration, p->duration_ms);
            if (p->init_ms >= 0) {
                f->cold_starts++;
                lw_hist_add(&f->init, p->init_ms);
            } else if (p->restore_ms >= 0) {
                f->cold_starts++; /* a SnapStart restore is this runtime's cold start */
            }
            if (p->memory_size_mb > f->memory_size_mb)
                f->memory_size_mb = p->memory_size_mb;
            if (p->max_memory_mb > f->max_memory_used_mb)
                f->max_memory_used_mb = p->max_memory_mb;
            if (p->billed_ms >= 0) {
                f->billed_ms += p->billed_ms;
                if (p->memory_size_mb > 0)
                    f->gb_seconds += p->billed_ms / 1000.0 * p->memory_size_mb / 1024.0;
            }
            if (p->status == LW_ST_ERROR || p->status == LW_ST_FAILURE || p->status == LW_ST_TIMEOUT)
                failed(f, p->request_id);
            if (p->status == LW_ST_TIMEOUT)
                timed_out(f, p->request_id);
            if (lw_str_eq(p->error_type, "Runtime.OutOfMemory"))
                out_of_memory(f, p->request_id);
            break;
        case LW_PL_TIMED_OUT:
            f = fn(s, rec->function);
            failed(f, p->request_id);
            timed_out(f, p->request_id);
            break;
        case LW_PL_RUNTIME_EXIT:
            f = fn(s, rec->function);
            failed(f, p->request_id);
            if ((p->exit_reason.n && memmem(p->exit_reason.p, p->exit_reason.n, "signal: killed", 14)) ||
                lw_str_eq(p->error_type, "Runtime.OutOfMemory"))
                out_of_memory(f, p->request_id);
            break;
        default:
            break;
        }
        break;
    }
    case LW_REC_APP: {
        const lw_app *a = rec->app;
        if (a->unhandled)
            failed(fn(s, rec->function), a->request_id);
        if (a->oom)
            out_of_memory(fn(s, rec->function), a->request_id);
        break;
    }
    case LW_REC_SENSOR: {
        lw_fn_stats *f = fn(s, rec->function);
        if (rec->sensor->blocked == 1)
            f->attacks_blocked++;
        else
            f->attacks_unblocked++;
        break;
    }
    case LW_REC_SENSOR_MALFORMED:
        fn(s, rec->function)->sensor_malformed++;
        break;
    case LW_REC_TEXT:
        break;
    }
}

void lw_stats_merge(lw_stats *into, const lw_stats *from)
{
    lw_map_foreach(&from->fns, e) {
        const lw_fn_stats *b = e->val;
        lw_fn_stats *a = fn(into, (lw_str){e->key, e->klen});
        a->invocations += b->invocations;
        a->cold_starts += b->cold_starts;
        a->errors += b->errors;
        a->timeouts += b->timeouts;
        a->oom += b->oom;
        a->attacks_blocked += b->attacks_blocked;
        a->attacks_unblocked += b->attacks_unblocked;
        a->sensor_malformed += b->sensor_malformed;
        lw_hist_merge(&a->duration, &b->duration);
        lw_hist_merge(&a->init, &b->init);
        if (b->memory_size_mb > a->memory_size_mb)
            a->memory_size_mb = b->memory_size_mb;
        if (b->max_memory_used_mb > a->max_memory_used_mb)
            a->max_memory_used_mb = b->max_memory_used_mb;
        a->billed_ms += b->billed_ms;
        a->gb_seconds += b->gb_seconds;
    }
}

double lw_stats_cost(const lw_stats *s, const lw_fn_stats *f)
{
    double gbs = s->arch == LW_ARCH_ARM64 ? PRICE_GBS_ARM : PRICE_GBS_X86;
    return f->gb_seconds * gbs + (double)f->invocations * PRICE_REQUEST;
}

static double round2(double v) { return (double)(int64_t)(v * 100 + 0.5) / 100; }

void lw_stats_summary_json(const lw_stats *s, const char *name, size_t nlen, const lw_fn_stats *f, lw_buf *out)
{
    bool first = true;
    lw_buf_putc(out, '{');
    lw_jw_key(out, &first, "kind");
    lw_jw_cstr(out, "summary");
    lw_jw_key(out, &first, "function");
    lw_jw_str(out, name, nlen);
#define U(k, v) do { lw_jw_key(out, &first, k); lw_jw_int(out, (int64_t)(v)); } while (0)
    U("invocations", f->invocations);
    U("cold_starts", f->cold_starts);
    U("errors", f->errors);
    U("timeouts", f->timeouts);
    U("out_of_memory", f->oom);
    lw_jw_key(out, &first, "duration_ms");
    bool d = true;
    lw_buf_putc(out, '{');
    lw_jw_key(out, &d, "p50"); lw_jw_num(out, round2(lw_hist_quantile(&f->duration, 0.50)));
    lw_jw_key(out, &d, "p95"); lw_jw_num(out, round2(lw_hist_quantile(&f->duration, 0.95)));
    lw_jw_key(out, &d, "p99"); lw_jw_num(out, round2(lw_hist_quantile(&f->duration, 0.99)));
    lw_jw_key(out, &d, "max"); lw_jw_num(out, round2(f->duration.max));
    lw_buf_putc(out, '}');
    lw_jw_key(out, &first, "init_duration_ms");
    d = true;
    lw_buf_putc(out, '{');
    lw_jw_key(out, &d, "p50"); lw_jw_num(out, round2(lw_hist_quantile(&f->init, 0.50)));
    lw_jw_key(out, &d, "max"); lw_jw_num(out, round2(f->init.max));
    lw_buf_putc(out, '}');
    lw_jw_key(out, &first, "memory_size_mb");
    if (f->memory_size_mb >= 0) lw_jw_int(out, f->memory_size_mb); else lw_buf_puts(out, "null");
    lw_jw_key(out, &first, "max_memory_used_mb");
    if (f->max_memory_used_mb >= 0) lw_jw_int(out, f->max_memory_used_mb); else lw_buf_puts(out, "null");
    lw_jw_key(out, &first, "billed_duration_ms");
    lw_jw_num(out, f->billed_ms);
    lw_jw_key(out, &first, "estimated_cost_usd");
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%.8f", lw_stats_cost(s, f));
    lw_buf_append(out, tmp, (size_t)n);
    U("attacks_blocked", f->attacks_blocked);
    U("attacks_unblocked", f->attacks_unblocked);
    U("sensor_events_malformed", f->sensor_malformed);
#undef U
    lw_buf_putc(out, '}');
}
