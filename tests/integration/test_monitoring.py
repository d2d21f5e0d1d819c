#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Monitoring of dataflows (issue 5), against the real binary: records that fail validation of
each kind, mapper warnings and unparsable bodies, counted in the right hourly run with the right
code and kept as error diagnostics when the flow has errorDiagnosticsEnabled (only counted when
not); partial-ingestion thresholds on both sides of the line; run windows across an hour boundary
and the /runs filters; syncValidation's pass and fail answers; replays after a mapping change
(rows rewritten, counts recomputed, events arriving meanwhile kept); and /metrics moving.

Windows are closed with SLUICE_CLOCK_OFFSET_MS: a test starts sluice with its clock 10 minutes
into an hour (harness.mid_hour_offset) and restarts it one hour later, or, for the boundary
itself, a few seconds before the next hour and waits until the hour has passed."""

import json
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (FLOWSERVICE, HOUR_MS, api, api_ok, create_flow, flow_errors, hour_window,  # noqa: E402
                     patch_flow, poll, post_to_flow, run_by_id, run_counts, run_id_of, runs_of, wait_run)

EXPORT = "/data/foundation/export"
NO_ID = "00000000-0000-4000-8000-000000000000"
KEYWORD_RE = re.compile(r"(?:^|; )(type|required|enum|pattern|format|minimum|maximum|exclusiveMinimum|"
                        r"exclusiveMaximum|minLength|maxLength|minItems|maxItems|additionalProperties): ")

# A schema with one field per validation keyword, a nested required field and an integer field
# fed by an expression that can fail at runtime (a mapper warning).
VALIDATED = {
    "event_id": {"type": "string"},
    "req": {"type": "string"},
    "name": {"type": "string", "pattern": "^[a-z]+$"},
    "kind": {"type": "string", "enum": ["a", "b"]},
    "n": {"type": "integer", "minimum": 0, "maximum": 10},
    "mail": {"type": "string", "format": "email"},
    "tags": {"type": "array", "items": {"type": "integer"}},
    "short": {"type": "string", "maxLength": 3},
    "o": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
    "num_out": {"type": "integer"},
}
VALIDATED_MAPPINGS = [{"sourceType": "ATTRIBUTE", "source": k, "destination": k}
                      for k in VALIDATED if k != "num_out"] + [
    {"sourceType": "EXPRESSION", "source": "to_integer(num)", "destination": "num_out"}]

# (label, body, expected code or None (ingested), keyword, pointer). Every failure kind once.
CASES = [
    ("valid", {"event_id": "ok-1", "req": "r", "name": "abc", "kind": "a", "n": 3, "mail": "a@b.co",
               "tags": [1, 2], "short": "ab", "o": {"x": "y"}, "num": "42"}, None, None, None),
    ("required", {"event_id": "req-1", "name": "abc"}, "INGEST-1555-400", "required", "#/req"),
    ("required null", {"event_id": "req-2", "req": None}, "INGEST-1555-400", "required", "#/req"),
    ("nested required", {"event_id": "req-3", "req": "r", "o": {"y": 1}}, "INGEST-1555-400", "required", "#/o/x"),
    ("type", {"event_id": "type-1", "req": "r", "tags": ["x"]}, "INGEST-1400-400", "type", "#/tags/0"),
    ("enum", {"event_id": "enum-1", "req": "r", "kind": "z"}, "INGEST-1400-400", "enum", "#/kind"),
    ("pattern", {"event_id": "pat-1", "req": "r", "name": "ABC"}, "INGEST-1400-400", "pattern", "#/name"),
    ("format", {"event_id": "fmt-1", "req": "r", "mail": "not-an-address"}, "INGEST-1400-400", "format", "#/mail"),
    ("maximum", {"event_id": "max-1", "req": "r", "n": 11}, "INGEST-1400-400", "maximum", "#/n"),
    ("minimum", {"event_id": "min-1", "req": "r", "n": -1}, "INGEST-1400-400", "minimum", "#/n"),
    ("maxLength", {"event_id": "len-1", "req": "r", "short": "abcd"}, "INGEST-1400-400", "maxLength", "#/short"),
    ("warning", {"event_id": "warn-1", "req": "r", "num": "not a number"}, None, None, "#/num_out"),
    ("many", {"event_id": "many-1", "req": "r", "name": "ABC", "kind": "z", "n": 11, "mail": "x",
              "tags": ["a", "b"], "short": "abcdef"}, "INGEST-1400-400", "pattern", "#/name"),
]
UNPARSABLE = [b"{not json", b'{"event_id": "bad-utf8", "v": "\xff\xfe"']


def by_code(items):
    return {i["code"]: i["recordCount"] for i in items}


class Diagnostics(harness.SluiceTestCase):
    """Validation failures, warnings and unparsable bodies: counts, codes and diagnostics."""

    def test_failures_counted_with_codes_and_kept_only_with_diagnostics_on(self):
        offset = harness.mid_hour_offset()
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        on = create_flow(s, VALIDATED, required=["req"], mappings=VALIDATED_MAPPINGS, name="diagnostics on")
        off = create_flow(s, VALIDATED, required=["req"], mappings=VALIDATED_MAPPINGS, name="diagnostics off")
        r = patch_flow(s, on["flow_id"], [{"op": "add", "path": "/options/errorDiagnosticsEnabled", "value": True}])
        self.assertEqual(r.status, 200, r)
        r = patch_flow(s, off["flow_id"], [{"op": "add", "path": "/options/errorDiagnosticsEnabled", "value": False}])
        self.assertEqual(r.status, 200, r)

        received_ms = {}
        for flow in (on, off):
            for label, body, _, _, _ in CASES:
                r = post_to_flow(s, flow, body)
                self.assertEqual(r.status, 200, "%s: %r" % (label, r))
                self.assertEqual(r.json()["syncValidation"], {"skipped": True})
                received_ms[(flow["flow_id"], body["event_id"])] = r.json()["receivedTimeMs"]
            for raw in UNPARSABLE:
                self.assertProblem(post_to_flow(s, flow, raw), 400, "unparsable body")
            # a resend of the valid event: a duplicate
            self.assertEqual(post_to_flow(s, flow, CASES[0][1]).status, 200)
        window = hour_window(min(received_ms.values()))
        self.assertEqual(window, hour_window(max(received_ms.values())), "events straddle an hour")

        n_failed = sum(1 for c in CASES if c[2]) + len(UNPARSABLE)
        n_total = len(CASES) + len(UNPARSABLE) + 1
        want_counts = (n_total, 2, n_failed, 1, 1)  # received, ingested, failed, duplicates, warnings
        for flow in (on, off):
            rid = run_id_of(flow["flow_id"], window)
            run = wait_run(s, rid, lambda r: run_counts(r) == want_counts, what="counts of " + flow["flow_id"])
            self.assertIsNotNone(run, "no run %s" % rid)
            self.assertEqual(run_counts(run), want_counts, json.dumps(run["metrics"]["recordSummary"]))
            rs = run["metrics"]["recordSummary"]
            self.assertEqual(rs["skippedRecordCount"], 1)
            self.assertEqual(rs["createdRecordCount"], 2)
            self.assertAlmostEqual(rs["ingestionRate"], (n_total - n_failed) * 100.0 / n_total, places=6)
            self.assertEqual(by_code(rs["failedInfo"]), {"INGEST-1555-400": 3, "INGEST-1400-400": 8,
                                                         "INGEST-1401-400": len(UNPARSABLE)})
            self.assertEqual(by_code(rs["warningInfo"]), {"MAPPER-3700-400": 1})
            for i in rs["failedInfo"] + rs["warningInfo"]:
                self.assertIsInstance(i["message"], str)
                self.assertTrue(i["message"])
            self.assertEqual(run["id"], rid)
            self.assertEqual(run["flowId"], flow["flow_id"])
            self.assertEqual(run["flowSpec"], {"id": harness.FLOW_SPEC_ID, "version": "1.0"})
            self.assertGreater(run["metrics"]["sizeSummary"]["inputBytes"], 0)
            lat = run["metrics"]["latencySummary"]
            self.assertTrue(0 <= lat["minMs"] <= lat["avgMs"] <= lat["maxMs"], lat)
            dur = run["metrics"]["durationSummary"]
            self.assertEqual(dur["startedAtUTC"], window)
            self.assertIsNone(dur["completedAtUTC"])
            self.assertEqual(dur["extensions"], {"windowStart": window, "windowEnd": window + HOUR_MS})
            self.assertEqual(run["metrics"]["statusSummary"]["status"], "inProgress")
            self.assertEqual(run["metrics"]["statusSummary"]["extensions"]["uiStatus"], "Processing")
            self.assertEqual(run["metrics"]["statusSummary"].get("errors") or [], [])
            # rows: the valid record and the one with a warning (its failed field left out)
            rows = {r[0]: json.loads(r[1]) for r in s.ds_query("SELECT event_id, record FROM {ds}",
                                                               dataset_id=flow["dataset_id"])}
            self.assertEqual(set(rows), {"ok-1", "warn-1"})
            self.assertEqual(rows["ok-1"]["num_out"], 42)
            self.assertNotIn("num_out", rows["warn-1"])

        # ---- diagnostics on: one item per failed record and warning, newest first ----
        items = flow_errors(s, on["flow_id"], "limit=1000")
        self.assertEqual(len(items), n_failed + 1, json.dumps(items, indent=1))
        seqs = [i["seq"] for i in items]
        self.assertEqual(seqs, sorted(seqs, reverse=True), "newest first")
        rid = run_id_of(on["flow_id"], window)
        by_raw = {}
        for i in items:
            self.assertEqual(set(i), {"code", "message", "pointer", "receivedTimeMs", "raw", "level",
                                      "runId", "flowId", "seq", "createdTimeMs"}, i)
            self.assertEqual(i["runId"], rid)
            self.assertEqual(i["flowId"], on["flow_id"])
            self.assertEqual(hour_window(i["receivedTimeMs"]), window)
            self.assertIsInstance(i["createdTimeMs"], int)
            by_raw[i["raw"]] = i
        for label, body, code, keyword, pointer in CASES:
            raw = harness.compact(body).decode()
            if label == "valid":
                self.assertNotIn(raw, by_raw, "the valid record has no diagnostic")
                continue
            self.assertIn(raw, by_raw, "%s: no diagnostic with the raw body %s" % (label, raw))
            d = by_raw[raw]
            self.assertEqual(d["receivedTimeMs"], received_ms[(on["flow_id"], body["event_id"])], label)
            self.assertEqual(d["pointer"], pointer, label)
            if code is None:
                self.assertEqual((d["code"], d["level"]), ("MAPPER-3700-400", "warning"), label)
                self.assertIn("to_integer", d["message"], label)
                continue
            self.assertEqual((d["code"], d["level"]), (code, "error"), label)
            keywords = KEYWORD_RE.findall(d["message"])
            self.assertTrue(d["message"].startswith(keyword + ": "), "%s: %r" % (label, d["message"]))
            self.assertTrue(1 <= len(keywords) <= 5, "%s: %r" % (label, d["message"]))
        many = by_raw[harness.compact(CASES[-1][1]).decode()]
        self.assertEqual(len(KEYWORD_RE.findall(many["message"])), 5, many["message"])
        self.assertEqual(KEYWORD_RE.findall(many["message"])[:2], ["pattern", "enum"], many["message"])
        unparsable = [i for i in items if i["code"] == "INGEST-1401-400"]
        self.assertEqual(sorted(i["raw"] for i in unparsable),
                         sorted(b.decode("utf-8", "replace") for b in UNPARSABLE),
                         "raw as received (UTF-8 made safe)")
        for i in unparsable:
            self.assertEqual(i["level"], "error")
            self.assertTrue(i["message"])

        # the same through the run, and AEP's failed-records shape
        self.assertEqual(s.admin_json("%s/runs/%s/errors?limit=1000" % (FLOWSERVICE, rid))["items"], items)
        failed = s.admin_json("%s/batches/%s/failed" % (EXPORT, rid))
        self.assertEqual(len(failed["data"]), n_failed)
        self.assertEqual(failed["_page"]["count"], n_failed)
        for rec in failed["data"]:
            self.assertEqual(len(rec["_errors"]), 1, rec)
            self.assertEqual(set(rec["_errors"][0]), {"code", "message"})
            if rec["_errors"][0]["code"] == "INGEST-1401-400":
                self.assertIn(rec["_corrupt_record"], [b.decode("utf-8", "replace") for b in UNPARSABLE])
                self.assertNotIn("_validationErrors", rec)
            else:
                self.assertIn(rec["_raw"], by_raw)
                ve = rec["_validationErrors"][0]
                self.assertEqual(ve["pointerToViolation"], by_raw[rec["_raw"]]["pointer"])
                self.assertEqual(ve["message"], by_raw[rec["_raw"]]["message"])

        # filters: level, since, runId, limit; refusals
        self.assertEqual([i["code"] for i in flow_errors(s, on["flow_id"], "level=warning")], ["MAPPER-3700-400"])
        self.assertEqual(len(flow_errors(s, on["flow_id"], "level=error&limit=1000")), n_failed)
        self.assertEqual(flow_errors(s, on["flow_id"], "limit=3"), items[:3])
        self.assertEqual(flow_errors(s, on["flow_id"], "runId=" + rid + "&limit=1000"), items)
        self.assertEqual(flow_errors(s, on["flow_id"], "runId=" + run_id_of(on["flow_id"], window - HOUR_MS)), [])
        cut = received_ms[(on["flow_id"], "many-1")]
        since = flow_errors(s, on["flow_id"], "since=%d&limit=1000" % cut)
        self.assertTrue(since and all(i["receivedTimeMs"] >= cut for i in since), since)
        self.assertTrue(len(since) < len(items))
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(window / 1000)) + "Z"
        self.assertEqual(len(flow_errors(s, on["flow_id"], "since=%s&limit=1000" % iso)), len(items))
        for q in ("limit=0", "limit=1001", "limit=x", "level=fatal", "since=yesterday"):
            self.assertProblem(s.admin("GET", "%s/flows/%s/errors?%s" % (FLOWSERVICE, on["flow_id"], q)), 400, q)
        self.assertProblem(s.admin("GET", "%s/flows/%s/errors" % (FLOWSERVICE, NO_ID)), 404, "unknown flow")
        self.assertProblem(s.admin("GET", "%s/runs/%s/errors" % (FLOWSERVICE, NO_ID)), 404, "unknown run")
        self.assertProblem(s.admin("GET", "%s/batches/%s/failed" % (EXPORT, NO_ID)), 404, "unknown run")

        # ---- diagnostics off: counts only ----
        rid_off = run_id_of(off["flow_id"], window)
        self.assertEqual(flow_errors(s, off["flow_id"]), [])
        self.assertEqual(s.admin_json("%s/runs/%s/errors" % (FLOWSERVICE, rid_off))["items"], [])
        self.assertEqual(s.admin_json("%s/batches/%s/failed" % (EXPORT, rid_off))["data"], [])
        self.assertEqual(s.store_rows("SELECT count(*) FROM diagnostics WHERE flow_id = ?",
                                      (off["flow_id"],))[0][0], 0)

        # ---- the hour ends: the runs get their final status ----
        s.stop()
        s.extra_env["SLUICE_CLOCK_OFFSET_MS"] = str(offset + HOUR_MS)
        s.start()
        for flow in (on, off):
            run = run_by_id(s, run_id_of(flow["flow_id"], window))
            self.assertEqual(run_counts(run), want_counts)
            st = run["metrics"]["statusSummary"]
            self.assertEqual(st["status"], "failed", st)  # no partialIngestionPercent: any failure
            self.assertEqual(st["extensions"]["uiStatus"], "Error")
            self.assertEqual(sorted(e["code"] for e in st["errors"]),
                             ["INGEST-1400-400", "INGEST-1401-400", "INGEST-1555-400"], st)
            for e in st["errors"]:
                self.assertTrue(e["message"])
            self.assertEqual(run["metrics"]["durationSummary"]["completedAtUTC"], window + HOUR_MS)
        self.assertEqual(len(flow_errors(s, on["flow_id"], "limit=1000")), n_failed + 1,
                         "diagnostics survive a restart")

    def test_flow_options_are_checked(self):
        s = self.sluice()
        f = create_flow(s, {"event_id": {"type": "string"}}, options={"errorDiagnosticsEnabled": True,
                                                                       "partialIngestionPercent": 5})
        opts = api_ok(s, "GET", "%s/flows/%s" % (FLOWSERVICE, f["flow_id"]))["items"][0]["options"]
        self.assertIs(opts["errorDiagnosticsEnabled"], True)
        self.assertEqual(opts["partialIngestionPercent"], 5)
        bad = [("errorDiagnosticsEnabled", "yes"), ("errorDiagnosticsEnabled", 1),
               ("partialIngestionPercent", 101), ("partialIngestionPercent", -1),
               ("partialIngestionPercent", "5"), ("partialIngestionPercent", True)]
        for key, value in bad:
            r = patch_flow(s, f["flow_id"], [{"op": "replace", "path": "/options/" + key, "value": value}])
            self.assertProblem(r, 400, "PATCH %s=%r" % (key, value))
            body = {"name": "bad", "flowSpec": {"id": harness.FLOW_SPEC_ID, "version": "1.0"},
                    "sourceConnectionIds": [f["source_id"]], "targetConnectionIds": [f["target_id"]],
                    "transformations": [{"name": "Mapping", "params": {"mappingId": f["mapping_id"]}}],
                    "options": {key: value}}
            self.assertProblem(api(s, "POST", FLOWSERVICE + "/flows", body), 400, "POST %s=%r" % (key, value))
        for value in (0, 100, 12.5):
            r = patch_flow(s, f["flow_id"],
                           [{"op": "replace", "path": "/options/partialIngestionPercent", "value": value}])
            self.assertEqual(r.status, 200, "%r: %r" % (value, r))
        r = api(s, "PATCH", "%s/flows/%s" % (FLOWSERVICE, f["flow_id"]),
                [{"op": "replace", "path": "/options/errorDiagnosticsEnabled", "value": False}])
        self.assertEqual(r.status, 428, "no If-Match: %r" % r)


class Runs(harness.SluiceTestCase):
    """Run windows, statuses and the /runs API."""

    def test_partial_ingestion_thresholds(self):
        offset = harness.mid_hour_offset()
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        props = {"event_id": {"type": "string"}, "n": {"type": "integer", "maximum": 10},
                 "m": {"type": "integer"}}
        # A warning: an expression that fails at runtime nulls its field (to_integer("eleven")).
        # (A value that cannot be coerced to its field's type fails the record instead.)
        mappings = [{"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "event_id"},
                    {"sourceType": "ATTRIBUTE", "source": "n", "destination": "n"},
                    {"sourceType": "EXPRESSION", "source": "to_integer(m)", "destination": "m"}]
        # (name, partialIngestionPercent or None, failed of 10, warnings, final status, uiStatus)
        plan = [("no threshold", None, 1, 0, "failed", "Error"),
                ("1 of 10 under 20%", 20, 1, 0, "success", "Completed"),
                ("2 of 10 at 20%", 20, 2, 0, "success", "Completed"),
                ("3 of 10 over 20%", 20, 3, 0, "failed", "Error"),
                ("3 of 10 at 30%", 30, 3, 0, "success", "Completed"),
                ("1 of 10 over 0%", 0, 1, 0, "failed", "Error"),
                ("clean", 20, 0, 0, "success", "Success"),
                ("warnings only", None, 0, 2, "success", "Completed")]
        flows = []
        windows = set()
        for name, pct, nfail, nwarn, _, _ in plan:
            f = create_flow(s, props, mappings=mappings, name=name)
            if pct is not None:
                r = patch_flow(s, f["flow_id"],
                               [{"op": "add", "path": "/options/partialIngestionPercent", "value": pct}])
                self.assertEqual(r.status, 200, r)
            for i in range(10):
                n = 11 if i < nfail else i
                m = "eleven" if nfail <= i < nfail + nwarn else "1"
                r = post_to_flow(s, f, {"event_id": "%s-%d" % (f["flow_id"], i), "n": n, "m": m})
                self.assertEqual(r.status, 200, r)
                windows.add(hour_window(r.json()["receivedTimeMs"]))
            flows.append(f)
        self.assertEqual(len(windows), 1, "events straddle an hour")
        window = windows.pop()
        for (name, _, nfail, nwarn, _, _), f in zip(plan, flows):
            want = (10, 10 - nfail, nfail, 0, nwarn)
            run = wait_run(s, run_id_of(f["flow_id"], window), lambda r: run_counts(r) == want, what=name)
            self.assertEqual(run_counts(run), want, name)
            self.assertEqual(run["metrics"]["statusSummary"]["status"], "inProgress", name)
        # one hour later the window is closed
        s.stop()
        s.extra_env["SLUICE_CLOCK_OFFSET_MS"] = str(offset + HOUR_MS)
        s.start()
        for (name, pct, nfail, _, status, ui), f in zip(plan, flows):
            run = run_by_id(s, run_id_of(f["flow_id"], window))
            st = run["metrics"]["statusSummary"]
            self.assertEqual((st["status"], st["extensions"]["uiStatus"]), (status, ui), "%s: %r" % (name, st))
            if status == "failed":
                self.assertEqual([e["code"] for e in st["errors"]], ["INGEST-1400-400"], name)
            else:
                self.assertEqual(st.get("errors") or [], [], name)
            self.assertAlmostEqual(run["metrics"]["recordSummary"]["ingestionRate"], (10 - nfail) * 10.0, places=6)
        failed_runs = s.admin_json(FLOWSERVICE + "/runs?property=metrics.statusSummary.status==failed")["items"]
        failed_ids = {r["id"] for r in failed_runs}
        want_failed = {run_id_of(f["flow_id"], window) for p, f in zip(plan, flows) if p[4] == "failed"}
        self.assertEqual(failed_ids, want_failed)

    def test_windows_across_an_hour_boundary_and_filters(self):
        lead_ms = 6000
        now = int(time.time() * 1000)
        boundary = hour_window(now) + 2 * HOUR_MS  # some full hour; sluice reaches it lead_ms from now
        offset = harness.clock_offset_for(boundary, lead_ms)
        boundary_real_s = (boundary - offset) / 1000.0
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        f = create_flow(s, {"event_id": {"type": "string"}, "n": {"type": "integer", "maximum": 10}}, name="boundary")
        g = create_flow(s, {"event_id": {"type": "string"}}, name="other")
        before, after = boundary - HOUR_MS, boundary

        def post(flow, ev):
            r = post_to_flow(s, flow, ev)
            self.assertEqual(r.status, 200, r)
            return r.json()["receivedTimeMs"]

        t_before = [post(f, {"event_id": "b%d" % i, "n": 1}) for i in range(3)]
        t_before.append(post(f, {"event_id": "b-bad", "n": 99}))
        t_before += [post(g, {"event_id": "g%d" % i}) for i in range(2)]
        self.assertTrue(all(before <= t < boundary for t in t_before),
                        "setup took longer than %d ms: %r (hour at %d)" % (lead_ms, t_before, boundary))
        # wait for sluice's clock to pass the hour (a bounded wait, not an assertion)
        poll(lambda: time.time() > boundary_real_s + 0.05, limit=lead_ms / 1000.0 + 2, what="the hour")
        t_after = [post(f, {"event_id": "a%d" % i, "n": 2}) for i in range(2)]
        self.assertTrue(all(t >= boundary for t in t_after), t_after)

        old_id, new_id = run_id_of(f["flow_id"], before), run_id_of(f["flow_id"], after)
        g_id = run_id_of(g["flow_id"], before)
        old = wait_run(s, old_id, lambda r: run_counts(r) == (4, 3, 1, 0, 0), what="run before the hour")
        new = wait_run(s, new_id, lambda r: run_counts(r) == (2, 2, 0, 0, 0), what="run after the hour")
        grun = wait_run(s, g_id, lambda r: run_counts(r) == (2, 2, 0, 0, 0), what="other flow's run")
        self.assertEqual(run_counts(old), (4, 3, 1, 0, 0))
        self.assertEqual(run_counts(new), (2, 2, 0, 0, 0))
        self.assertEqual(run_counts(grun), (2, 2, 0, 0, 0))
        # the ended window has its final status; the open one is in progress
        self.assertEqual(old["metrics"]["statusSummary"]["status"], "failed")
        self.assertEqual(old["metrics"]["durationSummary"]["startedAtUTC"], before)
        self.assertEqual(old["metrics"]["durationSummary"]["completedAtUTC"], boundary)
        self.assertEqual(grun["metrics"]["statusSummary"]["status"], "success")
        self.assertEqual(grun["metrics"]["statusSummary"]["extensions"]["uiStatus"], "Success")
        self.assertEqual(new["metrics"]["statusSummary"]["status"], "inProgress")
        self.assertEqual(new["metrics"]["durationSummary"]["startedAtUTC"], boundary)
        self.assertIsNone(new["metrics"]["durationSummary"]["completedAtUTC"])
        for run, times in ((old, t_before[:4]), (new, t_after)):
            self.assertLessEqual(run["createdAt"], run["updatedAt"])
            self.assertGreaterEqual(run["createdAt"], min(times))
            self.assertIsInstance(run["etag"], str)
        self.assertEqual(len(s.admin_json("%s/runs/%s/errors" % (FLOWSERVICE, old_id))["items"]), 0,
                         "no diagnostics without errorDiagnosticsEnabled")

        # ---- /runs ----
        def ids(query):
            return [r["id"] for r in s.admin_json(FLOWSERVICE + "/runs" + query)["items"]]

        def count(query):
            return s.admin_json(FLOWSERVICE + "/runs" + query)["count"]

        self.assertEqual(ids("?property=flowId==" + f["flow_id"]), [new_id, old_id], "newest window first")
        self.assertEqual(ids("?property=flowId==" + g["flow_id"]), [g_id])
        self.assertEqual(set(ids("")), {old_id, new_id, g_id})
        self.assertEqual(ids("")[0], new_id)
        self.assertEqual(count("?count=true"), 3)
        self.assertEqual(count("?count=true&property=flowId==" + f["flow_id"]), 2)
        for v in ("failed", "Failed", "FAILED"):
            self.assertEqual(ids("?property=metrics.statusSummary.status==" + v), [old_id], v)
        for v in ("inProgress", "INPROGRESS", "inprogress"):
            self.assertEqual(ids("?property=metrics.statusSummary.status==" + v), [new_id], v)
        self.assertEqual(ids("?property=metrics.statusSummary.status==Success"), [g_id])
        self.assertEqual(set(ids("?property=metrics.statusSummary.status==Failed,SUCCESS")), {old_id, g_id})
        self.assertEqual(ids("?property=metrics.recordSummary.failedRecordCount>0"), [old_id])
        self.assertEqual(set(ids("?property=flowId==%s,%s" % (f["flow_id"], g["flow_id"]))), {old_id, new_id, g_id})
        self.assertEqual(set(ids("?property=metrics.statusSummary.status!=failed")), {new_id, g_id})
        self.assertEqual(ids("?property=flowId==%s&property=metrics.statusSummary.status==inprogress" % f["flow_id"]),
                         [new_id])
        self.assertEqual(count("?count=true&property=metrics.statusSummary.status==FAILED"), 1)
        self.assertEqual(ids("?property=flowId==%s&orderby=metrics.durationSummary.startedAtUTC" % f["flow_id"]),
                         [old_id, new_id], "orderby ascending")
        page = s.admin_json(FLOWSERVICE + "/runs?limit=1&property=flowId==" + f["flow_id"])
        self.assertEqual([r["id"] for r in page["items"]], [new_id])
        nxt = page["_links"]["next"]["href"]
        nxt = nxt[nxt.index("/runs"):] if "/runs" in nxt else nxt
        self.assertEqual([r["id"] for r in s.admin_json(FLOWSERVICE + nxt)["items"]], [old_id])
        got = s.admin_json("%s/runs/%s" % (FLOWSERVICE, old_id))
        self.assertEqual([r["id"] for r in got["items"]], [old_id])
        self.assertProblem(s.admin("GET", FLOWSERVICE + "/runs/" + NO_ID), 404, "unknown run")
        link = api_ok(s, "GET", "%s/flows/%s" % (FLOWSERVICE, f["flow_id"]))["items"][0]["runs"]
        self.assertEqual([r["id"] for r in s.admin_json(FLOWSERVICE + link)["items"]], [new_id, old_id])


    def waiting_scenario(self, waiting_body):
        """One event processed in a window, then `waiting_body` posted to the same window while no
        node processes; returns (status one hour later with the body still waiting, status once a
        processing node has taken it, counts)."""
        offset = harness.mid_hour_offset()
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        f = create_flow(s, {"event_id": {"type": "string"}})
        r = post_to_flow(s, f, {"event_id": "first"})
        rid = run_id_of(f["flow_id"], hour_window(r.json()["receivedTimeMs"]))
        self.assertIsNotNone(wait_run(s, rid, lambda x: run_counts(x)[0] == 1))
        s.stop()
        s.extra_args = ["--roles", "collect,admin"]
        s.start()
        r = post_to_flow(s, f, waiting_body)
        self.assertIn(r.status, (200, 400), r)
        poll(lambda: s.landing_count() == 2, what="the second event landed")
        s.stop()
        s.extra_env["SLUICE_CLOCK_OFFSET_MS"] = str(offset + HOUR_MS)
        s.start()
        waiting = run_by_id(s, rid)["metrics"]["statusSummary"]["status"]
        s.stop()
        s.extra_args = []
        s.start()
        done = wait_run(s, rid, lambda x: run_counts(x)[0] == 2, what="the waiting event processed")
        return waiting, done["metrics"]["statusSummary"]["status"], run_counts(done)

    def test_a_closed_window_is_in_progress_while_its_events_wait(self):
        waiting, final, counts = self.waiting_scenario(harness.compact({"event_id": "second"}))
        self.assertEqual(waiting, "inProgress", "the hour is over but one of its events waits")
        self.assertEqual((final, counts), ("success", (2, 2, 0, 0, 0)))

    def test_a_closed_window_is_in_progress_while_a_refused_body_waits(self):
        """An unparsable body is landed (marked refused) to be counted failed in its run: until a
        processor has counted it, the run must not claim a final status."""
        waiting, final, counts = self.waiting_scenario(b"{not json")
        self.assertEqual((final, counts), ("failed", (2, 1, 1, 0, 0)))
        self.assertEqual(waiting, "inProgress",
                         "reported '%s' while a refused body of the window waited; it became '%s'" % (waiting, final))


class SyncValidation(harness.SluiceTestCase):
    def test_pass_and_fail_shapes(self):
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(harness.mid_hour_offset())})
        f = create_flow(s, VALIDATED, required=["req"], mappings=VALIDATED_MAPPINGS,
                        options={"errorDiagnosticsEnabled": True})
        ok = {"event_id": "sync-ok", "req": "r", "kind": "a"}
        r = post_to_flow(s, f, ok, sync=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["syncValidation"], {"status": "pass"})
        self.assertEqual(j["inletId"], f["inlet"])
        self.assertTrue(j["xactionId"])
        window = hour_window(j["receivedTimeMs"])

        def refused(body, code, keyword, pointer, location):
            r = post_to_flow(s, f, body, sync=True)
            p = self.assertProblem(r, 400, "syncValidation of %r" % body)
            self.assertEqual(p["code"], code, p)
            self.assertIn(f["inlet"], p["report"]["message"])
            self.assertIn(f["flow_id"], p["report"]["message"])
            sv = p["report"]["cause"]["_streamingValidation"]
            self.assertEqual(len(sv), 1, p)
            causes = sv[0]["causingExceptions"]
            self.assertTrue(1 <= len(causes) <= 5, p)
            for c in causes:
                self.assertTrue({"keyword", "message", "pointerToViolation", "schemaLocation"} <= set(c), c)
            self.assertEqual((causes[0]["keyword"], causes[0]["pointerToViolation"], causes[0]["schemaLocation"]),
                             (keyword, pointer, location), p)
            self.assertIn(causes[0]["message"], p["detail"])
            return p

        refused({"event_id": "sync-enum", "req": "r", "kind": "zz"}, "INGEST-1400-400", "enum", "#/kind",
                "#/properties/kind")
        refused({"event_id": "sync-req"}, "INGEST-1555-400", "required", "#/req", "#")
        refused({"event_id": "sync-type", "req": "r", "tags": [1, "two"]}, "INGEST-1400-400", "type", "#/tags/1",
                "#/properties/tags/items")
        many = refused(CASES[-1][1], "INGEST-1400-400", "pattern", "#/name", "#/properties/name")
        causes = many["report"]["cause"]["_streamingValidation"][0]["causingExceptions"]
        self.assertEqual(len(causes), 5, "at most five violations")
        self.assertEqual([c["keyword"] for c in causes[:3]], ["pattern", "enum", "maximum"])
        self.assertProblem(post_to_flow(s, f, b"[1,2", sync=True), 400, "unparsable with syncValidation")
        # syncValidation=false or absent: the invalid record is accepted and fails later
        r = post_to_flow(s, f, {"event_id": "async-enum", "req": "r", "kind": "zz"})
        self.assertEqual((r.status, r.json()["syncValidation"]), (200, {"skipped": True}))
        # counted: 1 ingested; 4 refused synchronously, 1 unparsable, 1 failed later
        run = wait_run(s, run_id_of(f["flow_id"], window), lambda r: run_counts(r) == (7, 1, 6, 0, 0),
                       what="sync run counts")
        self.assertEqual(run_counts(run), (7, 1, 6, 0, 0))
        self.assertEqual(by_code(run["metrics"]["recordSummary"]["failedInfo"]),
                         {"INGEST-1400-400": 4, "INGEST-1555-400": 1, "INGEST-1401-400": 1})
        self.assertEqual(set(s.ds_event_ids(f["dataset_id"])), {"sync-ok"})
        errs = flow_errors(s, f["flow_id"])
        self.assertEqual(sorted(i["pointer"] or "" for i in errs),
                         sorted(["#/kind", "#/req", "#/tags/1", "#/name", "", "#/kind"]), errs)
        self.assertIn(json.dumps({"event_id": "sync-enum", "kind": "zz", "req": "r"}, separators=(",", ":")),
                      [i["raw"] for i in errs])


class Replay(harness.SluiceTestCase):
    PROPS = {"event_id": {"type": "string"}, "v": {"type": "string", "maxLength": 8}, "label": {"type": "string"}}

    def mappings(self, label_expr):
        return [{"sourceType": "ATTRIBUTE", "source": "event_id", "destination": "event_id"},
                {"sourceType": "ATTRIBUTE", "source": "v", "destination": "v"},
                {"sourceType": "EXPRESSION", "source": label_expr, "destination": "label"}]

    def wait_replay(self, s, flow_id, replay_id, limit=harness.POLL_LIMIT_S):
        last = [None]

        def done():
            last[0] = api_ok(s, "GET", "%s/flows/%s/replays/%s" % (FLOWSERVICE, flow_id, replay_id))
            return last[0]["status"] in ("completed", "failed")

        poll(done, limit=limit, what="replay %s" % replay_id)
        self.assertEqual(last[0]["status"], "completed", last[0])
        return last[0]

    def rows(self, s, f):
        """{event_id: record} of the flow's dataset."""
        return {r[0]: json.loads(r[1])
                for r in s.ds_query("SELECT event_id, record FROM {ds}", dataset_id=f["dataset_id"])}

    def all_runs(self, s, flow_id):
        return {r["id"]: run_counts(r) for r in runs_of(s, flow_id)}

    def wait_processed(self, s, flow_id, received, limit=harness.POLL_LIMIT_S):
        def check():
            return sum(c[0] for c in self.all_runs(s, flow_id).values()) == received
        self.assertTrue(poll(check, limit=limit, what="events processed"), self.all_runs(s, flow_id))

    def test_replay_after_a_mapping_change(self):
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(harness.mid_hour_offset())})
        f = create_flow(s, self.PROPS, mappings=self.mappings('concat("old-", v)'), name="replayed",
                        options={"errorDiagnosticsEnabled": True})
        times = []
        for i in range(20):
            r = post_to_flow(s, f, {"event_id": "r%02d" % i, "v": "v%d" % i})
            self.assertEqual(r.status, 200, r)
            times.append(r.json()["receivedTimeMs"])
        self.assertEqual(post_to_flow(s, f, {"event_id": "r00", "v": "resent"}).status, 200)  # duplicate
        self.assertEqual(post_to_flow(s, f, {"event_id": "long", "v": "far too long"}).status, 200)  # fails
        self.assertProblem(post_to_flow(s, f, b"not json"), 400, "unparsable")
        self.wait_processed(s, f["flow_id"], 23)
        before_runs = self.all_runs(s, f["flow_id"])
        self.assertEqual(sum(c[1] for c in before_runs.values()), 20)
        rows_before = self.rows(s, f)
        self.assertEqual(len(rows_before), 20)
        self.assertTrue(all(rec["label"] == "old-" + rec["v"] for rec in rows_before.values()))
        errors_before = flow_errors(s, f["flow_id"])
        self.assertEqual(len(errors_before), 2)
        replayed_metric = harness.metric_values(s).get("sluice_pipeline_replayed_total", 0)

        harness.new_mapping_version(s, f["flow_id"], self.mappings('concat("new-", upper(v))'))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&from=%d" % (FLOWSERVICE, f["flow_id"], min(times)))
        self.assertEqual(r.status, 202, r)
        j = r.json()
        self.assertEqual(j["status"], "queued")
        self.assertEqual(j["from"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(hour_window(min(times)) / 1000)))
        self.assertTrue(r.headers.get("location", "").endswith("/replays/" + j["replayId"]), r.headers)
        done = self.wait_replay(s, f["flow_id"], j["replayId"])
        self.assertEqual(done["flowId"], f["flow_id"])
        prog = done["progress"]
        self.assertEqual(prog["windowsDone"], prog["windowsTotal"])
        self.assertEqual((prog["eventsProcessed"], prog["ingested"], prog["failed"], prog["duplicates"]),
                         (23, 20, 2, 1), prog)
        listed = api_ok(s, "GET", "%s/flows/%s/replays" % (FLOWSERVICE, f["flow_id"]))["items"]
        self.assertIn(j["replayId"], [x["id"] for x in listed])

        rows_after = self.rows(s, f)
        self.assertEqual(set(rows_after), set(rows_before), "the same events, one row each")
        self.assertEqual(s.ds_count(f["dataset_id"]), 20)
        for eid, rec in rows_after.items():
            self.assertEqual(rec["label"], "new-" + rec["v"].upper(), eid)
            self.assertEqual(rec["_id"], rows_before[eid]["_id"], "replaced in place")
        self.assertEqual(rows_after["r00"]["v"], "v0", "the first of the duplicates stays")
        self.assertEqual(self.all_runs(s, f["flow_id"]), before_runs, "run counts recomputed, not added to")
        after_errors = flow_errors(s, f["flow_id"])
        self.assertEqual(sorted((e["code"], e["raw"]) for e in after_errors),
                         sorted((e["code"], e["raw"]) for e in errors_before), "diagnostics not doubled")
        self.assertGreaterEqual(harness.metric_values(s).get("sluice_pipeline_replayed_total", 0),
                                replayed_metric + 23)

        # by run id, once more: still the same counts
        rid = next(iter(before_runs))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&runId=%s" % (FLOWSERVICE, f["flow_id"], rid))
        self.assertEqual(r.status, 202, r)
        self.wait_replay(s, f["flow_id"], r.json()["replayId"])
        self.assertEqual(self.all_runs(s, f["flow_id"]), before_runs)
        self.assertEqual(s.ds_count(f["dataset_id"]), 20)

    def test_events_arriving_during_a_replay_are_kept(self):
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(harness.mid_hour_offset())})
        f = create_flow(s, self.PROPS, mappings=self.mappings('"one"'), name="busy")
        n_first = 2000
        t0 = None
        for start in range(0, n_first, 1000):
            msgs = [{"header": {}, "body": {"event_id": "pre-%d" % i, "v": str(i)}}
                    for i in range(start, start + 1000)]
            body = harness.compact({"messages": msgs})
            path = "/collection/batch/%s?x-adobe-flow-id=%s" % (f["inlet"], f["flow_id"])
            r = harness.request(s.collect_port, "POST", path, body=body, headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 207, r)
            t0 = t0 or r.json()["receivedTimeMs"]
        self.wait_processed(s, f["flow_id"], n_first, limit=60)
        harness.new_mapping_version(s, f["flow_id"], self.mappings('"two"'))

        stop = threading.Event()
        posted = []
        failures = []

        def poster():
            i = 0
            while not stop.is_set() and i < 2000:
                r = post_to_flow(s, f, {"event_id": "live-%d" % i, "v": "x"})
                if r.status != 200:
                    failures.append(r)
                    return
                posted.append(r.json()["receivedTimeMs"])
                i += 1

        t = threading.Thread(target=poster, name="live-poster")
        t.start()
        try:
            poll(lambda: len(posted) >= 5, what="live posting started")
            r = s.admin("POST", "%s/flows/%s/action?op=replay&from=%d" % (FLOWSERVICE, f["flow_id"], t0))
            self.assertEqual(r.status, 202, r)
            rid = r.json()["replayId"]
            during_from = len(posted)
            done = self.wait_replay(s, f["flow_id"], rid, limit=60)  # PostgreSQL under ASan: slow
            during = len(posted) - during_from
            poll(lambda: len(posted) >= during_from + during + 5, limit=5, what="posting after the replay")
        finally:
            stop.set()
            t.join(timeout=30)
        self.assertEqual(failures, [])
        total = n_first + len(posted)
        self.assertEqual(len({hour_window(x) for x in posted + [t0]}), 1, "events straddle an hour")
        self.wait_processed(s, f["flow_id"], total, limit=60)
        run = runs_of(s, f["flow_id"])[0]
        self.assertEqual(run_counts(run), (total, total, 0, 0, 0), "every event once, live ones included")
        self.assertEqual(s.ds_count(f["dataset_id"]), total)
        self.assertGreaterEqual(done["progress"]["eventsProcessed"], n_first)
        self.assertLessEqual(done["progress"]["eventsProcessed"], total)
        # every pre-existing row was rewritten with the new mapping, and the live ones have it too
        old_label = s.ds_query("SELECT count(*) FROM {ds} WHERE record LIKE '%\"one\"%'", dataset_id=f["dataset_id"])
        self.assertEqual(old_label[0][0], 0)

    def test_replay_requests_are_checked(self):
        s = self.sluice()
        f = create_flow(s, self.PROPS, mappings=self.mappings('"x"'))
        base = "%s/flows/%s/action?op=replay" % (FLOWSERVICE, f["flow_id"])
        now = int(time.time() * 1000)
        r = s.admin("POST", base + "&from=%d" % (now - 8 * 86400000))
        p = self.assertProblem(r, 400, "before retention")
        self.assertIn("retention", p["detail"])
        self.assertEqual(s.admin("POST", base + "&from=%d" % (now - 6 * 86400000)).status, 202, "within retention")
        self.assertProblem(s.admin("POST", base), 400, "no from")
        self.assertProblem(s.admin("POST", base + "&from=someday"), 400, "bad from")
        self.assertProblem(s.admin("POST", base + "&from=%d&to=%d" % (now - 1000, now - 5000)), 400, "from after to")
        self.assertProblem(s.admin("POST", base + "&from=%d" % (now + 3 * HOUR_MS)), 400, "from in the future")
        self.assertProblem(s.admin("POST", base + "&runId=00000000-0000-4000-8000-000000000000"), 404, "unknown run")
        self.assertProblem(s.admin("POST", "%s/flows/%s/action?op=replay&from=%d" % (
            FLOWSERVICE, NO_ID, now)), 404, "unknown flow")
        self.assertProblem(s.admin("GET", "%s/flows/%s/replays/%s" % (
            FLOWSERVICE, f["flow_id"], NO_ID)), 404, "unknown replay")
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000 - 7200))
        r = s.admin("POST", base + "&from=" + iso)
        self.assertEqual(r.status, 202, r)
        j = r.json()
        self.assertEqual(j["from"], time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(now / 1000 - 7200)))

    def test_replay_of_a_window_whose_event_first_came_in_an_earlier_window(self):
        """Customer.io resends an event an hour later: the later run counts it as a duplicate.
        Replaying only that later run must leave its counts alone (no double counting)."""
        offset = harness.mid_hour_offset()
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        f = create_flow(s, self.PROPS, mappings=self.mappings('concat("old-", v)'))
        r = post_to_flow(s, f, {"event_id": "resent", "v": "first"})
        first = hour_window(r.json()["receivedTimeMs"])
        self.wait_processed(s, f["flow_id"], 1)
        s.stop()
        s.extra_env["SLUICE_CLOCK_OFFSET_MS"] = str(offset + HOUR_MS)
        s.start()
        r = post_to_flow(s, f, {"event_id": "resent", "v": "second"})
        second = hour_window(r.json()["receivedTimeMs"])
        self.assertEqual(second, first + HOUR_MS)
        second_id = run_id_of(f["flow_id"], second)
        run = wait_run(s, second_id, lambda r: run_counts(r)[0] == 1, what="the resend's run")
        self.assertEqual(run_counts(run), (1, 0, 0, 1, 0), "the resend is a duplicate")
        harness.new_mapping_version(s, f["flow_id"], self.mappings('concat("new-", v)'))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&runId=%s" % (FLOWSERVICE, f["flow_id"], second_id))
        self.assertEqual(r.status, 202, r)
        self.wait_replay(s, f["flow_id"], r.json()["replayId"])
        ingested = sum(c[1] for c in self.all_runs(s, f["flow_id"]).values())
        self.assertEqual(s.ds_count(f["dataset_id"]), 1)
        self.assertEqual(run_counts(run_by_id(s, second_id)), (1, 0, 0, 1, 0),
                         "replaying the later run counts the resend as ingested again")
        self.assertEqual(ingested, 1, "runs count more ingested records than the dataset has rows")


    def test_replay_removes_rows_that_now_fail_and_adds_rows_that_now_pass(self):
        props = {"event_id": {"type": "string"}, "v": {"type": "string"}, "label": {"type": "string", "maxLength": 6}}
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(harness.mid_hour_offset())})
        f = create_flow(s, props, mappings=self.mappings("concat(v, v)"), options={"errorDiagnosticsEnabled": True})
        for v in ("ab", "abcd", "xyz"):  # labels abab, abcdabcd (too long: fails), xyzxyz
            self.assertEqual(post_to_flow(s, f, {"event_id": v, "v": v}).status, 200)
        self.wait_processed(s, f["flow_id"], 3)
        rid = runs_of(s, f["flow_id"])[0]["id"]
        self.assertEqual(run_counts(run_by_id(s, rid)), (3, 2, 1, 0, 0))
        self.assertEqual(set(s.ds_event_ids(f["dataset_id"])), {"ab", "xyz"})
        harness.new_mapping_version(s, f["flow_id"], self.mappings('iif(v == "ab", "way too long", v)'))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&runId=%s" % (FLOWSERVICE, f["flow_id"], rid))
        self.assertEqual(r.status, 202, r)
        self.wait_replay(s, f["flow_id"], r.json()["replayId"])
        self.assertEqual(set(s.ds_event_ids(f["dataset_id"])), {"abcd", "xyz"}, "ab now fails, abcd now passes")
        self.assertEqual(json.loads(s.ds_query("SELECT record FROM {ds} WHERE event_id = ?", ("abcd",),
                                               dataset_id=f["dataset_id"])[0][0])["label"], "abcd")
        self.assertEqual(run_counts(run_by_id(s, rid)), (3, 2, 1, 0, 0))
        errs = flow_errors(s, f["flow_id"])
        self.assertEqual([(e["code"], json.loads(e["raw"])["v"], e["pointer"]) for e in errs],
                         [("INGEST-1400-400", "ab", "#/label")], "the replay's diagnostics replace the run's")

    def test_a_replay_asked_of_a_node_without_processor_runs_when_one_starts(self):
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(harness.mid_hour_offset())})
        f = create_flow(s, self.PROPS, mappings=self.mappings('"before"'))
        t = post_to_flow(s, f, {"event_id": "q1", "v": "1"}).json()["receivedTimeMs"]
        self.wait_processed(s, f["flow_id"], 1)
        s.stop()
        s.extra_args = ["--roles", "collect,admin"]
        s.start()
        harness.new_mapping_version(s, f["flow_id"], self.mappings('"after"'))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&from=%d" % (FLOWSERVICE, f["flow_id"], t))
        self.assertEqual(r.status, 202, r)
        replay_id = r.json()["replayId"]
        got = api_ok(s, "GET", "%s/flows/%s/replays/%s" % (FLOWSERVICE, f["flow_id"], replay_id))
        self.assertEqual(got["status"], "queued")
        s.stop()
        s.extra_args = []
        s.start()
        self.wait_replay(s, f["flow_id"], replay_id)
        self.assertEqual(s.ds_record("q1", dataset_id=f["dataset_id"])["label"], "after")
        self.assertEqual(run_counts(runs_of(s, f["flow_id"])[0]), (1, 1, 0, 0, 0))

    def test_retention_keeps_waiting_events_and_bounds_replays(self):
        offset = harness.mid_hour_offset()
        s = self.sluice(env={"SLUICE_CLOCK_OFFSET_MS": str(offset)})
        f = create_flow(s, self.PROPS, mappings=self.mappings('"x"'))
        t = post_to_flow(s, f, {"event_id": "old-processed", "v": "1"}).json()["receivedTimeMs"]
        self.wait_processed(s, f["flow_id"], 1)
        s.stop()
        s.extra_args = ["--roles", "collect,admin"]
        s.start()
        self.assertEqual(post_to_flow(s, f, {"event_id": "old-waiting", "v": "2"}).status, 200)
        # eight days later (landing.retention_days is 7): the monitor purges at start
        s.stop()
        s.extra_env["SLUICE_CLOCK_OFFSET_MS"] = str(offset + 8 * 24 * HOUR_MS)
        s.start()
        self.assertTrue(poll(lambda: s.landing_count() == 1, what="the processed event purged"),
                        "landed events: %r" % [r[0] for r in s.landing_rows()])
        body = s.landing_rows()[0][4]
        self.assertIn(b'"old-waiting"', body.encode() if isinstance(body, str) else bytes(body))
        r = s.admin("POST", "%s/flows/%s/action?op=replay&from=%d" % (FLOWSERVICE, f["flow_id"], t))
        p = self.assertProblem(r, 400, "replay from before retention")
        self.assertIn("retention", p["detail"])
        s.stop()
        s.extra_args = []
        s.start()
        s.wait_event_ids(["old-processed", "old-waiting"], dataset_id=f["dataset_id"])
        run = wait_run(s, run_id_of(f["flow_id"], hour_window(t)), lambda r: run_counts(r)[0] == 2)
        self.assertEqual(run_counts(run), (2, 2, 0, 0, 0))
        self.assertEqual(run["metrics"]["statusSummary"]["status"], "success")


