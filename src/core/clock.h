/* SPDX-License-Identifier: Apache-2.0 */
/* core/clock.h: wall and monotonic time, and the ISO-8601 form of the contract
 * (seconds always, fraction only when non-zero, Z for UTC). Thread-safe. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t sl_now_ms(void); /* wall clock, Unix epoch milliseconds (plus the offset below) */
/* Shift sl_now_ms by `offset` ms: for tests of hourly run windows (SLUICE_CLOCK_OFFSET_MS),
 * set once at start before any thread reads the clock. */
void sl_clock_set_offset_ms(int64_t offset);
int64_t sl_mono_ns(void); /* monotonic nanoseconds, for durations */
void sl_sleep_ms(int ms); /* sleep, resuming after signals */

/* Format `ms` (Unix epoch milliseconds) as "2026-01-01T12:03:42Z" or "...42.123Z" into `out`
 * (at least 32 bytes). Returns `out`. */
char *sl_iso8601_ms(int64_t ms, char *out, size_t cap);

/* Read a time given by a user: epoch milliseconds (digits only) or ISO-8601
 * "2026-01-01T12:03:42Z", "...42.123+02:00", "2026-01-01" (midnight UTC). False when it is
 * neither. */
bool sl_parse_time(const char *text, int64_t *ms);

#endif
