//! The operator's read use cases on the in-memory engine, driven through real lifecycles:
//! invoices, the audit trail, the tenant list with MRR and usage, and the 30-day analytics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tollgate_billing::{CustomerStatus, SubscriptionStatus};
use tollgate_engine::{
    AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, AuditQuery, CustomerSummary, EngineError, NewCustomer,
    PlanAnalytics, StartCheckout,
};
use tollgate_kernel::{Currency, Interval, Money, PlanCode};
use tollgate_plans::Price;
use tollgate_quotas::QuotaState;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

impl Harness {
    /// Moves the clock to `at`, running what falls due on the way.
    async fn advance_to(&self, at: &str) {
        let seconds = (t(at) - self.clock_now()).num_seconds();
        let report = self
            .engine
            .advance_clock(seconds, &self.caller)
            .await
            .unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
    }

    async fn buy(&self, id: &str, plan: &str, interval: Interval) {
        let session = self
            .engine
            .checkout(
                &cid(id),
                &StartCheckout {
                    plan: pc(plan),
                    interval,
                    success_url: "https://app.test/ok".into(),
                    cancel_url: "https://app.test/cancel".into(),
                },
                &format!("buy-{id}-{plan}"),
                &self.caller,
            )
            .await
            .unwrap();
        self.pay(&session.id).await;
        let sub = self.engine.subscription(&cid(id)).await.unwrap();
        assert_eq!(sub.plan.as_str(), plan);
    }

