use super::*;
use crate::DueJob;
use chrono::{DateTime, TimeDelta, Utc};
use tollgate_kernel::{Currency, CustomerId};

fn ts(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn t0() -> Timestamp {
    ts("2026-11-01T00:00:00Z")
}

fn day(n: i64) -> Timestamp {
    t0() + TimeDelta::days(n)
}

fn plan(code: &str) -> PlanCode {
    PlanCode::parse(code).unwrap()
}

fn acme() -> CustomerId {
    CustomerId::parse("acme").unwrap()
}

fn month_from(at: Timestamp) -> Period {
    Period::months_from(at, 1)
}

fn incomplete() -> Subscription {
    Subscription::incomplete(acme(), plan("pro"), Interval::Month, Currency::USD, t0())
}

fn trialing() -> Subscription {
    Subscription::trial(
        acme(),
        plan("pro"),
        Interval::Month,
        Currency::USD,
        14,
        t0(),
    )
    .unwrap()
}

fn active() -> Subscription {
    Subscription::active(
        acme(),
        plan("pro"),
        Interval::Month,
        Currency::USD,
        month_from(t0()),
        t0(),
    )
}

fn past_due() -> Subscription {
    active().apply(Transition::PaymentFailed, day(1)).unwrap()
}

fn locked() -> Subscription {
    past_due().apply(Transition::GraceExpired, day(4)).unwrap()
}

fn canceled() -> Subscription {
    active()
        .apply(
            Transition::Cancel {
                at_period_end: false,
            },
            day(1),
        )
        .unwrap()
}

fn all() -> Vec<Subscription> {
    vec![
        incomplete(),
        trialing(),
        active(),
        past_due(),
        locked(),
        canceled(),
    ]
}

fn snapshot(status: SubscriptionStatus, at: Timestamp) -> ProviderSnapshot {
    ProviderSnapshot {
        status,
        plan: None,
        interval: None,
        period: None,
        trial_end: None,
        cancel_at_period_end: false,
        canceled_at: None,
        provider_subscription_id: Some("sub_1".into()),
        provider_updated_at: at,
    }
}

type Case = (
    fn(&Subscription) -> (Transition, Timestamp),
    &'static [SubscriptionStatus],
);

/// Every transition from every status: allowed ones bump the version, the others are
/// `NotAllowed` naming the status and the transition.
#[test]
fn transition_matrix() {
    let cases: Vec<Case> = vec![
        (
            |_| {
                (
                    Transition::BeginCheckout {
                        plan: plan("hobby"),
                        interval: Interval::Month,
                    },
                    day(2),
                )
            },
            &[Incomplete, Canceled],
        ),
        (
            |_| {
                (
                    Transition::StartTrial {
                        plan: plan("pro"),
                        interval: Interval::Month,
                        period: Period::new(day(2), day(16)).unwrap(),
                    },
                    day(2),
                )
            },
            &[Incomplete, Canceled],
        ),
        (
            |_| {
                (
                    Transition::Activate {
                        period: month_from(day(2)),
                    },
                    day(2),
                )
            },
            &[Incomplete, Trialing, Canceled],
        ),
        (
            |_| (Transition::TrialEnded { converted: true }, day(14)),
            &[Trialing],
        ),
        (
            |_| (Transition::PaymentSucceeded { period: None }, day(5)),
            &[Active, PastDue, Locked],
        ),
        (
            |s| {
                (
                    Transition::PaymentSucceeded {
                        period: Some(s.current_period),
                    },
                    day(5),
                )
            },
            &[Incomplete, Active, PastDue, Locked],
        ),
        (
            |_| (Transition::PaymentFailed, day(5)),
            &[Trialing, Active, PastDue, Locked],
        ),
        (|_| (Transition::GraceExpired, day(10)), &[PastDue]),
        (
            |_| {
                (
                    Transition::Cancel {
                        at_period_end: false,
                    },
                    day(5),
                )
            },
            &[Incomplete, Trialing, Active, PastDue, Locked],
        ),
        (
            |_| {
                (
                    Transition::Cancel {
                        at_period_end: true,
                    },
                    day(5),
                )
            },
            &[Trialing, Active, PastDue, Locked],
        ),
        (|_| (Transition::Reactivate, day(5)), &[]),
        (
            |s| {
                (
                    Transition::ScheduleChange(ScheduledChange {
                        plan: plan("hobby"),
                        interval: Interval::Month,
                        at: s.current_period.end,
                    }),
                    day(5),
                )
            },
            &[Trialing, Active, PastDue],
        ),
        (|_| (Transition::ClearScheduledChange, day(5)), &[]),
        (
            |_| {
                (
                    Transition::ChangePlanNow {
                        plan: plan("business"),
                        interval: Interval::Month,
                    },
                    day(5),
                )
            },
            &[Trialing, Active],
        ),
        (
            |s| {
                (
                    Transition::PeriodEnded {
                        next: month_from(s.current_period.end),
                    },
                    s.current_period.end,
                )
            },
            &[Active, PastDue, Locked],
        ),
        (
            |_| {
                (
                    Transition::SyncFromProvider(snapshot(Active, day(5))),
                    day(5),
                )
            },
            &[Incomplete, Trialing, Active, PastDue, Locked, Canceled],
        ),
        (
            |_| {
                (
                    Transition::LinkProvider {
                        customer_id: Some("cus_1".into()),
                        subscription_id: None,
                    },
                    day(5),
                )
            },
            &[Incomplete, Trialing, Active, PastDue, Locked, Canceled],
        ),
    ];
    let mut checked = 0;
    for (build, allowed) in cases {
        for s in all() {
            let (t, now) = build(&s);
            let name = t.name();
            match s.apply(t, now) {
                Ok(next) => {
                    assert!(
                        allowed.contains(&s.status),
                        "{name} from {} should be refused",
                        s.status
                    );
                    assert_eq!(next.version, s.version + 1, "{name} bumps the version");
                    assert_eq!(next.updated_at, now, "{name} stamps updated_at");
                }
                Err(TransitionError::NotAllowed {
                    from, transition, ..
                }) => {
                    assert!(
                        !allowed.contains(&s.status),
                        "{name} from {} should be allowed",
                        s.status
                    );
                    assert_eq!((from, transition), (s.status, name));
                }
                Err(other) => panic!("{name} from {}: unexpected {other}", s.status),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 17 * 6);
}

#[test]
fn trial_converts_into_a_paid_period_from_trial_end() {
    let s = trialing();
    let err = s
        .apply(Transition::TrialEnded { converted: true }, day(13))
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::NotDue {
            transition: "trial_ended",
            due_at: day(14)
        }
    );
    let next = s
        .apply(
            Transition::TrialEnded { converted: true },
            day(14) + TimeDelta::hours(1),
        )
        .unwrap();
    assert_eq!(next.status, Active);
    assert_eq!(next.current_period, month_from(day(14)));
    assert_eq!(
        next.trial_end,
        Some(day(14)),
        "trial_end is kept as history"
    );
}

#[test]
fn trial_without_payment_expires_into_canceled() {
    let next = trialing()
        .apply(Transition::TrialEnded { converted: false }, day(15))
        .unwrap();
    assert_eq!(next.status, Canceled);
    assert_eq!(next.canceled_at, Some(day(14)));
    assert_eq!(next.grace_ends_at, None, "no grace for a trial nobody paid");
    assert!(next.due_jobs(day(100)).is_empty());
}

#[test]
fn trial_end_honours_cancel_and_scheduled_changes() {
    let flagged = trialing()
        .apply(
            Transition::Cancel {
                at_period_end: true,
            },
            day(1),
        )
        .unwrap();
    let ended = flagged
        .apply(Transition::TrialEnded { converted: true }, day(14))
        .unwrap();
    assert_eq!((ended.status, ended.canceled_at), (Canceled, Some(day(14))));

    let change = ScheduledChange {
        plan: plan("team"),
        interval: Interval::Year,
        at: day(14),
    };
    let scheduled = trialing()
        .apply(Transition::ScheduleChange(change), day(1))
        .unwrap();
    assert_eq!(scheduled.next_period(), Period::months_from(day(14), 12));
    let converted = scheduled
        .apply(Transition::TrialEnded { converted: true }, day(14))
        .unwrap();
    assert_eq!(
        (converted.plan.as_str(), converted.interval),
        ("team", Interval::Year)
    );
    assert_eq!(converted.current_period, Period::months_from(day(14), 12));
    assert_eq!(converted.scheduled_change, None);
}

#[test]
fn failed_payment_starts_a_three_day_grace_that_retries_do_not_extend() {
    let s = past_due();
    assert_eq!(s.status, PastDue);
    assert_eq!(s.grace_ends_at, Some(day(4)));
    let retry = s.apply(Transition::PaymentFailed, day(2)).unwrap();
    assert_eq!((retry.status, retry.grace_ends_at), (PastDue, Some(day(4))));
    let err = s
        .apply(Transition::GraceExpired, day(4) - TimeDelta::seconds(1))
        .unwrap_err();
    assert!(matches!(err, TransitionError::NotDue { due_at, .. } if due_at == day(4)));
    let locked = s.apply(Transition::GraceExpired, day(4)).unwrap();
    assert_eq!(locked.status, Locked);
    assert!(locked.status.is_read_only());
    let still = locked.apply(Transition::PaymentFailed, day(6)).unwrap();
    assert_eq!(still.status, Locked, "a failed retry leaves it locked");
    let paid = locked
        .apply(Transition::PaymentSucceeded { period: None }, day(7))
        .unwrap();
    assert_eq!((paid.status, paid.grace_ends_at), (Active, None));
    assert_eq!(paid.current_period, s.current_period);
}

#[test]
fn failed_conversion_moves_past_the_trial() {
    let s = trialing()
        .apply(Transition::PaymentFailed, day(14))
        .unwrap();
    assert_eq!(s.status, PastDue);
    assert_eq!(s.current_period, month_from(day(14)));
    assert_eq!(s.grace_ends_at, Some(day(17)));
}

#[test]
fn payments_renew_recover_and_never_move_time_back() {
    let s = active();
    let renewal = month_from(s.current_period.end);
    let renewed = s
        .apply(
            Transition::PaymentSucceeded {
                period: Some(renewal),
            },
            renewal.start,
        )
        .unwrap();
    assert_eq!(renewed.current_period, renewal);
    let late = renewed
        .apply(
            Transition::PaymentSucceeded {
                period: Some(s.current_period),
            },
            day(40),
        )
        .unwrap();
    assert_eq!(late.current_period, renewal, "an older period is ignored");

    let change = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: s.current_period.end,
    };
    let scheduled = s.apply(Transition::ScheduleChange(change), day(3)).unwrap();
    let rolled = scheduled
        .apply(
            Transition::PaymentSucceeded {
                period: Some(renewal),
            },
            renewal.start,
        )
        .unwrap();
    assert_eq!(
        rolled.plan.as_str(),
        "hobby",
        "a renewal applies the due downgrade"
    );

    let err = incomplete()
        .apply(Transition::PaymentSucceeded { period: None }, day(1))
        .unwrap_err();
    assert!(matches!(
        err,
        TransitionError::NotAllowed {
            from: Incomplete,
            ..
        }
    ));
    let first = incomplete()
        .apply(
            Transition::PaymentSucceeded {
                period: Some(month_from(day(1))),
            },
            day(1),
        )
        .unwrap();
    assert_eq!(
        (first.status, first.current_period),
        (Active, month_from(day(1)))
    );
}

#[test]
fn activation_restarts_a_canceled_subscription() {
    let s = canceled()
        .apply(
            Transition::BeginCheckout {
                plan: plan("team"),
                interval: Interval::Year,
            },
            day(3),
        )
        .unwrap();
    assert_eq!(
        (s.status, s.plan.as_str(), s.canceled_at),
        (Incomplete, "team", None)
    );
    assert_eq!(s.current_period, Period::months_from(day(3), 12));
    let a = s
        .apply(
            Transition::Activate {
                period: Period::months_from(day(3), 12),
            },
            day(3),
        )
        .unwrap();
    assert_eq!((a.status, a.grace_ends_at), (Active, None));
    let direct = canceled()
        .apply(
            Transition::Activate {
                period: month_from(day(3)),
            },
            day(3),
        )
        .unwrap();
    assert_eq!((direct.status, direct.canceled_at), (Active, None));

    let trial_period = Period::new(day(3), day(10)).unwrap();
    let t = canceled()
        .apply(
            Transition::StartTrial {
                plan: plan("pro"),
                interval: Interval::Month,
                period: trial_period,
            },
            day(3),
        )
        .unwrap();
    assert_eq!((t.status, t.trial_end), (Trialing, Some(day(10))));
    let past = Period::new(day(-10), day(-3)).unwrap();
    assert!(matches!(
        canceled().apply(
            Transition::StartTrial {
                plan: plan("pro"),
                interval: Interval::Month,
                period: past
            },
            day(3)
        ),
        Err(TransitionError::Invalid(_))
    ));
}

#[test]
fn cancel_now_and_at_period_end_and_reactivate() {
    let now = active()
        .apply(
            Transition::Cancel {
                at_period_end: false,
            },
            day(5),
        )
        .unwrap();
    assert_eq!(
        (now.status, now.canceled_at, now.cancel_at_period_end),
        (Canceled, Some(day(5)), false)
    );
    assert!(!now.status.grants_access());

    let flagged = active()
        .apply(
            Transition::Cancel {
                at_period_end: true,
            },
            day(5),
        )
        .unwrap();
    assert_eq!(
        (flagged.status, flagged.cancel_at_period_end),
        (Active, true)
    );
    let back = flagged.apply(Transition::Reactivate, day(6)).unwrap();
    assert!(!back.cancel_at_period_end);
    let end = flagged.current_period.end;
    assert!(matches!(
        flagged.apply(Transition::Reactivate, end),
        Err(TransitionError::NotAllowed { .. })
    ));
    let over = flagged
        .apply(
            Transition::PeriodEnded {
                next: month_from(end),
            },
            end,
        )
        .unwrap();
    assert_eq!(
        (over.status, over.canceled_at, over.cancel_at_period_end),
        (Canceled, Some(end), false)
    );
    assert!(matches!(
        over.apply(Transition::Reactivate, end),
        Err(TransitionError::NotAllowed { from: Canceled, .. })
    ));
}

#[test]
fn scheduled_changes_validate_and_clear() {
    let s = active();
    let same = ScheduledChange {
        plan: plan("pro"),
        interval: Interval::Month,
        at: s.current_period.end,
    };
    assert!(matches!(
        s.apply(Transition::ScheduleChange(same), day(1)),
        Err(TransitionError::NotAllowed { .. })
    ));
    let past = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: day(1),
    };
    assert!(matches!(
        s.apply(Transition::ScheduleChange(past), day(2)),
        Err(TransitionError::Invalid(_))
    ));
    let change = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: s.current_period.end,
    };
    let scheduled = s
        .apply(Transition::ScheduleChange(change.clone()), day(1))
        .unwrap();
    assert_eq!(scheduled.scheduled_change, Some(change));
    let cleared = scheduled
        .apply(Transition::ClearScheduledChange, day(2))
        .unwrap();
    assert_eq!(cleared.scheduled_change, None);
    assert!(matches!(
        cleared.apply(Transition::ClearScheduledChange, day(2)),
        Err(TransitionError::NotAllowed { .. })
    ));
}

