/* SPDX-License-Identifier: Apache-2.0 */
/* schema/schema.c: compiled schema = the schema document (kept for its property tree), a
 * flat list of identity descriptors and the compiled validation rules (validate.c). Coercion
 * walks the record and the properties together. */
#include "schema/schema.h"

#include "core/clock.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_IDENTITIES 16
#define MAX_DEPTH      16

typedef struct identity_desc {
    char *pointer; /* "/email" */
    char *ns;      /* "Email" */
    bool primary;
} identity_desc;

struct sl_schema {
    json_object *doc; /* owned reference */
    char *klass;
    identity_desc ids[MAX_IDENTITIES];
    int nids;
    sl__schema_rules *rules; /* owned; borrows doc */
};

static const char *str_member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

int sl_schema_compile(json_object *doc, sl_schema **out, sl_err *err)
{
    json_object *props = NULL;
    if (!json_object_is_type(doc, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "the schema must be a JSON object");
    }
    if (!json_object_object_get_ex(doc, "properties", &props) ||
        !json_object_is_type(props, json_type_object)) {
        return sl_err_set(err, SL_EINVAL, "the schema has no 'properties' object");
    }
    const char *klass = str_member(doc, "meta:class");
    sl_schema *s = sl_xcalloc(1, sizeof(*s));
    s->doc = json_object_get(doc);
    s->klass = sl_xstrdup(klass != NULL ? klass : SL_XDM_EXPERIENCE_EVENT);
    json_object *ids = NULL;
    if (json_object_object_get_ex(doc, "sluice:identities", &ids) &&
        json_object_is_type(ids, json_type_array)) {
        size_t n = json_object_array_length(ids);
        for (size_t i = 0; i < n; i++) {
            json_object *d = json_object_array_get_idx(ids, i);
            const char *ptr = str_member(d, "xdm:sourceProperty");
            const char *ns = str_member(d, "xdm:namespace");
            if (ptr == NULL || ns == NULL || ptr[0] != '/') {
                sl_schema_destroy(s);
                return sl_err_set(err, SL_EINVAL,
                                  "sluice:identities[%zu] needs xdm:sourceProperty (a JSON "
                                  "pointer like /email) and xdm:namespace",
                                  i);
            }
            if (s->nids == MAX_IDENTITIES) {
                sl_schema_destroy(s);
                return sl_err_set(err, SL_EINVAL, "a schema may have at most %d identity fields",
                                  MAX_IDENTITIES);
            }
            json_object *prim = NULL;
            s->ids[s->nids].pointer = sl_xstrdup(ptr);
            s->ids[s->nids].ns = sl_xstrdup(ns);
            s->ids[s->nids].primary = json_object_object_get_ex(d, "xdm:isPrimary", &prim) &&
                                      json_object_get_boolean(prim);
            s->nids++;
        }
    }
    int rc = sl__schema_rules_compile(s->doc, &s->rules, err);
    if (rc != SL_OK) {
        sl_schema_destroy(s);
        return rc;
    }
    *out = s;
    return SL_OK;
}

const char *sl_schema_class(const sl_schema *s)
{
    return s->klass;
}

void sl_schema_destroy(sl_schema *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < s->nids; i++) {
        free(s->ids[i].pointer);
        free(s->ids[i].ns);
    }
    sl__schema_rules_destroy(s->rules);
    free(s->klass);
    json_object_put(s->doc);
    free(s);
}

/* ---- coercion ---- */

static sl_schema_date_parser date_parser;

void sl_schema_set_date_parser(sl_schema_date_parser fn)
{
    date_parser = fn;
}

/* Epoch numbers below 10^11 are seconds (Customer.io's `timestamp`), larger ones
 * milliseconds: 10^11 s is the year 5138, 10^11 ms is March 1973. */
