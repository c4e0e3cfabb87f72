/* output: see output.h. */
#include "daemon/sinks/output.h"

#include <stdio.h>
#include <string.h>

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
 * escape is kept whole or not at all. w = 0: all of it, unpadded. */
static void fit(lw_buf *out, const char *s, size_t n, size_t w)
{
    if (!w) {
        lw_escape(out, s, n, 0, 0);
        return;
    }
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

/* Every cell is redacted before it is escaped: names and errors come from
 * outside as titles do, and the table reaches the terminal directly. */
void lw_out_cell(lw_buf *out, const char *s, size_t n, size_t w)
{
    lw_buf red = LW_BUF_INIT;
    lw_redact(s ? s : "", s ? n : 0, &red);
    fit(out, red.p ? red.p : "", red.len, w);
    lw_buf_free(&red);
}

size_t lw_out_columns(const char *s, size_t n)
{
    lw_buf b = LW_BUF_INIT;
    lw_out_cell(&b, s, n, 0);
    size_t c = columns(&b);
    lw_buf_free(&b);
    return c;
}

size_t lw_out_name_width(size_t longest, size_t min, size_t rest, size_t width)
{
    size_t w = longest;
    if (width)
        w = width > rest ? width - rest : 0;
    if (w > longest)
        w = longest;
    return w < min ? min : w;
}

void lw_out_name(lw_buf *out, const char *s, size_t n, size_t w)
{
    if (lw_out_columns(s, n) <= w) {
        lw_out_cell(out, s, n, w);
        return;
    }
    lw_out_cell(out, s, n, 0);
    lw_buf_putc(out, '\n');
    for (size_t i = 0; i < w; i++)
        lw_buf_putc(out, ' ');
}

static void trim(lw_buf *out)
{
    while (out->len && out->p[out->len - 1] == ' ')
        out->len--;
}

/* SGR colours (ECMA-48) for the severity word: red for what needs a
 * person now, yellow for what needs one today, cyan for the rest worth a
 * look; info stays plain. Only the word is coloured, so columns, grep and
 * a terminal without colour read the same. */
static const char *sev_color(lw_severity s)
{
    switch (s) {
    case LW_SEV_CRITICAL: return "\x1b[1;31m";
    case LW_SEV_HIGH: return "\x1b[31m";
    case LW_SEV_MEDIUM: return "\x1b[33m";
    case LW_SEV_LOW: return "\x1b[36m";
    default: return NULL;
    }
}

#define SEV_W 9
#define DET_W 17
#define TIME_W 21 /* "2026-03-08T14:00:00Z " */

void lw_out_finding(const lw_out_style *st, const lw_finding *f, const char *json, size_t n, lw_buf *out)
{
    if (st->fmt == LW_OUT_JSON) {
        lw_buf_append(out, json, n);
        lw_buf_putc(out, '\n');
        return;
    }
    char sev[16];
    snprintf(sev, sizeof sev, "%s", lw_severity_name(f->severity));
    for (char *c = sev; *c; c++)
        *c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
    const char *col = st->color ? sev_color(f->severity) : NULL;
    if (col)
        lw_buf_puts(out, col);
    lw_buf_puts(out, sev);
    if (col)
        lw_buf_puts(out, "\x1b[0m");
    for (size_t i = strlen(sev); i < SEV_W; i++)
        lw_buf_putc(out, ' ');
    lw_out_cell(out, f->detector, strlen(f->detector), DET_W);
    if (f->time_ms) {
        /* Seconds are enough to find the line; the zone is always said. */
        lw_buf t = LW_BUF_INIT;
        lw_fmt_iso8601(&t, f->time_ms);
        lw_buf_append(out, t.p, 19);
        lw_buf_puts(out, "Z ");
        lw_buf_free(&t);
    } else {
        lw_buf_printf(out, "%*s", TIME_W, "");
    }
    /* The function last, whole: on this line when it fits, else alone on
     * the next (see output.h). */
    size_t room = st->width > SEV_W + DET_W + TIME_W ? st->width - SEV_W - DET_W - TIME_W : 0;
    if (st->width && lw_out_columns(f->function.p, f->function.n) > room) {
        trim(out);
        lw_buf_puts(out, "\n  ");
    }
    lw_out_cell(out, f->function.p, f->function.n, 0);
    trim(out);
    lw_buf_puts(out, "\n  ");
    char count[32] = "";
    if (f->count > 1)
        snprintf(count, sizeof count, " (x%llu)", (unsigned long long)f->count);
    size_t tw = 0; /* the title shrinks so the count still fits */
    if (st->width)
        tw = st->width > 2 + strlen(count) + 8 ? st->width - 2 - strlen(count) : 8;
    lw_out_cell(out, f->title.p ? f->title.p : "", f->title.len, tw);
    trim(out);
    lw_buf_puts(out, count);
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

#define SUM_REST 61 /* the columns after FUNCTION */

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
    size_t nshown = 0, longest = 0;
    lw_map_foreach(&s->fns, e) {
        if (!shown(st, e->key, e->klen))
            continue;
        nshown++;
        size_t c = lw_out_columns(e->key, e->klen);
        longest = c > longest ? c : longest;
    }
    if (!nshown) {
        late_note(late, out);
        return;
    }
    /* The numbers take SUM_REST columns; the names what is left, and as
     * much as the longest needs (18 at least, the column's old width). */
    size_t w = lw_out_name_width(longest, 18, SUM_REST, st->width);
    lw_buf_printf(out, "\n%-*s  INVOC  COLD  ERR TMO OOM    P50ms    P99ms ATK B/U    COST$\n", (int)w, "FUNCTION");
    double total = 0;
    lw_map_foreach(&s->fns, e) {
        const lw_fn_stats *f = e->val;
        if (!shown(st, e->key, e->klen))
            continue;
        lw_out_name(out, e->key, e->klen, w);
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
    lw_buf_printf(out, "%-*s", (int)(w + SUM_REST - 9), "TOTAL (estimated USD at public on-demand prices)");
    money(out, total, 9);
    lw_buf_putc(out, '\n');
    late_note(late, out);
}
