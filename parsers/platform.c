/* platform: see platform.h. */
#include "parsers/platform.h"

#include <stdlib.h>

#include "common/timeutil.h"

static void clear(lw_platform *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->duration_ms = pl->billed_ms = pl->init_ms = pl->restore_ms = pl->timeout_s = -1;
    pl->memory_size_mb = pl->max_memory_mb = -1;
}

static bool starts(const char *s, size_t n, const char *pfx, size_t *len)
{
    size_t l = strlen(pfx);
    if (n < l || memcmp(s, pfx, l) != 0)
        return false;
    *len = l;
    return true;
}

/* Leading decimal number of v ("102.25 ms"); -1 if none. strtod on the
 * digits alone, so "150.11" is the double the literal 150.11 is (summing
 * digit by digit is not) and a long run of digits cannot overflow. */
static double num(lw_str v)
{
    char digits[40];
    size_t i = 0;
    bool dot = false;
    for (; i < v.n && i < sizeof digits - 1; i++) {
        char c = v.p[i];
        if (c == '.' && !dot)
            dot = true;
        else if (c < '0' || c > '9')
            break;
        digits[i] = c;
    }
    digits[i] = '\0';
    if (i == 0 || (i == 1 && dot))
        return -1;
    return strtod(digits, NULL);
}

/* Memory in MB as an int; absurd values (Lambda's maximum is 10240) are
 * treated as absent rather than overflowing the conversion. */
static int mb(double v) { return (v >= 0 && v <= 1e6) ? (int)v : -1; }

static lw_status status_of(lw_str v)
{
    if (lw_str_eq(v, "success")) return LW_ST_SUCCESS;
    if (lw_str_eq(v, "error")) return LW_ST_ERROR;
    if (lw_str_eq(v, "failure")) return LW_ST_FAILURE;
    if (lw_str_eq(v, "timeout")) return LW_ST_TIMEOUT;
    return LW_ST_NONE;
}

static lw_str trim(const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    return (lw_str){p, n};
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

/* A numeric field's value: a number, then optionally its unit. Anything
 * else (no number, words after it) means the field could not be read. */
static double num_field(lw_str v, lw_platform *pl)
{
    double r = num(v);
    size_t i = 0;
    while (i < v.n && ((v.p[i] >= '0' && v.p[i] <= '9') || v.p[i] == '.'))
        i++;
    while (i < v.n && blank(v.p[i]))
        i++;
    lw_str unit = {v.p + i, v.n - i};
    if (r < 0 || !(unit.n == 0 || lw_str_eq(unit, "ms") || lw_str_eq(unit, "MB"))) {
        pl->unread_fields++;
        return -1;
    }
    return r;
}

static void field(lw_platform *pl, lw_str k, lw_str v)
{
    /* Keys by length first: cheap and unambiguous. */
    switch (k.n) {
    case 5:
        if (lw_str_eq(k, "Phase")) pl->phase = v;
        break;
    case 6:
        if (lw_str_eq(k, "Status")) pl->status = status_of(v);
        break;
    case 7:
        if (lw_str_eq(k, "Version")) pl->version = v;
        else if (lw_str_eq(k, "TraceId")) pl->trace_root = v;
        break;
    case 8:
        if (lw_str_eq(k, "Duration")) pl->duration_ms = num_field(v, pl);
        break;
    case 9:
        if (lw_str_eq(k, "RequestId")) pl->request_id = v;
        break;
    case 10:
        if (lw_str_eq(k, "Error Type")) pl->error_type = v;
        break;
    case 11:
        if (lw_str_eq(k, "Memory Size")) pl->memory_size_mb = mb(num_field(v, pl));
        break;
    case 13:
        if (lw_str_eq(k, "Init Duration")) pl->init_ms = num_field(v, pl);
        break;
    case 15:
        if (lw_str_eq(k, "Billed Duration")) pl->billed_ms = num_field(v, pl);
        else if (lw_str_eq(k, "Max Memory Used")) pl->max_memory_mb = mb(num_field(v, pl));
        else if (lw_str_eq(k, "Runtime Version")) pl->runtime_version = v;
        break;
    case 16:
        if (lw_str_eq(k, "Restore Duration")) pl->restore_ms = num_field(v, pl);
        break;
    case 19:
        if (lw_str_eq(k, "Runtime Version ARN")) pl->runtime_arn = v;
        break;
    }
}

/* Every key Lambda writes in its text platform lines. Fields are found by
 * these names, not by the separator: the service writes tabs, but AWS's
 * own documentation, `--log-type Tail` output and terminal copies show
 * spaces (one or two), and a value must never swallow the fields after it. */
static const char *const keys[] = {
    "RequestId", "Version", "Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration",
    "Restore Duration", "Billed Restore Duration", "Status", "Error Type", "Phase", "Runtime Version",
    "Runtime Version ARN", "TraceId", "SegmentId", "Sampled", "Extension", "State", "Events",
};

/* Length of the known key (with its colon) that starts at p, or 0. */
static size_t key_at(const char *p, const char *stop)
{
    size_t best = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t l = strlen(keys[i]);
        if ((size_t)(stop - p) > l && memcmp(p, keys[i], l) == 0 && p[l] == ':' && l + 1 > best)
            best = l + 1;
    }
    return best;
}

