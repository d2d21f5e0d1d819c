/* SPDX-License-Identifier: Apache-2.0 */
/* store/sqlite.c: the SQLite backend of store.h ("sqlite:PATH"). One write connection guarded
 * by a mutex (the pipeline holds it for one batch), and a small pool of read connections so the
 * API never waits behind a write: WAL lets readers run beside the writer. */
#include "store/store_int.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/checkpointer.h"
#include "store/migrate.h"

#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define READ_POOL_MAX 8
#define TX_STMT_CACHE 8
#define WCACHE_MAX    48

typedef struct lite_store {
    sl_store base; /* first: store.c sees only this */
    char *path;
    sqlite3 *wdb; /* write connection */
    pthread_mutex_t wlock;
    pthread_mutex_t plock; /* guards the read pool */
    sqlite3 *pool[READ_POOL_MAX];
    int npool;
    sl_checkpointer *ckpt; /* WAL checkpoints off the processor's commits */
    int wal_frames;        /* under wlock */
    /* Prepared statements of the generic SQL path on the write connection (under wlock): the
     * pipeline runs the same few statements for every event (runs, profile), and preparing
     * each time cost more than running them. */
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } wcache[WCACHE_MAX];
    int wcache_next;
} lite_store;

typedef struct lite_tx {
    sl_store_tx base; /* first */
    lite_store *st;
    struct {
        char dataset[32];
        sqlite3_stmt *stmt;
    } cache[TX_STMT_CACHE];
    int ncache;
} lite_tx;

static int db_error(sl_err *err, sqlite3 *db, const char *what)
{
    int code = sqlite3_errcode(db);
    int rc = (code == SQLITE_FULL || code == SQLITE_BUSY || code == SQLITE_LOCKED ||
              code == SQLITE_IOERR)
                 ? SL_EBUSY
                 : SL_EIO;
    return sl_err_set(err, rc, "%s: %s", what, sqlite3_errmsg(db));
}

static int open_conn(const char *path, bool write, sqlite3 **out, sl_err *err)
{
    sqlite3 *db = NULL;
    int flags = write ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = sl_err_set(err, SL_EIO, "open %s: %s", path,
                            db != NULL ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    /* The landing log is the source of truth, so the store may lose its last commits on power
     * loss: rows and cursor go back together and are replayed. NORMAL is safe in WAL mode. */
    /* Checkpoints run on their own thread (store/checkpointer.h): inside a processor commit
     * they would hold up the pipeline. */
    /* A page cache of 64 MiB and memory-mapped reads: the pipeline's index lookups (dedupe,
     * identities, runs) otherwise turn into a pread each once the tables outgrow SQLite's 2 MiB
     * default. */
    const char *pragmas = write ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                  "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
                                  "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
                                  "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                                : "PRAGMA query_only=ON; PRAGMA cache_size=-16384;"
                                  "PRAGMA mmap_size=268435456;";
    char *msg = NULL;
    if (sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = sl_err_set(err, SL_EIO, "configure %s: %s", path, msg);
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return SL_OK;
}

static void lite_close(sl_store *base)
{
    lite_store *st = (lite_store *)base;
    for (int i = 0; i < WCACHE_MAX; i++) {
        sqlite3_finalize(st->wcache[i].stmt);
        free(st->wcache[i].sql);
    }
    sl_checkpointer_stop(st->ckpt);
    for (int i = 0; i < st->npool; i++) {
        sqlite3_close(st->pool[i]);
    }
    sqlite3_close(st->wdb);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->plock);
    free(st->path);
    free(st);
}

static sl_store *lite_open(const char *url, sl_err *err)
{
    lite_store *st = sl_xcalloc(1, sizeof(*st));
    st->path = sl_xstrdup(url + strlen("sqlite:"));
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->plock, NULL);
    if (open_conn(st->path, true, &st->wdb, err) != SL_OK ||
        sl_migrate_sqlite(st->wdb, sl_sqlite_migrations, err) != SL_OK ||
        (st->ckpt = sl_checkpointer_start(st->path, 500, err)) == NULL) {
        lite_close(&st->base);
        return NULL;
    }
    sl_checkpointer_watch(st->wdb, &st->wal_frames);
    return &st->base;
}

