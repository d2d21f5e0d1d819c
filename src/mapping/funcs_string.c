/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_string.c: the string functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_string[] = {
    {0},
};
