// SPDX-License-Identifier: Apache-2.0
// The dataflow pages against a real sluice: events posted to the first-start Customer.io flow's
// webhook URL show in the run table, the chart, the live tail and the dataset preview; bad events
// in error diagnostics; the properties panel, enable/disable, the mapping editor, replay, alerts,
// the page at 375 px, and the live tail behind an API key. One server and one browser page for
// the file, except for the API key's own.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert");
const http = require("node:http");
const { execFileSync } = require("node:child_process");
const { Sluice, openBrowser, poll, sampleEvent } = require("./harness");

const WAIT = { timeout: 10000 };
let s;
let b;
let flow;

before(async () => {
  s = await new Sluice().start();
  b = await openBrowser();
  flow = await s.defaultFlow();
});

after(async () => {
  if (b) await b.browser.close();
  await s.stop();
});

// Loads the UI afresh at #hash in the file's one browser page (launching Chromium per test costs
// seconds; the query string makes each visit a new document), runs the test on it, then checks:
// no external requests, no console errors.
let visits = 0;
async function withPage(hash, run, viewport = { width: 1280, height: 900 }) {
  await b.page.setViewportSize(viewport);
  visits += 1;
  await b.page.goto(`${s.base}/ui/?visit=${visits}#${hash}`);
  await run(b.page);
  assert.deepStrictEqual(b.external, []);
  assert.deepStrictEqual(b.errors, []);
}

async function runsOfFlow() {
  const r = await s.api("GET", `/data/foundation/flowservice/runs?property=flowId==${flow.id}`);
  return r.json.items;
}

// Waits until the flow's runs have processed `n` records in all.
async function processed(n) {
  return poll(async () => {
    const runs = await runsOfFlow();
    const rs = runs.map((r) => r.metrics.recordSummary);
    const done = rs.reduce((a, x) => a + x.outputRecordCount + x.failedRecordCount + x.duplicateRecordCount, 0);
    return done >= n ? runs : null;
  }, `${n} processed records`);
}

async function totalReceived() {
  return (await runsOfFlow()).reduce((a, r) => a + r.metrics.recordSummary.inputRecordCount, 0);
}

async function patchFlow(ops) {
  const cur = await s.api("GET", `/data/foundation/flowservice/flows/${flow.id}`);
  const r = await s.api("PATCH", `/data/foundation/flowservice/flows/${flow.id}`, ops,
    { "If-Match": cur.headers.get("etag") });
  assert.strictEqual(r.status, 200, r.text);
}

async function datasetOfFlow() {
  const t = await s.api("GET", `/data/foundation/flowservice/targetConnections/${flow.targetConnectionIds[0]}`);
  return t.json.items[0].params.dataSetId;
}

// The cells of the run table's first row (the newest run).
async function newestRunCells(page) {
  return page.$$eval("#runs-table tbody tr", (rows) => [...rows[0].cells].map((c) => c.textContent.trim()));
}

test("posted events show in the run table, the chart, the live tail and the dataset preview", async () => {
  const first = sampleEvent("email_delivered.json");
  assert.strictEqual((await s.postEvent(flow, first)).status, 200);
  const newest = (await processed(1))[0].metrics.recordSummary;
  const received = await totalReceived();

  await withPage("/dataflows", async (page) => {
    await page.click(`#flows-table a[href="#/dataflows/${flow.id}"]`);
    await page.waitForSelector("#runs-table [data-testid=run-row]", WAIT);
    const cells = await newestRunCells(page);
    assert.strictEqual(cells[1], String(newest.inputRecordCount), "received");
    assert.strictEqual(cells[2], String(newest.outputRecordCount), "ingested");
    assert.strictEqual(await page.textContent("#banner-received"), String(received));

    // The chart: an SVG with a title and data points of the received and ingested series.
    const chart = page.locator("svg#activity-chart");
    assert.match(await chart.locator("title").first().textContent(), /Records per hour/);
    assert.ok(await chart.locator("circle.pg-pt[data-series=received]").count() >= 1);
    assert.ok(await chart.locator("circle.pg-pt[data-series=ingested]").count() >= 1);

    // Diagnostics are off on a new flow: the page says so and still counts.
    await page.waitForSelector("#diagnostics-off", WAIT);

    // The live tail lists what landed before the page opened, and what lands while it is open.
    await page.waitForSelector(`#tail-list code.pg-event-id:text-is("${first.event_id}")`, WAIT);
    const second = sampleEvent("email_opened.json");
    const posted = await s.postEvent(flow, second);
    assert.strictEqual(posted.status, 200);
    const item = page.locator(`#tail-list [data-xaction-id="${posted.json.xactionId}"]`);
    await item.waitFor(WAIT);
    assert.match(await item.textContent(), new RegExp(second.event_id));
    assert.strictEqual(await page.getAttribute("#tail-list li:first-child", "data-xaction-id"), posted.json.xactionId,
      "newest on top");

    // Pause stops the tail; resume picks up what arrived meanwhile.
    await page.click("#tail-toggle");
    assert.strictEqual(await page.getAttribute("#tail-toggle", "aria-pressed"), "true");
    const third = sampleEvent("email_clicked.json");
    const posted3 = await s.postEvent(flow, third);
    await page.click("#tail-toggle");
    await page.waitForSelector(`#tail-list [data-xaction-id="${posted3.json.xactionId}"]`, WAIT);
    const ids = await page.$$eval("#tail-list li", (items) => items.map((i) => i.dataset.xactionId));
    assert.strictEqual(new Set(ids).size, ids.length, "reconnects resume after the last event id");

    // The page refreshes by itself: the run rows count the new events.
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll("#runs-table tbody tr")];
      return rows.reduce((a, row) => a + Number(row.cells[1].textContent), 0) === n;
    }, received + 2, WAIT);
  });

  const dataset = await datasetOfFlow();
  await withPage(`/datasets/${dataset}`, async (page) => {
    await page.waitForSelector(`#preview-table td:text-is("${first.event_id}")`, WAIT);
    await page.fill("#preview-search", first.event_id);
    assert.match(await page.textContent("#preview-count"), /^Showing 1 of \d+ records/);
    await page.click("#preview-table tbody tr:not([hidden]) button");
    assert.strictEqual(JSON.parse(await page.textContent("#record-json")).event_id, first.event_id);
  });
});

