// The operator console in a real browser: sign-in, the plan editor feeding the public
// pricing page, webhook replay, the sortable customers table, and a look at every screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  launch, newPage, assertNoErrors, shot, ok, customer, subscribe, usage, signInAdmin, BASE, ADMIN,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("signing in with the operator key opens the overview", async () => {
  const page = await newPage(browser);
  // A console page without a session asks for the key (401); a wrong key is refused (401).
  const refused = await page.goto(`${BASE}/admin/customers`);
  assert.equal(refused.status(), 401);
  await page.getByTestId("admin-key").fill("tg_admin_wrong");
  await page.getByTestId("admin-sign-in").click();
  await page.getByTestId("admin-sign-in-error").waitFor();
  page.errors.length = 0;
  await signInAdmin(page);
  await page.getByTestId("kpi-mrr").waitFor();
  assert.match(await page.getByTestId("who").innerText(), /Operator/);
  assert.equal(await page.locator("[data-testid=mrr-by-plan] .chart-empty").count(), 1, "no revenue yet");
  assertNoErrors(page);
  await page.context().close();
});

test("a plan made in the editor with two features is on the public pricing page", async () => {
  const page = await newPage(browser);
  await signInAdmin(page);
  await page.goto(`${BASE}/admin/plans`);
  await page.getByTestId("plan-new").click();
  await page.getByTestId("plan-code").fill("team");
  await page.getByTestId("plan-name").fill("Team Plus");
  await page.getByTestId("plan-description").fill("For teams that ship every day");
  await page.getByTestId("plan-priority").fill("15");
  await page.getByTestId("price-0-amount").fill("29");
  await page.getByTestId("ent-api_calls-included").check();
  await page.getByTestId("ent-api_calls-limit").fill("20000");
  await page.getByTestId("ent-analytics-included").check();
  await shot(page, "admin-plan-editor");
  await page.getByTestId("plan-save").click();
  await page.waitForURL(/\/admin\/plans\?done=created/);
  assert.match(await page.getByTestId("flash").innerText(), /team/);
  assert.equal(await page.locator('[data-testid=plan-row][data-plan="team"]').count(), 1);

  const { plans } = await ok("GET", "/v1/plans", { key: null });
  const team = plans.find((p) => p.code === "team");
  assert.ok(team, "the plan is sold");
  assert.deepEqual(team.entitlements.map((e) => e.feature), ["api_calls", "analytics"]);
  assert.equal(team.prices[0].amount_minor, 2900);

  const pricing = await page.goto(`${BASE}/pricing`);
  assert.equal(pricing.status(), 200);
  await page.locator("table th[scope=col]", { hasText: "Team Plus" }).first().waitFor();
  await page.context().close();
});

test("the webhook log replays an event and says how it went", async () => {
  await customer("shop");
  await subscribe("shop", "pro");
  const page = await newPage(browser);
  await signInAdmin(page);
  await page.goto(`${BASE}/admin/webhooks`);
  const row = page.getByTestId("webhook-row").first();
  const id = await row.getAttribute("data-event");
  assert.ok(id, "a billing event after the fake checkout");
  await shot(page, "admin-webhooks");
  await row.getByTestId("replay").click();
  const result = page.getByTestId("replay-result");
  await result.waitFor();
  assert.match(await result.innerText(), new RegExp(id));
  assert.match(await result.innerText(), /processed|ignored/);
  assert.equal(await result.getAttribute("role"), "status");
  const log = await ok("GET", "/v1/admin/webhooks", { key: ADMIN });
  assert.ok(log.events.find((e) => e.event_id === id).attempts >= 2, "replayed once more");
  assertNoErrors(page);
  await page.context().close();
});

test("the customers table sorts by MRR and links to a customer", async () => {
  await customer("alpha");
  await customer("zeta");
  await subscribe("zeta", "team");
  for (let i = 0; i < 3; i++) { await usage("alpha", "api_calls", 300); }
  const page = await newPage(browser);
  await signInAdmin(page);
  await page.goto(`${BASE}/admin/customers`);
  const order = () => page.getByTestId("customer-row").evaluateAll((rows) => rows.map((r) => r.dataset.customer));
  assert.deepEqual(await order(), ["alpha", "shop", "zeta"], "by name first");
  await page.getByTestId("sort-mrr").click();
  await page.waitForURL(/sort=mrr&dir=desc/);
  assert.equal((await order())[0], "zeta");
  assert.equal(await page.locator("th[aria-sort]").getAttribute("aria-sort"), "descending");
  await shot(page, "admin-customers");
  await page.getByTestId("sort-mrr").click();
  await page.waitForURL(/sort=mrr&dir=asc/);
  assert.equal((await order()).at(-1), "zeta");
  assert.equal(await page.locator('[role=progressbar]').first().getAttribute("aria-valuemin"), "0");
  await page.locator('[data-customer="alpha"] th a').click();
  await page.waitForURL(/\/admin\/customers\/alpha$/);
  await page.getByTestId("override-api_calls").fill("2000");
  await page.getByTestId("overrides-save").click();
  await page.waitForURL(/done=overrides/);
  const ents = await ok("GET", "/v1/customers/alpha/entitlements");
  assert.equal(ents.entitlements.find((e) => e.feature === "api_calls").limit, 2000);
  await shot(page, "admin-customer");
  assertNoErrors(page);
  await page.context().close();
});

test("features, audit and the console on a phone", async () => {
  const page = await newPage(browser);
  await signInAdmin(page);
  // zeta pays $29 a month for Team Plus: the overview counts it and draws it.
  assert.equal(await page.getByTestId("kpi-mrr").locator(".kpi-value").innerText(), "$29.00");
  assert.equal(await page.locator("[data-testid=mrr-by-plan] svg.chart").count(), 1);
  assert.equal(await page.locator("[data-testid=mrr-by-plan] svg.chart rect.bar[data-value='2900']").count(), 1);
  await shot(page, "admin-overview");
  await page.goto(`${BASE}/admin/features`);
  assert.ok(await page.getByTestId("feature-row").count() >= 5);
  await shot(page, "admin-features");
  await page.goto(`${BASE}/admin/audit`);
  await page.getByTestId("audit-subject").fill("alpha");
  await page.getByTestId("audit-apply").click();
  await page.waitForURL(/subject=alpha/);
  assert.match(await page.getByTestId("audit-table").innerText(), /customer\.overrides_changed/);
  await page.goto(`${BASE}/admin/audit`);
  await shot(page, "admin-audit");
  assertNoErrors(page);
  await page.context().close();

  const phone = await newPage(browser, { mobile: true });
  await signInAdmin(phone);
  await shot(phone, "admin-overview-mobile");
  await phone.goto(`${BASE}/admin/customers`);
  await shot(phone, "admin-customers-mobile");
  await phone.goto(`${BASE}/admin/plans/team`);
  await shot(phone, "admin-plan-editor-mobile");
  assertNoErrors(phone);
  await phone.context().close();
});
