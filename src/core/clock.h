/* SPDX-License-Identifier: Apache-2.0 */
/* core/clock.h: wall and monotonic time, and the ISO-8601 form of the contract
 * (seconds always, fraction only when non-zero, Z for UTC). Thread-safe. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t sl_now_ms(void);  /* wall clock, Unix epoch milliseconds */
int64_t sl_mono_ns(void); /* monotonic nanoseconds, for durations */
void sl_sleep_ms(int ms); /* sleep, resuming after signals */

/* Format `ms` (Unix epoch milliseconds) as "2026-01-01T12:03:42Z" or "...42.123Z" into `out`
 * (at least 32 bytes). Returns `out`. */
char *sl_iso8601_ms(int64_t ms, char *out, size_t cap);

#endif
