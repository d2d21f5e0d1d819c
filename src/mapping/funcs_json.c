/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_json.c: the json functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_json[] = {
    {0},
};
