/* SPDX-License-Identifier: Apache-2.0 */
/* store/postgres.c: the PostgreSQL backend of store.h ("postgres://..." or "postgresql://...",
 * handed to libpq as it is). It mirrors sqlite.c: one write connection guarded by a mutex (the
 * pipeline holds it for one batch) and a small pool of read connections, so the API never
 * waits behind a write. A connection that breaks is re-established on its next use, so the
 * store comes back by itself when the server does.
 * Built without SLUICE_WITH_POSTGRES, this file is a backend whose open says so. */
#include "store/store_int.h"

#ifdef SL_WITH_POSTGRES

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "store/migrate.h"

#include <assert.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define READ_POOL_MAX 8
#define TEXT_OID      25 /* pg_type.oid of text; server headers are not a build dependency */

typedef struct pg_store {
    sl_store base; /* first: store.c sees only this */
    char *url;
    /* catalog watcher (sl_store_watch) */
    pthread_t watcher;
    bool watching;
    atomic_bool unwatch;
    bool (*changed)(void *ud);
    void *changed_ud;
    PGconn *wconn; /* write connection */
    /* Statements prepared on the write connection by transactions (the pipeline's hot path),
     * keyed by SQL text and parameter types. `ready` once a sync confirmed the prepare. */
    struct pg_stmt {
        char *key;
        char name[16];
        bool ready;
    } stmts[64];
    int nstmts;
    unsigned stmt_seq; /* names are never reused within a session */
    pthread_mutex_t wlock;
    pthread_mutex_t plock; /* guards the read pool */
    PGconn *pool[READ_POOL_MAX];
    int npool;
} pg_store;

/* A transaction runs in libpq's pipeline mode: statements whose result is not needed (upserts,
 * inserts without a count) are sent without waiting for their answer, and are read at the next
 * statement that needs one, or at commit. A batch then costs a round trip per result it reads,
 * not per statement. Any failure fails the transaction, as before. */
typedef struct pg_tx {
    sl_store_tx base; /* first */
    pg_store *st;
    int queued; /* statements sent whose results are not read yet */
    bool pipeline;
} pg_tx;

static int pipe_sync(pg_tx *tx, PGresult **last, const char *what, sl_err *err);
static int send_stmt(pg_tx *tx, const char *sql, int n, const Oid *types, const char *const *vals,
                     const int *lens, const int *fmts, bool cacheable, const char *what,
                     sl_err *err);
static int tx_call(pg_tx *tx, const char *sql, const sl_sqlv *args, int nargs, PGresult **out,
                   const char *what, sl_err *err);

/* ---- errors and notices ------------------------------------------------------------------ */

/* Whether a SQLSTATE means "try again later" rather than "this cannot work". */
static bool state_is_transient(const char *state)
{
    if (state == NULL) {
        return true; /* raised by libpq itself: the connection, in practice */
    }
    return strncmp(state, "08", 2) == 0 || /* connection exception */
           strncmp(state, "53", 2) == 0 || /* insufficient resources: disk full, connections */
           strncmp(state, "57", 2) == 0 || /* operator intervention: shutdown, crash recovery */
           strncmp(state, "40", 2) == 0 || /* serialization failure, deadlock */
           strcmp(state, "55P03") == 0;    /* lock not available */
}

/* Copy a libpq message into `out` on one line: libpq ends messages with a newline and puts
 * hints on their own tab-indented lines. */
static void one_line(const char *msg, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = msg; *p != '\0' && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap) {
            out[n++] = ' ';
        }
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* Set `err` from a failed statement (`res` may be NULL) on `conn`: SL_EBUSY when the
 * connection is gone or the server is short of something, SL_EIO otherwise. */
static int pg_error(sl_err *err, PGconn *conn, const PGresult *res, const char *what)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (msg == NULL) {
        msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
    }
    bool lost = conn == NULL || PQstatus(conn) != CONNECTION_OK;
    char line[200];
    one_line(msg, line, sizeof(line));
    return sl_err_set(err, lost || state_is_transient(state) ? SL_EBUSY : SL_EIO, "%s: %s", what,
                      line[0] != '\0' ? line : "PostgreSQL error");
}

/* libpq notices (NOTICE, WARNING, ...) go to our log instead of stderr. "relation already
 * exists, skipping" and the like are NOTICEs, so those are debug lines. */
static void on_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    sl_log_level lvl = SL_LOG_LEVEL_DEBUG;
    if (sev != NULL && strcmp(sev, "WARNING") == 0) {
        lvl = SL_LOG_LEVEL_WARN;
    } else if (sev != NULL && strcmp(sev, "INFO") == 0) {
        lvl = SL_LOG_LEVEL_INFO;
    }
    if ((int)lvl > sl_log_threshold) {
        return;
    }
    char line[200];
    one_line(msg != NULL ? msg : PQresultErrorMessage(res), line, sizeof(line));
    sl_log_write(lvl, "store", "postgres: %s severity=%s sqlstate=%s", line,
                 sev != NULL ? sev : "NOTICE", state != NULL ? state : "-");
}

/* ---- connections ------------------------------------------------------------------------- */

static int pg_connect(const char *url, PGconn **out, sl_err *err)
{
    /* Defaults first: with expand_dbname the URL's own settings override them. */
    const char *const keys[] = {"connect_timeout", "client_encoding", "fallback_application_name",
                                "dbname", NULL};
    const char *const vals[] = {"10", "UTF8", "sluice", url, NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        int rc = pg_error(err, conn, NULL, "connect to PostgreSQL");
        PQfinish(conn);
        return rc;
    }
    PQsetNoticeReceiver(conn, on_notice, NULL);
    *out = conn;
    return SL_OK;
}

/* Forget the prepared statements (the session that held them is gone), or only those no sync
 * confirmed (`all` false: a failure may have skipped their prepare). */
static void stmts_drop(pg_store *st, bool all)
{
    int k = 0;
    for (int i = 0; i < st->nstmts; i++) {
        if (all || !st->stmts[i].ready) {
            free(st->stmts[i].key);
        } else {
            st->stmts[k++] = st->stmts[i];
        }
    }
    st->nstmts = k;
}

/* Make the write connection usable: reconnect when it broke, and end a transaction a failure
 * left open (only a transaction holder uses it inside one). Call with the write lock held. */