/* Where the value that starts at v ends: at a tab, or at a blank followed
 * by a known key. */
static const char *value_end(const char *v, const char *stop)
{
    for (const char *q = v; q < stop; q++) {
        if (*q == '\t')
            return q;
        if (*q == ' ' && q + 1 < stop && !blank(q[1]) && key_at(q + 1, stop))
            return q;
    }
    return stop;
}

/* Parses "Key: value<sep>Key: value ..." up to the end of the first line,
 * then an optional "XRAY TraceId: ..." line. A RequestId value ends at the
 * first blank: a request id holds none. Text that is no "Key: value" is
 * counted in unread_fields. */
static void fields(lw_platform *pl, const char *p, const char *end)
{
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *stop = eol ? eol : end;
    while (p < stop) {
        while (p < stop && (blank(*p) || *p == '\r'))
            p++;
        if (p >= stop)
            break;
        size_t kl = key_at(p, stop);
        const char *colon = kl ? p + kl - 1 : NULL;
        if (!colon) {
            /* a key we do not know: "Name: value" up to the next tab */
            const char *tab = memchr(p, '\t', (size_t)(stop - p));
            const char *fend = tab ? tab : stop;
            colon = memchr(p, ':', (size_t)(fend - p));
            if (!colon) {
                pl->unread_fields++;
                p = fend;
                continue;
            }
        }
        lw_str k = trim(p, (size_t)(colon - p));
        const char *v = colon + 1;
        while (v < stop && blank(*v))
            v++;
        const char *vend = value_end(v, stop);
        if (lw_str_eq(k, "RequestId")) {
            const char *q = v;
            while (q < vend && !blank(*q))
                q++;
            vend = q;
        }
        field(pl, k, trim(v, (size_t)(vend - v)));
        p = vend;
    }
    if (eol && (size_t)(end - eol) > 6 && memcmp(eol + 1, "XRAY ", 5) == 0)
        fields(pl, eol + 6, end);
}

/* A line known by its first word (START, REPORT, INIT_START, ...): the
 * type, then its fields after any blanks. START, END and REPORT name their
 * request first; without "RequestId:" there the line is no platform line
 * ("START the engine" is an application's). */
static bool typed_line(lw_platform *pl, const char *s, const char *end, const char *word, bool rid,
                       lw_platform_type type)
{
    size_t l = strlen(word);
    if ((size_t)(end - s) < l || memcmp(s, word, l) != 0)
        return false;
    const char *p = s + l;
    if (p < end && !blank(*p) && *p != '\r' && *p != '\n')
        return false;
    while (p < end && blank(*p))
        p++;
    if (rid && !((size_t)(end - p) > 10 && memcmp(p, "RequestId:", 10) == 0))
        return false;
    pl->type = type;
    fields(pl, p, end);
    if (type == LW_PL_REPORT && (pl->duration_ms < 0 || pl->billed_ms < 0 || pl->memory_size_mb < 0 ||
                                 pl->max_memory_mb < 0))
        pl->unread_fields++; /* every REPORT has these four */
    return true;
}

