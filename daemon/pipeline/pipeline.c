/* pipeline: see pipeline.h. */
#include "daemon/pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "daemon/log.h"
#include "detectors/detector.h"
#include "detectors/rules.h"
#include "common/ser.h"
#include "parsers/classify.h"
#include "parsers/sensor.h"
#include "secrets/redact.h"

typedef struct det_inst {
    const lw_detector_ops *ops;
    void *self;
} det_inst;

struct lw_pipeline {
    lw_reasm *reasm;
    lw_classifier cls;
    lw_sensor_parser sp;
    det_inst *det;
    int ndet;
    lw_findings *findings;
    lw_emitter emitter;
    lw_stats stats;
    bool no_summaries;
    lw_pipeline_counts counts;
    const lw_config *config; /* detector settings and rules; NULL = defaults */
    lw_ruleset *rules; /* the config's [rule NAME] sections, compiled once */
    int64_t event_ms;  /* the newest event time seen */
    int64_t clock_ms;  /* event-time progress: never behind event_ms, never back */
};

static void dispatch(lw_pipeline *p, const lw_record *rec)
{
    switch (rec->kind) {
    case LW_REC_PLATFORM:
        p->counts.platform++;
        p->counts.platform_unread += rec->platform->unread_fields > 0;
        break;
    case LW_REC_APP: p->counts.app++; break;
    case LW_REC_TEXT: p->counts.text++; break;
    case LW_REC_SENSOR: p->counts.sensor++; break;
    case LW_REC_SENSOR_MALFORMED: p->counts.sensor_malformed++; break;
    }
    if (!p->no_summaries)
        lw_stats_record(&p->stats, rec);
    for (int i = 0; i < p->ndet; i++)
        p->det[i].ops->on_record(p->det[i].self, rec, &p->emitter);
}

static void on_message(void *ud, const lw_event *ev)
{
    lw_pipeline *p = ud;
    lw_record rec;
    lw_classify(&p->cls, ev, &rec);
    dispatch(p, &rec);
}

static void on_malformed(void *ud, const lw_event *hdr, const char *reason)
{
    lw_pipeline *p = ud;
    lw_record rec = {0};
    rec.kind = LW_REC_SENSOR_MALFORMED;
    rec.ev = hdr;
    rec.function = lw_function_name(hdr->group, LW_STR_NULL);
    rec.malformed_reason = reason;
    dispatch(p, &rec);
}

static void on_record(void *ud, const lw_event *hdr, const char *json, size_t n)
{
    lw_pipeline *p = ud;
    lw_sensor s;
    const char *why = lw_sensor_parse(&p->sp, json, n, &s);
    if (why) {
        on_malformed(ud, hdr, why);
        return;
    }
    lw_record rec = {0};
    rec.kind = LW_REC_SENSOR;
    rec.ev = hdr;
    rec.sensor = &s;
    rec.function = lw_function_name(hdr->group, s.function_name);
    dispatch(p, &rec);
}

static void emit(void *ud, lw_finding *f)
{
    lw_pipeline *p = ud;
    for (int i = 0; i < p->ndet; i++)
        if (p->det[i].ops->on_finding)
            p->det[i].ops->on_finding(p->det[i].self, f);
    lw_findings_emit(p->findings, f);
}

static bool disabled(const lw_config *c, const char *name)
{
    for (int i = 0; i < c->disabled_detectors.n; i++)
        if (!strcmp(c->disabled_detectors.v[i], name))
            return true;
    return false;
}

/* The one way a detector instance is built: its table's defaults, then the
 * config's [detector NAME] settings, and for `rules` the config's [rule
 * NAME] sections. A fresh start and the replacement of an instance whose
 * saved state was refused both come here, so a refused restore can never
 * quietly drop the user's rules or settings. */
static void *instantiate(lw_pipeline *p, const lw_detector_ops *ops)
{
    const lw_config *c = p->config;
    void *cfg = lw_xcalloc(1, ops->config_size);
    char err[256];
    if (lw_options_defaults(ops->options, cfg) < 0)
        LW_ERROR("detector %s: a default does not fit its option table", ops->name);
    /* Settings and patterns were checked by the loader; a failure here is
     * a bug, said rather than hidden. */
    for (const lw_detector_setting *st = c ? c->detector_settings : NULL; st; st = st->next)
        if (!strcmp(st->detector, ops->name) &&
            lw_options_set(ops->options, cfg, st->key, st->value, err, sizeof err) < 0)
            LW_ERROR("detector %s: %s = %s: %s", ops->name, st->key, st->value, err);
    if (!strcmp(ops->name, "rules") && c && c->rules) {
        if (!p->rules) {
            p->rules = lw_ruleset_new();
            for (const lw_rule_cfg *r = c->rules; r; r = r->next)
                if (lw_ruleset_add(p->rules, r->name, r->pattern, r->severity, err, sizeof err) < 0)
                    LW_ERROR("%s", err);
        }
        ((lw_rules_cfg *)cfg)->rules = p->rules;
    }
    void *self = ops->create(cfg);
    free(cfg);
    if (!self) {
        LW_ERROR("detector %s failed to start", ops->name);
        abort();
    }
    return self;
}

