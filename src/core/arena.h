/* SPDX-License-Identifier: Apache-2.0 */
/* core/arena.h: bump allocation for request- and record-lifetime data (h2o's pool): many small
 * allocations, freed all at once by sl_arena_reset. One thread at a time per arena. */
#ifndef SL_ARENA_H
#define SL_ARENA_H

#include <stddef.h>

typedef struct sl_arena sl_arena;

/* A new arena whose chunks hold at least `chunk` bytes (0: 16 KiB). Release with
 * sl_arena_destroy. */
sl_arena *sl_arena_create(size_t chunk);
void sl_arena_destroy(sl_arena *a); /* NULL is a no-op */

/* `n` bytes aligned for any type; never NULL (out of memory aborts). Lives until reset. */
void *sl_arena_alloc(sl_arena *a, size_t n);
/* Zeroed `count * size` bytes. */
void *sl_arena_calloc(sl_arena *a, size_t count, size_t size);
/* A NUL-terminated copy of `len` bytes at `s`. */
char *sl_arena_strndup(sl_arena *a, const char *s, size_t len);

/* Free everything allocated since creation (keeps the first chunk for reuse). */
void sl_arena_reset(sl_arena *a);

/* Bytes handed out since the last reset: the evaluator's memory bound checks it. */
size_t sl_arena_used(const sl_arena *a);

#endif
