//! The UI routes against every kind of visitor: see the module of the same name under src/ui.
//!
//! Every form post (`web::post()` under src/ui) is sent without a cookie, with a customer's
//! cookie of a role the route does not allow, with another customer's cookie carrying this
//! customer's form token, with the right cookie and a wrong token, and with the cookie of the
//! other side (the console's on a customer form, a customer's on a console form). Each must
//! be refused with the status the route defines, and write nothing: the journal keeps its
//! length and the clock stays put. Every page (`web::get()`) answers anonymous visitors,
//! members, admins and owners of a customer, and the operator, as it should. The forms are
//! ones the routes would carry out, so a handler that forgot a check fails here. The tables
//! are checked against the routes the UI registers, so a new route must be added to them.

use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use tollgate_server::config::{Mode, Secret};

use crate::helpers::{ADMIN_KEY, TestApp, spawn_app, spawn_app_with};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the first input `name` of a page.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("an input {name}: {html}"))
        + marker.len();
    html[at..].split('"').next().expect("value").to_owned()
}

async fn get(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut req = client().get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("page");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

async fn post(
    app: &TestApp,
    cookie: Option<&str>,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    let mut req = client().post(format!("{}{path}", app.base)).form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("post")
}

/// A signed-in visitor: the cookie header and the form token its pages carry.
#[derive(Debug, Clone)]
struct Visitor {
    cookie: String,
    csrf: String,
}

/// A customer's user, signed in through the session link (the cookie it sets).
async fn customer_visitor(app: &TestApp, customer: &str, role: &str) -> Visitor {
    let token = app.ui_session(customer, role).await;
    let cookie = format!("tg_session={token}");
    let (status, html) = get(app, Some(&cookie), "/app/usage").await;
    assert_eq!(status, StatusCode::OK, "{customer} {role}: {html}");
    Visitor {
        csrf: input_value(&html, "csrf"),
        cookie,
    }
}

async fn operator_visitor(app: &TestApp) -> Visitor {
    let r = client()
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[("key", ADMIN_KEY)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[SET_COOKIE].to_str().expect("cookie");
    let cookie = set.split(';').next().expect("pair").to_owned();
    let (status, html) = get(app, Some(&cookie), "/admin").await;
    assert_eq!(status, StatusCode::OK);
    Visitor {
        csrf: input_value(&html, "csrf"),
        cookie,
    }
}

/// The visitors of one app: `acme` (subscribed to pro, in its trial) with a member, an admin and an owner;
/// the owner of `globex`; the operator.
struct World {
    app: TestApp,
    member: Visitor,
    admin: Visitor,
    owner: Visitor,
    foreign: Visitor,
    operator: Visitor,
    /// A billing event of acme's checkout, for the replay form.
    event: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    app.customer("globex").await;
    let sub = app.subscribe("acme", "pro", "month").await;
    assert_eq!(sub.body["plan"], "pro", "{sub:?}");
    let log = app.get("/v1/admin/webhooks", app.admin()).await;
    let event = log.body["events"][0]["event_id"]
        .as_str()
        .expect("an event of the checkout")
        .to_owned();
    World {
        member: customer_visitor(&app, "acme", "member").await,
        admin: customer_visitor(&app, "acme", "admin").await,
        owner: customer_visitor(&app, "acme", "owner").await,
        foreign: customer_visitor(&app, "globex", "owner").await,
        operator: operator_visitor(&app).await,
        event,
        app,
    }
}

/// Who a form route lets post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// The console: its session (401 without) and its token (403 with another).
    Operator,
    /// A customer's owner: a customer session (401 without), its token (403 with another),
    /// the owner role (403 for others).
    Owner,
    /// Signing a customer out: anyone may; with a session, only with its token (403).
    CustomerSignOut,
    /// Signing the console in: only with the operator key (401), whatever the cookies.
    ConsoleSignIn,
}

/// The ways a post is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Try {
    /// No cookie at all, with acme's owner's token in the form.
    NoCookie,
    /// acme's member, with the member's own token.
    Member,
    /// acme's admin, with the admin's own token.
    Admin,
    /// globex's owner cookie with acme's owner's token (a form of acme's pages).
    ForeignWithVictimToken,
    /// globex's owner, with its own token.
    ForeignOwnToken,
    /// The cookie the route wants, with a token that is no one's.
    WrongToken,
    /// The console's cookie and token on a customer form.
    OperatorCookie,
    /// The console's cookie with acme's owner's token.
    OperatorWithCustomerToken,
}

