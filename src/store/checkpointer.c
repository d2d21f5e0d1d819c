/* SPDX-License-Identifier: Apache-2.0 */
#include "store/checkpointer.h"

#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <time.h>

/* Past this many frames (64 MiB of 4 KiB pages) the writer rewinds the WAL itself: under
 * steady load passive checkpoints alone let the file grow without end, because a writer only
 * starts it over when it begins a transaction with everything already copied back. */
#define RESTART_FRAMES 16384

struct sl_checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    int interval_ms;
};

static void checkpoint(sl_checkpointer *c)
{
    int log_frames = 0;
    int done = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        SL_LOG_WARN("store", "checkpoint failed file=%s error=\"%s\"",
                    sqlite3_db_filename(c->db, "main"), sqlite3_errmsg(c->db));
    }
}

static void *checkpointer_main(void *arg)
{
    sl_thread_name("sl-checkpoint");
    sl_checkpointer *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        struct timespec deadline;
        (void)clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += (long)c->interval_ms * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        (void)pthread_cond_timedwait(&c->wake, &c->lock, &deadline);
        pthread_mutex_unlock(&c->lock);
        checkpoint(c);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

sl_checkpointer *sl_checkpointer_start(const char *path, int interval_ms, sl_err *err)
{
    sl_checkpointer *c = sl_xcalloc(1, sizeof(*c));
    c->interval_ms = interval_ms;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        (void)sl_err_set(err, SL_EIO, "open %s for checkpoints: %s", path,
                         c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 1000);
    /* A connection opens its file lazily; until it has read the schema it sees no WAL and a
     * checkpoint does nothing. */
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        (void)sl_err_set(err, SL_EIO, "open %s for checkpoints: %s", path, sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        (void)sl_err_set(err, SL_EIO, "cannot start the checkpoint thread for %s", path);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

void sl_checkpointer_stop(sl_checkpointer *c)
{
    if (c == NULL) {
        return;
    }
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    checkpoint(c);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    sqlite3_close(c->db);
    free(c);
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    int *counter = arg;
    *counter = frames;
    return SQLITE_OK;
}

void sl_checkpointer_watch(sqlite3 *writer, int *frames)
{
    *frames = 0;
    (void)sqlite3_wal_hook(writer, on_wal_commit, frames);
}

void sl_checkpointer_rewind_if_large(sqlite3 *writer, int *frames)
{
    if (*frames < RESTART_FRAMES) {
        return;
    }
    /* Between transactions the writer holds no snapshot, so RESTART only waits for readers to
     * finish their current statement and copies what the passive runs have not. */
    int log_frames = 0;
    int done = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(writer, "main", SQLITE_CHECKPOINT_RESTART, &log_frames, &done);
    if (rc == SQLITE_OK) {
        *frames = 0;
    } else if (rc != SQLITE_BUSY) {
        SL_LOG_WARN("store", "WAL rewind failed file=%s error=\"%s\"",
                    sqlite3_db_filename(writer, "main"), sqlite3_errmsg(writer));
    }
}
