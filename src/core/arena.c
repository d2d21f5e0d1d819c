/* SPDX-License-Identifier: Apache-2.0 */
#include "core/arena.h"

#include "core/mem.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t cap;
    size_t used;
    alignas(max_align_t) unsigned char data[];
} chunk;

struct sl_arena {
    chunk *head; /* current chunk; older ones follow */
    size_t chunk_size;
    size_t used;
};

static chunk *chunk_new(size_t cap)
{
    chunk *c = sl_xmalloc(sizeof(chunk) + cap);
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

sl_arena *sl_arena_create(size_t chunk_size)
{
    sl_arena *a = sl_xcalloc(1, sizeof(*a));
    a->chunk_size = chunk_size != 0 ? chunk_size : 16384;
    a->head = chunk_new(a->chunk_size);
    return a;
}

void sl_arena_destroy(sl_arena *a)
{
    if (a == NULL) {
        return;
    }
    chunk *c = a->head;
    while (c != NULL) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *sl_arena_alloc(sl_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0) {
        n = align;
    }
    if (a->head->cap - a->head->used < n) {
        size_t cap = n > a->chunk_size ? n : a->chunk_size;
        chunk *c = chunk_new(cap);
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    a->used += n;
    return p;
}

void *sl_arena_calloc(sl_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        count = SIZE_MAX / size; /* sl_arena_alloc then aborts: out of memory */
    }
    void *p = sl_arena_alloc(a, count * size);
    memset(p, 0, count * size);
    return p;
}

char *sl_arena_strndup(sl_arena *a, const char *s, size_t len)
{
    char *p = sl_arena_alloc(a, len + 1);
    if (len != 0) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    return p;
}

void sl_arena_reset(sl_arena *a)
{
    /* Keep the oldest chunk (the last in the list), free the rest. */
    chunk *c = a->head;
    while (c->next != NULL) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
    a->used = 0;
}

size_t sl_arena_used(const sl_arena *a)
{
    return a->used;
}
