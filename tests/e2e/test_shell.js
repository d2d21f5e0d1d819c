// SPDX-License-Identifier: Apache-2.0
// The UI shell: served from the binary, no external requests, login when keys exist.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { Sluice, openBrowser } = require("./harness");

test("the UI loads from the admin listener and asks nothing of other sites", async () => {
  const s = await new Sluice().start();
  const b = await openBrowser();
  try {
    const r = await b.page.goto(s.base + "/");
    assert.strictEqual(r.status(), 200);
    assert.match(b.page.url(), /\/ui\/$/);
    await b.page.waitForSelector("#app");
    assert.deepStrictEqual(b.external, []);
    assert.deepStrictEqual(b.errors, []);
  } finally {
    await b.browser.close();
    await s.stop();
  }
});