test("bad events show in the error diagnostics preview with their codes", async () => {
  await patchFlow([{ op: "add", path: "/options/errorDiagnosticsEnabled", value: true }]);
  const before = await s.api("GET", `/data/foundation/flowservice/flows/${flow.id}/errors?limit=1000`);
  const bad = { event_id: "x", object_type: "email", metric: "sent" };
  assert.strictEqual((await s.postEvent(flow, bad)).status, 200);
  const raw = await fetch(`${flow.options.inletUrl}?x-adobe-flow-id=${flow.id}`,
    { method: "POST", headers: { "Content-Type": "application/json" }, body: "not json" });
  assert.strictEqual(raw.status, 400);
  await poll(async () => {
    const r = await s.api("GET", `/data/foundation/flowservice/flows/${flow.id}/errors?limit=1000`);
    return r.json.items.length >= before.json.items.length + 2;
  }, "two error diagnostics");

  await withPage(`/dataflows/${flow.id}`, async (page) => {
    const missing = page.locator("#flow-errors tr[data-code=INGEST-1555-400]").first();
    await missing.waitFor(WAIT);
    assert.match(await missing.textContent(), /timestamp/);
    await missing.locator("summary").click();
    assert.strictEqual(JSON.parse(await missing.locator("pre").textContent()).event_id, "x");
    const unreadable = page.locator("#flow-errors tr[data-code=INGEST-1401-400]").first();
    await unreadable.waitFor(WAIT);
    await unreadable.locator("summary").click();
    assert.strictEqual((await unreadable.locator("pre").textContent()).trim(), "not json");
    assert.strictEqual(await page.locator("#diagnostics-off").count(), 0);

    // Selecting the run shows its overview: id, failure codes with counts, and its errors.
    const runId = await page.getAttribute("#runs-table tbody tr", "data-run-id");
    await page.click("#runs-table tbody tr button");
    await page.waitForSelector("#run-overview:not([hidden])", WAIT);
    assert.strictEqual(await page.textContent("#run-overview-id"), runId);
    await page.waitForSelector("#run-overview tr[data-code=INGEST-1555-400]", WAIT);
    await page.waitForSelector("#run-errors tr[data-code=INGEST-1401-400]", WAIT);
  });
});

test("the properties panel shows the webhook URL with copy buttons", async () => {
  await withPage(`/dataflows/${flow.id}`, async (page) => {
    await page.waitForSelector("#prop-webhook-url", WAIT);
    assert.strictEqual(await page.inputValue("#prop-webhook-url"),
      flow.options.inletUrl + "?x-adobe-flow-id=" + flow.id);
    assert.strictEqual(await page.inputValue("#prop-inlet-url"), flow.options.inletUrl);
    assert.strictEqual(await page.inputValue("#prop-flow-id"), flow.id);
    const copy = page.locator(".copy", { has: page.locator("#prop-webhook-url") }).locator("button");
    assert.strictEqual(await copy.textContent(), "Copy");
    await copy.click();
    await page.waitForSelector(".copy:has(#prop-webhook-url) button:text-is('Copied')", WAIT);
  });
});

test("enable and disable change the flow's state", async () => {
  const state = async () => (await s.api("GET", `/data/foundation/flowservice/flows/${flow.id}`)).json.items[0].state;
  await withPage(`/dataflows/${flow.id}`, async (page) => {
    await page.waitForSelector("#flow-state:text-is('enabled')", WAIT);
    await page.click("#flow-toggle:text-is('Disable')");
    await page.waitForSelector("#flow-state:text-is('disabled')", WAIT);
    assert.strictEqual(await state(), "disabled");
    await page.click("#flow-toggle:text-is('Enable')");
    await page.waitForSelector("#flow-state:text-is('enabled')", WAIT);
    assert.strictEqual(await state(), "enabled");
  });
});