static int reader_acquire(lite_store *st, sqlite3 **out, sl_err *err)
{
    pthread_mutex_lock(&st->plock);
    if (st->npool > 0) {
        *out = st->pool[--st->npool];
        pthread_mutex_unlock(&st->plock);
        return SL_OK;
    }
    pthread_mutex_unlock(&st->plock);
    return open_conn(st->path, false, out, err);
}

static void reader_release(lite_store *st, sqlite3 *db)
{
    if (db == NULL) {
        return;
    }
    pthread_mutex_lock(&st->plock);
    if (st->npool < READ_POOL_MAX) {
        st->pool[st->npool++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&st->plock);
    sqlite3_close(db);
}

/* Run one write statement with text binds under the write lock. */
static int write_exec(lite_store *st, const char *sql, const char *const *binds, int nbinds,
                      int64_t int_bind, int int_pos, int *changes, sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    pthread_mutex_lock(&st->wlock);
    if (sqlite3_prepare_v2(st->wdb, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, st->wdb, "prepare");
        goto out;
    }
    for (int i = 0; i < nbinds; i++) {
        sqlite3_bind_text(s, i + 1, binds[i], -1, SQLITE_TRANSIENT);
    }
    if (int_pos > 0) {
        sqlite3_bind_int64(s, int_pos, int_bind);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = db_error(err, st->wdb, "write");
        goto out;
    }
    if (changes != NULL) {
        *changes = sqlite3_changes(st->wdb);
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

static int lite_doc_put(sl_store *base, const char *kind, const char *id, const char *doc_json,
                        const char *etag, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    const char *binds[] = {kind, id, doc_json, etag};
    return write_exec(st,
                      "INSERT INTO catalog(kind, id, doc, etag, created_ms, updated_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(kind, id) DO UPDATE SET "
                      "doc = excluded.doc, etag = excluded.etag, updated_ms = excluded.updated_ms",
                      binds, 4, sl_now_ms(), 5, NULL, err);
}

static int lite_doc_get(sl_store *base, const char *kind, const char *id, json_object **out,
                        char *etag_out, int64_t times[2], sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT doc, etag, created_ms, updated_ms FROM catalog "
                           "WHERE kind = ?1 AND id = ?2",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, db, "prepare");
        goto out;
    }
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s with id '%s'", kind, id);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = db_error(err, db, "read catalog");
        goto out;
    }
    *out = sl__store_parse_doc((const char *)sqlite3_column_text(s, 0));
    if (etag_out != NULL) {
        (void)snprintf(etag_out, 64, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    if (times != NULL) {
        times[0] = sqlite3_column_int64(s, 2);
        times[1] = sqlite3_column_int64(s, 3);
    }
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    return rc;
}

static int lite_doc_list(sl_store *base, const char *kind, json_object **out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    json_object *arr = json_object_new_array();
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id, etag, created_ms, updated_ms, doc FROM catalog "
                           "WHERE kind = ?1 ORDER BY created_ms, rowid",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, db, "prepare");
        goto out;
    }
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        json_object *item = json_object_new_object();
        json_object_object_add(item, "id",
                               json_object_new_string((const char *)sqlite3_column_text(s, 0)));
        json_object_object_add(item, "etag",
                               json_object_new_string((const char *)sqlite3_column_text(s, 1)));
        json_object_object_add(item, "created", json_object_new_int64(sqlite3_column_int64(s, 2)));
        json_object_object_add(item, "updated", json_object_new_int64(sqlite3_column_int64(s, 3)));
        json_object_object_add(item, "doc",
                               sl__store_parse_doc((const char *)sqlite3_column_text(s, 4)));
        json_object_array_add(arr, item);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(err, db, "list catalog");
    }
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    if (rc == SL_OK) {
        *out = arr;
    } else {
        json_object_put(arr);
    }
    return rc;
}

