// SPDX-License-Identifier: Apache-2.0
// The sources catalog and the Customer.io dataflow wizard, against a real sluice: the whole
// wizard creates a working dataflow (checked through the API, then with signed events), the
// calculated-field editor validates live, the catalog filters, samples load from files (and bad
// ones are refused), and the first steps work at 375 px with the keyboard alone.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const path = require("node:path");
const { Sluice, openBrowser, poll, sampleEvent, DATA } = require("./harness");

const SIGNING_KEY = "e2e-wizard-signing-key";
const ALERT_SECRET = "an-alert-secret-of-32-characters";
const VALIDATE = "/data/foundation/conversion/languages/el/validate";
const SUBSCRIPTIONS = "/data/infrastructure/observability/alerts/subscriptions";

// Chromium logs every 4xx answer as a console error ("Failed to load resource"). A test that
// provokes a 400 on purpose (an invalid expression, a refused webhook URL) expects those, from
// that path only.
function expect400(page, pathSuffix) {
  const seen = [];
  page.on("console", (m) => {
    if (m.type() === "error" && m.location().url.endsWith(pathSuffix) && /status of 400/.test(m.text())) seen.push(m.text());
  });
  return seen;
}

function assertClean(b, expected = []) {
  assert.deepStrictEqual(b.external, []);
  const rest = [...b.errors];
  for (const e of expected) rest.splice(rest.indexOf(e), 1);
  assert.deepStrictEqual(rest, []);
}

async function withUi(viewport, fn) {
  const s = await new Sluice().start();
  const b = await openBrowser(viewport);
  try {
    await fn(s, b, b.page);
  } finally {
    await b.browser.close();
    await s.stop();
  }
}

// Form controls without a <label> (the UI's rule: every input has one).
const unlabelled = (page) => page.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
  .filter((e) => e.type !== "hidden" && !e.labels.length).map((e) => e.id || e.outerHTML));

const visibleRows = (page) => page.locator("[data-testid=mapping-row]:visible").count();

async function uploadText(page, name, text) {
  await page.setInputFiles("#sample-file", { name, mimeType: "application/json", buffer: Buffer.from(text) });
}

