/* SPDX-License-Identifier: Apache-2.0 */
/* core/jsonpatch.c: a pointer is split into unescaped tokens once; each operation then walks
 * to the parent container and acts on the last token. The patch runs on a deep copy, so a
 * failing operation leaves the caller's document as it was. */
#include "core/jsonpatch.h"

#include "core/mem.h"
#include "core/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 64

typedef struct pointer {
    char *tok[MAX_TOKENS]; /* owned, unescaped */
    int n;
} pointer;

static void pointer_fini(pointer *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->tok[i]);
    }
    p->n = 0;
}

/* Split "/a/b~1c" into {"a", "b/c"}. Returns false when malformed. */
static bool pointer_parse(const char *s, pointer *p)
{
    p->n = 0;
    if (*s == '\0') {
        return true;
    }
    if (*s != '/') {
        return false;
    }
    while (*s == '/') {
        s++;
        if (p->n == MAX_TOKENS) {
            pointer_fini(p);
            return false;
        }
        sl_buf t = {0};
        while (*s != '\0' && *s != '/') {
            if (*s == '~') {
                if (s[1] == '0') {
                    sl_buf_append(&t, "~", 1);
                } else if (s[1] == '1') {
                    sl_buf_append(&t, "/", 1);
                } else {
                    sl_buf_fini(&t);
                    pointer_fini(p);
                    return false;
                }
                s += 2;
                continue;
            }
            sl_buf_append(&t, s, 1);
            s++;
        }
        p->tok[p->n++] = t.ptr != NULL ? t.ptr : sl_xstrdup("");
    }
    return true;
}

/* An array index token: digits without leading zeros. -1 when it is not one. */
static long array_index(const char *tok)
{
    size_t n = strlen(tok);
    if (n == 0 || n > 9 || (n > 1 && tok[0] == '0')) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)tok[i])) {
            return -1;
        }
    }
    return strtol(tok, NULL, 10);
}

static json_object *walk(json_object *doc, const pointer *p, int upto)
{
    json_object *cur = doc;
    for (int i = 0; i < upto; i++) {
        if (json_object_is_type(cur, json_type_object)) {
            json_object *next = NULL;
            if (!json_object_object_get_ex(cur, p->tok[i], &next)) {
                return NULL;
            }
            cur = next;
        } else if (json_object_is_type(cur, json_type_array)) {
            long idx = array_index(p->tok[i]);
            if (idx < 0 || (size_t)idx >= json_object_array_length(cur)) {
                return NULL;
            }
            cur = json_object_array_get_idx(cur, (size_t)idx);
        } else {
            return NULL;
        }
    }
    return cur;
}

json_object *sl_jsonpointer_get(json_object *doc, const char *ptr)
{
    pointer p;
    if (!pointer_parse(ptr, &p)) {
        return NULL;
    }
    json_object *v = walk(doc, &p, p.n);
    pointer_fini(&p);
    return v;
}

/* Insert `val` (taken) at `idx` of `arr` by shifting the tail: json-c 0.16 has no insert. */
static void array_insert(json_object *arr, size_t idx, json_object *val)
{
    size_t n = json_object_array_length(arr);
    json_object_array_add(arr, NULL);
    for (size_t i = n; i > idx; i--) {
        json_object_array_put_idx(arr, i, json_object_get(json_object_array_get_idx(arr, i - 1)));
    }
    json_object_array_put_idx(arr, idx, val);
}

typedef struct op_ctx {
    json_object **root;
    sl_err *err;
    int index;
    const char *name;
    const char *path;
} op_ctx;

static int fail(const op_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const op_ctx *c, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    (void)sl_err_set(c->err, SL_EINVAL, "operation %d (%s %s): %s", c->index, c->name, c->path,
                     msg);
    if (c->err != NULL) {
        (void)snprintf(c->err->loc.pointer, sizeof(c->err->loc.pointer), "%s", c->path);
    }
    return SL_EINVAL;
}

/* Add `val` (taken) at `p`. */
static int do_add(const op_ctx *c, const pointer *p, json_object *val)
{
    if (p->n == 0) {
        json_object_put(*c->root);
        *c->root = val;
        return SL_OK;
    }
    json_object *parent = walk(*c->root, p, p->n - 1);
    const char *last = p->tok[p->n - 1];
    if (json_object_is_type(parent, json_type_object)) {
        json_object_object_add(parent, last, val);
        return SL_OK;
    }
    if (json_object_is_type(parent, json_type_array)) {
        size_t len = json_object_array_length(parent);
        long idx = strcmp(last, "-") == 0 ? (long)len : array_index(last);
        if (idx < 0 || (size_t)idx > len) {
            json_object_put(val);
            return fail(c, "array index '%s' is out of range", last);
        }
        array_insert(parent, (size_t)idx, val);
        return SL_OK;
    }
    json_object_put(val);
    return fail(c, "%s", "the parent of the path does not exist or is not a container");
}

/* Remove the value at `p`; when `out` is not NULL, hand it over instead of dropping it. */
static int do_remove(const op_ctx *c, const pointer *p, json_object **out)
{
    if (p->n == 0) {
        return fail(c, "%s", "the whole document cannot be removed");
    }
    json_object *parent = walk(*c->root, p, p->n - 1);
    const char *last = p->tok[p->n - 1];
    json_object *v = NULL;
    if (json_object_is_type(parent, json_type_object)) {
        if (!json_object_object_get_ex(parent, last, &v)) {
            return fail(c, "there is no member '%s' to remove", last);
        }
        if (out != NULL) {
            *out = json_object_get(v);
        }
        json_object_object_del(parent, last);
        return SL_OK;
    }
    if (json_object_is_type(parent, json_type_array)) {
        long idx = array_index(last);
        if (idx < 0 || (size_t)idx >= json_object_array_length(parent)) {
            return fail(c, "array index '%s' is out of range", last);
        }
        if (out != NULL) {
            *out = json_object_get(json_object_array_get_idx(parent, (size_t)idx));
        }
        (void)json_object_array_del_idx(parent, (size_t)idx, 1);
        return SL_OK;
    }
    return fail(c, "%s", "the path does not exist");
}

