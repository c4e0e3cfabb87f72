/* decode: see decode.h. */
#include "parsers/decode.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/gzip.h"
#include "common/json.h"
#include "common/jsonw.h"
#include "common/timeutil.h"
#include "parsers/sniff.h"

#define MAX_LINE LW_JSON_MAX_DOC
#define SCAN_STACK 256 /* containers whose kind the scanner remembers */

enum mode { MODE_UNKNOWN, MODE_JSON, MODE_TEXT };

struct lw_decoder {
    lw_decoder_opts o;
    lw_decode_stats st;
    lw_buf in;           /* bytes kept between feeds */
    const char *view;    /* what process() works on: in.p, or the caller's chunk */
    size_t view_len;
    size_t off;          /* next unprocessed byte in view */
    uint64_t line;       /* line number at in.p + off */
    enum mode mode;

    /* gzip: decided on the first two bytes of input */
    int gz;              /* -1 undecided, 0 no, 1 yes */
    lw_gunzip z;

    /* a JSON document spanning lines, scanned incrementally */
    bool in_doc, skipping;
    size_t scan;         /* next byte to scan (offset in in) */
    int depth;
    bool in_str, esc;
    /* for telling a continuation line from a new document (continues()) */
    int col;             /* indentation of the current line, between documents */
    bool line_start;     /* nothing but blanks yet on the current line */
    int start_indent;    /* indentation of the line the document starts on */
    bool at_bol;         /* the scanner is in a line's leading blanks */
    int bol_indent;
    char last_sig;       /* last byte outside strings that is not blank */
    char open[SCAN_STACK]; /* '{' or '[' per depth */

    /* binary input: judged once on the first LW_SNIFF_LEN text bytes */
    bool sniffed, dead, nul_seen;
    uint64_t text_off;   /* text bytes (after gunzip) before view */
    lw_buf nonul;        /* a chunk with its NUL bytes taken out */

    bool skip_line;      /* text line over MAX_LINE: drop to the next newline */

    lw_json json;        /* the decoder's own parses */
    const lw_json *j;    /* what handle_value reads: &json, or a caller's parsed page */
    lw_buf msg, grp, strm, eid;
    lw_buf tail_stream;  /* last stream seen in `aws logs tail` text */
};

static void verr(lw_decoder *d, uint64_t line, uint64_t lines, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    d->st.errors++;
    d->st.damaged_lines += lines;
    if (d->o.on_error)
        d->o.on_error(d->o.err_ud ? d->o.err_ud : d->o.ud, d->o.origin, line, msg);
}

/* An error at a line (line 0: about the input, with the byte offset in the
 * message) that costs no line, and one that cost `lines` lines from `line`
 * on: st.damaged_lines counts what damage cost, so that an export of N
 * lines with K damaged ones can be checked to yield exactly N - K events. */
