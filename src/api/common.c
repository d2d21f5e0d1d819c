/* SPDX-License-Identifier: Apache-2.0 */
#include "api/api_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

const char *sl__api_req_str(json_object *body, const char *ptr, sl_err *err)
{
    json_object *v = NULL;
    const char *field = ptr + 1;
    if (json_pointer_get(body, ptr, &v) != 0 || v == NULL) {
        (void)sl_err_set(err, SL_EINVAL, "'%s' is required", field);
        snprintf(err->loc.pointer, sizeof(err->loc.pointer), "%s", ptr);
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
        (void)sl_err_set(err, SL_EINVAL, "'%s' must be a non-empty string, not %s", field,
                         json_object_is_type(v, json_type_string)
                             ? "an empty string"
                             : json_type_to_name(json_object_get_type(v)));
        snprintf(err->loc.pointer, sizeof(err->loc.pointer), "%s", ptr);
        return NULL;
    }
    return json_object_get_string(v);
}

const char *sl__api_opt_str(json_object *body, const char *ptr, bool *bad, sl_err *err)
{
    json_object *v = NULL;
    *bad = false;
    if (json_pointer_get(body, ptr, &v) != 0 || v == NULL) {
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        (void)sl_err_set(err, SL_EINVAL, "'%s' must be a string, not %s", ptr + 1,
                         json_type_to_name(json_object_get_type(v)));
        return NULL;
    }
    return json_object_get_string(v);
}

int sl__api_opt_strings(json_object *body, const char *const *ptrs, sl_err *err)
{
    for (const char *const *p = ptrs; *p != NULL; p++) {
        bool bad = false;
        (void)sl__api_opt_str(body, *p, &bad, err);
        if (bad) {
            return SL_EINVAL;
        }
    }
    return SL_OK;
}

const char *sl__api_schema_key(const char *schema_id)
{
    const char *slash = strrchr(schema_id, '/');
    return slash != NULL ? slash + 1 : schema_id;
}

void sl__api_reply_err(sl_http_req *req, const sl_err *err)
{
    sl_http_reply_err(req, err);
}

/* Reloads run one at a time, so the snapshot published last is the one loaded last: a reload
 * started by another node's change can never publish over a newer one made after a local
 * write. */
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;

int sl__api_reload(sl_app *app, sl_err *err)
{
    sl_catalog *next = NULL;
    pthread_mutex_lock(&reload_lock);
    int rc = sl_catalog_load(app->store, &app->cfg->cio_signing_keys, &next, err);
    if (rc == SL_OK) {
        sl_catalog_publish(app->catalog, next);
    }
    pthread_mutex_unlock(&reload_lock);
    return rc;
}

int sl_api_reload_catalog(sl_app *app, sl_err *err)
{
    return sl__api_reload(app, err);
}
