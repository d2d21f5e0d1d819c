#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Data Prep through the API: the function catalogue (/languages/el/functions) with every
documented example run through /mappingSets/preview, expression validation with positions, and
an EXPRESSION mapping running in a live dataflow after a new mapping-set version is pinned."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_event  # noqa: E402

CV = "/data/foundation/conversion"
FS = "/data/foundation/flowservice"

# Examples whose documented text reads fields of a record (a bare name or "where x = ..."), writes
# an object as a literal (the language, like AEP's, takes objects from fields), or whose result
# depends on the clock or randomness: tests/mapping/*.test runs them with inputs instead.
NOT_SELF_CONTAINED = {"now", "timestamp", "uuid", "guid", "contains_key", "object_to_map",
                      "nullify", "to_object", "arrays_to_object", "arrays_to_objects", "get_keys",
                      "json_to_object", "map_get_values", "map_has_keys", "add_to_map"}


def same(got, want):
    """The documented result column is not always JSON-typed ("5.1" shown as 5.1)."""
    if got == want:
        return True
    if isinstance(want, float) and isinstance(got, (int, float)):
        return abs(got - want) < 1e-9
    return isinstance(got, str) and not isinstance(want, (dict, list)) and got == json.dumps(want)


class DataPrep(harness.SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = cls.class_sluice()

    def post(self, path, body):
        return self.s.admin("POST", path, body=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json"})

    def test_catalogue_rows(self):
        rows = self.s.admin_json(CV + "/languages/el/functions")
        self.assertGreaterEqual(len(rows), 100)
        names = {r["function"] for r in rows}
        for must in ("concat", "lower", "lcase", "sha256", "date", "dformat", "iif", "coalesce",
                     "filterArray", "ua_os_name", "aa_get_event_id", "to_integer", "json_to_object"):
            self.assertIn(must, names)
        for r in rows:
            for key in ("category", "function", "syntax", "params", "returnType", "example", "result"):
                self.assertIn(key, r, r.get("function"))
            self.assertTrue(r["syntax"] and r["example"] and r["category"], r)
        only = self.s.admin_json(CV + "/languages/el/functions?category=Hashing")
        self.assertTrue(only and all(r["category"] == "Hashing" for r in only), only)
        ops = self.s.admin_json(CV + "/languages/el/operators")
        self.assertIn("~", [o["operatorSymbol"] for o in ops])

    def test_every_example_through_preview(self):
        rows = self.s.admin_json(CV + "/languages/el/functions")
        tried = 0
        wrong = []
        for r in rows:
            if not r.get("supported", True) or r["function"] in NOT_SELF_CONTAINED:
                continue
            try:
                want = json.loads(r["result"])
            except ValueError:
                continue  # a result written as prose, not JSON
            mapping = {"mappings": [{"sourceType": "EXPRESSION", "source": r["example"],
                                     "destination": "out"}]}
            resp = self.post(CV + "/mappingSets/preview", {"data": [{}], "mappingSet": mapping})
            if resp.status != 200:
                wrong.append((r["function"], r["example"], "HTTP %d %s" % (resp.status, resp.body[:200])))
                continue
            got = resp.json()[0]["data"].get("out")
            tried += 1
            if not same(got, want):
                wrong.append((r["function"], r["example"], "got %r want %r" % (got, want)))
        self.assertGreaterEqual(tried, 50, "too few self-contained examples ran")
        self.maxDiff = None
        self.assertEqual(wrong, [], "documented examples that preview does not reproduce")

    def test_validate_expression(self):
        ok = self.post(CV + "/languages/el/validate", {"expression": 'concat(first, " ", last)'})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.json(), {"validationStatus": "succeeded", "error": "none"})
        bad = self.post(CV + "/languages/el/validate", {"expression": 'concat(first, " "\n, upper(x'})
        self.assertEqual(bad.status, 400, bad)
        j = bad.json()
        self.assertEqual(j["validationStatus"], "failed")
        self.assertEqual((j["line"], j["column"]), (2, 10), j)
        unknown = self.post(CV + "/languages/el/validate", {"expression": "no_such_fn(1)"})
        self.assertEqual(unknown.status, 400)
        self.assertIn("no_such_fn", unknown.json()["error"])
        self.assertProblem(self.post(CV + "/languages/el/validate", {"expr": "x"}), 400, "no expression")

    def test_preview_coerces_to_the_output_schema(self):
        schema = {"title": "flags", "meta:class": "https://ns.adobe.com/xdm/context/experienceevent",
                  "properties": {"optIn": {"type": "boolean"}, "count": {"type": "long"},
                                 "label": {"type": "string"}}}
        r = self.post("/data/foundation/schemaregistry/tenant/schemas", schema)
        self.assertEqual(r.status, 201, r)
        sid = r.json()["$id"]
        mapping = {"outputSchema": {"schemaRef": {"id": sid}}, "mappings": [
            {"sourceType": "ATTRIBUTE", "source": "a", "destination": "optIn"},
            {"sourceType": "ATTRIBUTE", "source": "n", "destination": "count"},
            {"sourceType": "ATTRIBUTE", "source": "n", "destination": "label"}]}
        rows = [{"a": "yes", "n": "42"}, {"a": "OFF", "n": 7}, {"a": "maybe", "n": "x"}]
        r = self.post(CV + "/mappingSets/preview", {"data": rows, "mappingSet": mapping})
        self.assertEqual(r.status, 200, r)
        out = r.json()
        self.assertEqual(out[0], {"data": {"optIn": True, "count": 42, "label": "42"}, "errors": None})
        self.assertEqual(out[1]["data"], {"optIn": False, "count": 7, "label": "7"})
        # The two that cannot be coerced stay as they are, and the preview says the record would
        # fail validation on their types (AEP fails a record on a data-type mismatch).
        self.assertEqual(out[2]["data"], {"optIn": "maybe", "count": "x", "label": "x"})
        errs = out[2]["errors"]
        self.assertEqual(len(errs), 2, errs)
        self.assertTrue(errs[0].startswith("type: ") and "#/optIn" in errs[0], errs)
        self.assertTrue(errs[1].startswith("type: ") and "#/count" in errs[1], errs)
        schemaless = dict(mapping)
        del schemaless["outputSchema"]
        r = self.post(CV + "/mappingSets/preview", {"data": rows[:1], "mappingSet": schemaless})
        self.assertEqual(r.json()[0]["data"], {"optIn": "yes", "count": "42", "label": "42"})

    def test_strings_to_date_time_fields(self):
        """aep-api.md §3.5: a string mapped to a date-time field is read with ISO-8601 and then
        the ordered pattern list; one that matches none stays as it is and fails validation."""
        schema = {"title": "dates", "meta:class": "https://ns.adobe.com/xdm/context/experienceevent",
                  "properties": {"when": {"type": "date-time"}}}
        r = self.post("/data/foundation/schemaregistry/tenant/schemas", schema)
        self.assertEqual(r.status, 201, r)
        mapping = {"outputSchema": {"schemaRef": {"id": r.json()["$id"]}}, "mappings": [
            {"sourceType": "ATTRIBUTE", "source": "w", "destination": "when"}]}
        cases = [("2026-01-01T12:03:42Z", "2026-01-01T12:03:42Z"),
                 ("2026-01-01T12:03:42.500+02:00", "2026-01-01T12:03:42.500+02:00"),
                 ("2024-05-05 20:39:00", "2024-05-05T20:39:00Z"),
                 ("2024-05-05 20:39:00.005-0800", "2024-05-05T20:39:00.005-08:00"),
                 ("2024/05/05", "2024-05-05T00:00:00Z"),
                 ("12112020", "2020-12-11T00:00:00Z"),  # MMddyyyy, the documented ambiguity
                 ("05-Mar-2024", "2024-03-05T00:00:00Z"),
                 (1767269059, "2026-01-01T12:04:19Z")]
        rows = [{"w": c[0]} for c in cases]
        out = self.post(CV + "/mappingSets/preview", {"data": rows, "mappingSet": mapping}).json()
        self.assertEqual(len(out), len(cases))
        for (given, want), got in zip(cases, out):
            self.assertEqual(got["data"].get("when"), want, given)
        bad = self.post(CV + "/mappingSets/preview", {"data": [{"w": "not a date"}], "mappingSet": mapping}).json()
        self.assertEqual(bad[0]["data"], {"when": "not a date"})
        self.assertEqual(len(bad[0]["errors"]), 1, bad)
        self.assertIn("#/when", bad[0]["errors"][0])

    def test_record_missing_a_required_field_fails(self):
        s = self.sluice()
        flow = s.admin_json("%s/flows/%s" % (FS, s.flow_id))["items"][0]
        ms_id = flow["transformations"][0]["params"]["mappingId"]
        current = s.admin_json("%s/mappingSets/%s" % (CV, ms_id))
        # metric is required by the Customer.io schema; this version nulls it for clicks
        mappings = [dict((k, v) for k, v in m.items() if k != "id") for m in current["mappings"]
                    if m.get("destination") != "metric"]
        mappings.append({"sourceType": "EXPRESSION", "source": 'iif(metric == "clicked", null, metric)',
                         "destination": "metric"})
        r = s.admin("PUT", "%s/mappingSets/%s" % (CV, ms_id), body=json.dumps({"mappings": mappings}).encode())
        self.assertEqual(r.status, 200, r)
        got = s.admin("GET", "%s/flows/%s" % (FS, s.flow_id))
        etag = got.headers.get("ETag") or got.headers.get("etag")
        patch = [{"op": "replace", "path": "/transformations/0/params/mappingVersion", "value": 1}]
        r = s.admin("PATCH", "%s/flows/%s" % (FS, s.flow_id), body=json.dumps(patch).encode(),
                    headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        clicked = make_event(template="email_clicked.json")
        opened = make_event(template="email_opened.json")
        for ev in (clicked, opened):
            self.assertEqual(s.post_event(ev, key=None).status, 200)
        s.wait_event_ids([opened["event_id"]])  # processed in order: the click came first
        self.assertNotIn(clicked["event_id"], s.ds_event_ids())
        metrics = s.admin("GET", "/metrics").body.decode()
        failed = [l for l in metrics.splitlines() if l.startswith("sluice_pipeline_failed_total ")]
        self.assertEqual(failed, ["sluice_pipeline_failed_total 1"])
        # preview says why
        ds = s.datasets()
        schema_id = list(ds.values())[0]["schemaRef"]["id"]
        pv = self.post_to(s, CV + "/mappingSets/preview", {
            "data": [harness.load_sample("email_clicked.json")],
            "mappingSet": {"outputSchema": {"schemaRef": {"id": schema_id}}, "mappings": mappings}}).json()
        self.assertNotIn("metric", pv[0]["data"])
        self.assertIn("required key [metric] not found", json.dumps(pv[0]["errors"]))

    def post_to(self, s, path, body):
        return s.admin("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    def test_recommendations(self):
        ds = self.s.datasets()
        schema_id = list(ds.values())[0]["schemaRef"]["id"]
        sample = harness.load_sample("email_clicked.json")
        r = self.post(CV + "/sluice/recommendations", {"source": sample, "targetSchemaId": schema_id})
        self.assertEqual(r.status, 200, r)
        got = {m["destination"]: (m["source"], m["reason"]) for m in r.json()["mappings"]}
        for dst, src in (("object_type", "object_type"), ("metric", "metric"), ("event_id", "event_id"),
                         ("timestamp", "timestamp"), ("id", "data.identifiers.id"),
                         ("email", "data.identifiers.email"), ("cio_id", "data.identifiers.cio_id")):
            self.assertEqual(got.get(dst, (None,))[0], src, dst)
        self.assertEqual(got["href"], ("data.href", "name"))
        self.assertNotIn("_id", got)
        # a source schema works as well as a sample, and names match ignoring case and underscores
        schema = {"properties": {"Event_ID": {"type": "string"}, "profile": {"type": "object",
                  "properties": {"EMAIL": {"type": "string"}}}}}
        r = self.post(CV + "/sluice/recommendations", {"source": schema, "targetSchemaId": schema_id})
        got = {m["destination"]: m["source"] for m in r.json()["mappings"]}
        self.assertEqual(got.get("event_id"), "Event_ID")
        self.assertEqual(got.get("email"), "profile.EMAIL")
        self.assertProblem(self.post(CV + "/sluice/recommendations", {"source": sample}), 400, "no target")
        self.assertProblem(self.post(CV + "/sluice/recommendations",
                                     {"source": sample, "targetSchemaId": "https://ns.adobe.com/sluice/schemas/00"}),
                           400, "unknown target")

    def test_expression_in_a_live_flow(self):
        s = self.sluice()  # a server of its own: this test changes the default flow
        flow = s.admin_json("%s/flows/%s" % (FS, s.flow_id))["items"][0]
        ms_id = flow["transformations"][0]["params"]["mappingId"]
        current = s.admin_json("%s/mappingSets/%s" % (CV, ms_id))
        mappings = [m for m in current["mappings"]]
        for m in mappings:
            m.pop("id", None)
        mappings.append({"sourceType": "EXPRESSION", "source": 'concat(upper(object_type), ".", metric)',
                         "destination": "eventType"})
        mappings.append({"sourceType": "EXPRESSION", "source": "to_integer(data.recipient)",
                         "destination": "subjectNumber"})
        r = s.admin("PUT", "%s/mappingSets/%s" % (CV, ms_id),
                         body=json.dumps({"mappings": mappings}).encode())
        self.assertEqual(r.status, 200, r)
        # the flow still runs version 0 until it is pinned to version 1
        before = make_event()
        self.assertEqual(s.post_event(before, key=None).status, 200)
        s.wait_event_ids([before["event_id"]])
        self.assertNotIn("eventType", s.ds_record(before["event_id"]))
        got = s.admin("GET", "%s/flows/%s" % (FS, flow["id"]))
        etag = got.headers.get("ETag") or got.headers.get("etag")
        patch = [{"op": "replace", "path": "/transformations/0/params/mappingVersion", "value": 1}]
        r = s.admin("PATCH", "%s/flows/%s" % (FS, flow["id"]), body=json.dumps(patch).encode(),
                         headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        after = make_event(template="email_opened.json")
        self.assertEqual(s.post_event(after, key=None).status, 200)
        s.wait_event_ids([after["event_id"]])
        rec = s.ds_record(after["event_id"])
        self.assertEqual(rec["eventType"], "EMAIL.opened")
        # to_integer("jane.doe@example.com") fails: the field is nulled, the record still lands
        self.assertNotIn("subjectNumber", rec)
        self.assertEqual(rec["metric"], "opened")
        metrics = s.admin("GET", "/metrics").body.decode()
        warn = [l for l in metrics.splitlines() if l.startswith("sluice_pipeline_warnings_total ")]
        self.assertTrue(warn and int(warn[0].split()[1]) >= 1, warn)


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
