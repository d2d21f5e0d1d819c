/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_conversion.c: the conversion functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_conversion[] = {
    {0},
};
