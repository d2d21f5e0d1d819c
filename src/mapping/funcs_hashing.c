/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_hashing.c: the hashing functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_hashing[] = {
    {0},
};
