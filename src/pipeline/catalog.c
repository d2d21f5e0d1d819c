/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/catalog.h"

#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct sl_catalog {
    atomic_int refs;
    sl_flow_rt *flows;
    size_t n;
    char **ns; /* custom namespace codes */
    size_t nns;
};

const sl_builtin_ns sl_builtin_namespaces[] = {
    {"Email", "Email", "EMAIL", "Email addresses (trimmed, lower-cased)", 6},
    {"CIOID", "Customer.io ID", "CROSS_DEVICE", "Customer.io's cio_id of a person", 1000001},
    {"CIOCustomerId", "Customer.io customer id", "CROSS_DEVICE",
     "The id a workspace gives a person in Customer.io", 1000002},
    {"Phone", "Phone", "PHONE", "Phone numbers", 7},
    {"ECID", "Experience Cloud ID", "COOKIE", "Adobe Experience Cloud ID", 4},
};
const size_t sl_builtin_namespaces_len =
    sizeof(sl_builtin_namespaces) / sizeof(sl_builtin_namespaces[0]);

const char *sl_catalog_ns_canon(void *cat, const char *code)
{
    const sl_catalog *c = cat;
    for (size_t i = 0; i < sl_builtin_namespaces_len; i++) {
        if (strcasecmp(sl_builtin_namespaces[i].code, code) == 0) {
            return sl_builtin_namespaces[i].code;
        }
    }
    for (size_t i = 0; c != NULL && i < c->nns; i++) {
        if (strcasecmp(c->ns[i], code) == 0) {
            return c->ns[i];
        }
    }
    return NULL;
}

struct sl_catalog_holder {
    pthread_mutex_t lock;
    sl_catalog *cur;
};

