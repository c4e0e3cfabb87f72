/* suppress: see suppress.h. */
#include "config/suppress.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"

/* FIELD=GLOB on the parsed finding: evidence first, then the top level. */
static bool field_matches(const lw_json *j, const char *m)
{
    const char *eq = strchr(m, '=');
    if (!eq)
        return false;
    char field[128];
    snprintf(field, sizeof field, "%.*s", (int)(eq - m), m);
    int ev = lw_json_get(j, 0, "evidence");
    int t = ev >= 0 && j->tok[ev].type == JSMN_OBJECT ? lw_json_get(j, ev, field) : -1;
    if (t < 0)
        t = lw_json_get(j, 0, field);
    if (t < 0 || j->tok[t].type == JSMN_OBJECT || j->tok[t].type == JSMN_ARRAY)
        return false;
    lw_buf v = LW_BUF_INIT;
    if (lw_json_is_str(j, t))
        lw_json_str(j, t, &v);
    else
        lw_buf_append(&v, lw_json_raw(j, t), lw_json_rawlen(j, t));
    bool ok = fnmatch(eq + 1, v.p ? v.p : "", 0) == 0;
    lw_buf_free(&v);
    return ok;
}

const lw_suppress_cfg *lw_suppress_match(const lw_suppress_cfg *list, const char *detector, const char *function,
                                         const char *json, size_t n, int64_t now_ms)
{
    lw_json j;
    bool parsed = false, ok_json = false;
    const lw_suppress_cfg *hit = NULL;
    for (const lw_suppress_cfg *x = list; x && !hit; x = x->next) {
        if (!x->detector || (strcmp(x->detector, "*") && strcmp(x->detector, detector)))
            continue;
        if (x->expires_ms && now_ms >= x->expires_ms)
            continue;
        if (x->function && fnmatch(x->function, function ? function : "", 0) != 0)
            continue;
        if (x->match.n && !parsed) {
            lw_json_init(&j);
            parsed = true;
            ok_json = lw_json_parse(&j, json, n) == LW_JSON_OK && j.n > 0 && j.tok[0].type == JSMN_OBJECT;
        }
        bool all = true;
        for (int i = 0; i < x->match.n && all; i++)
            all = ok_json && field_matches(&j, x->match.v[i]);
        if (all)
            hit = x;
    }
    if (parsed)
        lw_json_free(&j);
    return hit;
}
