//! The customer's pages: `/app/usage` (plan, quotas with progress bars, charts, banners from
//! the account's real state) and `/app/billing` (owners act; admins look; members are kept
//! out), with their forms and signing out.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

struct Page {
    status: StatusCode,
    html: String,
}

impl Page {
    /// The element with `data-testid="{id}"`, up to the end of its line of markup (enough to
    /// read its attributes and the start of its content).
    fn element(&self, id: &str) -> Option<&str> {
        let at = self.html.find(&format!("data-testid=\"{id}\""))?;
        let start = self.html[..at].rfind('<')?;
        Some(&self.html[start..])
    }

    fn has(&self, id: &str) -> bool {
        self.html.contains(&format!("data-testid=\"{id}\""))
    }

    /// The text of a block (a banner, a card): from its `data-testid` to `until`.
    fn block(&self, id: &str, until: &str) -> String {
        let rest = self
            .element(id)
            .unwrap_or_else(|| panic!("no {id} in {}", self.html));
        let end = rest.find(until).unwrap_or(rest.len());
        rest[..end].to_owned()
    }

    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let at = self.html.find(marker).expect("a csrf field") + marker.len();
        let len = self.html[at..].find('"').expect("end of csrf");
        self.html[at..at + len].to_owned()
    }
}

async fn page(app: &TestApp, token: &str, path: &str) -> Page {
    let r = no_redirects()
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("tg_session={token}"))
        .send()
        .await
        .expect("page");
    let status = r.status();
    Page {
        status,
        html: r.text().await.expect("html"),
    }
}

async fn form(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    no_redirects()
        .post(format!("{}{path}", app.base))
        .header("cookie", format!("tg_session={token}"))
        .form(fields)
        .send()
        .await
        .expect("form post")
}

const BANNERS: [&str; 7] = [
    "banner-approaching",
    "banner-limit",
    "banner-past-due",
    "banner-locked",
    "banner-trial",
    "banner-canceled",
    "banner-ended",
];

/// Exactly these banners are on the page.
#[track_caller]
fn assert_banners(p: &Page, expected: &[&str]) {
    for b in BANNERS {
        assert_eq!(
            p.has(b),
            expected.contains(&b),
            "{b} expected {}: {}",
            expected.contains(&b),
            p.html
        );
    }
}

/// `aria-valuenow` and the fill's state class of a quota's bar.
fn meter(p: &Page, feature: &str) -> (String, String) {
    let card = p.block(&format!("quota-{feature}"), "</article>");
    let now_at = card.find("aria-valuenow=\"").expect("a progressbar") + 15;
    let now = card[now_at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let fill_at = card.find("class=\"fill ").expect("a fill") + 12;
    let fill = card[fill_at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(card.contains("role=\"progressbar\""), "{card}");
    (now, fill)
}

async fn subscription(app: &TestApp, id: &str) -> serde_json::Value {
    let r = app
        .get(&format!("/v1/customers/{id}/subscription"), app.server())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

#[tokio::test]
async fn ui_usage_bars_follow_recorded_usage_and_limit_banners_appear_only_then() {
    let app = spawn_app().await;
    app.customer("acme").await; // Hobby: api_calls 1,000 and ai_queries 50 a month
    let owner = app.ui_session("acme", "owner").await;

    let p = page(&app, &owner, "/app/usage").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.html.contains("data-testid=\"plan-name\">Hobby<"),
        "{}",
        p.html
    );
    assert_eq!(meter(&p, "api_calls"), ("0".into(), "ok w0".into()));
    assert!(
        p.block("quota-api_calls", "</article>")
            .contains("Resets Dec 1, 2026")
    );
    assert!(
        p.block("quota-storage_bytes", "</article>")
            .contains("Current level")
    );
    // Not on Hobby: no bar, said in words.
    let tokens = p.block("quota-ai_tokens", "</article>");
    assert!(
        tokens.contains("Not included") && !tokens.contains("progressbar"),
        "{tokens}"
    );
    assert_banners(&p, &[]);

    assert_eq!(
        app.usage("acme", "api_calls", 850, "u1").await.status,
        StatusCode::CREATED
    );
    let p = page(&app, &owner, "/app/usage").await;
    assert_eq!(
        meter(&p, "api_calls"),
        ("85".into(), "approaching w85".into())
    );
    assert!(
        p.block("quota-api_calls", "</article>")
            .contains("aria-valuetext=\"850 of 1,000\"")
    );
    assert_banners(&p, &["banner-approaching"]);
    assert!(
        p.block("banner-approaching", "\n</div>")
            .contains("API calls")
    );
    // The same page in German: words, numbers and dates of the language.
    let de = page(&app, &owner, "/app/usage?lang=de").await;
    let card = de.block("quota-api_calls", "</article>");
    assert!(
        card.contains("850 von 1.000") && card.contains("Zurückgesetzt am 1. Dez. 2026"),
        "{card}"
    );
    assert!(
        de.block("banner-approaching", "\n</div>")
            .contains("Nahe am Limit")
    );

    for i in 0..50 {
        app.usage("acme", "ai_queries", 1, &format!("q{i}")).await;
    }
    let p = page(&app, &owner, "/app/usage").await;
    assert_eq!(
        meter(&p, "ai_queries"),
        ("100".into(), "at_limit w100".into())
    );
    assert_banners(&p, &["banner-approaching", "banner-limit"]);
    let limit = p.block("banner-limit", "\n</div>");
    assert!(
        limit.contains("AI queries") && !limit.contains("API calls"),
        "{limit}"
    );
    assert!(
        limit.contains("href=\"/pricing\" data-testid=\"banner-upgrade\">Upgrade<"),
        "{limit}"
    );
    // A member is told to ask an owner, and still finds the plans.
    let member = app.ui_session("acme", "member").await;
    let p = page(&app, &member, "/app/usage").await;
    let limit = p.block("banner-limit", "\n</div>");
    assert!(limit.contains("Ask an owner"), "{limit}");
    assert!(
        limit.contains("href=\"/pricing\"") && !limit.contains(">Upgrade<"),
        "{limit}"
    );

    // The chart of a metered feature has a bar per day of the month so far (Nov 1 to 16),
    // the last one the running total, and the limit line.
    let p = page(&app, &owner, "/app/usage").await;
    let chart = p.block("chart-api_calls", "</svg>");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), 16, "{chart}");
    assert!(
        chart.contains("data-value=\"850\"><title>Nov 16: 850 (total 850)"),
        "{chart}"
    );
    assert!(chart.contains("class=\"limit\""), "{chart}");
}