static const char *get_str(json_object *o, const char *path)
{
    json_object *v = NULL;
    if (json_pointer_get(o, path, &v) != 0 || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

static void flow_fini(sl_flow_rt *f)
{
    free(f->id);
    free(f->inlet_id);
    free(f->dataset_id);
    free(f->name);
    for (size_t i = 0; i < f->nkeys; i++) {
        free((char *)f->keys[i].ptr);
    }
    free(f->keys);
    sl_mapping_destroy(f->mapping);
    sl_schema_destroy(f->schema);
    memset(f, 0, sizeof(*f));
}

static void keys_from_list(sl_flow_rt *f, json_object *arr)
{
    size_t n = json_object_array_length(arr);
    f->keys = sl_xcalloc(n, sizeof(*f->keys));
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(arr, i);
        if (json_object_is_type(k, json_type_string) && json_object_get_string_len(k) > 0) {
            f->keys[f->nkeys++] = sl_str_c(sl_xstrdup(json_object_get_string(k)));
        }
    }
}

/* Signing keys: the source connection's own (a write-only secret), else the default list for
 * Customer.io sources. */
static int resolve_keys(sl_store *st, sl_flow_rt *f, const char *source_id, const char *spec,
                        const sl_strlist *defaults, sl_err *err)
{
    char *own = NULL;
    sl_err local;
    sl_err_clear(&local);
    int rc = sl_store_secret_get(st, source_id, "signingKeys", &own, &local);
    if (rc == SL_OK) {
        json_object *arr = json_tokener_parse(own);
        free(own);
        if (arr != NULL && json_object_is_type(arr, json_type_array) &&
            json_object_array_length(arr) > 0) {
            keys_from_list(f, arr);
            json_object_put(arr);
            return SL_OK;
        }
        json_object_put(arr);
    } else if (rc != SL_ENOTFOUND) {
        if (err != NULL) {
            *err = local;
        }
        return rc;
    }
    if (spec != NULL && strcmp(spec, SL_SPEC_CUSTOMERIO) == 0 && defaults->len > 0) {
        f->keys = sl_xcalloc(defaults->len, sizeof(*f->keys));
        for (size_t i = 0; i < defaults->len; i++) {
            f->keys[f->nkeys++] = sl_str_c(sl_xstrdup(defaults->items[i]));
        }
    }
    return SL_OK;
}

/* The mapping-set version the flow is pinned to (transformations[0].params.mappingVersion),
 * or the newest when it names none or the set predates versions. */
static int load_mapping(sl_store *st, json_object *flow, const char *ms_id, json_object **out,
                        sl_err *err)
{
    json_object *v = NULL;
    if (json_pointer_get(flow, "/transformations/0/params/mappingVersion", &v) == 0 &&
        json_object_is_type(v, json_type_int)) {
        char key[80];
        (void)snprintf(key, sizeof(key), "%s:%d", ms_id, json_object_get_int(v));
        sl_err local;
        sl_err_clear(&local);
        if (sl_store_doc_get(st, "mappingSetVersion", key, out, NULL, NULL, &local) == SL_OK) {
            return SL_OK;
        }
    }
    return sl_store_doc_get(st, "mappingSet", ms_id, out, NULL, NULL, err);
}

/* Resolve one flow document into `f`. */
static int resolve_flow(sl_store *st, json_object *item, const sl_strlist *defaults, sl_flow_rt *f,
                        sl_err *err)
{
    int rc = SL_OK;
    json_object *src = NULL, *tgt = NULL, *ds = NULL, *schema = NULL, *ms = NULL;
    json_object *doc = NULL;
    (void)json_object_object_get_ex(item, "doc", &doc);
    const char *id = get_str(item, "/id");
    const char *inlet = get_str(doc, "/inletId");
    const char *state = get_str(doc, "/state");
    const char *src_id = get_str(doc, "/sourceConnectionIds/0");
    const char *tgt_id = get_str(doc, "/targetConnectionIds/0");
    const char *ms_id = get_str(doc, "/transformations/0/params/mappingId");
    if (id == NULL || inlet == NULL || src_id == NULL || tgt_id == NULL || ms_id == NULL) {
        return sl_err_set(err, SL_EINVAL, "flow %s lacks an inlet, a connection or a mapping",
                          id != NULL ? id : "?");
    }
    f->id = sl_xstrdup(id);
    f->inlet_id = sl_xstrdup(inlet);
    f->enabled = state != NULL && strcmp(state, "enabled") == 0;
    const char *name = get_str(doc, "/name");
    f->name = sl_xstrdup(name != NULL ? name : id);
    json_object *opt = NULL;
    f->diagnostics = json_pointer_get(doc, "/options/errorDiagnosticsEnabled", &opt) == 0 &&
                     json_object_get_boolean(opt);
    f->partial_percent = -1;
    if (json_pointer_get(doc, "/options/partialIngestionPercent", &opt) == 0 &&
        (json_object_is_type(opt, json_type_int) || json_object_is_type(opt, json_type_double))) {
        f->partial_percent = json_object_get_double(opt);
    }
    if ((rc = sl_store_doc_get(st, "sourceConnection", src_id, &src, NULL, NULL, err)) != SL_OK ||
        (rc = sl_store_doc_get(st, "targetConnection", tgt_id, &tgt, NULL, NULL, err)) != SL_OK ||
        (rc = load_mapping(st, doc, ms_id, &ms, err)) != SL_OK) {
        goto out;
    }
    const char *ds_id = get_str(tgt, "/params/dataSetId");
    if (ds_id == NULL) {
        rc = sl_err_set(err, SL_EINVAL, "target connection %s has no params.dataSetId", tgt_id);
        goto out;
    }
    if ((rc = sl_store_doc_get(st, "dataset", ds_id, &ds, NULL, NULL, err)) != SL_OK) {
        goto out;
    }
    json_object *prof = NULL;
    if (json_pointer_get(ds, "/tags/unifiedProfile", &prof) == 0 &&
        json_object_is_type(prof, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(prof); i++) {
            const char *t = json_object_get_string(json_object_array_get_idx(prof, i));
            f->profile = f->profile || (t != NULL && strcmp(t, "enabled:true") == 0);
        }
    }
    const char *schema_ref = get_str(ds, "/schemaRef/id");
    const char *slash = schema_ref != NULL ? strrchr(schema_ref, '/') : NULL;
    if (slash == NULL) {
        rc = sl_err_set(err, SL_EINVAL, "dataset %s has no schemaRef.id", ds_id);
        goto out;
    }
    if ((rc = sl_store_doc_get(st, "schema", slash + 1, &schema, NULL, NULL, err)) != SL_OK ||
        (rc = sl_schema_compile(schema, &f->schema, err)) != SL_OK ||
        (rc = sl_mapping_compile(ms, &f->mapping, err)) != SL_OK) {
        goto out;
    }
    f->profile_class = strcmp(sl_schema_class(f->schema), SL_XDM_PROFILE) == 0;
    f->dataset_id = sl_xstrdup(ds_id);
    rc = resolve_keys(st, f, src_id, get_str(src, "/connectionSpec/id"), defaults, err);
out:
    json_object_put(src);
    json_object_put(tgt);
    json_object_put(ds);
    json_object_put(schema);
    json_object_put(ms);
    return rc;
}

int sl_catalog_load(sl_store *st, const sl_strlist *default_cio_keys, sl_catalog **out, sl_err *err)
{
    json_object *list = NULL;
    int rc = sl_store_doc_list(st, "flow", &list, err);
    if (rc != SL_OK) {
        return rc;
    }
    size_t n = json_object_array_length(list);
    sl_catalog *c = sl_xcalloc(1, sizeof(*c));
    atomic_init(&c->refs, 1);
    c->flows = sl_xcalloc(n, sizeof(*c->flows));
    for (size_t i = 0; i < n; i++) {
        sl_err ferr;
        sl_err_clear(&ferr);
        sl_flow_rt *f = &c->flows[c->n];
        if (resolve_flow(st, json_object_array_get_idx(list, i), default_cio_keys, f, &ferr) !=
            SL_OK) {
            flow_fini(f);
            if (ferr.code == SL_EBUSY || ferr.code == SL_EIO) {
                /* The store failed, not the flow: no snapshot rather than one without it (the
                 * caller keeps the current one). */
                *err = ferr;
                json_object_put(list);
                sl_catalog_unref(c);
                return ferr.code;
            }
            SL_LOG_WARN("catalog", "flow left out of service error=\"%s\"", ferr.msg);
            continue;
        }
        c->n++;
    }
    json_object_put(list);
    list = NULL;
    if ((rc = sl_store_doc_list(st, "idNamespace", &list, err)) != SL_OK) {
        sl_catalog_unref(c);
        return rc;
    }
    {
        size_t m = json_object_array_length(list);
        c->ns = sl_xcalloc(m + 1, sizeof(*c->ns));
        for (size_t i = 0; i < m; i++) {
            const char *code = get_str(json_object_array_get_idx(list, i), "/doc/code");
            if (code != NULL) {
                c->ns[c->nns++] = sl_xstrdup(code);
            }
        }
        json_object_put(list);
    }
    *out = c;
    return SL_OK;
}

const sl_flow_rt *sl_catalog_flow(const sl_catalog *c, const char *flow_id)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->flows[i].id, flow_id) == 0) {
            return &c->flows[i];
        }
    }
    return NULL;
}

