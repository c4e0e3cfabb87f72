/*
 * stale_runtime: functions running on a runtime AWS has deprecated, and
 * protection agents older than the ones other functions run.
 *
 * 1. Every cold start (INIT_START / RESTORE_START, platform.initStart)
 *    names its runtime version ("python:3.8.v15"). Its identifier and
 *    deprecation date come from runtimes.def, the one table of them; a
 *    deprecated runtime gets no security patches. Judged by the event's
 *    date, never today's: an export from 2022 is judged by 2022's table
 *    (python3.8 was supported then). Once per function and runtime
 *    version.
 * 2. Agent version spread: sensor events carry host_agent_version. A
 *    function whose agent is older than the newest version of the same
 *    agent type that another function runs is a gap in protection. Once
 *    per function and version, when the newer version is first seen (or
 *    the older, whichever comes later).
 *
 * State: one keyed table (function+version -> what was said), saved.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "detectors/detector.h"
#include "detectors/keyed.h"

typedef struct runtime_row {
    const char *ident;
    const char *prefix;
    int y, m, d;
} runtime_row;

static const runtime_row runtimes[] = {
#define LW_RUNTIME(IDENT, PREFIX, Y, M, D) {IDENT, PREFIX, Y, M, D},
#include "detectors/runtimes.def"
#undef LW_RUNTIME
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t row_ms(const runtime_row *r) { return days_from_civil(r->y, r->m, r->d) * 86400000LL; }

/* The row of a "Runtime Version" value: its prefix, then ".v<digit>" or
 * the end. "java:8.al2.v7" is java8.al2, not java8. */
static const runtime_row *runtime_of(lw_str v)
{
    for (size_t i = 0; i < sizeof runtimes / sizeof *runtimes; i++) {
        size_t l = strlen(runtimes[i].prefix);
        if (!l || v.n < l || memcmp(v.p, runtimes[i].prefix, l) != 0)
            continue;
        if (v.n == l || (v.n >= l + 3 && v.p[l] == '.' && v.p[l + 1] == 'v' && v.p[l + 2] >= '0' && v.p[l + 2] <= '9'))
            return &runtimes[i];
    }
    return NULL;
}

/* Dotted versions compared number by number ("5.10.2" > "5.9"); a part
 * that is not a number compares as text. */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
        } else if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        } else {
            a++;
            b++;
        }
    }
    return 0;
}

typedef struct srt_cfg {
    lw_severity severity;
    bool agent_spread;
    double max_keys;
} srt_cfg;

static const lw_option options[] = {
    LW_OPT("severity", LW_OPT_SEVERITY, "low", offsetof(srt_cfg, severity), 0, 0,
           "severity of a deprecated runtime or an outdated agent"),
    LW_OPT("agent_spread", LW_OPT_BOOL, "true", offsetof(srt_cfg, agent_spread), 0, 0,
           "also report functions whose protection agent is older than the newest one others run"),
    LW_OPT("max_keys", LW_OPT_INT, "20000", offsetof(srt_cfg, max_keys), 1, 1e7,
           "function and version pairs remembered"),
    LW_OPT_END,
};

enum { K_RUNTIME = 1, K_AGENT, K_NEWEST };

/* One row of the table. K_RUNTIME: said for this function and runtime
 * version. K_AGENT: a function's agent version (said or not). K_NEWEST:
 * the newest version of an agent type and the function running it. */
typedef struct srt_state {
    uint8_t kind;
    uint8_t said;
    int64_t last_ms;
    char group[160];
    char function[128];
    char agent_type[48];
    char version[48];
} srt_state;

/* Bumped with any change to srt_state. */
#define SRT_FORMAT 1

static bool terminated(const char *s, size_t n) { return memchr(s, '\0', n) != NULL; }

static bool valid(const void *p)
{
    const srt_state *s = p;
    return s->kind >= K_RUNTIME && s->kind <= K_NEWEST && s->said <= 1 && terminated(s->group, sizeof s->group) &&
           terminated(s->function, sizeof s->function) && terminated(s->agent_type, sizeof s->agent_type) &&
           terminated(s->version, sizeof s->version);
}

typedef struct srt_det {
    lw_keyed_det base;
    srt_cfg cfg;
    char date[16];
} srt_det;

static void *create(const void *cfg)
{
    const srt_cfg *c = cfg;
    srt_det *d = lw_keyed_det_new(sizeof *d, sizeof(srt_state), lw_opt_size(c->max_keys, 20000), SRT_FORMAT, valid);
    d->cfg = *c;
    return d;
}

