/*
 * persistence: an execution environment kept warm far longer than the
 * function's environments usually live.
 *
 * An attacker who compromised one environment (one log stream) can keep
 * that microVM, and the credentials in its environment, alive by invoking
 * the function again and again: the stream lives on at a steady cadence
 * while the function's other streams come and go. Per function, in event
 * time:
 *   - the usual stream lifetime: a robust baseline (median/MAD,
 *     baseline.c) of the lifetimes of streams that ended (no invocation
 *     for idle_s);
 *   - per live stream: first and last invocation (REPORT), and the mean
 *     and spread of the gaps between invocations (Welford), whose
 *     coefficient of variation tells a timer (keep-warm: near 0) from real
 *     traffic (Poisson-like arrivals: near 1);
 *   - what else the stream saw: sensor events (an attack), and the
 *     secret_leak and probe findings made in it (through on_finding).
 * A stream is flagged once, when its lifetime is beyond
 * max(min_lifetime_s, factor x median, median + z x 1.4826 MAD) of at least
 * min_streams ended streams, and its cadence is regular (cv <= max_cv over
 * at least min_invocations) or it saw an attack, a leak or a probe: high
 * when it saw one, medium otherwise. A function whose streams all live
 * long under real traffic learns long lifetimes and irregular gaps: quiet.
 *
 * Memory is fixed per function (max_streams slots, LW_BASELINE_CAP
 * lifetimes); a stream pushed out for a newer one is counted in evicted.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/map.h"
#include "common/timeutil.h"
#include "detectors/baseline.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"

#define SLOTS 32

typedef struct per_cfg {
    lw_severity severity, seen_severity;
    double factor, z, min_lifetime_s, idle_s, max_cv, min_invocations, min_streams, max_functions;
} per_cfg;

static const lw_option options[] = {
    LW_OPT("severity", LW_OPT_SEVERITY, "medium", offsetof(per_cfg, severity), 0, 0,
           "severity of a stream kept alive far beyond its function's usual lifetime"),
    LW_OPT("seen_severity", LW_OPT_SEVERITY, "high", offsetof(per_cfg, seen_severity), 0, 0,
           "severity when that stream also saw an attack, a secret leak or a probe"),
    LW_OPT("factor", LW_OPT_DOUBLE, "4", offsetof(per_cfg, factor), 1, 1000,
           "a lifetime beyond factor x the usual (median) one is unusual"),
    LW_OPT("z", LW_OPT_DOUBLE, "6", offsetof(per_cfg, z), 1, 1000,
           "... and beyond the median by z robust deviations (1.4826 MAD)"),
    LW_OPT("min_lifetime_s", LW_OPT_DURATION, "7200", offsetof(per_cfg, min_lifetime_s), 60, 30 * 86400,
           "... and at least this long"),
    LW_OPT("idle_s", LW_OPT_DURATION, "1800", offsetof(per_cfg, idle_s), 60, 86400,
           "a stream without an invocation this long (event time) has ended"),
    LW_OPT("max_cv", LW_OPT_DOUBLE, "0.25", offsetof(per_cfg, max_cv), 0, 10,
           "coefficient of variation of the gaps between invocations at or below which a cadence is regular"),
    LW_OPT("min_invocations", LW_OPT_INT, "20", offsetof(per_cfg, min_invocations), 3, 1e6,
           "invocations of a stream before its cadence counts"),
    LW_OPT("min_streams", LW_OPT_INT, "8", offsetof(per_cfg, min_streams), 1, 1e6,
           "ended streams of the function before its usual lifetime counts"),
    LW_OPT("max_functions", LW_OPT_INT, "4000", offsetof(per_cfg, max_functions), 1, 1e7,
           "functions tracked (about 6 KB each)"),
    LW_OPT_END,
};

enum { SAW_ATTACK = 1, SAW_SECRET = 2, SAW_PROBE = 4 };

typedef struct pslot {
    uint64_t stream; /* hash | 1; 0 = free */
    int64_t first_ms, last_ms;
    int64_t seen_clock;    /* the source's progress at its last invocation */
    uint32_t invocations;
    uint8_t saw, said;
    double gap_mean, gap_m2; /* Welford over gaps in seconds */
    char name[96];
} pslot;

typedef struct per_state {
    lw_baseline life;   /* lifetimes of ended streams, seconds */
    pslot s[SLOTS];
    uint64_t evicted;   /* live streams pushed out by newer ones */
    char group[160];
} per_state;

/* Bumped with any change to per_state. */
#define PER_FORMAT 1

static bool valid(const void *p)
{
    const per_state *s = p;
    if (s->life.at >= LW_BASELINE_CAP || s->life.filled > LW_BASELINE_CAP || !memchr(s->group, 0, sizeof s->group))
        return false;
    for (int i = 0; i < SLOTS; i++)
        if (!memchr(s->s[i].name, 0, sizeof s->s[i].name) || s->s[i].saw > 7 || s->s[i].said > 1)
            return false;
    return true;
}

