/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_array.c: the array functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_array[] = {
    {0},
};
