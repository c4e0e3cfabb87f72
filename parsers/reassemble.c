/* reassemble: see reassemble.h. */
#include "parsers/reassemble.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/map.h"
#include "common/json.h"
#include "common/ser.h"
#include "parsers/sensor.h"

#define REASM_FORMAT 1

typedef struct line_ref {
    size_t off, len;
    int64_t ts;
} line_ref;

typedef struct rec {
    /* The header event, copied: group, stream and event id live in hdrbuf. */
    lw_buf hdrbuf;
    size_t group_n, stream_n, id_n;
    int64_t ts_first;
    /* The source's event-time progress when the record last grew: it is
     * closed as abandoned once that progress has gone max_record_age past
     * it. Not the record's own time: in a backlog read hours late every
     * record is hours behind the clock while its next line is one page
     * away. */
    int64_t seen_clock;
    const char *origin;
    uint64_t line;
    unsigned events;     /* log events that contributed */
    lw_buf json;         /* the object text, from its opening brace */
    lw_json parser;      /* jsmn state: resumed as lines arrive */
    line_ref *lines;     /* events appended after the header, for replay */
    unsigned nlines, cap;
} rec;

struct lw_reasm {
    lw_reasm_limits lim;
    lw_reasm_cb cb;
    lw_reasm_stats st;
    lw_map open;         /* key "group\0stream" -> rec* */
    lw_buf key;
    lw_json probe;       /* for records that arrive whole in one event */
    int64_t clock;       /* the latest expire's clock; INT64_MIN before the first */
};

static int64_t seen_now(const lw_reasm *r, int64_t ts) { return r->clock > ts ? r->clock : ts; }

lw_reasm *lw_reasm_new(const lw_reasm_limits *limits, const lw_reasm_cb *cb)
{
    lw_reasm *r = lw_xcalloc(1, sizeof *r);
    r->lim = (lw_reasm_limits){2u << 20, 10000, 60000, 4096, 64u << 20};
    if (limits) {
        if (limits->max_record_bytes) r->lim.max_record_bytes = limits->max_record_bytes;
        if (limits->max_record_lines) r->lim.max_record_lines = limits->max_record_lines;
        if (limits->max_record_age_ms) r->lim.max_record_age_ms = limits->max_record_age_ms;
        if (limits->max_open_records) r->lim.max_open_records = limits->max_open_records;
        if (limits->max_total_bytes) r->lim.max_total_bytes = limits->max_total_bytes;
    }
    if (r->lim.max_record_bytes > LW_JSON_MAX_DOC)
        r->lim.max_record_bytes = LW_JSON_MAX_DOC;
    r->cb = *cb;
    r->clock = INT64_MIN;
    lw_map_init(&r->open);
    lw_json_init(&r->probe);
    return r;
}

static void rec_free(rec *c)
{
    lw_buf_free(&c->hdrbuf);
    lw_buf_free(&c->json);
    lw_json_free(&c->parser);
    free(c->lines);
    free(c);
}

static lw_event rec_header(const rec *c)
{
    lw_event ev = {0};
    const char *p = c->hdrbuf.p;
    ev.group = (lw_str){p, c->group_n};
    ev.stream = (lw_str){p + c->group_n, c->stream_n};
    ev.event_id = (lw_str){p + c->group_n + c->stream_n, c->id_n};
    ev.message = (lw_str){p + c->group_n + c->stream_n + c->id_n,
                          c->hdrbuf.len - c->group_n - c->stream_n - c->id_n};
    ev.timestamp = c->ts_first;
    ev.origin = c->origin;
    ev.line = c->line;
    return ev;
}

static void make_key(lw_reasm *r, lw_str group, lw_str stream)
{
    lw_buf_reset(&r->key);
    lw_buf_append(&r->key, group.p ? group.p : "", group.n);
    lw_buf_putc(&r->key, '\0');
    lw_buf_append(&r->key, stream.p ? stream.p : "", stream.n);
}

/* Reports c as malformed and hands its swallowed lines on. c is freed. */
static void give_up(lw_reasm *r, rec *c, const char *reason)
{
    lw_event hdr = rec_header(c);
    r->st.malformed++;
    if (r->cb.on_malformed)
        r->cb.on_malformed(r->cb.ud, &hdr, reason);
    for (unsigned i = 0; i < c->nlines; i++) {
        lw_event ev = hdr;
        ev.event_id = LW_STR_NULL;
        ev.timestamp = c->lines[i].ts;
        ev.message = (lw_str){c->json.p + c->lines[i].off, c->lines[i].len};
        r->st.replayed_lines++;
        r->cb.on_message(r->cb.ud, &ev);
    }
    r->st.open_bytes -= c->json.len;
    rec_free(c);
}