static int lite_doc_delete(sl_store *base, const char *kind, const char *id, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    const char *binds[] = {kind, id};
    int changes = 0;
    int rc = write_exec(st, "DELETE FROM catalog WHERE kind = ?1 AND id = ?2", binds, 2, 0, 0,
                        &changes, err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s with id '%s'", kind, id);
    }
    return rc;
}

static int lite_secret_put(sl_store *base, const char *owner, const char *name, const char *value,
                           sl_err *err)
{
    lite_store *st = (lite_store *)base;
    if (value == NULL) {
        const char *binds[] = {owner, name};
        return write_exec(st, "DELETE FROM secrets WHERE owner_id = ?1 AND name = ?2", binds, 2, 0,
                          0, NULL, err);
    }
    const char *binds[] = {owner, name, value};
    return write_exec(st, "INSERT OR REPLACE INTO secrets(owner_id, name, value) VALUES (?1,?2,?3)",
                      binds, 3, 0, 0, NULL, err);
}

/* One text value by one or two text keys, through a read connection. */
static int read_text(lite_store *st, const char *sql, const char *k1, const char *k2, char **out,
                     const char *what, sl_err *err)
{
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, db, "prepare");
        goto out;
    }
    sqlite3_bind_text(s, 1, k1, -1, SQLITE_STATIC);
    if (k2 != NULL) {
        sqlite3_bind_text(s, 2, k2, -1, SQLITE_STATIC);
    }
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *out = sl_xstrdup((const char *)sqlite3_column_text(s, 0));
    } else if (step == SQLITE_DONE) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s '%s'", what, k1);
    } else {
        rc = db_error(err, db, "read");
    }
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    return rc;
}

static int lite_secret_get(sl_store *base, const char *owner, const char *name, char **out,
                           sl_err *err)
{
    lite_store *st = (lite_store *)base;
    return read_text(st, "SELECT value FROM secrets WHERE owner_id = ?1 AND name = ?2", owner, name,
                     out, "secret of", err);
}

static int lite_meta_get(sl_store *base, const char *key, char **out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    return read_text(st, "SELECT value FROM meta WHERE key = ?1", key, NULL, out, "setting", err);
}

static int lite_meta_put(sl_store *base, const char *key, const char *value, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    const char *binds[] = {key, value};
    return write_exec(st, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", binds, 2, 0, 0,
                      NULL, err);
}

static int lite_apikey_put(sl_store *base, const char *name, const char *hash_hex, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    const char *binds[] = {name, hash_hex};
    int changes = 0;
    int rc = write_exec(st,
                        "INSERT INTO api_keys(name, hash, created_ms) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT DO NOTHING",
                        binds, 2, sl_now_ms(), 3, &changes, err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ECONFLICT, "an API key named '%s' exists already", name);
    }
    return rc;
}

static int lite_apikey_list(sl_store *base, json_object **out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    json_object *arr = json_object_new_array();
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db, "SELECT name, created_ms FROM api_keys ORDER BY created_ms, name",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, db, "prepare");
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        json_object *k = json_object_new_object();
        json_object_object_add(k, "name",
                               json_object_new_string((const char *)sqlite3_column_text(s, 0)));
        json_object_object_add(k, "created", json_object_new_int64(sqlite3_column_int64(s, 1)));
        json_object_array_add(arr, k);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(err, db, "list keys");
    }
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    if (rc == SL_OK) {
        *out = arr;
    } else {
        json_object_put(arr);
    }
    return rc;
}

static int lite_apikey_revoke(sl_store *base, const char *name, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    const char *binds[] = {name};
    int changes = 0;
    int rc = write_exec(st, "DELETE FROM api_keys WHERE name = ?1", binds, 1, 0, 0, &changes, err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no API key named '%s'", name);
    }
    return rc;
}

static int lite_apikey_find(sl_store *base, const char *hash_hex, char **name_out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    return read_text(st, "SELECT name FROM api_keys WHERE hash = ?1", hash_hex, NULL, name_out,
                     "API key", err);
}

static int lite_apikey_count(sl_store *base, int64_t *out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    char *text = NULL;
    int rc = read_text(st, "SELECT CAST(count(*) AS TEXT) FROM api_keys WHERE ?1 = ?1", "x", NULL,
                       &text, "count", err);
    if (rc == SL_OK && text != NULL) {
        *out = strtoll(text, NULL, 10);
    }
    free(text);
    return rc;
}

