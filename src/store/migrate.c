/* SPDX-License-Identifier: Apache-2.0 */
#include "store/migrate.h"

#include <stdio.h>

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
