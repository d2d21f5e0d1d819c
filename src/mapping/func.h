/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/func.h: the Data Prep function catalogue. One table of rows (name, category, arity,
 * implementation, documentation) serves the evaluator and GET /languages/el/functions alike.
 * Each category lives in mapping/funcs_<category>.c and exports its rows; mapping/funcs.c joins
 * them. Implementations are pure except now(), timestamp() and uuid(); no I/O; safe from any
 * thread (all state is in the context). */
#ifndef SL_FUNC_H
#define SL_FUNC_H

#include "core/err.h"
#include "mapping/value.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sl_fn_ctx sl_fn_ctx;

/* What an implementation may use. The evaluator fills it. */
struct sl_fn_ctx {
    sl_arena *arena; /* where results are built */
    int64_t now_ms;  /* the record's "now", fixed while one record is mapped */
    /* Call a lambda argument (`x -> x > 0`) with `nargs` arguments. */
    int (*call_lambda)(sl_fn_ctx *cx, const sl_val *lambda, const sl_val *const *args, size_t nargs,
                       const sl_val **out, sl_err *err);
    void *evaluator; /* for call_lambda */
};

/* An implementation: `args` borrowed (never NULL pointers: absent values are null), result in
 * `*out` (a value in cx->arena, an argument, or a singleton). A runtime error returns SL_EINVAL
 * with a message that names the function and says what was wrong ("substr: START_INDEX must be
 * an integer, not \"x\""); the evaluator then nulls the destination and records a warning. */
typedef int (*sl_fn)(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err);

enum {
    /* Receives null arguments. Without it, a call with any null argument is null and the
     * implementation is not called (the language's rule for null inputs). */
    SL_FN_TAKES_NULL = 1u << 0,
    /* Not pure: now(), timestamp(), uuid(). */
    SL_FN_VOLATILE = 1u << 1,
    /* Takes a lambda argument (filterArray, transformArray). */
    SL_FN_LAMBDA = 1u << 2,
    /* Refused at compile time with `description` as the reason (fpid_to_ecid). */
    SL_FN_UNSUPPORTED = 1u << 3,
    /* Asks about the input record (contains_key): the evaluator passes the record as a hidden
     * first argument, before the ones written in the call. */
    SL_FN_RECORD = 1u << 4,
};

#define SL_FN_VARIADIC (-1)

typedef struct sl_func {
    const char *name;     /* "concat" */
    const char *category; /* "String", "Regular expression", "Hashing", "URL", "Date and time",
                             "Hierarchies - Objects", "Hierarchies - Arrays", "Hierarchies - Map",
                             "Logical operators", "Aggregation", "Type conversions", "JSON",
                             "Special operations", "User agent", "Analytics" */
    int min_args;
    int max_args; /* SL_FN_VARIADIC for no upper bound */
    sl_fn impl;
    unsigned flags;
    const char *syntax;      /* "String concat(String...)" */
    const char *params;      /* "STRING: the strings to join; ..." */
    const char *return_type; /* "String", "Integer", "Boolean", "ZonedDateTime", "Object", ... */
    const char *example;     /* "concat(\"Hi, \", \"there\", \"!\")" */
    const char *result;      /* "\"Hi, there!\"" */
    const char *description;
} sl_func;

/* The row named `name` (exact, case-sensitive), or NULL. */
const sl_func *sl_func_find(const char *name, size_t len);
/* Every row, in catalogue order. */
size_t sl_func_count(void);
const sl_func *sl_func_at(size_t i);

/* Family tables, each ending with a row whose name is NULL. */
extern const sl_func sl_funcs_string[];
extern const sl_func sl_funcs_regex[];
extern const sl_func sl_funcs_hashing[];
extern const sl_func sl_funcs_url[];
extern const sl_func sl_funcs_datetime[];
extern const sl_func sl_funcs_object[];
extern const sl_func sl_funcs_array[];
extern const sl_func sl_funcs_map[];
extern const sl_func sl_funcs_logical[];
extern const sl_func sl_funcs_aggregation[];
extern const sl_func sl_funcs_conversion[];
extern const sl_func sl_funcs_json[];
extern const sl_func sl_funcs_special[];
extern const sl_func sl_funcs_useragent[];
extern const sl_func sl_funcs_analytics[];

/* Helpers for implementations. */
/* SL_EINVAL with "NAME: ..." as the message. */
int sl_fn_fail(sl_err *err, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The string view of argument `v` (scalars converted as sl_val_to_string does); NULL for null.
 * Lives in cx->arena. */
const sl_val *sl_fn_str(sl_fn_ctx *cx, const sl_val *v);
/* An integer argument (numbers, numeric strings); false with err set when it is not one. */
bool sl_fn_int(const sl_val *v, const char *fn, const char *param, int64_t *out, sl_err *err);

#endif
