/* SPDX-License-Identifier: Apache-2.0 */
/* store/migrate.h: numbered SQL migrations (src/store/sql/<backend>/NNNN_*.sql), embedded at
 * build time and applied in order when a backend opens the store. SQLite records progress in
 * PRAGMA user_version, PostgreSQL in a schema_migrations table. Called from the backends' open
 * functions only, on the thread that opens the store. */
#ifndef SL_MIGRATE_H
#define SL_MIGRATE_H

#include "core/err.h"

#include <sqlite3.h>

typedef struct sl_migration {
    const char *name; /* file name, e.g. "0001_catalog.sql" */
    const char *sql;
} sl_migration;

/* The migrations of each backend, ending with a {NULL, NULL} entry. Generated. */
extern const sl_migration sl_sqlite_migrations[];
extern const sl_migration sl_postgres_migrations[];

/* Apply every migration of `list` that `db` has not run yet, each in its own transaction. */
int sl_migrate_sqlite(sqlite3 *db, const sl_migration *list, sl_err *err);

/* How the PostgreSQL runner reaches its connection. migrate.c does not link libpq (the
 * PostgreSQL backend is optional and only postgres.c may depend on it), so the backend passes
 * this. Run `sql` on `conn`: with `nparams` == 0 it may hold several statements; otherwise it
 * is one statement with text parameters $1..$nparams. When `value_out` is not NULL, set it to
 * the first column of the first row as a heap string (release with free), or NULL when there
 * is no row or the value is NULL. Returns SL_OK or an error with the server's message. */
typedef int (*sl_migrate_exec_fn)(void *conn, const char *sql, const char *const *params,
                                  int nparams, char **value_out, sl_err *err);

/* Apply every migration of `list` that the database behind `conn` has not run yet, each in its
 * own transaction, recording them in schema_migrations. Holds a session advisory lock while
 * it runs, so nodes starting at the same time migrate one after the other. */
int sl_migrate_postgres(void *conn, sl_migrate_exec_fn exec, const sl_migration *list, sl_err *err);

#endif
