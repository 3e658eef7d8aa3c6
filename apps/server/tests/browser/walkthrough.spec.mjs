// The newcomer's walk (README's first command, then the printed /demo URL): pricing →
// checkout → dashboard → console, and every main screen audited against WCAG 2.1 A/AA
// (axe-core: contrast, names, roles, table headers…), on a desktop and a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, launch, newPage, assertNoErrors, assertAccessible, shot, ok, signInAdmin, usage,
} from "./lib.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a newcomer walks pricing → checkout → dashboard → console from /demo", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/demo`);
  await page.getByTestId("demo-owner").click();
  await page.waitForURL(/\/app\/usage$/);
  assert.match(await page.getByTestId("plan-card").innerText(), /Hobby/);

  await page.getByTestId("nav-pricing").click();
  await page.waitForURL(/\/pricing/);
  assert.equal(await page.getByTestId("current-plan").count(), 1);
  assert.match(await page.getByTestId("plan-hobby").innerText(), /Hobby/);
  await page.getByTestId("choose-pro").click();

  // The fake provider's hosted checkout page.
  await page.waitForURL(/\/fake-billing\/checkout\//);
  await page.locator("#pay").click();
  await page.waitForURL(/\/app\/billing/);
  assert.match(await page.getByTestId("plan-card").innerText(), /Pro/);
  const sub = await ok("GET", "/v1/customers/demo/subscription");
  assert.equal(sub.plan, "pro");
  assert.equal(sub.status, "trialing");

  // Usage recorded by the product shows on the dashboard, with the trial banner.
  const r = await usage("demo", "api_calls", 4_000);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await page.getByTestId("nav-usage").click();
  await page.waitForURL(/\/app\/usage/);
  assert.equal(await page.getByTestId("quota-api_calls").locator("[role=progressbar]").getAttribute("aria-valuenow"), "4");
  await page.getByTestId("banner-trial").waitFor();
  assertNoErrors(page);
  await page.context().close();

  // The operator sees the new customer in the console.
  const admin = await newPage(browser);
  await signInAdmin(admin);
  await admin.goto(`${BASE}/admin/customers`);
  await admin.locator('[data-testid=customer-row][data-customer="demo"]').waitFor();
  assertNoErrors(admin);
  await admin.context().close();
});

for (const mobile of [false, true]) {
  test(`every main screen passes WCAG 2.1 A/AA checks (${mobile ? "phone" : "desktop"})`, async () => {
    const page = await newPage(browser, { bypassCSP: true, mobile });
    const form = { role: "owner" };
    const r = await fetch(`${BASE}/demo`, { method: "POST", body: new URLSearchParams(form), redirect: "manual" });
    const cookie = r.headers.get("set-cookie").split(";")[0].split("=");
    await page.context().addCookies([{ name: cookie[0], value: cookie[1], url: BASE }]);
    for (const path of ["/pricing", "/pricing?interval=year&currency=VND&lang=vi", "/app/usage", "/app/billing", "/demo"]) {
      await page.goto(`${BASE}${path}`);
      await assertAccessible(page, path);
    }
    await signInAdmin(page);
    for (const path of ["/admin", "/admin/customers", "/admin/customers/demo", "/admin/plans", "/admin/plans/new", "/admin/features", "/admin/webhooks", "/admin/audit"]) {
      await page.goto(`${BASE}${path}`);
      await assertAccessible(page, path);
    }
    if (!mobile) { await shot(page, "admin-audit-a11y"); }
    await page.context().close();
  });
}