typedef struct per_det {
    lw_keyed_det base; /* key: function; state: per_state */
    per_cfg cfg;
    lw_buf saw;
} per_det;

static void *create(const void *cfgp)
{
    const per_cfg *cfg = cfgp;
    per_det *d = lw_keyed_det_new(sizeof *d, sizeof(per_state), lw_opt_size(cfg->max_functions, 4000), PER_FORMAT,
                                  valid);
    d->cfg = *cfg;
    return d;
}

static void destroy(void *self)
{
    per_det *d = self;
    lw_buf_free(&d->saw);
    lw_keyed_det_destroy(d);
}

static uint64_t stream_hash(lw_str s) { return lw_hash64(s.p ? s.p : "", s.n) | 1; }

/* A stream ends: its lifetime joins the baseline (a stream with a single
 * invocation lived 0 s, which is what such streams do). */
static void end_stream(per_state *st, pslot *s)
{
    lw_baseline_add(&st->life, (double)(s->last_ms - s->first_ms) / 1000.0);
    memset(s, 0, sizeof *s);
}

/* Ends the streams silent for idle_s by event time `now`. */
static void end_idle(per_det *d, per_state *st, int64_t now)
{
    int64_t idle = (int64_t)(d->cfg.idle_s * 1000);
    for (int i = 0; i < SLOTS; i++)
        if (st->s[i].stream && now - st->s[i].last_ms > idle)
            end_stream(st, &st->s[i]);
}

static pslot *slot_for(per_det *d, per_state *st, lw_str stream, int64_t now, bool create)
{
    uint64_t h = stream_hash(stream);
    for (int i = 0; i < SLOTS; i++)
        if (st->s[i].stream == h)
            return &st->s[i];
    if (!create)
        return NULL;
    end_idle(d, st, now);
    pslot *free_s = NULL, *oldest = NULL;
    for (int i = 0; i < SLOTS && !free_s; i++) {
        if (!st->s[i].stream)
            free_s = &st->s[i];
        else if (!oldest || st->s[i].last_ms < oldest->last_ms)
            oldest = &st->s[i];
    }
    if (!free_s) {
        /* full: the least recently active stream makes room, unjudged */
        st->evicted++;
        memset(oldest, 0, sizeof *oldest);
        free_s = oldest;
    }
    free_s->stream = h;
    free_s->first_ms = free_s->last_ms = now;
    snprintf(free_s->name, sizeof free_s->name, "%.*s", (int)stream.n, stream.p ? stream.p : "");
    return free_s;
}

static per_state *state_of(per_det *d, const lw_record *rec)
{
    bool created;
    per_state *st = lw_keyed_fn(&d->base.keys, rec->function, NULL, &created);
    if (st && created)
        snprintf(st->group, sizeof st->group, "%.*s", (int)rec->ev->group.n, rec->ev->group.p ? rec->ev->group.p : "");
    return st;
}

static void judge(per_det *d, per_state *st, pslot *s, const lw_record *rec, const lw_emitter *out)
{
    if (s->said || st->life.total < (uint64_t)d->cfg.min_streams)
        return;
    double life = (double)(s->last_ms - s->first_ms) / 1000.0;
    if (life < d->cfg.min_lifetime_s)
        return;
    lw_baseline_refresh(&st->life);
    double med = st->life.median, mad = st->life.mad;
    if (life <= d->cfg.factor * med || life <= med + d->cfg.z * 1.4826 * mad)
        return;
    double cv = -1;
    if (s->invocations >= 3 && s->gap_mean > 0)
        cv = sqrt(s->gap_m2 / (s->invocations - 2)) / s->gap_mean;
    bool regular = s->invocations >= (uint32_t)d->cfg.min_invocations && cv >= 0 && cv <= d->cfg.max_cv;
    if (!regular && !s->saw)
        return;
    s->said = 1;
    lw_finding *f = &d->base.f;
    lw_severity sev = s->saw ? lw_sev_at_least(d->cfg.seen_severity, d->cfg.severity) : d->cfg.severity;
    lw_finding_init(f, "persistence", sev, rec);
    f->key = lw_str_c("persistence"); /* once per stream */
    lw_buf_reset(&d->saw);
    if (s->saw & SAW_ATTACK)
        lw_buf_puts(&d->saw, "attack");
    if (s->saw & SAW_SECRET)
        lw_buf_printf(&d->saw, "%ssecret_leak", d->saw.len ? "," : "");
    if (s->saw & SAW_PROBE)
        lw_buf_printf(&d->saw, "%sprobe", d->saw.len ? "," : "");
    if (regular)
        lw_finding_title(f, "Environment kept alive %.1f h (usual %.1f h), invoked every %.0f s like a timer%s%s",
                         life / 3600, med / 3600, s->gap_mean, s->saw ? "; it also saw: " : "",
                         s->saw ? d->saw.p : "");
    else
        lw_finding_title(f, "Environment kept alive %.1f h (usual %.1f h) after it saw: %s", life / 3600, med / 3600,
                         d->saw.p);
    lw_finding_num(f, "lifetime_s", round(life));
    lw_finding_num(f, "usual_lifetime_s", round(med));
    lw_finding_num(f, "lifetime_mad_s", round(mad));
    lw_finding_int(f, "ended_streams", (int64_t)st->life.total);
    lw_finding_int(f, "invocations", s->invocations);
    lw_finding_num(f, "cadence_s", round(s->gap_mean * 10) / 10);
    if (cv >= 0)
        lw_finding_num(f, "cadence_cv", round(cv * 1000) / 1000);
    lw_finding_bool(f, "regular_cadence", regular);
    lw_finding_str(f, "saw", (lw_str){d->saw.p, d->saw.len});
    lw_buf first = LW_BUF_INIT;
    lw_fmt_iso8601(&first, s->first_ms);
    lw_finding_str(f, "first_invocation", (lw_str){first.p, first.len});
    lw_emit(out, f);
    lw_buf_free(&first);
}

