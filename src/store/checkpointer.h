/* SPDX-License-Identifier: Apache-2.0 */
/* store/checkpointer.h: WAL checkpoints of a SQLite file on a thread of their own. SQLite's
 * automatic checkpoint runs inside the COMMIT that crosses the threshold, so that commit waits
 * for pages to be copied and fsynced; for the landing log that is an acknowledgement delayed,
 * for the store a processor batch delayed. The writer connection turns automatic checkpoints
 * off and this thread runs passive ones instead: they never block writers or readers. */
#ifndef SL_CHECKPOINTER_H
#define SL_CHECKPOINTER_H

#include "core/err.h"

#include <sqlite3.h>

typedef struct sl_checkpointer sl_checkpointer;

/* Start checkpointing `path` every `interval_ms` on a connection of its own. Returns an owned
 * handle (release with sl_checkpointer_stop) or NULL with `err` set. */
sl_checkpointer *sl_checkpointer_start(const char *path, int interval_ms, sl_err *err);

/* Run one last checkpoint, stop the thread, close. NULL is a no-op. */
void sl_checkpointer_stop(sl_checkpointer *c);

/* On the writer's connection: count the WAL frames after each commit into `*frames` (which
 * must outlive the connection). Replaces SQLite's automatic checkpoint hook. */
void sl_checkpointer_watch(sqlite3 *writer, int *frames);

/* Called by the writer thread between transactions: when the WAL has grown large, checkpoint
 * with RESTART so the next commit starts the file over. */
void sl_checkpointer_rewind_if_large(sqlite3 *writer, int *frames);

#endif
