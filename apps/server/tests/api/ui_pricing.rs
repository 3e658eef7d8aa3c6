//! `/pricing`: the public matrix (plans, features, currencies, intervals, languages,
//! accessibility), the current plan of a signed-in customer, and the plan change it starts
//! (checkout, confirm page, CSRF, roles, double submits).

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

async fn get_page(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Page {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.header("cookie", format!("tg_session={t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("page");
    Page {
        status: res.status(),
        headers: res.headers().clone(),
        html: res.text().await.expect("html"),
    }
}

async fn post_form(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
) -> Page {
    let mut req = app.client.post(format!("{}{path}", app.base)).form(fields);
    if let Some(t) = token {
        req = req.header("cookie", format!("tg_session={t}"));
    }
    let res = req.send().await.expect("post");
    Page {
        status: res.status(),
        headers: res.headers().clone(),
        html: res.text().await.expect("html"),
    }
}

fn location(p: &Page) -> String {
    p.headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The value of the first `<input name="{name}" value="…">` after `from` in the page.
fn field(html: &str, from: &str, name: &str) -> String {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} in page"));
    let rest = &html[start..];
    let at = rest
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("field {name} after {from}"));
    let value = &rest[at + name.len() + 15..];
    value[..value.find('"').expect("closing quote")].to_owned()
}

/// The markup of the element that carries `data-testid="{testid}"`, up to its closing tag
/// `</{tag}>`.
fn element<'a>(html: &'a str, testid: &str, tag: &str) -> &'a str {
    let start = html
        .find(&format!("data-testid=\"{testid}\""))
        .unwrap_or_else(|| panic!("{testid} in page"));
    let end = html[start..]
        .find(&format!("</{tag}>"))
        .expect("closing tag");
    &html[start..start + end]
}