test("the wizard with the Customer.io sample creates a dataflow that ingests signed events", async () => {
  await withUi(undefined, async (s, b, page) => {
    await page.goto(s.base + "/ui/");
    await page.click("#add-customerio");
    await page.waitForSelector("#wizard-step-title");
    assert.match(await page.textContent("[aria-current=step]"), /Select data/);
    assert.ok(await page.isDisabled("#wizard-next"));
    assert.match(await page.textContent("#wizard-reason"), /sample/);

    // Select data: the sample, its preview and its inferred schema.
    await page.click("#use-sample");
    await page.waitForSelector("#schema-tree li[data-path='data.identifiers.cio_id']");
    assert.match(await page.textContent("#sample-summary"), /1 row/);
    assert.match(await page.textContent("#sample-panel-table"), /subscribed/);
    assert.deepStrictEqual(await unlabelled(page), []);
    await page.click("#wizard-next");

    // Dataflow detail: every option, with Next held back by each missing value.
    await page.waitForSelector("#flow-name");
    assert.match(await page.textContent("[aria-current=step]"), /Dataflow detail/);
    await page.fill("#flow-name", "");
    assert.ok(await page.isDisabled("#wizard-next"));
    assert.match(await page.textContent("#wizard-reason"), /dataflow name/);
    await page.fill("#flow-name", "E2E Customer.io");
    await page.fill("#flow-description", "Made by the wizard test");
    await page.fill("#dataset-name", "E2E events");
    await page.check("#opt-profile");
    assert.ok(await page.isChecked("#opt-diagnostics"));
    await page.check("#opt-partial");
    await page.fill("#partial-threshold", "7");
    await page.check("#opt-alerts");
    assert.match(await page.textContent("#wizard-reason"), /webhook URL/);
    await page.check("#rule-sources_flow_run_delay");
    await page.fill("#rule-delay-minutes", "20");
    await page.fill("#alert-url", "http://127.0.0.1:9/hook");
    await page.fill("#alert-secret", "too-short");
    assert.match(await page.textContent("#wizard-reason"), /16 to 256/);
    await page.fill("#alert-secret", ALERT_SECRET);
    await page.fill("#signing-key", SIGNING_KEY);
    assert.ok(await page.isEnabled("#wizard-next"));
    assert.deepStrictEqual(await unlabelled(page), []);
    await page.click("#wizard-next");

    // Mapping: recommendations cover the mandatory fields.
    await page.waitForSelector("#preview-summary");
    assert.strictEqual(await page.textContent("#count-required"), "8/8");
    assert.strictEqual(await page.textContent("#count-identity"), "3");
    assert.strictEqual(await page.textContent("#count-errors"), "0");
    assert.match(await page.textContent("#mapping-preview"), /test@example\.com/);
    assert.deepStrictEqual(await unlabelled(page), []);

    // Removing cio_id warns (with the test-mode note); the warning maps it back.
    await page.click("[data-testid=mapping-row][data-destination=cio_id] .wz-remove");
    await page.waitForSelector("#map-warnings li[data-field=cio_id]");
    assert.match(await page.textContent("#map-warnings"), /test mode/);
    assert.strictEqual(await page.textContent("#count-required"), "7/8");
    await page.click("[data-filter=required]");
    assert.strictEqual(await visibleRows(page), 7);
    await page.click("[data-filter=identity]");
    assert.strictEqual(await visibleRows(page), 2);
    await page.click("#map-warnings li[data-field=cio_id] button");
    assert.strictEqual(await page.inputValue("[data-testid=mapping-row][data-destination=cio_id] input[list=source-fields]"), "data.identifiers.cio_id");
    assert.strictEqual(await page.textContent("#count-required"), "8/8");

    // A target the schema lacks is an error, and holds Next back until removed.
    await page.click("#add-mapping");
    const row = page.locator("[data-testid=mapping-row]").last();
    await row.locator("input[list=source-fields]").fill("metric");
    await row.locator("input[list=target-fields]").fill("no_such_field");
    assert.strictEqual(await page.textContent("#count-errors"), "1");
    assert.match(await row.locator(".wz-row-msg").textContent(), /not a field of the schema/);
    assert.ok(await page.isDisabled("#wizard-next"));
    await page.click("[data-filter=errors]");
    assert.strictEqual(await visibleRows(page), 1);
    await row.locator(".wz-remove").click();
    assert.strictEqual(await page.textContent("#count-errors"), "0");
    await page.click("#wizard-next");

    // Review, then Finish.
    await page.waitForSelector("#review-mappings");
    const review = await page.textContent("#wizard-step");
    assert.match(review, /E2E events \(new\)/);
    assert.match(review, /Customer\.io event/);
    assert.match(review, /Mappings \(9\)/);
    await page.click("#wizard-finish");
    await page.waitForURL(/#\/dataflows\/[0-9a-f-]{36}$/);
    const flowId = decodeURIComponent(page.url().split("/").pop());

    // Everything exists with the chosen options.
    const flow = (await s.api("GET", `/data/foundation/flowservice/flows/${flowId}`)).json.items[0];
    assert.strictEqual(flow.name, "E2E Customer.io");
    assert.strictEqual(flow.description, "Made by the wizard test");
    assert.strictEqual(flow.options.errorDiagnosticsEnabled, true);
    assert.strictEqual(flow.options.partialIngestionPercent, 7);
    const src = (await s.api("GET", `/data/foundation/flowservice/sourceConnections/${flow.sourceConnectionIds[0]}`)).json.items[0];
    assert.strictEqual(src.connectionSpec.id, "96479064-7b8a-4d69-b9ed-21c5683837ea");
    assert.strictEqual(src.params.signingKeysSet, true);
    const tgt = (await s.api("GET", `/data/foundation/flowservice/targetConnections/${flow.targetConnectionIds[0]}`)).json.items[0];
    const dsId = tgt.params.dataSetId;
    const ds = (await s.api("GET", `/data/foundation/catalog/dataSets/${dsId}`)).json[dsId];
    assert.strictEqual(ds.name, "E2E events");
    assert.deepStrictEqual(ds.tags.unifiedProfile, ["enabled:true"]);
    assert.strictEqual(ds.schemaRef.id, tgt.data.schema.id);
    const ms = (await s.api("GET", `/data/foundation/conversion/mappingSets/${flow.transformations[0].params.mappingId}`)).json;
    assert.strictEqual(ms.mappings.length, 9);
    assert.ok(ms.mappings.some((m) => m.source === "data.identifiers.cio_id" && m.destination === "cio_id"));
    const subs = (await s.api("GET", "/data/infrastructure/observability/alerts/subscriptions")).json.items;
    const sub = subs.find((x) => x.flowId === flowId);
    assert.strictEqual(sub.url, "http://127.0.0.1:9/hook");
    assert.strictEqual(sub.secretSet, true);
    assert.deepStrictEqual(sub.rules.map((r) => r.name).sort(), ["sources_flow_run_delay", "sources_flow_run_failure"]);
    assert.strictEqual(sub.rules.find((r) => r.name === "sources_flow_run_delay").thresholdMinutes, 20);

    // Finish lands on the flow's activity page (pages.js), which gives the webhook URL.
    await page.waitForSelector("#prop-webhook-url");
    assert.strictEqual(await page.inputValue("#prop-flow-id"), flowId);
    assert.strictEqual(await page.inputValue("#prop-webhook-url"), `${flow.options.inletUrl}?x-adobe-flow-id=${flowId}`);

    // That URL takes signed events (and only those) into the new dataset.
    const ev = sampleEvent("email_sent.json");
    assert.strictEqual((await s.postEvent(flow, sampleEvent("email_sent.json"))).status, 401);
    assert.strictEqual((await s.postEvent(flow, ev, SIGNING_KEY)).status, 200);
    const rec = await poll(async () => {
      const r = await s.api("GET", `/data/foundation/export/datasets/${dsId}/preview`);
      return r.json.data.find((x) => x.event_id === ev.event_id);
    }, "the event in the new dataset");
    assert.strictEqual(rec._id, ev.event_id);
    assert.strictEqual(rec.metric, "sent");
    assert.strictEqual(rec.cio_id, "d9c106000001");
    assertClean(b);
  });
});

test("into an existing dataset; a Finish that fails part-way resumes without creating twice", async () => {
  await withUi(undefined, async (s, b, page) => {
    const expected = expect400(page, SUBSCRIPTIONS);
    const count = async (p) => (await s.api("GET", p)).json.items.length;
    const [ds0] = Object.values((await s.api("GET", "/data/foundation/catalog/dataSets")).json);
    assert.deepStrictEqual(ds0.tags.unifiedProfile, ["enabled:true"]);
    await page.goto(s.base + "/ui/#/sources/customerio/new");
    await page.click("#use-sample");
    await page.waitForSelector("#schema-tree");
    await page.click("#wizard-next");

    // The existing dataset brings its Profile tag; turning it off patches the dataset.
    await page.check("#dataset-mode-existing");
    assert.strictEqual(await page.inputValue("#dataset-existing"), ds0.id);
    assert.match(await page.textContent("#dataset-existing-schema"), /Customer\.io event/);
    assert.ok(await page.isChecked("#opt-profile"));
    await page.uncheck("#opt-profile");
    await page.fill("#flow-name", "Into the old dataset");
    await page.check("#opt-alerts");
    // The server refuses credentials in a webhook URL: the last step fails.
    await page.fill("#alert-url", "http://user:pw@127.0.0.1:9/hook");
    await page.click("#wizard-next");
    await page.waitForSelector("#preview-summary");
    await page.click("#wizard-next");
    assert.match(await page.textContent("#wizard-step"), /Profile ingestionOff/);
    await page.click("#wizard-finish");
    await page.waitForSelector("#finish-error .error-box");
    assert.match(await page.textContent("#finish-error"), /user name or password/);
    assert.strictEqual(await page.textContent("#finish-progress li[data-step=flow] .badge"), "Done");
    assert.strictEqual(await page.textContent("#finish-progress li[data-step=alerts] .badge"), "Failed");
    assert.match(await page.textContent("#finish-created"), /Already created: Profile tag changed on dataset [0-9a-f]{24}, .*, dataflow [0-9a-f-]{36}\./);
    assert.ok(await page.isEnabled("#wizard-finish"));
    assert.match(page.url(), /#\/sources\/customerio\/new$/);
    assert.strictEqual(await count("/data/foundation/flowservice/flows"), 2);

    // Fix the URL through the step bar, jump back to Review, and finish: nothing is made twice.
    await page.click(".wz-step[data-step=detail]");
    await page.fill("#alert-url", "http://127.0.0.1:9/hook");
    await page.click(".wz-step[data-step=review]");
    await page.click("#wizard-finish");
    await page.waitForURL(/#\/dataflows\/[0-9a-f-]{36}$/);
    const flowId = decodeURIComponent(page.url().split("/").pop());
    assert.strictEqual(await count("/data/foundation/flowservice/flows"), 2);
    assert.strictEqual(await count("/data/foundation/flowservice/sourceConnections"), 2);
    assert.strictEqual(await count("/data/foundation/flowservice/targetConnections"), 2);
    const subs = (await s.api("GET", SUBSCRIPTIONS)).json.items;
    assert.deepStrictEqual(subs.map((x) => [x.flowId, x.url]), [[flowId, "http://127.0.0.1:9/hook"]]);
    const flow = (await s.api("GET", `/data/foundation/flowservice/flows/${flowId}`)).json.items[0];
    const tgt = (await s.api("GET", `/data/foundation/flowservice/targetConnections/${flow.targetConnectionIds[0]}`)).json.items[0];
    assert.strictEqual(tgt.params.dataSetId, ds0.id);
    const ds = (await s.api("GET", `/data/foundation/catalog/dataSets/${ds0.id}`)).json[ds0.id];
    assert.strictEqual(ds.tags.unifiedProfile, undefined);
    assert.strictEqual(expected.length, 1);
    assertClean(b, expected);
  });
});

test("a calculated field shows its syntax error with the position, then validates and previews", async () => {
  await withUi(undefined, async (s, b, page) => {
    const expected = expect400(page, VALIDATE);
    await page.goto(s.base + "/ui/#/sources/customerio/new");
    await page.setInputFiles("#sample-file", path.join(DATA, "customerio", "email_sent.json"));
    await page.waitForSelector("#schema-tree");
    assert.match(await page.textContent("#sample-summary"), /email_sent\.json/);
    await page.click("#wizard-next");
    await page.click("#wizard-next");
    await page.waitForSelector("#preview-summary");

    await page.click("#add-calculated");
    assert.strictEqual(await page.evaluate(() => document.activeElement.id), "expr-input");
    assert.deepStrictEqual(await unlabelled(page), []);
    await page.fill("#expr-input", "upper(metric");
    await page.waitForSelector("#expr-error");
    assert.match(await page.textContent("#expr-error"), /Line 1, column 13: .*expected '\)'/);
    assert.match(await page.textContent("#expr-marker"), /upper\(metric \n {12}\^/);
    assert.strictEqual(await page.getAttribute("#expr-input", "aria-invalid"), "true");
    assert.ok(await page.isDisabled("#expr-save"));
    await page.click("#expr-goto");
    assert.strictEqual(await page.evaluate(() => document.getElementById("expr-input").selectionStart), 12);

    // The function picker searches, and inserts "name(" at the cursor.
    await page.fill("#fn-search", "uppercase");
    assert.ok(await page.isVisible("#fn-list button[data-fn=upper]"));
    assert.ok(await page.isHidden("#fn-list button[data-fn=concat]"));
    await page.fill("#expr-input", "metric)");
    await page.evaluate(() => document.getElementById("expr-input").setSelectionRange(0, 0));
    await page.click("#fn-list button[data-fn=upper]");
    assert.strictEqual(await page.inputValue("#expr-input"), "upper(metric)");
    assert.match(await page.textContent("#fn-help"), /String upper/i);
    await page.waitForSelector("#expr-valid");
    assert.strictEqual(await page.getAttribute("#expr-input", "aria-invalid"), "false");
    await page.fill("#expr-destination", "subject");
    await page.click("#expr-save");

    const row = page.locator("[data-testid=mapping-row][data-destination=subject]");
    assert.strictEqual(await row.locator("code.wz-expr").textContent(), "upper(metric)");
    await page.click("#preview-run");
    await page.waitForSelector("#preview-summary");
    const col = await page.$$eval("#mapping-preview th", (ths) => ths.map((t) => t.textContent).indexOf("subject"));
    assert.ok(col >= 0);
    assert.strictEqual(await page.textContent(`#mapping-preview tbody tr:first-child td:nth-child(${col + 1})`), "SENT");
    assert.ok(expected.length >= 1);
    assertClean(b, expected);
  });
});

test("the catalog filters and searches; samples load from files, bad ones are refused", async () => {
  await withUi(undefined, async (s, b, page) => {
    await page.goto(s.base + "/ui/");
    await page.waitForSelector("[data-testid=source-card]");
    const cards = async () => page.$$eval("[data-testid=source-card]", (cs) => cs.map((c) => c.dataset.source).sort());
    assert.deepStrictEqual(await cards(), ["customerio-webhook", "http-api"]);
    assert.deepStrictEqual(await unlabelled(page), []);
    await page.selectOption("#catalog-category", "Streaming");
    assert.deepStrictEqual(await cards(), ["http-api"]);
    await page.selectOption("#catalog-category", "Marketing automation");
    assert.deepStrictEqual(await cards(), ["customerio-webhook"]);
    await page.selectOption("#catalog-category", "");
    await page.fill("#catalog-search", "webhook");
    assert.deepStrictEqual(await cards(), ["customerio-webhook"]);
    await page.fill("#catalog-search", "no such source");
    assert.ok(await page.isVisible("#catalog-empty"));
    await page.fill("#catalog-search", "customer.io");
    const card = page.locator("[data-source=customerio-webhook]");
    assert.strictEqual(await card.locator("[data-testid=view-dataflows]").getAttribute("href"), "#/dataflows");
    await card.locator("#add-customerio").click();
    await page.waitForURL(/#\/sources\/customerio\/new$/);

    // Bad files: a clear error, and no way forward.
    await uploadText(page, "bad.json", '{"event_id": "x",, "metric": "sent"}');
    await page.waitForSelector("#sample-error .error-box");
    assert.match(await page.textContent("#sample-error"), /bad\.json: This is not valid JSON/);
    assert.ok(await page.isDisabled("#wizard-next"));
    await uploadText(page, "lines.json", '{"metric":"sent"}\n{"metric":\n{"metric":"opened"}');
    await page.waitForFunction(() => /Line 2 is not valid JSON/.test(document.getElementById("sample-error").textContent));
    await uploadText(page, "number.json", "42");
    await page.waitForFunction(() => /JSON number/.test(document.getElementById("sample-error").textContent));
    await uploadText(page, "mixed.json", '[{"metric":"sent"}, "opened"]');
    await page.waitForFunction(() => /Item 2 is not a JSON object/.test(document.getElementById("sample-error").textContent));
    assert.strictEqual(await page.$("#sample-summary"), null);

    // JSON lines of three events: the table and the JSON view, switched with the keyboard.
    const evs = ["email_sent.json", "email_opened.json", "customer_subscribed.json"].map((f) => sampleEvent(f));
    await uploadText(page, "events.jsonl", evs.map((e) => JSON.stringify(e)).join("\n") + "\n");
    await page.waitForSelector("#schema-tree");
    assert.strictEqual(await page.textContent("#sample-error"), "");
    assert.match(await page.textContent("#sample-summary"), /events\.jsonl: 3 rows/);
    assert.strictEqual(await page.locator("#sample-panel-table tbody tr").count(), 3);
    await page.focus("#sample-tab-table");
    await page.keyboard.press("ArrowRight");
    assert.strictEqual(await page.getAttribute("#sample-tab-json", "aria-selected"), "true");
    assert.ok(await page.isVisible("#sample-json"));
    assert.deepStrictEqual(JSON.parse(await page.textContent("#sample-json")).map((e) => e.event_id), evs.map((e) => e.event_id));
    await page.keyboard.press("ArrowLeft");
    assert.ok(await page.isHidden("#sample-json"));

    // The schema tree's search keeps the matches and their parents.
    await page.fill("#schema-search", "cio");
    assert.ok(await page.isVisible("li[data-path='data.identifiers.cio_id']"));
    assert.ok(await page.isVisible("li[data-path='data.identifiers']"));
    assert.ok(await page.isHidden("li[data-path=metric]"));
    assert.ok(await page.isHidden("li[data-path='data.subject']"));
    assert.match(await page.textContent("#schema-count"), /^1 field match/);
    await page.fill("#schema-search", "");
    assert.ok(await page.isVisible("li[data-path=metric]"));

    // Drag and drop onto the drop zone.
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], "dropped.json", { type: "application/json" }));
      return d;
    }, JSON.stringify(evs[0]));
    await page.dispatchEvent("#dropzone", "drop", { dataTransfer: dt });
    await page.waitForFunction(() => /dropped\.json: 1 row/.test((document.getElementById("sample-summary") || {}).textContent));
    assert.ok(await page.isEnabled("#wizard-next"));
    assertClean(b);
  });
});

test("at 375 px the catalog and the first step fit, and work with the keyboard alone", async () => {
  await withUi({ width: 375, height: 800 }, async (s, b, page) => {
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    // Tab until the element with this id has the focus (a bounded number of presses).
    const tabTo = async (id) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((x) => document.activeElement && document.activeElement.id === x, id)) return;
      }
      assert.fail(`#${id} is not reachable with Tab`);
    };
    await page.goto(s.base + "/ui/");
    await page.waitForSelector("#add-customerio");
    assert.ok(await page.isVisible("#menu-toggle"));
    assert.ok(await fits(), "the catalog is wider than the screen");
    await tabTo("add-customerio");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#use-sample");
    assert.ok(await fits(), "the first step is wider than the screen");
    await tabTo("use-sample");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#schema-tree");
    assert.ok(await page.isVisible("#sample-panel-table table"));
    assert.ok(await fits(), "the sample preview is wider than the screen");
    await tabTo("wizard-next");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#flow-name");
    assert.match(await page.textContent("[aria-current=step]"), /Dataflow detail/);
    assert.ok(await fits(), "the detail step is wider than the screen");
    assertClean(b);
  });
});
