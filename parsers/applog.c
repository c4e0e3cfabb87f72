/* applog: see applog.h. */
#include "parsers/applog.h"

#include "common/timeutil.h"

static lw_level level_of(const char *p, size_t n)
{
    switch (n) {
    case 4:
        if (!memcmp(p, "INFO", 4)) return LW_LVL_INFO;
        if (!memcmp(p, "WARN", 4)) return LW_LVL_WARN;
        break;
    case 5:
        if (!memcmp(p, "ERROR", 5)) return LW_LVL_ERROR;
        if (!memcmp(p, "DEBUG", 5)) return LW_LVL_DEBUG;
        if (!memcmp(p, "TRACE", 5)) return LW_LVL_TRACE;
        if (!memcmp(p, "FATAL", 5)) return LW_LVL_FATAL;
        break;
    case 7:
        if (!memcmp(p, "WARNING", 7)) return LW_LVL_WARN;
        break;
    case 8:
        if (!memcmp(p, "CRITICAL", 8)) return LW_LVL_FATAL;
        break;
    }
    return LW_LVL_NONE;
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '$';
}

/* "KeyError: 'x'" -> "KeyError"; requires an identifier then ':' or EOL. */
static lw_str error_type_prefix(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && ident_char(p[i]))
        i++;
    if (i == 0 || i > 128)
        return LW_STR_NULL;
    if (i == n || p[i] == ':' || p[i] == '\n')
        return (lw_str){p, i};
    return LW_STR_NULL;
}

/* Finds "errorType":"X" in a JSON fragment without a full parse: Node prints
 * uncaught errors as a JSON blob after the text prefix. */
static lw_str json_error_type(const char *p, size_t n)
{
    static const char key[] = "\"errorType\":";
    const char *k = memmem(p, n, key, sizeof key - 1);
    if (!k)
        return LW_STR_NULL;
    const char *v = k + sizeof key - 1;
    const char *end = p + n;
    while (v < end && *v == ' ')
        v++;
    if (v >= end || *v != '"')
        return LW_STR_NULL;
    v++;
    const char *q = memchr(v, '"', (size_t)(end - v));
    return q ? (lw_str){v, (size_t)(q - v)} : LW_STR_NULL;
}

bool lw_app_is_oom(const char *s, size_t n)
{
    /* One cheap scan for the common substring before the exact checks. */
    const char *e = memmem(s, n, "emory", 5);
    if (!e)
        return false;
    return memmem(s, n, "MemoryError", 11) || memmem(s, n, "JavaScript heap out of memory", 29) ||
           memmem(s, n, "java.lang.OutOfMemoryError", 26) || memmem(s, n, "runtime: out of memory", 22);
}

