#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""API keys of the admin listener: `sluice keys create|list|revoke` on the store, the 401 rules of
the admin API (Bearer first, then x-api-key; /healthz and /readyz open; the collect listener never
asks), keys created or revoked while the server runs, and the startup rule (no keys on a
non-loopback admin address: exit 78 without binding). Traffic only ever goes to 127.0.0.1."""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ISO_Z_RE, make_event  # noqa: E402

KEY_RE = re.compile(r"^sk_[0-9a-f]{48}$")
FLOWS = "/data/foundation/flowservice/flows"


def run_cli(args, env=None, timeout=20):
    e = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_") or k in ("SLUICE_BIN", "SLUICE_TEST_DATA")}
    e.update(env or {})
    return subprocess.run([harness.sluice_bin()] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          env=e, timeout=timeout, cwd=tempfile.gettempdir())


def store_hint(data_dir):
    """How sluice's log names the store in its `keys create` hint: as the tests point at it."""
    if harness.store_args(data_dir):
        return "sluice keys create --name admin --store URL"
    return "sluice keys create --name admin --data " + data_dir


def bearer(key):
    return {"Authorization": "Bearer " + key}


def port_closed(port):
    s = socket.socket()
    s.settimeout(1)
    try:
        return s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


class Auth(harness.SluiceTestCase):
    # ---- helpers ------------------------------------------------------------------------------------
    def create_key(self, data_dir, name):
        p = run_cli(["keys", "create", "--name", name, "--data", data_dir] + harness.store_args(data_dir))
        self.assertEqual(p.returncode, 0, p)
        out = p.stdout.decode()
        self.assertTrue(out.endswith("\n"), "no newline after the key: %r" % out)
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, "stdout must hold only the key: %r" % out)
        self.assertRegex(lines[0], KEY_RE)
        self.assertNotIn(lines[0], p.stderr.decode(), "the key went to stderr too")
        return lines[0]

    def list_keys(self, data_dir):
        p = run_cli(["keys", "list", "--data", data_dir] + harness.store_args(data_dir))
        self.assertEqual(p.returncode, 0, p)
        lines = p.stdout.decode().splitlines()
        self.assertGreaterEqual(len(lines), 1, "no header line: %r" % p)
        self.assertEqual(lines[0].split(), ["NAME", "CREATED"], lines[0])
        rows = [ln.split() for ln in lines[1:]]
        for r in rows:
            self.assertEqual(len(r), 2, r)
            self.assertRegex(r[1], ISO_Z_RE)
        return rows

    def assert401(self, r, msg):
        j = self.assertProblem(r, 401, msg)
        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"), "%s: %r" % (msg, r.headers))
        self.assertTrue(j["detail"], msg)
        return j

    def log_text(self, s):
        with open(s.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def learn_flow(self, s, key):
        """Fill the harness's flow and dataset caches through authenticated requests."""
        r = s.admin("GET", FLOWS, headers=bearer(key))
        self.assertEqual(r.status, 200, r)
        f = r.json()["items"][0]
        url = f["options"]["inletUrl"]
        s._flow = (f["id"], url.rstrip("/").rsplit("/", 1)[-1], url)
        r = s.admin("GET", "/data/foundation/catalog/dataSets", headers=bearer(key))
        self.assertEqual(r.status, 200, r)
        ids = [k for k in r.json() if harness.DATASET_RE.match(k)]
        self.assertEqual(len(ids), 1, ids)
        s._dataset_id = ids[0]

    # ---- the command line ------------------------------------------------------------------------------
    def test_keys_create_list_revoke(self):
        empty = os.path.join(self.tmp(), "empty")
        os.makedirs(empty)
        self.assertEqual(self.list_keys(empty), [], "a new store lists no keys (header only)")
        data = os.path.join(self.tmp(), "data", "nested")  # does not exist yet: create makes it
        k1 = self.create_key(data, "admin")
        k2 = self.create_key(data, "ci.deploy_2-B")
        self.assertNotEqual(k1, k2)
        rows = self.list_keys(data)
        self.assertEqual([r[0] for r in rows], ["admin", "ci.deploy_2-B"])
        # --json
        p = run_cli(["keys", "list", "--json", "--data", data] + harness.store_args(data))
        self.assertEqual(p.returncode, 0, p)
        arr = json.loads(p.stdout.decode())
        self.assertEqual([k["name"] for k in arr], ["admin", "ci.deploy_2-B"])
        for k in arr:
            self.assertRegex(k["created"], ISO_Z_RE)
        # only hashes are stored
        dump = harness.store_dump(data)
        self.assertNotIn(k1, dump)
        self.assertNotIn(k1[3:], dump)
        # revoke
        p = run_cli(["keys", "revoke", "admin", "--data", data] + harness.store_args(data))
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual([r[0] for r in self.list_keys(data)], ["ci.deploy_2-B"])
        p = run_cli(["keys", "revoke", "admin", "--data", data] + harness.store_args(data))
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("no API key named 'admin'", p.stderr.decode())
        # --data=DIR form and SLUICE_DATA
        p = run_cli(["keys", "list", "--data=" + data] + harness.store_args(data))
        self.assertIn("ci.deploy_2-B", p.stdout.decode())
        p = run_cli(["keys", "list"] + harness.store_args(data), env={"SLUICE_DATA": data})
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("ci.deploy_2-B", p.stdout.decode())

    def test_keys_duplicate_and_bad_names(self):
        data = os.path.join(self.tmp(), "data")
        self.create_key(data, "admin")
        p = run_cli(["keys", "create", "--name", "admin", "--data", data] + harness.store_args(data))
        self.assertNotEqual(p.returncode, 0, p)
        self.assertEqual(p.stdout, b"", "a refused create printed something: %r" % p)
        self.assertIn("admin", p.stderr.decode())
        self.assertIn("exists already", p.stderr.decode())
        for bad in ("", "with space", "a/b", "x" * 65, "caf\u00e9", "semi;colon"):
            with self.subTest(name=bad):
                p = run_cli(["keys", "create", "--name", bad, "--data", data] + harness.store_args(data))
                self.assertNotEqual(p.returncode, 0, p)
                self.assertEqual(p.stdout, b"", p)
                self.assertIn("name", p.stderr.decode())
        self.create_key(data, "x" * 64)
        p = run_cli(["keys", "create", "--data", data] + harness.store_args(data))
        self.assertNotEqual(p.returncode, 0, "create without --name: %r" % p)
        self.assertIn("--name", p.stderr.decode())
        self.assertEqual([r[0] for r in self.list_keys(data)], ["admin", "x" * 64])

    def test_keys_help(self):
        p = run_cli(["keys", "--help"])
        self.assertEqual(p.returncode, 0, p)
        for word in ("create", "list", "revoke", "--name", "--data", "--store"):
            self.assertIn(word, p.stdout.decode())
        for sub in ("create", "list", "revoke"):
            with self.subTest(sub=sub):
                p = run_cli(["keys", sub, "--help"])
                self.assertEqual(p.returncode, 0, p)
                self.assertIn("usage: sluice keys " + sub, p.stdout.decode())
        p = run_cli(["keys"])
        self.assertNotEqual(p.returncode, 0, p)
        p = run_cli(["keys", "rotate"])
        self.assertNotEqual(p.returncode, 0, p)
        self.assertIn("rotate", p.stderr.decode())
        p = run_cli(["--help"])
        self.assertIn("keys", p.stdout.decode())

    # ---- the admin API with keys --------------------------------------------------------------------
    def test_admin_api_needs_a_key(self):
        s = self.sluice(start=False)
        key = self.create_key(s.data_dir, "admin")
        s.start()
        self.assertIn("admin API requires an API key", self.log_text(s))
        # probes stay open
        r = s.admin("GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ok"})
        self.assertEqual(s.admin("GET", "/readyz").status, 200)
        # refused
        for path in (FLOWS, "/metrics", "/data/foundation/catalog/dataSets", "/no/such/path"):
            with self.subTest(path=path):
                self.assert401(s.admin("GET", path), "no key")
        self.assert401(s.admin("GET", FLOWS, headers=bearer("sk_" + "0" * 48)), "wrong Bearer")
        self.assert401(s.admin("GET", FLOWS, headers={"x-api-key": "sk_" + "0" * 48}), "wrong x-api-key")
        self.assert401(s.admin("GET", FLOWS, headers={"Authorization": "Bearer "}), "empty Bearer")
        self.assert401(s.admin("GET", FLOWS, headers={"Authorization": "Basic " + key}), "Basic scheme")
        self.assert401(s.admin("GET", FLOWS, headers={"Authorization": key}), "no scheme")
        self.assert401(s.admin("POST", FLOWS, body=b"{}", headers={"Content-Type": "application/json"}),
                       "POST without a key")
        # accepted
        r = s.admin("GET", FLOWS, headers=bearer(key))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["items"]), 1)
        self.assertEqual(s.admin("GET", FLOWS, headers={"x-api-key": key}).status, 200)
        self.assertEqual(s.admin("GET", FLOWS, headers={"Authorization": "bearer  " + key}).status, 200)
        self.assertEqual(s.admin("GET", "/metrics", headers=bearer(key)).status, 200)
        self.assertProblem(s.admin("GET", "/no/such/path", headers=bearer(key)), 404, "unknown path with a key")
        # Bearer is checked first: a wrong Bearer is not rescued by a right x-api-key
        self.assert401(s.admin("GET", FLOWS, headers={"Authorization": "Bearer sk_wrong", "x-api-key": key}),
                       "wrong Bearer + right x-api-key")
        self.assertEqual(s.admin("GET", FLOWS, headers={"Authorization": "Bearer " + key,
                                                         "x-api-key": "sk_wrong"}).status, 200)
        # the Host check still answers first
        self.assertProblem(s.admin("GET", FLOWS, headers={"Host": "evil.example.com"}), 403, "foreign Host")

    def test_collect_listener_unaffected(self):
        s = self.sluice(start=False)
        key = self.create_key(s.data_dir, "admin")
        s.start()
        self.learn_flow(s, key)
        r = harness.request(s.collect_port, "GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        ev = make_event()
        self.assertAccepted(s.post_event(ev), s, "unsigned event, no Authorization")
        ev2 = make_event()
        self.assertAccepted(s.post_event(ev2, headers={"Authorization": "Bearer sk_wrong"}), s,
                            "a wrong Bearer means nothing to the collect listener")
        s.wait_event_ids([ev["event_id"], ev2["event_id"]])

    def test_keys_change_while_running(self):
        s = self.sluice(start=False)
        first = self.create_key(s.data_dir, "first")
        s.start()
        self.assert401(s.admin("GET", FLOWS), "no key")
        second = self.create_key(s.data_dir, "second")
        self.assertEqual(s.admin("GET", FLOWS, headers=bearer(second)).status, 200,
                         "a key created while the server runs")
        p = run_cli(["keys", "revoke", "first", "--data", s.data_dir] + harness.store_args(s.data_dir))
        self.assertEqual(p.returncode, 0, p)
        self.assert401(s.admin("GET", FLOWS, headers=bearer(first)), "Bearer of a revoked key")
        self.assert401(s.admin("GET", FLOWS, headers={"x-api-key": first}), "x-api-key of a revoked key")
        self.assertEqual(s.admin("GET", FLOWS, headers={"x-api-key": second}).status, 200)
        # the last key revoked: open again (loopback)
        p = run_cli(["keys", "revoke", "second", "--data", s.data_dir] + harness.store_args(s.data_dir))
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(s.admin("GET", FLOWS).status, 200, "no keys left: the API is open")

    def test_open_on_loopback_without_keys(self):
        s = self.sluice()
        self.assertEqual(s.admin("GET", FLOWS).status, 200)
        self.assertIn("admin API is open", self.log_text(s), "no warning that the admin API is open")
        self.assertIn(store_hint(s.data_dir), self.log_text(s))

    # ---- the startup rule ----------------------------------------------------------------------------
    def test_non_loopback_admin_needs_a_key(self):
        pa, pc = harness.free_port(), harness.free_port()
        data = os.path.join(self.tmp(), "data")
        p = run_cli(["serve", "--data", data, "--admin", "0.0.0.0:%d" % pa, "--collect", "127.0.0.1:%d" % pc]
                    + harness.store_args(data))
        self.assertEqual(p.returncode, 78, p)
        err = p.stderr.decode() + p.stdout.decode()
        self.assertIn(store_hint(data), err)
        self.assertNotIn("is running", p.stdout.decode())
        self.assertTrue(port_closed(pa) and port_closed(pc), "a port is still bound")
        # with a key it starts; traffic goes to 127.0.0.1 only
        key = self.create_key(data, "admin")
        s = self.sluice(data_dir=data, admin_port=pa, collect_port=pc, ports_from_flags=False,
                        args=["--admin", "0.0.0.0:%d" % pa, "--collect", "127.0.0.1:%d" % pc])
        self.assert401(s.admin("GET", FLOWS), "no key on a non-loopback admin")
        self.assertEqual(s.admin("GET", FLOWS, headers=bearer(key)).status, 200)
        rc, _, killed = s.stop()
        self.assertEqual((rc, killed), (0, False))


if __name__ == "__main__":
    harness.main()
