/* SPDX-License-Identifier: Apache-2.0 */
/* store/store.c: store.h on top of the backend vtable. Picks the backend by URL, checks what
 * both backends would check alike (dataset ids that become table names) and makes the etags, so
 * the backends only move bytes. */
#include "store/store.h"

#include "core/ids.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

bool sl__store_valid_dataset_id(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n == 0 || n > 24) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

json_object *sl__store_parse_doc(const char *text)
{
    json_object *o = json_tokener_parse(text != NULL ? text : "null");
    return o != NULL ? o : json_object_new_object();
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

sl_store *sl_store_open(const char *url, sl_err *err)
{
    const sl_store_backend *be = NULL;
    if (url != NULL && has_prefix(url, "sqlite:")) {
        be = &sl__store_sqlite;
    } else if (url != NULL &&
               (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://"))) {
        be = &sl__store_postgres;
    } else {
        (void)sl_err_set(err, SL_ECONFIG,
                         "store URL '%s' is not supported; expected sqlite:PATH or "
                         "postgres://USER@HOST:PORT/DB (postgresql:// works too)",
                         url != NULL ? url : "");
        return NULL;
    }
    sl_store *st = be->open(url, err);
    if (st != NULL) {
        st->be = be;
    }
    return st;
}

void sl_store_close(sl_store *st)
{
    if (st != NULL) {
        st->be->close(st);
    }
}

int sl_store_doc_put(sl_store *st, const char *kind, const char *id, json_object *doc,
                     char *etag_out, sl_err *err)
{
    char etag[40];
    char uuid[SL_UUID_LEN + 1];
    sl_id_uuid(uuid);
    (void)snprintf(etag, sizeof(etag), "\"%s\"", uuid);
    const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    int rc = st->be->doc_put(st, kind, id, text, etag, err);
    if (rc == SL_OK && etag_out != NULL) {
        (void)snprintf(etag_out, 64, "%s", etag);
    }
    return rc;
}

int sl_store_doc_get(sl_store *st, const char *kind, const char *id, json_object **out,
                     char *etag_out, int64_t times[2], sl_err *err)
{
    return st->be->doc_get(st, kind, id, out, etag_out, times, err);
}

int sl_store_doc_list(sl_store *st, const char *kind, json_object **out, sl_err *err)
{
    return st->be->doc_list(st, kind, out, err);
}

int sl_store_doc_delete(sl_store *st, const char *kind, const char *id, sl_err *err)
{
    return st->be->doc_delete(st, kind, id, err);
}

int sl_store_secret_put(sl_store *st, const char *owner, const char *name, const char *value,
                        sl_err *err)
{
    return st->be->secret_put(st, owner, name, value, err);
}

int sl_store_secret_get(sl_store *st, const char *owner, const char *name, char **out, sl_err *err)
{
    return st->be->secret_get(st, owner, name, out, err);
}

int sl_store_meta_get(sl_store *st, const char *key, char **out, sl_err *err)
{
    return st->be->meta_get(st, key, out, err);
}

int sl_store_meta_put(sl_store *st, const char *key, const char *value, sl_err *err)
{
    return st->be->meta_put(st, key, value, err);
}

int sl_store_apikey_put(sl_store *st, const char *name, const char *hash_hex, sl_err *err)
{
    return st->be->apikey_put(st, name, hash_hex, err);
}

int sl_store_apikey_list(sl_store *st, json_object **out, sl_err *err)
{
    return st->be->apikey_list(st, out, err);
}

int sl_store_apikey_revoke(sl_store *st, const char *name, sl_err *err)
{
    return st->be->apikey_revoke(st, name, err);
}

int sl_store_apikey_find(sl_store *st, const char *hash_hex, char **name_out, sl_err *err)
{
    return st->be->apikey_find(st, hash_hex, name_out, err);
}

int sl_store_apikey_count(sl_store *st, int64_t *out, sl_err *err)
{
    return st->be->apikey_count(st, out, err);
}

int sl_store_dataset_create(sl_store *st, const char *id, sl_err *err)
{
    if (!sl__store_valid_dataset_id(id)) {
        return sl_err_set(err, SL_EINVAL, "dataset id '%s' is not 24 hex digits", id);
    }
    return st->be->dataset_create(st, id, err);
}

int sl_store_dataset_drop(sl_store *st, const char *id, sl_err *err)
{
    if (!sl__store_valid_dataset_id(id)) {
        return sl_err_set(err, SL_EINVAL, "dataset id '%s' is not 24 hex digits", id);
    }
    return st->be->dataset_drop(st, id, err);
}

int sl_store_dataset_preview(sl_store *st, const char *id, int limit, json_object **out,
                             sl_err *err)
{
    if (!sl__store_valid_dataset_id(id)) {
        return sl_err_set(err, SL_ENOTFOUND, "no dataset with id '%s'", id);
    }
    return st->be->dataset_preview(st, id, limit, out, err);
}

int sl_store_dataset_count(sl_store *st, const char *id, int64_t *out, sl_err *err)
{
    if (!sl__store_valid_dataset_id(id)) {
        return sl_err_set(err, SL_ENOTFOUND, "no dataset with id '%s'", id);
    }
    return st->be->dataset_count(st, id, out, err);
}

int sl_store_tx_begin(sl_store *st, sl_store_tx **out, sl_err *err)
{
    return st->be->tx_begin(st, out, err);
}

int sl_store_tx_insert(sl_store_tx *tx, const char *dataset, const sl_row *row, bool *inserted,
                       sl_err *err)
{
    if (!sl__store_valid_dataset_id(dataset)) {
        return sl_err_set(err, SL_EINVAL, "dataset id '%s' is not 24 hex digits", dataset);
    }
    if (row->replace) {
        char sql[128];
        (void)snprintf(sql, sizeof(sql), "DELETE FROM ds_%s WHERE _id = $1 OR event_id = $2",
                       dataset);
        sl_sqlv args[] = {SL_SQL_S(row->id),
                          SL_SQL_S(row->event_id != NULL ? row->event_id : row->id)};
        int rc = tx->st->be->tx_exec(tx, sql, args, 2, NULL, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return tx->st->be->tx_insert(tx, dataset, row, inserted, err);
}

int sl_store_exec(sl_store *st, const char *sql, const sl_sqlv *args, int nargs, int64_t *changes,
                  sl_err *err)
{
    return st->be->exec(st, sql, args, nargs, changes, err);
}

int sl_store_tx_exec(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                     int64_t *changes, sl_err *err)
{
    return tx->st->be->tx_exec(tx, sql, args, nargs, changes, err);
}

bool sl_store_wants_key_locks(const sl_store *st)
{
    return st->be->tx_lock_keys != NULL;
}

bool sl_store_is_shared(const sl_store *st)
{
    return st->be->tx_lock_keys != NULL; /* the backends with several writers */
}

int sl_store_tx_lock_keys(sl_store_tx *tx, const char *keys, sl_err *err)
{
    return tx->st->be->tx_lock_keys != NULL && keys[0] != '\0'
               ? tx->st->be->tx_lock_keys(tx, keys, err)
               : SL_OK;
}

int sl_store_query(sl_store *st, const char *sql, const sl_sqlv *args, int nargs,
                   json_object **rows, sl_err *err)
{
    return st->be->query(st, sql, args, nargs, rows, err);
}

int sl_store_query_tx(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                      json_object **rows, sl_err *err)
{
    return tx->st->be->tx_query(tx, sql, args, nargs, rows, err);
}

int sl_store_watch(sl_store *st, bool (*changed)(void *ud), void *ud, sl_err *err)
{
    return st->be->watch != NULL ? st->be->watch(st, changed, ud, err) : SL_OK;
}

void sl_store_unwatch(sl_store *st)
{
    if (st != NULL && st->be->unwatch != NULL) {
        st->be->unwatch(st);
    }
}

int sl_store_compact(sl_store *st, sl_err *err)
{
    return st->be->compact(st, err);
}

int sl_store_tx_cursor_set(sl_store_tx *tx, const char *name, int64_t seq, sl_err *err)
{
    return tx->st->be->tx_cursor_set(tx, name, seq, err);
}

int sl_store_tx_commit(sl_store_tx *tx, sl_err *err)
{
    return tx->st->be->tx_commit(tx, err);
}

void sl_store_tx_rollback(sl_store_tx *tx)
{
    if (tx != NULL) {
        tx->st->be->tx_rollback(tx);
    }
}

int sl_store_cursor_get(sl_store *st, const char *name, int64_t *out, sl_err *err)
{
    return st->be->cursor_get(st, name, out, err);
}

int sl_store_cursor_get_any(void *st, const char *name, int64_t *out, sl_err *err)
{
    return sl_store_cursor_get(st, name, out, err);
}
