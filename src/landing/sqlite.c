/* SPDX-License-Identifier: Apache-2.0 */
/* landing/sqlite.c: the single-node landing log, a SQLite file in WAL mode with
 * synchronous=FULL, so a COMMIT returns only after fsync. The writer thread takes the whole
 * queue at once: while one commit is on its way to disk, the next batch gathers. */
#include "landing/landing.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct sl_landing {
    char id[40];
    char cursor[64]; /* "processor:{id}" */
    sqlite3 *wdb;    /* writer thread only */
    sl_checkpointer *ckpt;
    int wal_frames; /* WAL size after the last commit (writer thread) */
    sqlite3 *rdb;   /* the pipeline's reader */
    sqlite3 *mdb;   /* statistics and retention, any thread, under mlock */
    pthread_mutex_t mlock;
    sqlite3_stmt *insert;
    pthread_t writer;
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* writer: queue not empty, or closing */
    pthread_cond_t committed; /* readers: last_seq moved */
    sl_landing_req *head;
    sl_landing_req *tail;
    bool closing;
    bool stopped;
    int64_t last_seq;
    uint64_t commits;
    uint64_t events;
    uint64_t commit_sizes[SL_COMMIT_BUCKETS + 1];
};

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS landing ("
                                 " seq INTEGER PRIMARY KEY,"
                                 " flow_id TEXT NOT NULL,"
                                 " received_ms INTEGER NOT NULL,"
                                 " xaction_id TEXT NOT NULL,"
                                 " body BLOB NOT NULL,"
                                 " status INTEGER NOT NULL DEFAULT 0,"
                                 " detail TEXT);";

/* Landing logs written before refused events were kept lack the last two columns. */
static int upgrade(sqlite3 *db, char **msg)
{
    sqlite3_stmt *s = NULL;
    bool has_status = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('landing') WHERE name='status'", -1,
                           &s, NULL) == SQLITE_OK) {
        has_status = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    if (has_status) {
        return SQLITE_OK;
    }
    return sqlite3_exec(db,
                        "ALTER TABLE landing ADD COLUMN status INTEGER NOT NULL DEFAULT 0;"
                        "ALTER TABLE landing ADD COLUMN detail TEXT;",
                        NULL, NULL, msg);
}

