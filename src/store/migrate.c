/* SPDX-License-Identifier: Apache-2.0 */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>

int sl_migrate_sqlite(sqlite3 *db, const sl_migration *list, sl_err *err)
{
    int rc = SL_OK;
    sqlite3_stmt *st = NULL;
    int version = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = sl_err_set(err, SL_EIO, "read schema version: %s", sqlite3_errmsg(db));
        goto out;
    }
    version = sqlite3_column_int(st, 0);
    for (int i = version; list[i].name != NULL; i++) {
        char *msg = NULL;
        char bump[64];
        (void)snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", i + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, list[i].sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            rc = sl_err_set(err, SL_EIO, "migration %s: %s", list[i].name,
                            msg != NULL ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
    }
out:
    sqlite3_finalize(st);
    return rc;
}

/* Any constant will do, as long as every sluice uses the same one: "sluice" in ASCII. */
#define PG_MIGRATE_LOCK "126909663503205"

static int pg_apply(void *conn, sl_migrate_exec_fn exec, const sl_migration *m, int version,
                    sl_err *err)
{
    char ver[16];
    (void)snprintf(ver, sizeof(ver), "%d", version);
    const char *params[] = {ver, m->name};
    int rc = exec(conn, "BEGIN", NULL, 0, NULL, err);
    if (rc == SL_OK) {
        rc = exec(conn, m->sql, NULL, 0, NULL, err);
    }
    if (rc == SL_OK) {
        rc =
            exec(conn,
                 "INSERT INTO schema_migrations(version, name, applied_ms) "
                 "VALUES ($1::integer, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                 params, 2, NULL, err);
    }
    if (rc == SL_OK) {
        rc = exec(conn, "COMMIT", NULL, 0, NULL, err);
    }
    if (rc != SL_OK) {
        sl_err local;
        (void)exec(conn, "ROLLBACK", NULL, 0, NULL, &local);
        if (err != NULL) {
            char msg[sizeof(err->msg)];
            (void)snprintf(msg, sizeof(msg), "%s", err->msg);
            (void)sl_err_set(err, rc, "migration %s: %s", m->name, msg);
        }
    }
    return rc;
}

int sl_migrate_postgres(void *conn, sl_migrate_exec_fn exec, const sl_migration *list, sl_err *err)
{
    const char *key[] = {PG_MIGRATE_LOCK};
    char *done = NULL;
    int rc = exec(conn, "SELECT pg_advisory_lock($1::bigint)", key, 1, NULL, err);
    if (rc != SL_OK) {
        return rc;
    }
    /* Under the lock: CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin. */
    rc = exec(conn,
              "CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version    INTEGER PRIMARY KEY,"
              " name       TEXT    NOT NULL,"
              " applied_ms BIGINT  NOT NULL)",
              NULL, 0, NULL, err);
    if (rc == SL_OK) {
        rc = exec(conn, "SELECT coalesce(max(version), 0)::text FROM schema_migrations", NULL, 0,
                  &done, err);
    }
    int known = 0;
    while (list[known].name != NULL) {
        known++;
    }
    /* A database migrated by a newer sluice has more than we know: leave it be. */
    long version = done != NULL ? strtol(done, NULL, 10) : 0;
    for (int i = (int)version; rc == SL_OK && i < known; i++) {
        rc = pg_apply(conn, exec, &list[i], i + 1, err);
    }
    free(done);
    sl_err local;
    (void)exec(conn, "SELECT pg_advisory_unlock($1::bigint)", key, 1, NULL, &local);
    return rc;
}