static json_object *copy_of(json_object *v)
{
    json_object *copy = NULL;
    if (v == NULL) {
        return NULL;
    }
    if (json_object_deep_copy(v, &copy, NULL) != 0) {
        return NULL;
    }
    return copy;
}

static int apply_one(json_object **root, json_object *op, int index, sl_err *err)
{
    op_ctx c = {root, err, index, "?", "?"};
    json_object *jop = NULL, *jpath = NULL, *jval = NULL, *jfrom = NULL;
    if (!json_object_is_type(op, json_type_object) || !json_object_object_get_ex(op, "op", &jop) ||
        !json_object_is_type(jop, json_type_string) ||
        !json_object_object_get_ex(op, "path", &jpath) ||
        !json_object_is_type(jpath, json_type_string)) {
        return fail(&c, "%s", "each operation needs string members 'op' and 'path'");
    }
    c.name = json_object_get_string(jop);
    c.path = json_object_get_string(jpath);
    bool has_value = json_object_object_get_ex(op, "value", &jval);
    pointer p;
    if (!pointer_parse(c.path, &p)) {
        return fail(&c, "%s", "the path is not a JSON pointer (it must start with '/')");
    }
    int rc = SL_OK;
    pointer from = {0};
    bool needs_from = strcmp(c.name, "move") == 0 || strcmp(c.name, "copy") == 0;
    if (needs_from) {
        if (!json_object_object_get_ex(op, "from", &jfrom) ||
            !json_object_is_type(jfrom, json_type_string) ||
            !pointer_parse(json_object_get_string(jfrom), &from)) {
            rc = fail(&c, "%s", "'from' must be a JSON pointer");
            goto out;
        }
    }
    if ((strcmp(c.name, "add") == 0 || strcmp(c.name, "replace") == 0 ||
         strcmp(c.name, "test") == 0) &&
        !has_value) {
        rc = fail(&c, "%s", "'value' is required");
        goto out;
    }
    if (strcmp(c.name, "add") == 0) {
        rc = do_add(&c, &p, copy_of(jval));
    } else if (strcmp(c.name, "remove") == 0) {
        rc = do_remove(&c, &p, NULL);
    } else if (strcmp(c.name, "replace") == 0) {
        if (walk(*root, &p, p.n) == NULL) {
            rc = fail(&c, "%s", "there is no value at the path to replace");
        } else if ((rc = (p.n == 0 ? SL_OK : do_remove(&c, &p, NULL))) == SL_OK) {
            rc = do_add(&c, &p, copy_of(jval));
        }
    } else if (strcmp(c.name, "move") == 0 || strcmp(c.name, "copy") == 0) {
        json_object *v = NULL;
        bool move = strcmp(c.name, "move") == 0;
        if (move && from.n <= p.n) {
            bool prefix = true;
            for (int i = 0; i < from.n && prefix; i++) {
                prefix = strcmp(from.tok[i], p.tok[i]) == 0;
            }
            if (prefix && from.n < p.n) {
                rc = fail(&c, "%s", "a value cannot be moved into itself");
                goto out;
            }
        }
        if (move) {
            rc = do_remove(&c, &from, &v);
        } else {
            v = copy_of(walk(*root, &from, from.n));
            if (v == NULL) {
                rc = fail(&c, "%s", "there is no value at 'from'");
            }
        }
        if (rc == SL_OK) {
            rc = do_add(&c, &p, v);
        }
    } else if (strcmp(c.name, "test") == 0) {
        json_object *v = walk(*root, &p, p.n);
        if (v == NULL || !json_object_equal(v, jval)) {
            rc = fail(&c, "%s", "the value at the path is not the expected one");
        }
    } else {
        rc = fail(&c,
                  "'%s' is not an operation; expected add, remove, replace, move, copy or "
                  "test",
                  c.name);
    }
out:
    pointer_fini(&p);
    pointer_fini(&from);
    return rc;
}

int sl_jsonpatch_apply(json_object **doc, json_object *ops, sl_err *err)
{
    if (!json_object_is_type(ops, json_type_array)) {
        return sl_err_set(err, SL_EINVAL, "a JSON Patch must be an array of operations");
    }
    size_t n = json_object_array_length(ops);
    if (n > SL_JSONPATCH_MAX_OPS) {
        return sl_err_set(err, SL_EINVAL, "a JSON Patch may hold at most %d operations, not %zu",
                          SL_JSONPATCH_MAX_OPS, n);
    }
    json_object *work = copy_of(*doc);
    if (work == NULL && *doc != NULL) {
        return sl_err_set(err, SL_EINVAL, "the document cannot be copied");
    }
    for (size_t i = 0; i < n; i++) {
        int rc = apply_one(&work, json_object_array_get_idx(ops, i), (int)i, err);
        if (rc != SL_OK) {
            json_object_put(work);
            return rc;
        }
    }
    json_object_put(*doc);
    *doc = work;
    return SL_OK;
}
