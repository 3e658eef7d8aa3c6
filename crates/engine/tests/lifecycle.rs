//! The subscription lifecycle driven by the clock, and billing events that arrive twice, late
//! or out of order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tollgate_billing::{BillingEvent, BillingEventKind, SubscriptionStatus};
use tollgate_engine::{
    ApplyOutcome, ChangeKind, EngineError, EventStatus, StartCheckout, WebhookQuery,
};
use tollgate_kernel::{Decimal, Interval};

#[tokio::test]
async fn trial_checkout_upgrade_downgrade_renewal_failure_grace_lock_and_recovery() {
    let h = harness().await;
    let acme = cid("acme");
    h.customer("acme").await;

    // Trial without a card: Pro for 14 days, start grant credited once.
    let trial = h
        .engine
        .start_trial(&acme, &pc("pro"), &h.caller)
        .await
        .unwrap();
    assert_eq!(trial.status, SubscriptionStatus::Trialing);
    assert_eq!(trial.trial_end, Some(t("2026-11-24T12:00:00Z")));
    let wallet = h.engine.wallet(&acme).await.unwrap();
    assert_eq!(wallet.balances[0].amount, Decimal::new(500, 2));
    assert!(
        h.engine
            .check(&acme, &fc("analytics"), 0)
            .await
            .unwrap()
            .allowed
    );

    // Checkout during the trial converts it to a paid Pro subscription now.
    let session = h
        .engine
        .checkout(
            &acme,
            &StartCheckout {
                plan: pc("pro"),
                interval: Interval::Month,
                success_url: "https://a.test/ok".into(),
                cancel_url: "https://a.test/no".into(),
            },
            "c1",
            &h.caller,
        )
        .await
        .unwrap();
    assert!(
        session
            .url
            .ends_with(&format!("/fake-billing/checkout/{}", session.id))
    );
    h.pay(&session.id).await;
    let sub = h.engine.subscription(&acme).await.unwrap();
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.current_period.start, t("2026-11-10T12:00:00Z"));
    assert_eq!(sub.current_period.end, t("2026-12-10T12:00:00Z"));

    // Ten days in, upgrade to Team: prorated now, exactly as the preview said.
    h.clock.set(t("2026-11-20T12:00:00Z"));
    let preview = h
        .engine
        .preview_change(&acme, &pc("team"), None)
        .await
        .unwrap();
    assert_eq!(preview.kind, ChangeKind::Upgrade);
    let p = preview.proration.unwrap();
    assert_eq!(p.unused_credit.minor, -2000); // 20 of 30 days of 30.00
    assert_eq!(p.remaining_charge.minor, 6000); // 20 of 30 days of 90.00
    assert_eq!(preview.amount_due_now.minor, 4000);
    let up = h
        .engine
        .change_plan(&acme, &pc("team"), None, "u1", &h.caller)
        .await
        .unwrap();
    assert_eq!(up.plan.as_str(), "team");
    let invoices = h.engine.deps().invoices.list(&acme).await.unwrap();
    assert_eq!(
        invoices[0].amount_due, 4000,
        "the invoice matches the preview"
    );
    assert_eq!(
        h.engine
            .check(&acme, &fc("api_calls"), 1)
            .await
            .unwrap()
            .limit,
        Some(5000)
    );
    // the upgrade grant (10.00) lands once, even though the provider's event also reports it
    let balance = h.engine.wallet(&acme).await.unwrap().balances[0].amount;
    assert_eq!(balance, Decimal::new(1500, 2));

    // Downgrade back to Pro: scheduled for the period end, nothing changes now.
    let down = h
        .engine
        .change_plan(&acme, &pc("pro"), None, "d1", &h.caller)
        .await
        .unwrap();
    assert_eq!(down.plan.as_str(), "team");
    let scheduled = down.scheduled_change.clone().unwrap();
    assert_eq!(
        (scheduled.plan.as_str(), scheduled.at),
        ("pro", t("2026-12-10T12:00:00Z"))
    );

    // The clock passes the renewal: the downgrade applies and the renewal is paid.
    let report = h
        .engine
        .advance_clock(30 * 24 * 3600, &h.caller)
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let renewed = h.engine.subscription(&acme).await.unwrap();
    assert_eq!(renewed.plan.as_str(), "pro");
    assert_eq!(renewed.status, SubscriptionStatus::Active);
    assert_eq!(renewed.current_period.start, t("2026-12-10T12:00:00Z"));
    assert!(renewed.scheduled_change.is_none());

    // The card starts failing; the next renewal fails: past_due with a 3-day grace.
    let now = h.clock_now();
    h.fake.set_payment_method(&acme, true, now);
    let secs = (t("2027-01-10T12:00:00Z") - now).num_seconds();
    h.engine.advance_clock(secs, &h.caller).await.unwrap();
    let past_due = h.engine.subscription(&acme).await.unwrap();
    assert_eq!(past_due.status, SubscriptionStatus::PastDue);
    assert_eq!(past_due.grace_ends_at, Some(t("2027-01-13T12:00:00Z")));
    // still usable during grace
    h.engine
        .record_usage(usage("acme", "api_calls", 1, "grace"), &h.caller)
        .await
        .unwrap();

    // Grace runs out: locked, read-only.
    h.engine
        .advance_clock(3 * 24 * 3600, &h.caller)
        .await
        .unwrap();
    assert_eq!(
        h.engine.subscription(&acme).await.unwrap().status,
        SubscriptionStatus::Locked
    );
    assert!(matches!(
        h.engine
            .record_usage(usage("acme", "api_calls", 1, "locked"), &h.caller)
            .await,
        Err(EngineError::AccountLocked)
    ));
    let check = h.engine.check(&acme, &fc("api_calls"), 1).await.unwrap();
    assert!(!check.allowed);
    assert_eq!(check.reason.as_deref(), Some("account_locked"));
    assert!(
        h.engine.entitlements(&acme).await.is_ok(),
        "reads still work"
    );

    // Fixing the card pays the open invoice: active again, usable again.
    let events = h.fake.set_payment_method(&acme, false, h.clock_now());
    assert!(!events.is_empty());
    for e in events {
        assert_eq!(
            h.engine.receive_billing_event(&e, &h.caller).await.unwrap(),
            ApplyOutcome::Processed
        );
    }
    let recovered = h.engine.subscription(&acme).await.unwrap();
    assert_eq!(recovered.status, SubscriptionStatus::Active);
    assert_eq!(recovered.grace_ends_at, None);
    h.engine
        .record_usage(usage("acme", "api_calls", 1, "back"), &h.caller)
        .await
        .unwrap();

    // Every change is in the journal.
    let journal = h
        .engine
        .deps()
        .audit
        .list(&Default::default())
        .await
        .unwrap();
    for action in [
        "subscription.trial_started",
        "subscription.activated",
        "subscription.upgraded",
        "subscription.downgrade_scheduled",
        "subscription.locked",
        "wallet.granted",
        "invoice.recorded",
    ] {
        assert!(
            journal.iter().any(|e| e.action == action),
            "no {action} in the journal"
        );
    }
}

