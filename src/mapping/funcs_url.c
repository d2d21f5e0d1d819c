/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_url.c: the url functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_url[] = {
    {0},
};
