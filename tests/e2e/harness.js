// SPDX-License-Identifier: Apache-2.0
// tests/e2e/harness.js: what every end-to-end test of the web UI needs. It starts a real sluice
// (SLUICE_BIN, set by ctest) on free loopback ports with its own data directory, opens Debian's
// Chromium headless through playwright-core, and offers API helpers (signed Customer.io events,
// JSON requests) for setting up and checking. Only 127.0.0.1. Everything started is stopped in
// close(), by PID.
"use strict";

const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.SLUICE_CHROMIUM || "/usr/bin/chromium";
const POLL_LIMIT_MS = 10000;
const DATA = process.env.SLUICE_TEST_DATA || path.join(__dirname, "..", "data");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function poll(fn, what, limitMs = POLL_LIMIT_MS) {
  const deadline = Date.now() + limitMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${limitMs} ms waiting for ${what} (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sampleEvent(name, overrides = {}) {
  const ev = JSON.parse(fs.readFileSync(path.join(DATA, "customerio", name), "utf8"));
  ev.event_id = overrides.event_id || "01E2E" + crypto.randomBytes(10).toString("hex").toUpperCase().slice(0, 21);
  ev.timestamp = overrides.timestamp || Math.floor(Date.now() / 1000);
  if (overrides.data) Object.assign(ev.data, overrides.data);
  return ev;
}

class Sluice {
  constructor(opts = {}) {
    this.opts = opts;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-e2e-"));
    this.proc = null;
    this.log = "";
  }

  async start() {
    const bin = process.env.SLUICE_BIN;
    if (!bin) throw new Error("SLUICE_BIN is not set (ctest sets it)");
    this.adminPort = await freePort();
    this.collectPort = await freePort();
    const args = ["serve", "--data", this.dir, "--admin", `127.0.0.1:${this.adminPort}`,
      "--collect", `127.0.0.1:${this.collectPort}`, "--alerts-interval", "1",
      ...(this.opts.args || [])];
    if (this.opts.signingKey) args.push("--cio-signing-keys", this.opts.signingKey);
    this.proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(this.opts.env || {}) } });
    this.proc.stdout.on("data", (d) => { this.log += d; });
    this.proc.stderr.on("data", (d) => { this.log += d; });
    this.base = `http://127.0.0.1:${this.adminPort}`;
    await poll(async () => {
      if (this.proc.exitCode !== null) throw new Error("sluice exited: " + this.log.slice(-2000));
      const r = await fetch(this.base + "/readyz").catch(() => null);
      return r && r.status === 200;
    }, "sluice /readyz");
    return this;
  }

  async api(method, p, body, headers = {}) {
    const h = { "Content-Type": "application/json", ...headers };
    if (this.apiKey) h.Authorization = "Bearer " + this.apiKey;
    const r = await fetch(this.base + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
    return { status: r.status, json, text, headers: r.headers };
  }

  async defaultFlow() {
    const r = await this.api("GET", "/data/foundation/flowservice/flows");
    return r.json.items[0];
  }

  // POST one event to a flow's webhook URL (signed when a key is given).
  async postEvent(flow, ev, key) {
    const body = Buffer.from(JSON.stringify(ev));
    const headers = { "Content-Type": "application/json" };
    if (key) {
      const ts = String(Math.floor(Date.now() / 1000));
      headers["X-CIO-Timestamp"] = ts;
      headers["X-CIO-Signature"] = crypto.createHmac("sha256", key).update("v0:" + ts + ":").update(body).digest("hex");
    }
    const inletUrl = flow.options.inletUrl;
    const r = await fetch(`${inletUrl}?x-adobe-flow-id=${flow.id}`, { method: "POST", headers, body });
    return { status: r.status, json: await r.json().catch(() => null) };
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once("exit", r));
      this.proc.kill("SIGTERM");
      await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
      if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// A browser page against one sluice; records console errors and any request that leaves
// 127.0.0.1 (the UI must make none).
async function openBrowser(viewport = { width: 1280, height: 900 }) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium (make test does)`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const external = [];
  const errors = [];
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (u.hostname !== "127.0.0.1" && u.protocol !== "data:" && u.protocol !== "blob:") external.push(req.url());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return { browser, context, page, external, errors };
}

module.exports = { Sluice, openBrowser, poll, sampleEvent, freePort, DATA };
