/*
 * out_of_memory: an invocation killed for running out of memory.
 *
 * Signals, strongest first: REPORT / platform.report with error type
 * Runtime.OutOfMemory; the old-style "Runtime exited with error: signal:
 * killed" line (the kernel OOM killer is what sends SIGKILL in Lambda); a
 * runtime's own OOM message (MemoryError, JavaScript heap out of memory,
 * java.lang.OutOfMemoryError, Go's runtime: out of memory). Signals that
 * name the same request id share one finding id.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/detector.h"

typedef struct oom_cfg {
    lw_severity severity;
} oom_cfg;

typedef struct oom_det {
    lw_stateless_det base;
    oom_cfg cfg;
    char key[48];
} oom_det;

static const lw_option options[] = {
    LW_OPT("severity", LW_OPT_SEVERITY, "medium", offsetof(oom_cfg, severity), 0, 0,
           "severity of an out-of-memory kill"),
    LW_OPT_END,
};

static void *create(const void *cfg)
{
    oom_det *o = lw_stateless_det_new(sizeof *o);
    o->cfg = *(const oom_cfg *)cfg;
    return o;
}

static bool killed(lw_str reason)
{
    return reason.n >= 14 && memmem(reason.p, reason.n, "signal: killed", 14);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    oom_det *o = self;
    const char *how = NULL;
    const lw_platform *p = NULL;
    if (rec->kind == LW_REC_PLATFORM) {
        p = rec->platform;
        if ((p->type == LW_PL_REPORT || p->type == LW_PL_RUNTIME_DONE) &&
            lw_str_eq(p->error_type, "Runtime.OutOfMemory"))
            how = "report";
        else if (p->type == LW_PL_RUNTIME_EXIT && (killed(p->exit_reason) || lw_str_eq(p->error_type, "Runtime.OutOfMemory")))
            how = "runtime_killed";
    } else if (rec->kind == LW_REC_APP && rec->app->oom) {
        how = "runtime_message";
    }
    if (!how)
        return;
    lw_str request_id = lw_record_request_id(rec);
    lw_finding *f = &o->base.f;
    lw_finding_init(f, "out_of_memory", o->cfg.severity, rec);
    f->request_id = request_id;
    if (!request_id.n) {
        /* No request id to tie it to: the event itself is the identity. */
        if (rec->ev->event_id.n) {
            f->key = rec->ev->event_id;
        } else {
            snprintf(o->key, sizeof o->key, "t%" PRId64, rec->ev->timestamp);
            f->key = lw_str_c(o->key);
        }
    }
    if (p && p->max_memory_mb >= 0 && p->memory_size_mb > 0)
        lw_finding_title(f, "Out of memory: used %d of %d MB", p->max_memory_mb, p->memory_size_mb);
    else
        lw_finding_title(f, "Out of memory: invocation killed");
    lw_finding_str(f, "request_id", request_id);
    lw_finding_str(f, "signal", lw_str_c(how));
    if (p) {
        if (p->memory_size_mb >= 0)
            lw_finding_int(f, "memory_size_mb", p->memory_size_mb);
        if (p->max_memory_mb >= 0)
            lw_finding_int(f, "max_memory_used_mb", p->max_memory_mb);
        if (p->duration_ms >= 0)
            lw_finding_num(f, "duration_ms", p->duration_ms);
        lw_finding_str(f, "error_type", p->error_type);
        lw_finding_str(f, "exit_reason", p->exit_reason);
    } else {
        lw_finding_head(f, "message", rec->ev->message, 200);
    }
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_out_of_memory = {
    .name = "out_of_memory",
    .summary = "invocations killed for running out of memory",
    .options = options,
    .config_size = sizeof(oom_cfg),
    .create = create,
    .destroy = lw_stateless_det_destroy,
    .on_record = on_record,
};