#[test]
fn immediate_changes_keep_or_restart_the_period() {
    let s = active();
    let change = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: s.current_period.end,
    };
    let scheduled = s.apply(Transition::ScheduleChange(change), day(1)).unwrap();
    let up = scheduled
        .apply(
            Transition::ChangePlanNow {
                plan: plan("business"),
                interval: Interval::Month,
            },
            day(5),
        )
        .unwrap();
    assert_eq!(
        (up.plan.as_str(), up.current_period),
        ("business", s.current_period)
    );
    assert_eq!(
        up.scheduled_change, None,
        "an upgrade drops the pending downgrade"
    );
    let yearly = s
        .apply(
            Transition::ChangePlanNow {
                plan: plan("pro"),
                interval: Interval::Year,
            },
            day(5),
        )
        .unwrap();
    assert_eq!(
        yearly.current_period,
        Period::months_from(day(5), 12),
        "an interval change restarts the period"
    );
    assert!(matches!(
        s.apply(
            Transition::ChangePlanNow {
                plan: plan("pro"),
                interval: Interval::Month
            },
            day(5)
        ),
        Err(TransitionError::NotAllowed { .. })
    ));
    let trial = trialing()
        .apply(
            Transition::ChangePlanNow {
                plan: plan("team"),
                interval: Interval::Year,
            },
            day(5),
        )
        .unwrap();
    assert_eq!(
        (trial.status, trial.current_period),
        (Trialing, trialing().current_period)
    );
}

