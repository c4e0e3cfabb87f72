/* detector: the lifecycle of the stateless detectors; see detector.h. */
#include "detectors/detector.h"

#include <stdlib.h>

void *lw_stateless_det_new(size_t size) { return lw_xcalloc(1, size); }

void lw_stateless_det_destroy(void *self)
{
    lw_stateless_det *d = self;
    lw_finding_free(&d->f);
    free(d);
}
