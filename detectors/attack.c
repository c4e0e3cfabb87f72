/*
 * attack: every defence-json sensor event is a finding.
 *
 * Blocked (the agent mitigated it) is at least medium; not blocked (the
 * protection is in report mode and the request reached the code) is at
 * least high. The raw payload goes into evidence only through the redaction
 * step of the finding model, never as-is.
 *
 * A scanner hammering one function would otherwise page someone a hundred
 * times: blocked attacks from one source on one function within `window_s`
 * raise the first one at once, then one "burst" finding with the count
 * when the window closes. Attacks that were not blocked are never folded:
 * each one reached the code.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "detectors/detector.h"
#include "detectors/fold.h"
#include "secrets/redact.h"

#define BURST_RULES 4

typedef struct attack_cfg {
    lw_severity blocked_severity;
    lw_severity unblocked_severity;
    bool include_payload;      /* put the (redacted) request in evidence */
    double window_s;
    double max_sources;
} attack_cfg;

/* One (function, source) burst of blocked attacks. */
typedef struct burst {
    lw_fold fold;
    uint32_t nrules;
    char rules[BURST_RULES][24];
    char last_path[96];
} burst;

typedef struct attack {
    lw_fold_det base; /* bursts: key: function \x1f source ip, state: burst */
    attack_cfg cfg;
    char key[96];
    lw_buf rules, path;
} attack;

static const lw_option options[] = {
    LW_OPT("blocked_severity", LW_OPT_SEVERITY, "medium", offsetof(attack_cfg, blocked_severity), 0, 0,
           "severity of a blocked attack (never lower than medium)"),
    LW_OPT("unblocked_severity", LW_OPT_SEVERITY, "high", offsetof(attack_cfg, unblocked_severity), 0, 0,
           "severity of an attack in report mode (never lower than high)"),
    LW_OPT("include_payload", LW_OPT_BOOL, "true", offsetof(attack_cfg, include_payload), 0, 0,
           "include the redacted HTTP request in evidence"),
    LW_OPT("window_s", LW_OPT_DURATION, "300", offsetof(attack_cfg, window_s), 0, 86400,
           "blocked attacks from one source on one function within this long form one burst (0 = no folding)"),
    LW_OPT("max_sources", LW_OPT_INT, "50000", offsetof(attack_cfg, max_sources), 1, 1e6,
           "bursts tracked at once (function x source); past it every attack is reported"),
    LW_OPT_END,
};


/* Emits the burst finding for a closed window with repeats. */
static void close_burst(void *self, const char *key, size_t klen, lw_fold *state, const lw_emitter *out)
{
    attack *a = self;
    const burst *b = (const burst *)state;
    if (b->fold.count > 1) {
        const char *sep = memchr(key, '\x1f', klen);
        lw_str fn = {key, sep ? (size_t)(sep - key) : klen};
        lw_str ip = sep ? (lw_str){sep + 1, klen - (size_t)(sep + 1 - key)} : LW_STR_NULL;
        lw_finding *f = &a->base.keyed.f;
        lw_finding_init(f, "attack", lw_sev_at_least(a->cfg.blocked_severity, LW_SEV_MEDIUM), NULL);
        f->function = fn;
        f->time_ms = b->fold.start_ms;
        f->count = b->fold.count;
        snprintf(a->key, sizeof a->key, "burst:%.*s:%" PRId64, (int)(ip.n > 60 ? 60 : ip.n), ip.p,
                 b->fold.start_ms);
        f->key = lw_str_c(a->key);
        lw_buf_reset(&a->rules);
        for (uint32_t i = 0; i < b->nrules; i++)
            lw_buf_printf(&a->rules, "%s%s", i ? "," : "", b->rules[i]);
        lw_finding_title(f, "Burst of %" PRIu64 " blocked attacks from %.*s in %.0f s", b->fold.count, (int)ip.n,
                         ip.p, (double)(b->fold.last_ms - b->fold.start_ms) / 1000);
        lw_finding_str(f, "kind", lw_str_c("burst"));
        lw_finding_str(f, "source_ip", ip);
        lw_finding_bool(f, "blocked", true);
        lw_finding_int(f, "attacks", (int64_t)b->fold.count);
        lw_finding_str(f, "rule_ids", (lw_str){a->rules.p, a->rules.len});
        lw_finding_str(f, "last_path", lw_str_c(b->last_path));
        lw_finding_int(f, "window_s", (int64_t)a->cfg.window_s);
        lw_emit(out, f);
    }
}

/* Saved bursts are kept across restarts, so a burst that a restart cut in
 * two is still one finding. */
#define ATTACK_FORMAT 1

static bool burst_valid(const void *state)
{
    const burst *b = state;
    return b->nrules <= BURST_RULES;
}

static void *create(const void *cfg)
{
    const attack_cfg *c = cfg;
    attack *a = lw_fold_det_new(sizeof *a, sizeof(burst), (size_t)c->max_sources, ATTACK_FORMAT, burst_valid,
                                c->window_s, close_burst);
    a->cfg = *c;
    return a;
}

static void destroy(void *self)
{
    attack *a = self;
    lw_buf_free(&a->rules);
    lw_buf_free(&a->path);
    lw_keyed_det_destroy(a);
}

/* Counts a blocked attack into its burst; true when it starts a new one
 * (and so deserves its own finding). */
static bool count_blocked(attack *a, const lw_record *rec, const lw_sensor *s, const lw_emitter *out)
{
    lw_str ip = s->source_ip.n ? s->source_ip : lw_str_c("unknown");
    int64_t now = rec->ev->timestamp ? rec->ev->timestamp : s->occurred_at_ms;
    burst *b = lw_fold_det_count(a, rec->function, ip, now, out);
    if (!b)
        return true; /* too many sources to track: never fold, never lose */
    bool fresh = b->fold.count == 1;
    bool known = false;
    for (uint32_t i = 0; i < b->nrules && !known; i++)
        known = lw_str_eq(s->rule_id, b->rules[i]);
    if (!known && b->nrules < BURST_RULES)
        snprintf(b->rules[b->nrules++], sizeof b->rules[0], "%.*s", (int)s->rule_id.n, s->rule_id.p);
    /* Masked here, not only at output: the burst is saved in the state
     * file, which holds no secret (a token in a reset link's path). */
    lw_buf_reset(&a->path);
    lw_redact(s->path.p ? s->path.p : "", s->path.n, &a->path);
    snprintf(b->last_path, sizeof b->last_path, "%.*s", (int)a->path.len, a->path.p ? a->path.p : "");
    return fresh;
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    attack *a = self;
    if (rec->kind != LW_REC_SENSOR)
        return;
    const lw_sensor *s = rec->sensor;
    bool blocked = s->blocked == 1;
    if (blocked && !count_blocked(a, rec, s, out))
        return;
    lw_finding *f = &a->base.keyed.f;
    lw_finding_init(f, "attack",
                    blocked ? lw_sev_at_least(a->cfg.blocked_severity, LW_SEV_MEDIUM)
                            : lw_sev_at_least(a->cfg.unblocked_severity, LW_SEV_HIGH),
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
    .tick = lw_fold_det_tick,
    .flush = lw_fold_det_flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
