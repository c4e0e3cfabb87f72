/* config: the INI loader (libinih + the option tables). The input is
 * written to a private temporary file, loaded and freed. Invariants
 * checked: loading terminates, frees everything, and every collected
 * error names the file. */
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
    for (int i = 0; i < c.errors.n; i++)
        FUZZ_CHECK(c.errors.v[i] && !strncmp(c.errors.v[i], path, strlen(path)));
    lw_config_free(&c);
    unlink(path);
    return 0;
}