static int open_db(const char *path, bool write, sqlite3 **out, sl_err *err)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_NOMUTEX |
                (write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = sl_err_set(err, SL_EIO, "open landing log %s: %s", path,
                            db != NULL ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    /* Checkpoints run on their own thread (store/checkpointer.h), not inside a commit that
     * requests are waiting for; journal_size_limit trims the WAL file after a quiet spell. */
    const char *setup = write ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                "PRAGMA secure_delete=ON; PRAGMA wal_autocheckpoint=0;"
                                "PRAGMA journal_size_limit=67108864;"
                              : "PRAGMA query_only=ON;";
    if (sqlite3_exec(db, setup, NULL, NULL, &msg) != SQLITE_OK ||
        (write && sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) ||
        (write && upgrade(db, &msg) != SQLITE_OK)) {
        int rc = sl_err_set(err, SL_EIO, "prepare landing log %s: %s", path,
                            msg != NULL ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return SL_OK;
}

/* Append every item of the chain in one transaction. Returns SL_OK or SL_EBUSY. */
static int append_chain(sl_landing *l, sl_landing_req *chain, int64_t *last_seq, size_t *n)
{
    if (sqlite3_exec(l->wdb, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        goto fail;
    }
    for (sl_landing_req *r = chain; r != NULL; r = r->next) {
        for (size_t i = 0; i < r->nitems; i++) {
            const sl_landing_item *it = &r->items[i];
            sqlite3_reset(l->insert);
            sqlite3_bind_text(l->insert, 1, it->flow_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(l->insert, 2, it->received_ms);
            sqlite3_bind_text(l->insert, 3, it->xaction_id, -1, SQLITE_STATIC);
            sqlite3_bind_blob(l->insert, 4, it->body.len != 0 ? it->body.ptr : "",
                              (int)it->body.len, SQLITE_STATIC);
            sqlite3_bind_int(l->insert, 5, it->status);
            sqlite3_bind_text(l->insert, 6, it->detail, -1, SQLITE_STATIC);
            if (sqlite3_step(l->insert) != SQLITE_DONE) {
                sqlite3_reset(l->insert);
                (void)sqlite3_exec(l->wdb, "ROLLBACK", NULL, NULL, NULL);
                goto fail;
            }
            (*n)++;
        }
    }
    sqlite3_reset(l->insert);
    if (sqlite3_exec(l->wdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        (void)sqlite3_exec(l->wdb, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    *last_seq = sqlite3_last_insert_rowid(l->wdb);
    return SL_OK;
fail:
    SL_LOG_ERROR("landing", "append failed; refusing with 503 error=\"%s\"",
                 sqlite3_errmsg(l->wdb));
    *n = 0;
    return SL_EBUSY;
}

static void *writer_main(void *arg)
{
    sl_thread_name("sl-landing");
    sl_landing *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (l->head == NULL && !l->closing) {
            pthread_cond_wait(&l->wake, &l->lock);
        }
        if (l->head == NULL && l->closing) {
            break;
        }
        sl_landing_req *chain = l->head;
        l->head = NULL;
        l->tail = NULL;
        pthread_mutex_unlock(&l->lock);

        int64_t last = 0;
        size_t n = 0;
        int rc = append_chain(l, chain, &last, &n);

        pthread_mutex_lock(&l->lock);
        if (rc == SL_OK) {
            l->last_seq = last;
            l->commits++;
            l->events += n;
            int b = 0;
            while (b < SL_COMMIT_BUCKETS && n > ((size_t)1 << b)) {
                b++;
            }
            l->commit_sizes[b]++;
            pthread_cond_broadcast(&l->committed);
        }
        pthread_mutex_unlock(&l->lock);
        /* Callbacks run outside the lock: they resume HTTP connections. */
        while (chain != NULL) {
            sl_landing_req *next = chain->next;
            chain->next = NULL;
            chain->done(chain, rc);
            chain = next;
        }
        sl_checkpointer_rewind_if_large(l->wdb, &l->wal_frames);
        pthread_mutex_lock(&l->lock);
    }
    l->stopped = true;
    pthread_cond_broadcast(&l->committed);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* The log's identity, made once and kept in the file. */
static int load_id(sl_landing *l, sl_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = SL_OK;
    if (sqlite3_exec(l->wdb,
                     "CREATE TABLE IF NOT EXISTS landing_meta (key TEXT PRIMARY KEY, "
                     "value TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->wdb, "SELECT value FROM landing_meta WHERE key = 'id'", -1, &s,
                           NULL) != SQLITE_OK) {
        return sl_err_set(err, SL_EIO, "landing log identity: %s", sqlite3_errmsg(l->wdb));
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        (void)snprintf(l->id, sizeof(l->id), "%s", (const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    if (l->id[0] == '\0') {
        sl_id_uuid(l->id);
        char sql[128];
        (void)snprintf(sql, sizeof(sql), "INSERT INTO landing_meta(key, value) VALUES ('id', '%s')",
                       l->id);
        if (sqlite3_exec(l->wdb, sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = sl_err_set(err, SL_EIO, "landing log identity: %s", sqlite3_errmsg(l->wdb));
        }
    }
    (void)snprintf(l->cursor, sizeof(l->cursor), "processor:%s", l->id);
    return rc;
}

const char *sl_landing_id(const sl_landing *l)
{
    return l->id;
}

int sl_landing_cursor_get(sl_landing *l, sl_store_cursor_get_fn get, void *st, int64_t *out,
                          sl_err *err)
{
    int rc = get(st, l->cursor, out, err);
    if (rc == SL_OK && *out == 0) {
        rc = get(st, "processor", out, err); /* a store from before per-log cursors */
    }
    return rc;
}

const char *sl_landing_cursor_name(const sl_landing *l)
{
    return l->cursor;
}

sl_landing *sl_landing_open(const char *path, sl_err *err)
{
    sl_landing *l = sl_xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    pthread_mutex_init(&l->mlock, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->committed, NULL);
    if (open_db(path, true, &l->wdb, err) != SL_OK) {
        goto fail;
    }
    sl_checkpointer_watch(l->wdb, &l->wal_frames);
    if (load_id(l, err) != SL_OK) {
        goto fail;
    }
    if (sqlite3_prepare_v2(l->wdb,
                           "INSERT INTO landing(flow_id, received_ms, xaction_id, body, status, "
                           "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &l->insert, NULL) != SQLITE_OK) {
        (void)sl_err_set(err, SL_EIO, "prepare landing insert: %s", sqlite3_errmsg(l->wdb));
        goto fail;
    }
    if (open_db(path, false, &l->rdb, err) != SL_OK || open_db(path, true, &l->mdb, err) != SL_OK ||
        (l->ckpt = sl_checkpointer_start(path, 200, err)) == NULL) {
        goto fail;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(l->wdb, "SELECT coalesce(max(seq), 0) FROM landing", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        l->last_seq = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (pthread_create(&l->writer, NULL, writer_main, l) != 0) {
        (void)sl_err_set(err, SL_EIO, "start landing writer thread");
        goto fail;
    }
    return l;
fail:
    sl_checkpointer_stop(l->ckpt);
    sqlite3_finalize(l->insert);
    sqlite3_close(l->rdb);
    sqlite3_close(l->mdb);
    sqlite3_close(l->wdb);
    pthread_mutex_destroy(&l->mlock);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->committed);
    free(l);
    return NULL;
}

void sl_landing_submit(sl_landing *l, sl_landing_req *req)
{
    req->next = NULL;
    pthread_mutex_lock(&l->lock);
    if (l->closing) {
        pthread_mutex_unlock(&l->lock);
        req->done(req, SL_EBUSY);
        return;
    }
    if (l->tail != NULL) {
        l->tail->next = req;
    } else {
        l->head = req;
    }
    l->tail = req;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

/* Read the rows of a prepared SELECT seq, flow_id, received_ms, xaction_id, body, status,
 * detail into `out`. */
static int read_rows(sqlite3 *db, sqlite3_stmt *s, sl_landed_batch *out, sl_err *err)
{
    int rc = SL_OK;
    sl_buf arena = {0};
    size_t cap = 0;
    /* Offsets first: the arena may move while it grows, pointers are fixed up at the end. */
    size_t *offs = NULL;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->len == cap) {
            cap = cap != 0 ? cap * 2 : 64;
            out->items = sl_xrealloc(out->items, cap * sizeof(*out->items));
            offs = sl_xrealloc(offs, cap * 4 * sizeof(*offs));
        }
        sl_landed *ev = &out->items[out->len];
        ev->seq = sqlite3_column_int64(s, 0);
        ev->received_ms = sqlite3_column_int64(s, 2);
        ev->status = sqlite3_column_int(s, 5);
        offs[4 * out->len] = arena.len;
        sl_buf_append(&arena, sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1) + 1);
        offs[4 * out->len + 1] = arena.len;
        sl_buf_append(&arena, sqlite3_column_text(s, 3), (size_t)sqlite3_column_bytes(s, 3) + 1);
        offs[4 * out->len + 2] = arena.len;
        const void *blob = sqlite3_column_blob(s, 4);
        ev->body.len = (size_t)sqlite3_column_bytes(s, 4);
        sl_buf_append(&arena, blob != NULL ? blob : "", ev->body.len);
        sl_buf_append(&arena, "", 1);
        offs[4 * out->len + 3] = SIZE_MAX;
        if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
            offs[4 * out->len + 3] = arena.len;
            sl_buf_append(&arena, sqlite3_column_text(s, 6),
                          (size_t)sqlite3_column_bytes(s, 6) + 1);
        }
        out->len++;
    }
    if (step != SQLITE_DONE) {
        rc = sl_err_set(err, SL_EIO, "read landing log: %s", sqlite3_errmsg(db));
    }
    for (size_t i = 0; i < out->len; i++) {
        out->items[i].flow_id = arena.ptr + offs[4 * i];
        out->items[i].xaction_id = arena.ptr + offs[4 * i + 1];
        out->items[i].body.ptr = arena.ptr + offs[4 * i + 2];
        out->items[i].detail = offs[4 * i + 3] != SIZE_MAX ? arena.ptr + offs[4 * i + 3] : NULL;
    }
    free(offs);
    out->arena = arena.ptr;
    return rc;
}

int sl_landing_read(sl_landing *l, int64_t after, size_t max, sl_landed_batch *out, sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(l->rdb,
                           "SELECT seq, flow_id, received_ms, xaction_id, body, status, detail "
                           "FROM landing WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing read: %s", sqlite3_errmsg(l->rdb));
        goto out;
    }
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    rc = read_rows(l->rdb, s, out, err);
out:
    sqlite3_finalize(s);
    if (rc != SL_OK) {
        sl_landed_batch_fini(out);
    }
    return rc;
}

int sl_landing_read_range(sl_landing *l, const char *flow_id, int64_t after, int64_t max_seq,
                          int64_t from_ms, int64_t to_ms, size_t max, sl_landed_batch *out,
                          sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(l->rdb,
                           "SELECT seq, flow_id, received_ms, xaction_id, body, status, detail "
                           "FROM landing WHERE seq > ?1 AND seq <= ?2 AND flow_id = ?3 "
                           "AND received_ms >= ?4 AND received_ms < ?5 ORDER BY seq LIMIT ?6",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing read: %s", sqlite3_errmsg(l->rdb));
        goto out;
    }
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, max_seq);
    sqlite3_bind_text(s, 3, flow_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, from_ms);
    sqlite3_bind_int64(s, 5, to_ms);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)max);
    rc = read_rows(l->rdb, s, out, err);
out:
    sqlite3_finalize(s);
    if (rc != SL_OK) {
        sl_landed_batch_fini(out);
    }
    return rc;
}

int sl_landing_tail(sl_landing *l, const char *flow_id, int64_t after, size_t max,
                    sl_landed_batch *out, sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    memset(out, 0, sizeof(*out));
    const char *sql =
        after >= 0 ? "SELECT seq, flow_id, received_ms, xaction_id, body, status, detail FROM "
                     "landing WHERE flow_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
                   : "SELECT * FROM (SELECT seq, flow_id, received_ms, xaction_id, body, status, "
                     "detail FROM landing WHERE flow_id = ?1 AND seq > ?2 ORDER BY seq DESC "
                     "LIMIT ?3) ORDER BY seq";
    pthread_mutex_lock(&l->mlock);
    if (sqlite3_prepare_v2(l->mdb, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing tail: %s", sqlite3_errmsg(l->mdb));
        goto out;
    }
    sqlite3_bind_text(s, 1, flow_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, after >= 0 ? after : 0);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    rc = read_rows(l->mdb, s, out, err);
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&l->mlock);
    if (rc != SL_OK) {
        sl_landed_batch_fini(out);
    }
    return rc;
}

int sl_landing_backlog(sl_landing *l, int64_t after, const char *flow_id, int64_t *count,
                       int64_t *oldest_ms, sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    const char *sql = flow_id != NULL
                          ? "SELECT count(*), coalesce(min(received_ms), 0) FROM landing "
                            "WHERE seq > ?1 AND flow_id = ?2"
                          : "SELECT count(*), coalesce(min(received_ms), 0) FROM landing "
                            "WHERE seq > ?1";
    pthread_mutex_lock(&l->mlock);
    if (sqlite3_prepare_v2(l->mdb, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing backlog: %s", sqlite3_errmsg(l->mdb));
        goto out;
    }
    sqlite3_bind_int64(s, 1, after);
    if (flow_id != NULL) {
        sqlite3_bind_text(s, 2, flow_id, -1, SQLITE_STATIC);
    }
    if (sqlite3_step(s) != SQLITE_ROW) {
        rc = sl_err_set(err, SL_EIO, "landing backlog: %s", sqlite3_errmsg(l->mdb));
        goto out;
    }
    *count = sqlite3_column_int64(s, 0);
    *oldest_ms = sqlite3_column_int64(s, 1);
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&l->mlock);
    return rc;
}

int sl_landing_purge(sl_landing *l, int64_t before_ms, int64_t max_seq, int64_t *deleted,
                     sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *s = NULL;
    *deleted = 0;
    pthread_mutex_lock(&l->mlock);
    if (sqlite3_prepare_v2(l->mdb,
                           "DELETE FROM landing WHERE seq IN (SELECT seq FROM landing "
                           "WHERE seq <= ?1 AND received_ms < ?2 ORDER BY seq LIMIT 1000)",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing purge: %s", sqlite3_errmsg(l->mdb));
        goto out;
    }
    for (;;) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, max_seq);
        sqlite3_bind_int64(s, 2, before_ms);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = sl_err_set(err, SL_EBUSY, "landing purge: %s", sqlite3_errmsg(l->mdb));
            break;
        }
        int n = sqlite3_changes(l->mdb);
        *deleted += n;
        if (n < 1000) {
            break;
        }
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&l->mlock);
    return rc;
}

void sl_landed_batch_fini(sl_landed_batch *b)
{
    free(b->items);
    free(b->arena);
    memset(b, 0, sizeof(*b));
}

int64_t sl_landing_wait(sl_landing *l, int64_t after, int timeout_ms)
{
    struct timespec deadline;
    (void)clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&l->lock);
    while (l->last_seq <= after && !l->stopped) {
        if (pthread_cond_timedwait(&l->committed, &l->lock, &deadline) != 0) {
            break;
        }
    }
    int64_t last = l->last_seq;
    pthread_mutex_unlock(&l->lock);
    return last;
}

void sl_landing_stats(sl_landing *l, uint64_t *commits, uint64_t *events)
{
    pthread_mutex_lock(&l->lock);
    *commits = l->commits;
    *events = l->events;
    pthread_mutex_unlock(&l->lock);
}

int sl_landing_erase(sl_landing *l, const char *const *needles, size_t n,
                     bool (*confirm)(void *ud, sl_str body), void *ud, int64_t *deleted,
                     sl_err *err)
{
    int rc = SL_OK;
    *deleted = 0;
    sqlite3_stmt *sel = NULL;
    sqlite3_stmt *del = NULL;
    pthread_mutex_lock(&l->mlock);
    if (sqlite3_prepare_v2(l->mdb,
                           "SELECT seq, body FROM landing WHERE "
                           "instr(lower(CAST(body AS TEXT)), lower(?1)) > 0",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->mdb, "DELETE FROM landing WHERE seq = ?1", -1, &del, NULL) !=
            SQLITE_OK) {
        rc = sl_err_set(err, SL_EIO, "prepare landing erase: %s", sqlite3_errmsg(l->mdb));
        goto out;
    }
    for (size_t i = 0; i < n && rc == SL_OK; i++) {
        sqlite3_reset(sel);
        sqlite3_bind_text(sel, 1, needles[i], -1, SQLITE_STATIC);
        int64_t *seqs = NULL;
        size_t nseq = 0, cap = 0;
        int step;
        while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
            sl_str body = {(const char *)sqlite3_column_blob(sel, 1),
                           (size_t)sqlite3_column_bytes(sel, 1)};
            if (body.ptr != NULL && confirm(ud, body)) {
                if (nseq == cap) {
                    cap = cap != 0 ? cap * 2 : 16;
                    seqs = sl_xrealloc(seqs, cap * sizeof(*seqs));
                }
                seqs[nseq++] = sqlite3_column_int64(sel, 0);
            }
        }
        sqlite3_reset(sel);
        if (step != SQLITE_DONE) {
            rc = sl_err_set(err, SL_EIO, "landing erase: %s", sqlite3_errmsg(l->mdb));
        }
        for (size_t k = 0; k < nseq && rc == SL_OK; k++) {
            sqlite3_reset(del);
            sqlite3_bind_int64(del, 1, seqs[k]);
            if (sqlite3_step(del) != SQLITE_DONE) {
                rc = sl_err_set(err, SL_EBUSY, "landing erase: %s", sqlite3_errmsg(l->mdb));
            }
            *deleted += sqlite3_changes(l->mdb);
        }
        free(seqs);
    }
    /* The writer and the background checkpointer take the locks a truncating checkpoint needs
     * for moments at a time: retry for up to 10 s. */
    for (int64_t until = sl_mono_ns() + 10000000000LL; rc == SL_OK;) {
        int r = sqlite3_wal_checkpoint_v2(l->mdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        if (r == SQLITE_OK) {
            break;
        }
        if ((r != SQLITE_BUSY && r != SQLITE_LOCKED) || sl_mono_ns() > until) {
            rc = sl_err_set(err, SL_EBUSY, "landing checkpoint: %s", sqlite3_errmsg(l->mdb));
            break;
        }
        sl_sleep_ms(50);
    }
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    pthread_mutex_unlock(&l->mlock);
    return rc;
}

void sl_landing_commit_sizes(sl_landing *l, uint64_t out[SL_COMMIT_BUCKETS + 1])
{
    pthread_mutex_lock(&l->lock);
    memcpy(out, l->commit_sizes, sizeof(l->commit_sizes));
    pthread_mutex_unlock(&l->lock);
}

void sl_landing_close(sl_landing *l)
{
    if (l == NULL) {
        return;
    }
    pthread_mutex_lock(&l->lock);
    l->closing = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->writer, NULL);
    sl_checkpointer_stop(l->ckpt);
    sqlite3_finalize(l->insert);
    sqlite3_close(l->rdb);
    sqlite3_close(l->mdb);
    sqlite3_close(l->wdb);
    pthread_mutex_destroy(&l->mlock);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->committed);
    free(l);
}
