/* SPDX-License-Identifier: Apache-2.0 */
/* api/list.c: filters gather every value a path reaches (several, through `[]`), then compare
 * each with each listed value: == matches when any pair is equal, != when none is. */
#include "api/list.h"

#include "core/mem.h"
#include "core/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VALUES 256

typedef enum { OP_EXISTS, OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE } cmp_op;

typedef struct values {
    json_object *v[MAX_VALUES];
    size_t n;
} values;

/* Collect the values `path` ("a.b[].c") reaches from `cur`. */
static void collect(json_object *cur, const char *path, values *out)
{
    if (out->n == MAX_VALUES) {
        return;
    }
    if (*path == '\0') {
        out->v[out->n++] = cur;
        return;
    }
    const char *end = path + strcspn(path, ".[");
    char key[128];
    size_t len = (size_t)(end - path);
    if (len >= sizeof(key)) {
        return;
    }
    memcpy(key, path, len);
    key[len] = '\0';
    json_object *next = NULL;
    if (len > 0) {
        if (!json_object_is_type(cur, json_type_object) ||
            !json_object_object_get_ex(cur, key, &next)) {
            return;
        }
    } else {
        next = cur;
    }
    if (strncmp(end, "[]", 2) == 0) {
        const char *rest = end + 2;
        rest += *rest == '.' ? 1 : 0;
        if (!json_object_is_type(next, json_type_array)) {
            return;
        }
        size_t n = json_object_array_length(next);
        for (size_t i = 0; i < n; i++) {
            collect(json_object_array_get_idx(next, i), rest, out);
        }
        return;
    }
    collect(next, *end == '.' ? end + 1 : end, out);
}

