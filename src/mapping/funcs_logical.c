/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_logical.c: the "Logical operators" of the Data Prep catalogue: decode (a switch
 * over flattened key/value pairs) and iif (a conditional). Both take null arguments: a null key
 * can match a null option, and a null condition picks the false branch. */
#include "mapping/eval.h"
#include "mapping/func.h"

/* decode(KEY, k1, v1, k2, v2, ..., [DEFAULT]): the value after the first option key equal to
 * KEY (sl_val_equal: 1 equals 1.0, "1" does not equal 1, null equals null); else the trailing
 * default when the option count is odd; else null. */
static int fn_decode(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                     sl_err *err)
{
    (void)cx;
    (void)err;
    const sl_val *key = args[0];
    size_t nopt = nargs - 1;
    for (size_t i = 1; i + 1 < nargs; i += 2) {
        if (sl_val_equal(key, args[i])) {
            *out = args[i + 1];
            return SL_OK;
        }
    }
    *out = nopt % 2 == 1 ? args[nargs - 1] : sl_val_null();
    return SL_OK;
}

/* iif(EXPRESSION, TRUE_VALUE, FALSE_VALUE). The evaluator short-circuits iif and evaluates only
 * the chosen branch; called directly (both branches already computed) it picks one by the same
 * truth rule, sl__eval_truth. */
static int fn_iif(sl_fn_ctx *cx, const sl_val *const *args, size_t nargs, const sl_val **out,
                  sl_err *err)
{
    (void)cx;
    (void)nargs;
    (void)err;
    *out = sl__eval_truth(args[0]) ? args[1] : args[2];
    return SL_OK;
}

const sl_func sl_funcs_logical[] = {
    {
        .name = "decode",
        .category = "Logical operators",
        .min_args = 2,
        .max_args = SL_FN_VARIADIC,
        .impl = fn_decode,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "Object decode(Object, Object...)",
        .params = "KEY: the value to look up, compared with each option key by value (1 equals "
                  "1.0, the string \"1\" does not equal the number 1, null equals null); "
                  "OPTIONS: key/value pairs flattened into the argument list (k1, v1, k2, v2, "
                  "...), optionally followed by one default value",
        .return_type = "Object",
        .example = "decode(stateCode, \"ca\", \"California\", \"pa\", \"Pennsylvania\", \"N/A\")",
        .result = "\"California\" if stateCode==\"ca\"; \"Pennsylvania\" if \"pa\"; else \"N/A\"",
        .description = "Returns the value paired with the first option key equal to KEY, like "
                       "SQL DECODE or a switch. When no key matches, returns the trailing "
                       "default if the options end with one (an odd number of options), else "
                       "null. String keys match case-sensitively.",
    },
    {
        .name = "iif",
        .category = "Logical operators",
        .min_args = 3,
        .max_args = 3,
        .impl = fn_iif,
        .flags = SL_FN_TAKES_NULL,
        .syntax = "Object iif(Boolean, Object, Object)",
        .params = "EXPRESSION: the condition, read by the language's truth rule (null, false, 0, "
                  "0.0, the empty string, the false words n, no, off, false and their upper-case "
                  "forms, empty arrays and objects are false, anything else is true)"
                  "; TRUE_VALUE: returned when EXPRESSION is true"
                  "; FALSE_VALUE: returned when EXPRESSION is false",
        .return_type = "Object",
        .example = "iif(\"s\".equalsIgnoreCase(\"S\"), \"True\", \"False\")",
        .result = "\"True\"",
        .description = "Evaluates a boolean expression and returns TRUE_VALUE or FALSE_VALUE. Only "
                       "the chosen branch is evaluated, so an error in the other one raises no "
                       "warning. The condition follows the truth rule of the language's !, && "
                       "and ?: operators (JEXL's), so a missing field picks FALSE_VALUE.",
    },
    {0},
};