#[tokio::test]
async fn a_trial_without_payment_expires_to_the_free_plan() {
    let h = harness().await;
    let acme = cid("acme");
    h.customer("acme").await;
    h.engine
        .start_trial(&acme, &pc("pro"), &h.caller)
        .await
        .unwrap();
    assert_eq!(
        h.engine
            .check(&acme, &fc("api_calls"), 1)
            .await
            .unwrap()
            .limit,
        Some(1000)
    );
    h.engine
        .advance_clock(15 * 24 * 3600, &h.caller)
        .await
        .unwrap();
    assert_eq!(
        h.engine.subscription(&acme).await.unwrap().status,
        SubscriptionStatus::Canceled
    );
    assert_eq!(
        h.engine
            .check(&acme, &fc("api_calls"), 1)
            .await
            .unwrap()
            .limit,
        Some(100)
    );
    assert!(
        matches!(
            h.engine.start_trial(&acme, &pc("team"), &h.caller).await,
            Err(EngineError::Invalid(_))
        ),
        "team has no trial"
    );
}

#[tokio::test]
async fn cancel_at_period_end_reactivate_and_cancel() {
    let h = harness().await;
    let acme = cid("acme");
    h.subscribed("acme", "team").await;
    let c = h
        .engine
        .cancel_subscription(&acme, true, &h.caller)
        .await
        .unwrap();
    assert!(c.cancel_at_period_end);
    assert_eq!(c.status, SubscriptionStatus::Active);
    let r = h.engine.reactivate(&acme, &h.caller).await.unwrap();
    assert!(!r.cancel_at_period_end);
    assert!(matches!(
        h.engine.reactivate(&acme, &h.caller).await,
        Err(EngineError::Conflict(_))
    ));
    h.engine
        .cancel_subscription(&acme, true, &h.caller)
        .await
        .unwrap();
    h.engine
        .advance_clock(31 * 24 * 3600, &h.caller)
        .await
        .unwrap();
    assert_eq!(
        h.engine.subscription(&acme).await.unwrap().status,
        SubscriptionStatus::Canceled
    );
    // back on the free plan
    assert_eq!(
        h.engine
            .check(&acme, &fc("api_calls"), 1)
            .await
            .unwrap()
            .limit,
        Some(100)
    );
}

