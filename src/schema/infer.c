/* SPDX-License-Identifier: Apache-2.0 */
#include "schema/infer.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 32

/* "2026-01-01T12:03:42Z", with optional fraction and offset. */
static bool looks_datetime(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = sizeof(shape) - 1;
    if (strlen(s) < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i]) {
            return false;
        }
    }
    const char *rest = s + n;
    if (*rest == '.') {
        rest++;
        while (isdigit((unsigned char)*rest)) {
            rest++;
        }
    }
    return strcmp(rest, "Z") == 0 || ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6);
}

static const char *xdm_type_of(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return "boolean";
    case json_type_int: {
        int64_t n = json_object_get_int64(v);
        return (n > 2147483647LL || n < -2147483648LL) ? "long" : "integer";
    }
    case json_type_double:
        return "number";
    case json_type_object:
        return "object";
    case json_type_array:
        return "array";
    case json_type_string:
        return looks_datetime(json_object_get_string(v)) ? "date-time" : "string";
    default:
        return NULL; /* null: no evidence */
    }
}

static json_object *field_for(const char *xdm)
{
    json_object *f = json_object_new_object();
    if (strcmp(xdm, "long") == 0) {
        json_object_object_add(f, "type", json_object_new_string("integer"));
        json_object_object_add(f, "meta:xdmType", json_object_new_string("long"));
    } else if (strcmp(xdm, "date-time") == 0) {
        json_object_object_add(f, "type", json_object_new_string("string"));
        json_object_object_add(f, "format", json_object_new_string("date-time"));
    } else {
        json_object_object_add(f, "type", json_object_new_string(xdm));
    }
    return f;
}

static const char *field_type(json_object *f)
{
    json_object *t = NULL;
    json_object *x = NULL;
    json_object *fmt = NULL;
    if (json_object_object_get_ex(f, "meta:xdmType", &x)) {
        return json_object_get_string(x);
    }
    if (json_object_object_get_ex(f, "format", &fmt) &&
        strcmp(json_object_get_string(fmt), "date-time") == 0) {
        return "date-time";
    }
    return json_object_object_get_ex(f, "type", &t) ? json_object_get_string(t) : "string";
}

static void merge_value(json_object *props, const char *key, json_object *v, int depth);

static void merge_object(json_object *field, json_object *obj, int depth)
{
    json_object *props = NULL;
    if (!json_object_object_get_ex(field, "properties", &props)) {
        props = json_object_new_object();
        json_object_object_add(field, "properties", props);
    }
    if (depth >= MAX_DEPTH) {
        return;
    }
    json_object_object_foreach(obj, k, v)
    {
        merge_value(props, k, v, depth + 1);
    }
}

/* Fold value `v` seen under `key` into the property map `props`. */
static void merge_value(json_object *props, const char *key, json_object *v, int depth)
{
    const char *t = xdm_type_of(v);
    json_object *f = NULL;
    bool exists = json_object_object_get_ex(props, key, &f);
    if (t == NULL) {
        if (!exists) {
            json_object_object_add(props, key, field_for("string"));
        }
        return;
    }
    if (exists && strcmp(field_type(f), t) != 0) {
        const char *old = field_type(f);
        /* integer + long -> long; integer/long + number -> number; anything else -> string */
        const char *merged = "string";
        if ((strcmp(old, "integer") == 0 || strcmp(old, "long") == 0) &&
            (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0)) {
            merged = "long";
        } else if ((strcmp(old, "number") == 0 || strcmp(t, "number") == 0) &&
                   strcmp(old, "string") != 0 && strcmp(t, "string") != 0 &&
                   strcmp(old, "object") != 0 && strcmp(t, "object") != 0 &&
                   strcmp(old, "array") != 0 && strcmp(t, "array") != 0 &&
                   strcmp(old, "boolean") != 0 && strcmp(t, "boolean") != 0) {
            merged = "number";
        }
        json_object_object_add(props, key, field_for(merged));
        return;
    }
    if (!exists) {
        f = field_for(t);
        json_object_object_add(props, key, f);
    }
    if (strcmp(t, "object") == 0) {
        merge_object(f, v, depth);
    } else if (strcmp(t, "array") == 0) {
        json_object *items = NULL;
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n && depth < MAX_DEPTH; i++) {
            json_object *holder = NULL;
            if (!json_object_object_get_ex(f, "items", &items)) {
                holder = json_object_new_object();
                merge_value(holder, "items", json_object_array_get_idx(v, i), depth + 1);
                json_object *it = NULL;
                if (json_object_object_get_ex(holder, "items", &it)) {
                    json_object_object_add(f, "items", json_object_get(it));
                }
                json_object_put(holder);
            } else {
                holder = json_object_new_object();
                json_object_object_add(holder, "items", json_object_get(items));
                merge_value(holder, "items", json_object_array_get_idx(v, i), depth + 1);
                json_object *it = NULL;
                (void)json_object_object_get_ex(holder, "items", &it);
                json_object_object_add(f, "items", json_object_get(it));
                json_object_put(holder);
            }
        }
        if (!json_object_object_get_ex(f, "items", &items)) {
            json_object_object_add(f, "items", field_for("string"));
        }
    }
}

static void list_fields(json_object *props, const char *prefix, json_object *out, int depth)
{
    json_object_object_foreach(props, k, f)
    {
        char path[512];
        (void)snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", k);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "path", json_object_new_string(path));
        json_object_object_add(e, "type", json_object_new_string(field_type(f)));
        json_object_array_add(out, e);
        json_object *sub = NULL;
        if (depth < MAX_DEPTH && json_object_object_get_ex(f, "properties", &sub)) {
            list_fields(sub, path, out, depth + 1);
        }
        json_object *items = NULL;
        if (depth < MAX_DEPTH && json_object_object_get_ex(f, "items", &items) &&
            json_object_object_get_ex(items, "properties", &sub)) {
            char apath[520];
            (void)snprintf(apath, sizeof(apath), "%s[]", path);
            list_fields(sub, apath, out, depth + 1);
        }
    }
}

int sl_schema_infer(json_object *sample, json_object **schema, json_object **fields, sl_err *err)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "type", json_object_new_string("object"));
    if (json_object_is_type(sample, json_type_object)) {
        merge_object(root, sample, 0);
    } else if (json_object_is_type(sample, json_type_array) &&
               json_object_array_length(sample) > 0) {
        size_t n = json_object_array_length(sample);
        for (size_t i = 0; i < n; i++) {
            json_object *it = json_object_array_get_idx(sample, i);
            if (!json_object_is_type(it, json_type_object)) {
                json_object_put(root);
                return sl_err_set(err, SL_EINVAL,
                                  "sample item %zu is not an object; a sample is an object or an "
                                  "array of objects",
                                  i);
            }
            merge_object(root, it, 0);
        }
    } else {
        json_object_put(root);
        return sl_err_set(err, SL_EINVAL,
                          "a sample is a JSON object or a non-empty array of objects");
    }
    json_object *props = NULL;
    (void)json_object_object_get_ex(root, "properties", &props);
    *fields = json_object_new_array();
    list_fields(props, "", *fields, 0);
    *schema = root;
    return SL_OK;
}