static void close_key(lw_reasm *r, const char *reason)
{
    rec *c = lw_map_del(&r->open, r->key.p, r->key.len);
    if (c)
        give_up(r, c, reason);
}

/* Appends one message to c. Returns 1 when the object is complete, 0 when
 * more is needed, -1 when it cannot become valid JSON. */
static int append(rec *c, const char *msg, size_t n, bool is_line, int64_t ts)
{
    size_t at = c->json.len;
    lw_buf_append(&c->json, msg, n);
    if (!n || msg[n - 1] != '\n')
        lw_buf_putc(&c->json, '\n');
    if (is_line) {
        if (c->nlines == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 64;
            c->lines = lw_xrealloc(c->lines, c->cap * sizeof *c->lines);
        }
        c->lines[c->nlines++] = (line_ref){at, n, ts};
    }
    c->events++;
    int rc = lw_json_resume(&c->parser, c->json.p, c->json.len);
    if (rc == LW_JSON_OK || (c->parser.n > 0 && c->parser.tok[0].end >= 0))
        return 1;
    return rc == LW_JSON_PART ? 0 : -1;
}

static void complete(lw_reasm *r, rec *c)
{
    lw_event hdr = rec_header(c);
    r->st.records++;
    if (c->events > 1)
        r->st.split_records++;
    r->cb.on_record(r->cb.ud, &hdr, c->json.p, (size_t)c->parser.tok[0].end);
}

/* Gives up the record opened first (the map iterates in insertion order);
 * false when none is open. */
static bool give_up_oldest(lw_reasm *r, const char *reason)
{
    lw_map_entry *oldest = NULL;
    lw_map_foreach(&r->open, e) {
        oldest = e;
        break;
    }
    if (!oldest)
        return false;
    rec *c = lw_map_del(&r->open, oldest->key, oldest->klen);
    give_up(r, c, reason);
    return true;
}

static void enforce_global(lw_reasm *r)
{
    while ((lw_map_count(&r->open) > r->lim.max_open_records || r->st.open_bytes > r->lim.max_total_bytes) &&
           give_up_oldest(r, "evicted: too many open records"))
        ;
}

static bool interrupts(const char *m, size_t n)
{
    static const char *const pfx[] = {"START RequestId: ", "END RequestId: ", "REPORT RequestId: ",
                                      "INIT_START", "INIT_REPORT", "RESTORE_", "{\"time\":"};
    for (size_t i = 0; i < sizeof pfx / sizeof *pfx; i++) {
        size_t l = strlen(pfx[i]);
        if (n >= l && memcmp(m, pfx[i], l) == 0)
            return true;
    }
    return false;
}

static void open_record(lw_reasm *r, const lw_event *ev, size_t off)
{
    const char *js = ev->message.p + off;
    size_t n = ev->message.n - off;
    /* Whole record in one event: parse in place, no copy. */
    int rc = lw_json_parse(&r->probe, js, n);
    if (rc == LW_JSON_OK || (rc == LW_JSON_PART && r->probe.n > 0 && r->probe.tok[0].end >= 0)) {
        r->st.records++;
        r->cb.on_record(r->cb.ud, ev, js, (size_t)r->probe.tok[0].end);
        return;
    }
    if (rc != LW_JSON_PART || n > r->lim.max_record_bytes) {
        r->st.malformed++;
        if (r->cb.on_malformed)
            r->cb.on_malformed(r->cb.ud, ev, rc == LW_JSON_PART ? "record too large" : "invalid JSON");
        return;
    }
    rec *c = lw_xcalloc(1, sizeof *c);
    lw_buf_append(&c->hdrbuf, ev->group.p ? ev->group.p : "", ev->group.n);
    lw_buf_append(&c->hdrbuf, ev->stream.p ? ev->stream.p : "", ev->stream.n);
    lw_buf_append(&c->hdrbuf, ev->event_id.p ? ev->event_id.p : "", ev->event_id.n);
    lw_buf_append(&c->hdrbuf, ev->message.p, off); /* the header line only */
    c->group_n = ev->group.n;
    c->stream_n = ev->stream.n;
    c->id_n = ev->event_id.n;
    c->ts_first = ev->timestamp;
    c->seen_clock = seen_now(r, ev->timestamp);
    c->origin = ev->origin;
    c->line = ev->line;
    lw_json_init(&c->parser);
    append(c, js, n, false, ev->timestamp);
    r->st.open_bytes += c->json.len;
    make_key(r, ev->group, ev->stream);
    *lw_map_put(&r->open, r->key.p, r->key.len) = c;
    enforce_global(r);
}

