/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_map.c: the map functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_map[] = {
    {0},
};