#[test]
fn period_end_rolls_over_and_applies_due_changes() {
    let s = active();
    let end = s.current_period.end;
    assert_eq!(
        s.apply(
            Transition::PeriodEnded {
                next: month_from(end)
            },
            end - TimeDelta::seconds(1)
        )
        .unwrap_err(),
        TransitionError::NotDue {
            transition: "period_ended",
            due_at: end
        }
    );
    assert!(matches!(
        s.apply(
            Transition::PeriodEnded {
                next: month_from(end + TimeDelta::days(1))
            },
            end
        ),
        Err(TransitionError::Invalid(_))
    ));
    let change = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Year,
        at: end,
    };
    let scheduled = s.apply(Transition::ScheduleChange(change), day(1)).unwrap();
    let next = scheduled.next_period();
    assert_eq!(next, Period::months_from(end, 12));
    let rolled = scheduled
        .apply(Transition::PeriodEnded { next }, end)
        .unwrap();
    assert_eq!(
        (rolled.status, rolled.plan.as_str(), rolled.interval),
        (Active, "hobby", Interval::Year)
    );
    assert_eq!(
        (rolled.current_period, rolled.scheduled_change.clone()),
        (next, None)
    );

    let later = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: end + TimeDelta::days(40),
    };
    let not_yet = s.apply(Transition::ScheduleChange(later), day(1)).unwrap();
    let kept = not_yet
        .apply(
            Transition::PeriodEnded {
                next: month_from(end),
            },
            end,
        )
        .unwrap();
    assert_eq!(kept.plan.as_str(), "pro");
    assert!(kept.scheduled_change.is_some(), "a change due later waits");

    let pd = past_due()
        .apply(
            Transition::PeriodEnded {
                next: month_from(end),
            },
            end,
        )
        .unwrap();
    assert_eq!(
        (pd.status, pd.grace_ends_at),
        (PastDue, Some(day(4))),
        "status and grace unchanged"
    );
}

