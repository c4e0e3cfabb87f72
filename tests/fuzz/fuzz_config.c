/* The INI configuration loader (libinih + our tables). */
#include <stdio.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/lw-fuzz-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    lw_config c;
    lw_config_load(path, &c);
    lw_config_free(&c);
    unlink(path);
    return 0;
}
