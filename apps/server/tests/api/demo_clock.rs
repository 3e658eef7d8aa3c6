//! The demo clock (`POST /v1/admin/clock/advance`): the time it reaches is kept for restarts.

use reqwest::StatusCode;
use sea_orm_migration::sea_orm::ConnectionTrait;
use serde_json::json;
use tollgate_kernel::Clock;
use tollgate_server::startup::CLOCK_OFFSET_SETTING;

use crate::helpers::{spawn_app, start_time};

const DAY: i64 = 86_400;

/// A move that fails half-way (here: the renewal's events cannot be logged) still saves the
/// offset the clock reached, so a restart does not go back before the steps that ran.
#[tokio::test]
async fn an_advance_that_fails_midway_keeps_the_offset_it_reached() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let sub = app.subscribe("acme", "business", "month").await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    let stored = app.state.access.get_setting(CLOCK_OFFSET_SETTING).await;
    assert!(matches!(stored, Ok(None)), "not moved yet: {stored:?}");

    let db = app.state.store.db();
    db.execute_unprepared("ALTER TABLE billing_events RENAME TO billing_events_away")
        .await
        .expect("hide the webhook log");
    let r = app
        .post(
            "/v1/admin/clock/advance",
            app.admin(),
            &json!({"seconds": 40 * DAY}),
        )
        .await;
    db.execute_unprepared("ALTER TABLE billing_events_away RENAME TO billing_events")
        .await
        .expect("restore the webhook log");
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{r:?}");

    // The clock stopped at the renewal, past the start and short of the target.
    let reached = app.clock.now();
    assert!(reached > start_time(), "{reached}");
    assert!(
        reached < start_time() + chrono::Duration::days(40),
        "{reached}"
    );
    let offset = app
        .state
        .access
        .get_setting(CLOCK_OFFSET_SETTING)
        .await
        .expect("settings readable")
        .and_then(|v| v.as_i64())
        .expect("the offset was saved");
    let expected = (reached - chrono::Utc::now()).num_seconds();
    assert!(
        (offset - expected).abs() <= 5,
        "offset {offset} is where the clock stopped ({expected})"
    );
}
