/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_config.c: the YAML config reader on arbitrary bytes, then the derived defaults.
 * Must never crash or leak, and must report a problem line for each problem it counts. */
#include "config/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const sl_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++) {
        n += b->ptr[i] == '\n' ? 1 : 0;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_config c;
    sl_buf problems = {NULL, 0, 0};
    sl_config_init(&c);
    int n = sl_config_apply_yaml(&c, "fuzz.yaml", (const char *)data, size, &problems);
    n += sl_config_finish(&c, &problems);
    if (n < 0 || (size_t)n != count_lines(&problems)) {
        abort(); /* every counted problem is one line, and every line is counted */
    }
    sl_config_fini(&c);
    sl_buf_fini(&problems);
    return 0;
}