static json_object *to_datetime(json_object *v)
{
    int64_t ms;
    if (json_object_is_type(v, json_type_int)) {
        int64_t n = json_object_get_int64(v);
        ms = (n > -100000000000LL && n < 100000000000LL) ? n * 1000 : n;
    } else if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || fabs(d) > 1e15) {
            return NULL;
        }
        ms = (int64_t)(fabs(d) < 1e11 ? d * 1000.0 : d);
    } else if (json_object_is_type(v, json_type_string)) {
        char text[64];
        if (date_parser == NULL) {
            return json_object_get(v);
        }
        if (!date_parser(json_object_get_string(v), (size_t)json_object_get_string_len(v), text,
                         sizeof(text))) {
            return NULL; /* not a date in any of the accepted forms: a warning */
        }
        return json_object_new_string(text);
    } else {
        return NULL;
    }
    char iso[40];
    return json_object_new_string(sl_iso8601_ms(ms, iso, sizeof(iso)));
}

static json_object *to_integer(json_object *v)
{
    if (json_object_is_type(v, json_type_int)) {
        return json_object_get(v);
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (isfinite(d) && d == floor(d) && fabs(d) < 9.2e18) {
            return json_object_new_int64((int64_t)d);
        }
        return NULL;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end = NULL;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (end != s && *end == '\0' && errno == 0) {
            return json_object_new_int64(n);
        }
        return NULL;
    }
    if (json_object_is_type(v, json_type_boolean)) {
        return json_object_new_int64(json_object_get_boolean(v) ? 1 : 0);
    }
    return NULL;
}

static json_object *to_number(json_object *v)
{
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
        return json_object_get(v);
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end = NULL;
        double d = strtod(s, &end);
        if (end != s && *end == '\0' && isfinite(d)) {
            return json_object_new_double(d);
        }
    }
    return NULL;
}

static json_object *to_string(json_object *v)
{
    if (json_object_is_type(v, json_type_string)) {
        return json_object_get(v);
    }
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
        json_object_is_type(v, json_type_boolean)) {
        return json_object_new_string(json_object_to_json_string(v));
    }
    return NULL;
}

/* aep-api.md §3.5: the words Data Prep reads as booleans, in the cases it lists. */
static json_object *to_boolean(json_object *v)
{
    static const char *const yes[] = {"y", "yes", "Y", "YES", "on", "ON", "true", "TRUE", "True"};
    static const char *const no[] = {"n", "N", "no", "NO", "off", "OFF", "false", "FALSE", "False"};
    if (json_object_is_type(v, json_type_boolean)) {
        return json_object_get(v);
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
            if (strcmp(s, yes[i]) == 0) {
                return json_object_new_boolean(1);
            }
            if (strcmp(s, no[i]) == 0) {
                return json_object_new_boolean(0);
            }
        }
    }
    return NULL;
}

static void coerce_object(json_object *props, json_object *obj, int depth);

/* Coerce `v` to property `prop`. Returns a new reference, or NULL when it cannot. */
static json_object *coerce_value(json_object *prop, json_object *v, int depth)
{
    const char *type = str_member(prop, "type");
    const char *format = str_member(prop, "format");
    const char *xdm = str_member(prop, "meta:xdmType");
    if (type == NULL) {
        return json_object_get(v);
    }
    if (strcmp(type, "string") == 0) {
        if ((format != NULL && strcmp(format, "date-time") == 0) ||
            (xdm != NULL && strcmp(xdm, "date-time") == 0)) {
            return to_datetime(v);
        }
        return to_string(v);
    }
    if (strcmp(type, "integer") == 0) {
        return to_integer(v);
    }
    if (strcmp(type, "number") == 0) {
        return to_number(v);
    }
    if (strcmp(type, "boolean") == 0) {
        return to_boolean(v);
    }
    if (strcmp(type, "object") == 0) {
        if (!json_object_is_type(v, json_type_object)) {
            return NULL;
        }
        json_object *sub = NULL;
        if (depth < MAX_DEPTH && json_object_object_get_ex(prop, "properties", &sub)) {
            coerce_object(sub, v, depth + 1);
        }
        return json_object_get(v);
    }
    if (strcmp(type, "array") == 0) {
        return json_object_is_type(v, json_type_array) ? json_object_get(v) : NULL;
    }
    return json_object_get(v);
}

static void coerce_object(json_object *props, json_object *obj, int depth)
{
    json_object_object_foreach(props, key, prop)
    {
        json_object *v = NULL;
        if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
            continue;
        }
        json_object *c = coerce_value(prop, v, depth);
        if (c == v) {
            json_object_put(c); /* unchanged: drop the extra reference */
            continue;
        }
        /* NULL: left as it is; validation reports the type mismatch and the record fails, as
         * AEP does not downgrade an XDM data-type mismatch to a warning. */
        if (c != NULL) {
            json_object_object_add(obj, key, c);
        }
    }
}

