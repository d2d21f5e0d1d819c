/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_monitor_params.c: what the monitoring API reads from users: times (replay from/to,
 * diagnostics since), an alert subscription's rules, and the UTF-8 repair applied to raw bodies
 * kept in error diagnostics. Must never crash or leak; the repaired text must be valid UTF-8
 * without NULs; a normalised rule list must normalise again to itself. */
#include "alerts/alerts.h"
#include "core/clock.h"
#include "core/str.h"
#include "pipeline/diag.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t ms = 0;
    (void)sl_parse_time(text, &ms);

    sl_buf clean = {0};
    sl_utf8_sanitize((const char *)data, size, &clean);
    if (!sl_utf8_valid(sl_buf_cstr(&clean), clean.len) ||
        memchr(sl_buf_cstr(&clean), '\0', clean.len) != NULL) {
        abort();
    }
    sl_buf_fini(&clean);

    json_object *sub = json_tokener_parse(text);
    if (sub != NULL && json_object_is_type(sub, json_type_object)) {
        sl_err err;
        sl_err_clear(&err);
        if (sl_alert_rules_normalise(sub, &err) == SL_OK) {
            json_object *rules = NULL;
            (void)json_object_object_get_ex(sub, "rules", &rules);
            json_object *before = NULL;
            (void)json_object_deep_copy(rules, &before, NULL);
            if (sl_alert_rules_normalise(sub, &err) != SL_OK) {
                abort();
            }
            (void)json_object_object_get_ex(sub, "rules", &rules);
            if (!json_object_equal(before, rules)) {
                abort();
            }
            json_object_put(before);
        }
    }
    json_object_put(sub);
    free(text);
    return 0;
}
