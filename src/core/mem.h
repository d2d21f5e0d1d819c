/* SPDX-License-Identifier: Apache-2.0 */
/* core/mem.h: allocation that never returns NULL. Out of memory prints a message and aborts
 * (as Redis zmalloc does), so callers need no NULL checks. Thread-safe. */
#ifndef SL_MEM_H
#define SL_MEM_H

#include <stddef.h>
#include <stdlib.h>

void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t count, size_t size);
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);

#endif