static void copy(char *dst, size_t cap, lw_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void *state(srt_det *d, int kind, lw_str a, lw_str b, bool *created)
{
    lw_buf *k = &d->base.keys.key;
    lw_buf_reset(k);
    lw_buf_putc(k, (char)('0' + kind));
    lw_buf_putc(k, '\x1f');
    lw_buf_append(k, a.p ? a.p : "", a.n);
    lw_buf_putc(k, '\x1f');
    lw_buf_append(k, b.p ? b.p : "", b.n);
    return lw_keyed_get(&d->base.keys, k->p, k->len, created);
}

static void on_runtime(srt_det *d, const lw_record *rec, const lw_emitter *out)
{
    const lw_platform *p = rec->platform;
    const runtime_row *r = runtime_of(p->runtime_version);
    int64_t now = rec->ev->timestamp ? rec->ev->timestamp : out->clock_ms;
    if (!r || now <= 0 || now == INT64_MIN)
        return; /* unknown runtime, or no date to judge by */
    int64_t dep = row_ms(r);
    if (now < dep)
        return;
    bool created;
    srt_state *s = state(d, K_RUNTIME, rec->function, p->runtime_version, &created);
    if (s && s->said)
        return;
    if (s) {
        s->kind = K_RUNTIME;
        s->said = 1;
        s->last_ms = now;
    }
    snprintf(d->date, sizeof d->date, "%04d-%02d-%02d", r->y, r->m, r->d);
    lw_finding *f = &d->base.f;
    lw_finding_init(f, "stale_runtime", d->cfg.severity, rec);
    f->stream = LW_STR_NULL; /* once per function and version, whichever stream */
    f->key = p->runtime_version;
    lw_finding_title(f, "Deprecated runtime %s (%.*s), no security patches since %s", r->ident,
                     (int)p->runtime_version.n, p->runtime_version.p, d->date);
    lw_finding_str(f, "kind", lw_str_c("runtime"));
    lw_finding_str(f, "runtime", lw_str_c(r->ident));
    lw_finding_str(f, "runtime_version", p->runtime_version);
    lw_finding_str(f, "runtime_version_arn", p->runtime_arn);
    lw_finding_str(f, "deprecated_on", lw_str_c(d->date));
    lw_finding_int(f, "days_past_deprecation", (now - dep) / 86400000LL);
    lw_finding_str(f, "log_stream", rec->ev->stream);
    lw_emit(out, f);
}

static void say_agent(srt_det *d, srt_state *s, const srt_state *newest, const lw_emitter *out)
{
    s->said = 1;
    lw_event ev = {0};
    ev.group = lw_str_c(s->group);
    ev.timestamp = s->last_ms > newest->last_ms ? s->last_ms : newest->last_ms;
    lw_record rec = {0};
    rec.kind = LW_REC_SENSOR;
    rec.ev = &ev;
    rec.function = lw_str_c(s->function);
    lw_finding *f = &d->base.f;
    lw_finding_init(f, "stale_runtime", d->cfg.severity, &rec);
    lw_buf *k = &d->base.keys.key;
    lw_buf_reset(k);
    lw_buf_printf(k, "agent\x1f%s\x1f%s", s->agent_type, s->version);
    f->key = (lw_str){k->p, k->len};
    lw_finding_title(f, "Outdated protection agent %s %s; %s runs %s", s->agent_type[0] ? s->agent_type : "agent",
                     s->version, newest->function, newest->version);
    lw_finding_str(f, "kind", lw_str_c("agent"));
    lw_finding_str(f, "agent_type", lw_str_c(s->agent_type));
    lw_finding_str(f, "agent_version", lw_str_c(s->version));
    lw_finding_str(f, "newest_version", lw_str_c(newest->version));
    lw_finding_str(f, "newest_function", lw_str_c(newest->function));
    lw_emit(out, f);
}

/* Says every function of this agent type that runs an older version than
 * the newest, another function's. Costs a pass over the table: done only
 * when the newest version changes and at the end. */
static void sweep(srt_det *d, const srt_state *newest, const lw_emitter *out)
{
    lw_map_foreach(&d->base.keys.map, e) {
        srt_state *s = e->val;
        if (s->kind == K_AGENT && !s->said && !strcmp(s->agent_type, newest->agent_type) &&
            strcmp(s->function, newest->function) != 0 && version_cmp(s->version, newest->version) < 0)
            say_agent(d, s, newest, out);
    }
}

static void on_sensor(srt_det *d, const lw_record *rec, const lw_emitter *out)
{
    const lw_sensor *sn = rec->sensor;
    if (!d->cfg.agent_spread || !sn->agent_version.n)
        return;
    int64_t now = rec->ev->timestamp;
    bool created;
    srt_state *s = state(d, K_AGENT, rec->function, sn->agent_version, &created);
    if (!s)
        return;
    /* the agent type is part of what a version means: "5.1" of one agent
     * says nothing of another's */
    if (created) {
        s->kind = K_AGENT;
        copy(s->group, sizeof s->group, rec->ev->group);
        copy(s->function, sizeof s->function, rec->function);
        copy(s->agent_type, sizeof s->agent_type, sn->agent_type);
        copy(s->version, sizeof s->version, sn->agent_version);
    }
    if (now > s->last_ms)
        s->last_ms = now;
    srt_state mine = *s;
    srt_state *n = state(d, K_NEWEST, sn->agent_type, LW_STR_NULL, &created);
    if (!n)
        return;
    if (created || version_cmp(mine.version, n->version) > 0) {
        /* a newer version: it is the yardstick now */
        *n = mine;
        n->kind = K_NEWEST;
        n->said = 0;
        sweep(d, n, out);
        return;
    }
    s = state(d, K_AGENT, rec->function, sn->agent_version, NULL);
    if (s && !s->said && strcmp(s->function, n->function) != 0 && version_cmp(s->version, n->version) < 0)
        say_agent(d, s, n, out);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    srt_det *d = self;
    if (rec->kind == LW_REC_PLATFORM && rec->platform->runtime_version.n &&
        (rec->platform->type == LW_PL_INIT_START || rec->platform->type == LW_PL_RESTORE_START))
        on_runtime(d, rec, out);
    else if (rec->kind == LW_REC_SENSOR)
        on_sensor(d, rec, out);
}

const lw_detector_ops lw_detector_stale_runtime = {
    .name = "stale_runtime",
    .summary = "functions on a runtime AWS has deprecated (by the event's date), and protection agents older than "
               "other functions run",
    .options = options,
    .config_size = sizeof(srt_cfg),
    .create = create,
    .destroy = lw_keyed_det_destroy,
    .on_record = on_record,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
