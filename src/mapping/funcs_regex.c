/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_regex.c: the regex functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_regex[] = {
    {0},
};