    /// A yearly-only EUR plan whose price does not divide by 12: 1014 / 12 = 84.5.
    async fn euro_plan(&self) {
        let mut euro = self
            .engine
            .all_plans()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.code.as_str() == "team")
            .unwrap();
        euro.code = pc("euro");
        euro.priority = 15;
        euro.prices = vec![Price::new(Currency::EUR, Interval::Year, 1014)];
        euro.wallet_grants.clear();
        self.engine.create_plan(euro, &self.caller).await.unwrap();
    }

    async fn euro_customer(&self, id: &str) {
        self.engine
            .create_customer(
                NewCustomer {
                    id: cid(id),
                    name: "Euro GmbH".into(),
                    email: None,
                    currency: Some(Currency::EUR),
                },
                &self.caller,
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn invoices_are_the_customers_history_newest_first() {
    let h = harness().await;
    let acme = cid("acme");
    h.subscribed("acme", "team").await;
    h.advance_to("2027-01-15T12:00:00Z").await; // renewals on Dec 10 and Jan 10

    let invoices = h.engine.invoices(&acme).await.unwrap();
    let created: Vec<_> = invoices.iter().map(|i| i.created_at).collect();
    assert_eq!(
        created,
        [
            t("2027-01-10T12:00:00Z"),
            t("2026-12-10T12:00:00Z"),
            t("2026-11-10T12:00:00Z"),
        ],
        "newest first"
    );
    assert!(
        invoices
            .iter()
            .all(|i| i.customer == acme && i.amount_due == 9000)
    );

    h.customer("fresh").await;
    assert!(h.engine.invoices(&cid("fresh")).await.unwrap().is_empty());
    assert!(matches!(
        h.engine.invoices(&cid("nobody")).await,
        Err(EngineError::NotFound { .. })
    ));
    h.engine.delete_customer(&acme, &h.caller).await.unwrap();
    assert!(matches!(
        h.engine.invoices(&acme).await,
        Err(EngineError::NotFound { .. })
    ));
}

#[tokio::test]
async fn the_audit_trail_is_filtered_newest_first_and_its_limit_clamped() {
    let h = harness().await;
    for i in 0..1005 {
        h.customer(&format!("c{i:04}")).await;
    }
    let created = |limit: Option<usize>| AuditQuery {
        action: Some("customer.created".into()),
        limit,
        ..AuditQuery::default()
    };
    let default = h.engine.audit(&created(None)).await.unwrap();
    assert_eq!(default.len(), AUDIT_DEFAULT_LIMIT);
    assert_eq!(default[0].entity, "customer:c1004", "newest first");
    assert_eq!(default[99].entity, "customer:c0905");
    assert_eq!(h.engine.audit(&created(Some(0))).await.unwrap().len(), 1);
    assert_eq!(h.engine.audit(&created(Some(7))).await.unwrap().len(), 7);
    assert_eq!(
        h.engine.audit(&created(Some(5000))).await.unwrap().len(),
        AUDIT_MAX_LIMIT
    );
    let one = h
        .engine
        .audit(&AuditQuery {
            entity: Some("customer:c0042".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        (one[0].action.as_str(), one[0].actor.as_str()),
        ("customer.created", "test")
    );
    let plans = h
        .engine
        .audit(&AuditQuery {
            action: Some("catalog.".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].action, "catalog.seeded");
}

/// Ten tenants through two months of lifecycles; the analytics window is the 30 days to
/// 2027-01-01 12:00, so it starts on 2026-12-02 12:00. Checkout of Pro starts its 14-day trial
/// (paid at its end); Team and Euro have no trial.
async fn two_months_of_tenants() -> Harness {
    let h = harness().await;
    h.euro_plan().await;
    // 2026-11-10: four subscribers in USD (the Pro ones paying from Nov 24, period to Dec 24),
    // one yearly in EUR, two free, one that leaves at once.
    h.subscribed("a", "pro").await;
    h.subscribed("b", "team").await;
    h.subscribed("f", "pro").await;
    h.subscribed("g", "pro").await;
    h.euro_customer("m").await;
    h.buy("m", "euro", Interval::Year).await;
    h.customer("c").await;
    h.customer("e").await;
    h.customer("gone").await;
    h.advance_to("2026-11-11T12:00:00Z").await;
    h.engine
        .delete_customer(&cid("gone"), &h.caller)
        .await
        .unwrap();

    // 2026-12-01: d starts a trial, which runs past the window start.
    h.advance_to("2026-12-01T12:00:00Z").await;
    h.customer("d").await;
    h.engine
        .start_trial(&cid("d"), &pc("pro"), &h.caller)
        .await
        .unwrap();

    // 2026-12-03, inside the window: a leaves now, b at its period end (Dec 10), c buys (a
    // trial, paid on Dec 17), d pays during its trial, f upgrades, g's card starts failing.
    h.advance_to("2026-12-03T12:00:00Z").await;
    h.fake.set_payment_method(&cid("g"), true, h.clock_now());
    h.engine
        .cancel_subscription(&cid("a"), false, &h.caller)
        .await
        .unwrap();
    h.engine
        .cancel_subscription(&cid("b"), true, &h.caller)
        .await
        .unwrap();
    h.buy("c", "pro", Interval::Month).await;
    h.buy("d", "pro", Interval::Month).await;
    h.engine
        .change_plan(&cid("f"), &pc("team"), None, "up", &h.caller)
        .await
        .unwrap();

    // g's renewal on Dec 24 fails; its grace ends on Dec 27. New tenants arrive late and are
    // still in their trials on Jan 1.
    h.advance_to("2026-12-20T12:00:00Z").await;
    h.subscribed("j", "pro").await;
    h.advance_to("2026-12-25T12:00:00Z").await;
    h.customer("k").await;
    h.engine
        .start_trial(&cid("k"), &pc("pro"), &h.caller)
        .await
        .unwrap();
    h.advance_to("2027-01-01T12:00:00Z").await;
    for (id, n) in [("c", 250), ("e", 100)] {
        h.engine
            .record_usage(usage(id, "api_calls", n, &format!("{id}-calls")), &h.caller)
            .await
            .unwrap();
    }
    h.engine
        .record_usage(usage("c", "storage_bytes", 9000, "c-bytes"), &h.caller)
        .await
        .unwrap();
    h
}

fn plan_row<'a>(rows: &'a [PlanAnalytics], code: &str) -> &'a PlanAnalytics {
    rows.iter().find(|r| r.plan.as_str() == code).unwrap()
}

#[tokio::test]
async fn analytics_count_revenue_churn_and_conversion_over_thirty_days() {
    let h = two_months_of_tenants().await;
    let a = h.engine.analytics().await.unwrap();
    assert_eq!(a.as_of, t("2027-01-01T12:00:00Z"));
    assert_eq!(a.window_start, t("2026-12-02T12:00:00Z"));

    assert_eq!(a.customers, 10, "gone is deleted");
    assert_eq!(
        (
            a.active,
            a.trialing,
            a.past_due,
            a.locked,
            a.canceled,
            a.incomplete
        ),
        (4, 2, 0, 1, 2, 0),
        "active c d f m, trialing j k, locked g, canceled a b"
    );
    // c, d on Pro (30.00) and f on Team (90.00); m's 10.14 a year is 0.845 → 0.84 a month.
    assert_eq!(a.mrr, vec![eur(84), usd(15_000)]);

    // Paying at the window start: a, b, f, g, m. a and b ended; f moved up.
    assert_eq!((a.churn.count, a.churn.base), (2, 5));
    assert_eq!(
        a.churn.rate.map(|r| r.to_string()).as_deref(),
        Some("0.4000")
    );
    assert_eq!((a.paid_upgrades.count, a.paid_upgrades.base), (1, 5));
    assert_eq!(
        a.paid_upgrades.rate.map(|r| r.to_string()).as_deref(),
        Some("0.2000")
    );
    // Free or trialing at the window start: c, e, d (gone left before it; j, k came after).
    // c and d now pay.
    assert_eq!(
        (a.upgrade_conversion.count, a.upgrade_conversion.base),
        (2, 3)
    );
    assert_eq!(
        a.upgrade_conversion.rate.map(|r| r.to_string()).as_deref(),
        Some("0.6667")
    );

    let plans: Vec<&str> = a.by_plan.iter().map(|r| r.plan.as_str()).collect();
    assert_eq!(plans, ["free", "pro", "euro", "team"], "by priority");
    let free = plan_row(&a.by_plan, "free");
    assert_eq!(
        (free.customers, free.active, free.trialing),
        (3, 0, 0),
        "a b e"
    );
    assert!(free.mrr.is_empty());
    let pro = plan_row(&a.by_plan, "pro");
    assert_eq!(
        (pro.customers, pro.active, pro.trialing, pro.mrr.clone()),
        (5, 2, 2, vec![usd(6_000)]),
        "c d active, j k trialing, g locked"
    );
    let team = plan_row(&a.by_plan, "team");
    assert_eq!(
        (team.customers, team.active, team.mrr.clone()),
        (1, 1, vec![usd(9_000)])
    );
    let euro = plan_row(&a.by_plan, "euro");
    assert_eq!(
        (euro.customers, euro.active, euro.mrr.clone()),
        (1, 1, vec![eur(84)])
    );

    // The JSON the server answers: rates are strings with four places.
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["churn"]["rate"], "0.4000");
    assert_eq!(
        json["mrr"][1],
        serde_json::json!({"minor": 15000, "currency": "USD"})
    );
    let back: tollgate_engine::Analytics = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
}

#[tokio::test]
async fn analytics_of_a_new_installation_have_no_rates() {
    let h = harness().await;
    h.customer("acme").await;
    let a = h.engine.analytics().await.unwrap();
    assert_eq!((a.customers, a.active), (1, 0));
    assert!(a.mrr.is_empty());
    for rate in [&a.churn, &a.upgrade_conversion, &a.paid_upgrades] {
        assert_eq!(rate.rate, None, "nobody existed at the window start");
    }
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["churn"]["rate"], serde_json::Value::Null);
    let plans: Vec<&str> = a.by_plan.iter().map(|r| r.plan.as_str()).collect();
    assert_eq!(plans, ["free", "pro", "team"]);
}

fn summary<'a>(list: &'a [CustomerSummary], id: &str) -> &'a CustomerSummary {
    list.iter().find(|s| s.customer.id.as_str() == id).unwrap()
}