bool lw_app_parse_text(const char *s, size_t n, lw_app *app)
{
    memset(app, 0, sizeof *app);
    const char *end = s + n;
    if (n > 3 && s[0] == '[') {
        /* Python: "[LEVEL]\t<ts>\t<id>\t<msg>" or "[ERROR] Type: msg\nTraceback" */
        const char *rb = memchr(s, ']', n < 12 ? n : 12);
        if (!rb)
            goto oom;
        lw_level lv = level_of(s + 1, (size_t)(rb - s - 1));
        if (!lv)
            goto oom;
        app->level = lv;
        const char *p = rb + 1;
        if (p < end && *p == '\t') {
            const char *t1 = memchr(p + 1, '\t', (size_t)(end - p - 1));
            if (t1) {
                const char *t2 = memchr(t1 + 1, '\t', (size_t)(end - t1 - 1));
                if (t2) {
                    app->request_id = (lw_str){t1 + 1, (size_t)(t2 - t1 - 1)};
                    app->text = (lw_str){t2 + 1, (size_t)(end - t2 - 1)};
                } else {
                    app->text = (lw_str){t1 + 1, (size_t)(end - t1 - 1)};
                }
            }
        } else if (p < end && *p == ' ') {
            app->text = (lw_str){p + 1, (size_t)(end - p - 1)};
            app->error_type = error_type_prefix(p + 1, (size_t)(end - p - 1));
            /* The runtime's report of an uncaught exception carries a traceback
             * or a Runtime.* type; a plain logger.error does not. */
            if (app->error_type.n && (memmem(p, (size_t)(end - p), "\nTraceback", 10) ||
                                      (app->error_type.n > 8 && !memcmp(app->error_type.p, "Runtime.", 8))))
                app->unhandled = true;
        }
        app->oom = lv >= LW_LVL_ERROR && lw_app_is_oom(s, n);
        return true;
    }
    if (n > 40 && s[0] >= '0' && s[0] <= '9') {
        /* Node: "<ts>\t<id>\t<LEVEL>\t<msg>" */
        const char *t0 = memchr(s, '\t', n < 40 ? n : 40);
        if (!t0)
            goto oom;
        const char *t1 = memchr(t0 + 1, '\t', (size_t)(end - t0 - 1));
        if (!t1)
            goto oom;
        const char *t2 = memchr(t1 + 1, '\t', (size_t)(end - t1 - 1));
        const char *lvend = t2 ? t2 : end;
        lw_level lv = level_of(t1 + 1, (size_t)(lvend - t1 - 1));
        if (!lv)
            goto oom;
        app->level = lv;
        app->request_id = (lw_str){t0 + 1, (size_t)(t1 - t0 - 1)};
        if (t2)
            app->text = (lw_str){t2 + 1, (size_t)(end - t2 - 1)};
        if (lv >= LW_LVL_ERROR && app->text.n) {
            static const char *uncaught[] = {"Invoke Error", "Uncaught Exception", "Unhandled Promise Rejection"};
            for (size_t i = 0; i < 3; i++) {
                size_t l = strlen(uncaught[i]);
                if (app->text.n >= l && !memcmp(app->text.p, uncaught[i], l)) {
                    app->unhandled = true;
                    app->error_type = json_error_type(app->text.p, app->text.n);
                    break;
                }
            }
        }
        /* Runtimes report OOM at ERROR or above; skipping the scan on
         * INFO/DEBUG lines keeps the hot path cheap. */
        app->oom = lv >= LW_LVL_ERROR && lw_app_is_oom(s, n);
        return true;
    }
oom:
    app->oom = lw_app_is_oom(s, n);
    return false;
}

static lw_str jstr(const lw_json *j, int t)
{
    if (!lw_json_is_str(j, t))
        return LW_STR_NULL;
    return (lw_str){lw_json_raw(j, t), lw_json_rawlen(j, t)};
}

bool lw_app_parse_json(const lw_json *j, int root, lw_app *app)
{
    memset(app, 0, sizeof *app);
    int lv = lw_json_get(j, root, "level");
    if (!lw_json_is_str(j, lv))
        return false;
    app->json_format = true;
    app->level = level_of(lw_json_raw(j, lv), lw_json_rawlen(j, lv));
    app->request_id = jstr(j, lw_json_get(j, root, "requestId"));
    int msg = lw_json_get(j, root, "message");
    app->text = lw_json_is_str(j, msg) ? jstr(j, msg) : LW_STR_NULL;
    app->error_type = jstr(j, lw_json_get(j, root, "errorType"));
    if (!app->error_type.n && msg >= 0 && j->tok[msg].type == JSMN_OBJECT)
        app->error_type = jstr(j, lw_json_get(j, msg, "errorType"));
    /* Runtimes log uncaught errors with a stack trace array. */
    if (app->error_type.n && lw_json_get(j, root, "stackTrace") >= 0)
        app->unhandled = true;
    const char *raw = lw_json_raw(j, root);
    app->oom = lw_app_is_oom(raw, lw_json_rawlen(j, root));
    return true;
}
