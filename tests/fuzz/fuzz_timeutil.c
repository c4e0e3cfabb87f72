/* ISO 8601 and duration parsing. */
#include "common/timeutil.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ms;
    size_t k = lw_parse_iso8601((const char *)data, size, &ms);
    if (k > size)
        abort();
    char tmp[64];
    size_t n = size < sizeof tmp - 1 ? size : sizeof tmp - 1;
    memcpy(tmp, data, n);
    tmp[n] = '\0';
    lw_parse_duration(tmp, &ms);
    return 0;
}
