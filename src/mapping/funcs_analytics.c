/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_analytics.c: the analytics functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_analytics[] = {
    {0},
};
