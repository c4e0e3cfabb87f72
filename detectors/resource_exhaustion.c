/*
 * resource_exhaustion: fork bombs, descriptor leaks and allocation
 * failures inside a function, with the exit and duration of the
 * invocation they happened in.
 *
 * What each runtime says when a process, thread, descriptor or memory
 * limit is hit (Lambda caps processes/threads at 1024 and descriptors at
 * 1024 per environment):
 *   shell    fork: retry: Resource temporarily unavailable; fork: Cannot allocate memory
 *   Python   BlockingIOError: [Errno 11]; OSError: [Errno 24] Too many open files; [Errno 12]
 *   Node.js  spawn EAGAIN / ENOMEM; EMFILE: too many open files
 *   Java     java.io.IOException: Too many open files ("unable to create native
 *            thread" is a java.lang.OutOfMemoryError: out_of_memory says it, not us)
 *   Go       pthread_create failed: Resource temporarily unavailable;
 *            runtime: failed to create new OS thread; fork/exec: resource temporarily unavailable
 *   .NET     System.IO.IOException: Too many open files; ... Resource temporarily unavailable
 *   Ruby     Errno::EAGAIN, Errno::EMFILE, Errno::ENOMEM; can't create Thread (ThreadError)
 *   custom   any of the libc messages above
 * and, from the platform, "Runtime exited with error: signal: killed"
 * while the REPORT shows memory left: killed, but not by the OOM killer.
 * Lines a runtime's own OOM check claims (lw_app_is_oom) are left to
 * out_of_memory.
 *
 * The literals run through the shared prefilter (common/pattern.c); a
 * hit opens a pending invocation for its log stream, completed by the
 * invocation's REPORT (duration, timeout, exit, memory) or, when none
 * comes, after 15 minutes of event time (Lambda's longest timeout) or at
 * the end of input. One finding per environment (log stream) per
 * window_s, medium; high when the function's environments repeat it: a
 * second stream within window_s.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/map.h"
#include "detectors/detector.h"
#include "detectors/keyed.h"
#include "detectors/rules.h"
#include "parsers/applog.h"

typedef struct rex_cfg {
    lw_severity severity, repeated_severity;
    double window_s, max_functions, max_scan_bytes;
} rex_cfg;

static const lw_option options[] = {
    LW_OPT("severity", LW_OPT_SEVERITY, "medium", offsetof(rex_cfg, severity), 0, 0,
           "severity of resource exhaustion in one execution environment"),
    LW_OPT("repeated_severity", LW_OPT_SEVERITY, "high", offsetof(rex_cfg, repeated_severity), 0, 0,
           "severity once a second environment (log stream) of the function shows it within window_s"),
    LW_OPT("window_s", LW_OPT_DURATION, "3600", offsetof(rex_cfg, window_s), 60, 7 * 86400,
           "one finding per environment in this much event time; environments this close count as repeats"),
    LW_OPT("max_functions", LW_OPT_INT, "10000", offsetof(rex_cfg, max_functions), 1, 1e7, "functions tracked"),
    LW_OPT("max_scan_bytes", LW_OPT_SIZE, "8192", offsetof(rex_cfg, max_scan_bytes), 64, 1 << 20,
           "bytes of each log line looked at"),
    LW_OPT_END,
};

enum cls { C_NONE = 0, C_PROC, C_FD, C_MEM, C_KILLED, C_COUNT };
static const char *const cls_name[C_COUNT] = {"", "process_limit", "file_descriptors", "memory_allocation",
                                             "killed_without_oom"};
static const char *const cls_title[C_COUNT] = {"", "process or thread limit reached (fork bomb?)",
                                              "file descriptors exhausted (descriptor leak?)",
                                              "memory allocation failed", "killed without running out of memory"};

enum { G_PROC = 1, G_FD = 2, G_MEM = 4 };
static const lw_lit_def lits[] = {
    {"esource temporarily unav", true, G_PROC}, /* libc EAGAIN: fork, pthread_create, .NET, Go */
    {"fork: retry", false, G_PROC},
    {"spawn EAGAIN", false, G_PROC},
    {"[Errno 11]", false, G_PROC},
    {"Errno::EAGAIN", false, G_PROC},
    {"failed to create new OS", false, G_PROC},
    {"pthread_create failed", false, G_PROC},
    {"can't create Thread", false, G_PROC},
    {"EMFILE", false, G_FD},
    {"oo many open files", true, G_FD},
    {"[Errno 24]", false, G_FD},
    {"annot allocate memory", true, G_MEM},
    {"ENOMEM", false, G_MEM},
    {"[Errno 12]", false, G_MEM},
};

