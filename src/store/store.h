/* SPDX-License-Identifier: Apache-2.0 */
/* store/store.h: where the catalog (AEP-shaped JSON documents), dataset rows and processor
 * cursors live. Opened once in main(); every function is safe from any thread: reads use
 * their own connections, writes are serialised. A backend is chosen by URL: "sqlite:PATH" or
 * "postgres://..." ("postgresql://..."); both behave alike (store_int.h has the vtable). */
#ifndef SL_STORE_H
#define SL_STORE_H

#include "core/err.h"
#include "core/str.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct sl_store sl_store; /* opaque */
typedef struct sl_store_tx sl_store_tx;

/* One record of a dataset, as the pipeline writes it. All fields borrowed. */
typedef struct sl_row {
    const char *id;        /* _id: unique in the dataset */
    const char *event_id;  /* the source's event id for dedupe; NULL when the event has none */
    const char *timestamp; /* ISO-8601 event time; NULL when unknown */
    int64_t ingested_ms;
    const char *flow_id;
    sl_str record;       /* the mapped record as JSON text */
    int64_t received_ms; /* when the event it came from was received (0: unknown) */
    bool replace; /* replay: replace the row with the same event_id or _id instead of keeping it */
} sl_row;

/* Open the store named by `url` and apply pending migrations. Returns an owned handle
 * (release with sl_store_close), or NULL with `err` set: SL_ECONFIG for a URL of no known
 * backend, SL_EBUSY or SL_EIO when the database cannot be opened. */
sl_store *sl_store_open(const char *url, sl_err *err);
void sl_store_close(sl_store *st); /* NULL is a no-op */

/* Catalog documents. `kind` is e.g. "flow", "dataset"; ids are unique per kind. */
/* Insert or replace `doc` (borrowed). Stores a fresh etag; writes it to `etag_out` (64 bytes)
 * when not NULL. */
int sl_store_doc_put(sl_store *st, const char *kind, const char *id, json_object *doc,
                     char *etag_out, sl_err *err);
/* Get one document: `*out` is a new reference. SL_ENOTFOUND when absent. `etag_out` and
 * `times` (created, updated ms) are optional. */
int sl_store_doc_get(sl_store *st, const char *kind, const char *id, json_object **out,
                     char *etag_out, int64_t times[2], sl_err *err);
/* All documents of `kind`, oldest first, as a new JSON array of objects
 * {"id","etag","created","updated","doc"}. */
int sl_store_doc_list(sl_store *st, const char *kind, json_object **out, sl_err *err);
/* Delete one document. SL_ENOTFOUND when absent. */
int sl_store_doc_delete(sl_store *st, const char *kind, const char *id, sl_err *err);

/* Write-only secrets attached to a catalog object (one row per name). `value` NULL deletes. */
int sl_store_secret_put(sl_store *st, const char *owner, const char *name, const char *value,
                        sl_err *err);
/* Returns SL_OK with a heap string in `*out` (release with free), or SL_ENOTFOUND. */
int sl_store_secret_get(sl_store *st, const char *owner, const char *name, char **out, sl_err *err);

/* Small key/value settings of the installation (e.g. "bootstrap.flow"). */
int sl_store_meta_get(sl_store *st, const char *key, char **out, sl_err *err);
int sl_store_meta_put(sl_store *st, const char *key, const char *value, sl_err *err);

/* API keys, kept as the lowercase hex SHA-256 of the key. */
/* Add a key. SL_ECONFLICT when `name` is taken. */
int sl_store_apikey_put(sl_store *st, const char *name, const char *hash_hex, sl_err *err);
/* All keys as a new JSON array of {"name","created"} (ms), oldest first. */
int sl_store_apikey_list(sl_store *st, json_object **out, sl_err *err);
/* Remove the key `name`. SL_ENOTFOUND when there is none. */
int sl_store_apikey_revoke(sl_store *st, const char *name, sl_err *err);
/* The name of the key whose hash is `hash_hex` (a heap string, release with free), or
 * SL_ENOTFOUND. */
int sl_store_apikey_find(sl_store *st, const char *hash_hex, char **name_out, sl_err *err);
/* How many keys there are. */
int sl_store_apikey_count(sl_store *st, int64_t *out, sl_err *err);

/* Create the table of dataset `id` if it does not exist yet. */
int sl_store_dataset_create(sl_store *st, const char *id, sl_err *err);
/* Drop dataset `id`'s table and every row in it. Missing is not an error. */
int sl_store_dataset_drop(sl_store *st, const char *id, sl_err *err);
/* The newest `limit` records of dataset `id` as a new JSON array, newest first. */
int sl_store_dataset_preview(sl_store *st, const char *id, int limit, json_object **out,
                             sl_err *err);
/* Number of rows of dataset `id`. */
int sl_store_dataset_count(sl_store *st, const char *id, int64_t *out, sl_err *err);

/* Write transactions (the pipeline's unit of work). Only one is open at a time; begin waits
 * for the previous one to end. */