#[tokio::test]
async fn tenants_show_plan_subscription_mrr_lock_and_usage() {
    let h = two_months_of_tenants().await;
    let list = h.engine.customer_summaries().await.unwrap();
    let ids: Vec<&str> = list.iter().map(|s| s.customer.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e", "f", "g", "j", "k", "m"]);
    assert!(
        list.iter()
            .all(|s| s.customer.status == CustomerStatus::Active)
    );

    let c = summary(&list, "c");
    assert_eq!(c.plan, Some(pc("pro")));
    assert_eq!(
        (c.status, c.interval, c.mrr, c.locked),
        (
            Some(SubscriptionStatus::Active),
            Some(Interval::Month),
            usd(3_000),
            false
        )
    );
    let features: Vec<&str> = c.usage.iter().map(|u| u.feature.as_str()).collect();
    assert_eq!(
        features,
        ["api_calls", "ai_queries", "ai_tokens", "storage_bytes"]
    );
    let calls = &c.usage[0];
    assert_eq!(
        (calls.used, calls.limit, calls.percent, calls.state),
        (250, Some(1000), Some(25), QuotaState::Ok)
    );
    let bytes = &c.usage[3];
    assert_eq!(
        (bytes.used, bytes.limit, bytes.percent, bytes.state),
        (9000, Some(10_000), Some(90), QuotaState::Approaching)
    );
    assert_eq!(c.usage[2].limit, None, "unlimited tokens");

    let e = summary(&list, "e");
    assert_eq!(
        (e.plan.clone(), e.status, e.interval),
        (Some(pc("free")), None, None)
    );
    assert_eq!(e.mrr, usd(0));
    let features: Vec<&str> = e.usage.iter().map(|u| u.feature.as_str()).collect();
    assert_eq!(
        features,
        ["api_calls", "storage_bytes"],
        "not included: left out"
    );
    assert_eq!(
        (e.usage[0].used, e.usage[0].state),
        (100, QuotaState::AtLimit)
    );

    let g = summary(&list, "g");
    assert_eq!(
        (g.plan.clone(), g.status, g.mrr, g.locked),
        (
            Some(pc("pro")),
            Some(SubscriptionStatus::Locked),
            usd(0),
            true
        )
    );
    let a = summary(&list, "a");
    assert_eq!(
        (a.plan.clone(), a.status, a.mrr),
        (Some(pc("free")), Some(SubscriptionStatus::Canceled), usd(0)),
        "canceled: back on the free plan"
    );
    for trialing in ["j", "k"] {
        let s = summary(&list, trialing);
        assert_eq!(
            (s.status, s.mrr),
            (Some(SubscriptionStatus::Trialing), usd(0))
        );
    }
    assert_eq!(summary(&list, "f").mrr, usd(9_000));
    let m = summary(&list, "m");
    assert_eq!(
        (m.plan.clone(), m.interval, m.mrr),
        (
            Some(PlanCode::parse("euro").unwrap()),
            Some(Interval::Year),
            eur(84)
        ),
        "1014 / 12 = 84.5, half-even"
    );

    // The admin list's revenue adds up to the analytics'.
    let mut usd_total = 0;
    for s in &list {
        if s.mrr.currency == Currency::USD {
            usd_total += s.mrr.minor;
        }
    }
    assert_eq!(usd_total, 15_000);
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(json["status"], "active");
    assert_eq!(json["usage"][0]["state"], "ok");
}
