/* SPDX-License-Identifier: Apache-2.0 */
/* store/store_int.h: the backend vtable behind store.h, shared by store.c (which dispatches on
 * it) and the backends (sqlite.c, postgres.c). Nothing outside src/store and its tests includes
 * this. Each backend embeds `sl_store` / `sl_store_tx` as the first member of its own structs,
 * the way SQLite's VFS implementations extend sqlite3_file. */
#ifndef SL_STORE_INT_H
#define SL_STORE_INT_H

#include "store/store.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sl_store_backend sl_store_backend;

/* The part of every backend's handle that store.c sees. */
struct sl_store {
    const sl_store_backend *be;
};

/* The part of every backend's transaction that store.c sees. */
struct sl_store_tx {
    sl_store *st;
};

/* One backend. Every operation has the contract of the store.h function of the same name; the
 * arguments store.c has checked already are noted. Dataset ids reach a backend only after
 * sl__store_valid_dataset_id() accepted them, so a backend may paste them into table names. */
struct sl_store_backend {
    const char *name; /* "sqlite", "postgres" */
    /* Open the store at `url` (the whole URL, scheme included) and apply pending migrations.
     * Returns a handle whose `be` points at this backend, or NULL with `err` set. */
    sl_store *(*open)(const char *url, sl_err *err);
    void (*close)(sl_store *st); /* never called with NULL */

    int (*doc_put)(sl_store *st, const char *kind, const char *id, const char *doc_json,
                   const char *etag, sl_err *err);
    int (*doc_get)(sl_store *st, const char *kind, const char *id, json_object **out,
                   char *etag_out, int64_t times[2], sl_err *err);
    int (*doc_list)(sl_store *st, const char *kind, json_object **out, sl_err *err);
    int (*doc_delete)(sl_store *st, const char *kind, const char *id, sl_err *err);

    int (*secret_put)(sl_store *st, const char *owner, const char *name, const char *value,
                      sl_err *err);
    int (*secret_get)(sl_store *st, const char *owner, const char *name, char **out, sl_err *err);
    int (*meta_get)(sl_store *st, const char *key, char **out, sl_err *err);
    int (*meta_put)(sl_store *st, const char *key, const char *value, sl_err *err);

    int (*apikey_put)(sl_store *st, const char *name, const char *hash_hex, sl_err *err);
    int (*apikey_list)(sl_store *st, json_object **out, sl_err *err);
    int (*apikey_revoke)(sl_store *st, const char *name, sl_err *err);
    int (*apikey_find)(sl_store *st, const char *hash_hex, char **name_out, sl_err *err);
    int (*apikey_count)(sl_store *st, int64_t *out, sl_err *err);

    int (*dataset_create)(sl_store *st, const char *id, sl_err *err); /* id checked */
    int (*dataset_drop)(sl_store *st, const char *id, sl_err *err);   /* id checked */
    int (*dataset_preview)(sl_store *st, const char *id, int limit, json_object **out,
                           sl_err *err);                                           /* id checked */
    int (*dataset_count)(sl_store *st, const char *id, int64_t *out, sl_err *err); /* id checked */

    /* Returns a transaction whose `st` is set, holding the backend's write lock until commit
     * or rollback. */
    int (*tx_begin)(sl_store *st, sl_store_tx **out, sl_err *err);
    int (*tx_insert)(sl_store_tx *tx, const char *dataset, const sl_row *row, bool *inserted,
                     sl_err *err); /* dataset checked */
    int (*tx_cursor_set)(sl_store_tx *tx, const char *name, int64_t seq, sl_err *err);
    int (*tx_commit)(sl_store_tx *tx, sl_err *err); /* frees tx either way */
    void (*tx_rollback)(sl_store_tx *tx);           /* never called with NULL; frees tx */

    int (*cursor_get)(sl_store *st, const char *name, int64_t *out, sl_err *err);

    /* Generic statements (store.h: sl_store_exec, sl_store_tx_exec, sl_store_query). */
    int (*exec)(sl_store *st, const char *sql, const sl_sqlv *args, int nargs, int64_t *changes,
                sl_err *err);
    int (*tx_exec)(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                   int64_t *changes, sl_err *err);
    int (*query)(sl_store *st, const char *sql, const sl_sqlv *args, int nargs, json_object **rows,
                 sl_err *err);
    int (*tx_query)(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                    json_object **rows, sl_err *err);
    /* NULL for a backend with one writer at a time (SQLite). */
    int (*tx_lock_keys)(sl_store_tx *tx, const char *keys, sl_err *err);
    int (*compact)(sl_store *st, sl_err *err);
    int (*watch)(sl_store *st, bool (*changed)(void *ud), void *ud, sl_err *err);
    void (*unwatch)(sl_store *st);
};

extern const sl_store_backend sl__store_sqlite;
/* Always defined; a build without SLUICE_WITH_POSTGRES gets one whose open says so. */
extern const sl_store_backend sl__store_postgres;

/* True when `id` may become part of a table name: 1 to 24 lowercase hex digits. */
bool sl__store_valid_dataset_id(const char *id);

/* A stored JSON text as a new reference; NULL, "null" or unreadable text gives an empty
 * object, so callers never get NULL. */
json_object *sl__store_parse_doc(const char *text);

#endif