#[test]
fn provider_sync_is_ordered_and_keeps_our_lock() {
    let s = active();
    let synced = s
        .apply(
            Transition::SyncFromProvider(snapshot(PastDue, day(5))),
            day(6),
        )
        .unwrap();
    assert_eq!(synced.status, PastDue);
    assert_eq!(
        synced.grace_ends_at,
        Some(day(8)),
        "grace starts at the provider's time"
    );
    assert_eq!(synced.provider_updated_at, Some(day(5)));
    assert_eq!(synced.provider_subscription_id.as_deref(), Some("sub_1"));

    let stale = synced
        .apply(
            Transition::SyncFromProvider(snapshot(Active, day(4))),
            day(7),
        )
        .unwrap_err();
    assert_eq!(
        stale,
        TransitionError::StaleSnapshot {
            snapshot: day(4),
            applied: day(5)
        }
    );
    let replay = synced
        .apply(
            Transition::SyncFromProvider(snapshot(PastDue, day(5))),
            day(9),
        )
        .unwrap();
    assert_eq!(
        (replay.status, replay.grace_ends_at),
        (PastDue, Some(day(8))),
        "a replay converges"
    );

    let locked = synced.apply(Transition::GraceExpired, day(8)).unwrap();
    let still = locked
        .apply(
            Transition::SyncFromProvider(snapshot(PastDue, day(9))),
            day(9),
        )
        .unwrap();
    assert_eq!(still.status, Locked, "provider past_due does not unlock");
    let unpaid = synced
        .apply(
            Transition::SyncFromProvider(snapshot(Locked, day(6))),
            day(6),
        )
        .unwrap();
    assert_eq!(unpaid.status, Locked);
    let paid = still
        .apply(
            Transition::SyncFromProvider(snapshot(Active, day(10))),
            day(10),
        )
        .unwrap();
    assert_eq!((paid.status, paid.grace_ends_at), (Active, None));

    let mut moved = snapshot(Active, day(11));
    moved.plan = Some(plan("hobby"));
    moved.period = Some(month_from(day(11)));
    let change = ScheduledChange {
        plan: plan("hobby"),
        interval: Interval::Month,
        at: s.current_period.end,
    };
    let scheduled = paid
        .apply(Transition::ScheduleChange(change), day(10))
        .unwrap();
    let adopted = scheduled
        .apply(Transition::SyncFromProvider(moved), day(11))
        .unwrap();
    assert_eq!(
        (adopted.plan.as_str(), adopted.current_period),
        ("hobby", month_from(day(11)))
    );
    assert_eq!(
        adopted.scheduled_change, None,
        "a reached scheduled change is cleared"
    );

    let gone = adopted
        .apply(
            Transition::SyncFromProvider(snapshot(Canceled, day(12))),
            day(13),
        )
        .unwrap();
    assert_eq!((gone.status, gone.canceled_at), (Canceled, Some(day(12))));
}