async fn public_plans(app: &TestApp) -> Vec<Value> {
    let r = app.get("/v1/plans", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["plans"].as_array().expect("plans").clone()
}

async fn subscription(app: &TestApp, id: &str) -> Value {
    let r = app
        .get(&format!("/v1/customers/{id}/subscription"), app.server())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

#[tokio::test]
async fn ui_pricing_lists_every_public_plan_and_feature_and_nothing_private() {
    let app = spawn_app().await;
    let private = json!({
        "code": "internal", "name": "Internal Staff", "priority": 5, "public": false,
        "prices": [{"currency": "USD", "interval": "month", "amount_minor": 100}],
        "entitlements": []
    });
    let r = app.post("/v1/admin/plans", app.admin(), &private).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let p = get_page(&app, "/pricing", None, &[]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let plans = public_plans(&app).await;
    assert_eq!(plans.len(), 3, "{plans:?}");
    assert_eq!(p.html.matches("<th scope=\"col\"").count(), plans.len());
    for plan in &plans {
        let code = plan["code"].as_str().unwrap();
        let head = element(&p.html, &format!("plan-{code}"), "th");
        assert!(head.contains(plan["name"].as_str().unwrap()), "{head}");
    }
    assert!(!p.html.contains("Internal Staff"));
    let features = app.get("/v1/admin/features", app.admin()).await;
    let features = features.body["features"].as_array().unwrap().clone();
    assert_eq!(features.len(), 11);
    for f in &features {
        let row = element(
            &p.html,
            &format!("feature-{}", f["code"].as_str().unwrap()),
            "tr",
        );
        assert!(row.contains(f["name"].as_str().unwrap()), "{row}");
    }
    // Each kind of value, as the catalog has it.
    let calls = element(&p.html, "feature-api_calls", "tr");
    for text in ["1,000 / month", "100,000 / month", "Unlimited"] {
        assert!(calls.contains(text), "{text} in {calls}");
    }
    let ai = element(&p.html, "feature-ai_queries", "tr");
    assert!(ai.contains("then $0.003 each above the limit"), "{ai}");
    let storage = element(&p.html, "feature-storage_bytes", "tr");
    assert!(
        storage.contains("1\u{a0}GB") && storage.contains("10\u{a0}GB"),
        "{storage}"
    );
    let upload = element(&p.html, "feature-max_upload_bytes", "tr");
    assert!(
        upload.contains("200\u{a0}MB") && upload.contains("2\u{a0}GB"),
        "{upload}"
    );
    let jobs = element(&p.html, "feature-concurrent_jobs", "tr");
    assert!(jobs.contains("3 at a time"), "{jobs}");
    let tokens = element(&p.html, "feature-ai_tokens", "tr");
    assert!(tokens.contains("Not included"), "{tokens}");
    let white = element(&p.html, "feature-white_label", "tr");
    assert_eq!(white.matches("✓").count(), 1, "{white}");
    assert_eq!(white.matches("—").count(), 1, "{white}");
    assert!(white.contains("<span class=\"sr-only\">Included</span>"));
    let retention = element(&p.html, "feature-retention_days", "tr");
    assert!(
        retention.contains("30 days")
            && retention.contains("365 days")
            && retention.contains("Forever"),
        "{retention}"
    );
    let formats = element(&p.html, "feature-export_formats", "tr");
    assert!(formats.contains("csv, json, xlsx, parquet"), "{formats}");

    // Prices: monthly USD by default; the free plan, the custom plan, a trial.
    assert!(element(&p.html, "price-pro", "p").contains("$49"));
    assert!(element(&p.html, "price-hobby", "p").contains("Free"));
    assert!(element(&p.html, "price-enterprise", "p").contains("Custom"));
    assert!(element(&p.html, "plan-pro", "th").len() > 10);
    assert!(p.html.contains("14-day free trial"));
    // Anonymous: no current plan, "Get started" links to the explanation, no forms.
    assert!(!p.html.contains("data-testid=\"current-plan\""));
    assert!(
        p.html
            .contains("href=\"#get-started\" data-testid=\"choose-pro\"")
    );
    assert!(p.html.contains("id=\"get-started\""));
    assert!(!p.html.contains("method=\"post\" action=\"/pricing"));
}

#[tokio::test]
async fn ui_pricing_interval_and_currency_switch_the_prices() {
    let app = spawn_app().await;
    let year = get_page(&app, "/pricing?interval=year&currency=USD", None, &[]).await;
    assert_eq!(year.status, StatusCode::OK);
    assert!(element(&year.html, "price-pro", "p").contains("$490"));
    assert!(element(&year.html, "saving-pro", "p").contains("Save $98 a year"));
    assert!(element(&year.html, "price-hobby", "p").contains("Free"));
    let toggle = element(&year.html, "interval-toggle", "nav");
    assert!(
        toggle.contains("data-testid=\"interval-year\" aria-current=\"true\""),
        "{toggle}"
    );
    assert!(
        !toggle.contains("data-testid=\"interval-month\" aria-current"),
        "{toggle}"
    );
    assert!(toggle.contains("save up to 17%"), "{toggle}");

    // VND: no decimals, grouped in the page's language.
    let vnd = get_page(&app, "/pricing?currency=VND", None, &[]).await;
    let price = element(&vnd.html, "price-pro", "p");
    assert!(price.contains("1,190,000\u{a0}₫"), "{price}");
    assert!(!price.contains("1,190,000.00"), "{price}");
    let switch = element(&vnd.html, "currency-switch", "nav");
    for c in ["USD", "EUR", "VND"] {
        assert!(
            switch.contains(&format!("data-testid=\"currency-{c}\"")),
            "{switch}"
        );
    }
    assert!(switch.contains("data-testid=\"currency-VND\" aria-current=\"true\""));
    let vi = get_page(
        &app,
        "/pricing?currency=VND&interval=year&lang=vi",
        None,
        &[],
    )
    .await;
    assert!(element(&vi.html, "price-pro", "p").contains("11.900.000\u{a0}₫"));

    // EUR as German and French write it.
    let de = get_page(&app, "/pricing?currency=EUR&lang=de", None, &[]).await;
    assert!(element(&de.html, "price-pro", "p").contains("45\u{a0}€"));
    let fr = get_page(
        &app,
        "/pricing?currency=EUR&interval=year&lang=fr",
        None,
        &[],
    )
    .await;
    assert!(element(&fr.html, "price-pro", "p").contains("450\u{a0}€"));
    assert!(element(&fr.html, "saving-pro", "p").contains("Économisez 90\u{a0}€ par an"));
    // The switch keeps the chosen language and the other choice.
    assert!(
        fr.html
            .contains("href=\"/pricing?interval=month&#38;currency=EUR&#38;lang=fr\"")
    );

    // A currency the catalog does not sell falls back to the first one.
    let jpy = get_page(&app, "/pricing?currency=JPY", None, &[]).await;
    assert!(element(&jpy.html, "price-pro", "p").contains("$49"));
}

#[tokio::test]
async fn ui_pricing_is_translated_by_query_and_accept_language() {
    let app = spawn_app().await;
    let de = get_page(&app, "/pricing?lang=de", None, &[]).await;
    assert!(de.html.contains("<html lang=\"de\""));
    assert!(de.html.contains("Pläne &#38; Preise"));
    assert!(element(&de.html, "feature-api_calls", "tr").contains("100.000 / Monat"));
    assert!(element(&de.html, "feature-ai_tokens", "tr").contains("Nicht enthalten"));
    assert!(de.html.contains("14 Tage kostenlos testen"));

    let fr = get_page(
        &app,
        "/pricing",
        None,
        &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")],
    )
    .await;
    assert!(fr.html.contains("<html lang=\"fr\""));
    assert!(fr.html.contains("Offres et tarifs"));
    assert!(element(&fr.html, "feature-api_calls", "tr").contains("100\u{202f}000 / mois"));
    assert!(element(&fr.html, "price-hobby", "p").contains("Gratuit"));
    assert!(!fr.html.contains("Not included"));
}

#[tokio::test]
async fn ui_pricing_table_is_wired_for_assistive_technology() {
    let app = spawn_app().await;
    let p = get_page(&app, "/pricing", None, &[]).await;
    assert!(
        p.html
            .contains(r#"<caption id="pricing-caption">Plans compared by feature</caption>"#)
    );
    let rows = p.html.matches("<th scope=\"row\"").count();
    // One per feature, and the price row.
    assert_eq!(rows, 12);
    let mut described = 0;
    for (attr, _) in p.html.match_indices("aria-describedby=\"") {
        let rest = &p.html[attr + 18..];
        let id = &rest[..rest.find('"').unwrap()];
        assert_eq!(
            p.html.matches(&format!(" id=\"{id}\"")).count(),
            1,
            "one element with id {id}"
        );
        described += 1;
    }
    assert_eq!(described, 11);
    for (attr, _) in p.html.match_indices("aria-labelledby=\"feature-") {
        let rest = &p.html[attr + 17..];
        let id = &rest[..rest.find('"').unwrap()];
        assert_eq!(p.html.matches(&format!(" id=\"{id}\"")).count(), 1, "{id}");
    }
    // A feature without a description gets one from its kind and unit.
    assert!(p.html.contains(">Usage counted per period · unit: call<"));
    assert!(
        p.html
            .contains(">Model tokens; each call&#39;s cost is paid from the credit wallet.<")
    );
    // The toggle and the switch are labelled navigation with marked choices.
    assert!(p.html.contains("aria-label=\"Billing interval\""));
    assert!(p.html.contains("aria-label=\"Currency\""));
    assert!(
        p.html
            .contains("data-testid=\"currency-USD\" aria-current=\"true\"")
    );
}

#[tokio::test]
async fn ui_pricing_marks_the_current_plan_and_offers_the_owner_changes() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let owner = app.ui_session("acme", "owner").await;

    // Never subscribed: the free plan is in force; the paid plan opens checkout.
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.html.matches("data-testid=\"current-plan\"").count(), 1);
    assert!(element(&p.html, "plan-hobby", "th").contains("current-plan"));
    assert!(p.html.contains("data-testid=\"nav-usage\""));
    assert!(p.html.contains("action=\"/pricing/checkout\""));
    assert!(element(&p.html, "plan-pro", "th").len() > 1);
    assert!(
        p.html
            .contains("data-testid=\"choose-pro\">Start free trial<")
    );
    assert!(!p.html.contains("data-testid=\"choose-hobby\""));
    assert!(!p.html.contains("data-testid=\"choose-enterprise\""));
    assert!(!p.html.contains("id=\"get-started\""));

    // Anonymous on the same server: nothing marked.
    let anon = get_page(&app, "/pricing", None, &[]).await;
    assert!(!anon.html.contains("data-testid=\"current-plan\""));

    // Subscribed to Pro yearly: Pro is current, yearly and USD preselected.
    app.subscribe("acme", "pro", "year").await;
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert!(element(&p.html, "plan-pro", "th").contains("current-plan"));
    assert!(!element(&p.html, "plan-hobby", "th").contains("current-plan"));
    assert!(
        p.html
            .contains("data-testid=\"interval-year\" aria-current=\"true\"")
    );
    assert!(
        p.html
            .contains("data-testid=\"currency-USD\" aria-current=\"true\"")
    );
    assert!(p.html.contains(
        "href=\"/pricing/change?plan=hobby&#38;interval=month\" data-testid=\"choose-hobby\">Downgrade<"
    ));
    assert!(!p.html.contains("data-testid=\"choose-pro\""));
    // Monthly view: Pro monthly is a switch of interval.
    let m = get_page(&app, "/pricing?interval=month", Some(&owner), &[]).await;
    assert!(
        m.html
            .contains("data-testid=\"choose-pro\">Switch to monthly<")
    );
    // Another currency than the account's: prices shown, no buttons, a note.
    let eur = get_page(&app, "/pricing?currency=EUR", Some(&owner), &[]).await;
    assert!(!eur.html.contains("data-testid=\"choose-"));
    assert!(element(&eur.html, "currency-note", "div").contains("billed in USD"));
}

#[tokio::test]
async fn ui_pricing_members_and_admins_see_the_matrix_without_change_buttons() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.subscribe("acme", "pro", "month").await;
    app.add_business_plan().await;
    for role in ["member", "admin"] {
        let token = app.ui_session("acme", role).await;
        let p = get_page(&app, "/pricing", Some(&token), &[]).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(
            element(&p.html, "plan-pro", "th").contains("current-plan"),
            "{role}"
        );
        assert!(!p.html.contains("data-testid=\"choose-"), "{role}");
        assert!(!p.html.contains("action=\"/pricing/checkout\""), "{role}");
        assert!(
            element(&p.html, "owner-only", "div").contains("Only an owner"),
            "{role}"
        );

        let confirm = get_page(
            &app,
            "/pricing/change?plan=business&interval=month",
            Some(&token),
            &[],
        )
        .await;
        assert_eq!(confirm.status, StatusCode::FORBIDDEN, "{role}");
        // Even with a good form token, the change is the owner's.
        let csrf = field(&p.html, "action=\"/app/sign-out\"", "csrf");
        let post = post_form(
            &app,
            "/pricing/change",
            Some(&token),
            &[
                ("csrf", &csrf),
                ("plan", "business"),
                ("interval", "month"),
                ("nonce", "form_x"),
            ],
        )
        .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(subscription(&app, "acme").await["plan"], "pro");
}

#[tokio::test]
async fn ui_pricing_posts_without_a_session_or_a_good_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.subscribe("acme", "pro", "month").await;
    app.add_business_plan().await;
    let owner = app.ui_session("acme", "owner").await;
    app.customer("globex").await;
    let other = app.ui_session("globex", "owner").await;
    let before = subscription(&app, "acme").await;
    let audit = app.audit_count().await;
    let change = [
        ("plan", "business"),
        ("interval", "month"),
        ("nonce", "form_1"),
    ];

    let anon = post_form(
        &app,
        "/pricing/change",
        None,
        &[("csrf", "x"), ("plan", "business")],
    )
    .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let missing = post_form(&app, "/pricing/change", Some(&owner), &change).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.html.contains("This form has expired"));
    let mut wrong = change.to_vec();
    wrong.push(("csrf", "AAAAAAAAAAAAAAAAAAAAAAAA"));
    let wrong = post_form(&app, "/pricing/change", Some(&owner), &wrong).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let checkout = post_form(&app, "/pricing/checkout", Some(&owner), &change).await;
    assert_eq!(checkout.status, StatusCode::FORBIDDEN);
    // Another customer's token is another token.
    let other_page = get_page(&app, "/pricing", Some(&other), &[]).await;
    let other_csrf = field(&other_page.html, "action=\"/app/sign-out\"", "csrf");
    let mut theirs = change.to_vec();
    theirs.push(("csrf", &other_csrf));
    let cross = post_form(&app, "/pricing/change", Some(&owner), &theirs).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    let after = subscription(&app, "acme").await;
    assert_eq!(after["plan"], before["plan"]);
    assert_eq!(after["scheduled_change"], Value::Null);
    assert_eq!(app.audit_count().await, audit);

    // A good token with bad input: a 400 page, still nothing written.
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    let csrf = field(&p.html, "action=\"/app/sign-out\"", "csrf");
    for bad in [
        vec![
            ("csrf", csrf.as_str()),
            ("plan", "Not A Plan"),
            ("interval", "month"),
            ("nonce", "form_1"),
        ],
        vec![
            ("csrf", csrf.as_str()),
            ("plan", "business"),
            ("interval", "weekly"),
            ("nonce", "form_1"),
        ],
        vec![
            ("csrf", csrf.as_str()),
            ("plan", "business"),
            ("interval", "month"),
        ],
    ] {
        let r = post_form(&app, "/pricing/change", Some(&owner), &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(r.html.contains("data-testid=\"error\""));
    }
    let raw = app
        .client
        .post(format!("{}/pricing/change", app.base))
        .header("cookie", format!("tg_session={owner}"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert!(raw.text().await.unwrap().contains("<!doctype html>"));
    assert_eq!(app.audit_count().await, audit);
    assert_eq!(subscription(&app, "acme").await["plan"], "pro");
}

#[tokio::test]
async fn ui_pricing_owner_upgrades_from_a_paid_plan_through_the_confirm_page() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.subscribe("acme", "pro", "month").await;
    app.add_business_plan().await;
    // Past the 14-day trial: a paid period, so the upgrade is prorated.
    app.advance(20 * 86_400).await;
    let owner = app.ui_session("acme", "owner").await;

    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert!(p.html.contains(
        "href=\"/pricing/change?plan=business&#38;interval=month\" data-testid=\"choose-business\">Upgrade<"
    ));
    let confirm = get_page(
        &app,
        "/pricing/change?plan=business&interval=month",
        Some(&owner),
        &[],
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(element(&confirm.html, "change-from", "strong").contains("Pro · Monthly"));
    assert!(element(&confirm.html, "change-to", "strong").contains("Business · Monthly"));
    assert!(element(&confirm.html, "change-when", "div").contains("applies now"));
    let preview = app
        .get(
            "/v1/customers/acme/subscription/change/preview?plan=business",
            app.server(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    let due = preview.body["amount_due_now"]["minor"]
        .as_i64()
        .or_else(|| preview.body["amount_due_now"]["amount_minor"].as_i64())
        .unwrap_or_else(|| panic!("amount: {preview:?}"));
    assert!(due > 0 && due < 9_900, "prorated: {due}");
    let shown = format!("${}.{:02}", due / 100, due % 100);
    assert!(
        element(&confirm.html, "due-now", "td").contains(&shown),
        "{shown}"
    );
    // Viewing the confirm page changed nothing.
    assert_eq!(subscription(&app, "acme").await["plan"], "pro");

    let form: Vec<(String, String)> = ["csrf", "nonce", "plan", "interval", "version"]
        .iter()
        .map(|n| {
            (
                (*n).to_owned(),
                field(&confirm.html, "data-testid=\"change-confirm\"", n),
            )
        })
        .collect();
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = post_form(&app, "/pricing/change", Some(&owner), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/app/billing?done=changed");
    let sub = subscription(&app, "acme").await;
    assert_eq!(
        (sub["plan"].as_str(), sub["interval"].as_str()),
        (Some("business"), Some("month"))
    );

    // The same form again (a double submit): the same answer, nothing more happens.
    let audit = app.audit_count().await;
    let again = post_form(&app, "/pricing/change", Some(&owner), &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&again), "/app/billing?done=changed");
    assert_eq!(app.audit_count().await, audit);

    // Now Business is current; Pro is a downgrade at the period end.
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert!(element(&p.html, "plan-business", "th").contains("current-plan"));
    let down = get_page(
        &app,
        "/pricing/change?plan=pro&interval=month&lang=de",
        Some(&owner),
        &[],
    )
    .await;
    assert_eq!(down.status, StatusCode::OK);
    let when = element(&down.html, "change-when", "div");
    assert!(when.contains("zum Ende des aktuellen Zeitraums"), "{when}");
    assert!(down.html.contains("action=\"/pricing/change?lang=de\""));
}

#[tokio::test]
async fn ui_pricing_owner_downgrade_is_scheduled_for_the_period_end() {
    let app = spawn_app().await;
    app.customer("acme").await;
    // In Pro's 14-day trial: the period ends with it.
    let sub = app.subscribe("acme", "pro", "month").await;
    let end = sub.body["current_period_end"].as_str().unwrap().to_owned();
    let owner = app.ui_session("acme", "owner").await;
    let confirm = get_page(
        &app,
        "/pricing/change?plan=hobby&interval=month",
        Some(&owner),
        &[],
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    let when = element(&confirm.html, "change-when", "div");
    assert!(
        when.contains("at the end of the current period, on Nov 30, 2026"),
        "{when} / {end}"
    );
    assert!(element(&confirm.html, "due-now", "td").contains("$0.00"));
    let form: Vec<(String, String)> = ["csrf", "nonce", "plan", "interval", "version"]
        .iter()
        .map(|n| {
            (
                (*n).to_owned(),
                field(&confirm.html, "data-testid=\"change-confirm\"", n),
            )
        })
        .collect();
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = post_form(&app, "/pricing/change", Some(&owner), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let sub = subscription(&app, "acme").await;
    assert_eq!(sub["plan"], "pro");
    assert_eq!(sub["scheduled_change"]["plan"], "hobby");
    assert_eq!(sub["scheduled_change"]["at"].as_str(), Some(end.as_str()));
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert!(
        element(&p.html, "scheduled-note", "div")
            .contains("Your plan changes to Hobby on Nov 30, 2026")
    );
    assert!(p.html.contains("data-testid=\"scheduled-hobby\""));
}

#[tokio::test]
async fn ui_pricing_checkout_post_answers_303_to_the_fake_checkout_once() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let owner = app.ui_session("acme", "owner").await;
    let p = get_page(&app, "/pricing?interval=year", Some(&owner), &[]).await;
    let from = "name=\"plan\" value=\"pro\"";
    let start = p.html.find(from).expect("pro form");
    let form_start = p.html[..start].rfind("<form").expect("form start");
    let pro_form = &p.html[form_start..];
    let fields: Vec<(String, String)> = ["csrf", "nonce", "plan", "interval"]
        .iter()
        .map(|n| ((*n).to_owned(), field(pro_form, "<form", n)))
        .collect();
    assert_eq!(fields[3].1, "year");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    let r = post_form(&app, "/pricing/checkout", Some(&owner), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let url = location(&r);
    assert!(
        url.starts_with(&format!("{}/fake-billing/checkout/", app.base)),
        "{url}"
    );
    // A double submit opens the same checkout, not a second one.
    let again = post_form(&app, "/pricing/checkout", Some(&owner), &fields).await;
    assert_eq!(location(&again), url);
    // The fake checkout pays and returns to the billing page.
    let session = url.rsplit('/').next().unwrap().to_owned();
    let paid = app
        .client
        .post(format!("{}/fake-billing/checkout/{session}/pay", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        paid.headers()[LOCATION].to_str().unwrap(),
        format!("{}/app/billing?done=checkout", app.base)
    );
    let sub = subscription(&app, "acme").await;
    assert_eq!(
        (sub["plan"].as_str(), sub["interval"].as_str()),
        (Some("pro"), Some("year"))
    );
    let p = get_page(&app, "/pricing", Some(&owner), &[]).await;
    assert!(element(&p.html, "plan-pro", "th").contains("current-plan"));
}
