//! The page a session URL opens (`POST /v1/customers/{id}/sessions` → `{base}/app/{id}#token=…`):
//! the customer's plan, status and usage against every limit.
//!
//! The page is static and needs no key: its script reads the session token from the URL
//! fragment (which browsers never send to a server), keeps it in `sessionStorage` for reloads,
//! removes it from the address bar, and calls the v1 API with it like any other client. So the
//! page shows exactly what the token's role may read, and nothing about a customer reaches a
//! browser without a valid token. Everything from the API is inserted as text, never as HTML.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tollgate_kernel::CustomerId;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/{customer}", web::get().to(app_page));
}

const STYLE: &str = r#"
:root{--ink:#1d2433;--muted:#667085;--line:#e6e8ee;--bg:#f4f5f8;--card:#fff;--brand:#4f46e5;
--ok:#16a34a;--approaching:#d97706;--at_limit:#ea580c;--over:#dc2626}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--card);border-bottom:1px solid var(--line)}
.bar{max-width:880px;margin:0 auto;padding:14px 24px;display:flex;align-items:center;gap:12px}
.logo{font-weight:700;letter-spacing:.2px}.logo span{color:var(--brand)}
.who{margin-left:auto;color:var(--muted);font-size:14px}
main{max-width:880px;margin:0 auto;padding:24px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin-bottom:16px}
.plan{display:flex;flex-wrap:wrap;align-items:baseline;gap:10px}
.plan h1{font-size:24px;margin:0}
.badge{display:inline-block;border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.4px;background:#eef2ff;color:var(--brand)}
.badge.active{background:#dcfce7;color:#166534}.badge.trialing{background:#e0f2fe;color:#075985}
.badge.past_due{background:#fef3c7;color:#92400e}.badge.locked,.badge.canceled{background:#fee2e2;color:#991b1b}
.badge.incomplete,.badge.none{background:#f1f5f9;color:#475569}
.muted{color:var(--muted);font-size:14px}
.facts{margin:8px 0 0;padding:0;list-style:none;color:var(--muted);font-size:14px}
.banner{border-radius:10px;padding:12px 16px;margin-bottom:16px;border:1px solid}
.banner.info{background:#eff6ff;border-color:#bfdbfe;color:#1e3a8a}
.banner.warn{background:#fffbeb;border-color:#fde68a;color:#78350f}
.banner.danger{background:#fef2f2;border-color:#fecaca;color:#7f1d1d}
h2{font-size:16px;margin:0 0 12px}
.feature{padding:12px 0;border-top:1px solid var(--line)}.feature:first-of-type{border-top:0}
.row{display:flex;justify-content:space-between;gap:12px;align-items:baseline}
.name{font-weight:600}.nums{font-variant-numeric:tabular-nums;font-size:14px}
.track{height:8px;border-radius:999px;background:#eceef3;overflow:hidden;margin:8px 0 4px}
.fill{height:100%;border-radius:999px;background:var(--ok);transition:width .4s}
.fill.approaching{background:var(--approaching)}.fill.at_limit{background:var(--at_limit)}.fill.over{background:var(--over)}
.state{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.4px;color:var(--ok)}
.state.approaching{color:var(--approaching)}.state.at_limit{color:var(--at_limit)}.state.over{color:var(--over)}
.included{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.included li{background:#f8fafc;border:1px solid var(--line);border-radius:8px;padding:6px 10px;font-size:14px}
.included li.off{color:var(--muted);text-decoration:line-through}
.message{text-align:center;padding:48px 24px}.message h1{font-size:22px;margin:0 0 8px}
footer{max-width:880px;margin:0 auto;padding:0 24px 24px;color:var(--muted);font-size:13px}
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  var main = document.getElementById("app");
  var who = document.getElementById("who");
  var segments = location.pathname.split("/").filter(function (s) { return s !== ""; });
  var customer = "";
  try { customer = decodeURIComponent(segments[segments.length - 1] || ""); } catch (e) { customer = ""; }
  var storageKey = "tollgate.session." + customer;

  // The token comes in the fragment, which never reaches a server; it is kept for reloads in
  // this tab only, and taken out of the address bar and history.
  var token = null;
  var match = /(?:^|&)token=([^&]+)/.exec(location.hash.replace(/^#/, ""));
  try {
    if (match) {
      token = decodeURIComponent(match[1]);
      sessionStorage.setItem(storageKey, token);
      history.replaceState(null, "", location.pathname + location.search);
    } else {
      token = sessionStorage.getItem(storageKey);
    }
  } catch (e) {
    if (match) { token = decodeURIComponent(match[1]); }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function words(s) { return String(s || "").replace(/_/g, " "); }
  function date(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  }
  var numbers = new Intl.NumberFormat();
  function amount(n, unit) {
    if (n === null || n === undefined) { return "unlimited"; }
    if (unit === "byte") {
      var units = ["B", "KB", "MB", "GB", "TB", "PB"], v = n, i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
      return (i === 0 ? numbers.format(v) : v.toFixed(v < 10 ? 1 : 0)) + " " + units[i];
    }
    return numbers.format(n) + (unit ? " " + plural(unit, n) : "");
  }
  function plural(unit, n) {
    if (n === 1 || /s$/.test(unit)) { return unit; }
    return /[^aeiou]y$/.test(unit) ? unit.slice(0, -1) + "ies" : unit + "s";
  }
  function message(title, text) {
    clear(main);
    var card = el("div", "card message");
    card.appendChild(el("h1", null, title));
    card.appendChild(el("p", "muted", text));
    main.appendChild(card);
  }
  function api(path, auth) {
    var url = new URL(path, location.href);
    var headers = { Accept: "application/json" };
    if (auth) { headers.Authorization = "Bearer " + token; }
    return fetch(url, { headers: headers, cache: "no-store", credentials: "omit" }).then(function (r) {
      return r.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        return { status: r.status, body: body };
      });
    });
  }
  function errorText(answer) {
    return (answer.body && answer.body.error && answer.body.error.message) || ("HTTP " + answer.status);
  }

  function banner(kind, text) {
    main.appendChild(el("div", "banner " + kind, text));
  }

  function renderPlan(sub, planNames) {
    var card = el("section", "card");
    var head = el("div", "plan");
    var code = sub ? sub.plan : null;
    head.appendChild(el("h1", null, code ? (planNames[code] || code) : "No subscription"));
    var status = sub ? sub.status : "none";
    head.appendChild(el("span", "badge " + status.replace(/[^a-z_]/g, ""), sub ? words(status) : "free"));
    card.appendChild(head);
    var facts = el("ul", "facts");
    if (sub) {
      facts.appendChild(el("li", null, "Billed per " + words(sub.interval)));
      if (sub.status === "trialing" && sub.trial_end) {
        facts.appendChild(el("li", null, "Trial ends " + date(sub.trial_end)));
      } else if (sub.current_period_end && sub.status !== "canceled") {
        facts.appendChild(el("li", null, (sub.cancel_at_period_end ? "Ends " : "Renews ") + date(sub.current_period_end)));
      }
      if (sub.scheduled_change) {
        var next = sub.scheduled_change.plan;
        facts.appendChild(el("li", null, "Changes to " + (planNames[next] || next) + " on " + date(sub.scheduled_change.at)));
      }
    } else {
      facts.appendChild(el("li", null, "The default plan's limits apply."));
    }
    card.appendChild(facts);
    main.appendChild(card);
  }

  function renderBanners(sub, entitlements) {
    if (sub && sub.status === "trialing" && sub.trial_end) {
      // A date, not "N days left": the engine's clock may run ahead of the browser's (demo).
      banner("info", "Free trial until " + date(sub.trial_end) + ". Billing starts then unless the subscription is canceled.");
    }
    if (sub && sub.status === "past_due") {
      banner("warn", "A payment failed. Update the payment method" + (sub.grace_ends_at ? " before " + date(sub.grace_ends_at) : "") + " to keep full access.");
    }
    if (sub && sub.status === "locked") {
      banner("danger", "The account is locked: usage is paused until the open invoice is paid. Your data stays readable.");
    }
    if (sub && sub.status === "canceled") {
      banner("warn", "The subscription is canceled.");
    }
    if (sub && sub.status === "incomplete") {
      banner("info", "Checkout is not complete yet.");
    }
    if (sub && sub.cancel_at_period_end && sub.status !== "canceled") {
      banner("info", "The subscription ends on " + date(sub.current_period_end) + ".");
    }
    var full = entitlements.filter(function (e) {
      return (e.kind === "metered" || e.kind === "gauge") && e.limit !== 0 && (e.state === "at_limit" || e.state === "over");
    });
    if (full.length > 0) {
      banner("danger", "Limit reached: " + full.map(function (e) { return e.name || e.feature; }).join(", ") + ".");
    }
  }

  var STATES = { ok: "OK", approaching: "Approaching limit", at_limit: "At limit", over: "Over limit" };

  function renderUsage(entitlements) {
    var counted = entitlements.filter(function (e) { return e.kind === "metered" || e.kind === "gauge"; });
    var card = el("section", "card");
    card.appendChild(el("h2", null, "Usage"));
    if (counted.length === 0) { card.appendChild(el("p", "muted", "Nothing metered on this plan.")); }
    counted.forEach(function (e) {
      var row = el("div", "feature");
      row.setAttribute("data-feature", e.feature);
      var top = el("div", "row");
      top.appendChild(el("span", "name", e.name || e.feature));
      var limited = e.limit !== null && e.limit !== undefined;
      var used = e.unit === "byte" || !limited ? amount(e.used, e.unit) : numbers.format(e.used);
      top.appendChild(el("span", "nums", used + " / " + amount(e.limit, e.unit)));
      row.appendChild(top);
      var state = STATES[e.state] ? e.state : "ok";
      if (e.limit === 0 && e.used === 0) {
        row.appendChild(el("div", "muted", "Not included in this plan"));
      } else if (limited) {
        var track = el("div", "track");
        var fill = el("div", "fill " + state);
        var percent = typeof e.percent === "number" ? e.percent : (e.limit > 0 ? Math.round(100 * e.used / e.limit) : 100);
        fill.style.width = Math.min(100, Math.max(0, percent)) + "%";
        track.setAttribute("role", "progressbar");
        track.setAttribute("aria-valuemin", "0");
        track.setAttribute("aria-valuemax", "100");
        track.setAttribute("aria-valuenow", String(Math.min(100, percent)));
        track.appendChild(fill);
        row.appendChild(track);
        var bottom = el("div", "row");
        bottom.appendChild(el("span", "state " + state, STATES[state] + " · " + percent + "%"));
        var when = e.resets_at ? "resets " + date(e.resets_at) : (e.kind === "gauge" ? "current level" : "per " + words(e.window || "period"));
        bottom.appendChild(el("span", "muted", when));
        row.appendChild(bottom);
      } else {
        row.appendChild(el("div", "muted", "No limit"));
      }
      card.appendChild(row);
    });
    main.appendChild(card);
  }

  function renderIncluded(entitlements) {
    var others = entitlements.filter(function (e) { return e.kind !== "metered" && e.kind !== "gauge"; });
    if (others.length === 0) { return; }
    var card = el("section", "card");
    card.appendChild(el("h2", null, "Included"));
    var list = el("ul", "included");
    others.forEach(function (e) {
      var name = e.name || e.feature, text = name, off = false;
      if (e.kind === "boolean") { off = !e.enabled; text = (off ? "" : "\u2713 ") + name; }
      else if (e.kind === "concurrency") { text = name + ": " + (e.limit === null ? "unlimited" : numbers.format(e.limit) + " at once"); }
      else if (e.kind === "per_request") { text = name + ": up to " + amount(e.limit, e.unit); }
      else if (e.kind === "config") { text = name + ": " + (e.value === null || e.value === undefined ? "\u2014" : (Array.isArray(e.value) ? e.value.join(", ") : typeof e.value === "object" ? JSON.stringify(e.value) : String(e.value) + (e.unit ? " " + plural(e.unit, e.value) : ""))); }
      var item = el("li", off ? "off" : null, text);
      list.appendChild(item);
    });
    card.appendChild(list);
    main.appendChild(card);
  }

  if (!customer) { message("Page not found", "This address names no customer."); return; }
  who.textContent = customer;
  if (!token) {
    message("Sign-in link needed", "Open this page from the link your product gave you: the link carries the access token.");
    return;
  }
  var base = "../v1/customers/" + encodeURIComponent(customer);
  Promise.all([
    api(base + "/subscription", true),
    api(base + "/entitlements", true),
    api("../v1/plans", false).catch(function () { return { status: 0, body: null }; })
  ]).then(function (answers) {
    var sub = answers[0], ents = answers[1], plans = answers[2];
    if (sub.status === 401 || ents.status === 401) {
      try { sessionStorage.removeItem(storageKey); } catch (e) { /* storage off */ }
      message("This link has expired", "Links to this page work for a limited time. Ask for a new one from the product you came from.");
      return;
    }
    if (ents.status !== 200) { message("Cannot show this page", errorText(ents)); return; }
    if (sub.status !== 200 && sub.status !== 404) { message("Cannot show this page", errorText(sub)); return; }
    var planNames = {};
    ((plans.body && plans.body.plans) || []).forEach(function (p) { planNames[p.code] = p.name; });
    var subscription = sub.status === 200 ? sub.body : null;
    var entitlements = (ents.body && ents.body.entitlements) || [];
    clear(main);
    renderBanners(subscription, entitlements);
    renderPlan(subscription, planNames);
    renderUsage(entitlements);
    renderIncluded(entitlements);
  }).catch(function () {
    message("Cannot reach the server", "Check the connection and reload the page.");
  });
})();
"#;

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The page and its Content-Security-Policy, which allows exactly this script and style (by
/// hash) and API calls to this server, nothing else.
fn page() -> &'static (String, String) {
    static PAGE: OnceLock<(String, String)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\"><title>Plan and usage</title>\
             <style>{STYLE}</style></head><body>\
             <header><div class=\"bar\"><div class=\"logo\">Toll<span>gate</span></div>\
             <div class=\"who\" id=\"who\"></div></div></header>\
             <main id=\"app\"><div class=\"card message\"><p class=\"muted\">Loading\u{2026}</p></div></main>\
             <footer>Plan and usage, live from the billing engine.</footer>\
             <noscript><main><div class=\"card message\">This page needs JavaScript.</div></main></noscript>\
             <script>{SCRIPT}</script></body></html>"
        );
        let csp = format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            csp_hash(SCRIPT),
            csp_hash(STYLE)
        );
        (html, csp)
    })
}

/// The customer's plan and usage page. No key: the page's script calls the API with the
/// session token from the URL fragment; without a valid token it shows no customer data.
#[utoipa::path(get, path = "/app/{customer}", tag = "customers", security(()),
    params(("customer" = String, Path, description = "The customer's id. The session token follows in the fragment (`#token=…`), which browsers never send")),
    responses((status = 200, description = "The customer's page: plan, status, banners, usage against limits", body = String, content_type = "text/html")))]
pub async fn app_page(_customer: web::Path<CustomerId>) -> HttpResponse {
    let (html, csp) = page();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(html.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_pages_own_script_and_style_only() {
        let (html, csp) = page();
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(csp.contains(&csp_hash(SCRIPT)) && csp.contains(&csp_hash(STYLE)));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn the_script_never_inserts_html() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!SCRIPT.contains(sink), "{sink}");
        }
    }
}
