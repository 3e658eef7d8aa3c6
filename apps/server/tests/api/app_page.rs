//! The page a session URL opens: `POST /v1/customers/{id}/sessions` → `url`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_session_url_opens_the_customers_page() {
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
    assert_eq!(url, format!("{}/app/acme#token={token}", app.base));

    // The browser sends no fragment and no key; the page loads anyway.
    let page = app.client.get(&url).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/html"));
    assert_eq!(header("cache-control"), "no-store");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.expect("html");
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<script>") && html.contains("</script>"));
    for call in ["/subscription", "/entitlements", "Authorization", "Bearer "] {
        assert!(html.contains(call), "the script calls the API: {call}");
    }
    assert!(!html.contains(&token), "the token is never in the page");
    assert!(html.contains("textContent") && !html.contains("innerHTML"));

    // The same static page for any customer id: nothing about a customer without a token.
    let other = app
        .client
        .get(format!("{}/app/globex", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(other.status(), StatusCode::OK);
    assert_eq!(other.text().await.expect("html"), html);

    // The token from the URL reads what the page shows.
    for path in [
        "/v1/customers/acme/entitlements",
        "/v1/customers/acme/subscription",
    ] {
        let r = app.get(path, Some(&token)).await;
        assert!(
            matches!(r.status, StatusCode::OK | StatusCode::NOT_FOUND),
            "{path}: {r:?}"
        );
        if r.status == StatusCode::NOT_FOUND {
            assert_eq!(
                r.body["error"]["details"]["entity"], "subscription",
                "{r:?}"
            );
        }
    }

    // Documented as an HTML page that needs no key.
    let doc = app.get("/openapi.json", None).await;
    let op = &doc.body["paths"]["/app/{customer}"]["get"];
    assert!(
        op["responses"]["200"]["content"]["text/html"].is_object(),
        "{op}"
    );
    assert_eq!(op["security"], json!([{}]), "{op}");
}