void lw_reasm_feed(lw_reasm *r, const lw_event *ev)
{
    const char *m = ev->message.p;
    size_t n = ev->message.n;
    if (lw_map_count(&r->open)) {
        make_key(r, ev->group, ev->stream);
        rec *c = lw_map_get(&r->open, r->key.p, r->key.len);
        if (c) {
            size_t off;
            if (c->ts_first && ev->timestamp && ev->timestamp - c->ts_first > r->lim.max_record_age_ms) {
                close_key(r, "record did not close in time");
            } else if (lw_sensor_header(m, n, &off)) {
                close_key(r, "interrupted by a new record");
            } else if (interrupts(m, n)) {
                close_key(r, "interrupted by a platform line");
            } else if (c->nlines + 1 > r->lim.max_record_lines) {
                close_key(r, "record has too many lines");
            } else if (c->json.len + n + 1 > r->lim.max_record_bytes) {
                close_key(r, "record too large");
            } else {
                size_t before = c->json.len;
                c->seen_clock = seen_now(r, ev->timestamp);
                int done = append(c, m, n, true, ev->timestamp);
                r->st.open_bytes += c->json.len - before;
                if (done == 0) {
                    enforce_global(r);
                    return;
                }
                c = lw_map_del(&r->open, r->key.p, r->key.len);
                if (done > 0) {
                    complete(r, c);
                    r->st.open_bytes -= c->json.len;
                    rec_free(c);
                } else {
                    give_up(r, c, "invalid JSON");
                }
                return;
            }
        }
    }
    size_t off;
    if (lw_sensor_header(m, n, &off)) {
        open_record(r, ev, off);
        return;
    }
    r->cb.on_message(r->cb.ud, ev);
}

void lw_reasm_expire(lw_reasm *r, int64_t now_ms)
{
    bool first = r->clock == INT64_MIN;
    if (now_ms > r->clock)
        r->clock = now_ms;
    bool again = true;
    while (again) {
        again = false;
        lw_map_foreach(&r->open, e) {
            rec *c = e->val;
            /* Before the first expire the records' clocks were their events'
             * alone: a first clock that jumps them (the daemon's floor) is
             * no sign of an abandoned record. */
            if (first && c->seen_clock < r->clock)
                c->seen_clock = r->clock;
            if (r->clock - c->seen_clock > r->lim.max_record_age_ms) {
                rec *d = lw_map_del(&r->open, e->key, e->klen);
                give_up(r, d, "record did not close in time");
                again = true; /* the map may have been compacted */
                break;
            }
        }
    }
}

void lw_reasm_flush(lw_reasm *r)
{
    while (give_up_oldest(r, "input ended inside the record"))
        ;
}

bool lw_reasm_has_open(const lw_reasm *r, lw_str group, lw_str stream)
{
    if (!lw_map_count(&r->open))
        return false;
    lw_reasm *rw = (lw_reasm *)r; /* the key scratch buffer only */
    make_key(rw, group, stream);
    return lw_map_get(&r->open, r->key.p, r->key.len) != NULL;
}

void lw_reasm_save(const lw_reasm *r, lw_buf *out, lw_reasm_redact redact)
{
    lw_buf tmp = LW_BUF_INIT;
    lw_put_u32(out, REASM_FORMAT);
    lw_put_u64(out, (uint64_t)r->clock);
    lw_put_u32(out, (uint32_t)lw_map_count(&r->open));
    lw_map_foreach(&r->open, e) {
        const rec *c = e->val;
        size_t ids = c->group_n + c->stream_n + c->id_n;
        lw_put_str(out, c->hdrbuf.p, ids);
        lw_put_u64(out, c->group_n);
        lw_put_u64(out, c->stream_n);
        lw_buf_reset(&tmp);
        redact(c->hdrbuf.p + ids, c->hdrbuf.len - ids, &tmp);
        lw_put_str(out, tmp.p, tmp.len);
        lw_put_u64(out, (uint64_t)c->ts_first);
        lw_put_u64(out, (uint64_t)c->seen_clock);
        lw_put_u64(out, c->line);
        /* The text as it arrived, the header's part and each line, so the
         * restore appends it the way it first was: one mask per line. */
        size_t first = c->nlines ? c->lines[0].off : c->json.len;
        lw_buf_reset(&tmp);
        redact(c->json.p, first, &tmp);
        lw_put_str(out, tmp.p, tmp.len);
        lw_put_u32(out, c->nlines);
        for (unsigned i = 0; i < c->nlines; i++) {
            lw_buf_reset(&tmp);
            redact(c->json.p + c->lines[i].off, c->lines[i].len, &tmp);
            lw_put_str(out, tmp.p, tmp.len);
            lw_put_u64(out, (uint64_t)c->lines[i].ts);
        }
    }
    lw_buf_free(&tmp);
}