#define ENVS 8
#define PENDING 4
#define MSG_MAX 160
#define RID_MAX 40
#define STALE_MS (15 * 60 * 1000LL)

typedef struct env_slot {
    uint64_t stream;  /* hash | 1; 0 = free */
    int64_t said_ms;  /* event time of its last finding */
    uint32_t suppressed;
} env_slot;

typedef struct pending {
    uint64_t stream; /* 0 = free */
    int64_t first_ms, seen_clock;
    uint32_t lines;
    uint8_t cls, killed;
    float timeout_s; /* from a "Task timed out after" line; 0 = none */
    char rid[RID_MAX];
    char stream_name[96];
    char msg[MSG_MAX];
} pending;

typedef struct rex_state {
    char group[160];
    env_slot env[ENVS];
    pending pend[PENDING];
    uint64_t evicted; /* environments or pendings pushed out by newer ones */
} rex_state;

/* Bumped with any change to rex_state. */
#define REX_FORMAT 1

static bool valid(const void *p)
{
    const rex_state *s = p;
    if (!memchr(s->group, 0, sizeof s->group))
        return false;
    for (int i = 0; i < PENDING; i++)
        if (s->pend[i].cls >= C_COUNT || !memchr(s->pend[i].rid, 0, RID_MAX) || !memchr(s->pend[i].msg, 0, MSG_MAX) ||
            !memchr(s->pend[i].stream_name, 0, sizeof s->pend[i].stream_name))
            return false;
    return true;
}

typedef struct rex_det {
    lw_keyed_det base; /* key: function; state: rex_state */
    rex_cfg cfg;
    lw_litset lits;
    lw_buf scratch;
} rex_det;

static void *create(const void *cfgp)
{
    const rex_cfg *cfg = cfgp;
    rex_det *d = lw_keyed_det_new(sizeof *d, sizeof(rex_state), lw_opt_size(cfg->max_functions, 10000), REX_FORMAT,
                                  valid);
    d->cfg = *cfg;
    lw_litset_init(&d->lits);
    char err[256];
    for (size_t i = 0; i < sizeof lits / sizeof *lits; i++)
        if (lw_litset_add(&d->lits, lits[i].s, lits[i].nocase, lits[i].groups) < 0)
            abort(); /* a fixed table: a literal that does not fit is a programming error */
    if (lw_litset_build(&d->lits, err, sizeof err) < 0) {
        fprintf(stderr, "lambdaward: resource_exhaustion: %s\n", err);
        abort();
    }
    return d;
}

static void destroy(void *self)
{
    rex_det *d = self;
    lw_litset_free(&d->lits);
    lw_buf_free(&d->scratch);
    lw_keyed_det_destroy(d);
}

