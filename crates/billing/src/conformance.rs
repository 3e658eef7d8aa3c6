//! The conformance suite of the billing repositories: every adapter (memory, SQL, …) runs the
//! same functions. Each check uses fresh, unique customer ids, so a shared database works; the
//! functions panic with a message naming the broken rule. Timestamps are whole seconds.

use crate::{
    BillingStoreError, Customer, CustomerRepository, Invoice, InvoiceLine, InvoiceRepository,
    InvoiceStatus, Subscription, SubscriptionRepository, Transition,
};
use chrono::{TimeDelta, TimeZone, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp, new_id};

fn ok<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {e:?}"),
    }
}

fn base() -> Timestamp {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn fresh_customer() -> CustomerId {
    ok(CustomerId::parse(new_id("conf")), "a fresh customer id")
}

fn plan(code: &str) -> PlanCode {
    ok(PlanCode::parse(code), "a plan code")
}

fn active(customer: CustomerId, period_days: i64) -> Subscription {
    let period = ok(
        Period::new(base(), base() + TimeDelta::days(period_days)),
        "a period",
    );
    Subscription::active(
        customer,
        plan("pro"),
        Interval::Month,
        Currency::USD,
        period,
        base(),
    )
}

/// Insert is idempotent on id (the stored one wins), get/list/update behave.
pub async fn customers(repo: Arc<dyn CustomerRepository>) {
    let mut c = Customer::new(fresh_customer(), "Acme", Currency::USD, base());
    c.email = Some("billing@acme.test".into());
    assert_eq!(
        ok(repo.insert(&c).await, "insert"),
        c,
        "insert answers the stored customer"
    );
    let again = Customer {
        name: "Other".into(),
        ..c.clone()
    };
    assert_eq!(
        ok(repo.insert(&again).await, "second insert"),
        c,
        "a second insert with the same id answers the existing customer unchanged"
    );
    assert_eq!(ok(repo.get(&c.id).await, "get"), Some(c.clone()));
    assert_eq!(ok(repo.get(&fresh_customer()).await, "get unknown"), None);
    assert!(
        ok(repo.list().await, "list").contains(&c),
        "list has the customer"
    );

    let provider_id = format!("cus_{}", c.id);
    assert_eq!(
        ok(
            repo.find_by_provider_customer(&provider_id).await,
            "find before link"
        ),
        None
    );
    let updated = Customer {
        provider_customer_id: Some(provider_id.clone()),
        ..c.clone()
    };
    ok(repo.update(&updated).await, "update");
    assert_eq!(
        ok(repo.get(&c.id).await, "get after update"),
        Some(updated.clone())
    );
    assert_eq!(
        ok(
            repo.find_by_provider_customer(&provider_id).await,
            "find by provider id"
        ),
        Some(updated),
        "the provider's customer id finds the customer it was linked to"
    );
    let unknown = Customer::new(fresh_customer(), "Nobody", Currency::EUR, base());
    assert!(
        matches!(
            repo.update(&unknown).await,
            Err(BillingStoreError::NotFound(_))
        ),
        "updating an unknown customer is NotFound"
    );
}

/// Insert, optimistic save, due_before, find_by_provider_id, list.
pub async fn subscriptions(repo: Arc<dyn SubscriptionRepository>) {
    let s = active(fresh_customer(), 30);
    ok(repo.save(&s, None).await, "insert");
    assert!(
        matches!(
            repo.save(&s, None).await,
            Err(BillingStoreError::Conflict(_))
        ),
        "inserting a second subscription for a customer is a Conflict"
    );
    assert_eq!(
        ok(repo.get(&s.customer).await, "get"),
        Some(s.clone()),
        "stored as given"
    );

    let failed = ok(s.apply(Transition::PaymentFailed, base()), "payment_failed");
    ok(
        repo.save(&failed, Some(s.version)).await,
        "save over the read version",
    );
    let stale = ok(
        s.apply(
            Transition::Cancel {
                at_period_end: true,
            },
            base(),
        ),
        "cancel",
    );
    assert!(
        matches!(
            repo.save(&stale, Some(s.version)).await,
            Err(BillingStoreError::Conflict(_))
        ),
        "saving over a version that moved on is a Conflict"
    );
    assert_eq!(
        ok(repo.get(&s.customer).await, "get after conflict"),
        Some(failed.clone())
    );
    let orphan = active(fresh_customer(), 30);
    assert!(
        matches!(
            repo.save(&orphan, Some(1)).await,
            Err(BillingStoreError::NotFound(_))
        ),
        "an update of a subscription never inserted is NotFound"
    );

    // Due jobs: `failed` (grace ends base+3d), a trial ending at base+5d, an active period
    // ending at base+10d, a canceled one (no jobs).
    let trial = ok(
        Subscription::trial(
            fresh_customer(),
            plan("pro"),
            Interval::Month,
            Currency::USD,
            5,
            base(),
        ),
        "trial",
    );
    let later = active(fresh_customer(), 10);
    let canceled = ok(
        active(fresh_customer(), 1).apply(
            Transition::Cancel {
                at_period_end: false,
            },
            base(),
        ),
        "cancel now",
    );
    for x in [&trial, &later, &canceled] {
        ok(repo.save(x, None).await, "insert");
    }
    let ours = |list: Vec<Subscription>| -> Vec<CustomerId> {
        let mine = [&failed, &trial, &later, &canceled].map(|x| x.customer.clone());
        list.into_iter()
            .map(|x| x.customer)
            .filter(|c| mine.contains(c))
            .collect()
    };
    let at = |days| base() + TimeDelta::days(days);
    assert_eq!(
        ours(ok(repo.due_before(at(4)).await, "due_before")),
        vec![failed.customer.clone()],
        "due_before(base+4d) is only the grace expiry"
    );
    assert_eq!(
        ours(ok(repo.due_before(at(5)).await, "due_before")),
        [failed.customer.clone(), trial.customer.clone()],
        "due_before includes a job exactly at the instant, earliest first"
    );
    assert_eq!(
        ours(ok(repo.due_before(at(400)).await, "due_before")),
        [
            failed.customer.clone(),
            trial.customer.clone(),
            later.customer.clone()
        ],
        "canceled subscriptions are never due"
    );

    let provider_id = new_id("sub");
    let linked = ok(
        later.apply(
            Transition::LinkProvider {
                customer_id: None,
                subscription_id: Some(provider_id.clone()),
            },
            base(),
        ),
        "link",
    );
    ok(repo.save(&linked, Some(later.version)).await, "save linked");
    assert_eq!(
        ok(repo.find_by_provider_id(&provider_id).await, "find"),
        Some(linked),
        "found by the provider's subscription id"
    );
    assert_eq!(
        ok(
            repo.find_by_provider_id(&new_id("sub")).await,
            "find unknown"
        ),
        None
    );
    assert_eq!(
        ours(ok(repo.list().await, "list")).len(),
        4,
        "list has every subscription"
    );
}

/// N writers save over the same read version at once: exactly one wins.
pub async fn concurrent_saves(repo: Arc<dyn SubscriptionRepository>) {
    let s = active(fresh_customer(), 30);
    ok(repo.save(&s, None).await, "insert");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let repo = Arc::clone(&repo);
        let next = ok(
            s.apply(
                Transition::Cancel {
                    at_period_end: i % 2 == 0,
                },
                base(),
            ),
            "cancel",
        );
        let expected = s.version;
        tasks.spawn(async move { repo.save(&next, Some(expected)).await });
    }
    let (mut won, mut conflicts) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match ok(joined, "join") {
            Ok(()) => won += 1,
            Err(BillingStoreError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("a concurrent save failed unexpectedly: {e:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, 7), "exactly one concurrent save wins");
    let stored = ok(repo.get(&s.customer).await, "get");
    assert_eq!(stored.map(|x| x.version), Some(s.version + 1));
}

fn invoice(customer: &CustomerId, id: &str, hours: i64, status: InvoiceStatus) -> Invoice {
    Invoice {
        id: id.to_owned(),
        customer: customer.clone(),
        number: Some(format!("N-{hours}")),
        status,
        currency: Currency::USD,
        amount_due: 4_900,
        amount_paid: 0,
        period: Period::new(base(), base() + TimeDelta::days(30)).ok(),
        lines: vec![InvoiceLine {
            description: "Pro".into(),
            amount_minor: 4_900,
            quantity: 1,
            proration: false,
            period: None,
        }],
        hosted_url: None,
        provider_invoice_id: Some(format!("in_{id}")),
        created_at: base() + TimeDelta::hours(hours),
    }
}

/// Upsert replaces by id; list is the customer's own, newest first.
pub async fn invoices(repo: Arc<dyn InvoiceRepository>) {
    let (me, other) = (fresh_customer(), fresh_customer());
    let ids: Vec<String> = (0..3).map(|_| new_id("inv")).collect();
    for (i, hours) in [(0, 2), (1, 1), (2, 3)] {
        ok(
            repo.upsert(&invoice(&me, &ids[i], hours, InvoiceStatus::Open))
                .await,
            "upsert",
        );
    }
    ok(
        repo.upsert(&invoice(&other, &new_id("inv"), 9, InvoiceStatus::Open))
            .await,
        "upsert",
    );
    let listed = ok(repo.list(&me).await, "list");
    let order: Vec<&str> = listed.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        order,
        [&ids[2], &ids[0], &ids[1]],
        "newest first, own invoices only"
    );

    let mut paid = invoice(&me, &ids[0], 2, InvoiceStatus::Paid);
    paid.amount_paid = 4_900;
    ok(repo.upsert(&paid).await, "upsert again");
    let listed = ok(repo.list(&me).await, "list after upsert");
    assert_eq!(listed.len(), 3, "an upsert of the same id replaces it");
    assert_eq!(listed[1], paid, "the replacement is stored whole");
    assert!(ok(repo.list(&fresh_customer()).await, "list unknown").is_empty());
}