static int lite_query(sl_store *base, const char *sql, const sl_sqlv *args, int nargs,
                      json_object **rows, sl_err *err);

static int lite_dataset_create(sl_store *base, const char *id, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    assert(sl__store_valid_dataset_id(id));
    char sql[1024];
    (void)snprintf(sql, sizeof(sql),
                   "CREATE TABLE IF NOT EXISTS ds_%s ("
                   " seq INTEGER PRIMARY KEY,"
                   " _id TEXT NOT NULL UNIQUE,"
                   " event_id TEXT UNIQUE,"
                   " timestamp TEXT,"
                   " _ingested_ms INTEGER NOT NULL,"
                   " _flow_id TEXT,"
                   " record TEXT NOT NULL,"
                   " _received_ms INTEGER)",
                   id);
    int rc = write_exec(st, sql, NULL, 0, 0, 0, NULL, err);
    if (rc != SL_OK) {
        return rc;
    }
    /* Tables made before _received_ms existed get it now. */
    char probe[128];
    (void)snprintf(probe, sizeof(probe),
                   "SELECT 1 FROM pragma_table_info('ds_%s') WHERE name = '_received_ms'", id);
    json_object *rows = NULL;
    if ((rc = lite_query(base, probe, NULL, 0, &rows, err)) != SL_OK) {
        return rc;
    }
    bool has = json_object_array_length(rows) > 0;
    json_object_put(rows);
    if (!has) {
        (void)snprintf(sql, sizeof(sql), "ALTER TABLE ds_%s ADD COLUMN _received_ms INTEGER", id);
        rc = write_exec(st, sql, NULL, 0, 0, 0, NULL, err);
    }
    return rc;
}

static int lite_dataset_drop(sl_store *base, const char *id, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    assert(sl__store_valid_dataset_id(id));
    char sql[128];
    (void)snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS ds_%s", id);
    return write_exec(st, sql, NULL, 0, 0, 0, NULL, err);
}

static int lite_dataset_preview(sl_store *base, const char *id, int limit, json_object **out,
                                sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    json_object *arr = json_object_new_array();
    char sql[256];
    assert(sl__store_valid_dataset_id(id));
    (void)snprintf(sql, sizeof(sql), "SELECT record FROM ds_%s ORDER BY seq DESC LIMIT ?1", id);
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = db_error(err, db, "prepare preview");
        goto out;
    }
    sqlite3_bind_int(s, 1, limit);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        json_object_array_add(arr, sl__store_parse_doc((const char *)sqlite3_column_text(s, 0)));
    }
    if (step != SQLITE_DONE) {
        rc = db_error(err, db, "preview");
    }
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    if (rc == SL_OK) {
        *out = arr;
    } else {
        json_object_put(arr);
    }
    return rc;
}