const TRIES: [Try; 8] = [
    Try::NoCookie,
    Try::Member,
    Try::Admin,
    Try::ForeignWithVictimToken,
    Try::ForeignOwnToken,
    Try::WrongToken,
    Try::OperatorCookie,
    Try::OperatorWithCustomerToken,
];

/// What a try must be answered with; `None` when the try is one the route allows (then it
/// is not sent: it would change things for good reasons).
fn refusal(guard: Guard, t: Try) -> Option<StatusCode> {
    use StatusCode as S;
    match (guard, t) {
        (Guard::ConsoleSignIn, _) => Some(S::UNAUTHORIZED),
        (Guard::Operator, Try::WrongToken | Try::OperatorWithCustomerToken) => Some(S::FORBIDDEN),
        (Guard::Operator, Try::OperatorCookie) => None,
        (Guard::Operator, _) => Some(S::UNAUTHORIZED),
        (Guard::Owner, Try::NoCookie | Try::OperatorCookie | Try::OperatorWithCustomerToken) => {
            Some(S::UNAUTHORIZED)
        }
        // globex's owner acting on globex: allowed (the routes name no customer).
        (Guard::Owner, Try::ForeignOwnToken) => None,
        (Guard::Owner, _) => Some(S::FORBIDDEN),
        (Guard::CustomerSignOut, Try::ForeignWithVictimToken | Try::WrongToken) => {
            Some(S::FORBIDDEN)
        }
        // Any role signs itself out, and without a session there is nothing to protect.
        (Guard::CustomerSignOut, _) => None,
    }
}

