/*
 * timeout: an invocation that hit its configured timeout.
 *
 * New-style REPORT lines and platform.report say "Status: timeout"; older
 * runtimes print a separate "Task timed out after N seconds" line instead.
 * Both name the request id, so both shapes give the same finding id and the
 * findings stage drops the second.
 */
#include <stddef.h>

#include "detectors/detector.h"

typedef struct timeout_cfg {
    lw_severity severity;
} timeout_cfg;

typedef struct timeout_det {
    lw_stateless_det base;
    timeout_cfg cfg;
} timeout_det;

static const lw_option options[] = {
    LW_OPT("severity", LW_OPT_SEVERITY, "medium", offsetof(timeout_cfg, severity), 0, 0, "severity of a timeout"),
    LW_OPT_END,
};

static void *create(const void *cfg)
{
    timeout_det *t = lw_stateless_det_new(sizeof *t);
    t->cfg = *(const timeout_cfg *)cfg;
    return t;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    timeout_det *t = self;
    if (rec->kind != LW_REC_PLATFORM)
        return;
    const lw_platform *p = rec->platform;
    bool report = p->type == LW_PL_REPORT && p->status == LW_ST_TIMEOUT;
    if (!report && p->type != LW_PL_TIMED_OUT)
        return;
    lw_finding *f = &t->base.f;
    lw_finding_init(f, "timeout", t->cfg.severity, rec);
    f->request_id = p->request_id;
    if (p->timeout_s >= 0)
        lw_finding_title(f, "Invocation timed out after %.2f s", p->timeout_s);
    else if (p->duration_ms >= 0)
        lw_finding_title(f, "Invocation timed out after %.0f ms", p->duration_ms);
    else
        lw_finding_title(f, "Invocation timed out");
    lw_finding_str(f, "request_id", p->request_id);
    if (p->duration_ms >= 0)
        lw_finding_num(f, "duration_ms", p->duration_ms);
    if (p->timeout_s >= 0)
        lw_finding_num(f, "timeout_s", p->timeout_s);
    if (p->memory_size_mb >= 0)
        lw_finding_int(f, "memory_size_mb", p->memory_size_mb);
    if (p->max_memory_mb >= 0)
        lw_finding_int(f, "max_memory_used_mb", p->max_memory_mb);
    lw_finding_str(f, "trace_id", p->trace_root);
    lw_finding_str(f, "source", lw_str_c(report ? "report" : "timed_out_line"));
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_timeout = {
    .name = "timeout",
    .summary = "invocations that ran into their timeout",
    .options = options,
    .config_size = sizeof(timeout_cfg),
    .create = create,
    .destroy = lw_stateless_det_destroy,
    .on_record = on_record,
};
