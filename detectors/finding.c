/* finding: see finding.h. */
#include "detectors/finding.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jsonw.h"
#include "common/timeutil.h"
#include "secrets/redact.h"

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *lw_severity_name(lw_severity s)
{
    return (s >= LW_SEV_INFO && s <= LW_SEV_CRITICAL) ? sev_names[s] : "info";
}

int lw_severity_parse(const char *name, lw_severity *s)
{
    for (int i = 0; i <= LW_SEV_CRITICAL; i++) {
        if (strcasecmp(name, sev_names[i]) == 0) {
            *s = (lw_severity)i;
            return 0;
        }
    }
    return -1;
}

void lw_finding_init(lw_finding *f, const char *detector, lw_severity sev, const lw_record *rec)
{
    lw_buf title = f->title; /* reuse the allocation across findings */
    memset(f, 0, sizeof *f);
    f->title = title;
    lw_buf_reset(&f->title);
    f->detector = detector;
    f->severity = sev;
    f->count = 1;
    if (rec) {
        f->function = rec->function;
        if (rec->ev) {
            f->group = rec->ev->group;
            f->stream = rec->ev->stream;
            f->time_ms = rec->ev->timestamp;
        }
    }
}

void lw_finding_free(lw_finding *f) { lw_buf_free(&f->title); }

void lw_finding_title(lw_finding *f, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    lw_buf_reset(&f->title);
    lw_buf_append(&f->title, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Past the cap evidence is dropped: a finding with too much to say still
 * says the rest. */
static void add(lw_finding *f, const char *key, lw_evidence e)
{
    if (f->nev >= LW_FINDING_MAX_EVIDENCE)
        return;
    e.key = key;
    f->ev[f->nev++] = e;
}

void lw_finding_str(lw_finding *f, const char *key, lw_str v)
{
    if (v.n)
        add(f, key, (lw_evidence){.type = LW_EVT_STR, .s = v});
}

void lw_finding_num(lw_finding *f, const char *key, double v) { add(f, key, (lw_evidence){.type = LW_EVT_NUM, .num = v}); }
void lw_finding_int(lw_finding *f, const char *key, int64_t v) { add(f, key, (lw_evidence){.type = LW_EVT_INT, .i = v}); }
void lw_finding_bool(lw_finding *f, const char *key, bool v) { add(f, key, (lw_evidence){.type = LW_EVT_BOOL, .i = v}); }

void lw_finding_head(lw_finding *f, const char *key, lw_str v, size_t max)
{
    if (v.n > max)
        v.n = max;
    lw_finding_str(f, key, v);
}

void lw_finding_id(const lw_finding *f, char out[LW_FINDING_ID_LEN + 1])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    const lw_str parts[] = {lw_str_c(f->detector), f->group, f->stream, f->request_id, f->key};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        /* Length-prefixed so that ("ab","c") and ("a","bc") differ. */
        uint64_t n = parts[i].n;
        EVP_DigestUpdate(ctx, &n, sizeof n);
        if (n)
            EVP_DigestUpdate(ctx, parts[i].p, n);
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < LW_FINDING_ID_LEN / 2; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[LW_FINDING_ID_LEN] = '\0';
}

static void str_member(lw_buf *out, bool *first, const char *key, lw_str v)
{
    lw_jw_key(out, first, key);
    if (v.n)
        lw_jw_str(out, v.p, v.n);
    else
        lw_buf_puts(out, "null");
}

void lw_finding_json(const lw_finding *f, const char *id, lw_buf *out)
{
    bool first = true;
    lw_buf_putc(out, '{');
    lw_jw_key(out, &first, "kind");
    lw_jw_cstr(out, "finding");
    lw_jw_key(out, &first, "id");
    lw_jw_cstr(out, id);
    lw_jw_key(out, &first, "detector");
    lw_jw_cstr(out, f->detector);
    lw_jw_key(out, &first, "severity");
    lw_jw_cstr(out, lw_severity_name(f->severity));
    lw_buf red = LW_BUF_INIT;
    lw_redact(f->title.p ? f->title.p : "", f->title.len, &red);
    lw_jw_key(out, &first, "title");
    lw_jw_str(out, red.p ? red.p : "", red.len);
    str_member(out, &first, "function", f->function);
    str_member(out, &first, "log_group", f->group);
    str_member(out, &first, "log_stream", f->stream);
    str_member(out, &first, "request_id", f->request_id);
    lw_jw_key(out, &first, "time");
    if (f->time_ms) {
        lw_buf t = LW_BUF_INIT;
        lw_fmt_iso8601(&t, f->time_ms);
        lw_jw_str(out, t.p, t.len);
        lw_buf_free(&t);
    } else {
        lw_buf_puts(out, "null");
    }
    lw_jw_key(out, &first, "count");
    lw_jw_int(out, (int64_t)f->count);
    lw_jw_key(out, &first, "evidence");
    lw_buf_putc(out, '{');
    bool efirst = true;
    for (int i = 0; i < f->nev; i++) {
        const lw_evidence *e = &f->ev[i];
        lw_jw_key(out, &efirst, e->key);
        switch (e->type) {
        case LW_EVT_STR:
            lw_buf_reset(&red);
            lw_redact(e->s.p, e->s.n, &red);
            lw_jw_str(out, red.p, red.len);
            break;
        case LW_EVT_NUM: lw_jw_num(out, e->num); break;
        case LW_EVT_INT: lw_jw_int(out, e->i); break;
        case LW_EVT_BOOL: lw_buf_puts(out, e->i ? "true" : "false"); break;
        }
    }
    lw_buf_free(&red);
    lw_buf_puts(out, "}}");
}