#[tokio::test]
async fn renewals_grant_credits_once_per_period() {
    let h = harness().await;
    let acme = cid("acme");
    h.customer("acme").await;
    h.engine
        .start_trial(&acme, &pc("pro"), &h.caller)
        .await
        .unwrap();
    let s = h
        .engine
        .checkout(
            &acme,
            &StartCheckout {
                plan: pc("pro"),
                interval: Interval::Month,
                success_url: "https://a.test/ok".into(),
                cancel_url: "https://a.test/no".into(),
            },
            "c",
            &h.caller,
        )
        .await
        .unwrap();
    h.pay(&s.id).await;
    // two renewals: +2.00 each (start grant 5.00 from the trial)
    h.engine
        .advance_clock(61 * 24 * 3600, &h.caller)
        .await
        .unwrap();
    let wallet = h.engine.wallet(&acme).await.unwrap();
    assert_eq!(wallet.balances[0].amount, Decimal::new(900, 2));
    // replaying every logged event changes nothing
    for rec in h
        .engine
        .billing_events(&WebhookQuery::default())
        .await
        .unwrap()
    {
        h.engine
            .process_billing_event(&rec.provider, &rec.event_id, true, &h.caller)
            .await
            .unwrap();
    }
    assert_eq!(
        h.engine.wallet(&acme).await.unwrap().balances[0].amount,
        Decimal::new(900, 2)
    );
}

fn updated(
    customer: &str,
    id: &str,
    at: &str,
    status: SubscriptionStatus,
    plan: &str,
    cancel: bool,
) -> BillingEvent {
    let period =
        tollgate_kernel::Period::new(t("2026-11-10T12:00:00Z"), t("2026-12-10T12:00:00Z")).unwrap();
    BillingEvent {
        id: id.into(),
        provider: "fake".into(),
        occurred_at: t(at),
        kind: BillingEventKind::SubscriptionUpdated {
            provider_customer_id: None,
            started: false,
            customer: cid(customer),
            provider_subscription_id: Some("fsub_x".into()),
            plan: Some(pc(plan)),
            interval: Some(Interval::Month),
            status,
            period: Some(period),
            trial_end: None,
            cancel_at_period_end: cancel,
            provider_updated_at: t(at),
        },
    }
}

