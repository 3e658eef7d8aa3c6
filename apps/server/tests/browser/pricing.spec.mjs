// The pricing page in Chromium: every public plan as a column, the interval toggle and the
// currency switch, keyboard reach, an owner's upgrade through the fake checkout, a plan
// change through the confirm page, and the phone layout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, launch, newPage, assertNoErrors, shot, ok, customer, sessionUrl, advance, subscribe,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Signs a page's context in as a customer's user without opening the page the link lands
/// on: the context's request shares its cookie jar.
async function signIn(page, id, role = "owner") {
  const url = await sessionUrl(id, role);
  const r = await page.context().request.get(url, { maxRedirects: 0 });
  assert.equal(r.status(), 303, "the session link sets the cookie");
}

async function priceText(page, code) {
  return (await page.getByTestId(`price-${code}`).innerText()).replace(/\s+/g, " ").trim();
}

test("the matrix shows every public plan and feature", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/pricing`);
  const { plans } = await ok("GET", "/v1/plans", { key: null });
  assert.ok(plans.length >= 3);
  const heads = page.locator("table.pricing thead th[scope=col]");
  assert.equal(await heads.count(), plans.length);
  for (const [i, plan] of plans.entries()) {
    assert.match(await heads.nth(i).innerText(), new RegExp(plan.name));
  }
  assert.equal(await page.locator("table.pricing tbody tr").count(), 11);
  assert.equal(await page.locator("table.pricing caption").innerText(), "Plans compared by feature");
  assert.equal(await page.getByTestId("current-plan").count(), 0);
  await shot(page, "pricing-matrix");
  // "Get started" is a link to the explanation on the page, not a dead button.
  await page.getByTestId("choose-pro").click();
  await page.waitForURL(/#get-started$/);
  assert.ok(await page.getByTestId("get-started").isVisible());
  assertNoErrors(page);
});

test("yearly and VND change the prices shown", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/pricing`);
  assert.equal(await priceText(page, "pro"), "$49 / month");
  assert.equal(await page.getByTestId("interval-month").getAttribute("aria-current"), "true");

  await page.getByTestId("interval-year").click();
  await page.waitForURL(/interval=year/);
  assert.equal(await priceText(page, "pro"), "$490 / year");
  assert.equal(await page.getByTestId("saving-pro").innerText(), "Save $98 a year");
  assert.equal(await page.getByTestId("interval-year").getAttribute("aria-current"), "true");
  assert.equal(await page.getByTestId("interval-month").getAttribute("aria-current"), null);

  await page.getByTestId("currency-VND").click();
  await page.waitForURL(/currency=VND/);
  assert.equal(await priceText(page, "pro"), "11,900,000 ₫ / year");
  assert.equal(await page.getByTestId("currency-VND").getAttribute("aria-current"), "true");
  assert.match(page.url(), /interval=year/, "the interval is kept");
  await shot(page, "pricing-yearly-vnd");

  // In German, EUR is written the German way.
  await page.goto(`${BASE}/pricing?currency=EUR&lang=de`);
  assert.equal(await priceText(page, "pro"), "45 € / Monat");
  assertNoErrors(page);
});

test("the keyboard reaches the toggle and a plan's button", async () => {
  const page = await newPage(browser);
  await customer("keys-co");
  await signIn(page, "keys-co");
  await page.goto(`${BASE}/pricing`);
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") || document.activeElement?.tagName);
  let seen = [];
  for (let i = 0; i < 40 && !seen.includes("choose-pro"); i++) {
    await page.keyboard.press("Tab");
    seen.push(await focused());
  }
  assert.ok(seen.includes("interval-year"), `Tab order: ${seen.join(", ")}`);
  assert.ok(seen.includes("currency-EUR"), `Tab order: ${seen.join(", ")}`);
  assert.ok(seen.includes("choose-pro"), `Tab order: ${seen.join(", ")}`);
  assert.ok(seen.indexOf("interval-year") < seen.indexOf("choose-pro"));
  // Enter on the toggle switches it.
  await page.getByTestId("interval-year").focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/interval=year/);
  assert.equal(await page.getByTestId("interval-year").getAttribute("aria-current"), "true");
  assertNoErrors(page);
});

