/*
 * spool: findings framed into a temporary file (see spool.h). A frame is
 * id, severity byte, detector NUL, then the rendering and the JSON, each
 * after a 64-bit length. The file never outlives the process (tmpfile),
 * so the frame needs no version.
 */
#include "daemon/pipeline/spool.h"

#include <stdint.h>
#include <string.h>

int lw_spool_open(lw_spool *s)
{
    s->rec = (lw_buf)LW_BUF_INIT;
    s->f = tmpfile();
    return s->f ? 0 : -1;
}

static void put_bytes(FILE *f, const char *p, size_t n)
{
    uint64_t len = n;
    fwrite(&len, sizeof len, 1, f);
    if (n)
        fwrite(p, 1, n, f);
}

void lw_spool_put(lw_spool *s, const char *id, int severity, const char *detector, const char *rendered,
                  size_t rendered_len, const char *json, size_t json_len)
{
    fwrite(id, 1, LW_FINDING_ID_LEN, s->f);
    fputc((char)severity, s->f);
    fwrite(detector, 1, strlen(detector) + 1, s->f);
    put_bytes(s->f, rendered, rendered_len);
    put_bytes(s->f, json, json_len);
}

void lw_spool_rewind(lw_spool *s) { rewind(s->f); }

/* Appends one length-prefixed run to rec; false at the end or on a short read. */
static bool get_bytes(FILE *f, lw_buf *rec, size_t *n)
{
    uint64_t len;
    if (fread(&len, sizeof len, 1, f) != 1)
        return false;
    lw_buf_reserve(rec, len + 1);
    if (fread(rec->p + rec->len, 1, len, f) != len)
        return false;
    rec->len += len;
    rec->p[rec->len] = '\0';
    *n = len;
    return true;
}

bool lw_spool_next(lw_spool *s, lw_spooled *k)
{
    int sev;
    if (fread(k->id, 1, LW_FINDING_ID_LEN, s->f) != LW_FINDING_ID_LEN || (sev = fgetc(s->f)) == EOF)
        return false;
    k->id[LW_FINDING_ID_LEN] = '\0';
    k->severity = sev;
    size_t n = 0;
    int ch;
    while ((ch = fgetc(s->f)) > 0 && n < sizeof k->detector - 1)
        k->detector[n++] = (char)ch;
    k->detector[n] = '\0';
    lw_buf_reset(&s->rec);
    if (!get_bytes(s->f, &s->rec, &k->rendered_len))
        return false;
    size_t at = s->rec.len + 1; /* past the NUL that ends the rendering */
    s->rec.len = at;
    if (!get_bytes(s->f, &s->rec, &k->json_len))
        return false;
    k->rendered = s->rec.p;
    k->json = s->rec.p + at;
    return true;
}

void lw_spool_close(lw_spool *s)
{
    if (s->f)
        fclose(s->f);
    s->f = NULL;
    lw_buf_free(&s->rec);
}
