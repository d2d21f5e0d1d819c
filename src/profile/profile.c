/* SPDX-License-Identifier: Apache-2.0 */
#include "profile/profile.h"

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "schema/schema.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define IDS_MAX 32

void sl_profile_xid(const char *code, const char *value, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s:%s", code, value);
}

void sl_profile_entity_id(const char *root, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    (void)EVP_Digest(root, strlen(root), md, &n, EVP_sha256(), NULL);
    char hex[33];
    sl_hex_encode(md, 16, hex);
    (void)snprintf(out, cap, "sl%.32s", hex);
}

/* ---- ingest ------------------------------------------------------------------------------ */

typedef struct ident {
    char code[64];
    char *value; /* normalised, owned */
    char xid[600];
} ident;

static int collect_identities(json_object *record, sl_ns_canon_fn canon, void *ud, ident *ids,
                              int *n, sl_profile_outcome *out)
{
    json_object *map = NULL;
    *n = 0;
    if (!json_object_object_get_ex(record, "identityMap", &map) ||
        !json_object_is_type(map, json_type_object)) {
        return 0;
    }
    json_object_object_foreach(map, ns, list)
    {
        const char *code = canon != NULL ? canon(ud, ns) : ns;
        if (!json_object_is_type(list, json_type_array)) {
            continue;
        }
        size_t len = json_object_array_length(list);
        for (size_t i = 0; i < len; i++) {
            json_object *idv = NULL;
            json_object *e = json_object_array_get_idx(list, i);
            if (!json_object_object_get_ex(e, "id", &idv) ||
                !json_object_is_type(idv, json_type_string) ||
                json_object_get_string_len(idv) == 0) {
                continue;
            }
            if (code == NULL) {
                out->unknown_ns++;
                continue;
            }
            if (*n == IDS_MAX) {
                break;
            }
            char *v = sl_identity_normalise(code, json_object_get_string(idv));
            if (v[0] == '\0' || strlen(v) > 512) {
                free(v);
                continue;
            }
            bool dup = false;
            char xid[600];
            sl_profile_xid(code, v, xid, sizeof(xid));
            for (int k = 0; k < *n && !dup; k++) {
                dup = strcmp(ids[k].xid, xid) == 0;
            }
            if (dup) {
                free(v);
                continue;
            }
            ident *d = &ids[(*n)++];
            (void)snprintf(d->code, sizeof(d->code), "%s", code);
            d->value = v;
            (void)snprintf(d->xid, sizeof(d->xid), "%s", xid);
        }
    }
    return 0;
}

void sl_profile_lock_keys(json_object *record, sl_ns_canon_fn canon, void *canon_ud, sl_buf *keys)
{
    ident ids[IDS_MAX];
    int n = 0;
    sl_profile_outcome out;
    memset(&out, 0, sizeof(out));
    collect_identities(record, canon, canon_ud, ids, &n, &out);
    for (int i = 0; i < n; i++) {
        sl_buf_appendf(keys, "%s%c", ids[i].xid, SL_STORE_KEY_SEP);
        free(ids[i].value);
    }
}

