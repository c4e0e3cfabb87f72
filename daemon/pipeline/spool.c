/*
 * spool: findings framed into a temporary file (see spool.h). A frame is
 * id and severity byte, then the detector, the rendering and the JSON,
 * each after a 64-bit length: no field is cut short, whatever its size. The file never outlives the process (tmpfile),
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
    put_bytes(s->f, detector, strlen(detector));
    put_bytes(s->f, rendered, rendered_len);
    put_bytes(s->f, json, json_len);
}

void lw_spool_rewind(lw_spool *s) { rewind(s->f); }

/* Appends one length-prefixed run and a NUL to rec; its offset goes to
 * *at. False at the end or on a short read. */
static bool get_bytes(FILE *f, lw_buf *rec, size_t *at, size_t *n)
{
    uint64_t len;
    if (fread(&len, sizeof len, 1, f) != 1)
        return false;
    lw_buf_reserve(rec, len + 1);
    if (fread(rec->p + rec->len, 1, len, f) != len)
        return false;
    *at = rec->len;
    *n = len;
    rec->len += len;
    rec->p[rec->len++] = '\0';
    return true;
}

bool lw_spool_next(lw_spool *s, lw_spooled *k)
{
    int sev;
    if (fread(k->id, 1, LW_FINDING_ID_LEN, s->f) != LW_FINDING_ID_LEN || (sev = fgetc(s->f)) == EOF)
        return false;
    k->id[LW_FINDING_ID_LEN] = '\0';
    k->severity = sev;
    lw_buf_reset(&s->rec);
    size_t det, det_len, out, json;
    if (!get_bytes(s->f, &s->rec, &det, &det_len) || !get_bytes(s->f, &s->rec, &out, &k->rendered_len) ||
        !get_bytes(s->f, &s->rec, &json, &k->json_len))
        return false;
    k->detector = s->rec.p + det; /* pointers last: the buffer may have moved */
    k->rendered = s->rec.p + out;
    k->json = s->rec.p + json;
    return true;
}

void lw_spool_close(lw_spool *s)
{
    if (s->f)
        fclose(s->f);
    s->f = NULL;
    lw_buf_free(&s->rec);
}