static bool is_uuidish(const char *p, size_t n)
{
    if (n < 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = p[i];
        bool dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

bool lw_platform_parse_text(const char *s, size_t n, lw_platform *pl)
{
    size_t l = 0;
    const char *end = s + n;
    clear(pl);
    if (n == 0)
        return false;
    switch (s[0]) {
    case 'S':
        return typed_line(pl, s, end, "START", true, LW_PL_START);
    case 'E':
        if (typed_line(pl, s, end, "END", true, LW_PL_END))
            return true;
        if (starts(s, n, "EXTENSION\t", &l) || starts(s, n, "EXTENSION ", &l)) {
            pl->type = LW_PL_EXTENSION;
            return true;
        }
        return false;
    case 'R':
        if (typed_line(pl, s, end, "REPORT", true, LW_PL_REPORT) ||
            typed_line(pl, s, end, "RESTORE_START", false, LW_PL_RESTORE_START) ||
            typed_line(pl, s, end, "RESTORE_REPORT", false, LW_PL_RESTORE_REPORT))
            return true;
        if (starts(s, n, "RequestId: ", &l) && is_uuidish(s + l, n - l)) {
            /* "RequestId: <id> Error: Runtime exited with error: signal: killed"
             * optionally followed by "\nRuntime.ExitError". */
            const char *after = s + l + 36;
            size_t rest = (size_t)(end - after);
            size_t k;
            if (!starts(after, rest, " Error: ", &k))
                return false;
            pl->type = LW_PL_RUNTIME_EXIT;
            pl->request_id = (lw_str){s + l, 36};
            const char *r = after + k;
            const char *eol = memchr(r, '\n', (size_t)(end - r));
            const char *rend = eol ? eol : end;
            static const char with[] = "Runtime exited with error: ";
            if ((size_t)(rend - r) > sizeof with - 1 && memcmp(r, with, sizeof with - 1) == 0)
                r += sizeof with - 1;
            pl->exit_reason = trim(r, (size_t)(rend - r));
            pl->status = LW_ST_ERROR;
            if (eol) {
                const char *t = eol + 1;
                const char *tend = memchr(t, '\n', (size_t)(end - t));
                lw_str et = trim(t, (size_t)((tend ? tend : end) - t));
                if (et.n > 8 && memcmp(et.p, "Runtime.", 8) == 0)
                    pl->error_type = et;
            }
            return true;
        }
        return false;
    case 'I':
        if (typed_line(pl, s, end, "INIT_START", false, LW_PL_INIT_START))
            return true;
        if (typed_line(pl, s, end, "INIT_REPORT", false, LW_PL_INIT_REPORT)) {
            /* INIT_REPORT's duration is the init duration. */
            if (pl->duration_ms < 0)
                pl->duration_ms = pl->init_ms;
            return true;
        }
        return false;
    default:
        break;
    }
    /* "<ISO ts> <request id> Task timed out after 3.00 seconds" */
    if (s[0] >= '0' && s[0] <= '9' && n > 60) {
        int64_t ts;
        size_t k = lw_parse_iso8601(s, n, &ts);
        if (k < 19 || k + 1 + 36 >= n || s[k] != ' ' || !is_uuidish(s + k + 1, n - k - 1))
            return false;
        const char *after = s + k + 1 + 36;
        size_t rest = (size_t)(end - after), m;
        if (!starts(after, rest, " Task timed out after ", &m))
            return false;
        pl->type = LW_PL_TIMED_OUT;
        pl->request_id = (lw_str){s + k + 1, 36};
        pl->timeout_s = num((lw_str){after + m, rest - m});
        pl->status = LW_ST_TIMEOUT;
        return true;
    }
    return false;
}

static lw_str jstr(const lw_json *j, int t)
{
    if (!lw_json_is_str(j, t))
        return LW_STR_NULL;
    return (lw_str){lw_json_raw(j, t), lw_json_rawlen(j, t)};
}

static double jnum(const lw_json *j, int t)
{
    double v;
    return lw_json_num(j, t, &v) ? v : -1;
}

/* "Root=1-5d83c0ad-...;Parent=...;Sampled=1" -> "1-5d83c0ad-..." */
static lw_str trace_root(lw_str v)
{
    for (size_t i = 0; i + 5 <= v.n; i++) {
        if (memcmp(v.p + i, "Root=", 5) == 0 && (i == 0 || v.p[i - 1] == ';')) {
            const char *b = v.p + i + 5;
            const char *e = memchr(b, ';', v.n - i - 5);
            return (lw_str){b, e ? (size_t)(e - b) : v.n - i - 5};
        }
    }
    return LW_STR_NULL;
}

bool lw_platform_parse_json(const lw_json *j, int root, lw_platform *pl)
{
    lw_str type = jstr(j, lw_json_get(j, root, "type"));
    if (type.n < 10 || memcmp(type.p, "platform.", 9) != 0)
        return false;
    clear(pl);
    pl->json_format = true;
    lw_str t = {type.p + 9, type.n - 9};
    if (lw_str_eq(t, "start")) pl->type = LW_PL_START;
    else if (lw_str_eq(t, "report")) pl->type = LW_PL_REPORT;
    else if (lw_str_eq(t, "runtimeDone")) pl->type = LW_PL_RUNTIME_DONE;
    else if (lw_str_eq(t, "end")) pl->type = LW_PL_END;
    else if (lw_str_eq(t, "initStart")) pl->type = LW_PL_INIT_START;
    else if (lw_str_eq(t, "initReport")) pl->type = LW_PL_INIT_REPORT;
    else if (lw_str_eq(t, "restoreStart")) pl->type = LW_PL_RESTORE_START;
    else if (lw_str_eq(t, "restoreReport")) pl->type = LW_PL_RESTORE_REPORT;
    else if (lw_str_eq(t, "logsDropped")) pl->type = LW_PL_LOGS_DROPPED;
    else if (lw_str_eq(t, "extension")) pl->type = LW_PL_EXTENSION;
    else return false; /* telemetrySubscription and future types: not ours */

    int rec = lw_json_get(j, root, "record");
    if (rec < 0)
        return true;
    pl->request_id = jstr(j, lw_json_get(j, rec, "requestId"));
    pl->version = jstr(j, lw_json_get(j, rec, "version"));
    pl->phase = jstr(j, lw_json_get(j, rec, "phase"));
    lw_str st = jstr(j, lw_json_get(j, rec, "status"));
    if (st.n)
        pl->status = status_of(st);
    pl->error_type = jstr(j, lw_json_get(j, rec, "errorType"));
    /* platform.initStart (Telemetry API schema): the runtime it started */
    pl->runtime_version = jstr(j, lw_json_get(j, rec, "runtimeVersion"));
    pl->runtime_arn = jstr(j, lw_json_get(j, rec, "runtimeVersionArn"));
    int m = lw_json_get(j, rec, "metrics");
    if (m >= 0) {
        pl->duration_ms = jnum(j, lw_json_get(j, m, "durationMs"));
        pl->billed_ms = jnum(j, lw_json_get(j, m, "billedDurationMs"));
        pl->memory_size_mb = mb(jnum(j, lw_json_get(j, m, "memorySizeMB")));
        pl->max_memory_mb = mb(jnum(j, lw_json_get(j, m, "maxMemoryUsedMB")));
        pl->init_ms = jnum(j, lw_json_get(j, m, "initDurationMs"));
        pl->restore_ms = jnum(j, lw_json_get(j, m, "restoreDurationMs"));
    }
    if (pl->type == LW_PL_INIT_REPORT && pl->init_ms < 0)
        pl->init_ms = pl->duration_ms;
    int tr = lw_json_get(j, rec, "tracing");
    if (tr >= 0)
        pl->trace_root = trace_root(jstr(j, lw_json_get(j, tr, "value")));
    if (pl->type == LW_PL_LOGS_DROPPED) {
        lw_json_int(j, lw_json_get(j, rec, "droppedRecords"), &pl->dropped_records);
        lw_json_int(j, lw_json_get(j, rec, "droppedBytes"), &pl->dropped_bytes);
    }
    return true;
}
