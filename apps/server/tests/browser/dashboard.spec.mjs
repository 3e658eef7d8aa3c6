// The customer's usage dashboard and billing page in a browser: progress bars follow recorded
// usage, each banner appears in its state (the clock and a failing card drive them), members
// are kept out of billing, an owner cancels and reactivates. Tests run in order: the last one
// moves the engine clock for everyone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, BASE, advance, api, assertNoErrors, customer, launch, newPage, ok, sessionUrl, shot, subscribe, usage,
} from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
  // A paid plan without a trial, so a checkout makes an active subscription.
  const r = await api("POST", "/v1/admin/plans", {
    key: ADMIN,
    body: {
      code: "business", name: "Business", description: "For larger teams", priority: 30, trial_days: 0,
      active: true, public: true,
      prices: [{ currency: "USD", interval: "month", amount_minor: 9900, stripe_price_id: null }],
      entitlements: [
        { feature: "api_calls", limit: 500000, window: "month", enforcement: "hard" },
        { feature: "concurrent_jobs", limit: 10 },
        { feature: "analytics", enabled: true },
      ],
      wallet_grants: [],
    },
  });
  assert.ok(r.status === 201 || r.status === 409, `business plan: ${r.status} ${JSON.stringify(r.body)}`);
});
after(async () => { await browser?.close(); });

const BANNERS = ["banner-approaching", "banner-limit", "banner-past-due", "banner-locked", "banner-trial", "banner-canceled"];

async function signIn(id, role, opts) {
  const page = await newPage(browser, opts);
  await page.goto(await sessionUrl(id, role));
  await page.waitForURL(/\/app\/usage/);
  return page;
}

/// Exactly these banners are shown.
async function assertBanners(page, expected) {
  for (const b of BANNERS) {
    assert.equal(await page.getByTestId(b).count(), expected.includes(b) ? 1 : 0, `${b} on ${page.url()}`);
  }
}

async function meter(page, feature) {
  const bar = page.getByTestId(`quota-${feature}`).getByRole("progressbar");
  return { now: await bar.getAttribute("aria-valuenow"), fill: await bar.locator(".fill").getAttribute("class") };
}

async function subscription(id) {
  return ok("GET", `/v1/customers/${id}/subscription`);
}

