//! The session link: `POST /v1/customers/{id}/sessions` → `url`, which signs the user in to
//! the customer pages with an HttpOnly cookie.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::spawn_app;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `url` and `token` of a new session.
async fn new_session(app: &crate::helpers::TestApp, role: &str) -> (String, String) {
    let r = app
        .post(
            "/v1/customers/acme/sessions",
            app.server(),
            &json!({"user_id": "u-1", "role": role}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    (
        r.body["url"].as_str().expect("url").to_owned(),
        r.body["token"].as_str().expect("token").to_owned(),
    )
}

fn cookie_value(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("tg_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

#[tokio::test]
async fn the_session_link_sets_an_http_only_cookie_and_leaves_the_token_out_of_the_address() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (url, token) = new_session(&app, "member").await;
    let link = url
        .strip_prefix(&format!("{}/app?session=", app.base))
        .expect("the link's shape")
        .to_owned();
    assert_ne!(link, token, "the link carries its own token, not the API's");

    let client = no_redirects();
    let entry = client.get(&url).send().await.expect("entry");
    assert_eq!(entry.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry.headers()[LOCATION], "/app/usage");
    let raw = entry.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(raw.contains(attribute), "{attribute} in {raw}");
    }
    assert!(!raw.contains("Secure"), "plain http: {raw}");
    let cookie = cookie_value(&entry).expect("tg_session");
    assert_ne!(cookie, link);
    assert_ne!(cookie, token);

    // The cookie opens the pages; /app goes on to the usage page.
    let again = client
        .get(format!("{}/app", app.base))
        .header("cookie", format!("tg_session={cookie}"))
        .send()
        .await
        .expect("app");
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()[LOCATION], "/app/usage");
}

#[tokio::test]
async fn each_token_works_only_for_its_own_use() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (url, token) = new_session(&app, "owner").await;
    let link = url.split("session=").nth(1).expect("link").to_owned();
    let client = no_redirects();
    let cookie = cookie_value(&client.get(&url).send().await.expect("entry")).expect("cookie");

    // The API takes the API token only: a link from an access log, or the cookie, is no key.
    assert_eq!(
        app.get("/v1/customers/acme", Some(&token)).await.status,
        StatusCode::OK
    );
    for other in [&link, &cookie] {
        assert_eq!(
            app.get("/v1/customers/acme", Some(other)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The UI's cookie takes the UI token only.
    for other in [&token, &link] {
        let page = client
            .get(format!("{}/app/usage", app.base))
            .header("cookie", format!("tg_session={other}"))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED, "{other}");
    }
    // Each use has its own prefix, so a process that knows only API tokens refuses the others.
    assert!(token.starts_with("tgs_") && link.starts_with("tgl_") && cookie.starts_with("tgu_"));
    // The link signs in only with a link token.
    for other in [&token, &cookie] {
        let entry = client
            .get(format!("{}/app?session={other}", app.base))
            .send()
            .await
            .expect("entry");
        assert_eq!(entry.status(), StatusCode::UNAUTHORIZED);
        assert!(cookie_value(&entry).is_none());
    }
}

#[tokio::test]
async fn a_bad_or_expired_link_and_a_missing_cookie_show_a_page_and_set_nothing() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (url, token) = new_session(&app, "owner").await;
    let client = no_redirects();

    let forged = client.get(format!("{url}x")).send().await.expect("forged");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert!(forged.headers().get(SET_COOKIE).is_none());
    let csp = forged.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = forged.text().await.expect("html");
    assert!(html.contains(r#"data-testid="session-expired""#), "{html}");

    // A link is for opening at once: 10 minutes (engine clock) later it is refused, while
    // the API token of the same session still works.
    app.advance(601).await;
    let late = client.get(&url).send().await.expect("late");
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    assert!(late.headers().get(SET_COOKIE).is_none());
    assert_eq!(
        app.get("/v1/customers/acme", Some(&token)).await.status,
        StatusCode::OK
    );

    // A link opened later gives a cookie that ends with the session, not an hour after.
    let (url, _) = new_session(&app, "owner").await;
    app.advance(300).await;
    let entry = client.get(&url).send().await.expect("entry");
    let raw = entry.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(raw.contains("Max-Age=3300"), "{raw}");
    // A customer deleted after its link was made cannot be signed in to.
    let (url, _) = new_session(&app, "owner").await;
    assert_eq!(
        app.delete("/v1/customers/acme", app.server()).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = client.get(&url).send().await.expect("gone");
    assert!(gone.status().is_client_error(), "{}", gone.status());
    assert!(cookie_value(&gone).is_none());

    let bare = client
        .get(format!("{}/app", app.base))
        .send()
        .await
        .expect("bare");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert!(
        bare.text()
            .await
            .expect("html")
            .contains(r#"data-testid="session-needed""#)
    );
}

#[tokio::test]
async fn a_chosen_language_is_remembered_for_the_next_page() {
    let app = spawn_app().await;
    let client = no_redirects();
    let first = client
        .get(format!("{}/pricing?lang=de", app.base))
        .send()
        .await
        .expect("pricing");
    let cookie = first.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.starts_with("tg_lang=de") && cookie.contains("Path=/"),
        "{cookie}"
    );
    // The next page, without ?lang= and with an English browser, stays German.
    let next = client
        .get(format!("{}/demo", app.base))
        .header("cookie", "tg_lang=de")
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("demo");
    let html = next.text().await.expect("html");
    assert!(html.contains(r#"<html lang="de">"#), "{html}");
    // The API sets no language cookie.
    let api = client
        .get(format!("{}/v1/plans?lang=de", app.base))
        .send()
        .await
        .expect("plans");
    assert!(api.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn the_demo_sign_in_refuses_another_sites_form() {
    let app = spawn_app().await;
    let client = no_redirects();
    let host = app.base.trim_start_matches("http://").to_owned();
    let post = |origin: Option<&str>| {
        let mut req = client
            .post(format!("{}/demo", app.base))
            .form(&[("role", "owner")]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    let foreign = post(Some("https://evil.example")).await.expect("post");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(cookie_value(&foreign).is_none());
    assert_eq!(
        app.get("/v1/customers/demo", app.server()).await.status,
        StatusCode::NOT_FOUND,
        "nothing was created"
    );
    // Behind a proxy the browser's Origin is the public URL (here: the base URL itself).
    let own = post(Some(&format!("http://{host}"))).await.expect("post");
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    assert!(cookie_value(&own).is_some());
}