int sl_store_tx_begin(sl_store *st, sl_store_tx **out, sl_err *err);
/* Insert `row` into dataset `dataset`. A row whose event_id or _id is already there is not
 * written, and `*inserted` says so. */
int sl_store_tx_insert(sl_store_tx *tx, const char *dataset, const sl_row *row, bool *inserted,
                       sl_err *err);
int sl_store_tx_cursor_set(sl_store_tx *tx, const char *name, int64_t seq, sl_err *err);
/* Commit or roll back, and end the transaction (tx is freed either way). */
int sl_store_tx_commit(sl_store_tx *tx, sl_err *err);
void sl_store_tx_rollback(sl_store_tx *tx);

/* The cursor `name` (0 when never set). */
int sl_store_cursor_get(sl_store *st, const char *name, int64_t *out, sl_err *err);
/* The same with the store as `void *` (sl_landing_cursor_get takes it so). */
int sl_store_cursor_get_any(void *st, const char *name, int64_t *out, sl_err *err);

/* Plain SQL for the monitoring tables (runs, diagnostics, alerts), written once for both
 * backends: placeholders are $1..$n, and the SQL must be valid in SQLite and PostgreSQL alike
 * (INSERT ... ON CONFLICT ... DO UPDATE, CASE, COALESCE; not LEAST/GREATEST or min(a,b)).
 * Arguments are typed values; text is borrowed for the call. */
typedef enum { SL_SQL_NULL, SL_SQL_INT, SL_SQL_REAL, SL_SQL_TEXT } sl_sql_type;
typedef struct sl_sqlv {
    sl_sql_type type;
    int64_t i;
    double d;
    const char *s; /* SL_SQL_TEXT: `len` bytes, or up to NUL when len is -1 */
    long len;
} sl_sqlv;
#define SL_SQL_I(v) ((sl_sqlv){.type = SL_SQL_INT, .i = (v)})
#define SL_SQL_D(v) ((sl_sqlv){.type = SL_SQL_REAL, .d = (v)})
/* Text, or SQL NULL when `v` is NULL. */
#define SL_SQL_S(v)                                                                                \
    ((sl_sqlv){.type = (v) != NULL ? SL_SQL_TEXT : SL_SQL_NULL, .s = (v), .len = -1})
#define SL_SQL_SN(p, n) ((sl_sqlv){.type = SL_SQL_TEXT, .s = (p), .len = (long)(n)})

/* Run one statement that returns no rows, in its own transaction. `changes` (optional) gets
 * the number of rows it touched. */
int sl_store_exec(sl_store *st, const char *sql, const sl_sqlv *args, int nargs, int64_t *changes,
                  sl_err *err);
/* The same inside the pipeline's transaction. */
int sl_store_tx_exec(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                     int64_t *changes, sl_err *err);
/* A query inside the pipeline's transaction (sees its uncommitted writes). */
int sl_store_query_tx(sl_store_tx *tx, const char *sql, const sl_sqlv *args, int nargs,
                      json_object **rows, sl_err *err);
/* Several processors writing one store (PostgreSQL) lock the rows they touch in the order
 * their events come, so two batches about the same people can deadlock. A batch that first
 * takes transaction-scoped locks on its keys (identities) through this, all at once and in one
 * global order, waits for the other instead. `keys` are separated by SL_STORE_KEY_SEP. Whether
 * the store needs it: sl_store_wants_key_locks (SQLite has one writer: no). */
#define SL_STORE_KEY_SEP '\x1f'
bool sl_store_wants_key_locks(const sl_store *st);
/* Whether several sluice processes can share this store (PostgreSQL), so work that one node
 * must do alone needs a lease. */
bool sl_store_is_shared(const sl_store *st);
int sl_store_tx_lock_keys(sl_store_tx *tx, const char *keys, sl_err *err);
/* After deleting personal data: SQLite checkpoints and truncates its WAL so no file keeps the
 * deleted bytes (secure_delete zeroes them in the database); PostgreSQL does nothing (VACUUM
 * reclaims dead rows later; docs/profile.md). */
int sl_store_compact(sl_store *st, sl_err *err);
/* Catalog changes made by other processes sharing the store (several sluice nodes on one
 * PostgreSQL): `changed` is called on a watcher thread soon after any of them writes a catalog
 * document that the pipeline uses (PostgreSQL LISTEN/NOTIFY on channel "sluice_catalog", with
 * polling every 2 s as a fallback and after a reconnect). `changed` returns false when it
 * could not take the change (the store failed while reloading): it is called again at the
 * next poll until it succeeds. SQLite: one process owns the file, so
 * this starts nothing. Stop with sl_store_unwatch before sl_store_close. */
int sl_store_watch(sl_store *st, bool (*changed)(void *ud), void *ud, sl_err *err);
void sl_store_unwatch(sl_store *st);
/* Run one query on a read connection; `*rows` is a new JSON array of objects keyed by column
 * name, integers as ints, reals as doubles, text as strings, NULL as null. */
int sl_store_query(sl_store *st, const char *sql, const sl_sqlv *args, int nargs,
                   json_object **rows, sl_err *err);

#endif