#[tokio::test]
async fn ui_trial_banner_counts_days_on_the_engine_clock() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let owner = app.ui_session("acme", "owner").await;
    let p = page(&app, &owner, "/app/usage").await;
    assert_banners(&p, &["banner-trial"]);
    assert!(
        p.block("banner-trial", "\n</div>")
            .contains("Your trial ends in 14 days (Nov 30, 2026)."),
        "{}",
        p.html
    );
    assert!(
        p.html.contains("data-testid=\"plan-status\">Trial"),
        "{}",
        p.html
    );

    app.advance(13 * 86_400).await;
    let owner = app.ui_session("acme", "owner").await; // sessions live an hour of engine time
    let p = page(&app, &owner, "/app/usage").await;
    assert!(
        p.block("banner-trial", "\n</div>")
            .contains("Your trial ends tomorrow (Nov 30, 2026)."),
        "{}",
        p.html
    );
}

#[tokio::test]
async fn ui_a_failed_renewal_shows_past_due_with_the_grace_date_then_locked() {
    let app = spawn_app().await;
    app.add_business_plan().await; // $99 a month, no trial
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/acme/payment-method",
            app.admin(),
            &json!({"fails": true}),
        )
        .await;
    assert!(r.status.is_success(), "{r:?}");
    let p = page(&app, &app.ui_session("acme", "owner").await, "/app/usage").await;
    assert_banners(&p, &[]);

    app.advance(31 * 86_400).await; // past the renewal on Dec 16
    let sub = subscription(&app, "acme").await;
    assert_eq!(sub["status"], "past_due", "{sub}");
    assert!(
        sub["grace_ends_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-19"),
        "{sub}"
    );
    let owner = app.ui_session("acme", "owner").await;
    let p = page(&app, &owner, "/app/usage").await;
    assert_banners(&p, &["banner-past-due"]);
    let banner = p.block("banner-past-due", "\n</div>");
    assert!(
        banner.contains(
            "A payment failed. Update your payment method before Dec 19, 2026 to keep full access."
        ),
        "{banner}"
    );
    assert!(
        banner.contains("action=\"/app/billing/portal\""),
        "{banner}"
    );
    // Not an owner: no button, a pointer to who can.
    let admin = app.ui_session("acme", "admin").await;
    let banner = page(&app, &admin, "/app/usage")
        .await
        .block("banner-past-due", "\n</div>");
    assert!(
        !banner.contains("/app/billing/portal") && banner.contains("Ask an owner"),
        "{banner}"
    );

    app.advance(4 * 86_400).await; // grace is over
    assert_eq!(subscription(&app, "acme").await["status"], "locked");
    let p = page(&app, &app.ui_session("acme", "owner").await, "/app/usage").await;
    assert_banners(&p, &["banner-locked"]);
    let banner = p.block("banner-locked", "\n</div>");
    assert!(banner.contains("read-only"), "{banner}");
    assert!(banner.contains("data-testid=\"banner-portal\""), "{banner}");
}