bool sl_catalog_has_inlet(const sl_catalog *c, const char *inlet_id)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->flows[i].inlet_id, inlet_id) == 0) {
            return true;
        }
    }
    return false;
}

size_t sl_catalog_count(const sl_catalog *c)
{
    return c->n;
}

const sl_flow_rt *sl_catalog_at(const sl_catalog *c, size_t i)
{
    return i < c->n ? &c->flows[i] : NULL;
}

sl_catalog *sl_catalog_ref(sl_catalog *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void sl_catalog_unref(sl_catalog *c)
{
    if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        flow_fini(&c->flows[i]);
    }
    free(c->flows);
    for (size_t i = 0; i < c->nns; i++) {
        free(c->ns[i]);
    }
    free(c->ns);
    free(c);
}

sl_catalog_holder *sl_catalog_holder_create(sl_catalog *initial)
{
    sl_catalog_holder *h = sl_xcalloc(1, sizeof(*h));
    pthread_mutex_init(&h->lock, NULL);
    h->cur = initial;
    return h;
}

void sl_catalog_holder_destroy(sl_catalog_holder *h)
{
    if (h == NULL) {
        return;
    }
    sl_catalog_unref(h->cur);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

sl_catalog *sl_catalog_current(sl_catalog_holder *h)
{
    pthread_mutex_lock(&h->lock);
    sl_catalog *c = sl_catalog_ref(h->cur);
    pthread_mutex_unlock(&h->lock);
    return c;
}

void sl_catalog_publish(sl_catalog_holder *h, sl_catalog *next)
{
    pthread_mutex_lock(&h->lock);
    sl_catalog *old = h->cur;
    h->cur = next;
    pthread_mutex_unlock(&h->lock);
    sl_catalog_unref(old);
}