class Metrics(harness.SluiceTestCase):
    def test_counters_move(self):
        s = self.sluice()
        f = create_flow(s, {"event_id": {"type": "string"}, "n": {"type": "integer", "maximum": 10}})
        m0 = harness.metric_values(s)
        for name in ("sluice_landing_events_total", "sluice_pipeline_ingested_total", "sluice_pipeline_failed_total",
                     "sluice_pipeline_duplicates_total", "sluice_landing_backlog_events"):
            self.assertIn(name, m0)
        for ev in ({"event_id": "m1", "n": 1}, {"event_id": "m2", "n": 2}, {"event_id": "m1", "n": 1},
                   {"event_id": "m3", "n": 50}):
            self.assertEqual(post_to_flow(s, f, ev).status, 200)
        self.assertTrue(poll(lambda: sum(run_counts(r)[0] for r in runs_of(s, f["flow_id"])) == 4))
        m1 = harness.metric_values(s)

        def delta(name):
            return m1.get(name, 0) - m0.get(name, 0)

        self.assertEqual(delta("sluice_landing_events_total"), 4)
        self.assertEqual(delta("sluice_pipeline_ingested_total"), 2)
        self.assertEqual(delta("sluice_pipeline_failed_total"), 1)
        self.assertEqual(delta("sluice_pipeline_duplicates_total"), 1)
        label = '{flow_id="%s"}' % f["flow_id"]
        for name, want in (("received", 4), ("ingested", 2), ("failed", 1), ("duplicates", 1)):
            self.assertEqual(m1.get("sluice_flow_%s_total%s" % (name, label)), want, name)
        self.assertEqual(m1.get("sluice_landing_backlog_events"), 0)
        self.assertGreaterEqual(delta("sluice_pipeline_latency_seconds_count"), 2)
        self.assertIn('sluice_pipeline_latency_seconds_bucket{le="+Inf"}', m1)


if __name__ == "__main__":
    harness.main()