#[tokio::test]
async fn ui_billing_is_for_owners_and_admins_and_only_owners_act() {
    let app = spawn_app().await;
    app.add_business_plan().await; // $99 a month, no trial
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;

    let member = app.ui_session("acme", "member").await;
    let usage = page(&app, &member, "/app/usage").await;
    assert!(
        usage.has("nav-usage") && !usage.has("nav-billing"),
        "{}",
        usage.html
    );
    assert!(!usage.has("to-billing"));
    let p = page(&app, &member, "/app/billing").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.has("billing-forbidden"), "{}", p.html);
    assert!(!p.html.contains("Cancel subscription"));

    let admin = app.ui_session("acme", "admin").await;
    let p = page(&app, &admin, "/app/billing").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.has("nav-billing") && p.has("owner-only"), "{}", p.html);
    for button in ["change-plan", "portal", "cancel"] {
        let el = p
            .element(button)
            .unwrap_or_else(|| panic!("{button}: {}", p.html));
        let tag = &el[..el.find('>').unwrap()];
        assert!(tag.contains("disabled"), "{button} is disabled: {tag}");
    }
    // The plan and its invoice are there to read.
    assert!(
        p.html
            .contains("data-testid=\"plan-price\">$99.00 / month<"),
        "{}",
        p.html
    );
    assert!(p.html.contains("Renews on Dec 16, 2026"), "{}", p.html);
    let invoice = p.block("invoice-row", "</tr>");
    assert!(
        invoice.contains("$99.00") && invoice.contains("Paid"),
        "{invoice}"
    );

    // An admin's post (with a good token) is refused and changes nothing.
    let r = form(&app, &admin, "/app/billing/cancel", &[("csrf", &p.csrf())]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        subscription(&app, "acme").await["cancel_at_period_end"],
        false
    );

    let owner = app.ui_session("acme", "owner").await;
    let p = page(&app, &owner, "/app/billing").await;
    for button in ["portal", "cancel"] {
        let el = p.element(button).unwrap();
        let tag = &el[..el.find('>').unwrap()];
        assert!(!tag.contains("disabled"), "{button} is enabled: {tag}");
    }
    assert!(
        p.html
            .contains("href=\"/pricing\" data-testid=\"change-plan\""),
        "{}",
        p.html
    );
    assert!(!p.has("owner-only"));
}

#[tokio::test]
async fn ui_owner_cancels_and_reactivates_and_a_wrong_token_changes_nothing() {
    let app = spawn_app().await;
    app.add_business_plan().await; // $99 a month, no trial
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;
    let owner = app.ui_session("acme", "owner").await;
    let p = page(&app, &owner, "/app/billing").await;
    let csrf = p.csrf();
    assert!(!p.has("reactivate"));
    assert!(p.html.contains("data-confirm=\""), "cancel asks first");

    let r = form(&app, &owner, "/app/billing/cancel", &[("csrf", "forged")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = form(&app, &owner, "/app/billing/cancel", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        subscription(&app, "acme").await["cancel_at_period_end"],
        false
    );

    let r = form(&app, &owner, "/app/billing/cancel", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/app/billing?done=canceled");
    let sub = subscription(&app, "acme").await;
    assert_eq!(
        (&sub["status"], &sub["cancel_at_period_end"]),
        (&json!("active"), &json!(true))
    );
    // A second submission of the same form changes nothing and answers the same.
    let again = form(&app, &owner, "/app/billing/cancel", &[("csrf", &csrf)]).await;
    assert_eq!(again.headers()[LOCATION], "/app/billing?done=canceled");

    let p = page(&app, &owner, "/app/billing?done=canceled").await;
    let flash = p.block("flash", "</div>");
    assert!(
        flash.contains("role=\"status\"") && flash.contains("canceled"),
        "{flash}"
    );
    assert!(p.has("reactivate") && !p.has("cancel"), "{}", p.html);
    assert!(p.html.contains("Ends on Dec 16, 2026"), "{}", p.html);
    let usage = page(&app, &owner, "/app/usage").await;
    assert_banners(&usage, &["banner-canceled"]);
    let banner = usage.block("banner-canceled", "\n</div>");
    assert!(
        banner.contains("Your plan ends on Dec 16, 2026"),
        "{banner}"
    );
    assert!(
        banner.contains("action=\"/app/billing/reactivate\""),
        "{banner}"
    );

    // Reactivating from the usage page's banner comes back to it.
    let r = form(
        &app,
        &owner,
        "/app/billing/reactivate",
        &[("csrf", &csrf), ("from", "usage")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/app/usage?done=reactivated");
    assert_eq!(
        subscription(&app, "acme").await["cancel_at_period_end"],
        false
    );
    let again = form(&app, &owner, "/app/billing/reactivate", &[("csrf", &csrf)]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(subscription(&app, "acme").await["status"], "active");
    let p = page(&app, &owner, "/app/usage?done=reactivated").await;
    assert_banners(&p, &[]);
    assert!(p.has("flash"));

    // The portal opens the provider's page and comes back to billing.
    let r = form(&app, &owner, "/app/billing/portal", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("{}/fake-billing/portal/", app.base)),
        "{to}"
    );
}

#[tokio::test]
async fn ui_sign_out_needs_the_token_and_clears_the_cookie() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let owner = app.ui_session("acme", "owner").await;
    let csrf = page(&app, &owner, "/app/usage").await.csrf();

    let r = form(&app, &owner, "/app/sign-out", &[("csrf", "nope")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());

    let r = form(&app, &owner, "/app/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/pricing");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("tg_session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");

    // Without the cookie the pages ask for a session.
    let r = no_redirects()
        .get(format!("{}/app/usage", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-testid=\"session-needed\"")
    );
    let r = no_redirects()
        .get(format!("{}/app/billing", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
