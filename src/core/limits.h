/* SPDX-License-Identifier: Apache-2.0 */
/* core/limits.h: bounds on everything a request can make sluice allocate or walk.
 * Each limit has a test in tests/unit or tests/integration. */
#ifndef SL_LIMITS_H
#define SL_LIMITS_H

#define SL_MAX_BODY_BYTES_DEFAULT 1048576 /* collect body; --max-body-bytes overrides */
#define SL_MAX_BODY_BYTES_CEILING (64 * 1048576)
#define SL_MAX_JSON_DEPTH         64   /* nesting of a collected event */
#define SL_MAX_SIGNING_KEYS       16   /* keys active at once on one source (rotation) */
#define SL_MAX_SIGNING_KEY_BYTES  256  /* one Customer.io signing key */
#define SL_MAX_CIO_TIMESTAMP_LEN  32   /* X-CIO-Timestamp header */
#define SL_MAX_BATCH_MESSAGES     1000 /* messages in one /collection/batch request */
#define SL_MAX_MSG_ID             128 /* an event_id used as JetStream message id (longer: xaction id) */
#define SL_MAX_ADMIN_BODY_BYTES   (4 * 1048576)
#define SL_MAX_PREVIEW_ROWS       100
#define SL_MAX_CONFIG_BYTES       1048576
#define SL_MAX_EXPR_LEN           4096   /* bytes of one Data Prep expression (AEP's limit) */
#define SL_MAX_EXPR_DEPTH         64     /* expression nesting: tree height, parser recursion */
#define SL_MAX_EVAL_STEPS         100000 /* nodes evaluated (lambda calls too) per evaluation */
#define SL_MAX_EVAL_BYTES         (16 * 1048576) /* arena bytes one evaluation may allocate */
#define SL_MAX_MAPPING_PATH_SEGS  32    /* segments of a mapping source or destination path */
#define SL_MAX_MAPPING_INDEX      65535 /* [N] in a mapping path (a destination pads to it) */

#endif
