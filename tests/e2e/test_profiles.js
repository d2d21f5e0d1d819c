// SPDX-License-Identifier: Apache-2.0
// The profile page against a real sluice: a person posted as a Customer.io customer_subscribed
// event is found by email, by cio_id and by customer id as one profile (same entity id, same
// identities, the subscribed attribute, the event on the timeline); deep links; unknown people.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert");
const crypto = require("node:crypto");
const { Sluice, openBrowser, poll, sampleEvent } = require("./harness");

const WAIT = { timeout: 10000 };
const UPS = "/data/core/ups/access/entities?schema.name=_xdm.context.profile";
let s;
let b;

before(async () => {
  s = await new Sluice().start();
  b = await openBrowser();
});

after(async () => {
  if (b) await b.browser.close();
  await s.stop();
});

// A new person, subscribed through the first-start flow; resolves once Profile has them.
async function subscribedPerson() {
  const tag = crypto.randomBytes(4).toString("hex");
  const person = { email: `e2e.${tag}@example.com`, cio_id: `e2e${tag}`, id: `c-${tag}` };
  const ev = sampleEvent("customer_subscribed.json", {
    data: { email_address: person.email, customer_id: person.id, identifiers: person },
  });
  const flow = await s.defaultFlow();
  assert.strictEqual((await s.postEvent(flow, ev)).status, 200);
  const q = `${UPS}&entityId=${encodeURIComponent(person.email)}&entityIdNS=Email`;
  await poll(async () => (await s.api("GET", q)).status === 200, "the profile");
  return { ...person, eventId: ev.event_id };
}

// What the page shows of a profile once it shows the lookup of `ns:id`.
async function shownProfile(page, ns, id) {
  await page.waitForSelector(`#profile-result[data-lookup="${ns}:${id}"] #profile-entity-id`, WAIT);
  return {
    entityId: await page.textContent("#profile-entity-id"),
    identities: (await page.$$eval("#profile-identities [data-testid=identity]",
      (rows) => rows.map((r) => `${r.dataset.ns}:${r.dataset.id}`))).sort(),
    subscribed: await page.textContent("#profile-attrs dd[data-attr=subscribed]"),
  };
}

function assertClean() {
  assert.deepStrictEqual(b.external, []);
  assert.deepStrictEqual(b.errors, []);
}

test("lookups by email, cio_id and customer id show the same person", async () => {
  const p = await subscribedPerson();
  const { page } = b;
  await page.goto(`${s.base}/ui/#/profiles`);
  await page.selectOption("#profile-ns", "Email");
  await page.fill("#profile-id", p.email);
  await page.click("#profile-lookup");
  const byEmail = await shownProfile(page, "Email", p.email);
  assert.deepStrictEqual(byEmail.identities,
    [`CIOCustomerId:${p.id}`, `CIOID:${p.cio_id}`, `Email:${p.email}`]);
  assert.strictEqual(byEmail.subscribed, "true");
  await page.waitForSelector(`#profile-timeline [data-entity-id="${p.eventId}"]`, WAIT);

  // By cio_id through the form: the page reloads the profile for the new identity.
  await page.selectOption("#profile-ns", "CIOID");
  await page.fill("#profile-id", p.cio_id);
  await page.click("#profile-lookup");
  assert.deepStrictEqual(await shownProfile(page, "CIOID", p.cio_id), byEmail);

  // By customer id, clicking that identity in the table.
  await page.click(`#profile-identities [data-ns=CIOCustomerId] button`);
  assert.deepStrictEqual(await shownProfile(page, "CIOCustomerId", p.id), byEmail);
  assert.strictEqual(await page.inputValue("#profile-id"), p.id);
  assertClean();
});

test("a deep link opens the profile; an unknown identity says so", async () => {
  const p = await subscribedPerson();
  const { page } = b;
  await page.goto(`${s.base}/ui/?deep#/profiles?ns=Email&id=${encodeURIComponent(p.email)}`);
  const shown = await shownProfile(page, "Email", p.email);
  assert.ok(shown.identities.includes(`CIOID:${p.cio_id}`));
  assert.strictEqual(await page.inputValue("#profile-id"), p.email);
  assertClean();

  await page.goto(`${s.base}/ui/?unknown#/profiles?ns=Email&id=nobody@example.com`);
  await page.waitForSelector("#profile-none", WAIT);
  assert.match(await page.textContent("#profile-none"), /No profile with that identity/);
  // The API's 404 is the answer here; Chromium logs every 4xx response, and nothing else is allowed.
  assert.deepStrictEqual(b.errors, ["Failed to load resource: the server responded with a status of 404 (Not Found)"]);
  assert.deepStrictEqual(b.external, []);
});