static int lite_dataset_count(sl_store *base, const char *id, int64_t *out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    char sql[128];
    assert(sl__store_valid_dataset_id(id));
    (void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM ds_%s", id);
    if ((rc = reader_acquire(st, &db, err)) != SL_OK) {
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        rc = db_error(err, db, "count");
        goto out;
    }
    *out = sqlite3_column_int64(s, 0);
out:
    sqlite3_finalize(s);
    reader_release(st, db);
    return rc;
}

static int lite_tx_begin(sl_store *base, sl_store_tx **out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    pthread_mutex_lock(&st->wlock);
    if (sqlite3_exec(st->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = db_error(err, st->wdb, "begin");
        pthread_mutex_unlock(&st->wlock);
        return rc;
    }
    lite_tx *tx = sl_xcalloc(1, sizeof(*tx));
    tx->base.st = base;
    tx->st = st;
    *out = &tx->base;
    return SL_OK;
}

static sqlite3_stmt *insert_stmt(lite_tx *tx, const char *dataset, sl_err *err)
{
    for (int i = 0; i < tx->ncache; i++) {
        if (strcmp(tx->cache[i].dataset, dataset) == 0) {
            sqlite3_reset(tx->cache[i].stmt);
            return tx->cache[i].stmt;
        }
    }
    assert(sl__store_valid_dataset_id(dataset));
    char sql[256];
    (void)snprintf(sql, sizeof(sql),
                   "INSERT INTO ds_%s(_id, event_id, timestamp, _ingested_ms, _flow_id, record, "
                   "_received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                   dataset);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(tx->st->wdb, sql, -1, &s, NULL) != SQLITE_OK) {
        (void)db_error(err, tx->st->wdb, "prepare insert");
        return NULL;
    }
    if (tx->ncache == TX_STMT_CACHE) {
        sqlite3_finalize(tx->cache[0].stmt);
        memmove(&tx->cache[0], &tx->cache[1], sizeof(tx->cache[0]) * (TX_STMT_CACHE - 1));
        tx->ncache--;
    }
    (void)snprintf(tx->cache[tx->ncache].dataset, sizeof(tx->cache[0].dataset), "%s", dataset);
    tx->cache[tx->ncache++].stmt = s;
    return s;
}

static int lite_tx_insert(sl_store_tx *base, const char *dataset, const sl_row *row, bool *inserted,
                          sl_err *err)
{
    lite_tx *tx = (lite_tx *)base;
    sqlite3_stmt *s = insert_stmt(tx, dataset, err);
    if (s == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    sqlite3_bind_text(s, 1, row->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, row->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, row->timestamp, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, row->ingested_ms);
    sqlite3_bind_text(s, 5, row->flow_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->record.ptr, (int)row->record.len, SQLITE_STATIC);
    if (row->received_ms > 0) {
        sqlite3_bind_int64(s, 7, row->received_ms);
    } else {
        sqlite3_bind_null(s, 7);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        return db_error(err, tx->st->wdb, "insert row");
    }
    *inserted = sqlite3_changes(tx->st->wdb) > 0;
    return SL_OK;
}

static int lite_tx_cursor_set(sl_store_tx *base, const char *name, int64_t seq, sl_err *err)
{
    lite_tx *tx = (lite_tx *)base;
    sqlite3_stmt *s = NULL;
    int rc = SL_OK;
    if (sqlite3_prepare_v2(tx->st->wdb, "INSERT OR REPLACE INTO cursors(name, seq) VALUES (?1,?2)",
                           -1, &s, NULL) != SQLITE_OK) {
        return db_error(err, tx->st->wdb, "prepare cursor");
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, seq);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = db_error(err, tx->st->wdb, "write cursor");
    }
    sqlite3_finalize(s);
    return rc;
}

static void tx_free(lite_tx *tx)
{
    for (int i = 0; i < tx->ncache; i++) {
        sqlite3_finalize(tx->cache[i].stmt);
    }
    sl_checkpointer_rewind_if_large(tx->st->wdb, &tx->st->wal_frames);
    pthread_mutex_unlock(&tx->st->wlock);
    free(tx);
}

static int lite_tx_commit(sl_store_tx *base, sl_err *err)
{
    lite_tx *tx = (lite_tx *)base;
    int rc = SL_OK;
    for (int i = 0; i < tx->ncache; i++) {
        sqlite3_reset(tx->cache[i].stmt);
    }
    if (sqlite3_exec(tx->st->wdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_error(err, tx->st->wdb, "commit");
        (void)sqlite3_exec(tx->st->wdb, "ROLLBACK", NULL, NULL, NULL);
    }
    tx_free(tx);
    return rc;
}

static void lite_tx_rollback(sl_store_tx *base)
{
    lite_tx *tx = (lite_tx *)base;
    for (int i = 0; i < tx->ncache; i++) {
        sqlite3_reset(tx->cache[i].stmt);
    }
    (void)sqlite3_exec(tx->st->wdb, "ROLLBACK", NULL, NULL, NULL);
    tx_free(tx);
}

static int lite_cursor_get(sl_store *base, const char *name, int64_t *out, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    char *text = NULL;
    sl_err local;
    sl_err_clear(&local);
    int rc = read_text(st, "SELECT CAST(seq AS TEXT) FROM cursors WHERE name = ?1", name, NULL,
                       &text, "cursor", &local);
    if (rc == SL_ENOTFOUND) {
        *out = 0;
        return SL_OK;
    }
    if (rc != SL_OK) {
        if (err != NULL) {
            *err = local;
        }
        return rc;
    }
    *out = text != NULL ? strtoll(text, NULL, 10) : 0;
    free(text);
    return SL_OK;
}

/* ---- generic statements ---------------------------------------------------------------- */

/* Bind $1..$n by name: SQLite numbers named parameters in order of first appearance, so "$2"
 * written before "$1" would otherwise take the wrong value. */
static int bind_args(sqlite3 *db, sqlite3_stmt *s, const sl_sqlv *args, int nargs, sl_err *err)
{
    for (int i = 0; i < nargs; i++) {
        char name[16];
        (void)snprintf(name, sizeof(name), "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(s, name);
        if (idx == 0) {
            continue; /* the statement does not use this argument */
        }
        const sl_sqlv *a = &args[i];
        int rc = SQLITE_OK;
        switch (a->type) {
        case SL_SQL_NULL:
            rc = sqlite3_bind_null(s, idx);
            break;
        case SL_SQL_INT:
            rc = sqlite3_bind_int64(s, idx, a->i);
            break;
        case SL_SQL_REAL:
            rc = sqlite3_bind_double(s, idx, a->d);
            break;
        case SL_SQL_TEXT:
            rc = sqlite3_bind_text(s, idx, a->s, a->len < 0 ? -1 : (int)a->len, SQLITE_STATIC);
            break;
        }
        if (rc != SQLITE_OK) {
            return db_error(err, db, "bind");
        }
    }
    return SL_OK;
}

/* One statement on `db`; rows (when `rows` is not NULL) become JSON objects. */
/* The cached statement for `sql` on the write connection (prepared on first use, the oldest
 * entry making room), or NULL with `err` set. Under wlock. */
static sqlite3_stmt *cached_stmt(lite_store *st, const char *sql, sl_err *err)
{
    for (int i = 0; i < WCACHE_MAX; i++) {
        if (st->wcache[i].sql != NULL && strcmp(st->wcache[i].sql, sql) == 0) {
            return st->wcache[i].stmt;
        }
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->wdb, sql, -1, &s, NULL) != SQLITE_OK) {
        (void)db_error(err, st->wdb, "prepare");
        return NULL;
    }
    int slot = st->wcache_next;
    st->wcache_next = (st->wcache_next + 1) % WCACHE_MAX;
    sqlite3_finalize(st->wcache[slot].stmt);
    free(st->wcache[slot].sql);
    st->wcache[slot].sql = sl_xstrdup(sql);
    st->wcache[slot].stmt = s;
    return s;
}

/* One statement on `db`; rows (when `rows` is not NULL) become JSON objects. With `cache` (the
 * write connection's owner, under wlock) the statement is kept prepared for the next call. */
static int run_stmt(lite_store *cache, sqlite3 *db, const char *sql, const sl_sqlv *args, int nargs,
                    int64_t *changes, json_object *rows, sl_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = SL_OK;
    if (cache != NULL) {
        if ((s = cached_stmt(cache, sql, err)) == NULL) {
            return err != NULL ? err->code : SL_EIO;
        }
    } else if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        return db_error(err, db, "prepare");
    }
    if ((rc = bind_args(db, s, args, nargs, err)) != SL_OK) {
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (rows == NULL) {
            continue;
        }
        json_object *row = json_object_new_object();
        int ncol = sqlite3_column_count(s);
        for (int c = 0; c < ncol; c++) {
            json_object *v = NULL;
            switch (sqlite3_column_type(s, c)) {
            case SQLITE_INTEGER:
                v = json_object_new_int64(sqlite3_column_int64(s, c));
                break;
            case SQLITE_FLOAT:
                v = json_object_new_double(sqlite3_column_double(s, c));
                break;
            case SQLITE_TEXT:
            case SQLITE_BLOB:
                v = json_object_new_string_len((const char *)sqlite3_column_text(s, c),
                                               sqlite3_column_bytes(s, c));
                break;
            default:
                break;
            }
            json_object_object_add(row, sqlite3_column_name(s, c), v);
        }
        json_object_array_add(rows, row);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(err, db, "statement");
        goto out;
    }
    if (changes != NULL) {
        *changes = sqlite3_changes(db);
    }
out:
    if (cache != NULL) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    } else {
        sqlite3_finalize(s);
    }
    return rc;
}

static int lite_exec(sl_store *base, const char *sql, const sl_sqlv *args, int nargs,
                     int64_t *changes, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    pthread_mutex_lock(&st->wlock);
    int rc = run_stmt(st, st->wdb, sql, args, nargs, changes, NULL, err);
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

static int lite_tx_exec(sl_store_tx *base, const char *sql, const sl_sqlv *args, int nargs,
                        int64_t *changes, sl_err *err)
{
    lite_tx *tx = (lite_tx *)base;
    return run_stmt(tx->st, tx->st->wdb, sql, args, nargs, changes, NULL, err);
}

static int lite_query(sl_store *base, const char *sql, const sl_sqlv *args, int nargs,
                      json_object **rows, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    sqlite3 *db = NULL;
    int rc = reader_acquire(st, &db, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *arr = json_object_new_array();
    rc = run_stmt(NULL, db, sql, args, nargs, NULL, arr, err);
    reader_release(st, db);
    if (rc != SL_OK) {
        json_object_put(arr);
        return rc;
    }
    *rows = arr;
    return SL_OK;
}

static int lite_tx_query(sl_store_tx *base, const char *sql, const sl_sqlv *args, int nargs,
                         json_object **rows, sl_err *err)
{
    lite_tx *tx = (lite_tx *)base;
    json_object *arr = json_object_new_array();
    int rc = run_stmt(tx->st, tx->st->wdb, sql, args, nargs, NULL, arr, err);
    if (rc != SL_OK) {
        json_object_put(arr);
        return rc;
    }
    *rows = arr;
    return SL_OK;
}

static int lite_compact(sl_store *base, sl_err *err)
{
    lite_store *st = (lite_store *)base;
    int rc = SL_OK;
    /* The background checkpointer may hold the checkpoint lock for a moment: wait for it, up
     * to 10 s, rather than answer that the bytes may still be on disk. */
    for (int64_t until = sl_mono_ns() + 10000000000LL;;) {
        pthread_mutex_lock(&st->wlock);
        int log = 0, ckpt = 0;
        int r = sqlite3_wal_checkpoint_v2(st->wdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
        if (r != SQLITE_OK && ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || sl_mono_ns() > until)) {
            rc = db_error(err, st->wdb, "checkpoint");
        }
        pthread_mutex_unlock(&st->wlock);
        if (r == SQLITE_OK || rc != SL_OK) {
            break;
        }
        sl_sleep_ms(50);
    }
    return rc;
}

const sl_store_backend sl__store_sqlite = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .doc_put = lite_doc_put,
    .doc_get = lite_doc_get,
    .doc_list = lite_doc_list,
    .doc_delete = lite_doc_delete,
    .secret_put = lite_secret_put,
    .secret_get = lite_secret_get,
    .meta_get = lite_meta_get,
    .meta_put = lite_meta_put,
    .apikey_put = lite_apikey_put,
    .apikey_list = lite_apikey_list,
    .apikey_revoke = lite_apikey_revoke,
    .apikey_find = lite_apikey_find,
    .apikey_count = lite_apikey_count,
    .dataset_create = lite_dataset_create,
    .dataset_drop = lite_dataset_drop,
    .dataset_preview = lite_dataset_preview,
    .dataset_count = lite_dataset_count,
    .tx_begin = lite_tx_begin,
    .tx_insert = lite_tx_insert,
    .tx_cursor_set = lite_tx_cursor_set,
    .tx_commit = lite_tx_commit,
    .tx_rollback = lite_tx_rollback,
    .cursor_get = lite_cursor_get,
    .exec = lite_exec,
    .tx_exec = lite_tx_exec,
    .query = lite_query,
    .tx_query = lite_tx_query,
    .compact = lite_compact,
};
