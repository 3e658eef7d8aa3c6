// Shared helpers of the browser tests: Debian's Chromium driven by playwright-core, a server
// started for each spec file by `apps/server/tests/browser.rs` (its URL and keys come in the
// environment), the v1 API for setting up state, and screenshots for review.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const BASE = required("TOLLGATE_URL");
export const ADMIN = required("TOLLGATE_ADMIN_KEY");
export const SERVER = required("TOLLGATE_SERVER_KEY");
const SHOTS = process.env.TOLLGATE_SCREENSHOTS || "";

function required(name) {
  const v = process.env[name];
  if (!v) { throw new Error(`${name} is not set: run the browser tests through cargo test -p tollgate-server --test browser`); }
  return v;
}

/// Headless Chromium as the machine has it (never a downloaded browser).
export async function launch() {
  return chromium.launch({
    executablePath: process.env.TOLLGATE_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
    ],
  });
}

/// A fresh context (own cookies) and page; desktop unless `mobile`. Dialogs (data-confirm)
/// are accepted; page errors fail the test.
export async function newPage(browser, { mobile = false, locale = "en-US", bypassCSP = false } = {}) {
  const context = await browser.newContext({
    bypassCSP,
    viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    locale,
    isMobile: mobile,
    hasTouch: mobile,
  });
  const page = await context.newPage();
  page.on("dialog", (d) => d.accept());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") { errors.push(`${m.text()} (${m.location()?.url || page.url()})`); } });
  page.errors = errors;
  return page;
}

/// The page's script and policy raised nothing (CSP violations show up as console errors).
export function assertNoErrors(page) {
  assert.deepEqual(page.errors, [], `errors on ${page.url()}`);
}

/// A full-page screenshot, `<name>.png`, into TOLLGATE_SCREENSHOTS (not committed).
export async function shot(page, name) {
  if (!SHOTS) { return; }
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

let keyCounter = 0;
/// Calls the v1 API. Returns { status, body }.
export async function api(method, path, { key = SERVER, body, idempotencyKey } = {}) {
  const headers = { Accept: "application/json" };
  if (key) { headers.Authorization = `Bearer ${key}`; }
  if (body !== undefined) { headers["Content-Type"] = "application/json"; }
  if (method !== "GET") { headers["Idempotency-Key"] = idempotencyKey || `browser-${process.pid}-${Date.now()}-${keyCounter++}`; }
  const r = await fetch(new URL(path, BASE), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { status: r.status, body: parsed };
}

/// `api`, asserting a 2xx answer.
export async function ok(method, path, opts) {
  const r = await api(method, path, opts);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/// Creates a customer (idempotent on the id).
export async function customer(id, extra = {}) {
  return ok("POST", "/v1/customers", { body: { id, name: `${id} Inc`, email: `billing@${id}.test`, ...extra } });
}

/// A session link for a customer's user with `role` (owner | admin | member).
export async function sessionUrl(id, role = "owner", user = `${role}-user`) {
  const body = await ok("POST", `/v1/customers/${encodeURIComponent(id)}/sessions`, { body: { user_id: user, role } });
  return body.url;
}

/// Records usage through the API (a server key, as a product backend would).
export async function usage(id, feature, quantity, key = `${feature}-${Date.now()}-${keyCounter++}`) {
  return api("POST", "/v1/usage", { body: { customer: id, feature, quantity, idempotency_key: key } });
}

/// Moves the engine clock (demo/test mode) and runs the jobs that fall due.
export async function advance(seconds) {
  return ok("POST", "/v1/admin/clock/advance", { key: ADMIN, body: { seconds } });
}

/// Subscribes `id` to `plan` through the fake checkout's API path: open a checkout, pay it.
export async function subscribe(id, plan, interval = "month") {
  const co = await ok("POST", `/v1/customers/${encodeURIComponent(id)}/checkout`, {
    body: { plan, interval, success_url: `${BASE}/app`, cancel_url: `${BASE}/pricing` },
  });
  const r = await fetch(`${BASE}/fake-billing/checkout/${co.session_id}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(r.status, 303, "fake checkout pays");
  return co;
}

/// Signs the console in with the operator key.
export async function signInAdmin(page) {
  await page.goto(`${BASE}/admin`);
  await page.getByTestId("admin-key").fill(ADMIN);
  await page.getByTestId("admin-sign-in").click();
  await page.waitForURL(/\/admin(\/|$|\?)/);
}

/// Runs axe-core's WCAG 2 A/AA rules on the page (the page needs `newPage(…, {bypassCSP: true})`
/// so the audit script may be injected) and fails with every violation found.
export async function assertAccessible(page, label) {
  const axePath = new URL("./node_modules/axe-core/axe.min.js", import.meta.url).pathname;
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
  });
  assert.deepEqual(result, [], `${label}: accessibility violations:\n${JSON.stringify(result, null, 2)}`);
}
