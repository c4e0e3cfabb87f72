/* metrics: see metrics.h. */
#include "daemon/metrics.h"

void lw_prom_label(lw_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            lw_buf_putc(out, '\\');
        if (*v == '\n')
            lw_buf_puts(out, "\\n");
        else
            lw_buf_putc(out, *v);
    }
}
