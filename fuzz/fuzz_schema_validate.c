/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz/fuzz_schema_validate.c: record validation (sl_schema_validate) on arbitrary JSON: its
 * hand-written format checks (date-time, date, email, uri, uuid), numeric comparisons, length
 * counting, pointer escaping and message cutting. The input is validated against a fixed
 * schema that uses every keyword; an input {"schema": S, "record": R} also compiles S and
 * validates R against it, so malformed schemas reach the compiler. */
#include "core/json.h"
#include "core/limits.h"
#include "core/str.h"
#include "schema/schema.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_schema[] =
    "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
    "\"id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":8},"
    "\"ts\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"day\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"email\":{\"type\":\"string\",\"format\":\"email\",\"pattern\":\"^[^@]+@(a+)+[.]com$\"},"
    "\"code\":{\"type\":\"string\",\"pattern\":\"^(a+)+$\"},"
    "\"uri\":{\"type\":\"string\",\"format\":\"uri\"},"
    "\"ref\":{\"type\":\"string\",\"format\":\"uri-reference\"},"
    "\"uuid\":{\"type\":\"string\",\"format\":\"uuid\"},"
    "\"b\":{\"type\":\"integer\",\"meta:xdmType\":\"byte\",\"enum\":[1,2.0,-128]},"
    "\"n\":{\"type\":\"number\",\"minimum\":-1.5,\"exclusiveMaximum\":9007199254740993},"
    "\"l\":{\"type\":\"integer\",\"meta:xdmType\":\"long\",\"exclusiveMinimum\":-5},"
    "\"kind\":{\"enum\":[\"a\",null,{\"x\":[1,\"y\"]},[true]]},"
    "\"tags\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":4,"
    "\"items\":{\"type\":[\"string\",\"null\"],\"maxLength\":3}},"
    "\"a/b~c\":{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"~/\"],"
    "\"properties\":{\"~/\":{\"type\":\"boolean\"},"
    "\"deep\":{\"type\":\"object\",\"properties\":{\"deeper\":{\"type\":\"array\","
    "\"items\":{\"type\":\"object\",\"required\":[\"z\"]}}}}}},"
    "\"map\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\",\"format\":\"date\"}}}}}";

static void check_violations(const sl_violation *v, size_t written)
{
    for (size_t i = 0; i < written; i++) {
        const sl_violation *x = &v[i];
        if (memchr(x->keyword, '\0', sizeof(x->keyword)) == NULL ||
            memchr(x->message, '\0', sizeof(x->message)) == NULL ||
            memchr(x->pointer, '\0', sizeof(x->pointer)) == NULL ||
            memchr(x->schema_location, '\0', sizeof(x->schema_location)) == NULL) {
            abort();
        }
        if (x->keyword[0] == '\0' || x->message[0] == '\0' || x->pointer[0] != '#' ||
            x->schema_location[0] != '#') {
            abort();
        }
        /* The record and schema were valid UTF-8, so every cut text still is. */
        if (!sl_utf8_valid(x->message, strlen(x->message)) ||
            !sl_utf8_valid(x->pointer, strlen(x->pointer)) ||
            !sl_utf8_valid(x->schema_location, strlen(x->schema_location))) {
            abort();
        }
    }
}

static void validate(const sl_schema *s, json_object *rec)
{
    sl_violation v[SL_VIOLATIONS_MAX + 1];
    memset(v, 0x5A, sizeof(v));
    size_t n = sl_schema_validate(s, rec, v, SL_VIOLATIONS_MAX);
    /* Never writes past max; counts the same however many it may describe. */
    for (size_t i = 0; i < sizeof(v[SL_VIOLATIONS_MAX]); i++) {
        if (((const unsigned char *)&v[SL_VIOLATIONS_MAX])[i] != 0x5A) {
            abort();
        }
    }
    check_violations(v, n < SL_VIOLATIONS_MAX ? n : SL_VIOLATIONS_MAX);
    if (sl_schema_validate(s, rec, NULL, 0) != n) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sl_schema *fixed;
    if (fixed == NULL) {
        json_object *doc = NULL;
        sl_str text = {fixed_schema, sizeof(fixed_schema) - 1};
        if (sl_json_parse(text, SL_MAX_JSON_DEPTH, &doc, NULL) != SL_OK ||
            sl_schema_compile(doc, &fixed, NULL) != SL_OK) {
            abort();
        }
        json_object_put(doc);
    }
    json_object *rec = NULL;
    sl_str body = {(const char *)data, size};
    if (sl_json_parse(body, SL_MAX_JSON_DEPTH, &rec, NULL) != SL_OK) {
        return 0;
    }
    validate(fixed, rec);
    json_object *schema_doc = NULL;
    json_object *inner = NULL;
    if (json_object_object_get_ex(rec, "schema", &schema_doc) &&
        json_object_object_get_ex(rec, "record", &inner)) {
        sl_schema *s = NULL;
        sl_err err;
        sl_err_clear(&err);
        int rc = sl_schema_compile(schema_doc, &s, &err);
        if ((rc == SL_OK) != (s != NULL) || memchr(err.msg, '\0', sizeof(err.msg)) == NULL) {
            abort();
        }
        if (s != NULL) {
            validate(s, inner);
        }
        sl_schema_destroy(s);
    }
    json_object_put(rec);
    return 0;
}
