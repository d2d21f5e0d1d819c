/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/fn_harness.c: the catalogue-calling core shared by test_funcs_*.c. */
#include "fn_harness.h"

sl_arena *fn_arena;
sl_fn_ctx fn_cx;
sl_err fn_err;
const sl_val *fn_out;

int fn_setup(void **state)
{
    (void)state;
    fn_arena = sl_arena_create(0);
    memset(&fn_cx, 0, sizeof(fn_cx));
    fn_cx.arena = fn_arena;
    return 0;
}

int fn_teardown(void **state)
{
    (void)state;
    sl_arena_destroy(fn_arena);
    fn_arena = NULL;
    return 0;
}

int fn_invoke(const char *name, const sl_val *const *args, size_t n, const sl_val **out)
{
    const sl_func *f = sl_func_find(name, strlen(name));
    if (f == NULL) {
        print_error("no function %s\n", name);
        fail();
        return SL_EINVAL;
    }
    assert_true((int)n >= f->min_args);
    assert_true(f->max_args == SL_FN_VARIADIC || (int)n <= f->max_args);
    sl_err_clear(&fn_err);
    *out = NULL;
    if ((f->flags & SL_FN_TAKES_NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (sl_val_is_null(args[i])) {
                *out = sl_val_null();
                return SL_OK;
            }
        }
    }
    int rc = f->impl(&fn_cx, args, n, out, &fn_err);
    if (rc == SL_OK) {
        assert_non_null(*out);
    }
    return rc;
}