static int wconn_ready(pg_store *st, sl_err *err)
{
    if (PQstatus(st->wconn) != CONNECTION_OK) {
        stmts_drop(st, true);
        st->stmt_seq = 0; /* a new session: no statement of ours exists */
        PQreset(st->wconn);
        if (PQstatus(st->wconn) != CONNECTION_OK) {
            return pg_error(err, st->wconn, NULL, "reconnect to PostgreSQL");
        }
        SL_LOG_INFO("store", "reconnected to PostgreSQL");
    }
    if (PQpipelineStatus(st->wconn) != PQ_PIPELINE_OFF && PQexitPipelineMode(st->wconn) != 1) {
        /* Results a failure left unread: start over on a fresh connection. */
        stmts_drop(st, true);
        st->stmt_seq = 0; /* a new session: no statement of ours exists */
        PQreset(st->wconn);
        if (PQstatus(st->wconn) != CONNECTION_OK) {
            return pg_error(err, st->wconn, NULL, "reconnect to PostgreSQL");
        }
    }
    if (PQtransactionStatus(st->wconn) != PQTRANS_IDLE) {
        PQclear(PQexec(st->wconn, "ROLLBACK"));
    }
    return SL_OK;
}

static int reader_acquire(pg_store *st, PGconn **out, sl_err *err)
{
    pthread_mutex_lock(&st->plock);
    while (st->npool > 0) {
        PGconn *conn = st->pool[--st->npool];
        if (PQstatus(conn) == CONNECTION_OK) {
            pthread_mutex_unlock(&st->plock);
            *out = conn;
            return SL_OK;
        }
        PQfinish(conn);
    }
    pthread_mutex_unlock(&st->plock);
    return pg_connect(st->url, out, err);
}

static void reader_release(pg_store *st, PGconn *conn)
{
    if (conn == NULL) {
        return;
    }
    pthread_mutex_lock(&st->plock);
    if (st->npool < READ_POOL_MAX && PQstatus(conn) == CONNECTION_OK &&
        PQtransactionStatus(conn) == PQTRANS_IDLE) {
        st->pool[st->npool++] = conn;
        conn = NULL;
    }
    pthread_mutex_unlock(&st->plock);
    PQfinish(conn);
}

/* When one pooled connection was found dead, the others (idle as long) are likely dead too. */
static void pool_flush(pg_store *st)
{
    pthread_mutex_lock(&st->plock);
    while (st->npool > 0) {
        PQfinish(st->pool[--st->npool]);
    }
    pthread_mutex_unlock(&st->plock);
}

/* ---- statements -------------------------------------------------------------------------- */

/* Run one statement with `n` text parameters (NULL entries are SQL NULL). Returns the result
 * (release with PQclear), or NULL with `err` set. */
static PGresult *pg_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                         const char *what, sl_err *err)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        return res;
    }
    (void)pg_error(err, conn, res, what);
    PQclear(res);
    return NULL;
}

/* One read-only statement on a pooled connection. A pooled connection can have died while it
 * sat idle (the server restarted): then the pool is emptied and the statement runs once more on
 * a fresh connection, so readers never see the restart. */
static PGresult *read_exec(pg_store *st, const char *sql, int n, const char *const *params,
                           const char *what, sl_err *err)
{
    PGresult *res = NULL;
    for (int attempt = 0; attempt < 2 && res == NULL; attempt++) {
        PGconn *conn = NULL;
        if (reader_acquire(st, &conn, err) != SL_OK) {
            break;
        }
        res = pg_exec(conn, sql, n, params, what, err);
        bool lost = PQstatus(conn) != CONNECTION_OK;
        reader_release(st, conn); /* closes it when lost */
        if (!lost) {
            break;
        }
        pool_flush(st);
    }
    return res;
}

/* One statement on the write connection, under the write lock. `changes` (optional) gets the
 * number of rows it touched. */
