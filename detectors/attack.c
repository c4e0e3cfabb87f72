/*
 * attack: every defence-json sensor event is a finding.
 *
 * Blocked (the agent mitigated it) is at least medium; not blocked (the
 * protection is in report mode and the request reached the code) is at
 * least high. The raw payload goes into evidence only through the redaction
 * step of the finding model, never as-is.
 */
#include <stddef.h>
#include <stdlib.h>

#include "detectors/detector.h"

typedef struct attack_cfg {
    double blocked_severity;   /* lw_severity as a number */
    double unblocked_severity;
    double include_payload;    /* 1 = put the (redacted) request in evidence */
} attack_cfg;

typedef struct attack {
    attack_cfg cfg;
    lw_finding f;
} attack;

static const lw_option options[] = {
    {"blocked_severity", LW_SEV_MEDIUM, offsetof(attack_cfg, blocked_severity),
     "severity of a blocked attack (2 = medium; never lower than medium)"},
    {"unblocked_severity", LW_SEV_HIGH, offsetof(attack_cfg, unblocked_severity),
     "severity of an attack in report mode (3 = high; never lower than high)"},
    {"include_payload", 1, offsetof(attack_cfg, include_payload),
     "include the redacted HTTP request in evidence (0 = no)"},
    {NULL, 0, 0, NULL},
};

static void *create(const void *cfg)
{
    attack *a = calloc(1, sizeof *a);
    if (a)
        a->cfg = *(const attack_cfg *)cfg;
    return a;
}

static void destroy(void *self)
{
    attack *a = self;
    lw_finding_free(&a->f);
    free(a);
}

static lw_severity clamp(double v, lw_severity floor)
{
    int s = (int)v;
    if (s < (int)floor)
        s = floor;
    if (s > LW_SEV_CRITICAL)
        s = LW_SEV_CRITICAL;
    return (lw_severity)s;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    attack *a = self;
    if (rec->kind != LW_REC_SENSOR)
        return;
    const lw_sensor *s = rec->sensor;
    bool blocked = s->blocked == 1;
    lw_finding *f = &a->f;
    lw_finding_init(f, "attack",
                    blocked ? clamp(a->cfg.blocked_severity, LW_SEV_MEDIUM)
                            : clamp(a->cfg.unblocked_severity, LW_SEV_HIGH),
                    rec);
    f->request_id = s->request_id;
    f->key = s->sensor_id;
    if (!f->time_ms)
        f->time_ms = s->occurred_at_ms;
    lw_str m = s->method.n ? s->method : lw_str_c("?");
    lw_finding_title(f, "%s attack: %.*s %.*s%s%.*s from %.*s (rule %.*s)",
                     blocked ? "Blocked" : "UNBLOCKED", (int)m.n, m.p, (int)s->path.n, s->path.p,
                     s->query.n ? "?" : "", (int)s->query.n, s->query.p,
                     s->source_ip.n ? (int)s->source_ip.n : 7, s->source_ip.n ? s->source_ip.p : "unknown",
                     (int)s->rule_id.n, s->rule_id.p);
    lw_finding_str(f, "rule_id", s->rule_id);
    lw_finding_str(f, "event_type", s->event_type);
    lw_finding_bool(f, "blocked", blocked);
    lw_finding_str(f, "source_ip", s->source_ip);
    lw_finding_str(f, "method", s->method);
    lw_finding_str(f, "path", s->path);
    lw_finding_str(f, "query", s->query);
    lw_finding_str(f, "request_id", s->request_id);
    lw_finding_str(f, "sensor_event_id", s->sensor_id);
    lw_finding_str(f, "occurred_at", s->occurred_at);
    lw_finding_str(f, "domain", s->domain);
    lw_finding_str(f, "stage", s->stage);
    lw_finding_str(f, "user_agent", s->user_agent);
    lw_finding_str(f, "function_arn", s->function_arn);
    lw_finding_str(f, "trace_id", s->trace_id);
    lw_finding_str(f, "agent", s->agent_type);
    lw_finding_str(f, "agent_version", s->agent_version);
    if (a->cfg.include_payload)
        lw_finding_str(f, "payload", s->payload);
    lw_emit(out, f);
}

const lw_detector_ops lw_detector_attack = {
    .name = "attack",
    .summary = "attacks reported by the in-function protection agent (defence-json)",
    .options = options,
    .config_size = sizeof(attack_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
};