static const char *row_str(json_object *row, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(row, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static int64_t row_int(json_object *row, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(row, key, &v) && v != NULL ? json_object_get_int64(v) : 0;
}

/* Merge graph `loser` into `winner`: members re-pointed, attributes combined (newest wins). */
static int merge_graphs(sl_store_tx *tx, const char *winner, const char *loser, sl_err *err)
{
    sl_sqlv args[] = {SL_SQL_S(winner), SL_SQL_S(loser)};
    int rc =
        sl_store_tx_exec(tx, "UPDATE id_nodes SET root = $1 WHERE root = $2", args, 2, NULL, err);
    if (rc == SL_OK) {
        rc = sl_store_tx_exec(
            tx,
            "INSERT INTO profile_attrs(root, dataset_id, path, value, ts_ms) "
            "SELECT $1, dataset_id, path, value, ts_ms FROM profile_attrs WHERE root = $2 "
            "ON CONFLICT (root, dataset_id, path) DO UPDATE SET "
            "value = CASE WHEN excluded.ts_ms >= profile_attrs.ts_ms THEN excluded.value "
            "ELSE profile_attrs.value END, "
            "ts_ms = CASE WHEN excluded.ts_ms >= profile_attrs.ts_ms THEN excluded.ts_ms "
            "ELSE profile_attrs.ts_ms END",
            args, 2, NULL, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_tx_exec(tx, "DELETE FROM profile_attrs WHERE root = $2", args, 2, NULL, err);
    }
    return rc;
}

static int set_attr(sl_store_tx *tx, const char *root, const char *dataset, const char *path,
                    json_object *value, int64_t ts, sl_err *err)
{
    const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
    sl_sqlv args[] = {SL_SQL_S(root), SL_SQL_S(dataset), SL_SQL_S(path), SL_SQL_S(text),
                      SL_SQL_I(ts)};
    return sl_store_tx_exec(tx,
                            "INSERT INTO profile_attrs(root, dataset_id, path, value, ts_ms) "
                            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (root, dataset_id, path) "
                            "DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms "
                            "WHERE excluded.ts_ms >= profile_attrs.ts_ms",
                            args, 5, NULL, err);
}

/* The attributes a record sets: every field of a Profile record but its system fields; for a
 * Customer.io `customer` event, its identities, subscription state and preferences. */
static int record_attrs(sl_store_tx *tx, const char *root, const char *dataset, json_object *rec,
                        bool profile_class, int64_t ts, bool *set, sl_err *err)
{
    int rc = SL_OK;
    if (profile_class) {
        json_object_object_foreach(rec, key, val)
        {
            if (strcmp(key, "_id") == 0 || strcmp(key, "identityMap") == 0 ||
                strcmp(key, "timestamp") == 0 || strcmp(key, "event_id") == 0 || val == NULL) {
                continue;
            }
            if ((rc = set_attr(tx, root, dataset, key, val, ts, err)) != SL_OK) {
                return rc;
            }
            *set = true;
        }
        return SL_OK;
    }
    const char *type = row_str(rec, "object_type");
    if (type == NULL || strcmp(type, "customer") != 0) {
        return SL_OK;
    }
    static const struct {
        const char *field, *attr;
    } idf[] = {{"email", "email"}, {"id", "customerId"}, {"cio_id", "cioId"}};
    for (size_t i = 0; i < sizeof(idf) / sizeof(idf[0]) && rc == SL_OK; i++) {
        json_object *v = NULL;
        if (json_object_object_get_ex(rec, idf[i].field, &v) && v != NULL) {
            rc = set_attr(tx, root, dataset, idf[i].attr, v, ts, err);
            *set = true;
        }
    }
    const char *metric = row_str(rec, "metric");
    if (rc != SL_OK || metric == NULL) {
        return rc;
    }
    if (strcmp(metric, "subscribed") == 0 || strcmp(metric, "unsubscribed") == 0) {
        bool sub = strcmp(metric, "subscribed") == 0;
        json_object *b = json_object_new_boolean(sub);
        rc = set_attr(tx, root, dataset, "subscribed", b, ts, err);
        json_object_put(b);
        *set = true;
    } else if (strcmp(metric, "cio_subscription_preferences_changed") == 0) {
        const char *content = row_str(rec, "content");
        json_object *prefs = content != NULL ? json_tokener_parse(content) : NULL;
        if (prefs == NULL && content != NULL) {
            prefs = json_object_new_string(content);
        }
        if (prefs != NULL) {
            rc = set_attr(tx, root, dataset, "subscriptionPreferences", prefs, ts, err);
            json_object_put(prefs);
            *set = true;
        }
    }
    return rc;
}

int sl_profile_ingest(sl_store_tx *tx, const char *dataset_id, const char *row_id,
                      json_object *record, bool profile_class, int64_t event_ms,
                      sl_ns_canon_fn canon, void *canon_ud, sl_profile_outcome *out, sl_err *err)
{
    memset(out, 0, sizeof(*out));
    ident ids[IDS_MAX];
    int n = 0;
    collect_identities(record, canon, canon_ud, ids, &n, out);
    out->identities = n;
    int rc = SL_OK;
    if (n == 0) {
        return SL_OK;
    }
    /* Every identity gets its node (a graph of its own when new). */
    for (int i = 0; i < n && rc == SL_OK; i++) {
        sl_sqlv args[] = {SL_SQL_S(ids[i].xid), SL_SQL_S(ids[i].code), SL_SQL_S(ids[i].value),
                          SL_SQL_I(event_ms)};
        rc = sl_store_tx_exec(tx,
                              "INSERT INTO id_nodes(xid, ns, value, root, first_ms, last_ms) "
                              "VALUES ($1, $2, $3, $1, $4, $4) ON CONFLICT (xid) DO UPDATE SET "
                              "first_ms = CASE WHEN excluded.first_ms < id_nodes.first_ms THEN "
                              "excluded.first_ms ELSE id_nodes.first_ms END, "
                              "last_ms = CASE WHEN excluded.last_ms > id_nodes.last_ms THEN "
                              "excluded.last_ms ELSE id_nodes.last_ms END",
                              args, 4, NULL, err);
    }
    /* The distinct graphs they are in, with their sizes, biggest first: one query. */
    char roots[IDS_MAX][600];
    int64_t sizes[IDS_MAX];
    int nroots = 0;
    char primary_root[600] = "";
    if (rc == SL_OK) {
        char sql[1024];
        size_t len = (size_t)snprintf(sql, sizeof(sql),
                                      "SELECT n.xid AS xid, n.root AS root, (SELECT count(*) FROM "
                                      "id_nodes m WHERE m.root = n.root) AS size FROM id_nodes n "
                                      "WHERE n.xid IN (");
        sl_sqlv args[IDS_MAX];
        for (int i = 0; i < n; i++) {
            len +=
                (size_t)snprintf(sql + len, sizeof(sql) - len, "%s$%d", i > 0 ? ", " : "", i + 1);
            args[i] = SL_SQL_S(ids[i].xid);
        }
        (void)snprintf(sql + len, sizeof(sql) - len, ")");
        json_object *rows = NULL;
        rc = sl_store_query_tx(tx, sql, args, n, &rows, err);
        size_t nrows = rc == SL_OK ? json_object_array_length(rows) : 0;
        for (size_t r = 0; r < nrows; r++) {
            json_object *row = json_object_array_get_idx(rows, r);
            const char *root = row_str(row, "root");
            const char *xid = row_str(row, "xid");
            if (root == NULL || xid == NULL) {
                continue;
            }
            if (strcmp(xid, ids[0].xid) == 0) {
                (void)snprintf(primary_root, sizeof(primary_root), "%s", root);
            }
            bool seen = false;
            for (int k = 0; k < nroots && !seen; k++) {
                seen = strcmp(roots[k], root) == 0;
            }
            if (!seen) {
                (void)snprintf(roots[nroots], sizeof(roots[0]), "%s", root);
                sizes[nroots++] = row_int(row, "size");
            }
        }
        json_object_put(rows);
    }
    for (int i = 1; i < nroots; i++) {
        for (int k = i; k > 0 && (sizes[k] > sizes[k - 1] ||
                                  (sizes[k] == sizes[k - 1] && strcmp(roots[k], roots[k - 1]) < 0));
             k--) {
            char tmp[600];
            int64_t ts = sizes[k];
            memcpy(tmp, roots[k], sizeof(tmp));
            memcpy(roots[k], roots[k - 1], sizeof(tmp));
            memcpy(roots[k - 1], tmp, sizeof(tmp));
            sizes[k] = sizes[k - 1];
            sizes[k - 1] = ts;
        }
    }
    /* Link them into the biggest, as long as the merged graph stays within SL_GRAPH_MAX. The
     * record belongs to the graph of its primary identity (the first one): the biggest when
     * that one was merged into it. */
    char root[600] = "";
    (void)snprintf(root, sizeof(root), "%s", primary_root);
    int64_t total = nroots > 0 ? sizes[0] : 0;
    for (int i = 1; i < nroots && rc == SL_OK; i++) {
        if (total + sizes[i] > SL_GRAPH_MAX) {
            out->over_limit = true;
            continue;
        }
        rc = merge_graphs(tx, roots[0], roots[i], err);
        total += sizes[i];
        if (strcmp(root, roots[i]) == 0) {
            (void)snprintf(root, sizeof(root), "%s", roots[0]);
        }
    }
    if (rc == SL_OK && root[0] != '\0') {
        rc = record_attrs(tx, root, dataset_id, record, profile_class, event_ms, &out->attributes,
                          err);
    }
    if (rc == SL_OK && !profile_class) {
        sl_sqlv args[] = {SL_SQL_S(dataset_id), SL_SQL_S(row_id), SL_SQL_S(ids[0].xid),
                          SL_SQL_I(event_ms)};
        rc = sl_store_tx_exec(tx,
                              "INSERT INTO profile_events(dataset_id, row_id, xid, ts_ms) "
                              "VALUES ($1, $2, $3, $4) ON CONFLICT (dataset_id, row_id) DO UPDATE "
                              "SET xid = excluded.xid, ts_ms = excluded.ts_ms",
                              args, 4, NULL, err);
    }
    for (int i = 0; i < n; i++) {
        free(ids[i].value);
    }
    return rc;
}

/* ---- reads ------------------------------------------------------------------------------- */

int sl_profile_root(sl_store *st, const char *code, const char *value, char **root, sl_err *err)
{
    char *v = sl_identity_normalise(code, value);
    char xid[600];
    sl_profile_xid(code, v, xid, sizeof(xid));
    free(v);
    json_object *rows = NULL;
    sl_sqlv args[] = {SL_SQL_S(xid)};
    int rc = sl_store_query(st, "SELECT root FROM id_nodes WHERE xid = $1", args, 1, &rows, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *row = json_object_array_get_idx(rows, 0);
    if (row == NULL) {
        json_object_put(rows);
        return sl_err_set(err, SL_ENOTFOUND, "no profile has the identity %s", xid);
    }
    *root = sl_xstrdup(row_str(row, "root"));
    json_object_put(rows);
    return SL_OK;
}

int sl_profile_members(sl_store *st, const char *root, json_object **out, sl_err *err)
{
    json_object *rows = NULL;
    sl_sqlv args[] = {SL_SQL_S(root)};
    int rc = sl_store_query(st,
                            "SELECT ns, value, first_ms, last_ms FROM id_nodes WHERE root = $1 "
                            "ORDER BY first_ms, xid",
                            args, 1, &rows, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *arr = json_object_new_array();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(row_str(row, "value")));
        json_object *ns = json_object_new_object();
        json_object_object_add(ns, "code", json_object_new_string(row_str(row, "ns")));
        json_object_object_add(o, "namespace", ns);
        json_object_object_add(o, "firstSeenMs", json_object_new_int64(row_int(row, "first_ms")));
        json_object_object_add(o, "lastSeenMs", json_object_new_int64(row_int(row, "last_ms")));
        json_object_array_add(arr, o);
    }
    json_object_put(rows);
    *out = arr;
    return SL_OK;
}

/* Position of `dataset` in a dataSetPrecedence order (lower wins), or a large number. */
static size_t precedence(json_object *order, const char *dataset)
{
    size_t n = order != NULL ? json_object_array_length(order) : 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(json_object_get_string(json_object_array_get_idx(order, i)), dataset) == 0) {
            return i;
        }
    }
    return (size_t)-1;
}

int sl_profile_entity(sl_store *st, const char *root, json_object *policy, json_object **out,
                      sl_err *err)
{
    json_object *members = NULL;
    json_object *rows = NULL;
    int rc = sl_profile_members(st, root, &members, err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_sqlv args[] = {SL_SQL_S(root)};
    if ((rc = sl_store_query(st,
                             "SELECT dataset_id, path, value, ts_ms FROM profile_attrs WHERE "
                             "root = $1 ORDER BY path, ts_ms DESC, dataset_id",
                             args, 1, &rows, err)) != SL_OK) {
        json_object_put(members);
        return rc;
    }
    json_object *order = NULL;
    bool by_dataset = false;
    json_object *am = NULL, *t = NULL;
    if (policy != NULL && json_object_object_get_ex(policy, "attributeMerge", &am) &&
        json_object_object_get_ex(am, "type", &t) &&
        strcmp(json_object_get_string(t), "dataSetPrecedence") == 0) {
        by_dataset = true;
        (void)json_object_object_get_ex(am, "order", &order);
    }
    json_object *entity = json_object_new_object();
    json_object_object_add(entity, "identities", members);
    json_object *sources = json_object_new_array();
    int64_t last = 0;
    size_t n = json_object_array_length(rows);
    /* Rows come grouped by path, newest first: the first of a group wins, or for
     * dataSetPrecedence the one whose dataset comes first in the order. */
    for (size_t i = 0; i < n;) {
        json_object *row = json_object_array_get_idx(rows, i);
        const char *path = row_str(row, "path");
        json_object *best = row;
        size_t j = i + 1;
        for (; j < n; j++) {
            json_object *r2 = json_object_array_get_idx(rows, j);
            if (strcmp(row_str(r2, "path"), path) != 0) {
                break;
            }
            if (by_dataset && precedence(order, row_str(r2, "dataset_id")) <
                                  precedence(order, row_str(best, "dataset_id"))) {
                best = r2;
            }
        }
        json_object *v = json_tokener_parse(row_str(best, "value"));
        json_object_object_add(entity, path, v);
        int64_t ts = row_int(best, "ts_ms");
        last = ts > last ? ts : last;
        const char *ds = row_str(best, "dataset_id");
        bool have = false;
        for (size_t k = 0; k < json_object_array_length(sources) && !have; k++) {
            have = strcmp(json_object_get_string(json_object_array_get_idx(sources, k)), ds) == 0;
        }
        if (!have) {
            json_object_array_add(sources, json_object_new_string(ds));
        }
        i = j;
    }
    json_object_put(rows);
    size_t nm = json_object_array_length(members);
    for (size_t i = 0; i < nm; i++) {
        json_object *v = NULL;
        (void)json_object_object_get_ex(json_object_array_get_idx(members, i), "lastSeenMs", &v);
        int64_t ts = json_object_get_int64(v);
        last = ts > last ? ts : last;
    }
    char eid[40];
    char iso[40];
    sl_profile_entity_id(root, eid, sizeof(eid));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entityId", json_object_new_string(eid));
    json_object_object_add(o, "sources", sources);
    json_object_object_add(o, "entity", entity);
    json_object_object_add(o, "lastModifiedAt",
                           json_object_new_string(sl_iso8601_ms(last, iso, sizeof(iso))));
    *out = o;
    return SL_OK;
}

static bool valid_dataset(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 24) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)id[i]) || isupper((unsigned char)id[i])) {
            return false;
        }
    }
    return true;
}