/* One saved record, appended again line by line as it first arrived and
 * checked as if it had: its bounds kept, its JSON still open. NULL when
 * not. */
static rec *restore_one(lw_reasm *r, lw_rd *rd)
{
    rec *c = lw_xcalloc(1, sizeof *c);
    lw_json_init(&c->parser);
    size_t n, hn;
    const char *p = lw_get_str(rd, &n);
    lw_buf_append(&c->hdrbuf, p ? p : "", n);
    c->group_n = lw_get_u64(rd);
    c->stream_n = lw_get_u64(rd);
    bool ok = c->group_n <= n && c->stream_n <= n - c->group_n;
    c->id_n = ok ? n - c->group_n - c->stream_n : 0;
    p = lw_get_str(rd, &hn);
    lw_buf_append(&c->hdrbuf, p ? p : "", hn);
    c->ts_first = (int64_t)lw_get_u64(rd);
    c->seen_clock = (int64_t)lw_get_u64(rd);
    c->line = lw_get_u64(rd);
    p = lw_get_str(rd, &n);
    int rc = ok && !rd->bad && n <= r->lim.max_record_bytes ? append(c, p, n, false, c->ts_first) : -1;
    uint32_t nlines = lw_get_u32(rd);
    ok = rc == 0 && nlines <= r->lim.max_record_lines;
    for (uint32_t i = 0; ok && i < nlines; i++) {
        p = lw_get_str(rd, &n);
        int64_t ts = (int64_t)lw_get_u64(rd);
        ok = !rd->bad && c->json.len + n + 1 <= r->lim.max_record_bytes && append(c, p, n, true, ts) == 0;
    }
    if (ok && !rd->bad)
        return c;
    rec_free(c);
    rd->bad = true;
    return NULL;
}

int lw_reasm_restore(lw_reasm *r, const char *p, size_t n)
{
    lw_rd rd = {p, n, false};
    if (lw_get_u32(&rd) != REASM_FORMAT)
        return -1;
    int64_t clock = (int64_t)lw_get_u64(&rd);
    uint32_t count = lw_get_u32(&rd);
    for (uint32_t i = 0; i < count && !rd.bad; i++) {
        rec *c = restore_one(r, &rd);
        if (!c)
            break;
        c->origin = "saved state";
        make_key(r, (lw_str){c->hdrbuf.p, c->group_n}, (lw_str){c->hdrbuf.p + c->group_n, c->stream_n});
        void **slot = lw_map_put(&r->open, r->key.p, r->key.len);
        if (*slot) { /* the same stream twice: not a blob we wrote */
            rec_free(c);
            rd.bad = true;
            break;
        }
        *slot = c;
        r->st.open_bytes += c->json.len;
    }
    if (rd.bad || rd.n) {
        lw_map_foreach(&r->open, e) rec_free(e->val);
        lw_map_free(&r->open);
        lw_map_init(&r->open);
        r->st.open_bytes = 0;
        return -1;
    }
    r->clock = clock;
    enforce_global(r);
    return 0;
}

size_t lw_reasm_open_count(const lw_reasm *r) { return lw_map_count(&r->open); }

const lw_reasm_stats *lw_reasm_stats_get(const lw_reasm *r)
{
    ((lw_reasm *)r)->st.open_records = lw_map_count(&r->open);
    return &r->st;
}

void lw_reasm_free(lw_reasm *r)
{
    if (!r)
        return;
    lw_map_foreach(&r->open, e) rec_free(e->val);
    lw_map_free(&r->open);
    lw_buf_free(&r->key);
    lw_json_free(&r->probe);
    free(r);
}
