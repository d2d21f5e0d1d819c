/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_logical.c: the logical functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_logical[] = {
    {0},
};