/// The cookie and token of a try on a route.
fn credentials(w: &World, guard: Guard, t: Try) -> (Option<String>, String) {
    let rightful = if guard == Guard::Operator {
        &w.operator
    } else {
        &w.owner
    };
    match t {
        Try::NoCookie => (None, w.owner.csrf.clone()),
        Try::Member => (Some(w.member.cookie.clone()), w.member.csrf.clone()),
        Try::Admin => (Some(w.admin.cookie.clone()), w.admin.csrf.clone()),
        Try::ForeignWithVictimToken => (Some(w.foreign.cookie.clone()), w.owner.csrf.clone()),
        Try::ForeignOwnToken => (Some(w.foreign.cookie.clone()), w.foreign.csrf.clone()),
        Try::WrongToken => (
            Some(rightful.cookie.clone()),
            "AAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        ),
        Try::OperatorCookie => (Some(w.operator.cookie.clone()), w.operator.csrf.clone()),
        Try::OperatorWithCustomerToken => (Some(w.operator.cookie.clone()), w.owner.csrf.clone()),
    }
}

struct PostRoute {
    path: String,
    guard: Guard,
    /// A form the route would carry out for a visitor it allows (the token is added per try).
    form: Vec<(&'static str, String)>,
}

fn p(path: &str, guard: Guard, form: &[(&'static str, &str)]) -> PostRoute {
    PostRoute {
        path: path.to_owned(),
        guard,
        form: form.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
    }
}

/// How many times `needle` is written in the Rust sources under src/ui.
fn registered(needle: &str) -> usize {
    fn walk(dir: &std::path::Path, needle: &str) -> usize {
        std::fs::read_dir(dir)
            .expect("src/ui")
            .map(|e| e.expect("entry").path())
            .map(|path| {
                if path.is_dir() {
                    walk(&path, needle)
                } else if path.extension().is_some_and(|x| x == "rs") {
                    std::fs::read_to_string(&path)
                        .expect("source")
                        .matches(needle)
                        .count()
                } else {
                    0
                }
            })
            .sum()
    }
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
        needle,
    )
}

#[tokio::test]
async fn ui_matrix_every_form_post_refuses_the_wrong_visitor_and_writes_nothing() {
    let w = world().await;
    let app = &w.app;
    let from = app.state.engine.now().timestamp().to_string();
    let replay = format!("/admin/webhooks/{}/replay", w.event);
    use Guard::*;
    let routes = vec![
        p(
            "/admin/sign-in",
            ConsoleSignIn,
            &[("key", "tg_admin_wrong")],
        ),
        p("/admin/sign-out", Operator, &[]),
        p("/admin/clock", Operator, &[("from", &from), ("days", "1")]),
        p(
            "/admin/customers/acme/overrides",
            Operator,
            &[("limit.api_calls", "5")],
        ),
        p(
            "/admin/customers/acme/credits",
            Operator,
            &[("amount", "5"), ("reference", "matrix_1")],
        ),
        p(
            "/admin/plans",
            Operator,
            &[
                ("code", "matrix"),
                ("name", "Matrix"),
                ("priority", "50"),
                ("trial_days", "0"),
                ("public", "on"),
                ("price.0.currency", "USD"),
                ("price.0.interval", "month"),
                ("price.0.amount", "1.00"),
            ],
        ),
        p(
            "/admin/plans/pro",
            Operator,
            &[
                ("name", "Pro (changed)"),
                ("priority", "20"),
                ("trial_days", "0"),
                ("price.0.currency", "USD"),
                ("price.0.interval", "month"),
                ("price.0.amount", "1.00"),
            ],
        ),
        p("/admin/plans/pro/archive", Operator, &[]),
        p(
            "/admin/features",
            Operator,
            &[
                ("code", "matrix_calls"),
                ("name", "Matrix calls"),
                ("kind", "metered"),
            ],
        ),
        p(&replay, Operator, &[]),
        p("/app/billing/portal", Owner, &[]),
        p("/app/billing/cancel", Owner, &[]),
        p("/app/billing/reactivate", Owner, &[]),
        p("/app/sign-out", CustomerSignOut, &[]),
        p(
            "/pricing/checkout",
            Owner,
            &[
                ("plan", "business"),
                ("interval", "month"),
                ("nonce", "matrix1"),
            ],
        ),
        p(
            "/pricing/change",
            Owner,
            &[
                ("plan", "business"),
                ("interval", "month"),
                ("nonce", "matrix2"),
            ],
        ),
    ];
    // /demo is the demo's own sign-in, public by design; outside demo mode it is not there
    // (the test below), which makes one more form route.
    assert_eq!(
        routes.len() + 1,
        registered("web::post()"),
        "every UI form route is in this table"
    );

    let mut failures = Vec::new();
    for route in &routes {
        for t in TRIES {
            let Some(expected) = refusal(route.guard, t) else {
                continue;
            };
            let (cookie, csrf) = credentials(&w, route.guard, t);
            let mut form: Vec<(String, String)> = route
                .form
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            if route.guard != ConsoleSignIn {
                form.push(("csrf".to_owned(), csrf));
            }
            let before = app.audit_count().await;
            let now = app.state.engine.now();
            let r = post(app, cookie.as_deref(), &route.path, &form).await;
            let status = r.status();
            let sets_console = r
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.starts_with("tg_admin=tga_")));
            let after = app.audit_count().await;
            if status != expected || after != before || sets_console {
                failures.push(format!(
                    "POST {} {t:?}: {status} (want {expected}), journal {before} -> {after}{}",
                    route.path,
                    if sets_console {
                        ", signed the console in"
                    } else {
                        ""
                    }
                ));
            }
            if app.state.engine.now() != now {
                failures.push(format!("POST {} {t:?}: the clock moved", route.path));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // The forms are ones the routes carry out: the rightful visitor gets through.
    let ok = [
        ("/admin/features", Operator),
        ("/app/billing/cancel", Owner),
    ];
    for (path, guard) in ok {
        let route = routes.iter().find(|r| r.path == path).expect("route");
        let v = if guard == Operator {
            &w.operator
        } else {
            &w.owner
        };
        let mut form: Vec<(String, String)> = route
            .form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        form.push(("csrf".to_owned(), v.csrf.clone()));
        let before = app.audit_count().await;
        let r = post(app, Some(&v.cookie), path, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(app.audit_count().await > before, "{path} writes");
    }
}

#[tokio::test]
async fn ui_matrix_the_demo_sign_in_is_not_there_outside_demo_mode() {
    let stripe = wiremock::MockServer::start().await;
    let base = stripe.uri();
    let app = spawn_app_with(|c| {
        c.mode = Mode::Production;
        c.stripe_secret_key = Some(Secret::new("sk_test_tollgate"));
        c.stripe_api_base = Some(base);
        c.stripe_webhook_secret = Some(Secret::new("whsec_matrix"));
    })
    .await;
    app.customer("acme").await;
    let owner = app.ui_session("acme", "owner").await;
    for cookie in [None, Some(format!("tg_session={owner}"))] {
        let before = app.audit_count().await;
        let form = [("role".to_owned(), "owner".to_owned())];
        let r = post(&app, cookie.as_deref(), "/demo", &form).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers().get(SET_COOKIE).is_none());
        assert_eq!(app.audit_count().await, before, "no demo customer");
        let (status, _) = get(&app, cookie.as_deref(), "/demo").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let r = app.get("/v1/customers/demo", app.server()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
}

/// The visitors of the page table, in its columns' order.
const WHO: [&str; 5] = ["anonymous", "member", "admin", "owner", "operator"];

#[tokio::test]
async fn ui_matrix_every_page_answers_each_visitor_as_it_should() {
    let w = world().await;
    let app = &w.app;
    let (_, pricing) = get(app, None, "/pricing").await;
    let css = pricing
        .split("href=\"/ui/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|f| format!("/ui/{f}"))
        .expect("the stylesheet");
    const PUBLIC: [u16; 5] = [200; 5];
    const CONSOLE: [u16; 5] = [401, 401, 401, 401, 200];
    let pages: Vec<(&str, [u16; 5])> = vec![
        ("/pricing", PUBLIC),
        (
            "/pricing/change?plan=business&interval=month",
            [401, 403, 403, 200, 401],
        ),
        ("/app", [401, 303, 303, 303, 401]),
        ("/app/usage", [401, 200, 200, 200, 401]),
        ("/app/billing", [401, 403, 200, 200, 401]),
        ("/demo", PUBLIC),
        (css.as_str(), PUBLIC),
        ("/favicon.ico", [204; 5]),
        // The console's front door shows the sign-in form to anyone else (checked below).
        ("/admin", PUBLIC),
        ("/admin/customers", CONSOLE),
        ("/admin/customers/acme", CONSOLE),
        ("/admin/plans", CONSOLE),
        ("/admin/plans/new", CONSOLE),
        ("/admin/plans/pro", CONSOLE),
        ("/admin/features", CONSOLE),
        ("/admin/webhooks", CONSOLE),
        ("/admin/audit", CONSOLE),
    ];
    assert_eq!(
        pages.len(),
        registered("web::get()"),
        "every UI page route is in this table"
    );
    let visitors = [
        None,
        Some(&w.member),
        Some(&w.admin),
        Some(&w.owner),
        Some(&w.operator),
    ];
    let audit = app.audit_count().await;
    let mut failures = Vec::new();
    for (path, want) in &pages {
        for (i, v) in visitors.iter().enumerate() {
            let (status, html) = get(app, v.map(|v| v.cookie.as_str()), path).await;
            if status.as_u16() != want[i] {
                failures.push(format!(
                    "GET {path} as {}: {status}, want {}",
                    WHO[i], want[i]
                ));
            }
            if path.starts_with("/admin") {
                // Only the operator sees the console; everyone else the sign-in form.
                let signs_in = html.contains(r#"data-testid="admin-key""#);
                if signs_in == (WHO[i] == "operator") {
                    failures.push(format!("GET {path} as {}: sign-in form {signs_in}", WHO[i]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(app.audit_count().await, audit, "pages write nothing");
}
