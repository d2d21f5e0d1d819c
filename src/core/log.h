/* SPDX-License-Identifier: Apache-2.0 */
/* core/log.h: one logfmt (or JSON) line per event on stderr. The level is checked before
 * formatting. Safe from any thread: each line is written with a single write(2).
 * core/ and mapping/ never log; they return errors. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stdbool.h>
#include <stdint.h>

struct sl_buf;

typedef enum sl_log_level {
    SL_LOG_LEVEL_ERROR = 0,
    SL_LOG_LEVEL_WARN,
    SL_LOG_LEVEL_INFO,
    SL_LOG_LEVEL_DEBUG,
    SL_LOG_LEVEL_TRACE,
} sl_log_level;

extern int sl_log_threshold; /* set once at start, before threads */

/* Name the calling thread (at most 15 characters shown) so `top -H` and `perf` tell the
 * landing writer, the processor and the checkpointers apart. */
void sl_thread_name(const char *name);

/* Parse "error".."trace" into `out`. Returns false for anything else. */
bool sl_log_level_parse(const char *name, sl_log_level *out);

/* Choose "text" (logfmt) or "json" output. Returns false for anything else. */
bool sl_log_format_set(const char *name);

/* Write one line. `fmt` is a message, optionally followed by " key=value" pairs: everything
 * before the first " key=" becomes msg="...". A value runs to the next " key=" (so it may hold
 * spaces); one the caller put in quotes loses them. Each value is written quoted and escaped
 * when it needs to be (logfmt), or as a JSON string. */
void sl_log_write(sl_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The line sl_log_write writes for `text` (the formatted message and pairs), appended to `b`. */
void sl_log_format(struct sl_buf *b, sl_log_level level, const char *module, const char *text,
                   int64_t ts_ms, bool json);

#define SL_LOG_AT(lvl, mod, ...)                                                                   \
    do {                                                                                           \
        if ((int)(lvl) <= sl_log_threshold) {                                                      \
            sl_log_write((lvl), (mod), __VA_ARGS__);                                               \
        }                                                                                          \
    } while (0)

#define SL_LOG_ERROR(mod, ...) SL_LOG_AT(SL_LOG_LEVEL_ERROR, mod, __VA_ARGS__)
#define SL_LOG_WARN(mod, ...)  SL_LOG_AT(SL_LOG_LEVEL_WARN, mod, __VA_ARGS__)
#define SL_LOG_INFO(mod, ...)  SL_LOG_AT(SL_LOG_LEVEL_INFO, mod, __VA_ARGS__)
#define SL_LOG_DEBUG(mod, ...) SL_LOG_AT(SL_LOG_LEVEL_DEBUG, mod, __VA_ARGS__)
#define SL_LOG_TRACE(mod, ...) SL_LOG_AT(SL_LOG_LEVEL_TRACE, mod, __VA_ARGS__)

#endif
