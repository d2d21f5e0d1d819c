#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The management API resource by resource: Flow Service specs, source and target connections,
dataflows, Catalog datasets, Schema Registry schemas and identity descriptors, schema inference and
Data Prep mapping sets.

For each: create / get / list / patch / delete, etags (428 without If-Match, 412 when stale), list
parameters (property ==, !=, comma-OR, [] arrays, >, <, >=, <=, bare path; orderby both ways; limit
and continuationToken paging through _links.next; count=true; bad limit or token -> 400), bad bodies
(400 whose detail names the field), 404 for unknown ids, 405 for a wrong method on a known path,
flow disable/enable, Customer.io signing-key rotation, dataset delete with its rows, identityMap from
identity descriptors.

Only the HTTP API (and harness helpers) are used, so the file runs on every store backend; rows are
read through the Data Access preview API. A fresh sluice already holds its first-start Customer.io
dataflow (one of each resource), so every list check filters on names made here."""

import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DATASET_RE, INLET_RE, UUID_RE  # noqa: E402

FS = "/data/foundation/flowservice"
CAT = "/data/foundation/catalog"
SR = "/data/foundation/schemaregistry"
CV = "/data/foundation/conversion"
EXP = "/data/foundation/export"

CIO_SPEC = "96479064-7b8a-4d69-b9ed-21c5683837ea"
HTTP_SPEC = "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002"
PROVIDER = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
XED = "application/vnd.adobe.xed-full+json;version=1"
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile"
SCHEMA_ID_RE = re.compile(r"^https://ns\.adobe\.com/sluice/schemas/([0-9a-f]{32})$")
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
UNKNOWN_DS = "0123456789abcdef01234567"
UNKNOWN_HEX32 = "0123456789abcdef0123456789abcdef"

EVENT_FIELDS = {
    "event_id": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "metric": {"type": "string"},
    "object_type": {"type": "string"},
    "timestamp": {"type": "date-time"},
}
EVENT_MAPPINGS = [
    {"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "event_id"},
    {"sourceType": "ATTRIBUTE", "source": "data.identifiers.email", "destination": "email"},
    {"sourceType": "ATTRIBUTE", "source": "metric", "destination": "metric"},
    {"sourceType": "ATTRIBUTE", "source": "object_type", "destination": "object_type"},
    {"sourceType": "ATTRIBUTE", "source": "timestamp", "destination": "timestamp"},
]


def enc(s):
    return urllib.parse.quote(s, safe="")


def query(*pairs):
    """'?a=b&c=d' from (name, value) pairs, values percent-encoded."""
    return "?" + "&".join("%s=%s" % (k, enc(str(v))) for k, v in pairs)


def href_path(href):
    """_links.next.href as a request target (it may be a path or an absolute URL)."""
    if href.startswith("http://") or href.startswith("https://"):
        u = urllib.parse.urlsplit(href)
        return u.path + ("?" + u.query if u.query else "")
    return href


def find_values(obj, key):
    """Every value of `key` anywhere in a JSON document."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.append(v)
            out.extend(find_values(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(find_values(v, key))
    return out


class ApiBase(harness.SluiceTestCase):
    """HTTP helpers and resource builders; `self.s` is the sluice the test talks to."""

    tag = None

    def uniq(self, what):
        type(self).counter = getattr(type(self), "counter", 0) + 1
        return "%s-%s-%d" % (what, harness.ulid()[-6:].lower(), type(self).counter)

    def call(self, method, path, body=None, headers=None, raw=None, s=None):
        s = s or self.s
        h = {}
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return s.admin(method, path, body=data, headers=h)

    def ok(self, r, status=200, what=""):
        self.assertEqual(r.status, status, "%s: %r" % (what, r))
        if status != 204:
            self.assertTrue(r.content_type.startswith("application/json"), "%s: %r" % (what, r))
            return r.json()
        return None

    def bad(self, r, *words, status=400, what=""):
        """A problem+json refusal whose detail names every word (case-insensitive). Checked as a
        subtest, so that one wrong answer does not hide the next."""
        with self.subTest(what or "refusal", status=status):
            j = self.assertProblem(r, status, what)
            for w in words:
                self.assertIn(w.lower(), j["detail"].lower(), "%s: detail should name %r: %r" % (what, w, j))
            return j

    # ---- builders ----------------------------------------------------------------------------
    def make_schema(self, props=None, title=None, klass=EVENT_CLASS, s=None):
        body = {"title": title or self.uniq("schema"), "description": "made by test_api_crud",
                "meta:class": klass, "properties": props if props is not None else json.loads(json.dumps(EVENT_FIELDS))}
        j = self.ok(self.call("POST", SR + "/tenant/schemas", body, s=s), 201, "create schema")
        self.assertRegex(j.get("$id", ""), SCHEMA_ID_RE)
        return j["$id"]

    def make_dataset(self, schema_id, name=None, s=None):
        body = {"name": name or self.uniq("ds"), "schemaRef": {"id": schema_id, "contentType": XED}}
        j = self.ok(self.call("POST", CAT + "/dataSets", body, s=s), 201, "create dataset")
        self.assertIsInstance(j, list)
        self.assertEqual(len(j), 1, j)
        self.assertTrue(j[0].startswith("@/dataSets/"), j)
        ds = j[0][len("@/dataSets/"):]
        self.assertRegex(ds, DATASET_RE)
        return ds

    def make_source(self, name=None, keys=None, spec=CIO_SPEC, s=None):
        body = {"name": name or self.uniq("src"), "providerId": PROVIDER, "description": "test source",
                "connectionSpec": {"id": spec, "version": "1.0"}, "data": {"format": "json"}}
        if keys is not None:
            body["params"] = {"signingKeys": keys}
        j = self.ok(self.call("POST", FS + "/sourceConnections", body, s=s), 201, "create source")
        self.assertRegex(j.get("id", ""), UUID_RE)
        return j["id"]

    def target_body(self, schema_id, ds, name=None):
        return {"name": name or self.uniq("tgt"), "description": "test target",
                "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"},
                "data": {"format": "json", "schema": {"id": schema_id, "version": XED}},
                "params": {"dataSetId": ds}}

    def make_target(self, schema_id, ds, name=None, s=None):
        r = self.call("POST", FS + "/targetConnections", self.target_body(schema_id, ds, name), s=s)
        j = self.ok(r, 201, "create target")
        self.assertRegex(j.get("id", ""), UUID_RE)
        return j["id"]

    def make_mapping(self, schema_id, mappings=None, s=None):
        body = {"outputSchema": {"schemaRef": {"id": schema_id, "contentType": XED}},
                "mappings": mappings if mappings is not None else EVENT_MAPPINGS}
        j = self.ok(self.call("POST", CV + "/mappingSets", body, s=s), 201, "create mapping set")
        self.assertRegex(j.get("id", ""), HEX32_RE)
        return j["id"]

    def flow_body(self, src, tgt, ms, name=None, options=None):
        b = {"name": name or self.uniq("flow"), "description": "test flow",
             "flowSpec": {"id": FLOW_SPEC, "version": "1.0"},
             "sourceConnectionIds": [src], "targetConnectionIds": [tgt],
             "transformations": [{"name": "Mapping", "params": {"mappingId": ms, "mappingVersion": 0}}]}
        if options is not None:
            b["options"] = options
        return b

    def make_flow(self, src, tgt, ms, name=None, options=None, s=None):
        r = self.call("POST", FS + "/flows", self.flow_body(src, tgt, ms, name, options), s=s)
        j = self.ok(r, 201, "create flow")
        self.assertRegex(j.get("id", ""), UUID_RE)
        self.assertTrue(j.get("etag"), j)
        return j["id"]

    def get_item(self, path, s=None):
        """GET an Flow Service resource: (item, etag header)."""
        r = self.call("GET", path, s=s)
        j = self.ok(r, 200, "GET " + path)
        self.assertEqual(len(j["items"]), 1, j)
        self.assertTrue(r.headers.get("etag"), "no ETag on GET %s" % path)
        return j["items"][0], r.headers["etag"]

    def pipeline(self, keys=None, schema_props=None, mappings=None, s=None):
        """schema, dataset, source, target, mapping and flow: a dict of their ids + inlet path."""
        p = {}
        p["schema"] = self.make_schema(schema_props, s=s)
        p["dataset"] = self.make_dataset(p["schema"], s=s)
        p["source"] = self.make_source(keys=keys, s=s)
        p["target"] = self.make_target(p["schema"], p["dataset"], s=s)
        p["mapping"] = self.make_mapping(p["schema"], mappings, s=s)
        p["flow"] = self.make_flow(p["source"], p["target"], p["mapping"], s=s)
        f, _ = self.get_item("%s/flows/%s" % (FS, p["flow"]), s=s)
        u = urllib.parse.urlsplit(f["options"]["inletUrl"])
        p["port"] = u.port
        p["path"] = u.path + "?x-adobe-flow-id=" + p["flow"]
        return p

    def send(self, p, ev, key=None):
        body = harness.compact(ev)
        return harness.request(p["port"], "POST", p["path"], body=body, headers=harness.signed_headers(key, body))

    def preview(self, ds, s=None):
        return self.ok(self.call("GET", "%s/datasets/%s/preview" % (EXP, ds), s=s), 200, "preview")["data"]

    def wait_rows(self, ds, event_ids, s=None):
        """Poll the preview until every event id has a row; returns {event_id: record}."""
        want = set(event_ids)
        got = {}

        def check():
            nonlocal got
            got = {}
            for rec in self.preview(ds, s=s):
                got.setdefault(rec.get("event_id"), rec)
            return want.issubset(got)

        harness.poll(check, what="rows in dataset %s" % ds)
        self.assertEmpty(want - set(got), "events without a row in %s" % ds)
        return got

    # ---- list helpers -------------------------------------------------------------------------
    def list_items(self, path, *pairs):
        return self.ok(self.call("GET", path + query(*pairs)), 200, "list %s %r" % (path, pairs))

    def names(self, path, *pairs):
        return [it["name"] for it in self.list_items(path, *pairs)["items"]]

    def page_all(self, first):
        """Follow _links.next.href from `first` to the end: (names in order, page sizes)."""
        names, sizes = [], []
        target = first
        for _ in range(50):
            j = self.ok(self.call("GET", target), 200, "page " + target)
            names += [it["name"] for it in j["items"]]
            sizes.append(len(j["items"]))
            nxt = (j.get("_links") or {}).get("next")
            if not nxt:
                return names, sizes
            self.assertIsInstance(nxt.get("href"), str, j["_links"])
            target = href_path(nxt["href"])
        self.fail("more than 50 pages from %s" % first)

    def check_list_basics(self, path, names):
        """==, !=, comma-OR, AND, orderby both ways, paging with limit=2, count=true on a list of
        Flow Service resources whose names are `names` (made for this check)."""
        names = sorted(names)
        all_names = "name==" + ",".join(names)
        self.assertEqual(self.names(path, ("property", "name==" + names[1])), [names[1]])
        self.assertEqual(sorted(self.names(path, ("property", "name==%s,%s" % (names[0], names[2])))),
                         [names[0], names[2]], "comma OR")
        self.assertEqual(sorted(self.names(path, ("property", all_names), ("property", "name!=" + names[0]))),
                         names[1:], "!= AND ==")
        self.assertNotIn(names[0], self.names(path, ("property", "name!=" + names[0])))
        self.assertEqual(self.names(path, ("property", "name==no-such-name-at-all")), [])
        self.assertEqual(self.names(path, ("property", all_names), ("orderby", "name")), names)
        self.assertEqual(self.names(path, ("property", all_names), ("orderby", "-name")), names[::-1])
        got, sizes = self.page_all(path + query(("property", all_names), ("orderby", "name"), ("limit", "2")))
        self.assertEqual(got, names, "paging with limit=2")
        self.assertTrue(all(n <= 2 for n in sizes), sizes)
        self.assertEqual(len(sizes), (len(names) + 1) // 2, sizes)
        self.assertEqual(self.list_items(path, ("property", all_names), ("count", "true")), {"count": len(names)})
        total = self.list_items(path, ("count", "true"))["count"]
        self.assertEqual(total, len(self.list_items(path, ("limit", "1000"))["items"]))
        for lim in ("0", "1001", "-1", "abc", ""):
            self.bad(self.call("GET", path + query(("limit", lim))), "limit", what="limit=%r" % lim)
        self.bad(self.call("GET", path + query(("continuationToken", "forged-token"))), "continuationToken")

    def check_etag_patch(self, path, patch, check):
        """The Flow Service PATCH protocol on `path`: 428, 412, 400 for an object body or an invalid
        patch, 200 with a new etag, the old etag stale afterwards."""
        _, e0 = self.get_item(path)
        self.assertProblem(self.call("PATCH", path, patch), 428, "PATCH without If-Match")
        self.assertProblem(self.call("PATCH", path, patch, {"If-Match": '"0000-stale"'}), 412, "stale If-Match")
        self.assertProblem(self.call("PATCH", path, {"name": "object body"}, {"If-Match": e0}), 400, "object body")
        self.assertProblem(self.call("PATCH", path, raw=b"[{", headers={"If-Match": e0}), 400, "not JSON")
        self.assertProblem(self.call("PATCH", path, [{"op": "replace", "path": "/no/such/member", "value": 1}],
                                     {"If-Match": e0}), 400, "replace of a missing member")
        self.assertProblem(self.call("PATCH", path, [{"op": "frobnicate", "path": "/name", "value": 1}],
                                     {"If-Match": e0}), 400, "unknown op")
        r = self.call("PATCH", path, patch, {"If-Match": e0})
        j = self.ok(r, 200, "PATCH with the current etag")
        self.assertEqual(j.get("id"), path.rsplit("/", 1)[1], j)
        self.assertTrue(j.get("etag"), j)
        self.assertNotEqual(j["etag"], e0, "the etag did not change")
        self.assertProblem(self.call("PATCH", path, patch, {"If-Match": e0}), 412, "PATCH with the old etag")
        item, e2 = self.get_item(path)
        self.assertEqual(e2, j["etag"])
        self.assertEqual(item.get("etag"), e2, item)
        check(item)
        r = self.call("PATCH", path, [{"op": "replace", "path": "/name", "value": 42}], {"If-Match": e2})
        self.bad(r, "name", what="name patched to a number")
        return e2


class ApiCrud(ApiBase):
    """Most tests share one sluice (no signing keys); they make their own resources."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shared = cls.class_sluice()

    def setUp(self):
        self.s = self.shared

    # ---- specs -------------------------------------------------------------------------------
    def test_connection_and_flow_specs(self):
        items = self.ok(self.call("GET", FS + "/connectionSpecs"))["items"]
        by_id = {it["id"]: it for it in items}
        for spec in (CIO_SPEC, HTTP_SPEC, LAKE_SPEC):
            self.assertIn(spec, by_id)
        self.assertEqual(by_id[CIO_SPEC]["attributes"]["category"], "Marketing automation")
        j = self.ok(self.call("GET", "%s/connectionSpecs/%s" % (FS, CIO_SPEC)))
        self.assertEqual([it["id"] for it in j["items"]], [CIO_SPEC])
        j = self.list_items(FS + "/connectionSpecs", ("property", "attributes.category==Marketing automation"))
        self.assertEqual([it["id"] for it in j["items"]], [CIO_SPEC])
        j = self.list_items(FS + "/connectionSpecs", ("property", "id==%s,%s" % (CIO_SPEC, LAKE_SPEC)))
        self.assertEqual(sorted(it["id"] for it in j["items"]), sorted([CIO_SPEC, LAKE_SPEC]))
        self.assertProblem(self.call("GET", "%s/connectionSpecs/%s" % (FS, UNKNOWN_UUID)), 404)

        items = self.ok(self.call("GET", FS + "/flowSpecs"))["items"]
        self.assertIn(FLOW_SPEC, [it["id"] for it in items])
        j = self.ok(self.call("GET", "%s/flowSpecs/%s" % (FS, FLOW_SPEC)))
        self.assertEqual([it["id"] for it in j["items"]], [FLOW_SPEC])
        self.assertProblem(self.call("GET", "%s/flowSpecs/%s" % (FS, UNKNOWN_UUID)), 404)

    # ---- source connections ------------------------------------------------------------------
    def test_source_connection_crud_and_etags(self):
        name = self.uniq("src")
        body = {"name": name, "providerId": PROVIDER, "description": "Streaming Source Connection for customer.io",
                "connectionSpec": {"id": CIO_SPEC, "version": "1.0"}, "data": {"format": "json"}}
        r = self.call("POST", FS + "/sourceConnections", body)
        j = self.ok(r, 201, "create")
        sid = j["id"]
        self.assertRegex(sid, UUID_RE)
        self.assertEqual(r.headers.get("etag"), j["etag"])
        self.assertTrue(r.headers.get("location", "").endswith("/sourceConnections/" + sid), r.headers)
        path = "%s/sourceConnections/%s" % (FS, sid)
        item, etag = self.get_item(path)
        self.assertEqual(etag, j["etag"])
        self.assertEqual(item["id"], sid)
        self.assertEqual(item["name"], name)
        self.assertEqual(item["description"], body["description"])
        self.assertEqual(item["connectionSpec"]["id"], CIO_SPEC)
        self.assertEqual(item["data"]["format"], "json")
        self.assertIs(item["params"].get("signingKeysSet"), False, item)
        self.assertIn(sid, [it["id"] for it in self.ok(self.call("GET", FS + "/sourceConnections"))["items"]])

        new = name + "-renamed"
        self.check_etag_patch(path, [{"op": "replace", "path": "/name", "value": new},
                                     {"op": "replace", "path": "/description", "value": "changed"}],
                              lambda it: (self.assertEqual(it["name"], new),
                                          self.assertEqual(it["description"], "changed")))
        _, etag = self.get_item(path)
        self.assertProblem(self.call("DELETE", path, headers={"If-Match": '"stale"'}), 412, "DELETE with a stale etag")
        self.ok(self.call("DELETE", path), 204, "delete")
        self.assertProblem(self.call("GET", path), 404)
        self.assertProblem(self.call("DELETE", path), 404)
        self.assertProblem(self.call("PATCH", path, [{"op": "replace", "path": "/name", "value": "x"}],
                                     {"If-Match": etag}), 404)
        self.assertNotIn(sid, [it["id"] for it in self.ok(self.call("GET", FS + "/sourceConnections"))["items"]])

        # the generic HTTP API streaming source is a source spec too
        self.make_source(spec=HTTP_SPEC)

    def test_source_connection_bad_bodies(self):
        def body(**over):
            b = {"name": self.uniq("src"), "connectionSpec": {"id": CIO_SPEC, "version": "1.0"},
                 "data": {"format": "json"}}
            for k, v in over.items():
                if v is None:
                    b.pop(k, None)
                else:
                    b[k] = v
            return b
        post = lambda b: self.call("POST", FS + "/sourceConnections", b)  # noqa: E731
        self.bad(post(body(name=None)), "name", what="missing name")
        self.bad(post(body(name=123)), "name", what="name a number")
        self.bad(post(body(connectionSpec=None)), "connectionSpec", what="missing connectionSpec")
        self.bad(post(body(connectionSpec={"version": "1.0"})), "connectionSpec", what="connectionSpec without id")
        j = self.bad(post(body(connectionSpec={"id": LAKE_SPEC, "version": "1.0"})), "connectionSpec", CIO_SPEC,
                     what="a target spec as source spec")
        if j:
            self.assertIn(HTTP_SPEC, j["detail"], "the message should name every expected id")
        self.bad(post(body(connectionSpec={"id": UNKNOWN_UUID})), "connectionSpec", CIO_SPEC, what="unknown spec")
        self.bad(post(body(description=5)), "description", what="description a number")
        self.bad(post(body(providerId=["x"])), "providerId", what="providerId an array")
        self.bad(post(body(data={"format": "parquet_xdm"})), "format", what="data.format not json")
        self.bad(post(body(data={"format": 7})), "format", what="data.format a number")
        self.bad(post(body(params={"signingKeys": "k1"})), "signingKeys", what="signingKeys a string")
        self.bad(post(body(params={"signingKeys": []})), "signingKeys", what="signingKeys empty")
        self.bad(post(body(params={"signingKeys": [1]})), "signingKeys", what="signingKeys of numbers")
        self.bad(post(body(params={"signingKeys": [""]})), "signingKeys", what="an empty signing key")
        self.assertProblem(self.call("POST", FS + "/sourceConnections", raw=b"{not json"), 400, "not JSON")
        self.assertProblem(self.call("POST", FS + "/sourceConnections", raw=b"[]"), 400, "an array")
        self.assertProblem(self.call("POST", FS + "/sourceConnections", raw=b""), 400, "empty body")

    # ---- target connections ------------------------------------------------------------------
    def test_target_connection_crud_and_bad_bodies(self):
        schema = self.make_schema()
        ds = self.make_dataset(schema)
        ds2 = self.make_dataset(schema)
        name = self.uniq("tgt")
        r = self.call("POST", FS + "/targetConnections", self.target_body(schema, ds, name))
        j = self.ok(r, 201)
        tid = j["id"]
        self.assertEqual(r.headers.get("etag"), j["etag"])
        path = "%s/targetConnections/%s" % (FS, tid)
        item, _ = self.get_item(path)
        self.assertEqual(item["name"], name)
        self.assertEqual(item["connectionSpec"]["id"], LAKE_SPEC)
        self.assertEqual(item["params"]["dataSetId"], ds)
        self.assertEqual(item["data"]["schema"]["id"], schema)
        self.check_etag_patch(path, [{"op": "replace", "path": "/params/dataSetId", "value": ds2}],
                              lambda it: self.assertEqual(it["params"]["dataSetId"], ds2))
        _, e = self.get_item(path)
        self.bad(self.call("PATCH", path, [{"op": "replace", "path": "/params/dataSetId", "value": UNKNOWN_DS}],
                           {"If-Match": e}), "dataSetId", what="patch to an unknown dataset")

        post = lambda b: self.call("POST", FS + "/targetConnections", b)  # noqa: E731
        b = self.target_body(schema, ds)
        del b["connectionSpec"]
        self.bad(post(b), "connectionSpec", what="missing connectionSpec")
        b = self.target_body(schema, ds)
        b["connectionSpec"]["id"] = CIO_SPEC
        self.bad(post(b), "connectionSpec", LAKE_SPEC, what="a source spec as target spec")
        b = self.target_body(schema, ds)
        del b["params"]
        self.bad(post(b), "dataSetId", what="missing params.dataSetId")
        self.bad(post(self.target_body(schema, UNKNOWN_DS)), "dataSetId", what="unknown dataset")
        b = self.target_body(schema, ds)
        b["params"]["dataSetId"] = 5
        self.bad(post(b), "dataSetId", what="dataSetId a number")
        b = self.target_body(schema, ds)
        b["name"] = 42
        self.bad(post(b), "name", what="name a number")
        b = self.target_body(schema, ds)
        b["description"] = {"text": "x"}
        self.bad(post(b), "description", what="description an object")

        self.ok(self.call("DELETE", path), 204)
        self.assertProblem(self.call("GET", path), 404)
        self.assertProblem(self.call("DELETE", path), 404)

    def test_source_and_target_lists(self):
        src_names = [self.uniq("lsrc") for _ in range(3)]
        for n in src_names:
            self.make_source(name=n)
        self.check_list_basics(FS + "/sourceConnections", src_names)
        schema = self.make_schema()
        ds = self.make_dataset(schema)
        tgt_names = [self.uniq("ltgt") for _ in range(3)]
        for n in tgt_names:
            self.make_target(schema, ds, name=n)
        self.check_list_basics(FS + "/targetConnections", tgt_names)
        j = self.list_items(FS + "/targetConnections", ("property", "params.dataSetId==" + ds))
        self.assertEqual(sorted(it["name"] for it in j["items"]), sorted(tgt_names))
        j = self.list_items(FS + "/sourceConnections", ("property", "connectionSpec.id==" + HTTP_SPEC),
                            ("property", "name==" + ",".join(src_names)))
        self.assertEqual(j["items"], [])

    def test_next_link_is_a_usable_url(self):
        """_links.next.href must work as given even when the filter holds characters that need
        percent-encoding in a URL (space, &, +, %)."""
        base = self.uniq("odd name & co")
        names = ["%s %d+%%" % (base, i) for i in range(3)]
        for n in names:
            self.make_source(name=n)
        first = FS + "/sourceConnections" + query(("property", "name==" + ",".join(names)), ("orderby", "name"),
                                                  ("limit", "1"))
        j = self.ok(self.call("GET", first))
        self.assertEqual([it["name"] for it in j["items"]], [names[0]])
        href = j["_links"]["next"]["href"]
        self.assertNotIn(" ", href, "a raw space in _links.next.href: %r" % href)
        got, _ = self.page_all(first)
        self.assertEqual(got, names, "following _links.next.href")

    # ---- flows -------------------------------------------------------------------------------
    def test_flow_crud_view_and_references(self):
        p = self.pipeline()
        path = "%s/flows/%s" % (FS, p["flow"])
        f, etag = self.get_item(path)
        self.assertEqual(f["id"], p["flow"])
        self.assertEqual(f["state"], "enabled")
        self.assertEqual(f["flowSpec"]["id"], FLOW_SPEC)
        self.assertEqual(f["sourceConnectionIds"], [p["source"]])
        self.assertEqual(f["targetConnectionIds"], [p["target"]])
        self.assertEqual(f["transformations"][0]["params"]["mappingId"], p["mapping"])
        self.assertEqual(f["etag"], etag)
        self.assertIsInstance(f["createdAt"], int)
        self.assertIsInstance(f["updatedAt"], int)
        self.assertLess(abs(f["createdAt"] - time.time() * 1000), 120000)
        m = re.match(r"^http://127\.0\.0\.1:(\d+)/collection/([0-9a-f]{64})$", f["options"]["inletUrl"])
        self.assertTrue(m, f["options"])
        self.assertEqual(int(m.group(1)), self.s.collect_port)
        self.assertEqual(f["options"]["inletId"], m.group(2))
        self.assertRegex(m.group(2), INLET_RE)

        new = self.uniq("renamed")
        self.check_etag_patch(path, [{"op": "replace", "path": "/name", "value": new}],
                              lambda it: (self.assertEqual(it["name"], new),
                                          self.assertGreaterEqual(it["updatedAt"], it["createdAt"]),
                                          self.assertEqual(it["options"]["inletUrl"], f["options"]["inletUrl"])))
        _, e = self.get_item(path)
        self.bad(self.call("PATCH", path, [{"op": "replace", "path": "/sourceConnectionIds", "value": [UNKNOWN_UUID]}],
                           {"If-Match": e}), "sourceConnectionIds", what="patch to an unknown source")
        self.bad(self.call("PATCH", path, [{"op": "replace", "path": "/transformations/0/params/mappingId",
                                            "value": UNKNOWN_HEX32}], {"If-Match": e}),
                 "mappingId", what="patch to an unknown mapping set")

        # a source or target in use cannot go; the dataset behind a target neither
        self.bad(self.call("DELETE", "%s/sourceConnections/%s" % (FS, p["source"])), status=409, what="source in use")
        self.bad(self.call("DELETE", "%s/targetConnections/%s" % (FS, p["target"])), status=409, what="target in use")
        self.bad(self.call("DELETE", "%s/dataSets/%s" % (CAT, p["dataset"])), status=409, what="dataset in use")
        self.ok(self.call("DELETE", path), 204)
        self.assertProblem(self.call("GET", path), 404)
        self.assertProblem(self.call("DELETE", path), 404)
        ev = harness.make_event()
        self.assertProblem(self.send(p, ev), 404, "event to a deleted flow")
        self.ok(self.call("DELETE", "%s/sourceConnections/%s" % (FS, p["source"])), 204)
        self.ok(self.call("DELETE", "%s/targetConnections/%s" % (FS, p["target"])), 204)

    def test_flow_bad_bodies(self):
        p = self.pipeline()
        good = self.flow_body(p["source"], p["target"], p["mapping"])
        post = lambda b: self.call("POST", FS + "/flows", b)  # noqa: E731

        def without(key):
            b = json.loads(json.dumps(good))
            del b[key]
            return b

        def with_(key, value):
            b = json.loads(json.dumps(good))
            b[key] = value
            return b
        self.bad(post(without("name")), "name", what="missing name")
        self.bad(post(with_("name", 7)), "name", what="name a number")
        self.bad(post(with_("description", 7)), "description", what="description a number")
        self.bad(post(without("flowSpec")), "flowSpec", what="missing flowSpec")
        self.bad(post(with_("flowSpec", {"id": UNKNOWN_UUID, "version": "1.0"})), "flowSpec", FLOW_SPEC,
                 what="unknown flowSpec")
        self.bad(post(with_("sourceConnectionIds", [UNKNOWN_UUID])), "sourceConnectionIds", what="unknown source")
        self.bad(post(with_("sourceConnectionIds", p["source"])), "sourceConnectionIds", what="source ids a string")
        self.bad(post(with_("sourceConnectionIds", [p["target"]])), "sourceConnectionIds", what="a target as source")
        self.bad(post(without("sourceConnectionIds")), "sourceConnectionIds", what="missing sources")
        self.bad(post(with_("targetConnectionIds", [UNKNOWN_UUID])), "targetConnectionIds", what="unknown target")
        self.bad(post(with_("targetConnectionIds", [p["source"]])), "targetConnectionIds", what="a source as target")
        self.bad(post(with_("transformations", [{"name": "Mapping", "params": {"mappingId": UNKNOWN_HEX32}}])),
                 "mappingId", what="unknown mapping set")
        self.bad(post(without("transformations")), "mappingId", what="no transformations")
        self.assertProblem(post(["not", "an", "object"]), 400, "array body")

    def test_flow_list_filters_order_and_paging(self):
        schema = self.make_schema()
        ds = self.make_dataset(schema)
        src_a = self.make_source()
        src_b = self.make_source()
        tgt = self.make_target(schema, ds)
        ms = self.make_mapping(schema)
        base = self.uniq("pg")
        names = ["%s-%d" % (base, i) for i in range(7)]
        ids = []
        for i, n in enumerate(names):
            opts = {"partialIngestionPercent": 5} if i == 6 else None
            ids.append(self.make_flow(src_a if i < 4 else src_b, tgt, ms, name=n, options=opts))
            time.sleep(0.003)  # distinct createdAt
        path = FS + "/flows"
        mine = ("property", "sourceConnectionIds[]==%s,%s" % (src_a, src_b))
        created = {it["name"]: it["createdAt"] for it in self.list_items(path, mine)["items"]}
        self.assertEqual(sorted(created), names)

        self.check_list_basics(path, names)
        self.assertEqual(sorted(self.names(path, ("property", "sourceConnectionIds[]==" + src_a))), names[:4])
        self.assertEqual(sorted(self.names(path, mine, ("property", "sourceConnectionIds[]!=" + src_a))), names[4:])
        self.assertEqual(sorted(self.names(path, ("property", "transformations[].params.mappingId==" + ms))), names)
        self.assertEqual(sorted(self.names(path, ("property", "targetConnectionIds[]==" + tgt),
                                           ("property", "name==%s,%s" % (names[1], names[5])))), [names[1], names[5]])
        self.assertEqual(self.names(path, mine, ("property", "options.partialIngestionPercent")), [names[6]],
                         "bare path = exists")
        self.assertEqual(self.names(path, ("property", "id==" + ids[3])), [names[3]])
        # raw (not percent-encoded) parameters work too
        j = self.ok(self.call("GET", "%s?property=sourceConnectionIds[]==%s&count=true" % (path, src_b)))
        self.assertEqual(j, {"count": 3})

        pivot = created[names[3]]
        for op, fn in ((">", lambda t: t > pivot), (">=", lambda t: t >= pivot),
                       ("<", lambda t: t < pivot), ("<=", lambda t: t <= pivot)):
            want = sorted(n for n, t in created.items() if fn(t))
            self.assertEqual(sorted(self.names(path, mine, ("property", "createdAt%s%d" % (op, pivot)))), want,
                             "createdAt%s%d" % (op, pivot))
        self.assertEqual(sorted(self.names(path, mine, ("property", "createdAt>%d" % created[names[5]]))), [names[6]])

        got = self.names(path, mine, ("orderby", "-createdAt"))
        self.assertEqual([created[n] for n in got], sorted(created.values(), reverse=True), "orderby=-createdAt")
        got = self.names(path, mine, ("orderby", "createdAt"))
        self.assertEqual([created[n] for n in got], sorted(created.values()), "orderby=createdAt")

        # 7 flows, limit=3: 3 + 3 + 1, the last page without _links.next
        got, sizes = self.page_all(path + query(mine, ("orderby", "-name"), ("limit", "3")))
        self.assertEqual(sizes, [3, 3, 1])
        self.assertEqual(got, names[::-1])
        j = self.list_items(path, mine, ("limit", "7"))
        self.assertEqual(len(j["items"]), 7)
        self.assertNotIn("next", j.get("_links") or {}, "no next link when everything fit")
        self.assertEqual(self.list_items(path, mine, ("count", "true")), {"count": 7})

        # state filter after disabling one
        self.ok(self.call("POST", "%s/flows/%s/action?op=disable" % (FS, ids[2])), 200)
        self.assertEqual(self.names(path, mine, ("property", "state==disabled")), [names[2]])
        self.assertEqual(len(self.names(path, mine, ("property", "state==enabled"))), 6)
        self.assertProblem(self.call("GET", path + query(("property", "==x"))), 400, "filter without a path")

    def test_flow_disable_enable(self):
        p = self.pipeline()
        action = "%s/flows/%s/action" % (FS, p["flow"])
        ev1 = harness.make_event()
        self.assertEqual(self.send(p, ev1).status, 200)
        self.wait_rows(p["dataset"], [ev1["event_id"]])
        _, e0 = self.get_item("%s/flows/%s" % (FS, p["flow"]))

        j = self.ok(self.call("POST", action + "?op=disable"), 200, "disable")
        self.assertEqual(j.get("id"), p["flow"])
        self.assertTrue(j.get("etag"))
        self.assertNotEqual(j["etag"], e0)
        f, _ = self.get_item("%s/flows/%s" % (FS, p["flow"]))
        self.assertEqual(f["state"], "disabled")
        ev2 = harness.make_event()
        self.assertProblem(self.send(p, ev2), 404, "event to a disabled flow")
        self.assertProblem(self.call("PATCH", "%s/flows/%s" % (FS, p["flow"]),
                                     [{"op": "replace", "path": "/name", "value": "x"}], {"If-Match": e0}),
                           412, "the etag before disable is stale")

        j = self.ok(self.call("POST", action + "?op=ENABLE"), 200, "enable (upper case)")
        f, _ = self.get_item("%s/flows/%s" % (FS, p["flow"]))
        self.assertEqual(f["state"], "enabled")
        ev3 = harness.make_event()
        self.assertEqual(self.send(p, ev3).status, 200)
        got = self.wait_rows(p["dataset"], [ev1["event_id"], ev3["event_id"]])
        self.assertNotIn(ev2["event_id"], got, "the event refused while disabled landed anyway")
        self.assertEqual([r.get("event_id") for r in self.preview(p["dataset"])], [ev3["event_id"], ev1["event_id"]],
                         "preview: newest first")
        self.ok(self.call("POST", action + "?op=Disable"), 200, "disable (mixed case)")
        self.ok(self.call("POST", action + "?op=enable"), 200, "enable")
        self.assertEqual(len(self.preview(p["dataset"])), 2)

        self.bad(self.call("POST", action + "?op=frobnicate"), "op", what="unknown op")
        self.assertProblem(self.call("POST", action), 400, "no op")
        self.assertProblem(self.call("POST", "%s/flows/%s/action?op=enable" % (FS, UNKNOWN_UUID)), 404,
                           "action on an unknown flow")

    # ---- signing keys ------------------------------------------------------------------------
    def test_signing_key_rotation(self):
        old, new1, new2 = ("old-" + harness.ulid(), "new1-" + harness.ulid(), "new2-" + harness.ulid())
        p = self.pipeline(keys=[old])
        spath = "%s/sourceConnections/%s" % (FS, p["source"])
        self.assertEqual(self.send(p, harness.make_event(), key=old).status, 200)
        self.assertProblem(self.send(p, harness.make_event()), 401, "unsigned")
        self.assertProblem(self.send(p, harness.make_event(), key=new1), 401, "not yet the key")
        r = self.call("GET", spath)
        self.assertNotIn(old.encode(), r.body, "signing keys are write-only")
        item = r.json()["items"][0]
        self.assertNotIn("signingKeys", item["params"])
        self.assertIs(item["params"]["signingKeysSet"], True)
        lst = self.call("GET", FS + "/sourceConnections" + query(("property", "id==" + p["source"])))
        self.assertNotIn(old.encode(), lst.body, "signing keys leak through the list")

        _, e = self.get_item(spath)
        self.bad(self.call("PATCH", spath, [{"op": "replace", "path": "/params/signingKeys", "value": "k"}],
                           {"If-Match": e}), "signingKeys", what="keys patched to a string")
        self.bad(self.call("PATCH", spath, [{"op": "replace", "path": "/params/signingKeys", "value": []}],
                           {"If-Match": e}), "signingKeys", what="keys patched to []")
        j = self.ok(self.call("PATCH", spath, [{"op": "replace", "path": "/params/signingKeys", "value": [new1, new2]}],
                              {"If-Match": e}), 200, "rotate")
        # no sleep: the catalog reloads at once
        self.assertProblem(self.send(p, harness.make_event(), key=old), 401, "old key after rotation")
        evs = [harness.make_event(), harness.make_event()]
        self.assertEqual(self.send(p, evs[0], key=new1).status, 200)
        self.assertEqual(self.send(p, evs[1], key=new2).status, 200)
        r = self.call("GET", spath)
        for k in (old, new1, new2):
            self.assertNotIn(k.encode(), r.body)
        self.assertIs(r.json()["items"][0]["params"]["signingKeysSet"], True)
        self.wait_rows(p["dataset"], [ev["event_id"] for ev in evs])

        # no keys of its own and none configured: unsigned events pass
        j = self.ok(self.call("PATCH", spath, [{"op": "remove", "path": "/params/signingKeys"}],
                              {"If-Match": j["etag"]}), 200, "remove the keys")
        item, _ = self.get_item(spath)
        self.assertIs(item["params"]["signingKeysSet"], False, item)
        self.assertEqual(self.send(p, harness.make_event()).status, 200)
        # and back
        self.ok(self.call("PATCH", spath, [{"op": "add", "path": "/params/signingKeys", "value": [old]}],
                          {"If-Match": j["etag"]}), 200, "keys again")
        self.assertProblem(self.send(p, harness.make_event()), 401, "unsigned after keys were added")
        self.assertEqual(self.send(p, harness.make_event(), key=old).status, 200)

    # ---- datasets ----------------------------------------------------------------------------
    def test_dataset_crud_patch_and_list(self):
        schema = self.make_schema()
        name = self.uniq("ds")
        ds = self.make_dataset(schema, name=name)
        path = "%s/dataSets/%s" % (CAT, ds)
        r = self.call("GET", path)
        j = self.ok(r)
        self.assertEqual(list(j), [ds])
        self.assertEqual(j[ds]["name"], name)
        self.assertEqual(j[ds]["schemaRef"]["id"], schema)
        self.assertIn(ds, self.ok(self.call("GET", CAT + "/dataSets")))

        # JSON-Patch without If-Match (optional on Catalog)
        self.ok(self.call("PATCH", path, [{"op": "add", "path": "/tags/unifiedProfile", "value": ["enabled:true"]}]),
                200, "tag patch")
        j = self.ok(self.call("GET", path))
        self.assertEqual(j[ds]["tags"]["unifiedProfile"], ["enabled:true"])
        etag = self.call("GET", path).headers.get("etag") or j[ds].get("etag")
        self.assertTrue(etag, "a dataset has an etag (header or body)")
        # plain JSON object: merge of name/description/tags
        self.ok(self.call("PATCH", path, {"name": name + "-2", "description": "merged"}, {"If-Match": etag}),
                200, "merge patch with the current etag")
        j = self.ok(self.call("GET", path))
        self.assertEqual(j[ds]["name"], name + "-2")
        self.assertEqual(j[ds]["description"], "merged")
        self.assertEqual(j[ds]["tags"]["unifiedProfile"], ["enabled:true"], "merge kept the tags")
        self.assertProblem(self.call("PATCH", path, {"name": "stale"}, {"If-Match": etag}), 412, "stale If-Match")
        self.assertProblem(self.call("PATCH", path, {"name": "stale"}, {"If-Match": '"nope"'}), 412, "stale If-Match")
        self.bad(self.call("PATCH", path, [{"op": "replace", "path": "/schemaRef/id", "value": self.make_schema()}]),
                 "schemaRef", what="changing the schema")
        self.bad(self.call("PATCH", path, {"schemaRef": {"id": self.make_schema()}}), "schemaRef",
                 what="changing the schema (merge)")
        self.assertEqual(self.ok(self.call("GET", path))[ds]["name"], name + "-2")

        # list: property, limit, start
        names = [self.uniq("dsl") for _ in range(3)]
        ids = {self.make_dataset(schema, name=n) for n in names}
        prop = ("property", "name==" + ",".join(names))
        j = self.ok(self.call("GET", CAT + "/dataSets" + query(prop)))
        self.assertEqual(set(j), ids)
        j = self.ok(self.call("GET", CAT + "/dataSets" + query(("property", "name==" + names[0]))))
        self.assertEqual([v["name"] for v in j.values()], [names[0]])
        p1 = self.ok(self.call("GET", CAT + "/dataSets" + query(prop, ("limit", "2"))))
        p2 = self.ok(self.call("GET", CAT + "/dataSets" + query(prop, ("limit", "2"), ("start", "2"))))
        self.assertEqual(len(p1), 2)
        self.assertEqual(len(p2), 1)
        self.assertEqual(set(p1) | set(p2), ids)
        self.assertProblem(self.call("GET", CAT + "/dataSets" + query(("limit", "0"))), 400, "limit=0")

        # bad bodies
        post = lambda b: self.call("POST", CAT + "/dataSets", b)  # noqa: E731
        self.bad(post({"schemaRef": {"id": schema}}), "name", what="missing name")
        self.bad(post({"name": "x"}), "schemaRef", what="missing schemaRef")
        self.bad(post({"name": "x", "schemaRef": {"id": "https://ns.adobe.com/sluice/schemas/" + UNKNOWN_HEX32}}),
                 "schemaRef", what="unknown schema")
        self.bad(post({"name": 5, "schemaRef": {"id": schema}}), "name", what="name a number")

        self.ok(self.call("DELETE", path), 204)
        self.assertProblem(self.call("GET", path), 404)
        self.assertProblem(self.call("DELETE", path), 404)
        self.assertProblem(self.call("PATCH", path, {"name": "gone"}), 404)
        self.assertProblem(self.call("GET", "%s/dataSets/%s" % (CAT, UNKNOWN_DS)), 404)

    def test_dataset_delete_removes_rows(self):
        p = self.pipeline()
        evs = [harness.make_event() for _ in range(3)]
        for ev in evs:
            self.assertEqual(self.send(p, ev).status, 200)
        self.wait_rows(p["dataset"], [ev["event_id"] for ev in evs])
        self.assertEqual(self.s.ds_count(dataset_id=p["dataset"]), 3)
        self.bad(self.call("DELETE", "%s/dataSets/%s" % (CAT, p["dataset"])), status=409, what="dataset in use")
        self.bad(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, enc(p["schema"]))), status=409,
                 what="schema in use")
        self.ok(self.call("DELETE", "%s/flows/%s" % (FS, p["flow"])), 204)
        self.ok(self.call("DELETE", "%s/targetConnections/%s" % (FS, p["target"])), 204)
        self.ok(self.call("DELETE", "%s/dataSets/%s" % (CAT, p["dataset"])), 204)
        self.assertProblem(self.call("GET", "%s/datasets/%s/preview" % (EXP, p["dataset"])), 404, "preview")
        self.assertNotIn(p["dataset"], self.ok(self.call("GET", CAT + "/dataSets")))
        self.assertNotIn("ds_" + p["dataset"], self.s.store_tables(), "the deleted dataset's table is still stored")
        self.ok(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, enc(p["schema"]))), 204, "schema now unused")

    # ---- schema registry ---------------------------------------------------------------------
    def test_schema_create_get_list_delete(self):
        props = {
            "name": {"type": "string", "minLength": 1},
            "count": {"type": "integer", "minimum": 0, "maximum": 1000},
            "big": {"type": "long"},
            "ratio": {"type": "number", "minimum": 0, "maximum": 1},
            "flag": {"type": "boolean"},
            "day": {"type": "date"},
            "at": {"type": "date-time"},
            "email": {"type": "string", "format": "email"},
            "site": {"type": "string", "format": "uri"},
            "channel": {"type": "string", "enum": ["email", "sms", "push"]},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "address": {"type": "object", "properties": {
                "city": {"type": "string"},
                "geo": {"type": "object", "properties": {"lat": {"type": "number"}}}}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
            "attrs": {"type": "map"},
        }
        title = self.uniq("All types")
        body = {"title": title, "description": "every field type", "meta:class": EVENT_CLASS,
                "properties": props, "required": ["name", "at"]}
        r = self.call("POST", SR + "/tenant/schemas", body)
        sch = self.ok(r, 201, "create")
        m = SCHEMA_ID_RE.match(sch["$id"])
        self.assertTrue(m, sch)
        hexid = m.group(1)
        self.assertEqual(sch["meta:altId"], "_sluice.schemas." + hexid)
        self.assertIn("version", sch)
        self.assertEqual(sch["title"], title)
        self.assertEqual(sch["meta:class"], EVENT_CLASS)
        self.assertEqual(sorted(sch["properties"]), sorted(props))

        for ref in (hexid, "_sluice.schemas." + hexid, enc(sch["$id"])):
            g = self.ok(self.call("GET", "%s/tenant/schemas/%s" % (SR, ref)), 200, "GET by %s" % ref)
            self.assertEqual(g["$id"], sch["$id"], ref)
            self.assertEqual(g["title"], title, ref)
        self.assertProblem(self.call("GET", "%s/tenant/schemas/%s" % (SR, UNKNOWN_HEX32)), 404)

        lst = self.ok(self.call("GET", SR + "/tenant/schemas"))
        self.assertIn(sch["$id"], [x.get("$id") for x in lst["results"]])
        self.assertIsInstance(lst["_page"]["count"], int)
        self.assertEqual(lst["_page"]["count"], len(lst["results"]))

        # allOf form and the profile class
        b2 = {"title": self.uniq("allOf"), "allOf": [{"$ref": EVENT_CLASS}], "properties": {"x": {"type": "string"}}}
        self.assertEqual(self.ok(self.call("POST", SR + "/tenant/schemas", b2), 201)["meta:class"], EVENT_CLASS)
        b3 = {"title": self.uniq("profile"), "meta:class": PROFILE_CLASS, "properties": {"x": {"type": "string"}}}
        prof = self.ok(self.call("POST", SR + "/tenant/schemas", b3), 201)
        self.assertEqual(prof["meta:class"], PROFILE_CLASS)

        # in use by a dataset: 409; unused: 204
        ds = self.make_dataset(sch["$id"])
        self.bad(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, hexid)), status=409, what="schema in use")
        self.ok(self.call("DELETE", "%s/dataSets/%s" % (CAT, ds)), 204)
        self.ok(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, hexid)), 204)
        self.assertProblem(self.call("GET", "%s/tenant/schemas/%s" % (SR, hexid)), 404)
        self.assertProblem(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, hexid)), 404)
        self.ok(self.call("DELETE", "%s/tenant/schemas/%s" % (SR, enc(prof["$id"]))), 204, "delete by $id")

    def test_schema_bad_bodies(self):
        def post(props=None, **over):
            b = {"title": self.uniq("bad"), "meta:class": EVENT_CLASS,
                 "properties": props if props is not None else {"a": {"type": "string"}}}
            for k, v in over.items():
                if v is None:
                    b.pop(k.replace("_", ":"), None)
                else:
                    b[k.replace("_", ":")] = v
            return self.call("POST", SR + "/tenant/schemas", b)
        self.bad(post({"bad": {"type": "strin"}}), "properties.bad.type", what="unknown type")
        self.bad(post({"bad": {"type": 5}}), "properties.bad.type", what="type a number")
        self.bad(post({"bad": {}}), "properties.bad.type", what="no type")
        self.bad(post({"obj": {"type": "object", "properties": {"inner": {"type": "nope"}}}}),
                 "properties.obj.properties.inner.type", what="nested unknown type")
        self.bad(post({"list": {"type": "array"}}), "properties.list.items", what="array without items")
        self.bad(post({"e": {"type": "string", "format": "phone"}}), "properties.e.format", what="unknown format")
        self.bad(post({"e": {"type": "string", "enum": []}}), "properties.e.enum", what="empty enum")
        self.bad(post({"n": {"type": "integer", "minimum": "zero"}}), "properties.n.minimum", what="minimum a string")
        self.bad(post(required=["a", "ghost"]), "required", what="required names a missing field")
        self.bad(post(title=None), "title", what="missing title")
        self.bad(post(meta_class=None), "meta:class", what="no class")
        self.bad(post(meta_class="https://ns.adobe.com/xdm/context/nothing"), "meta:class", what="unknown class")
        self.bad(post(properties=None), "properties", what="no properties")
        self.assertProblem(self.call("POST", SR + "/tenant/schemas", raw=b"{"), 400, "not JSON")

    def test_descriptors_and_identity_map(self):
        p = self.pipeline()
        d = {"@type": "xdm:descriptorIdentity", "xdm:sourceSchema": p["schema"], "xdm:sourceVersion": 1,
             "xdm:sourceProperty": "/email", "xdm:namespace": "Email", "xdm:property": "xdm:code",
             "xdm:isPrimary": True}
        desc = self.ok(self.call("POST", SR + "/tenant/descriptors", d), 201, "create descriptor")
        self.assertTrue(desc.get("@id"), desc)
        did = desc["@id"]
        self.assertIn(did, find_values(self.ok(self.call("GET", SR + "/tenant/descriptors")), "@id"))

        def bad_desc(key, value, *words):
            b = dict(d)
            if value is None:
                del b[key]
            else:
                b[key] = value
            self.bad(self.call("POST", SR + "/tenant/descriptors", b), *words, what="descriptor %s=%r" % (key, value))
        bad_desc("xdm:sourceProperty", "/no_such_field", "xdm:sourceProperty")
        bad_desc("xdm:sourceSchema", "https://ns.adobe.com/sluice/schemas/" + UNKNOWN_HEX32, "xdm:sourceSchema")
        bad_desc("xdm:sourceSchema", None, "xdm:sourceSchema")
        bad_desc("xdm:namespace", None, "xdm:namespace")
        bad_desc("@type", None, "@type")
        bad_desc("@type", "xdm:descriptorOneToOne", "@type")

        ev = harness.make_event()
        email = ev["data"]["identifiers"]["email"]
        self.assertEqual(self.send(p, ev).status, 200)
        rec = self.wait_rows(p["dataset"], [ev["event_id"]])[ev["event_id"]]
        self.assertIn("identityMap", rec, rec)
        ids = rec["identityMap"].get("Email")
        self.assertIsInstance(ids, list, rec["identityMap"])
        self.assertEqual(len(ids), 1, ids)
        self.assertEqual(ids[0].get("id"), email.lower())
        self.assertIs(ids[0].get("primary"), True, ids)

        self.ok(self.call("DELETE", "%s/tenant/descriptors/%s" % (SR, did)), 204)
        self.assertProblem(self.call("DELETE", "%s/tenant/descriptors/%s" % (SR, did)), 404)
        self.assertNotIn(did, find_values(self.ok(self.call("GET", SR + "/tenant/descriptors")), "@id"))
        ev2 = harness.make_event()
        self.assertEqual(self.send(p, ev2).status, 200)
        rec2 = self.wait_rows(p["dataset"], [ev2["event_id"]])[ev2["event_id"]]
        self.assertNotIn("identityMap", rec2, "identityMap after its descriptor was deleted")

    def test_infer(self):
        sample = harness.load_sample("email_delivered.json")
        j = self.ok(self.call("POST", SR + "/sluice/infer", sample), 200, "infer")
        self.assertIsInstance(j["schema"], dict)
        fields = {f["path"]: f["type"] for f in j["fields"]}
        self.assertEqual(fields.get("data.identifiers.email"), "string", fields)
        self.assertEqual(fields.get("timestamp"), "integer", fields)
        self.assertEqual(fields.get("event_id"), "string", fields)
        self.assertEqual(fields.get("data"), "object", fields)
        j = self.ok(self.call("POST", SR + "/sluice/infer",
                              {"when": "2026-01-05T10:00:00Z", "at": "2026-01-05T10:00:00.123+01:00",
                               "n": 1.5, "ok": True, "tags": ["a"], "big": 5000000000, "s": "2026-01-05 nope"}))
        fields = {f["path"]: f["type"] for f in j["fields"]}
        self.assertEqual(fields, {"when": "date-time", "at": "date-time", "n": "number", "ok": "boolean",
                                  "tags": "array", "big": "long", "s": "string"})
        j = self.ok(self.call("POST", SR + "/sluice/infer", [{"a": "x"}, {"b": 2}]), 200, "array sample")
        fields = {f["path"]: f["type"] for f in j["fields"]}
        self.assertEqual(fields, {"a": "string", "b": "integer"})
        for raw in (b'"text"', b"[]", b"[1,2]", b"{", b"42"):
            self.assertProblem(self.call("POST", SR + "/sluice/infer", raw=raw), 400, "infer %r" % raw)

    # ---- mapping sets ------------------------------------------------------------------------
    def test_mapping_sets(self):
        schema = self.make_schema()
        body = {"outputSchema": {"schemaRef": {"id": schema, "contentType": XED}}, "mappings": EVENT_MAPPINGS}
        j = self.ok(self.call("POST", CV + "/mappingSets", body), 201)
        self.assertRegex(j["id"], HEX32_RE)
        self.assertEqual(j["version"], 0)
        self.assertIsInstance(j["createdDate"], int)
        self.assertIsInstance(j["modifiedDate"], int)
        self.assertLess(abs(j["createdDate"] - time.time() * 1000), 120000)
        legacy = {"outputSchema": {"schemaRef": {"id": schema, "contentType": XED}},
                  "mappings": [{"destinationXdmPath": "email", "sourceAttribute": "data.identifiers.email",
                                "identity": False, "version": 0}]}
        j2 = self.ok(self.call("POST", CV + "/mappingSets", legacy), 201, "legacy form")
        self.assertNotEqual(j2["id"], j["id"])

        g = self.ok(self.call("GET", "%s/mappingSets/%s" % (CV, j["id"])))
        self.assertEqual(g["id"], j["id"])
        self.assertEqual(len(g["mappings"]), len(EVENT_MAPPINGS))
        self.assertEqual(g["outputSchema"]["schemaRef"]["id"], schema)
        self.assertProblem(self.call("GET", "%s/mappingSets/%s" % (CV, UNKNOWN_HEX32)), 404)
        post = lambda b: self.call("POST", CV + "/mappingSets", b)  # noqa: E731
        self.bad(post({"outputSchema": body["outputSchema"]}), "mappings", what="no mappings")
        self.bad(post({"outputSchema": body["outputSchema"], "mappings": {"a": "b"}}), "mappings",
                 what="mappings an object")
        self.bad(post({"mappings": [{"sourceType": "ATTRIBUTE", "source": "a"}]}), "destination",
                 what="no destination")
        self.bad(post({"mappings": [{"sourceType": "ATTRIBUTE", "destination": "a"}]}), "source",
                 what="no source")
        self.bad(post({"mappings": [{"sourceType": "NONSENSE", "source": "a", "destination": "b"}]}), "sourceType",
                 what="unknown sourceType")
        self.bad(post({"mappings": [{"sourceType": "ATTRIBUTE", "source": "a..b", "destination": "b"}]}), "source",
                 what="empty path segment")
        self.bad(post({"mappings": ["a"]}), "mappings", what="a mapping that is not an object")
        self.assertProblem(self.call("POST", CV + "/mappingSets", raw=b"[]"), 400, "array body")

        # versions: PUT replaces the mappings as version 1; version 0 stays readable
        v1 = {"mappings": [{"sourceType": "ATTRIBUTE", "source": "metric", "destination": "metric"}]}
        self.ok(self.call("PUT", "%s/mappingSets/%s" % (CV, j["id"]), v1), 200, "PUT new version")
        newest = self.ok(self.call("GET", "%s/mappingSets/%s" % (CV, j["id"])))
        self.assertEqual((newest["version"], len(newest["mappings"])), (1, 1))
        old = self.ok(self.call("GET", "%s/mappingSets/%s?version=0" % (CV, j["id"])))
        self.assertEqual((old["version"], len(old["mappings"])), (0, len(EVENT_MAPPINGS)))
        self.assertProblem(self.call("GET", "%s/mappingSets/%s?version=7" % (CV, j["id"])), 404)
        maps = self.ok(self.call("GET", "%s/mappingSets/%s/mappings" % (CV, j["id"])))
        self.assertEqual(len(maps), 1)
        one = self.ok(self.call("GET", "%s/mappingSets/%s/mappings/%s" % (CV, j["id"], maps[0]["id"])))
        self.assertEqual(one["destination"], "metric")
        self.bad(self.call("PUT", "%s/mappingSets/%s" % (CV, j["id"]), {"mappings": [{"source": "a"}]}),
                 "destination", what="PUT with a bad mapping")
        # validate: one status per mapping
        val = self.ok(self.call("POST", CV + "/mappingSets/validate", {"mappings": [
            {"sourceType": "ATTRIBUTE", "source": "a", "destination": "x"},
            {"sourceType": "NONSENSE", "source": "a", "destination": "x"}]}))
        statuses = [r["status"] for r in val["validationResponse"]]
        self.assertEqual(statuses, ["SUCCESS", "FAILED"])
        self.assertIn("sourceType", val["validationResponse"][1]["errors"][0]["exception"])
        # preview: schemaless without outputSchema, coerced with one
        pv = self.ok(self.call("POST", CV + "/mappingSets/preview", {
            "data": [{"a": {"b": "7"}}],
            "mappingSet": {"mappings": [{"sourceType": "ATTRIBUTE", "source": "a.b", "destination": "out.v"}]}}))
        self.assertEqual(pv, [{"data": {"out": {"v": "7"}}, "errors": None}])

        lst = self.ok(self.call("GET", CV + "/mappingSets"))
        # CONTRACTS.md is silent, so AEP's shape: GET /mappingSets -> {"data":[...],"_page":{...}}
        self.assertIsInstance(lst.get("data"), list, "mapping-set list shape: %r" % list(lst))
        self.assertIn(j["id"], [m.get("id") for m in lst["data"]])
        self.assertIn(j2["id"], [m.get("id") for m in lst["data"]])

    # ---- routing -----------------------------------------------------------------------------
    def test_wrong_method_and_unknown_path(self):
        p = self.pipeline()
        cases = [
            ("PUT", FS + "/flows", ("GET", "POST")),
            ("DELETE", FS + "/flows", ("GET", "POST")),
            ("POST", "%s/flows/%s" % (FS, p["flow"]), ("GET", "PATCH", "DELETE")),
            ("PUT", "%s/flows/%s" % (FS, p["flow"]), ("GET", "PATCH", "DELETE")),
            ("GET", "%s/flows/%s/action" % (FS, p["flow"]), ("POST",)),
            ("DELETE", "%s/connectionSpecs/%s" % (FS, CIO_SPEC), ("GET",)),
            ("POST", FS + "/flowSpecs", ("GET",)),
            ("PUT", "%s/sourceConnections/%s" % (FS, p["source"]), ("GET", "PATCH", "DELETE")),
            ("POST", "%s/targetConnections/%s" % (FS, p["target"]), ("GET", "PATCH", "DELETE")),
            ("PUT", "%s/dataSets/%s" % (CAT, p["dataset"]), ("GET", "PATCH", "DELETE")),
            ("PATCH", "%s/tenant/schemas/%s" % (SR, SCHEMA_ID_RE.match(p["schema"]).group(1)), ("GET", "DELETE")),
            ("GET", SR + "/sluice/infer", ("POST",)),
            ("DELETE", "%s/mappingSets/%s" % (CV, p["mapping"]), ("GET", "PUT")),
            ("POST", "%s/datasets/%s/preview" % (EXP, p["dataset"]), ("GET",)),
        ]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.call(method, path, raw=b"{}" if method in ("POST", "PUT", "PATCH") else None)
                self.assertProblem(r, 405, "%s %s" % (method, path))
                allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
                for m in allowed:
                    self.assertIn(m, allow, "%s %s: Allow %r" % (method, path, r.headers.get("allow")))
        for path in (FS + "/nothing", FS + "/flows/%s/nothing" % p["flow"], "/data/foundation/nothing",
                     CAT + "/batches"):
            self.assertProblem(self.call("GET", path), 404, path)
        for path in ("%s/flows/%s" % (FS, UNKNOWN_UUID), "%s/sourceConnections/%s" % (FS, UNKNOWN_UUID),
                     "%s/targetConnections/%s" % (FS, UNKNOWN_UUID), "%s/dataSets/%s" % (CAT, UNKNOWN_DS),
                     "%s/datasets/%s/preview" % (EXP, UNKNOWN_DS)):
            self.assertProblem(self.call("GET", path), 404, path)
        for kind in ("flows", "sourceConnections", "targetConnections"):
            path = "%s/%s/%s" % (FS, kind, UNKNOWN_UUID)
            self.assertProblem(self.call("PATCH", path, [{"op": "replace", "path": "/name", "value": "x"}],
                                         {"If-Match": '"x"'}), 404, "PATCH " + path)
            self.assertProblem(self.call("DELETE", path), 404, "DELETE " + path)


class GlobalAndOwnKeys(ApiBase):
    """--cio-signing-keys apply to Customer.io sources without keys of their own; own keys win."""

    def test_own_keys_win_over_configured_keys(self):
        glob_key = "global-" + harness.ulid()
        own = "own-" + harness.ulid()
        self.s = self.sluice(keys=[glob_key])
        self.assertEqual(self.s.post_event(harness.make_event(), key=glob_key).status, 200, "first-start flow")
        p_own = self.pipeline(keys=[own])
        p_none = self.pipeline()
        self.assertEqual(self.send(p_own, harness.make_event(), key=own).status, 200)
        self.assertProblem(self.send(p_own, harness.make_event(), key=glob_key), 401, "global key on a keyed source")
        self.assertEqual(self.send(p_none, harness.make_event(), key=glob_key).status, 200)
        self.assertProblem(self.send(p_none, harness.make_event()), 401, "unsigned, configured keys apply")
        self.assertProblem(self.send(p_none, harness.make_event(), key=own), 401, "another source's key")


if __name__ == "__main__":
    harness.main()
