/* SPDX-License-Identifier: Apache-2.0 */
/* store/migrate.h: numbered SQL migrations (src/store/sql/NNNN_*.sql), embedded at build time
 * and applied in order at open; PRAGMA user_version records how many have run. */
#ifndef SL_MIGRATE_H
#define SL_MIGRATE_H

#include "core/err.h"

#include <sqlite3.h>

typedef struct sl_migration {
    const char *name; /* file name, e.g. "0001_catalog.sql" */
    const char *sql;
} sl_migration;

/* The SQLite migrations, ending with a {NULL, NULL} entry. Generated. */
extern const sl_migration sl_sqlite_migrations[];

/* Apply every migration of `list` that `db` has not run yet, each in its own transaction. */
int sl_migrate_sqlite(sqlite3 *db, const sl_migration *list, sl_err *err);

#endif