static int write_exec(pg_store *st, const char *sql, int n, const char *const *params,
                      int64_t *changes, const char *what, sl_err *err)
{
    int rc = SL_OK;
    pthread_mutex_lock(&st->wlock);
    if ((rc = wconn_ready(st, err)) == SL_OK) {
        PGresult *res = pg_exec(st->wconn, sql, n, params, what, err);
        if (res == NULL) {
            rc = err != NULL ? err->code : SL_EIO;
        } else if (changes != NULL) {
            *changes = strtoll(PQcmdTuples(res), NULL, 10);
        }
        PQclear(res);
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* One text value (first column, first row) through a read connection, or SL_ENOTFOUND. */
static int read_text(pg_store *st, const char *sql, const char *k1, const char *k2, char **out,
                     const char *what, sl_err *err)
{
    const char *params[] = {k1, k2};
    PGresult *res = read_exec(st, sql, k2 != NULL ? 2 : 1, params, "read", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    int rc = SL_OK;
    if (PQntuples(res) == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s '%s'", what, k1);
    } else {
        *out = sl_xstrdup(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return rc;
}

static int64_t int_value(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void format_i64(char *out, size_t cap, int64_t v)
{
    (void)snprintf(out, cap, "%" PRId64, v);
}

/* ---- open and close ---------------------------------------------------------------------- */

/* sl_migrate_postgres reaches the connection through this (migrate.c does not link libpq). */
static int migrate_exec(void *arg, const char *sql, const char *const *params, int nparams,
                        char **value_out, sl_err *err)
{
    PGconn *conn = arg;
    PGresult *res = nparams == 0 ? PQexec(conn, sql)
                                 : PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    int rc = SL_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = pg_error(err, conn, res, "migrate");
    } else if (value_out != NULL) {
        *value_out = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)
                         ? sl_xstrdup(PQgetvalue(res, 0, 0))
                         : NULL;
    }
    PQclear(res);
    return rc;
}

static void pg_unwatch(sl_store *base);

static void pg_close(sl_store *base)
{
    pg_store *st = (pg_store *)base;
    pg_unwatch(base);
    for (int i = 0; i < st->npool; i++) {
        PQfinish(st->pool[i]);
    }
    PQfinish(st->wconn);
    stmts_drop(st, true);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->plock);
    free(st->url);
    free(st);
}

static sl_store *pg_open(const char *url, sl_err *err)
{
    /* A URL libpq cannot read is a configuration mistake, not a server that is down. */
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &why);
    if (opts == NULL) {
        /* libpq quotes the URL, which may hold a password: name it instead. */
        const char *msg = why != NULL ? why : "out of memory";
        const char *at = strstr(msg, url);
        char text[512];
        char line[200];
        if (at != NULL) {
            (void)snprintf(text, sizeof(text), "%.*sURL%s", (int)(at - msg), msg, at + strlen(url));
        } else {
            (void)snprintf(text, sizeof(text), "%s", msg);
        }
        one_line(text, line, sizeof(line));
        (void)sl_err_set(err, SL_ECONFIG, "store URL: %s", line);
        PQfreemem(why);
        return NULL;
    }
    PQconninfoFree(opts);
    pg_store *st = sl_xcalloc(1, sizeof(*st));
    st->url = sl_xstrdup(url);
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->plock, NULL);
    if (pg_connect(st->url, &st->wconn, err) != SL_OK ||
        sl_migrate_postgres(st->wconn, migrate_exec, sl_postgres_migrations, err) != SL_OK) {
        pg_close(&st->base);
        return NULL;
    }
    /* Never the URL: it may carry a password. */
    SL_LOG_INFO("store", "PostgreSQL store open host=%s port=%s db=%s server_version=%d",
                PQhost(st->wconn), PQport(st->wconn), PQdb(st->wconn), PQserverVersion(st->wconn));
    return &st->base;
}

/* ---- catalog ----------------------------------------------------------------------------- */

/* Kinds the pipeline's catalog snapshot does not use change often (replay progress) or never
 * matter to other nodes' snapshots: no notification for them. */
static bool kind_is_runtime(const char *kind)
{
    return strcmp(kind, "replay") != 0 && strcmp(kind, "alertSubscription") != 0 &&
           strcmp(kind, "mergePolicy") != 0 && strcmp(kind, "descriptor") != 0;
}

/* Tell the other nodes (sl_store_watch). Best effort: polling catches a lost notification. */
static void notify_change(pg_store *st, const char *kind)
{
    if (!kind_is_runtime(kind)) {
        return;
    }
    const char *params[] = {kind};
    sl_err err;
    sl_err_clear(&err);
    (void)write_exec(st, "SELECT pg_notify('sluice_catalog', $1)", 1, params, NULL, "notify", &err);
}

static int pg_doc_put(sl_store *base, const char *kind, const char *id, const char *doc_json,
                      const char *etag, sl_err *err)
{
    char now[24];
    format_i64(now, sizeof(now), sl_now_ms());
    const char *params[] = {kind, id, doc_json, etag, now};
    int rc = write_exec((pg_store *)base,
                        "INSERT INTO catalog(kind, id, doc, etag, created_ms, updated_ms) "
                        "VALUES ($1, $2, $3, $4, $5::bigint, $5::bigint) "
                        "ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc, "
                        "etag = excluded.etag, updated_ms = excluded.updated_ms",
                        5, params, NULL, "write", err);
    if (rc == SL_OK) {
        notify_change((pg_store *)base, kind);
    }
    return rc;
}

static int pg_doc_get(sl_store *base, const char *kind, const char *id, json_object **out,
                      char *etag_out, int64_t times[2], sl_err *err)
{
    const char *params[] = {kind, id};
    PGresult *res = read_exec((pg_store *)base,
                              "SELECT doc, etag, created_ms, updated_ms FROM catalog "
                              "WHERE kind = $1 AND id = $2",
                              2, params, "read catalog", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    int rc = SL_OK;
    if (PQntuples(res) == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s with id '%s'", kind, id);
    } else {
        *out = sl__store_parse_doc(PQgetvalue(res, 0, 0));
        if (etag_out != NULL) {
            (void)snprintf(etag_out, 64, "%s", PQgetvalue(res, 0, 1));
        }
        if (times != NULL) {
            times[0] = int_value(res, 0, 2);
            times[1] = int_value(res, 0, 3);
        }
    }
    PQclear(res);
    return rc;
}

static int pg_doc_list(sl_store *base, const char *kind, json_object **out, sl_err *err)
{
    const char *params[] = {kind};
    PGresult *res = read_exec((pg_store *)base,
                              "SELECT id, etag, created_ms, updated_ms, doc FROM catalog "
                              "WHERE kind = $1 ORDER BY created_ms, ord",
                              1, params, "list catalog", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    json_object *arr = json_object_new_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_object *item = json_object_new_object();
        json_object_object_add(item, "id", json_object_new_string(PQgetvalue(res, i, 0)));
        json_object_object_add(item, "etag", json_object_new_string(PQgetvalue(res, i, 1)));
        json_object_object_add(item, "created", json_object_new_int64(int_value(res, i, 2)));
        json_object_object_add(item, "updated", json_object_new_int64(int_value(res, i, 3)));
        json_object_object_add(item, "doc", sl__store_parse_doc(PQgetvalue(res, i, 4)));
        json_object_array_add(arr, item);
    }
    PQclear(res);
    *out = arr;
    return SL_OK;
}

static int pg_doc_delete(sl_store *base, const char *kind, const char *id, sl_err *err)
{
    const char *params[] = {kind, id};
    int64_t changes = 0;
    int rc = write_exec((pg_store *)base, "DELETE FROM catalog WHERE kind = $1 AND id = $2", 2,
                        params, &changes, "write", err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no %s with id '%s'", kind, id);
    }
    if (rc == SL_OK) {
        notify_change((pg_store *)base, kind);
    }
    return rc;
}

/* ---- secrets, settings, API keys --------------------------------------------------------- */

static int pg_secret_put(sl_store *base, const char *owner, const char *name, const char *value,
                         sl_err *err)
{
    const char *params[] = {owner, name, value};
    if (value == NULL) {
        return write_exec((pg_store *)base, "DELETE FROM secrets WHERE owner_id = $1 AND name = $2",
                          2, params, NULL, "write", err);
    }
    return write_exec((pg_store *)base,
                      "INSERT INTO secrets(owner_id, name, value) VALUES ($1, $2, $3) "
                      "ON CONFLICT (owner_id, name) DO UPDATE SET value = excluded.value",
                      3, params, NULL, "write", err);
}

static int pg_secret_get(sl_store *base, const char *owner, const char *name, char **out,
                         sl_err *err)
{
    return read_text((pg_store *)base,
                     "SELECT value FROM secrets WHERE owner_id = $1 AND name = $2", owner, name,
                     out, "secret of", err);
}

static int pg_meta_get(sl_store *base, const char *key, char **out, sl_err *err)
{
    return read_text((pg_store *)base, "SELECT value FROM meta WHERE key = $1", key, NULL, out,
                     "setting", err);
}

static int pg_meta_put(sl_store *base, const char *key, const char *value, sl_err *err)
{
    const char *params[] = {key, value};
    return write_exec((pg_store *)base,
                      "INSERT INTO meta(key, value) VALUES ($1, $2) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      2, params, NULL, "write", err);
}

static int pg_apikey_put(sl_store *base, const char *name, const char *hash_hex, sl_err *err)
{
    char now[24];
    format_i64(now, sizeof(now), sl_now_ms());
    const char *params[] = {name, hash_hex, now};
    int64_t changes = 0;
    int rc = write_exec((pg_store *)base,
                        "INSERT INTO api_keys(name, hash, created_ms) VALUES ($1, $2, $3::bigint) "
                        "ON CONFLICT DO NOTHING",
                        3, params, &changes, "write", err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ECONFLICT, "an API key named '%s' exists already", name);
    }
    return rc;
}

static int pg_apikey_list(sl_store *base, json_object **out, sl_err *err)
{
    /* COLLATE "C": the same byte order as SQLite's BINARY, whatever the database's locale. */
    PGresult *res = read_exec((pg_store *)base,
                              "SELECT name, created_ms FROM api_keys "
                              "ORDER BY created_ms, name COLLATE \"C\"",
                              0, NULL, "list keys", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    json_object *arr = json_object_new_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_object *k = json_object_new_object();
        json_object_object_add(k, "name", json_object_new_string(PQgetvalue(res, i, 0)));
        json_object_object_add(k, "created", json_object_new_int64(int_value(res, i, 1)));
        json_object_array_add(arr, k);
    }
    PQclear(res);
    *out = arr;
    return SL_OK;
}

static int pg_apikey_revoke(sl_store *base, const char *name, sl_err *err)
{
    const char *params[] = {name};
    int64_t changes = 0;
    int rc = write_exec((pg_store *)base, "DELETE FROM api_keys WHERE name = $1", 1, params,
                        &changes, "write", err);
    if (rc == SL_OK && changes == 0) {
        rc = sl_err_set(err, SL_ENOTFOUND, "no API key named '%s'", name);
    }
    return rc;
}

static int pg_apikey_find(sl_store *base, const char *hash_hex, char **name_out, sl_err *err)
{
    return read_text((pg_store *)base, "SELECT name FROM api_keys WHERE hash = $1", hash_hex, NULL,
                     name_out, "API key", err);
}

/* One integer from a query without parameters. */
static int read_count(pg_store *st, const char *sql, int64_t *out, const char *what, sl_err *err)
{
    PGresult *res = read_exec(st, sql, 0, NULL, what, err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    *out = PQntuples(res) > 0 ? int_value(res, 0, 0) : 0;
    PQclear(res);
    return SL_OK;
}

static int pg_apikey_count(sl_store *base, int64_t *out, sl_err *err)
{
    return read_count((pg_store *)base, "SELECT count(*) FROM api_keys", out, "count", err);
}

/* ---- datasets ---------------------------------------------------------------------------- */

static int pg_dataset_create(sl_store *base, const char *id, sl_err *err)
{
    pg_store *st = (pg_store *)base;
    assert(sl__store_valid_dataset_id(id));
    /* record stays TEXT, not jsonb: jsonb would reorder the record's keys. */
    char sql[512];
    (void)snprintf(sql, sizeof(sql),
                   "CREATE TABLE IF NOT EXISTS ds_%s ("
                   " seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                   " _id TEXT NOT NULL UNIQUE,"
                   " event_id TEXT UNIQUE,"
                   " timestamp TEXT,"
                   " _ingested_ms BIGINT NOT NULL,"
                   " _flow_id TEXT,"
                   " record TEXT NOT NULL,"
                   " _received_ms BIGINT)",
                   id);
    int rc = SL_OK;
    pthread_mutex_lock(&st->wlock);
    if ((rc = wconn_ready(st, err)) == SL_OK) {
        PGresult *res = PQexec(st->wconn, sql);
        ExecStatusType s = PQresultStatus(res);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        /* Two nodes creating the same table at once: IF NOT EXISTS does not cover the race,
         * and the loser sees the table (42P07) or its row type (23505) appear. Either way the
         * table is there. */
        if (s != PGRES_COMMAND_OK &&
            !(state != NULL && (strcmp(state, "42P07") == 0 || strcmp(state, "23505") == 0))) {
            rc = pg_error(err, st->wconn, res, "create dataset table");
        }
        PQclear(res);
        if (rc == SL_OK) {
            /* Tables made before _received_ms existed get it now. */
            (void)snprintf(sql, sizeof(sql),
                           "ALTER TABLE ds_%s ADD COLUMN IF NOT EXISTS _received_ms BIGINT", id);
            res = PQexec(st->wconn, sql);
            if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                rc = pg_error(err, st->wconn, res, "upgrade dataset table");
            }
            PQclear(res);
        }
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

static int pg_dataset_drop(sl_store *base, const char *id, sl_err *err)
{
    assert(sl__store_valid_dataset_id(id));
    char sql[128];
    (void)snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS ds_%s", id);
    return write_exec((pg_store *)base, sql, 0, NULL, NULL, "drop dataset table", err);
}

static int pg_dataset_preview(sl_store *base, const char *id, int limit, json_object **out,
                              sl_err *err)
{
    assert(sl__store_valid_dataset_id(id));
    char sql[128];
    char lim[16];
    (void)snprintf(sql, sizeof(sql), "SELECT record FROM ds_%s ORDER BY seq DESC LIMIT $1::bigint",
                   id);
    (void)snprintf(lim, sizeof(lim), "%d", limit);
    /* SQLite reads a negative LIMIT as "no limit"; PostgreSQL's spelling of that is NULL. */
    const char *params[] = {limit >= 0 ? lim : NULL};
    PGresult *res = read_exec((pg_store *)base, sql, 1, params, "preview", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    json_object *arr = json_object_new_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_object_array_add(arr, sl__store_parse_doc(PQgetvalue(res, i, 0)));
    }
    PQclear(res);
    *out = arr;
    return SL_OK;
}

static int pg_dataset_count(sl_store *base, const char *id, int64_t *out, sl_err *err)
{
    assert(sl__store_valid_dataset_id(id));
    char sql[128];
    (void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM ds_%s", id);
    return read_count((pg_store *)base, sql, out, "count", err);
}

/* ---- transactions ------------------------------------------------------------------------ */

static int pg_tx_begin(sl_store *base, sl_store_tx **out, sl_err *err)
{
    pg_store *st = (pg_store *)base;
    int rc = SL_OK;
    pthread_mutex_lock(&st->wlock);
    /* BEGIN changes nothing, so when it finds the connection dead (it may have idled through a
     * server restart) it is safe to reconnect and begin again, once. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((rc = wconn_ready(st, err)) != SL_OK) {
            break; /* the server is not back: no point trying again at once */
        }
        PGresult *res = pg_exec(st->wconn, "BEGIN", 0, NULL, "begin", err);
        rc = res != NULL ? SL_OK : (err != NULL ? err->code : SL_EIO);
        PQclear(res);
        if (rc == SL_OK || PQstatus(st->wconn) == CONNECTION_OK) {
            break;
        }
    }
    if (rc != SL_OK) {
        pthread_mutex_unlock(&st->wlock);
        return rc;
    }
    pg_tx *tx = sl_xcalloc(1, sizeof(*tx));
    tx->base.st = base;
    tx->st = st;
    tx->pipeline = PQenterPipelineMode(st->wconn) == 1;
    *out = &tx->base;
    return SL_OK;
}

/* Read what the pipeline still owes and leave pipeline mode, before COMMIT or ROLLBACK. */
static int pipe_end(pg_tx *tx, sl_err *err)
{
    int rc = SL_OK;
    if (!tx->pipeline) {
        return SL_OK;
    }
    if (tx->queued > 0) {
        rc = pipe_sync(tx, NULL, "statement", err);
    }
    tx->pipeline = false;
    if (PQexitPipelineMode(tx->st->wconn) != 1 && rc == SL_OK) {
        rc = pg_error(err, tx->st->wconn, NULL, "pipeline");
    }
    return rc;
}

static int pg_tx_insert(sl_store_tx *base, const char *dataset, const sl_row *row, bool *inserted,
                        sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    assert(sl__store_valid_dataset_id(dataset));
    char sql[256];
    (void)snprintf(sql, sizeof(sql),
                   "INSERT INTO ds_%s(_id, event_id, timestamp, _ingested_ms, _flow_id, record, "
                   "_received_ms) VALUES ($1, $2, $3, $4::bigint, $5, $6, $7::bigint) "
                   "ON CONFLICT DO NOTHING",
                   dataset);
    char ingested[24];
    format_i64(ingested, sizeof(ingested), row->ingested_ms);
    /* The record is a slice, not a C string: send it in binary format, which for text is the
     * bytes themselves with an explicit length. */
    char received[24];
    format_i64(received, sizeof(received), row->received_ms);
    const char *params[] = {row->id,
                            row->event_id,
                            row->timestamp,
                            ingested,
                            row->flow_id,
                            row->record.ptr != NULL ? row->record.ptr : "",
                            row->received_ms > 0 ? received : NULL};
    const Oid types[] = {0, 0, 0, 0, 0, TEXT_OID, 0};
    const int lengths[] = {0, 0, 0, 0, 0, (int)row->record.len, 0};
    const int formats[] = {0, 0, 0, 0, 0, 1, 0};
    PGconn *conn = tx->st->wconn;
    PGresult *res = NULL;
    int rc = SL_OK;
    if (tx->pipeline) {
        if ((rc = send_stmt(tx, sql, 7, types, params, lengths, formats, true, "insert row",
                            err)) != SL_OK) {
            return rc;
        }
        if ((rc = pipe_sync(tx, &res, "insert row", err)) != SL_OK) {
            return rc;
        }
    } else {
        res = PQexecParams(conn, sql, 7, types, params, lengths, formats, 0);
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_error(err, conn, res, "insert row");
    } else {
        *inserted = strtoll(PQcmdTuples(res), NULL, 10) > 0;
    }
    PQclear(res);
    return rc;
}

static int pg_tx_cursor_set(sl_store_tx *base, const char *name, int64_t seq, sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    sl_sqlv args[] = {SL_SQL_S(name), SL_SQL_I(seq)};
    return tx_call(tx,
                   "INSERT INTO cursors(name, seq) VALUES ($1, $2) "
                   "ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                   args, 2, NULL, "write cursor", err);
}

static void tx_end(pg_tx *tx)
{
    pthread_mutex_unlock(&tx->st->wlock);
    free(tx);
}

static int pg_tx_commit(sl_store_tx *base, sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    PGconn *conn = tx->st->wconn;
    int rc = pipe_end(tx, err);
    if (rc != SL_OK) {
        if (PQstatus(conn) == CONNECTION_OK && PQpipelineStatus(conn) == PQ_PIPELINE_OFF &&
            PQtransactionStatus(conn) != PQTRANS_IDLE) {
            PQclear(PQexec(conn, "ROLLBACK"));
        }
        tx_end(tx);
        return rc;
    }
    PGresult *res = PQexec(conn, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_error(err, conn, res, "commit");
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* COMMIT of a transaction a failed statement aborted succeeds, as a ROLLBACK. */
        rc = sl_err_set(err, SL_EIO, "commit: the transaction was rolled back");
    }
    PQclear(res);
    if (rc != SL_OK && PQstatus(conn) == CONNECTION_OK &&
        PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PQclear(PQexec(conn, "ROLLBACK"));
    }
    tx_end(tx);
    return rc;
}

static void pg_tx_rollback(sl_store_tx *base)
{
    pg_tx *tx = (pg_tx *)base;
    (void)pipe_end(tx, NULL);
    if (PQstatus(tx->st->wconn) == CONNECTION_OK &&
        PQpipelineStatus(tx->st->wconn) == PQ_PIPELINE_OFF) {
        PQclear(PQexec(tx->st->wconn, "ROLLBACK"));
    }
    tx_end(tx);
}

static int pg_cursor_get(sl_store *base, const char *name, int64_t *out, sl_err *err)
{
    const char *params[] = {name};
    PGresult *res = read_exec((pg_store *)base, "SELECT seq FROM cursors WHERE name = $1", 1,
                              params, "read cursor", err);
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    *out = PQntuples(res) > 0 ? int_value(res, 0, 0) : 0;
    PQclear(res);
    return SL_OK;
}

/* ---- generic statements ---------------------------------------------------------------- */

#define INT8_OID    20
#define INT2_OID    21
#define INT4_OID    23
#define FLOAT4_OID  700
#define FLOAT8_OID  701
#define NUMERIC_OID 1700
#define BOOL_OID    16
#define MAX_ARGS    32

/* Pipeline mode: send one statement, prepared once per session when `cacheable` (its parameter
 * types then never change for this SQL), else parsed each time. Counts what it queued. */
static int send_stmt(pg_tx *tx, const char *sql, int n, const Oid *types, const char *const *vals,
                     const int *lens, const int *fmts, bool cacheable, const char *what,
                     sl_err *err)
{
    pg_store *st = tx->st;
    PGconn *conn = st->wconn;
    struct pg_stmt *ps = NULL;
    if (cacheable) {
        sl_buf key = {0};
        sl_buf_appendf(&key, "%s", sql);
        for (int i = 0; i < n; i++) {
            sl_buf_appendf(&key, "%c%u", i == 0 ? '\x1f' : ',', (unsigned)types[i]);
        }
        for (int i = 0; i < st->nstmts && ps == NULL; i++) {
            if (strcmp(st->stmts[i].key, sl_buf_cstr(&key)) == 0) {
                ps = &st->stmts[i];
            }
        }
        if (ps == NULL && st->nstmts < (int)(sizeof(st->stmts) / sizeof(st->stmts[0]))) {
            ps = &st->stmts[st->nstmts];
            (void)snprintf(ps->name, sizeof(ps->name), "sl_%u", st->stmt_seq++);
            if (PQsendPrepare(conn, ps->name, sql, n, types) != 1) {
                sl_buf_fini(&key);
                return pg_error(err, conn, NULL, what);
            }
            tx->queued++;
            ps->key = sl_xstrdup(sl_buf_cstr(&key));
            ps->ready = false;
            st->nstmts++;
        }
        sl_buf_fini(&key);
    }
    int ok = ps != NULL ? PQsendQueryPrepared(conn, ps->name, n, vals, lens, fmts, 0)
                        : PQsendQueryParams(conn, sql, n, types, vals, lens, fmts, 0);
    if (ok != 1) {
        return pg_error(err, conn, NULL, what);
    }
    tx->queued++;
    return SL_OK;
}

/* PQexecParams with typed arguments: integers and reals as text with their type, text as its
 * bytes (binary format, so slices need no NUL). With `send`, PQsendQueryParams instead (pipeline
 * mode): returns a non-NULL marker on success, not a result. */
static PGresult *call_args(PGconn *conn, pg_tx *send, const char *sql, const sl_sqlv *args,
                           int nargs, const char *what, sl_err *err)
{
    bool has_null = false;
    if (nargs > MAX_ARGS) {
        (void)sl_err_set(err, SL_EINVAL, "%s: too many arguments", what);
        return NULL;
    }
    char num[MAX_ARGS][32];
    const char *vals[MAX_ARGS];
    Oid types[MAX_ARGS];
    int lens[MAX_ARGS];
    int fmts[MAX_ARGS];
    for (int i = 0; i < nargs; i++) {
        const sl_sqlv *a = &args[i];
        lens[i] = 0;
        fmts[i] = 0;
        switch (a->type) {
        case SL_SQL_NULL:
            vals[i] = NULL;
            types[i] = 0;
            has_null = true;
            break;
        case SL_SQL_INT:
            format_i64(num[i], sizeof(num[i]), a->i);
            vals[i] = num[i];
            types[i] = INT8_OID;
            break;
        case SL_SQL_REAL:
            (void)snprintf(num[i], sizeof(num[i]), "%.17g", a->d);
            vals[i] = num[i];
            types[i] = FLOAT8_OID;
            break;
        case SL_SQL_TEXT:
            vals[i] = a->s != NULL ? a->s : "";
            types[i] = TEXT_OID;
            lens[i] = a->len < 0 ? (int)strlen(vals[i]) : (int)a->len;
            fmts[i] = 1;
            break;
        }
    }
    if (send != NULL) {
        /* A NULL leaves its parameter's type to the server: such a call is not prepared, so a
         * later call with a value never meets a type inferred from a NULL. */
        if (send_stmt(send, sql, nargs, types, (const char *const *)vals, lens, fmts, !has_null,
                      what, err) == SL_OK) {
            return (PGresult *)conn; /* a marker: never cleared or read */
        }
        return NULL;
    }
    PGresult *res = PQexecParams(conn, sql, nargs, types, vals, lens, fmts, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        return res;
    }
    (void)pg_error(err, conn, res, what);
    PQclear(res);
    return NULL;
}

static PGresult *exec_args(PGconn *conn, const char *sql, const sl_sqlv *args, int nargs,
                           const char *what, sl_err *err)
{
    return call_args(conn, NULL, sql, args, nargs, what, err);
}

/* Pipeline mode: send a sync and read every result up to it. The result of the last statement
 * sent goes to *last when `last` is not NULL (the caller clears it); the first failure goes to
 * `err` and makes the return value an error. */
static int pipe_sync(pg_tx *tx, PGresult **last, const char *what, sl_err *err)
{
    PGconn *conn = tx->st->wconn;
    int rc = SL_OK;
    if (last != NULL) {
        *last = NULL;
    }
    if (PQpipelineSync(conn) != 1) {
        tx->queued = 0;
        return pg_error(err, conn, NULL, what);
    }
    int pending = tx->queued;
    bool stale_stmts = false;
    tx->queued = 0;
    for (int i = 0; i < pending; i++) {
        PGresult *res = PQgetResult(conn);
        if (res == NULL) {
            if (rc == SL_OK) {
                rc = pg_error(err, conn, NULL, what);
            }
            if (PQstatus(conn) != CONNECTION_OK) {
                return rc; /* nothing more will come */
            }
            continue;
        }
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (state != NULL && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) {
                /* A prepared statement is gone (a pooler between us) or its plan no longer
                 * fits the table: prepare afresh next time. */
                stale_stmts = true;
            }
            if (rc == SL_OK) {
                rc = s == PGRES_PIPELINE_ABORTED
                         ? sl_err_set(err, SL_EIO, "%s: statement skipped after a failure", what)
                         : pg_error(err, conn, res, what);
            }
            PQclear(res);
        } else if (last != NULL && i == pending - 1 && rc == SL_OK) {
            *last = res;
        } else {
            PQclear(res);
        }
        /* Each statement's results end with NULL. */
        PGresult *extra = NULL;
        while ((extra = PQgetResult(conn)) != NULL) {
            PQclear(extra);
        }
    }
    PGresult *sync = PQgetResult(conn);
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && rc == SL_OK) {
        rc = pg_error(err, conn, sync, what);
    }
    PQclear(sync);
    if (rc == SL_OK) {
        for (int i = 0; i < tx->st->nstmts; i++) {
            tx->st->stmts[i].ready = true;
        }
    } else {
        stmts_drop(tx->st, stale_stmts);
    }
    if (rc != SL_OK && last != NULL && *last != NULL) {
        PQclear(*last);
        *last = NULL;
    }
    return rc;
}

/* One statement of a transaction. Without `out` it is only sent (pipeline mode); with it, sent
 * and every pending result read, its own into *out. Outside pipeline mode, PQexecParams. */
static int tx_call(pg_tx *tx, const char *sql, const sl_sqlv *args, int nargs, PGresult **out,
                   const char *what, sl_err *err)
{
    PGconn *conn = tx->st->wconn;
    if (!tx->pipeline) {
        PGresult *res = exec_args(conn, sql, args, nargs, what, err);
        if (res == NULL) {
            return err != NULL ? err->code : SL_EIO;
        }
        if (out != NULL) {
            *out = res;
        } else {
            PQclear(res);
        }
        return SL_OK;
    }
    if (call_args(conn, tx, sql, args, nargs, what, err) == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    return out != NULL ? pipe_sync(tx, out, what, err) : SL_OK;
}

static json_object *rows_json(const PGresult *res)
{
    json_object *arr = json_object_new_array();
    int ncol = PQnfields(res);
    for (int r = 0; r < PQntuples(res); r++) {
        json_object *row = json_object_new_object();
        for (int c = 0; c < ncol; c++) {
            json_object *v = NULL;
            if (!PQgetisnull(res, r, c)) {
                const char *text = PQgetvalue(res, r, c);
                switch (PQftype(res, c)) {
                case INT8_OID:
                case INT2_OID:
                case INT4_OID:
                    v = json_object_new_int64(strtoll(text, NULL, 10));
                    break;
                case FLOAT4_OID:
                case FLOAT8_OID:
                case NUMERIC_OID:
                    v = json_object_new_double(strtod(text, NULL));
                    break;
                case BOOL_OID:
                    v = json_object_new_boolean(text[0] == 't');
                    break;
                default:
                    v = json_object_new_string_len(text, PQgetlength(res, r, c));
                    break;
                }
            }
            json_object_object_add(row, PQfname(res, c), v);
        }
        json_object_array_add(arr, row);
    }
    return arr;
}

static int pg_exec_generic(sl_store *base, const char *sql, const sl_sqlv *args, int nargs,
                           int64_t *changes, sl_err *err)
{
    pg_store *st = (pg_store *)base;
    int rc = SL_OK;
    pthread_mutex_lock(&st->wlock);
    if ((rc = wconn_ready(st, err)) == SL_OK) {
        PGresult *res = exec_args(st->wconn, sql, args, nargs, "statement", err);
        if (res == NULL) {
            rc = err != NULL ? err->code : SL_EIO;
        } else if (changes != NULL) {
            *changes = strtoll(PQcmdTuples(res), NULL, 10);
        }
        PQclear(res);
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

static int pg_tx_exec(sl_store_tx *base, const char *sql, const sl_sqlv *args, int nargs,
                      int64_t *changes, sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    PGresult *res = NULL;
    int rc = tx_call(tx, sql, args, nargs, changes != NULL ? &res : NULL, "statement", err);
    if (rc == SL_OK && changes != NULL) {
        *changes = strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    return rc;
}

/* Advisory locks on the keys' hash buckets (at most LOCK_BUCKETS per transaction, so a big
 * batch never runs PostgreSQL out of lock memory), taken in ascending order: PostgreSQL
 * evaluates a volatile target-list function after ORDER BY. The two-int4 form keeps them apart
 * from the single-bigint advisory locks (migrations). Released at commit or rollback. */
#define LOCK_CLASS   0x736c7563 /* "sluc" */
#define LOCK_BUCKETS 1024
static int pg_tx_lock_keys(sl_store_tx *base, const char *keys, sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    sl_sqlv args[] = {SL_SQL_S(keys), SL_SQL_I(LOCK_CLASS), SL_SQL_I(LOCK_BUCKETS)};
    return tx_call(tx,
                   "SELECT pg_advisory_xact_lock($2::int4, b) FROM (SELECT DISTINCT "
                   "(abs(hashtext(k)::bigint) % $3)::int4 AS b FROM "
                   "unnest(string_to_array($1, chr(31))) AS k WHERE k <> '') AS s ORDER BY b",
                   args, 3, NULL, "lock keys", err);
}

static int pg_tx_query(sl_store_tx *base, const char *sql, const sl_sqlv *args, int nargs,
                       json_object **rows, sl_err *err)
{
    pg_tx *tx = (pg_tx *)base;
    PGresult *res = NULL;
    int rc = tx_call(tx, sql, args, nargs, &res, "query", err);
    if (rc == SL_OK) {
        *rows = rows_json(res);
    }
    PQclear(res);
    return rc;
}

static int pg_compact(sl_store *base, sl_err *err)
{
    (void)base;
    (void)err;
    return SL_OK;
}

/* ---- catalog watcher ------------------------------------------------------------------------ */

#define WATCH_POLL_MS 2000

/* A fingerprint of the catalog documents the pipeline uses: changes when one is written or
 * deleted (the fallback when a notification is lost). */
static bool catalog_fingerprint(PGconn *conn, char *out, size_t cap)
{
    PGresult *res = PQexec(conn, "SELECT count(*) || ':' || coalesce(max(updated_ms), 0) || ':' || "
                                 "coalesce(sum(updated_ms % 1000003), 0) FROM catalog WHERE kind "
                                 "NOT IN ('replay', 'alertSubscription', 'mergePolicy', "
                                 "'descriptor')");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok) {
        (void)snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return ok;
}

static void *watch_main(void *arg)
{
    sl_thread_name("sl-catwatch");
    pg_store *st = arg;
    PGconn *conn = NULL;
    char last[128] = "";
    int64_t next_poll = 0;
    int backoff_ms = 0;
    bool failed = false; /* the last change was not taken: offer it again at the next poll */
    while (!atomic_load(&st->unwatch)) {
        if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
            PQfinish(conn);
            conn = NULL;
            sl_err err;
            sl_err_clear(&err);
            if (backoff_ms > 0) {
                sl_sleep_ms(backoff_ms);
            }
            if (pg_connect(st->url, &conn, &err) != SL_OK) {
                backoff_ms = backoff_ms == 0 ? 200 : (backoff_ms < 5000 ? backoff_ms * 2 : 5000);
                continue;
            }
            backoff_ms = 0;
            PQclear(PQexec(conn, "LISTEN sluice_catalog"));
            next_poll = 0; /* notifications may have been missed: compare now */
        }
        bool changed = false;
        int64_t now = sl_now_ms();
        if (now >= next_poll) {
            char fp[128];
            if (catalog_fingerprint(conn, fp, sizeof(fp)) && strcmp(fp, last) != 0) {
                changed = last[0] != '\0' || next_poll == 0;
                (void)snprintf(last, sizeof(last), "%s", fp);
            }
            changed = changed || failed;
            next_poll = now + WATCH_POLL_MS;
        }
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
        if (pfd.fd >= 0 && poll(&pfd, 1, 200) > 0) {
            (void)PQconsumeInput(conn);
        }
        PGnotify *n = NULL;
        while ((n = PQnotifies(conn)) != NULL) {
            changed = true;
            PQfreemem(n);
        }
        if (changed && st->changed != NULL) {
            failed = !st->changed(st->changed_ud);
            char fp[128];
            if (catalog_fingerprint(conn, fp, sizeof(fp))) {
                (void)snprintf(last, sizeof(last), "%s", fp);
            }
        }
    }
    PQfinish(conn);
    return NULL;
}

static int pg_watch(sl_store *base, bool (*changed)(void *ud), void *ud, sl_err *err)
{
    pg_store *st = (pg_store *)base;
    st->changed = changed;
    st->changed_ud = ud;
    atomic_store(&st->unwatch, false);
    if (pthread_create(&st->watcher, NULL, watch_main, st) != 0) {
        return sl_err_set(err, SL_EIO, "cannot start the catalog watcher thread");
    }
    st->watching = true;
    return SL_OK;
}

static void pg_unwatch(sl_store *base)
{
    pg_store *st = (pg_store *)base;
    if (!st->watching) {
        return;
    }
    atomic_store(&st->unwatch, true);
    pthread_join(st->watcher, NULL);
    st->watching = false;
}

static int pg_query(sl_store *base, const char *sql, const sl_sqlv *args, int nargs,
                    json_object **rows, sl_err *err)
{
    pg_store *st = (pg_store *)base;
    PGresult *res = NULL;
    for (int attempt = 0; attempt < 2 && res == NULL; attempt++) {
        PGconn *conn = NULL;
        if (reader_acquire(st, &conn, err) != SL_OK) {
            break;
        }
        res = exec_args(conn, sql, args, nargs, "query", err);
        bool lost = PQstatus(conn) != CONNECTION_OK;
        reader_release(st, conn);
        if (!lost) {
            break;
        }
        pool_flush(st);
    }
    if (res == NULL) {
        return err != NULL ? err->code : SL_EIO;
    }
    *rows = rows_json(res);
    PQclear(res);
    return SL_OK;
}

const sl_store_backend sl__store_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .doc_put = pg_doc_put,
    .doc_get = pg_doc_get,
    .doc_list = pg_doc_list,
    .doc_delete = pg_doc_delete,
    .secret_put = pg_secret_put,
    .secret_get = pg_secret_get,
    .meta_get = pg_meta_get,
    .meta_put = pg_meta_put,
    .apikey_put = pg_apikey_put,
    .apikey_list = pg_apikey_list,
    .apikey_revoke = pg_apikey_revoke,
    .apikey_find = pg_apikey_find,
    .apikey_count = pg_apikey_count,
    .dataset_create = pg_dataset_create,
    .dataset_drop = pg_dataset_drop,
    .dataset_preview = pg_dataset_preview,
    .dataset_count = pg_dataset_count,
    .tx_begin = pg_tx_begin,
    .tx_insert = pg_tx_insert,
    .tx_cursor_set = pg_tx_cursor_set,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .cursor_get = pg_cursor_get,
    .exec = pg_exec_generic,
    .tx_exec = pg_tx_exec,
    .query = pg_query,
    .tx_query = pg_tx_query,
    .tx_lock_keys = pg_tx_lock_keys,
    .compact = pg_compact,
    .watch = pg_watch,
    .unwatch = pg_unwatch,
};

#else /* !SL_WITH_POSTGRES */

static sl_store *pg_open(const char *url, sl_err *err)
{
    (void)url;
    (void)sl_err_set(err, SL_ECONFIG,
                     "this build has no PostgreSQL support (configure with "
                     "-DSLUICE_WITH_POSTGRES=ON and libpq); use sqlite:PATH");
    return NULL;
}

/* open never succeeds, so no other operation is ever reached. */
const sl_store_backend sl__store_postgres = {
    .name = "postgres",
    .open = pg_open,
};

#endif