int sl_profile_timeline(sl_store *st, const char *root, int64_t start_ms, int64_t end_ms, int limit,
                        bool ascending, json_object **out, sl_err *err)
{
    char sql[512];
    (void)snprintf(sql, sizeof(sql),
                   "SELECT e.dataset_id AS dataset_id, e.row_id AS row_id, e.ts_ms AS ts_ms "
                   "FROM profile_events e JOIN id_nodes n ON n.xid = e.xid WHERE n.root = $1 "
                   "AND e.ts_ms >= $2 AND e.ts_ms <= $3 ORDER BY e.ts_ms %s, e.row_id LIMIT $4",
                   ascending ? "ASC" : "DESC");
    sl_sqlv args[] = {SL_SQL_S(root), SL_SQL_I(start_ms), SL_SQL_I(end_ms > 0 ? end_ms : INT64_MAX),
                      SL_SQL_I(limit)};
    json_object *rows = NULL;
    int rc = sl_store_query(st, sql, args, 4, &rows, err);
    if (rc != SL_OK) {
        return rc;
    }
    json_object *arr = json_object_new_array();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n && rc == SL_OK; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        const char *ds = row_str(row, "dataset_id");
        if (ds == NULL || !valid_dataset(ds)) {
            continue;
        }
        char q[128];
        (void)snprintf(q, sizeof(q), "SELECT record FROM ds_%s WHERE _id = $1", ds);
        json_object *recs = NULL;
        sl_sqlv rargs[] = {SL_SQL_S(row_str(row, "row_id"))};
        sl_err local;
        sl_err_clear(&local);
        if (sl_store_query(st, q, rargs, 1, &recs, &local) != SL_OK) {
            continue; /* the dataset is gone */
        }
        json_object *rec = json_object_array_get_idx(recs, 0);
        if (rec != NULL) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "entityId", json_object_new_string(row_str(row, "row_id")));
            json_object_object_add(o, "datasetId", json_object_new_string(ds));
            json_object_object_add(o, "timestamp", json_object_new_int64(row_int(row, "ts_ms")));
            json_object_object_add(o, "entity", json_tokener_parse(row_str(rec, "record")));
            json_object_array_add(arr, o);
        }
        json_object_put(recs);
    }
    json_object_put(rows);
    *out = arr;
    return SL_OK;
}

