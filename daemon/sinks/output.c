/* output: see output.h. */
#include "daemon/sinks/output.h"

#include <stdio.h>

#include "common/escape.h"
#include "common/timeutil.h"
#include "secrets/redact.h"

/* Display columns of escaped text: one per character (escapes are ASCII). */
static size_t columns(const lw_buf *b)
{
    size_t c = 0;
    for (size_t i = 0; i < b->len; i++)
        c += ((unsigned char)b->p[i] & 0xC0) != 0x80;
    return c;
}

/* Appends at most w display columns of s, escaped (common/escape.h: no
 * control character from a log reaches the terminal), "~" when cut; an
 * escape is kept whole or not at all. */
static void fit(lw_buf *out, const char *s, size_t n, size_t w)
{
    size_t cols = 0, i = 0;
    lw_buf one = LW_BUF_INIT;
    while (i < n) {
        lw_buf_reset(&one);
        size_t used = lw_escape_char(&one, s + i, n - i, 0);
        size_t c = columns(&one);
        if (cols + c > w || (cols + c == w && i + used < n)) {
            lw_buf_putc(out, '~');
            cols++;
            break;
        }
        lw_buf_append(out, one.p, one.len);
        i += used;
        cols += c;
    }
    lw_buf_free(&one);
    for (; cols < w; cols++)
        lw_buf_putc(out, ' ');
}

void lw_out_finding(lw_out_format fmt, const lw_finding *f, const char *json, size_t n, lw_buf *out)
{
    if (fmt == LW_OUT_JSON) {
        lw_buf_append(out, json, n);
        lw_buf_putc(out, '\n');
        return;
    }
    char sev[16];
    snprintf(sev, sizeof sev, "%s", lw_severity_name(f->severity));
    for (char *c = sev; *c; c++)
        *c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
    fit(out, sev, strlen(sev), 9);
    fit(out, f->detector, strlen(f->detector), 17);
    fit(out, f->function.p, f->function.n, 33);
    if (f->time_ms) {
        lw_buf t = LW_BUF_INIT;
        lw_fmt_iso8601(&t, f->time_ms);
        lw_buf_append(out, t.p, 10);
        lw_buf_putc(out, ' ');
        lw_buf_append(out, t.p + 11, 8);
        lw_buf_free(&t);
    }
    while (out->len && out->p[out->len - 1] == ' ')
        out->len--;
    lw_buf_puts(out, "\n  ");
    lw_buf red = LW_BUF_INIT;
    lw_redact(f->title.p ? f->title.p : "", f->title.len, &red);
    fit(out, red.p ? red.p : "", red.len, 78);
    lw_buf_free(&red);
    while (out->len && out->p[out->len - 1] == ' ')
        out->len--;
    if (f->count > 1)
        lw_buf_printf(out, " (x%llu)", (unsigned long long)f->count);
    lw_buf_putc(out, '\n');
}

static void num(lw_buf *out, double v, int width)
{
    char tmp[32];
    if (v >= 100000)
        snprintf(tmp, sizeof tmp, "%.0fk", v / 1000);
    else
        snprintf(tmp, sizeof tmp, "%.1f", v);
    lw_buf_printf(out, "%*s", width, tmp);
}

static void money(lw_buf *out, double usd, int width)
{
    char tmp[32];
    if (usd > 0 && usd < 0.01)
        snprintf(tmp, sizeof tmp, "<0.01");
    else
        snprintf(tmp, sizeof tmp, "%.2f", usd);
    lw_buf_printf(out, "%*s", width, tmp);
}

static void late_note(uint64_t late, lw_buf *out)
{
    if (late)
        lw_buf_printf(out, "\n%llu events came later than the detectors' lateness allowance: left out of their "
                           "windows.\n", (unsigned long long)late);
}

static bool shown(const lw_out_style *st, const char *name, size_t n)
{
    return !st->want_function || st->want_function(st->ud, name, n);
}

void lw_out_summaries(const lw_out_style *st, const lw_stats *s, uint64_t findings, uint64_t late, lw_buf *out)
{
    if (st->fmt == LW_OUT_JSON) {
        lw_map_foreach(&s->fns, e) {
            if (!shown(st, e->key, e->klen))
                continue;
            lw_stats_summary_json(s, e->key, e->klen, e->val, out);
            lw_buf_putc(out, '\n');
        }
        if (late)
            lw_buf_printf(out, "{\"kind\":\"late_events\",\"count\":%llu}\n", (unsigned long long)late);
        return;
    }
    if (!findings)
        lw_buf_puts(out, "No findings.\n");
    size_t nshown = 0;
    lw_map_foreach(&s->fns, e)
        nshown += shown(st, e->key, e->klen);
    if (!nshown) {
        late_note(late, out);
        return;
    }
    lw_buf_puts(out, "\nFUNCTION            INVOC  COLD  ERR TMO OOM    P50ms    P99ms ATK B/U    COST$\n");
    double total = 0;
    lw_map_foreach(&s->fns, e) {
        const lw_fn_stats *f = e->val;
        if (!shown(st, e->key, e->klen))
            continue;
        fit(out, e->key, e->klen, 18);
        lw_buf_printf(out, "%7llu%6llu%5llu%4llu%4llu", (unsigned long long)f->invocations,
                      (unsigned long long)f->cold_starts, (unsigned long long)f->errors,
                      (unsigned long long)f->timeouts, (unsigned long long)f->oom);
        num(out, lw_hist_quantile(&f->duration, 0.5), 9);
        num(out, lw_hist_quantile(&f->duration, 0.99), 9);
        char atk[32];
        snprintf(atk, sizeof atk, "%llu/%llu", (unsigned long long)f->attacks_blocked,
                 (unsigned long long)f->attacks_unblocked);
        double cost = lw_stats_cost(s, f);
        total += cost;
        lw_buf_printf(out, "%8s", atk);
        money(out, cost, 9);
        lw_buf_putc(out, '\n');
    }
    lw_buf_printf(out, "%-70s", "TOTAL (estimated USD at public on-demand prices)");
    money(out, total, 9);
    lw_buf_putc(out, '\n');
    late_note(late, out);
}
