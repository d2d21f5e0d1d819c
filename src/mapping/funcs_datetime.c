/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_datetime.c: the datetime functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_datetime[] = {
    {0},
};
