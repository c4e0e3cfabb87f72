/* classify: see classify.h. */
#include "parsers/classify.h"

void lw_classifier_init(lw_classifier *c)
{
    memset(c, 0, sizeof *c);
    lw_json_init(&c->json);
}

void lw_classifier_free(lw_classifier *c) { lw_json_free(&c->json); }

lw_str lw_function_name(lw_str group, lw_str sensor_fn)
{
    static const char pfx[] = "/aws/lambda/";
    if (group.n > sizeof pfx - 1 && memcmp(group.p, pfx, sizeof pfx - 1) == 0)
        return (lw_str){group.p + sizeof pfx - 1, group.n - (sizeof pfx - 1)};
    if (sensor_fn.n)
        return sensor_fn;
    if (group.n)
        return group;
    return lw_str_c("unknown");
}

void lw_classify(lw_classifier *c, const lw_event *ev, lw_record *out)
{
    memset(out, 0, sizeof *out);
    out->ev = ev;
    out->function = lw_function_name(ev->group, LW_STR_NULL);
    out->kind = LW_REC_TEXT;
    const char *m = ev->message.p;
    size_t n = ev->message.n;
    if (n == 0)
        return;
    if (m[0] == '{') {
        /* Lambda's JSON log format: platform.* records and app lines. */
        if (lw_json_parse(&c->json, m, n) == LW_JSON_OK && c->json.tok[0].type == JSMN_OBJECT) {
            if (lw_platform_parse_json(&c->json, 0, &c->pl)) {
                out->kind = LW_REC_PLATFORM;
                out->platform = &c->pl;
                return;
            }
            if (lw_app_parse_json(&c->json, 0, &c->app)) {
                out->kind = LW_REC_APP;
                out->app = &c->app;
                return;
            }
        }
        /* Not ours: fall through to the OOM check as plain text. */
    } else if (lw_platform_parse_text(m, n, &c->pl)) {
        out->kind = LW_REC_PLATFORM;
        out->platform = &c->pl;
        return;
    }
    if (lw_app_parse_text(m, n, &c->app)) {
        out->kind = LW_REC_APP;
        out->app = &c->app;
        return;
    }
    if (c->app.oom) {
        /* A bare runtime OOM message ("FATAL ERROR: ... heap out of memory"). */
        out->kind = LW_REC_APP;
        out->app = &c->app;
    }
}
