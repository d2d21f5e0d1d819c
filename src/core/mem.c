/* SPDX-License-Identifier: Apache-2.0 */
#include "core/mem.h"

#include <stdio.h>
#include <string.h>

static void oom(size_t n)
{
    (void)fprintf(stderr, "level=error module=core msg=\"out of memory\" bytes=%zu\n", n);
    abort();
}

void *sl_xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);
    if (p == NULL) {
        oom(n);
    }
    return p;
}

void *sl_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count != 0 ? count : 1, size != 0 ? size : 1);
    if (p == NULL) {
        oom(count * size);
    }
    return p;
}

void *sl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n != 0 ? n : 1);
    if (q == NULL) {
        oom(n);
    }
    return q;
}

char *sl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sl_xmalloc(n);
    memcpy(p, s, n);
    return p;
}