/// `e` about the provider subscription the customer actually has.
async fn about_current(h: &Harness, mut e: BillingEvent) -> BillingEvent {
    let current = h
        .engine
        .subscription(e.customer())
        .await
        .unwrap()
        .provider_subscription_id;
    if let BillingEventKind::SubscriptionUpdated {
        provider_subscription_id,
        ..
    } = &mut e.kind
    {
        *provider_subscription_id = current;
    }
    e
}

#[tokio::test]
async fn duplicated_and_shuffled_events_converge_to_the_in_order_state() {
    let events = [
        updated(
            "acme",
            "e1",
            "2026-11-10T13:00:00Z",
            SubscriptionStatus::Active,
            "team",
            false,
        ),
        updated(
            "acme",
            "e2",
            "2026-11-11T13:00:00Z",
            SubscriptionStatus::Active,
            "team",
            true,
        ),
        updated(
            "acme",
            "e3",
            "2026-11-12T13:00:00Z",
            SubscriptionStatus::PastDue,
            "team",
            true,
        ),
        updated(
            "acme",
            "e4",
            "2026-11-13T13:00:00Z",
            SubscriptionStatus::Active,
            "pro",
            false,
        ),
    ];
    let orders: Vec<Vec<usize>> = vec![
        vec![0, 1, 2, 3],
        vec![3, 2, 1, 0],
        vec![2, 0, 3, 1, 3, 0],
        vec![1, 1, 3, 3, 0, 2, 2],
    ];
    let mut finals = Vec::new();
    for order in orders {
        let h = harness().await;
        h.subscribed("acme", "team").await;
        for i in order {
            let e = about_current(&h, events[i].clone()).await;
            h.engine.receive_billing_event(&e, &h.caller).await.unwrap();
        }
        let s = h.engine.subscription(&cid("acme")).await.unwrap();
        finals.push((s.plan, s.status, s.cancel_at_period_end));
    }
    assert_eq!(finals[0], (pc("pro"), SubscriptionStatus::Active, false));
    assert!(finals.iter().all(|f| f == &finals[0]), "{finals:?}");
}

#[tokio::test]
async fn the_same_event_a_hundred_times_has_one_effect_and_failures_are_replayable() {
    let h = harness().await;
    h.subscribed("acme", "team").await;
    let e = updated(
        "acme",
        "e-once",
        "2026-11-11T00:00:00Z",
        SubscriptionStatus::Active,
        "team",
        true,
    );
    let e = about_current(&h, e).await;
    let mut processed = 0;
    for _ in 0..100 {
        if h.engine.receive_billing_event(&e, &h.caller).await.unwrap() == ApplyOutcome::Processed {
            processed += 1;
        }
    }
    assert_eq!(processed, 1);
    let synced = h
        .engine
        .deps()
        .audit
        .list(&tollgate_engine::AuditQuery {
            action: Some("subscription.synced".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(synced.len(), 1);

    // An event for a plan the catalog lacks fails, stays `failed`, and replays once fixed.
    let bad = updated(
        "acme",
        "e-bad",
        "2026-11-12T00:00:00Z",
        SubscriptionStatus::Active,
        "gold",
        false,
    );
    let bad = about_current(&h, bad).await;
    assert!(matches!(
        h.engine
            .receive_billing_event(&bad, &h.caller)
            .await
            .unwrap(),
        ApplyOutcome::Failed(_)
    ));
    let failed = h
        .engine
        .billing_events(&WebhookQuery {
            status: Some(EventStatus::Failed),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].error.is_some());
    let mut gold: tollgate_plans::Plan = h
        .engine
        .all_plans()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code.as_str() == "team")
        .unwrap();
    gold.code = pc("gold");
    gold.priority = 30;
    h.engine.create_plan(gold, &h.caller).await.unwrap();
    assert_eq!(
        h.engine
            .process_billing_event("fake", "e-bad", true, &h.caller)
            .await
            .unwrap(),
        ApplyOutcome::Processed
    );
    assert_eq!(
        h.engine
            .subscription(&cid("acme"))
            .await
            .unwrap()
            .plan
            .as_str(),
        "gold"
    );
}