static void err(lw_decoder *d, uint64_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(lw_decoder *d, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(d, line, 0, fmt, ap);
    va_end(ap);
}

static void err_lines(lw_decoder *d, uint64_t line, uint64_t lines, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_lines(lw_decoder *d, uint64_t line, uint64_t lines, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(d, line, lines, fmt, ap);
    va_end(ap);
}

lw_decoder *lw_decoder_new(const lw_decoder_opts *opts)
{
    lw_decoder *d = lw_xcalloc(1, sizeof *d);
    d->o = *opts;
    if (!d->o.origin)
        d->o.origin = "-";
    d->line = 1;
    d->gz = -1;
    d->line_start = true;
    lw_json_init(&d->json);
    d->j = &d->json;
    return d;
}

void lw_decoder_free(lw_decoder *d)
{
    if (!d)
        return;
    lw_gunzip_free(&d->z);
    lw_json_free(&d->json);
    lw_buf_free(&d->in);
    lw_buf_free(&d->msg);
    lw_buf_free(&d->grp);
    lw_buf_free(&d->strm);
    lw_buf_free(&d->eid);
    lw_buf_free(&d->tail_stream);
    lw_buf_free(&d->nonul);
    free(d);
}

const lw_decode_stats *lw_decoder_stats(const lw_decoder *d) { return &d->st; }

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t c = 0;
    const char *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

/* The members lambdaward reads from event containers, found in one pass
 * over an object's keys (this is the per-line hot path). -1 = absent. */
typedef struct members {
    int message, group, stream, event_id, id, timestamp, ingestion;
    int events, log_events, message_type, log_group, log_stream;
    int session_results, group_id; /* Live Tail sessionUpdate */
} members;

static void scan_members(const lw_json *j, int obj, members *m)
{
    memset(m, 0xff, sizeof *m);
    if (obj < 0 || j->tok[obj].type != JSMN_OBJECT)
        return;
    int n = j->tok[obj].size, k = obj + 1;
    for (int i = 0; i < n && k + 1 < j->n; i++) {
        const char *kp = j->js + j->tok[k].start;
        size_t kl = (size_t)(j->tok[k].end - j->tok[k].start);
        int v = k + 1;
#define K(lit, field) if (kl == sizeof lit - 1 && memcmp(kp, lit, kl) == 0) m->field = v
        switch (kl) {
        case 2: K("id", id); break;
        case 6: K("events", events); break;
        case 7: K("message", message); else K("eventId", event_id); break;
        case 8: K("logGroup", log_group); break;
        case 9: K("timestamp", timestamp); else K("logEvents", log_events); else K("logStream", log_stream); break;
        case 11: K("messageType", message_type); break;
        case 12: K("logGroupName", group); break;
        case 13: K("logStreamName", stream); else K("ingestionTime", ingestion); break;
        case 14: K("sessionResults", session_results); break;
        case 18: K("logGroupIdentifier", group_id); break;
        }
#undef K
        /* scalars are one token; only containers need a subtree walk */
        k = (j->tok[v].type == JSMN_STRING || j->tok[v].type == JSMN_PRIMITIVE) ? v + 1 : lw_json_next(j, v);
    }
}

/* No backslash and no byte >= 0x80, checked eight bytes at a time. */
static bool plain_ascii(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t bs = ones * '\\';
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ bs; /* a zero byte where w has a backslash */
        if ((w & highs) || ((x - ones) & ~x & highs))
            return false;
    }
    for (; i < n; i++)
        if (p[i] == '\\' || (p[i] & 0x80))
            return false;
    return true;
}

/* A string value, unescaped only when it holds escapes or non-ASCII. */
static lw_str tok_str(lw_decoder *d, int t, lw_buf *scratch)
{
    if (!lw_json_is_str(d->j, t))
        return LW_STR_NULL;
    const char *raw = lw_json_raw(d->j, t);
    size_t n = lw_json_rawlen(d->j, t);
    if (plain_ascii(raw, n))
        return (lw_str){raw, n};
    lw_buf_reset(scratch);
    lw_json_unescape(raw, n, scratch);
    return (lw_str){scratch->p, scratch->len};
}

static int64_t tok_int(lw_decoder *d, int t)
{
    int64_t v = 0;
    if (t < 0 || !lw_json_int(d->j, t, &v))
        return 0;
    return v;
}

/* A Live Tail logGroupIdentifier names the group by ARN
 * ("arn:aws:logs:REGION:ACCOUNT:log-group:NAME", perhaps with ":*"), as
 * "ACCOUNT:NAME", or by name: the events carry the name, as polled ones do. */
static lw_str group_from_identifier(lw_str id)
{
    static const char tag[] = ":log-group:";
    if (id.n > 4 && !memcmp(id.p, "arn:", 4)) {
        for (size_t i = 4; i + sizeof tag - 1 <= id.n; i++)
            if (!memcmp(id.p + i, tag, sizeof tag - 1)) {
                lw_str name = {id.p + i + sizeof tag - 1, id.n - i - (sizeof tag - 1)};
                if (name.n >= 2 && !memcmp(name.p + name.n - 2, ":*", 2))
                    name.n -= 2;
                return name;
            }
        return id;
    }
    size_t digits = 0;
    while (digits < id.n && id.p[digits] >= '0' && id.p[digits] <= '9')
        digits++;
    if (digits == 12 && id.n > 13 && id.p[12] == ':')
        return (lw_str){id.p + 13, id.n - 13};
    return id;
}

static void emit(lw_decoder *d, lw_event *ev)
{
    d->st.events++;
    if (!ev->group.n && d->o.default_group)
        ev->group = lw_str_c(d->o.default_group);
    if (!ev->stream.n && d->o.default_stream)
        ev->stream = lw_str_c(d->o.default_stream);
    ev->origin = d->o.origin;
    d->o.on_event(d->o.ud, ev);
}

/* One event object: FilterLogEvents/GetLogEvents element, a JSON Lines
 * event, or a subscription logEvents element (id instead of eventId). */
static void emit_event_obj(lw_decoder *d, int t, const members *known, lw_str group, lw_str stream, uint64_t line)
{
    members mm;
    if (!known) {
        scan_members(d->j, t, &mm);
        known = &mm;
    }
    int m = known->message;
    if (!lw_json_is_str(d->j, m)) {
        err(d, line, "event without a string \"message\" member");
        return;
    }
    lw_event ev = {0};
    lw_buf_reset(&d->msg);
    if (lw_json_str(d->j, m, &d->msg) < 0)
        err(d, line, "invalid escape in message (replaced with U+FFFD)");
    ev.message = (lw_str){d->msg.p ? d->msg.p : "", d->msg.len};
    ev.group = group.n ? group : tok_str(d, known->group, &d->grp);
    if (!ev.group.n && known->group_id >= 0)
        ev.group = group_from_identifier(tok_str(d, known->group_id, &d->grp));
    ev.stream = stream.n ? stream : tok_str(d, known->stream, &d->strm);
    ev.event_id = tok_str(d, known->event_id >= 0 ? known->event_id : known->id, &d->eid);
    ev.timestamp = tok_int(d, known->timestamp);
    ev.ingestion = tok_int(d, known->ingestion);
    ev.line = line;
    emit(d, &ev);
}

static void emit_text(lw_decoder *d, const char *p, size_t n, uint64_t line);

/* Is this object one CloudWatch event (not an application JSON log line,
 * whose "timestamp" is a string)? */
static bool is_event(const lw_json *j, const members *m)
{
    if (!lw_json_is_str(j, m->message))
        return false;
    if (m->timestamp >= 0)
        return j->tok[m->timestamp].type == JSMN_PRIMITIVE;
    return m->stream >= 0 || m->event_id >= 0;
}

enum doc_kind { DOC_OTHER, DOC_EVENT, DOC_PAGE, DOC_SUBSCRIPTION, DOC_ARRAY, DOC_LIVETAIL };

static enum doc_kind classify_doc(const lw_json *j, int t, members *m)
{
    scan_members(j, t, m);
    if (j->tok[t].type == JSMN_ARRAY) {
        if (j->tok[t].size == 0)
            return DOC_ARRAY;
        members first;
        scan_members(j, t + 1, &first);
        return is_event(j, &first) ? DOC_ARRAY : DOC_OTHER;
    }
    if (j->tok[t].type != JSMN_OBJECT)
        return DOC_OTHER;
    /* first: a Live Tail update is read as one whatever else it holds */
    if (m->session_results >= 0 && j->tok[m->session_results].type == JSMN_ARRAY)
        return DOC_LIVETAIL;
    if (m->log_events >= 0 && j->tok[m->log_events].type == JSMN_ARRAY && m->message_type >= 0)
        return DOC_SUBSCRIPTION;
    if (m->events >= 0 && j->tok[m->events].type == JSMN_ARRAY)
        return DOC_PAGE;
    return is_event(j, m) ? DOC_EVENT : DOC_OTHER;
}

/* The events of a page or a subscription's logEvents: anything but an
 * object is reported by its place in array arr (named what) and skipped. */
static void emit_events(lw_decoder *d, int arr, const char *what, lw_str group, lw_str stream, uint64_t line)
{
    const lw_json *j = d->j;
    int n = j->tok[arr].size, e = arr + 1;
    for (int i = 0; i < n && e < j->n; i++, e = lw_json_next(j, e)) {
        if (j->tok[e].type != JSMN_OBJECT) {
            err(d, line, "%s[%d] is not an object", what, i);
            continue;
        }
        emit_event_obj(d, e, NULL, group, stream, line);
    }
}

static void handle_value(lw_decoder *d, int t, uint64_t line)
{
    const lw_json *j = d->j;
    d->st.documents++;
    members m;
    switch (classify_doc(j, t, &m)) {
    case DOC_EVENT:
        emit_event_obj(d, t, &m, LW_STR_NULL, LW_STR_NULL, line);
        break;
    case DOC_PAGE:
    case DOC_ARRAY:
        emit_events(d, j->tok[t].type == JSMN_ARRAY ? t : m.events, "events", LW_STR_NULL, LW_STR_NULL, line);
        break;
    case DOC_LIVETAIL:
        emit_events(d, m.session_results, "sessionResults", LW_STR_NULL, LW_STR_NULL, line);
        break;
    case DOC_SUBSCRIPTION: {
        if (lw_json_eq(j, m.message_type, "CONTROL_MESSAGE")) {
            d->st.control_messages++;
            break;
        }
        /* group/stream scratch buffers must survive the whole batch, so
         * these two use their own buffers, and events cannot override them. */
        lw_str group = tok_str(d, m.log_group, &d->grp);
        lw_str stream = tok_str(d, m.log_stream, &d->strm);
        emit_events(d, m.log_events, "logEvents", group, stream, line);
        break;
    }
    case DOC_OTHER:
        if (d->mode == MODE_JSON) {
            /* A JSON value that is no event container in a JSON input: keep
             * it as a message rather than lose it (e.g. a raw Lambda JSON
             * log line mixed into an export). */
            emit_text(d, lw_json_raw(j, t), lw_json_rawlen(j, t), line);
        }
        break;
    }
}

/* Parses doc [s, s+n) into d->json. Returns the jsmn result so the caller
 * can tell incomplete from invalid. */
static int parse_doc(lw_decoder *d, const char *s, size_t n)
{
    int r = lw_json_parse(&d->json, s, n);
    if (r != LW_JSON_OK)
        return r;
    /* Documents are objects or arrays; a bare primitive between them is
     * junk, exactly as the scanner sees it when the line comes in pieces. */
    for (int t = 0; t < d->json.n; t = lw_json_next(&d->json, t))
        if (d->json.tok[t].type != JSMN_OBJECT && d->json.tok[t].type != JSMN_ARRAY)
            return LW_JSON_INVAL;
    return r;
}

/* Handles each top-level value of the document just parsed. */
static void handle_parsed(lw_decoder *d, uint64_t line)
{
    for (int t = 0; t < d->json.n; t = lw_json_next(&d->json, t))
        handle_value(d, t, line);
}

/* Is a line of a document spanning lines that opens with '{' or '[' part
 * of that document, or the start of a new one after damage?
 *
 * JSON Lines put one document on each line, at the left margin; a line
 * cut after a comma, a stray '{' or any unfinished document must cost only
 * itself, so the next line that starts a document starts one. Pretty-
 * printed documents (API pages, arrays of events) also have lines that
 * open with '{' or '[': the elements of an array. Those are told apart by
 * two things every pretty-printer does and no damaged JSON Lines file
 * does together: the line is indented deeper than the document's first
 * line (the elements sit inside it), and it is where JSON allows a value
 * (in an array after '[' or ',', in an object after ':'). An unindented
 * element (indent 0, rare) or a value after a key cut at the line break
 * would be taken for damage: that costs the rest of that one document and
 * is reported, whereas the opposite choice (trust whatever follows) loses
 * the whole rest of the file, as it did before. */
static bool continues(const lw_decoder *d)
{
    if (d->bol_indent <= d->start_indent)
        return false;
    char inner = d->depth - 1 < SCAN_STACK ? d->open[d->depth - 1] : '[';
    if (inner == '[')
        return d->last_sig == '[' || d->last_sig == ',';
    return d->last_sig == ':';
}

/* Incremental scan for the end of the JSON value that starts at in.p+off.
 * Returns the end offset, 0 when more input is needed, -1 for unbalanced
 * brackets, -2 for a string cut by a line break, -3 when a line starts a
 * new document before this one closed (d->scan is then that line's start). */
static long scan_doc(lw_decoder *d)
{
    const char *p = d->view;
    size_t i = d->scan, n = d->view_len;
    while (i < n) {
        char c = p[i];
        if (d->in_str) {
            /* Jump to the next quote or backslash: strings are most bytes. */
            const char *q = p + i;
            while (q < p + n && *q != '"' && *q != '\\' && *q != '\n' && !d->esc)
                q++;
            i = (size_t)(q - p);
            if (i >= n)
                break;
            c = p[i];
            if (c == '\n') {
                d->scan = i;
                return -2; /* JSON strings never hold a raw newline: broken */
            }
            if (d->esc)
                d->esc = false;
            else if (c == '\\')
                d->esc = true;
            else if (c == '"')
                d->in_str = false;
            i++;
            continue;
        }
        i++;
        if (c == ' ' || c == '\t' || c == '\r') {
            d->bol_indent += d->at_bol;
            continue;
        }
        if (c == '\n') {
            d->at_bol = true;
            d->bol_indent = 0;
            continue;
        }
        if (d->at_bol) {
            d->at_bol = false;
            if ((c == '{' || c == '[') && !continues(d)) {
                d->scan = i - 1 - (size_t)d->bol_indent;
                return -3;
            }
        }
        d->last_sig = c;
        if (c == '"') {
            d->in_str = true;
        } else if (c == '{' || c == '[') {
            if (d->depth < SCAN_STACK)
                d->open[d->depth] = c;
            d->depth++;
        } else if (c == '}' || c == ']') {
            if (--d->depth == 0) {
                d->scan = i;
                return (long)i;
            }
            if (d->depth < 0)
                return -1;
        }
    }
    d->scan = i;
    return 0;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Text lines: the message itself, or `aws logs tail` output
 * "<ISO time> <stream> <message>", whose stream is carried on to the
 * continuation lines of a multi-line message. */
static void emit_text(lw_decoder *d, const char *p, size_t n, uint64_t line)
{
    lw_event ev = {0};
    ev.line = line;
    if (n && p[n - 1] == '\r')
        n--;
    int64_t ts = 0;
    size_t k = (n >= 10 && p[0] >= '0' && p[0] <= '9') ? lw_parse_iso8601(p, n, &ts) : 0;
    if (k >= 19 && k < n && p[k] == ' ') {
        const char *st = p + k + 1;
        const char *sp = memchr(st, ' ', n - k - 1);
        if (sp && memchr(st, '[', (size_t)(sp - st)) && memchr(st, '/', (size_t)(sp - st))) {
            lw_buf_reset(&d->tail_stream);
            lw_buf_append(&d->tail_stream, st, (size_t)(sp - st));
            const char *end = p + n;
            p = sp + 1;
            n = (size_t)(end - p);
        }
    }
    if (k)
        ev.timestamp = ts;
    if (d->tail_stream.len)
        ev.stream = (lw_str){d->tail_stream.p, d->tail_stream.len};
    lw_buf_reset(&d->msg);
    lw_utf8_sanitize(&d->msg, p, n);
    ev.message = (lw_str){d->msg.p ? d->msg.p : "", d->msg.len};
    emit(d, &ev);
}

/* Do these bytes begin a JSON value that the end of input or a new
 * document cut short? (Text that merely starts with a bracket, such as
 * "[INFO] ...", is invalid JSON well before its end.) */
static bool json_prefix(lw_decoder *d, const char *p, size_t n)
{
    return lw_json_parse(&d->json, p, n) == LW_JSON_PART;
}

/* Does a cut document look like a FilterLogEvents/GetLogEvents page? */
static bool looks_like_page(const char *p, size_t n)
{
    size_t k = n < 4096 ? n : 4096;
    return memmem(p, k, "\"events\"", 8) || memmem(p, k, "\"nextToken\"", 11) ||
           memmem(p, k, "\"nextForwardToken\"", 18) || memmem(p, k, "\"searchedLogStreams\"", 20);
}

/* The document at off did not close before cut (the start of a line that
 * starts a new document, or the end of input): report it with the lines it
 * cost and go on at cut. The first document of an input decides whether
 * the input is JSON at all: one that is not even the start of a JSON value
 * is text that starts with a bracket and is re-read as such. */
static void cut_doc(lw_decoder *d, size_t cut)
{
    const char *p = d->view + d->off;
    size_t n = cut - d->off;
    d->in_doc = false;
    if (d->mode == MODE_UNKNOWN && !json_prefix(d, p, n)) {
        d->mode = MODE_TEXT;
        return;
    }
    uint64_t nl = count_nl(p, n);
    uint64_t lines = nl + (n && p[n - 1] != '\n');
    bool at_end = cut == d->view_len;
    const char *what = looks_like_page(p, n) ? "API page" : "JSON document";
    if (at_end)
        err_lines(d, d->line, lines, "truncated %s: input ended inside it (%llu line%s lost)", what,
                  (unsigned long long)lines, lines == 1 ? "" : "s");
    else
        /* No line number in the text: a --jobs worker's are its own, only
         * the one passed with the error is renumbered. */
        err_lines(d, d->line, lines, "damaged %s: unfinished where the next line starts a document (%llu line%s lost)",
                  what, (unsigned long long)lines, lines == 1 ? "" : "s");
    d->line += nl;
    d->off = cut;
    d->col = 0;
    d->line_start = true;
}

static void process(lw_decoder *d, bool final)
{
    for (;;) {
        const char *p = d->view;
        size_t n = d->view_len;

        if (d->in_doc) {
            long end = scan_doc(d);
            if (end == -3) {
                cut_doc(d, d->scan);
                continue;
            }
            if (end < 0) {
                d->in_doc = d->skipping = false;
                /* A first line cut inside a string is damaged JSON, not
                 * text; the next document decides what the input is. */
                if (d->mode == MODE_UNKNOWN && !(end == -2 && json_prefix(d, p + d->off, d->scan - d->off))) {
                    d->mode = MODE_TEXT; /* text that starts with a bracket */
                    continue;
                }
                if (end == -2) {
                    /* The document is lost up to the line break that cut
                     * its string, however many lines it spanned: one error. */
                    uint64_t nl = count_nl(p + d->off, d->scan - d->off);
                    err_lines(d, d->line, nl + 1, "invalid JSON: unterminated string");
                    d->line += nl;
                    d->off = d->scan;
                    continue;
                }
                err_lines(d, d->line, 1, "invalid JSON: unbalanced brackets");
                const char *nl = memchr(p + d->off, '\n', n - d->off);
                d->off = nl ? (size_t)(nl - p) : n;
                continue;
            }
            if (end == 0 && d->mode == MODE_UNKNOWN && final && json_prefix(d, p + d->off, n - d->off)) {
                /* A first document cut by the end of input (a saved API
                 * page cut mid-way): truncated JSON, not text. */
                cut_doc(d, n);
                return;
            }
            if (end == 0 && d->mode == MODE_UNKNOWN && (final || n - d->off > LW_JSON_MAX_DOC)) {
                /* The first "document" never closes: this is text that
                 * happens to start with a bracket. */
                d->in_doc = false;
                d->mode = MODE_TEXT;
                continue;
            }
            if (end == 0) {
                if (!d->skipping && n - d->off > LW_JSON_MAX_DOC) {
                    err(d, d->line, "JSON document larger than %u MiB: skipped", LW_JSON_MAX_DOC >> 20);
                    d->skipping = true;
                }
                if (d->skipping) {
                    d->line += count_nl(p + d->off, n - d->off);
                    d->off = d->scan = n;
                }
                if (!final)
                    return;
                if (!d->skipping) {
                    cut_doc(d, n);
                    return;
                }
                err(d, d->line, "input ended inside an oversized JSON document");
                d->line += count_nl(p + d->off, n - d->off);
                d->off = n;
                d->in_doc = d->skipping = false;
                return;
            }
            d->in_doc = false;
            size_t start = d->off, len = (size_t)end - start;
            if (d->skipping) {
                d->skipping = false;
            } else if (d->mode == MODE_UNKNOWN) {
                int r = parse_doc(d, p + start, len);
                members m;
                d->mode = (r == LW_JSON_OK && classify_doc(&d->json, 0, &m) != DOC_OTHER) ? MODE_JSON : MODE_TEXT;
                if (d->mode == MODE_TEXT)
                    continue; /* re-read the same bytes as text lines */
                handle_parsed(d, d->line); /* the probe's tokens: no second parse */
            } else if (parse_doc(d, p + start, len) == LW_JSON_OK) {
                handle_parsed(d, d->line);
            } else {
                err_lines(d, d->line, count_nl(p + start, len) + 1, "invalid JSON document");
            }
            d->line += count_nl(p + start, len);
            d->off = (size_t)end;
            continue;
        }

        if (d->off >= n)
            return;

        if (d->mode == MODE_TEXT) {
            const char *nl = memchr(p + d->off, '\n', n - d->off);
            if (!nl) {
                if (n - d->off > MAX_LINE && !d->skip_line) {
                    err_lines(d, d->line, 1, "text line longer than %u MiB: skipped", MAX_LINE >> 20);
                    d->skip_line = true;
                }
                if (d->skip_line)
                    d->off = n;
                if (!final || d->off >= n)
                    return;
                emit_text(d, p + d->off, n - d->off, d->line);
                d->off = n;
                return;
            }
            if (d->skip_line)
                d->skip_line = false;
            else
                emit_text(d, p + d->off, (size_t)(nl - (p + d->off)), d->line);
            d->off = (size_t)(nl - p) + 1;
            d->line++;
            continue;
        }

        /* JSON or undecided: skip whitespace between documents. */
        char c = p[d->off];
        if (is_ws(c)) {
            if (c == '\n') {
                d->line++;
                d->col = 0;
                d->line_start = true;
            } else if (d->line_start) {
                d->col++;
            }
            d->off++;
            continue;
        }
        if (c != '{' && c != '[') {
            if (d->mode == MODE_UNKNOWN) {
                d->mode = MODE_TEXT;
                continue;
            }
            const char *nl = memchr(p + d->off, '\n', n - d->off);
            if (!nl && !final)
                return;
            if (d->line_start)
                err_lines(d, d->line, 1, "expected a JSON document, found '%c'", c);
            else
                err(d, d->line, "expected a JSON document, found '%c'", c);
            d->off = nl ? (size_t)(nl - p) : n;
            continue;
        }

        /* Fast path: a whole document (or several) on one line. */
        const char *nl = memchr(p + d->off, '\n', n - d->off);
        if (nl && d->mode == MODE_JSON) {
            size_t len = (size_t)(nl - (p + d->off));
            if (parse_doc(d, p + d->off, len) == LW_JSON_OK) {
                handle_parsed(d, d->line);
                d->off += len;
                d->line_start = false;
                continue;
            }
            /* Anything else goes document by document through the scanner,
             * exactly as when the line arrives in pieces: the result must
             * not depend on how the input was chunked. */
        }
        /* Spans lines, or the first document: scan for its end. */
        d->in_doc = true;
        d->scan = d->off;
        d->depth = 0;
        d->in_str = d->esc = false;
        d->at_bol = false;
        d->last_sig = 0;
        d->start_indent = d->col;
        d->line_start = false;
    }
}

/* Keeps view[off..] for the next feed, in d->in. */
static void keep_rest(lw_decoder *d)
{
    size_t rest = d->view_len - d->off;
    if (d->view == d->in.p) {
        if (d->off && rest)
            memmove(d->in.p, d->in.p + d->off, rest);
        d->in.len = rest;
    } else {
        lw_buf_reset(&d->in);
        if (rest)
            lw_buf_append(&d->in, d->view + d->off, rest);
    }
    d->scan -= d->off;
    d->off = 0;
    d->view = d->in.p;
    d->view_len = d->in.len;
}

/* Holds the first LW_SNIFF_LEN text bytes back until they can be judged
 * (the same verdict whatever the chunking). Returns false while holding,
 * and for input refused as binary: nothing of it is decoded, one error
 * says what it looks like. */
static bool sniff(lw_decoder *d, const char *buf, size_t len, bool final)
{
    lw_buf_append(&d->in, buf, len);
    if (d->in.len < LW_SNIFF_LEN && !final)
        return false;
    d->sniffed = true;
    char why[160];
    size_t k = d->in.len < LW_SNIFF_LEN ? d->in.len : LW_SNIFF_LEN;
    if (d->in.len && lw_sniff_binary(d->in.p, k, why, sizeof why)) {
        err(d, 0, "%s%s", why, d->gz > 0 ? " (inside gzip data)" : "");
        d->dead = true;
        lw_buf_reset(&d->in);
        return false;
    }
    return true;
}

/* NUL bytes past the sniffed start (a file with a hole, a log padded with
 * zeros after a crash): reported once with their offset and taken out, so
 * the text around them is still read. Returns the bytes to decode. */
static const char *drop_nul(lw_decoder *d, const char *buf, size_t *len)
{
    const char *z = memchr(buf, '\0', *len);
    if (!z)
        return buf;
    if (!d->nul_seen)
        err(d, 0, "binary data (NUL bytes) at offset %llu%s: dropped",
            (unsigned long long)(d->text_off + (uint64_t)(z - buf)), d->gz > 0 ? " of the inflated data" : "");
    d->nul_seen = true;
    lw_buf_reset(&d->nonul);
    for (size_t i = 0; i < *len; i++)
        if (buf[i])
            lw_buf_putc(&d->nonul, buf[i]);
    *len = d->nonul.len;
    return d->nonul.p ? d->nonul.p : "";
}

static void feed_text(lw_decoder *d, const char *buf, size_t len, bool final)
{
    if (d->dead)
        return;
    if (!d->sniffed) {
        if (!sniff(d, buf, len, final))
            return;
        /* The held bytes are the whole input so far: decode them from in. */
        lw_buf held = d->in;
        d->in = (lw_buf)LW_BUF_INIT;
        buf = held.p;
        len = held.len;
        const char *b = drop_nul(d, held.p ? held.p : "", &len);
        d->text_off += held.len;
        d->view = b;
        d->view_len = len;
        process(d, final);
        keep_rest(d);
        lw_buf_free(&held);
        return;
    }
    size_t raw = len;
    buf = drop_nul(d, buf, &len);
    d->text_off += raw;
    if (d->in.len == 0) {
        /* Nothing pending: decode the caller's bytes in place, no copy. */
        d->view = buf;
        d->view_len = len;
    } else {
        lw_buf_append(&d->in, buf, len);
        d->view = d->in.p;
        d->view_len = d->in.len;
    }
    process(d, final);
    keep_rest(d);
}

static void gz_data(void *ud, const char *p, size_t n) { feed_text(ud, p, n, false); }

static void gz_error(void *ud, const char *msg)
{
    lw_decoder *d = ud;
    /* Damage at the very start: the input only looks like gzip. */
    err(d, 0, "%s%s", d->z.produced ? "" : "looks like gzip data, but ", msg);
}

void lw_decoder_feed(lw_decoder *d, const char *buf, size_t len)
{
    d->st.bytes_in += len;
    if (d->gz < 0 && d->in.len == 0 && len >= 2) {
        /* The usual first feed: decide on the caller's bytes, no copy. */
        d->gz = lw_is_gzip(buf, len);
        if (d->gz)
            lw_gunzip_init(&d->z, gz_data, gz_error, d, 0);
    }
    if (d->gz < 0) {
        /* Decide on the first two bytes; hold a lone first byte back. */
        lw_buf_append(&d->in, buf, len);
        if (d->in.len < 2)
            return;
        d->gz = lw_is_gzip(d->in.p, d->in.len);
        lw_buf held = d->in;
        d->in = (lw_buf)LW_BUF_INIT;
        if (d->gz) {
            lw_gunzip_init(&d->z, gz_data, gz_error, d, 0);
            lw_gunzip_feed(&d->z, held.p, held.len);
        } else {
            feed_text(d, held.p, held.len, false);
        }
        lw_buf_free(&held);
        return;
    }
    if (d->gz)
        lw_gunzip_feed(&d->z, buf, len);
    else
        feed_text(d, buf, len, false);
}

void lw_decoder_page(lw_decoder *d, const lw_json *page)
{
    d->st.bytes_in += lw_json_rawlen(page, 0);
    d->mode = MODE_JSON;
    d->j = page;
    handle_value(d, 0, d->line);
    d->j = &d->json;
}

void lw_decoder_finish(lw_decoder *d)
{
    if (d->gz < 0)
        d->gz = 0;
    if (d->gz)
        lw_gunzip_finish(&d->z);
    feed_text(d, "", 0, true);
}
