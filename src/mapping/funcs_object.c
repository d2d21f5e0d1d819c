/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_object.c: the object functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_object[] = {
    {0},
};