lw_pipeline *lw_pipeline_new(const lw_pipeline_opts *o)
{
    lw_pipeline *p = lw_xcalloc(1, sizeof *p);
    lw_reasm_cb cb = {on_message, on_record, on_malformed, p};
    p->reasm = lw_reasm_new(o->limits, &cb);
    lw_classifier_init(&p->cls);
    lw_sensor_parser_init(&p->sp);
    lw_stats_init(&p->stats, o->arch);
    p->no_summaries = o->no_summaries;
    p->config = o->config;
    p->findings = lw_findings_new(o->dedupe_capacity, o->sink, o->ud);
    p->emitter = (lw_emitter){emit, p, INT64_MIN};
    p->event_ms = p->clock_ms = INT64_MIN;
    int n = 0;
    while (lw_detector_registry[n])
        n++;
    p->det = lw_xcalloc((size_t)n, sizeof *p->det);
    for (int i = 0; i < n; i++) {
        const lw_detector_ops *ops = lw_detector_registry[i];
        if (o->config && disabled(o->config, ops->name))
            continue;
        p->det[p->ndet].ops = ops;
        p->det[p->ndet].self = instantiate(p, ops);
        p->ndet++;
    }
    return p;
}

void lw_pipeline_event(lw_pipeline *p, const lw_event *ev)
{
    p->counts.events++;
    p->counts.message_bytes += ev->message.n;
    if (ev->timestamp > p->event_ms)
        p->event_ms = ev->timestamp;
    if (p->event_ms > p->emitter.clock_ms)
        p->emitter.clock_ms = p->event_ms;
    lw_reasm_feed(p->reasm, ev);
}

void lw_pipeline_event_cb(void *p, const lw_event *ev) { lw_pipeline_event(p, ev); }

void lw_pipeline_tick(lw_pipeline *p, int64_t now_ms)
{
    if (now_ms > p->clock_ms)
        p->clock_ms = now_ms;
    if (p->event_ms > p->clock_ms)
        p->clock_ms = p->event_ms;
    if (p->clock_ms == INT64_MIN)
        return; /* no event yet: no time has passed */
    p->emitter.clock_ms = p->clock_ms;
    lw_reasm_expire(p->reasm, p->clock_ms);
    for (int i = 0; i < p->ndet; i++)
        if (p->det[i].ops->tick)
            p->det[i].ops->tick(p->det[i].self, p->clock_ms, &p->emitter);
}

int64_t lw_pipeline_event_ms(const lw_pipeline *p) { return p->event_ms; }

uint64_t lw_pipeline_late(const lw_pipeline *p)
{
    uint64_t n = 0;
    for (int i = 0; i < p->ndet; i++)
        if (p->det[i].ops->late)
            n += p->det[i].ops->late(p->det[i].self);
    return n;
}

void lw_pipeline_finish(lw_pipeline *p)
{
    lw_reasm_flush(p->reasm);
    for (int i = 0; i < p->ndet; i++)
        if (p->det[i].ops->flush)
            p->det[i].ops->flush(p->det[i].self, &p->emitter);
}

/* The pipeline's own state, saved next to the detectors' under names no
 * detector has: its event-time clocks and the reassembler's open records
 * (a sensor record split across a restart). */
#define PIPELINE_FORMAT 1

void lw_pipeline_save(lw_pipeline *p, lw_state_cb cb, void *ud)
{
    lw_buf blob = LW_BUF_INIT;
    lw_put_u32(&blob, PIPELINE_FORMAT);
    lw_put_u64(&blob, (uint64_t)p->event_ms);
    lw_put_u64(&blob, (uint64_t)p->clock_ms);
    lw_put_u64(&blob, (uint64_t)p->emitter.clock_ms);
    cb(ud, "pipeline", blob.p, blob.len);
    lw_buf_reset(&blob);
    lw_reasm_save(p->reasm, &blob, lw_redact);
    cb(ud, "reassembler", blob.p, blob.len);
    for (int i = 0; i < p->ndet; i++) {
        if (!p->det[i].ops->save)
            continue;
        lw_buf_reset(&blob);
        p->det[i].ops->save(p->det[i].self, &blob);
        cb(ud, p->det[i].ops->name, blob.p ? blob.p : "", blob.len);
    }
    lw_buf_free(&blob);
}

int lw_pipeline_restore(lw_pipeline *p, const char *detector, const char *blob, size_t n)
{
    if (!strcmp(detector, "pipeline")) {
        lw_rd rd = {blob, n, false};
        if (lw_get_u32(&rd) != PIPELINE_FORMAT)
            return -1;
        int64_t ev = (int64_t)lw_get_u64(&rd), clock = (int64_t)lw_get_u64(&rd), em = (int64_t)lw_get_u64(&rd);
        if (rd.bad)
            return -1;
        p->event_ms = ev;
        p->clock_ms = clock;
        p->emitter.clock_ms = em;
        return 0;
    }
    if (!strcmp(detector, "reassembler"))
        return lw_reasm_restore(p->reasm, blob, n);
    for (int i = 0; i < p->ndet; i++) {
        const lw_detector_ops *ops = p->det[i].ops;
        if (strcmp(ops->name, detector) != 0 || !ops->restore)
            continue;
        if (ops->restore(p->det[i].self, blob, n) == 0)
            return 0;
        /* Refused: replace the half-restored instance with a fresh one,
         * built exactly as at the start. */
        ops->destroy(p->det[i].self);
        p->det[i].self = instantiate(p, ops);
        return -1;
    }
    return -1;
}

lw_reasm *lw_pipeline_reasm(lw_pipeline *p) { return p->reasm; }
lw_stats *lw_pipeline_stats(lw_pipeline *p) { return &p->stats; }
const lw_pipeline_counts *lw_pipeline_counts_get(const lw_pipeline *p) { return &p->counts; }

void lw_pipeline_free(lw_pipeline *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ndet; i++)
        p->det[i].ops->destroy(p->det[i].self);
    free(p->det);
    lw_reasm_free(p->reasm);
    lw_classifier_free(&p->cls);
    lw_sensor_parser_free(&p->sp);
    lw_stats_free(&p->stats);
    lw_findings_free(p->findings);
    if (p->rules)
        lw_ruleset_free(p->rules);
    free(p);
}
