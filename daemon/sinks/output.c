/* output: see output.h. */
#include "daemon/sinks/output.h"

#include <stdio.h>

#include "common/jsonw.h"
#include "common/timeutil.h"
#include "secrets/redact.h"

/* Appends at most w display columns of s (UTF-8 aware), "~" when cut. */
static void fit(lw_buf *out, const char *s, size_t n, size_t w)
{
    size_t cols = 0, i = 0;
    while (i < n) {
        int l = lw_utf8_seqlen((const unsigned char *)s + i, n - i);
        if (l == 0)
            l = 1;
        if (cols + 1 > w || (cols + 1 == w && i + (size_t)l < n)) {
            lw_buf_putc(out, '~');
            cols++;
            break;
        }
        if ((unsigned char)s[i] < 0x20)
            lw_buf_putc(out, ' ');
        else
            lw_utf8_sanitize(out, s + i, (size_t)l);
        i += (size_t)l;
        cols++;
    }
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

void lw_out_summaries(lw_out_format fmt, const lw_stats *s, uint64_t findings, lw_buf *out)
{
    if (fmt == LW_OUT_JSON) {
        lw_map_foreach(&s->fns, e) {
            lw_stats_summary_json(s, e->key, e->klen, e->val, out);
            lw_buf_putc(out, '\n');
        }
        return;
    }
    if (!findings)
        lw_buf_puts(out, "No findings.\n");
    if (!lw_map_count(&s->fns))
        return;
    lw_buf_puts(out, "\nFUNCTION            INVOC  COLD  ERR TMO OOM    P50ms    P99ms ATK B/U    COST$\n");
    double total = 0;
    lw_map_foreach(&s->fns, e) {
        const lw_fn_stats *f = e->val;
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
}
