/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/datetime.h: reading a date-time from text the way Data Prep's date(text) does:
 * ISO-8601 first, then AEP's ordered list of patterns (aep-api.md §3.5), first match wins.
 * Used by date() and, through schema coercion, when a string is mapped to a date-time field.
 * Pure (ICU); safe from any thread. */
#ifndef SL_MAPPING_DATETIME_H
#define SL_MAPPING_DATETIME_H

#include "mapping/value.h"

#include <stdbool.h>
#include <stddef.h>

/* Parse `len` bytes of `text`. A text without a zone is UTC. Returns false when no pattern
 * matches. */
bool sl_datetime_from_text(const char *text, size_t len, sl_datetime *out);

/* The same, written as ISO-8601 (the contract's form) into `iso` (at least 40 bytes): the
 * shape schema coercion takes (sl_schema_set_date_parser). */
bool sl_datetime_text_to_iso(const char *text, size_t len, char *iso, size_t cap);

#endif