test("the mapping editor saves a new version and pins it; replay re-processes", async () => {
  const mappingId = flow.transformations[0].params.mappingId;
  const old = (await s.api("GET", `/data/foundation/conversion/mappingSets/${mappingId}`)).json;
  const dropped = old.mappings.find((m) => m.destination === "delivery_id");
  assert.ok(dropped, "the default mapping writes delivery_id");

  await withPage(`/dataflows/${flow.id}`, async (page) => {
    await page.click("#mapping-edit");
    await page.waitForSelector("#mapping-form [data-testid=mapping-row]", WAIT);
    const rows = page.locator("#mapping-form [data-testid=mapping-row]");
    assert.strictEqual(await rows.count(), old.mappings.length);
    const row = rows.filter({ has: page.locator(`input[value="delivery_id"]`) });
    await row.locator("button").click();
    assert.strictEqual(await rows.count(), old.mappings.length - 1);
    await page.click("#mapping-save");
    await page.waitForSelector("#mapping-saved", WAIT);
    assert.match(await page.textContent("#mapping-saved"), /version 1/);

    const f = (await s.api("GET", `/data/foundation/flowservice/flows/${flow.id}`)).json.items[0];
    assert.strictEqual(f.transformations[0].params.mappingVersion, 1);
    const now = (await s.api("GET", `/data/foundation/conversion/mappingSets/${mappingId}`)).json;
    assert.strictEqual(now.version, 1);
    assert.ok(!now.mappings.some((m) => m.destination === "delivery_id"));

    // Replay the last hour (the form's default) and follow it to the end.
    await page.click("#replay-start");
    await page.waitForSelector("#replay-status [data-status=completed]", WAIT);
    assert.match(await page.textContent("#replay-status"), /Events processed/);
  });
});

test("alerts: a subscription added in the form gets run alerts with their deliveries", async () => {
  const got = [];
  const hook = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => { got.push(req.headers["x-sluice-signature"]); res.end("ok"); });
  });
  await new Promise((r) => hook.listen(0, "127.0.0.1", r));
  try {
    await withPage("/alerts", async (page) => {
      await page.waitForSelector("#subscription-form", WAIT);
      await page.selectOption("#sub-flow", flow.id);
      await page.fill("#sub-url", `http://127.0.0.1:${hook.address().port}/hook`);
      await page.fill("#sub-secret", "a-shared-secret-of-16+-chars");
      await page.check("#sub-rule-sources_flow_run_start");
      await page.click("#sub-add");
      await page.waitForSelector("#subscriptions-table [data-testid=subscription]", WAIT);
      assert.match(await page.textContent("#subscriptions-table"), /sources_flow_run_start/);

      // A new hour's run is not needed: run alerts cover runs updated after the subscription.
      await s.postEvent(flow, sampleEvent("email_sent.json"));
      await poll(() => got.length > 0, "the alert delivery");
      await page.selectOption("#alerts-status", "RAISED");
      await page.waitForSelector("#alerts-table [data-rule=sources_flow_run_start]", WAIT);
      const alert = page.locator("#alerts-table [data-rule=sources_flow_run_start]").first();
      await alert.locator("summary").click();
      await alert.locator("[data-testid=delivery]").first().waitFor(WAIT);
      const cells = await alert.locator("[data-testid=delivery]").first().locator("td").allTextContents();
      assert.deepStrictEqual([cells[2], cells[3]], ["delivered", "200"]);

      await page.click("#subscriptions-table button.danger");
      await page.click("#subscriptions-table button.danger");
      await page.waitForSelector("#subscriptions-empty", WAIT);
    });
  } finally {
    hook.close();
  }
  assert.ok(got[0], "deliveries are signed");
});

test("at 375 px the activity page fits the screen", async () => {
  await withPage(`/dataflows/${flow.id}`, async (page) => {
    await page.waitForSelector("#runs-table", WAIT);
    await page.waitForSelector("#tail-list li", WAIT);
    const sizes = await page.evaluate(() => ({
      doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth,
    }));
    assert.ok(sizes.doc <= sizes.view && sizes.body <= sizes.view, JSON.stringify(sizes));
  }, { width: 375, height: 800 });
});

test("with an API key the page logs in and the live tail sends the key", async () => {
  const keyed = new Sluice();
  const key = execFileSync(process.env.SLUICE_BIN, ["keys", "create", "--name", "e2e", "--data", keyed.dir],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  await keyed.start();
  keyed.apiKey = key;
  const kb = await openBrowser();
  try {
    const kflow = await keyed.defaultFlow();
    await kb.page.goto(`${keyed.base}/ui/#/dataflows/${kflow.id}`);
    await kb.page.fill("#api-key", key);
    await kb.page.click("form.login button[type=submit]");
    await kb.page.waitForSelector("#tail-info", WAIT);
    const posted = await keyed.postEvent(kflow, sampleEvent("email_sent.json"));
    await kb.page.waitForSelector(`#tail-list [data-xaction-id="${posted.json.xactionId}"]`, WAIT);
    assert.deepStrictEqual(kb.external, []);
    // Only the first request, before the key was given, may fail (Chromium logs that 401).
    assert.deepStrictEqual(kb.errors, ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
  } finally {
    await kb.browser.close();
    await keyed.stop();
  }
});
