#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The command line and the process: --version, --help, `check`, configuration precedence (default <
file < env < flag), signals, health and readiness, the first-start flow across restarts, inletUrl and
--public-url, and the admin API's shapes (flows, datasets, preview, 404, Host check)."""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DATASET_RE, INLET_RE, UUID_RE, make_event  # noqa: E402

FLAGS = ["--data", "--admin", "--collect", "--cio-signing-keys", "--max-body-bytes", "--public-url", "--log-level",
         "--config"]


def run_cli(args, env=None, timeout=10, cwd=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_") or k in ("SLUICE_BIN", "SLUICE_TEST_DATA")}
    e.update(env or {})
    return subprocess.run([harness.sluice_bin()] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          env=e, timeout=timeout, cwd=cwd or tempfile.gettempdir())


def port_closed(port):
    s = socket.socket()
    s.settimeout(1)
    try:
        return s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Cli(harness.SluiceTestCase):
    def test_version(self):
        p = run_cli(["--version"])
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex(p.stdout.decode(), r"^sluice \d+\.\d+\.\d+")
        p2 = run_cli(["version"])
        self.assertEqual(p2.returncode, 0, p2)
        self.assertEqual(p2.stdout, p.stdout)

    def test_help(self):
        p = run_cli(["--help"])
        self.assertEqual(p.returncode, 0, p)
        out = p.stdout.decode() + p.stderr.decode()
        for word in ("serve", "check", "version"):
            self.assertIn(word, out)
        p = run_cli(["help"])
        self.assertEqual(p.returncode, 0, p)

    def test_serve_help(self):
        p = run_cli(["serve", "--help"])
        self.assertEqual(p.returncode, 0, p)
        out = p.stdout.decode() + p.stderr.decode()
        for flag in FLAGS:
            self.assertIn(flag, out)
        for env in ("SLUICE_DATA", "SLUICE_ADMIN", "SLUICE_CIO_SIGNING_KEYS"):
            self.assertIn(env, out)

    def test_bad_invocations(self):
        p = run_cli(["serve", "--no-such-flag", "x"])
        self.assertNotEqual(p.returncode, 0, p)
        self.assertTrue(p.stderr, "no message for an unknown flag")
        p = run_cli(["no-such-command"])
        self.assertNotEqual(p.returncode, 0, p)
        tmp = self.tmp()
        p = run_cli(["serve", "--data", tmp, "--admin", "127.0.0.1:%d" % harness.free_port(),
                     "--collect", "127.0.0.1:%d" % harness.free_port(), "--log-level", "loud"])
        self.assertNotEqual(p.returncode, 0, p)

    # ---- check ---------------------------------------------------------------------------------
    def test_check_ok(self):
        tmp = self.tmp()
        f = write(os.path.join(tmp, "ok.yaml"), (
            "# every key\n"
            "data: %s/data\n"
            "admin:\n"
            "  listen: 127.0.0.1:18080\n"
            "collect:\n"
            "  listen: 127.0.0.1:18081\n"
            "  public_url: https://hooks.example.com\n"
            "  max_body_bytes: 2048\n"
            "customerio:\n"
            "  signing_keys:\n"
            "    - key-one\n"
            "    - key-two\n"
            "log:\n"
            "  level: debug\n"
            "  format: json\n") % tmp)
        p = run_cli(["check", "--config", f])
        self.assertEqual(p.returncode, 0, p)
        f2 = write(os.path.join(tmp, "min.yaml"), "data: %s/data\n" % tmp)
        p = run_cli(["check", "--config", f2])
        self.assertEqual(p.returncode, 0, p)

    def test_check_bad(self):
        tmp = self.tmp()
        cases = [
            ("unknown key on line 3", "# sluice\ndata: /tmp/x\nno_such_key: 1\n", 3),
            ("unknown nested key", "data: /tmp/x\nadmin:\n  listne: 127.0.0.1:1\n", 3),
            ("bad integer", "data: /tmp/x\ncollect:\n  listen: 127.0.0.1:18081\n  max_body_bytes: lots\n", 4),
            ("bad log level", "log:\n  level: loud\n", 2),
            ("keys not a list", "customerio:\n  signing_keys: {a: 1}\n", 2),
            ("bad host:port", "admin:\n  listen: nowhere\n", 2),
        ]
        for name, text, line in cases:
            with self.subTest(case=name):
                f = write(os.path.join(tmp, "bad-%d.yaml" % line), text)
                p = run_cli(["check", "--config", f])
                self.assertEqual(p.returncode, 78, "%s: %r" % (name, p))
                err = p.stderr.decode()
                self.assertRegex(err, r"(?m)^%s:%d: \S" % (re.escape(f), line), name)
        f = write(os.path.join(tmp, "broken.yaml"), "data: [unclosed\n")
        p = run_cli(["check", "--config", f])
        self.assertEqual(p.returncode, 78, p)
        self.assertIn(f + ":", p.stderr.decode())

    def test_check_reports_every_problem(self):
        tmp = self.tmp()
        f = write(os.path.join(tmp, "two.yaml"), "data: /tmp/x\nbogus_one: 1\nlog:\n  level: loud\n")
        p = run_cli(["check", "--config=" + f])
        self.assertEqual(p.returncode, 78, p)
        err = p.stderr.decode()
        self.assertRegex(err, r"(?m)^%s:2: \S" % re.escape(f))
        self.assertRegex(err, r"(?m)^%s:4: \S" % re.escape(f))
        p = run_cli(["check"], env={"SLUICE_CONFIG": f})
        self.assertEqual(p.returncode, 78, "SLUICE_CONFIG names the file to check: %r" % p)
        self.assertIn(f + ":2:", p.stderr.decode())

    # ---- precedence ------------------------------------------------------------------------------
    def test_env_configures_serve(self):
        pa, pc = harness.free_port(), harness.free_port()
        data = os.path.join(self.tmp(), "env-data")
        os.mkdir(data)
        s = self.sluice(data_dir=data, admin_port=pa, collect_port=pc, ports_from_flags=False, data_from_flag=False,
                        env={"SLUICE_ADMIN": "127.0.0.1:%d" % pa, "SLUICE_COLLECT": "127.0.0.1:%d" % pc,
                             "SLUICE_DATA": data})
        self.assertEqual(harness.request(pc, "GET", "/healthz").status, 200)
        self.assertTrue(os.path.exists(os.path.join(data, "landing.db")), "SLUICE_DATA not used")
        if harness.STORE == "sqlite":  # on PostgreSQL the store is not in the data directory
            self.assertTrue(os.path.exists(os.path.join(data, "sluice.db")), "SLUICE_DATA not used")
        _, _, url = s.flow()
        self.assertTrue(url.startswith("http://127.0.0.1:%d/collection/" % pc), url)

    def test_flag_beats_env(self):
        px, pa = harness.free_port(), harness.free_port()
        s = self.sluice(admin_port=pa, env={"SLUICE_ADMIN": "127.0.0.1:%d" % px})  # --admin 127.0.0.1:pa
        self.assertEqual(s.admin("GET", "/readyz").status, 200)
        self.assertTrue(port_closed(px), "sluice listens on the SLUICE_ADMIN port although --admin was given")

    def test_file_env_flag_precedence(self):
        tmp = self.tmp()
        pf, pe, pflag, pc = (harness.free_port() for _ in range(4))
        data = os.path.join(tmp, "cfg-data")
        cfg = write(os.path.join(tmp, "sluice.yaml"),
                    "data: %s\nadmin:\n  listen: 127.0.0.1:%d\ncollect:\n  listen: 127.0.0.1:%d\n"
                    "  public_url: https://file.example.com\n" % (data, pf, pc))
        # file only
        s = self.sluice(data_dir=data, admin_port=pf, collect_port=pc, ports_from_flags=False, data_from_flag=False,
                        args=["--config", cfg])
        self.assertTrue(s.flow()[2].startswith("https://file.example.com/collection/"), s.flow())
        s.stop()
        # env beats file (SLUICE_CONFIG names the file)
        s2 = self.sluice(data_dir=data, admin_port=pe, collect_port=pc, ports_from_flags=False, data_from_flag=False,
                         env={"SLUICE_CONFIG": cfg, "SLUICE_ADMIN": "127.0.0.1:%d" % pe,
                              "SLUICE_PUBLIC_URL": "https://env.example.com"})
        self.assertTrue(port_closed(pf), "file's admin port used although SLUICE_ADMIN was set")
        self.assertTrue(s2.flow()[2].startswith("https://env.example.com/collection/"), s2.flow())
        s2.stop()
        # flag (--k=v form) beats env and file
        s3 = self.sluice(data_dir=data, admin_port=pflag, collect_port=pc, ports_from_flags=False,
                         data_from_flag=False,
                         args=["--config=" + cfg, "--admin=127.0.0.1:%d" % pflag, "--public-url=https://flag.example.com"],
                         env={"SLUICE_ADMIN": "127.0.0.1:%d" % pe, "SLUICE_PUBLIC_URL": "https://env.example.com"})
        self.assertTrue(port_closed(pe) and port_closed(pf), "env/file admin port used although --admin was given")
        self.assertEqual(s3.flow()[2], "https://flag.example.com/collection/" + s3.inlet)
        # one data dir, three starts: still one flow
        self.assertEqual(len(s3.admin_json("/data/foundation/flowservice/flows")["items"]), 1)

    def test_log_level_debug(self):
        s = self.sluice(args=["--log-level", "debug"])
        self.assertEqual(s.admin("GET", "/readyz").status, 200)

    # ---- signals -------------------------------------------------------------------------------------
    def test_sigterm_exits_zero_and_keeps_acked_event(self):
        key = "sig-" + os.urandom(8).hex()
        s = self.sluice(keys=[key])
        ev = make_event()
        self.assertAccepted(s.post_event(ev), s, "event before SIGTERM")
        rc, took, killed = s.stop(signal.SIGTERM, timeout=10)
        self.assertFalse(killed, "did not exit within 10 s of SIGTERM")
        self.assertEqual(rc, 0)
        s.start()
        seen = s.wait_event_ids([ev["event_id"]])
        self.assertEqual(seen.get(ev["event_id"]), 1)

    def test_sigint_exits_zero(self):
        s = self.sluice()
        rc, took, killed = s.stop(signal.SIGINT, timeout=10)
        self.assertFalse(killed, "did not exit within 10 s of SIGINT")
        self.assertEqual(rc, 0)

    # ---- health, flows, restart ------------------------------------------------------------------------
    def test_health_and_ready(self):
        s = self.sluice()
        for port in (s.admin_port, s.collect_port):
            r = harness.request(port, "GET", "/healthz")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), {"status": "ok"})
        r = s.admin("GET", "/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json().get("status"), "ready")

    def test_first_start_flow_and_restart(self):
        s = self.sluice()
        items = s.admin_json("/data/foundation/flowservice/flows")["items"]
        self.assertEqual(len(items), 1, items)
        f = items[0]
        self.assertRegex(f["id"], UUID_RE)
        self.assertEqual(f.get("state"), "enabled")
        url = f["options"]["inletUrl"]
        inlet = url.rsplit("/", 1)[-1]
        self.assertRegex(inlet, INLET_RE)
        self.assertEqual(url, "http://127.0.0.1:%d/collection/%s" % (s.collect_port, inlet))
        self.assertNotIn("?", url)
        self.assertNotIn("//", url.split("://", 1)[1])
        datasets = sorted(s.datasets())
        rc, _, killed = s.stop()
        self.assertEqual((rc, killed), (0, False))
        # restart on other ports, same data dir
        s.admin_port, s.collect_port = harness.free_port(), harness.free_port()
        s.start()
        items2 = s.admin_json("/data/foundation/flowservice/flows")["items"]
        self.assertEqual(len(items2), 1, "restart created another flow: %r" % items2)
        self.assertEqual(items2[0]["id"], f["id"])
        self.assertEqual(items2[0]["options"]["inletUrl"], "http://127.0.0.1:%d/collection/%s" % (s.collect_port, inlet))
        self.assertEqual(sorted(s.datasets()), datasets)
        # and the old inlet still collects on the new port
        ev = make_event()
        self.assertAccepted(s.post_event(ev), s, "post after restart")
        s.wait_event_ids([ev["event_id"]])

    def test_public_url(self):
        s = self.sluice(args=["--public-url", "https://hooks.example.com/"])
        flow, inlet, url = s.flow()
        self.assertRegex(inlet, INLET_RE)
        self.assertEqual(url, "https://hooks.example.com/collection/" + inlet)
        s.stop()
        s.extra_args = []
        s.extra_env = {"SLUICE_PUBLIC_URL": "https://hooks.example.com/sluice"}
        s.start()
        self.assertEqual(s.flow()[2], "https://hooks.example.com/sluice/collection/" + inlet)
        self.assertEqual(s.flow()[0], flow)

    # ---- admin API shapes -------------------------------------------------------------------------------
    def test_unknown_admin_path(self):
        s = self.sluice()
        for path in ("/no/such/path", "/data/foundation/flowservice/nothing-here",
                     "/data/foundation/flowservice/flows/%s" % uuid.uuid4()):
            with self.subTest(path=path):
                self.assertProblem(s.admin("GET", path), 404, path)

    def test_admin_api_not_on_collect_listener(self):
        """The public collect listener serves only /collection/... and /healthz."""
        s = self.sluice()
        for path in ("/data/foundation/flowservice/flows", "/data/foundation/catalog/dataSets", "/readyz", "/metrics"):
            with self.subTest(path=path):
                r = harness.request(s.collect_port, "GET", path)
                self.assertNotEqual(r.status, 200, "%s served on the collect listener: %r" % (path, r))
                self.assertIn(r.status, (404, 405), r)

    def test_metrics(self):
        s = self.sluice()
        self.assertProblem(s.post(b"[]", key=None), 400, "a refusal to count")
        r = s.admin("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.content_type.startswith("text/plain"), r.content_type)
        names = set()
        for line in r.body.decode().splitlines():
            if line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, 1)[0])
        self.assertTrue(names, "no metrics")
        self.assertEmpty({n for n in names if not n.startswith("sluice_")}, "metric names without sluice_")

    def test_host_header_check(self):
        s = self.sluice()
        path = "/data/foundation/flowservice/flows"
        self.assertProblem(s.admin("GET", path, headers={"Host": "evil.example.com"}), 403, "foreign Host")
        self.assertProblem(s.admin("GET", path, headers={"Host": "127.0.0.1.evil.example.com:80"}), 403, "lookalike")
        for host in ("localhost:1234", "127.0.0.1", "[::1]:99"):
            self.assertEqual(s.admin("GET", path, headers={"Host": host}).status, 200, host)

    def test_origin_header_check(self):
        """A page of another site that targets 127.0.0.1 directly passes the Host check; its
        Origin gives it away (CSRF)."""
        s = self.sluice()
        path = "/data/foundation/flowservice/flows"
        for origin in ("https://evil.example.com", "http://127.0.0.1.evil.example.com", "null"):
            self.assertProblem(s.admin("GET", path, headers={"Origin": origin}), 403, origin)
        body = b'{"name":"x"}'
        self.assertProblem(s.admin("POST", "/data/foundation/flowservice/sourceConnections", body=body,
                                   headers={"Origin": "https://evil.example.com"}), 403, "cross-site POST")
        for origin in ("http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]"):
            self.assertEqual(s.admin("GET", path, headers={"Origin": origin}).status, 200, origin)
        self.assertEqual(s.admin("GET", "/healthz", headers={"Origin": "https://evil.example.com"}).status, 200)

    def test_datasets_shape(self):
        s = self.sluice()
        ds = s.datasets()
        self.assertIsInstance(ds, dict)
        self.assertGreaterEqual(len(ds), 1)
        for k, v in ds.items():
            self.assertRegex(k, DATASET_RE)
            self.assertIsInstance(v.get("name"), str)
            self.assertTrue(v["name"])
            ref = v.get("schemaRef")
            self.assertIsInstance(ref, dict, v)
            self.assertIsInstance(ref.get("id"), str)
            self.assertTrue(ref["id"].startswith("https://ns.adobe.com/sluice/schemas/"), ref)
            self.assertIsInstance(ref.get("contentType"), str)
        self.assertProblem(s.admin("GET", "/data/foundation/export/datasets/%s/preview" % os.urandom(12).hex()), 404,
                           "preview of an unknown dataset")
        # an empty dataset previews as an empty list
        r = s.admin("GET", "/data/foundation/export/datasets/%s/preview" % s.dataset_id())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json().get("data"), [])

    def test_preview_newest_first_and_limit(self):
        s = self.sluice()
        ds = s.dataset_id()
        ids = []
        t0 = 1767300000
        for i in range(105):
            ev = make_event(timestamp=t0 + i)
            self.assertAccepted(s.post_event(ev), s, "event %d" % i)
            ids.append(ev["event_id"])
        s.wait_event_ids(ids)
        base = "/data/foundation/export/datasets/%s/preview" % ds
        data = s.admin_json(base)["data"]
        self.assertEqual(len(data), 100, "default preview size")
        self.assertEqual([d.get("event_id") for d in data], ids[::-1][:100], "not newest first")
        for d in data:
            self.assertEqual(d.get("_id"), d.get("event_id"))
        data = s.admin_json(base + "?limit=2")["data"]
        self.assertEqual([d.get("event_id") for d in data], ids[::-1][:2])
        self.assertEqual(data[0]["timestamp"], harness.iso_utc(t0 + 104))
        data = s.admin_json(base + "?limit=1")["data"]
        self.assertEqual([d.get("event_id") for d in data], [ids[-1]])
        r = s.admin("GET", base + "?limit=1000")
        if r.status == 200:
            self.assertEqual(len(r.json()["data"]), 100, "limit above the maximum")
        else:
            self.assertProblem(r, 400, "limit above the maximum")

    def test_replay_command(self):
        """`sluice replay` works through the admin API: --wait follows the replay to its end; a
        refusal (before retention) exits 1 with the server's reason; bad usage exits 64."""
        s = self.sluice()
        ev = make_event()
        r = s.post_event(ev)
        self.assertAccepted(r, s, "event")
        s.wait_event_ids([ev["event_id"]])
        admin = "127.0.0.1:%d" % s.admin_port
        # the hour the event was received in (not "now": the test may straddle an hour)
        hour = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(r.json()["receivedTimeMs"] / 1000))
        p = run_cli(["replay", s.flow_id, "--from", hour, "--admin", admin, "--wait"], timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertRegex(out, r"replay [0-9a-f-]{36} queued")
        self.assertIn("completed: 1/1 hours, 1 events", out)
        self.assertEqual(s.ds_count(), 1, "a replay rewrites rows, it does not add them")
        p = run_cli(["replay", s.flow_id, "--from", "2020-01-01T00:00:00Z", "--admin=" + admin])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no longer in the landing log", p.stderr.decode())
        p = run_cli(["replay", s.flow_id, "--from", "yesterday", "--admin", admin])
        self.assertEqual(p.returncode, 64)
        p = run_cli(["replay", "--from", hour])
        self.assertEqual(p.returncode, 64)
        self.assertIn("usage: sluice replay", p.stderr.decode())


if __name__ == "__main__":
    harness.main()