test("bars follow recorded usage; approaching and limit banners appear only then; a bar per day", async () => {
  await customer("dash-usage"); // Hobby: 1,000 API calls and 50 AI queries a month
  const page = await signIn("dash-usage", "owner");
  assert.deepEqual(await meter(page, "api_calls"), { now: "0", fill: "fill ok w0" });
  await assertBanners(page, []);
  await shot(page, "app-usage-empty");

  assert.equal((await usage("dash-usage", "api_calls", 850)).status, 201);
  await page.reload();
  assert.deepEqual(await meter(page, "api_calls"), { now: "85", fill: "fill approaching w85" });
  assert.equal(await page.getByTestId("quota-api_calls").getByRole("progressbar").getAttribute("aria-valuetext"), "850 of 1,000");
  await assertBanners(page, ["banner-approaching"]);
  assert.match(await page.getByTestId("banner-approaching").innerText(), /API calls/);
  await shot(page, "app-banner-approaching");

  assert.equal((await usage("dash-usage", "ai_queries", 50)).status, 201);
  await usage("dash-usage", "ai_queries", 1); // refused: hard limit
  await page.reload();
  assert.deepEqual(await meter(page, "ai_queries"), { now: "100", fill: "fill at_limit w100" });
  await assertBanners(page, ["banner-approaching", "banner-limit"]);
  const upgrade = page.getByTestId("banner-upgrade");
  assert.equal(await upgrade.getAttribute("href"), "/pricing");
  assert.equal(await upgrade.innerText(), "Upgrade");
  await shot(page, "app-banner-limit");

  // The clock stands at Nov 16: the month so far is 16 days, one bar each.
  const chart = page.getByTestId("chart-api_calls");
  assert.equal(await chart.locator("svg.chart rect.bar").count(), 16);
  assert.equal(await chart.locator("svg.chart rect.bar").last().getAttribute("data-value"), "850");
  assert.equal(await chart.locator("svg.chart line.limit").count(), 1);
  // Its numbers as a table, for keyboards and screen readers.
  await chart.getByText("Show as a table").click();
  assert.equal(await chart.locator("tbody tr").count(), 16);
  await shot(page, "app-usage");
  assertNoErrors(page);

  const mobile = await signIn("dash-usage", "owner", { mobile: true });
  assert.deepEqual(await meter(mobile, "api_calls"), { now: "85", fill: "fill approaching w85" });
  const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone: ${width}`);
  await shot(mobile, "app-usage-mobile");
  assertNoErrors(mobile);
  await page.context().close();
  await mobile.context().close();
});

test("members cannot see billing; admins see it without acting", async () => {
  await customer("dash-roles");
  await subscribe("dash-roles", "business");
  const member = await signIn("dash-roles", "member");
  assert.equal(await member.getByTestId("nav-usage").count(), 1);
  assert.equal(await member.getByTestId("nav-billing").count(), 0);
  const r = await member.goto(`${BASE}/app/billing`);
  assert.equal(r.status(), 403);
  assert.equal(await member.getByTestId("billing-forbidden").count(), 1);
  assert.equal(await member.getByTestId("nav-billing").count(), 0);
  await shot(member, "app-billing-forbidden");
  // Chromium reports the page's own 403 status on the console: expected here, nothing else.
  assert.deepEqual(member.errors, [`Failed to load resource: the server responded with a status of 403 (Forbidden) (${BASE}/app/billing)`]);

  const admin = await signIn("dash-roles", "admin");
  await admin.getByTestId("nav-billing").click();
  await admin.waitForURL(/\/app\/billing/);
  for (const id of ["change-plan", "portal", "cancel"]) {
    assert.equal(await admin.getByTestId(id).isDisabled(), true, `${id} is disabled for an admin`);
  }
  assert.match(await admin.getByTestId("owner-only").innerText(), /Only an owner/);
  assertNoErrors(admin);
  await member.context().close();
  await admin.context().close();
});

test("an owner cancels and reactivates from the billing page", async () => {
  await customer("dash-billing");
  await subscribe("dash-billing", "business");
  const page = await signIn("dash-billing", "owner");
  await page.getByTestId("nav-billing").click();
  await page.waitForURL(/\/app\/billing/);
  assert.match(await page.getByTestId("plan-price").innerText(), /\$99\.00 \/ month/);
  assert.equal(await page.getByTestId("invoice-row").count(), 1);
  await shot(page, "app-billing");

  await page.getByTestId("cancel").click(); // the confirm dialog is accepted
  await page.waitForURL(/done=canceled/);
  assert.equal(await page.getByRole("status").count(), 1);
  assert.equal((await subscription("dash-billing")).cancel_at_period_end, true);
  assert.equal(await page.getByTestId("cancel").count(), 0);
  assert.match(await page.getByTestId("plan-date").innerText(), /Ends on Dec 16, 2026/);
  await shot(page, "app-billing-canceled");

  await page.getByTestId("nav-usage").click();
  await page.waitForURL(/\/app\/usage/);
  await assertBanners(page, ["banner-canceled"]);
  assert.match(await page.getByTestId("banner-canceled").innerText(), /Your plan ends on Dec 16, 2026/);
  await shot(page, "app-banner-canceled");

  await page.getByTestId("nav-billing").click();
  await page.getByTestId("reactivate").click();
  await page.waitForURL(/done=reactivated/);
  assert.equal((await subscription("dash-billing")).cancel_at_period_end, false);
  assert.equal(await page.getByTestId("cancel").count(), 1);
  assertNoErrors(page);

  const mobile = await signIn("dash-billing", "owner", { mobile: true });
  await mobile.goto(`${BASE}/app/billing`);
  const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone: ${width}`);
  await shot(mobile, "app-billing-mobile");
  assertNoErrors(mobile);
  await page.context().close();
  await mobile.context().close();
});

test("a trial shows how many days are left", async () => {
  await customer("dash-trial");
  await ok("POST", "/v1/customers/dash-trial/trial", { body: { plan: "pro" } });
  const page = await signIn("dash-trial", "owner");
  await assertBanners(page, ["banner-trial"]);
  assert.match(await page.getByTestId("banner-trial").innerText(), /Your trial ends in 14 days \(Nov 30, 2026\)/);
  await shot(page, "app-banner-trial");
  assertNoErrors(page);
  await page.context().close();
});

test("a failed renewal shows past due with the grace date, then locked", async () => {
  await customer("dash-pay");
  await subscribe("dash-pay", "business");
  await ok("POST", "/v1/admin/fake-billing/customers/dash-pay/payment-method", { key: ADMIN, body: { fails: true } });

  await advance(31 * 86400); // past the renewal on Dec 16
  assert.equal((await subscription("dash-pay")).status, "past_due");
  let page = await signIn("dash-pay", "owner");
  await assertBanners(page, ["banner-past-due"]);
  assert.match(
    await page.getByTestId("banner-past-due").innerText(),
    /A payment failed\. Update your payment method before Dec 19, 2026 to keep full access\./,
  );
  assert.equal(await page.getByTestId("banner-portal").count(), 1);
  await shot(page, "app-banner-past-due");
  assertNoErrors(page);
  await page.context().close();

  await advance(4 * 86400); // grace is over
  assert.equal((await subscription("dash-pay")).status, "locked");
  page = await signIn("dash-pay", "owner");
  await assertBanners(page, ["banner-locked"]);
  assert.match(await page.getByTestId("banner-locked").innerText(), /read-only/);
  await shot(page, "app-banner-locked");
  // The portal button goes to the provider's page.
  await page.getByTestId("banner-portal").click();
  await page.waitForURL(/\/fake-billing\/portal\//);
  await page.context().close();

  const mobile = await signIn("dash-pay", "member", { mobile: true });
  await assertBanners(mobile, ["banner-locked"]);
  await shot(mobile, "app-banner-locked-mobile");
  assertNoErrors(mobile);
  await mobile.context().close();
});
