/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/funcs_aggregation.c: the aggregation functions of the Data Prep catalogue. */
#include "mapping/func.h"

const sl_func sl_funcs_aggregation[] = {
    {0},
};
