/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_useragent.c: the useragent functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_useragent[] = {
    {0},
};
