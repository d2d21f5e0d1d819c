/* SPDX-License-Identifier: Apache-2.0 */
/* api/list.h: AEP list parameters over an array of resource views: `property` filters
 * (path==v1,v2 | != | > | < | >= | <= | bare path for "exists"; `[]` walks arrays), `orderby`
 * (+/-path), and paging (`limit` with `continuationToken` or `start`). Pure; no I/O. */
#ifndef SL_API_LIST_H
#define SL_API_LIST_H

#include "core/err.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define SL_LIST_DEFAULT_LIMIT 100
#define SL_LIST_MAX_LIMIT     1000
#define SL_LIST_MAX_FILTERS   8

typedef struct sl_list_params {
    const char *property[SL_LIST_MAX_FILTERS]; /* each an AND-ed filter */
    size_t nproperty;
    const char *orderby; /* NULL: store order (oldest first) */
    const char *limit;   /* NULL: SL_LIST_DEFAULT_LIMIT */
    const char *token;   /* continuationToken from a previous page */
    const char *start;   /* Catalog's offset form of paging */
} sl_list_params;

typedef struct sl_list_page {
    json_object *items; /* new array of new references (release with json_object_put) */
    size_t total;       /* items that passed the filters */
    char next[32];      /* continuationToken of the next page, "" when this is the last */
    long next_offset;   /* offset of the next page, -1 when none */
} sl_list_page;

/* Filter, order and page `items` (an array, borrowed). Returns SL_OK or SL_EINVAL naming the
 * parameter that is wrong. */
int sl_list_apply(json_object *items, const sl_list_params *q, sl_list_page *out, sl_err *err);

/* Does `item` pass the filter `expr`? Returns 1, 0, or -1 when `expr` is malformed (with err). */
int sl_list_match(json_object *item, const char *expr, sl_err *err);

#endif
