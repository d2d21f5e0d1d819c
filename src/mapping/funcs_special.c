/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_special.c: the special functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_special[] = {
    {0},
};
