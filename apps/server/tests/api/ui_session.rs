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

#[tokio::test]
async fn the_session_link_sets_an_http_only_cookie_and_leaves_the_token_out_of_the_address() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/sessions",
            app.server(),
            &json!({"user_id": "u-1", "role": "member"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let token = r.body["token"].as_str().expect("token").to_owned();
    let url = r.body["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("{}/app?session={token}", app.base));

    let client = no_redirects();
    let entry = client.get(&url).send().await.expect("entry");
    assert_eq!(entry.status(), StatusCode::SEE_OTHER);
    assert_eq!(entry.headers()[LOCATION], "/app/usage");
    let cookie = entry.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.starts_with(&format!("tg_session={token}")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    // The cookie opens the pages; /app goes on to the usage page.
    let again = client
        .get(format!("{}/app", app.base))
        .header("cookie", format!("tg_session={token}"))
        .send()
        .await
        .expect("app");
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()[LOCATION], "/app/usage");
}

#[tokio::test]
async fn a_bad_or_expired_link_and_a_missing_cookie_show_a_page_and_set_nothing() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let token = app.session("acme", "owner").await;
    let client = no_redirects();

    let forged = client
        .get(format!("{}/app?session={token}x", app.base))
        .send()
        .await
        .expect("forged");
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

    // Links expire with the token (engine clock): a day later the same link is refused.
    app.advance(86_400).await;
    let late = client
        .get(format!("{}/app?session={token}", app.base))
        .send()
        .await
        .expect("late");
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    assert!(late.headers().get(SET_COOKIE).is_none());

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
