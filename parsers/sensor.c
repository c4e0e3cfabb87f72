/* sensor: see sensor.h. */
#include "parsers/sensor.h"

#include <strings.h>

#include "common/timeutil.h"

bool lw_sensor_header(const char *s, size_t n, size_t *json_off)
{
    /* Cheap rejection first: every header starts with a timestamp digit and
     * names the defence logger within its first hundred bytes. */
    if (n < 40 || s[0] < '0' || s[0] > '9')
        return false;
    /* " - defence" follows the timestamp, i.e. the first or second space
     * (ISO or "date time" form); app lines have a tab there instead. */
    const char *sp = memchr(s, ' ', n < 48 ? n : 48);
    if (!sp || (size_t)(s + n - sp) < 10)
        return false;
    if (memcmp(sp, " - defence", 10) != 0) {
        sp = memchr(sp + 1, ' ', (size_t)(s + n - sp - 1) < 48 ? (size_t)(s + n - sp - 1) : 48);
        if (!sp || (size_t)(s + n - sp) < 10 || memcmp(sp, " - defence", 10) != 0)
            return false;
    }
    const char *eol = memchr(s, '\n', n);
    size_t line = eol ? (size_t)(eol - s) : n;
    if (line > 1024)
        line = 1024;
    const char *se = memmem(s, line, "SensorEvent:", 12);
    if (!se)
        return false;
    const char *p = se + 12;
    while (p < s + line && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= s + line || *p != '{')
        return false;
    *json_off = (size_t)(p - s);
    return true;
}

void lw_sensor_parser_init(lw_sensor_parser *sp)
{
    lw_json_init(&sp->json);
    memset(&sp->arena, 0, sizeof sp->arena);
}

void lw_sensor_parser_free(lw_sensor_parser *sp)
{
    lw_json_free(&sp->json);
    lw_buf_free(&sp->arena);
}

/* Unescapes token t into the arena. The arena was sized up front so that it
 * never moves during one parse (unescaped text is never longer than its
 * escaped form, plus U+FFFD growth bounded by 3x), keeping earlier
 * pointers valid. */
static lw_str astr(lw_sensor_parser *sp, int t)
{
    if (!lw_json_is_str(&sp->json, t))
        return LW_STR_NULL;
    size_t at = sp->arena.len;
    lw_json_str(&sp->json, t, &sp->arena);
    lw_buf_putc(&sp->arena, '\0');
    return (lw_str){sp->arena.p + at, sp->arena.len - at - 1};
}

/* Value of an HTTP header in a raw request ("name: value\r\n"). */
static lw_str http_header(lw_str req, const char *name)
{
    size_t nl = strlen(name);
    const char *p = req.p, *end = req.p + req.n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if ((size_t)(le - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < le && *v == ' ')
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            return (lw_str){v, (size_t)(ve - v)};
        }
        if (le == p || (le - p == 1 && *p == '\r'))
            break; /* end of headers */
        p = eol ? eol + 1 : end;
    }
    return LW_STR_NULL;
}

static lw_str first_hop(lw_str xff)
{
    const char *c = memchr(xff.p, ',', xff.n);
    size_t n = c ? (size_t)(c - xff.p) : xff.n;
    while (n && xff.p[n - 1] == ' ')
        n--;
    return (lw_str){xff.p, n};
}

/* Header value from api_gateway.headers, matched case-insensitively. */
static lw_str obj_header(lw_sensor_parser *sp, int headers, const char *name)
{
    const lw_json *j = &sp->json;
    if (headers < 0 || j->tok[headers].type != JSMN_OBJECT)
        return LW_STR_NULL;
    int t = headers + 1;
    size_t nl = strlen(name);
    for (int m = 0; m < j->tok[headers].size && t + 1 < j->n; m++) {
        if (lw_json_rawlen(j, t) == nl && strncasecmp(lw_json_raw(j, t), name, nl) == 0)
            return astr(sp, t + 1);
        t = lw_json_next(j, t + 1);
    }
    return LW_STR_NULL;
}

static lw_str num_or_str(lw_sensor_parser *sp, int t)
{
    if (t < 0)
        return LW_STR_NULL;
    if (sp->json.tok[t].type == JSMN_STRING)
        return astr(sp, t);
    if (sp->json.tok[t].type == JSMN_PRIMITIVE)
        return (lw_str){lw_json_raw(&sp->json, t), lw_json_rawlen(&sp->json, t)};
    return LW_STR_NULL;
}