#[test]
fn link_provider_records_ids() {
    let s = active();
    assert!(matches!(
        s.apply(
            Transition::LinkProvider {
                customer_id: None,
                subscription_id: None
            },
            day(1)
        ),
        Err(TransitionError::Invalid(_))
    ));
    let a = s
        .apply(
            Transition::LinkProvider {
                customer_id: Some("cus_1".into()),
                subscription_id: None,
            },
            day(1),
        )
        .unwrap();
    let b = a
        .apply(
            Transition::LinkProvider {
                customer_id: None,
                subscription_id: Some("sub_1".into()),
            },
            day(1),
        )
        .unwrap();
    assert_eq!(
        (
            b.provider_customer_id.as_deref(),
            b.provider_subscription_id.as_deref()
        ),
        (Some("cus_1"), Some("sub_1"))
    );
    assert_eq!(b.version, s.version + 2);
}

#[test]
fn a_refused_transition_changes_nothing() {
    let s = canceled();
    let before = s.clone();
    assert!(s.apply(Transition::PaymentFailed, day(2)).is_err());
    assert_eq!(s, before);
    let msg = s
        .apply(Transition::GraceExpired, day(2))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("grace_expired") && msg.contains("canceled"),
        "{msg}"
    );
}

#[test]
fn due_jobs_follow_the_status() {
    assert_eq!(trialing().due_jobs(day(14)), [(day(14), DueJob::TrialEnd)]);
    assert!(trialing().due_jobs(day(13)).is_empty());
    assert_eq!(trialing().next_due_at(), Some(day(14)));
    let end = active().current_period.end;
    assert_eq!(active().due_jobs(end), [(end, DueJob::PeriodEnd)]);
    assert_eq!(
        past_due().due_jobs(end),
        [(day(4), DueJob::GraceExpiry), (end, DueJob::PeriodEnd)]
    );
    assert_eq!(past_due().next_due_at(), Some(day(4)));
    assert_eq!(locked().due_jobs(end), [(end, DueJob::PeriodEnd)]);
    assert_eq!(canceled().next_due_at(), None);
    assert_eq!(incomplete().next_due_at(), None);
    let mut tie = past_due();
    tie.grace_ends_at = Some(end);
    assert_eq!(
        tie.due_jobs(end),
        [(end, DueJob::GraceExpiry), (end, DueJob::PeriodEnd)],
        "lock before rolling over"
    );
}

#[test]
fn provider_events_become_sync_transitions() {
    use crate::BillingEventKind;
    let updated = |at: Timestamp| BillingEventKind::SubscriptionUpdated {
        provider_customer_id: None,
        started: false,
        customer: acme(),
        provider_subscription_id: Some("sub_1".into()),
        plan: Some(plan("team")),
        interval: None,
        status: Active,
        period: None,
        trial_end: None,
        cancel_at_period_end: false,
        provider_updated_at: at,
    };
    let s = active();
    let t = Transition::from_provider_event(&s, &updated(day(2))).unwrap();
    let synced = s.apply(t, day(2)).unwrap();
    assert_eq!(
        (synced.plan.as_str(), synced.provider_updated_at),
        ("team", Some(day(2)))
    );
    assert!(matches!(
        Transition::from_provider_event(&synced, &updated(day(1))),
        Err(TransitionError::StaleSnapshot { .. })
    ));
    let deleted = BillingEventKind::SubscriptionDeleted {
        customer: acme(),
        provider_subscription_id: None,
    };
    assert!(matches!(
        Transition::from_provider_event(&s, &deleted),
        Err(TransitionError::Invalid(_))
    ));
}