static void on_invocation(per_det *d, const lw_record *rec, const lw_emitter *out)
{
    int64_t now = rec->ev->timestamp;
    if (!now || !rec->ev->stream.n)
        return;
    per_state *st = state_of(d, rec);
    if (!st)
        return;
    pslot *s = slot_for(d, st, rec->ev->stream, now, true);
    if (s->invocations) {
        if (now - s->last_ms > (int64_t)(d->cfg.idle_s * 1000)) {
            /* back after idle_s: by then Lambda had reclaimed it; a name reused */
            end_stream(st, s);
            s = slot_for(d, st, rec->ev->stream, now, true);
        } else if (now >= s->last_ms) {
            double gap = (double)(now - s->last_ms) / 1000.0;
            uint32_t n = s->invocations; /* gaps so far + 1 */
            double delta = gap - s->gap_mean;
            s->gap_mean += delta / n;
            s->gap_m2 += delta * (gap - s->gap_mean);
        }
    }
    s->invocations++;
    if (now > s->last_ms)
        s->last_ms = now;
    if (now < s->first_ms)
        s->first_ms = now;
    s->seen_clock = out->clock_ms;
    judge(d, st, s, rec, out);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    per_det *d = self;
    if (rec->kind == LW_REC_PLATFORM && rec->platform->type == LW_PL_REPORT) {
        on_invocation(d, rec, out);
    } else if (rec->kind == LW_REC_SENSOR && rec->ev->stream.n) {
        per_state *st = state_of(d, rec);
        pslot *s = st ? slot_for(d, st, rec->ev->stream, rec->ev->timestamp, true) : NULL;
        if (s)
            s->saw |= SAW_ATTACK;
    }
}

static void on_finding(void *self, const lw_finding *f)
{
    per_det *d = self;
    uint8_t bit = !strcmp(f->detector, "secret_leak") ? SAW_SECRET : !strcmp(f->detector, "probe") ? SAW_PROBE : 0;
    if (!bit || !f->stream.n)
        return;
    per_state *st = lw_map_get(&d->base.keys.map, f->function.p ? f->function.p : "", f->function.n);
    if (!st)
        return; /* no invocation seen yet: the stream's first REPORT cannot know */
    pslot *s = slot_for(d, st, f->stream, f->time_ms, false);
    if (s)
        s->saw |= bit;
}

/* A stream silent for idle_s of the source's progress has ended, even if
 * its function logs nothing more. */
static void tick(void *self, int64_t now_ms, const lw_emitter *out)
{
    (void)out;
    per_det *d = self;
    int64_t idle = (int64_t)(d->cfg.idle_s * 1000);
    lw_map_foreach(&d->base.keys.map, e) {
        per_state *st = e->val;
        for (int i = 0; i < SLOTS; i++) {
            pslot *s = &st->s[i];
            if (s->stream && s->invocations && s->seen_clock != INT64_MIN && now_ms - s->seen_clock > idle)
                end_stream(st, s);
        }
    }
}

const lw_detector_ops lw_detector_persistence = {
    .name = "persistence",
    .summary = "an execution environment (log stream) kept alive far beyond its function's usual lifetime, at a "
               "timer's cadence or after an attack, leak or probe",
    .options = options,
    .config_size = sizeof(per_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = tick,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
    .on_finding = on_finding,
};