/* ---- identities ---- */

char *sl_identity_normalise(const char *ns, const char *value)
{
    const char *s = value;
    size_t len = strlen(s);
    if (strcasecmp(ns, "Email") == 0) {
        while (len > 0 && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)s[len - 1])) {
            len--;
        }
    }
    char *out = sl_xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(strcasecmp(ns, "Email") == 0 ? (unsigned char)tolower(c) : c);
    }
    out[len] = '\0';
    return out;
}

static json_object *at_pointer(json_object *rec, const char *pointer)
{
    json_object *v = NULL;
    return json_pointer_get(rec, pointer, &v) == 0 ? v : NULL;
}

static bool has_identity(json_object *list, const char *id)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *idv = NULL;
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &idv) &&
            strcmp(json_object_get_string(idv), id) == 0) {
            return true;
        }
    }
    return false;
}

static void fill_identities(const sl_schema *s, json_object *rec)
{
    if (s->nids == 0) {
        return;
    }
    json_object *map = NULL;
    if (!json_object_object_get_ex(rec, "identityMap", &map) ||
        !json_object_is_type(map, json_type_object)) {
        map = json_object_new_object();
        json_object_object_add(rec, "identityMap", map);
    }
    /* The descriptor marked primary wins when its field has a value; otherwise the first
     * identity found is primary, so every record that has an identity has a primary one. */
    int primary = -1;
    for (int i = 0; i < s->nids && primary < 0; i++) {
        json_object *v = at_pointer(rec, s->ids[i].pointer);
        if (s->ids[i].primary && v != NULL && json_object_get_string_len(v) > 0) {
            primary = i;
        }
    }
    for (int i = 0; i < s->nids; i++) {
        json_object *v = at_pointer(rec, s->ids[i].pointer);
        if (v == NULL || json_object_is_type(v, json_type_object) ||
            json_object_is_type(v, json_type_array) || json_object_get_string_len(v) == 0) {
            continue;
        }
        char *id = sl_identity_normalise(s->ids[i].ns, json_object_get_string(v));
        if (id[0] == '\0') {
            free(id);
            continue;
        }
        if (primary < 0) {
            primary = i;
        }
        json_object *list = NULL;
        if (!json_object_object_get_ex(map, s->ids[i].ns, &list) ||
            !json_object_is_type(list, json_type_array)) {
            list = json_object_new_array();
            json_object_object_add(map, s->ids[i].ns, list);
        }
        if (!has_identity(list, id)) {
            json_object *entry = json_object_new_object();
            json_object_object_add(entry, "id", json_object_new_string(id));
            json_object_object_add(entry, "primary", json_object_new_boolean(i == primary));
            json_object_array_add(list, entry);
        }
        free(id);
    }
    if (json_object_object_length(map) == 0) {
        json_object_object_del(rec, "identityMap");
    }
}

void sl_schema_apply(const sl_schema *s, json_object *record)
{
    json_object *props = NULL;
    if (json_object_object_get_ex(s->doc, "properties", &props)) {
        coerce_object(props, record, 0);
    }
    fill_identities(s, record);
}

int sl_schema_check_required(const sl_schema *s, json_object *record, sl_err *err)
{
    json_object *req = NULL;
    if (!json_object_object_get_ex(s->doc, "required", &req) ||
        !json_object_is_type(req, json_type_array)) {
        return SL_OK;
    }
    size_t n = json_object_array_length(req);
    for (size_t i = 0; i < n; i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(req, i));
        json_object *v = NULL;
        if (name != NULL && (!json_object_object_get_ex(record, name, &v) || v == NULL)) {
            int rc = sl_err_set(err, SL_ESCHEMA, "required field '%s' is missing", name);
            if (err != NULL) {
                (void)snprintf(err->loc.pointer, sizeof(err->loc.pointer), "/%s", name);
            }
            return rc;
        }
    }
    return SL_OK;
}

size_t sl_schema_validate(const sl_schema *s, json_object *record, sl_violation *out, size_t max)
{
    return sl__schema_rules_validate(s->rules, record, out, max);
}