/* ---- privacy delete ---------------------------------------------------------------------- */

typedef struct person {
    char code[SL_GRAPH_MAX + 1][64];
    char *value[SL_GRAPH_MAX + 1];
    int n;
} person;

static bool person_has(const person *p, const char *code, const char *value)
{
    for (int i = 0; i < p->n; i++) {
        if (strcasecmp(p->code[i], code) == 0) {
            bool email = strcasecmp(code, "Email") == 0;
            if (email ? strcasecmp(p->value[i], value) == 0 : strcmp(p->value[i], value) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* A dataset record belongs to the person when its identityMap holds one of their identities. */
static bool record_is_theirs(const person *p, json_object *rec)
{
    json_object *map = NULL;
    if (!json_object_object_get_ex(rec, "identityMap", &map) ||
        !json_object_is_type(map, json_type_object)) {
        return false;
    }
    json_object_object_foreach(map, ns, list)
    {
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *id = NULL;
            if (json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &id) &&
                json_object_is_type(id, json_type_string)) {
                char *v = sl_identity_normalise(ns, json_object_get_string(id));
                bool hit = person_has(p, ns, v);
                free(v);
                if (hit) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* Any string anywhere equal to one of the person's emails (case-insensitive, trimmed). */
static bool mentions_email(const person *p, json_object *v, int depth)
{
    if (depth > 64 || v == NULL) {
        return false;
    }
    if (json_object_is_type(v, json_type_string)) {
        char *norm = sl_identity_normalise("Email", json_object_get_string(v));
        bool hit = person_has(p, "Email", norm);
        free(norm);
        return hit;
    }
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, child)
        {
            (void)k;
            if (mentions_email(p, child, depth + 1)) {
                return true;
            }
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            if (mentions_email(p, json_object_array_get_idx(v, i), depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

/* A raw Customer.io event (or any JSON) belongs to the person when its identifier fields hold one
 * of their identities or any value is their email. Unreadable text matches on the bytes. */
static bool raw_is_theirs(const person *p, const char *text, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(64);
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    json_tokener_free(tok);
    if (o == NULL) {
        for (int i = 0; i < p->n; i++) {
            if (strstr(text, p->value[i]) != NULL) {
                return true; /* not JSON: the candidate matched on these bytes */
            }
        }
        return false;
    }
    bool hit = mentions_email(p, o, 0) || record_is_theirs(p, o);
    static const struct {
        const char *ptr, *code;
    } fields[] = {{"/data/identifiers/id", "CIOCustomerId"},
                  {"/data/identifiers/cio_id", "CIOID"},
                  {"/data/customer_id", "CIOCustomerId"},
                  {"/id", "CIOCustomerId"},
                  {"/cio_id", "CIOID"}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !hit; i++) {
        json_object *v = NULL;
        if (json_pointer_get(o, fields[i].ptr, &v) == 0 && v != NULL &&
            !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)) {
            hit = person_has(p, fields[i].code, json_object_get_string(v));
        }
    }
    json_object_put(o);
    return hit;
}

typedef struct raw_ctx {
    const person *p;
} raw_ctx;

static bool landing_confirm(void *ud, sl_str body)
{
    raw_ctx *c = ud;
    return raw_is_theirs(c->p, body.ptr, body.len);
}

/* "%value%" for LIKE, lower-cased, with % _ and \ escaped. */
static void like_pattern(const char *value, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '%';
    for (const char *s = value; *s != '\0' && n + 4 < cap; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') {
            out[n++] = '\\';
        }
        out[n++] = (char)tolower((unsigned char)*s);
    }
    out[n++] = '%';
    out[n] = '\0';
}

static int delete_matching(sl_store *st, const char *select, const char *del, const char *key,
                           const char *textcol, const person *p, bool as_record, int64_t *count,
                           sl_err *err)
{
    for (int i = 0; i < p->n; i++) {
        char pat[1200];
        like_pattern(p->value[i], pat, sizeof(pat));
        sl_sqlv args[] = {SL_SQL_S(pat)};
        json_object *rows = NULL;
        int rc = sl_store_query(st, select, args, 1, &rows, err);
        if (rc != SL_OK) {
            return rc;
        }
        size_t n = json_object_array_length(rows);
        for (size_t r = 0; r < n && rc == SL_OK; r++) {
            json_object *row = json_object_array_get_idx(rows, r);
            const char *text = row_str(row, textcol);
            if (text == NULL) {
                continue;
            }
            bool theirs = false;
            if (as_record) {
                json_object *rec = json_tokener_parse(text);
                theirs = rec != NULL && (record_is_theirs(p, rec) || mentions_email(p, rec, 0));
                json_object_put(rec);
            } else {
                theirs = raw_is_theirs(p, text, strlen(text));
            }
            if (!theirs) {
                continue;
            }
            json_object *kv = NULL;
            (void)json_object_object_get_ex(row, key, &kv);
            sl_sqlv dargs[] = {json_object_is_type(kv, json_type_int)
                                   ? SL_SQL_I(json_object_get_int64(kv))
                                   : SL_SQL_S(json_object_get_string(kv))};
            int64_t changes = 0;
            rc = sl_store_exec(st, del, dargs, 1, &changes, err);
            *count += changes;
        }
        json_object_put(rows);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

int sl_profile_delete(sl_store *st, sl_raw_erase_fn erase, void *log, json_object *datasets,
                      const char *code, const char *value, json_object **report, sl_err *err)
{
    person p;
    memset(&p, 0, sizeof(p));
    char *root = NULL;
    int rc = sl_profile_root(st, code, value, &root, err);
    json_object *members = NULL;
    if (rc == SL_OK) {
        rc = sl_profile_members(st, root, &members, err);
    } else if (rc == SL_ENOTFOUND) {
        rc = SL_OK; /* no graph: still search the datasets, diagnostics and landing log */
        sl_err_clear(err);
    }
    if (rc != SL_OK) {
        free(root);
        return rc;
    }
    size_t nm = members != NULL ? json_object_array_length(members) : 0;
    for (size_t i = 0; i < nm && p.n < SL_GRAPH_MAX; i++) {
        json_object *m = json_object_array_get_idx(members, i);
        json_object *id = NULL, *ns = NULL, *c = NULL;
        (void)json_object_object_get_ex(m, "id", &id);
        (void)json_object_object_get_ex(m, "namespace", &ns);
        (void)json_object_object_get_ex(ns, "code", &c);
        (void)snprintf(p.code[p.n], sizeof(p.code[0]), "%s", json_object_get_string(c));
        p.value[p.n++] = sl_xstrdup(json_object_get_string(id));
    }
    if (!person_has(&p, code, value)) {
        (void)snprintf(p.code[p.n], sizeof(p.code[0]), "%s", code);
        p.value[p.n++] = sl_identity_normalise(code, value);
    }
    int64_t n_ids = 0, n_attrs = 0, n_links = 0, n_rows = 0, n_diag = 0, n_landed = 0;
    if (root != NULL) {
        sl_sqlv args[] = {SL_SQL_S(root)};
        rc = sl_store_exec(st,
                           "DELETE FROM profile_events WHERE xid IN (SELECT xid FROM id_nodes "
                           "WHERE root = $1)",
                           args, 1, &n_links, err);
        if (rc == SL_OK) {
            rc = sl_store_exec(st, "DELETE FROM profile_attrs WHERE root = $1", args, 1, &n_attrs,
                               err);
        }
        if (rc == SL_OK) {
            rc = sl_store_exec(st, "DELETE FROM id_nodes WHERE root = $1", args, 1, &n_ids, err);
        }
    }
    size_t nd = datasets != NULL ? json_object_array_length(datasets) : 0;
    for (size_t i = 0; i < nd && rc == SL_OK; i++) {
        const char *ds = json_object_get_string(json_object_array_get_idx(datasets, i));
        if (ds == NULL || !valid_dataset(ds)) {
            continue;
        }
        char sel[160], del[128];
        (void)snprintf(sel, sizeof(sel),
                       "SELECT _id, record FROM ds_%s WHERE lower(record) LIKE $1 ESCAPE '\\'", ds);
        (void)snprintf(del, sizeof(del), "DELETE FROM ds_%s WHERE _id = $1", ds);
        sl_err local;
        sl_err_clear(&local);
        rc = delete_matching(st, sel, del, "_id", "record", &p, true, &n_rows, &local);
        if (rc != SL_OK && local.code == SL_EIO) {
            rc = SL_OK; /* a dataset without a table (never written) */
        } else if (rc != SL_OK) {
            *err = local;
        }
    }
    if (rc == SL_OK) {
        rc = delete_matching(
            st, "SELECT id, raw FROM diagnostics WHERE lower(raw) LIKE $1 ESCAPE '\\'",
            "DELETE FROM diagnostics WHERE id = $1", "id", "raw", &p, false, &n_diag, err);
    }
    if (rc == SL_OK && erase != NULL && log != NULL) {
        const char *needles[SL_GRAPH_MAX + 1];
        for (int i = 0; i < p.n; i++) {
            needles[i] = p.value[i];
        }
        raw_ctx ctx = {&p};
        rc = erase(log, needles, (size_t)p.n, landing_confirm, &ctx, &n_landed, err);
    }
    if (rc == SL_OK) {
        rc = sl_store_compact(st, err);
    }
    if (rc == SL_OK) {
        json_object *o = json_object_new_object();
        json_object *d = json_object_new_object();
        json_object_object_add(d, "identities", json_object_new_int64(n_ids));
        json_object_object_add(d, "attributes", json_object_new_int64(n_attrs));
        json_object_object_add(d, "timelineLinks", json_object_new_int64(n_links));
        json_object_object_add(d, "datasetRows", json_object_new_int64(n_rows));
        json_object_object_add(d, "errorDiagnostics", json_object_new_int64(n_diag));
        json_object_object_add(d, "landedEvents", json_object_new_int64(n_landed));
        json_object_object_add(o, "deleted", d);
        json_object_object_add(
            o, "identities", members != NULL ? json_object_get(members) : json_object_new_array());
        *report = o;
        SL_LOG_INFO("profile",
                    "privacy delete identities=%lld rows=%lld diagnostics=%lld landed=%lld",
                    (long long)n_ids, (long long)n_rows, (long long)n_diag, (long long)n_landed);
    }
    json_object_put(members);
    for (int i = 0; i < p.n; i++) {
        free(p.value[i]);
    }
    free(root);
    return rc;
}