const char *lw_sensor_parse(lw_sensor_parser *sp, const char *js, size_t n, lw_sensor *s)
{
    memset(s, 0, sizeof *s);
    s->blocked = -1;
    int r = lw_json_parse(&sp->json, js, n);
    if (r == LW_JSON_PART)
        return "truncated JSON";
    if (r != LW_JSON_OK)
        return "invalid JSON";
    lw_json *j = &sp->json;
    if (j->tok[0].type != JSMN_OBJECT)
        return "not a JSON object";
    int se = lw_json_get(j, 0, "sensor_event");
    if (se < 0 || j->tok[se].type != JSMN_OBJECT)
        return "no sensor_event object";

    lw_buf_reset(&sp->arena);
    lw_buf_reserve(&sp->arena, n * 3 + 64);

    s->rule_id = num_or_str(sp, lw_json_get(j, 0, "rule_id"));
    s->event_type = astr(sp, lw_json_get(j, 0, "event_type"));
    s->sensor_id = astr(sp, lw_json_get(j, se, "id"));
    s->blocked = lw_json_bool(j, lw_json_get(j, se, "blocked"));
    s->occurred_at = astr(sp, lw_json_get(j, se, "occurred_at"));
    if (s->occurred_at.n)
        lw_parse_iso8601(s->occurred_at.p, s->occurred_at.n, &s->occurred_at_ms);
    s->agent_type = astr(sp, lw_json_get(j, se, "host_agent_type"));
    s->agent_version = astr(sp, lw_json_get(j, se, "host_agent_version"));
    s->payload = astr(sp, lw_json_get(j, 0, "payload"));

    int li = lw_json_path(j, 0, "transaction", "initiator", "lambda_invocation", NULL);
    int gw = -1;
    if (li >= 0) {
        s->function_name = astr(sp, lw_json_get(j, li, "function_name"));
        s->request_id = astr(sp, lw_json_get(j, li, "aws_request_id"));
        s->function_arn = astr(sp, lw_json_get(j, li, "invoked_function_arn"));
        s->function_version = astr(sp, lw_json_get(j, li, "function_version"));
        gw = lw_json_path(j, li, "invoker", "api_gateway", NULL);
    }
    lw_str xff = LW_STR_NULL;
    if (gw >= 0) {
        s->method = astr(sp, lw_json_get(j, gw, "method"));
        s->path = astr(sp, lw_json_get(j, gw, "path"));
        s->query = astr(sp, lw_json_get(j, gw, "query_string"));
        s->domain = astr(sp, lw_json_get(j, gw, "domain_name"));
        s->stage = astr(sp, lw_json_get(j, gw, "stage"));
        s->trace_id = astr(sp, lw_json_get(j, gw, "amzn_trace_id"));
        int hdrs = lw_json_get(j, gw, "headers");
        xff = obj_header(sp, hdrs, "x-forwarded-for");
        s->user_agent = obj_header(sp, hdrs, "user-agent");
        s->source_ip = astr(sp, lw_json_get(j, gw, "remote_addr"));
    }
    if (!xff.n && s->payload.n)
        xff = http_header(s->payload, "x-forwarded-for");
    if (xff.n)
        s->source_ip = first_hop(xff);
    if (!s->user_agent.n && s->payload.n)
        s->user_agent = http_header(s->payload, "user-agent");
    if (s->payload.n && (!s->method.n || !s->path.n)) {
        /* Request line of the raw payload: "GET /p?q HTTP/1.1". */
        const char *p = s->payload.p, *end = p + s->payload.n;
        const char *eol = memchr(p, '\r', s->payload.n);
        if (!eol)
            eol = memchr(p, '\n', s->payload.n);
        const char *le = eol ? eol : end;
        const char *sp1 = memchr(p, ' ', (size_t)(le - p));
        if (sp1) {
            const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1));
            const char *te = sp2 ? sp2 : le;
            if (!s->method.n)
                s->method = (lw_str){p, (size_t)(sp1 - p)};
            const char *q = memchr(sp1 + 1, '?', (size_t)(te - sp1 - 1));
            if (!s->path.n)
                s->path = (lw_str){sp1 + 1, (size_t)((q ? q : te) - sp1 - 1)};
            if (!s->query.n && q)
                s->query = (lw_str){q + 1, (size_t)(te - q - 1)};
        }
    }
    return NULL;
}