static void copy(char *dst, size_t cap, lw_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static uint64_t stream_hash(lw_str s) { return lw_hash64(s.p ? s.p : "", s.n) | 1; }

/* How many environments of the function said it within the window
 * (this one included), after noting this one. */
static int environments(rex_det *d, rex_state *s, uint64_t stream, int64_t now, env_slot **mine)
{
    int64_t win = (int64_t)(d->cfg.window_s * 1000);
    env_slot *slot = NULL, *oldest = NULL;
    for (int i = 0; i < ENVS && !slot; i++)
        if (s->env[i].stream == stream)
            slot = &s->env[i];
    /* room: a free slot, else the one that spoke longest ago */
    for (int i = 0; i < ENVS && !slot; i++)
        if (!oldest || !s->env[i].stream || (oldest->stream && s->env[i].said_ms < oldest->said_ms))
            oldest = &s->env[i];
    if (!slot) {
        if (oldest->stream)
            s->evicted++;
        slot = oldest;
        memset(slot, 0, sizeof *slot);
        slot->stream = stream;
        slot->said_ms = INT64_MIN;
    }
    int n = 1;
    for (int i = 0; i < ENVS; i++)
        if (&s->env[i] != slot && s->env[i].stream && s->env[i].said_ms != INT64_MIN && now - s->env[i].said_ms <= win &&
            s->env[i].said_ms - now <= win)
            n++;
    *mine = slot;
    return n;
}

/* Reports a pending invocation (with its REPORT when p is given) and frees
 * its slot. */
static void finish(rex_det *d, rex_state *s, lw_str function, pending *pd, const lw_platform *p, int64_t now,
                   const lw_emitter *out)
{
    if (pd->cls == C_KILLED && !(p && p->max_memory_mb >= 0 && p->memory_size_mb > 0 && p->max_memory_mb < p->memory_size_mb &&
                                 !lw_str_eq(p->error_type, "Runtime.OutOfMemory"))) {
        memset(pd, 0, sizeof *pd); /* killed with memory full, or unknown: out_of_memory's */
        return;
    }
    if (pd->cls == C_MEM && p && lw_str_eq(p->error_type, "Runtime.OutOfMemory")) {
        memset(pd, 0, sizeof *pd); /* an OOM kill: out_of_memory says it */
        return;
    }
    int64_t at = pd->first_ms;
    env_slot *env;
    int nenv = environments(d, s, pd->stream, at, &env);
    int64_t win = (int64_t)(d->cfg.window_s * 1000);
    if (env->said_ms != INT64_MIN && at - env->said_ms < win && at >= env->said_ms) {
        env->suppressed++;
        memset(pd, 0, sizeof *pd);
        return;
    }
    env->said_ms = at;
    lw_event ev = {0};
    ev.group = lw_str_c(s->group);
    ev.stream = lw_str_c(pd->stream_name);
    ev.timestamp = at;
    lw_record rec = {0};
    rec.kind = LW_REC_TEXT;
    rec.ev = &ev;
    rec.function = function;
    lw_finding *f = &d->base.f;
    lw_severity sev = nenv >= 2 ? lw_sev_at_least(d->cfg.repeated_severity, d->cfg.severity) : d->cfg.severity;
    lw_finding_init(f, "resource_exhaustion", sev, &rec);
    f->request_id = lw_str_c(pd->rid);
    lw_buf_reset(&d->scratch);
    if (!pd->rid[0])
        lw_buf_printf(&d->scratch, "t%" PRId64, at);
    f->key = (lw_str){d->scratch.p, d->scratch.len};
    f->count = pd->lines ? pd->lines : 1;
    if (nenv >= 2)
        lw_finding_title(f, "Resource exhaustion in %d environments: %s", nenv, cls_title[pd->cls]);
    else
        lw_finding_title(f, "Resource exhaustion: %s", cls_title[pd->cls]);
    lw_finding_str(f, "class", lw_str_c(cls_name[pd->cls]));
    lw_finding_str(f, "request_id", lw_str_c(pd->rid));
    lw_finding_str(f, "message", lw_str_c(pd->msg));
    lw_finding_int(f, "lines", pd->lines);
    lw_finding_int(f, "environments", nenv);
    lw_finding_bool(f, "runtime_killed", pd->killed);
    if (p) {
        if (p->duration_ms >= 0)
            lw_finding_num(f, "duration_ms", p->duration_ms);
        if (pd->timeout_s > 0)
            lw_finding_num(f, "timeout_s", pd->timeout_s);
        if (p->memory_size_mb >= 0)
            lw_finding_int(f, "memory_size_mb", p->memory_size_mb);
        if (p->max_memory_mb >= 0)
            lw_finding_int(f, "max_memory_used_mb", p->max_memory_mb);
        static const char *const st[] = {"", "success", "error", "failure", "timeout"};
        if (p->status > LW_ST_NONE && p->status <= LW_ST_TIMEOUT)
            lw_finding_str(f, "status", lw_str_c(st[p->status]));
        lw_finding_str(f, "error_type", p->error_type);
    } else {
        if (pd->timeout_s > 0)
            lw_finding_num(f, "timeout_s", pd->timeout_s);
        lw_finding_bool(f, "report_seen", false);
    }
    (void)now;
    lw_emit(out, f);
    memset(pd, 0, sizeof *pd);
}

/* The function's state if it has one: a REPORT alone creates none, so
 * only functions that showed exhaustion cost memory. */
static rex_state *existing(rex_det *d, lw_str function)
{
    return lw_map_get(&d->base.keys.map, function.p ? function.p : "", function.n);
}

static pending *find(rex_state *s, uint64_t stream)
{
    for (int i = 0; i < PENDING; i++)
        if (s->pend[i].stream == stream)
            return &s->pend[i];
    return NULL;
}

/* A free pending slot, reporting the oldest pending to make room. */
static pending *slot(rex_det *d, rex_state *s, lw_str function, const lw_emitter *out)
{
    pending *old = NULL;
    for (int i = 0; i < PENDING; i++) {
        if (!s->pend[i].stream)
            return &s->pend[i];
        if (!old || s->pend[i].first_ms < old->first_ms)
            old = &s->pend[i];
    }
    s->evicted++;
    finish(d, s, function, old, NULL, old->first_ms, out);
    return old;
}

static enum cls classify(rex_det *d, lw_str m)
{
    uint32_t g = lw_litset_scan(&d->lits, m.p, lw_scan_len(m.n, d->cfg.max_scan_bytes));
    if (!g || lw_app_is_oom(m.p, m.n))
        return C_NONE;
    return g & G_PROC ? C_PROC : g & G_FD ? C_FD : C_MEM;
}

static rex_state *state_of(rex_det *d, const lw_record *rec)
{
    bool created;
    rex_state *s = lw_keyed_fn(&d->base.keys, rec->function, NULL, &created);
    if (s && created)
        copy(s->group, sizeof s->group, rec->ev->group);
    return s;
}

static void open_pending(rex_det *d, const lw_record *rec, enum cls c, lw_str rid, lw_str msg, const lw_emitter *out)
{
    uint64_t h = stream_hash(rec->ev->stream);
    rex_state *s = state_of(d, rec);
    if (!s)
        return;
    lw_str fn = rec->function;
    pending *pd = find(s, h);
    if (pd && rid.n && pd->rid[0] && !lw_str_eq(rid, pd->rid)) {
        finish(d, s, fn, pd, NULL, rec->ev->timestamp, out); /* its REPORT never came */
        pd = NULL;
    }
    if (!pd) {
        pd = slot(d, s, fn, out);
        pd->stream = h;
        pd->first_ms = rec->ev->timestamp;
        copy(pd->stream_name, sizeof pd->stream_name, rec->ev->stream);
    }
    if (!pd->rid[0])
        copy(pd->rid, RID_MAX, rid);
    if (c == C_KILLED) {
        pd->killed = 1;
        if (!pd->cls)
            pd->cls = C_KILLED;
    } else {
        pd->lines++;
        if (!pd->cls || pd->cls == C_KILLED) {
            pd->cls = (uint8_t)c;
            copy(pd->msg, MSG_MAX, msg);
        }
    }
    pd->seen_clock = out->clock_ms;
}

static void on_report(rex_det *d, const lw_record *rec, const lw_emitter *out)
{
    const lw_platform *p = rec->platform;
    uint64_t h = stream_hash(rec->ev->stream);
    rex_state *s = existing(d, rec->function);
    pending *pd = s ? find(s, h) : NULL;
    if (!pd || (pd->rid[0] && p->request_id.n && !lw_str_eq(p->request_id, pd->rid)))
        return;
    finish(d, s, rec->function, pd, p, rec->ev->timestamp, out);
}

static void on_record(void *self, const lw_record *rec, const lw_emitter *out)
{
    rex_det *d = self;
    switch (rec->kind) {
    case LW_REC_APP:
    case LW_REC_TEXT: {
        if (rec->kind == LW_REC_APP && rec->app->oom)
            return;
        enum cls c = classify(d, rec->ev->message);
        if (c)
            open_pending(d, rec, c, lw_record_request_id(rec), rec->ev->message, out);
        return;
    }
    case LW_REC_PLATFORM: {
        const lw_platform *p = rec->platform;
        if (p->type == LW_PL_RUNTIME_EXIT && p->exit_reason.n >= 14 &&
            memmem(p->exit_reason.p, p->exit_reason.n, "signal: killed", 14))
            open_pending(d, rec, C_KILLED, p->request_id, LW_STR_NULL, out);
        else if (p->type == LW_PL_REPORT)
            on_report(d, rec, out);
        else if (p->type == LW_PL_TIMED_OUT && p->timeout_s > 0) {
            rex_state *s = existing(d, rec->function);
            pending *pd = s ? find(s, stream_hash(rec->ev->stream)) : NULL;
            if (pd)
                pd->timeout_s = (float)p->timeout_s;
        }
        return;
    }
    default:
        return;
    }
}

static void sweep(rex_det *d, int64_t now, bool all, const lw_emitter *out)
{
    lw_map_foreach(&d->base.keys.map, e) {
        rex_state *s = e->val;
        for (int i = 0; i < PENDING; i++) {
            pending *pd = &s->pend[i];
            if (pd->stream && pd->seen_clock == INT64_MIN)
                pd->seen_clock = now; /* seen before any clock: count from here */
            if (pd->stream && (all || now - pd->seen_clock > STALE_MS))
                finish(d, s, (lw_str){e->key, e->klen}, pd, NULL, now, out);
        }
    }
}

static void tick(void *self, int64_t now_ms, const lw_emitter *out) { sweep(self, now_ms, false, out); }
static void flush(void *self, const lw_emitter *out) { sweep(self, 0, true, out); }

const lw_detector_ops lw_detector_resource_exhaustion = {
    .name = "resource_exhaustion",
    .summary = "fork bombs, descriptor leaks, failed allocations and kills without an OOM, per runtime, with the "
               "invocation's exit and duration",
    .options = options,
    .config_size = sizeof(rex_cfg),
    .create = create,
    .destroy = destroy,
    .on_record = on_record,
    .tick = tick,
    .flush = flush,
    .save = lw_keyed_det_save,
    .restore = lw_keyed_det_restore,
};
