/* decoder: any bytes, fed in chunks whose sizes come from the input too. */
#include "fuzz_common.h"
#include "parsers/decode.h"

static void on_event(void *ud, const lw_event *ev)
{
    (*(size_t *)ud)++;
    fuzz_assert_utf8(ev->message.p, ev->message.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] * 7 + 1; /* 1..1786 */
    size_t events = 0;
    lw_decoder_opts o = {.origin = "fuzz", .default_group = "g", .on_event = on_event, .ud = &events};
    lw_decoder *d = lw_decoder_new(&o);
    for (size_t at = 1; at < size; at += chunk)
        lw_decoder_feed(d, (const char *)data + at, size - at < chunk ? size - at : chunk);
    lw_decoder_finish(d);
    if (lw_decoder_stats(d)->events != events)
        abort();
    lw_decoder_free(d);
    return 0;
}