test("an owner upgrades from the free plan through the fake checkout", async () => {
  const id = "upgrade-co";
  await customer(id);
  const page = await newPage(browser);
  await signIn(page, id);
  await page.goto(`${BASE}/pricing`);
  const current = page.getByTestId("current-plan");
  assert.equal(await current.count(), 1);
  assert.equal(await page.getByTestId("plan-hobby").getByTestId("current-plan").count(), 1);
  await shot(page, "pricing-owner");
  assertNoErrors(page);

  await page.getByTestId("choose-pro").click();
  await page.waitForURL(/\/fake-billing\/checkout\//);
  await page.locator("#pay").click();
  await page.waitForURL(/\/app\/billing\?done=checkout/);
  // The billing page belongs to another screen; this spec checks the pricing page again.
  page.errors.splice(0);

  await page.goto(`${BASE}/pricing`);
  assert.equal(await page.getByTestId("plan-pro").getByTestId("current-plan").count(), 1);
  assert.equal(await page.getByTestId("plan-hobby").getByTestId("current-plan").count(), 0);
  const sub = await ok("GET", `/v1/customers/${id}/subscription`);
  assert.equal(sub.plan, "pro");
  assert.ok(["trialing", "active"].includes(sub.status), sub.status);
  assertNoErrors(page);
});

test("an owner switches to yearly through the confirm page", async () => {
  const id = "yearly-co";
  await customer(id);
  await subscribe(id, "pro", "month");
  await advance(20 * 86400);
  const page = await newPage(browser);
  await signIn(page, id);
  await page.goto(`${BASE}/pricing?interval=year`);
  await page.getByTestId("choose-pro").click();
  await page.waitForURL(/\/pricing\/change\?plan=pro&interval=year/);
  assert.match(await page.getByTestId("change-from").innerText(), /Pro · Monthly/);
  assert.match(await page.getByTestId("change-to").innerText(), /Pro · Yearly/);
  assert.match(await page.getByTestId("due-now").innerText(), /^\$\d/);
  await shot(page, "pricing-change");
  assertNoErrors(page);

  // Back returns to the matrix and changes nothing.
  await page.getByTestId("change-back").click();
  await page.waitForURL(/\/pricing\?interval=year/);
  assert.equal((await ok("GET", `/v1/customers/${id}/subscription`)).interval, "month");

  await page.getByTestId("choose-pro").click();
  await page.getByTestId("confirm-change").click();
  await page.waitForURL(/\/app\/billing\?done=changed/);
  const sub = await ok("GET", `/v1/customers/${id}/subscription`);
  assert.equal(sub.plan, "pro");
  assert.equal(sub.interval, "year");
});

test("on a phone the table scrolls inside its card with the feature column in view", async () => {
  const page = await newPage(browser, { mobile: true });
  await page.goto(`${BASE}/pricing`);
  const sizes = await page.evaluate(() => {
    const wrap = document.querySelector(".pricing-wrap");
    return {
      page: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      wrap: wrap.scrollWidth,
      wrapVisible: wrap.clientWidth,
    };
  });
  // Nothing widens the page past the phone's 390 px (Chrome would zoom out to fit it).
  assert.equal(sizes.viewport, 390, JSON.stringify(sizes));
  assert.ok(sizes.page <= 390, `the page itself does not scroll sideways: ${JSON.stringify(sizes)}`);
  assert.ok(sizes.wrap > sizes.wrapVisible, "the table scrolls inside its wrapper");
  await shot(page, "pricing-mobile");
  const name = page.locator("#feature-api_calls");
  const before = await name.boundingBox();
  await page.locator(".pricing-wrap").evaluate((w) => { w.scrollLeft = 300; });
  const after = await name.boundingBox();
  assert.equal(Math.round(after.x), Math.round(before.x), "the feature column stays put");
  await shot(page, "pricing-mobile-scrolled");
  assertNoErrors(page);
});
