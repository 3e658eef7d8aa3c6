//! The whole lifecycle through the public API, the way the engine drives it: jobs come from
//! `due_jobs`, payments from the provider.
//! trial → active → renewal → failed → past_due (3-day grace) → locked → payment → active.

// A test binary: its helpers may panic like the tests they serve.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use tollgate_billing::memory::MemorySubscriptions;
use tollgate_billing::{
    DueJob, GRACE_PERIOD, Subscription, SubscriptionRepository, SubscriptionStatus, Transition,
};
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp};

fn ts(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Saves `next` over the version `s` was read at, and answers it.
async fn step(
    repo: &Arc<dyn SubscriptionRepository>,
    s: &Subscription,
    t: Transition,
    now: Timestamp,
) -> Subscription {
    let next = s.apply(t, now).unwrap();
    repo.save(&next, Some(s.version)).await.unwrap();
    assert_eq!(repo.get(&s.customer).await.unwrap().as_ref(), Some(&next));
    next
}

#[tokio::test]
async fn trial_to_locked_and_back() {
    let repo: Arc<dyn SubscriptionRepository> = Arc::new(MemorySubscriptions::new());
    let start = ts("2027-01-31T09:00:00Z");
    let s = Subscription::trial(
        CustomerId::parse("acme").unwrap(),
        PlanCode::parse("pro").unwrap(),
        Interval::Month,
        Currency::USD,
        14,
        start,
    )
    .unwrap();
    repo.save(&s, None).await.unwrap();
    assert!(s.status.grants_access());

    // Day 14: the trial job is due and the card on file converts it.
    let trial_end = ts("2027-02-14T09:00:00Z");
    assert!(
        repo.due_before(trial_end - TimeDelta::seconds(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(repo.due_before(trial_end).await.unwrap(), vec![s.clone()]);
    assert_eq!(s.due_jobs(trial_end), [(trial_end, DueJob::TrialEnd)]);
    let s = step(
        &repo,
        &s,
        Transition::TrialEnded { converted: true },
        trial_end,
    )
    .await;
    assert_eq!(s.status, SubscriptionStatus::Active);
    assert_eq!(
        s.current_period,
        Period::new(trial_end, ts("2027-03-14T09:00:00Z")).unwrap()
    );

    // First renewal: the period ends, rolls over, and the renewal is paid.
    let renew_at = s.current_period.end;
    assert_eq!(s.due_jobs(renew_at), [(renew_at, DueJob::PeriodEnd)]);
    let next = s.next_period();
    let s = step(&repo, &s, Transition::PeriodEnded { next }, renew_at).await;
    let s = step(
        &repo,
        &s,
        Transition::PaymentSucceeded { period: Some(next) },
        renew_at,
    )
    .await;
    assert_eq!(
        (s.status, s.current_period.end),
        (SubscriptionStatus::Active, ts("2027-04-14T09:00:00Z"))
    );

    // Second renewal fails: past_due with a 3-day grace, still full access.
    let fail_at = s.current_period.end;
    let next = s.next_period();
    let s = step(&repo, &s, Transition::PeriodEnded { next }, fail_at).await;
    let s = step(&repo, &s, Transition::PaymentFailed, fail_at).await;
    assert_eq!(s.status, SubscriptionStatus::PastDue);
    assert_eq!(s.grace_ends_at, Some(fail_at + GRACE_PERIOD));
    assert_eq!(s.grace_ends_at, Some(ts("2027-04-17T09:00:00Z")));
    assert!(s.status.grants_access());
    assert!(s.due_jobs(fail_at + TimeDelta::days(2)).is_empty());
    assert!(
        s.apply(Transition::GraceExpired, fail_at + TimeDelta::days(2))
            .is_err()
    );

    // Grace runs out: locked, read-only.
    let lock_at = fail_at + GRACE_PERIOD;
    assert_eq!(s.next_due_at(), Some(lock_at));
    assert_eq!(repo.due_before(lock_at).await.unwrap().len(), 1);
    assert_eq!(s.due_jobs(lock_at), [(lock_at, DueJob::GraceExpiry)]);
    let s = step(&repo, &s, Transition::GraceExpired, lock_at).await;
    assert_eq!(s.status, SubscriptionStatus::Locked);
    assert!(!s.status.grants_access());
    assert!(s.status.is_read_only());
    assert_eq!(s.due_jobs(lock_at + TimeDelta::days(1)), []);

    // The customer pays: active again, grace gone, same period.
    let period = s.current_period;
    let s = step(
        &repo,
        &s,
        Transition::PaymentSucceeded { period: None },
        lock_at + TimeDelta::days(2),
    )
    .await;
    assert_eq!(
        (s.status, s.grace_ends_at, s.current_period),
        (SubscriptionStatus::Active, None, period)
    );
    assert_eq!(s.next_due_at(), Some(period.end));
    assert_eq!(s.version, 8, "one version per change, from 1");

    // A stale writer (read before the payment) loses.
    let stale = s.clone();
    let _fresh = step(
        &repo,
        &s,
        Transition::Cancel {
            at_period_end: true,
        },
        lock_at + TimeDelta::days(3),
    )
    .await;
    let lost = stale
        .apply(
            Transition::Cancel {
                at_period_end: false,
            },
            lock_at + TimeDelta::days(3),
        )
        .unwrap();
    assert!(repo.save(&lost, Some(stale.version)).await.is_err());
}