static bool as_number(json_object *v, const char *s, double *out)
{
    if (v != NULL &&
        (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
        *out = json_object_get_double(v);
        return true;
    }
    if (s != NULL && *s != '\0') {
        char *end = NULL;
        errno = 0;
        double d = strtod(s, &end);
        if (*end == '\0' && errno == 0) {
            *out = d;
            return true;
        }
    }
    return false;
}

/* -1, 0, 1 comparing value `v` with literal `lit`: numerically when both are numbers. */
static int compare(json_object *v, const char *lit)
{
    double a = 0;
    double b = 0;
    if (as_number(v, NULL, &a) && as_number(NULL, lit, &b)) {
        return a < b ? -1 : a > b ? 1 : 0;
    }
    const char *s = v == NULL                                  ? "null"
                    : json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                               : json_object_to_json_string(v);
    int c = strcasecmp(s, lit);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static bool test_one(cmp_op op, json_object *v, const char *lit)
{
    int c = compare(v, lit);
    switch (op) {
    case OP_EQ:
        return c == 0;
    case OP_NE:
        return c != 0;
    case OP_GT:
        return c > 0;
    case OP_LT:
        return c < 0;
    case OP_GE:
        return c >= 0;
    case OP_LE:
        return c <= 0;
    default:
        return true;
    }
}

int sl_list_match(json_object *item, const char *expr, sl_err *err)
{
    static const struct {
        const char *text;
        cmp_op op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {">=", OP_GE},
               {"<=", OP_LE}, {">", OP_GT},  {"<", OP_LT}};
    const char *at = NULL;
    cmp_op op = OP_EXISTS;
    size_t oplen = 0;
    for (const char *p = expr; *p != '\0' && at == NULL; p++) {
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            size_t l = strlen(ops[i].text);
            if (strncmp(p, ops[i].text, l) == 0) {
                at = p;
                op = ops[i].op;
                oplen = l;
                break;
            }
        }
    }
    size_t plen = at != NULL ? (size_t)(at - expr) : strlen(expr);
    if (plen == 0 || plen >= 256) {
        (void)sl_err_set(
            err, SL_EINVAL,
            "property filter '%.100s' needs a field path, e.g. property=state==enabled", expr);
        return -1;
    }
    char path[256];
    memcpy(path, expr, plen);
    path[plen] = '\0';
    values vals = {.n = 0};
    collect(item, path, &vals);
    if (op == OP_EXISTS) {
        return vals.n > 0 && vals.v[0] != NULL;
    }
    /* Comma-separated literals are alternatives (OR). */
    char *lits = sl_xstrdup(at + oplen);
    bool any = false;
    bool all_ne = true;
    char *save = NULL;
    for (char *lit = strtok_r(lits, ",", &save); lit != NULL; lit = strtok_r(NULL, ",", &save)) {
        for (size_t i = 0; i < vals.n; i++) {
            if (op == OP_NE) {
                all_ne = all_ne && test_one(OP_NE, vals.v[i], lit);
            } else if (test_one(op, vals.v[i], lit)) {
                any = true;
            }
        }
    }
    free(lits);
    return op == OP_NE ? all_ne : any;
}

typedef struct sort_item {
    json_object *item;
    json_object *key;
    size_t pos;
} sort_item;

static int sort_desc;

static int sort_cmp(const void *a, const void *b)
{
    const sort_item *x = a;
    const sort_item *y = b;
    int c;
    double dx = 0;
    double dy = 0;
    if (x->key == NULL || y->key == NULL) {
        c = (x->key == NULL) - (y->key == NULL);
    } else if (as_number(x->key, NULL, &dx) && as_number(y->key, NULL, &dy)) {
        c = dx < dy ? -1 : dx > dy ? 1 : 0;
    } else {
        c = strcmp(json_object_get_string(x->key), json_object_get_string(y->key));
    }
    if (sort_desc) {
        c = -c;
    }
    return c != 0 ? c : (x->pos < y->pos ? -1 : 1);
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int sl_list_apply(json_object *items, const sl_list_params *q, sl_list_page *out, sl_err *err)
{
    memset(out, 0, sizeof(*out));
    out->next_offset = -1;
    long limit = SL_LIST_DEFAULT_LIMIT;
    long offset = 0;
    if (q->limit != NULL && parse_long(q->limit, 1, SL_LIST_MAX_LIMIT, &limit) != 0) {
        return sl_err_set(err, SL_EINVAL, "'limit' must be an integer from 1 to %d, not '%.40s'",
                          SL_LIST_MAX_LIMIT, q->limit);
    }
    if (q->token != NULL &&
        (q->token[0] != 'o' || parse_long(q->token + 1, 0, 1L << 30, &offset) != 0)) {
        return sl_err_set(err, SL_EINVAL,
                          "'continuationToken' '%.40s' was not issued by this server", q->token);
    }
    if (q->start != NULL && parse_long(q->start, 0, 1L << 30, &offset) != 0) {
        return sl_err_set(err, SL_EINVAL, "'start' must be a non-negative integer, not '%.40s'",
                          q->start);
    }
    size_t n = json_object_array_length(items);
    sort_item *kept = sl_xcalloc(n, sizeof(*kept));
    size_t nk = 0;
    const char *order = q->orderby;
    bool desc = false;
    if (order != NULL) {
        desc = order[0] == '-';
        order += (order[0] == '-' || order[0] == '+') ? 1 : 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(items, i);
        bool pass = true;
        for (size_t f = 0; f < q->nproperty && pass; f++) {
            int m = sl_list_match(it, q->property[f], err);
            if (m < 0) {
                free(kept);
                return SL_EINVAL;
            }
            pass = m == 1;
        }
        if (!pass) {
            continue;
        }
        kept[nk].item = it;
        kept[nk].pos = i;
        if (order != NULL && *order != '\0') {
            values v = {.n = 0};
            collect(it, order, &v);
            kept[nk].key = v.n > 0 ? v.v[0] : NULL;
        }
        nk++;
    }
    if (order != NULL && *order != '\0') {
        sort_desc = desc;
        qsort(kept, nk, sizeof(*kept), sort_cmp);
    }
    out->total = nk;
    out->items = json_object_new_array();
    for (size_t i = (size_t)offset; i < nk && i < (size_t)offset + (size_t)limit; i++) {
        json_object_array_add(out->items, json_object_get(kept[i].item));
    }
    if ((size_t)offset + (size_t)limit < nk) {
        out->next_offset = offset + limit;
        (void)snprintf(out->next, sizeof(out->next), "o%ld", out->next_offset);
    }
    free(kept);
    return SL_OK;
}
