/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/compile.h: turns a parsed expression into its compiled form by resolving the tree in
 * place: function names to catalogue rows (arity checked, unsupported rows refused), methods
 * and JEXL built-ins to their implementations, lambda parameters to frame slots. Internal to
 * mapping/; runs once per expression, before the tree is shared. */
#ifndef SL_MAPPING_COMPILE_H
#define SL_MAPPING_COMPILE_H

#include "mapping/ast.h"
#include "mapping/parse.h"

/* Resolve `root` (from sl__parse) in place. Every error goes to `diags` with its position;
 * parts that did not parse (ERROR nodes) are skipped. */
void sl__compile(sl_ast *root, sl_diags *diags);

#endif
