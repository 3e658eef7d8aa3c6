//! Checking and recording usage: the hot path.
//!
//! Recording is one unit of work: dedupe on the idempotency key → lock check → quota decision →
//! counter → event → wallet debit and cost → journal. With counters in the same store
//! ([`CounterMode::InCommit`]) the recorder does all of it atomically; with counters elsewhere
//! ([`CounterMode::External`]) the engine consumes first and refunds when nothing was written.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{
    Amount, CustomerId, Enforcement, FeatureCode, FeatureKind, IdempotencyKey, Timestamp, Window,
    WindowSpan,
};
use tollgate_plans::{EffectiveEntitlement, PayWith};
use tollgate_pricing::{TokenPriceTable, TokenUsage, overage_cost};
use tollgate_quotas::{
    Consume, Consumption, CounterError, CounterKey, CounterStore, Decision, DenyReason, Fenced,
    LeaseKey, QuotaRule, QuotaState, decide, percent, state_for,
};
use tollgate_usage::UsageEvent;

use crate::audit::{AuditEntry, Caller};
use std::sync::Arc;

use crate::context::CustomerContext;
use crate::engine::{CounterMode, Engine};
use crate::error::EngineError;
use crate::ports::{
    CommitError, CommitOutcome, CounterHome, CounterStep, Fence, Finalized, UsageCommit,
};

/// Gives back what a consumption moved: a refund for units taken, an add-back for a gauge
/// decrease. Used when the usage unit of work does not write.
pub(crate) async fn undo_consumption(
    counters: &dyn CounterStore,
    key: &CounterKey,
    applied: i64,
) -> Result<(), CounterError> {
    if applied > 0 {
        counters.release(key, applied).await?;
    } else if applied < 0 {
        counters
            .try_consume(&Consume {
                key: key.clone(),
                amount: -applied,
                limit: None,
                enforcement: Enforcement::Soft,
            })
            .await?;
    }
    Ok(())
}

/// How far in the past an event may be dated: a late event still lands in the window it
/// belongs to, but a closed month cannot be rewritten indefinitely.
pub(crate) const MAX_BACKDATE_DAYS: i64 = 31;
/// Clock skew tolerated for events dated in the future.
pub(crate) const MAX_FUTURE_SECONDS: i64 = 300;
/// Serialized size limit of `properties`.
const MAX_PROPERTIES_BYTES: usize = 16 * 1024;

/// `POST /v1/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordUsage {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    pub quantity: i64,
    pub idempotency_key: IdempotencyKey,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub occurred_at: Option<Timestamp>,
    #[serde(default)]
    pub properties: Option<serde_json::Value>,
}

/// The answer to an accepted usage event; a duplicate gets the first answer with
/// `duplicate: true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageAnswer {
    pub id: String,
    pub accepted: bool,
    pub duplicate: bool,
    pub feature: FeatureCode,
    pub used: i64,
    pub limit: Option<i64>,
    pub remaining: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resets_at: Option<Timestamp>,
    pub state: QuotaState,
    /// Units above a soft limit in this window, after this event.
    pub overage: i64,
    pub cost: Option<Amount>,
    /// `warn_at` thresholds this event crossed.
    #[serde(default)]
    pub warnings: Vec<u8>,
}

/// `POST /v1/check`: what recording this quantity would do, consuming nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckAnswer {
    pub allowed: bool,
    pub feature: FeatureCode,
    pub kind: FeatureKind,
    pub limit: Option<i64>,
    pub used: i64,
    pub remaining: Option<i64>,
    pub state: QuotaState,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resets_at: Option<Timestamp>,
    /// Why not: `quota_exceeded`, `feature_disabled`, `over_request_cap`,
    /// `concurrency_limit`, `account_locked`.
    pub reason: Option<String>,
}

/// One line of `GET /v1/customers/{id}/entitlements`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntitlementStatus {
    pub feature: FeatureCode,
    pub name: String,
    pub kind: FeatureKind,
    pub unit: Option<String>,
    pub enabled: bool,
    pub value: Option<serde_json::Value>,
    pub limit: Option<i64>,
    pub used: i64,
    pub remaining: Option<i64>,
    pub percent: Option<u32>,
    pub window: Option<Window>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub resets_at: Option<Timestamp>,
    pub enforcement: Enforcement,
    pub state: QuotaState,
    pub overage: i64,
}

/// Where a counted feature's usage goes at an instant.
pub(crate) struct Meter {
    rule: QuotaRule,
    pub(crate) key: CounterKey,
    resets_at: Option<Timestamp>,
}

fn rule_of(e: &EffectiveEntitlement) -> QuotaRule {
    QuotaRule {
        feature: e.feature.clone(),
        kind: e.kind,
        limit: e.limit,
        enforcement: e.enforcement,
        window: e.window,
        warn_at: e.warn_at.clone(),
        enabled: e.enabled,
    }
}

/// The window a counted feature's usage at `at` goes to: a metered feature's own window (a
/// calendar month when none is set), the customer's lifetime for a gauge; `billing_cycle`
/// follows the subscription's current period.
pub(crate) fn counting_span(
    ctx: &CustomerContext,
    e: &EffectiveEntitlement,
    at: Timestamp,
) -> (Window, WindowSpan) {
    let window = match e.kind {
        FeatureKind::Metered => e.window.unwrap_or(Window::Month),
        _ => Window::Lifetime,
    };
    let cycle = ctx.subscription.as_ref().map(|s| &s.current_period);
    (window, window.span_at(at, cycle))
}

pub(crate) fn meter(ctx: &CustomerContext, e: &EffectiveEntitlement, at: Timestamp) -> Meter {
    let (_, span) = counting_span(ctx, e, at);
    Meter {
        rule: rule_of(e),
        key: CounterKey::new(ctx.customer.id.clone(), e.feature.clone(), &span),
        resets_at: span.resets_at,
    }
}

fn reason_code(r: DenyReason) -> &'static str {
    match r {
        DenyReason::QuotaExceeded => "quota_exceeded",
        DenyReason::FeatureDisabled => "feature_disabled",
        DenyReason::OverRequestCap => "over_request_cap",
        DenyReason::ConcurrencyLimit => "concurrency_limit",
        DenyReason::NotCheckable => "not_checkable",
    }
}

fn validate_quantity(kind: FeatureKind, feature: &FeatureCode, q: i64) -> Result<(), EngineError> {
    let ok = match kind {
        FeatureKind::Metered => q > 0,
        FeatureKind::Gauge => q != 0,
        FeatureKind::PerRequest => q >= 0,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(EngineError::invalid(match kind {
            FeatureKind::Metered => {
                format!("quantity for metered feature {feature} must be positive")
            }
            FeatureKind::Gauge => format!("quantity for gauge {feature} must not be zero"),
            _ => format!("quantity for {feature} must not be negative"),
        }))
    }
}

fn normalize_properties(p: Option<serde_json::Value>) -> Result<serde_json::Value, EngineError> {
    let value = match p {
        None | Some(serde_json::Value::Null) => serde_json::Value::Object(Default::default()),
        Some(v @ serde_json::Value::Object(_)) => v,
        Some(_) => return Err(EngineError::invalid("properties must be a JSON object")),
    };
    let size = serde_json::to_vec(&value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_PROPERTIES_BYTES {
        return Err(EngineError::invalid(format!(
            "properties must be at most {MAX_PROPERTIES_BYTES} bytes"
        )));
    }
    Ok(value)
}

fn validate_occurred_at(at: Option<Timestamp>, now: Timestamp) -> Result<Timestamp, EngineError> {
    let at = at.unwrap_or(now);
    if at > now + Duration::seconds(MAX_FUTURE_SECONDS) {
        return Err(EngineError::invalid("occurred_at is in the future"));
    }
    if at < now - Duration::days(MAX_BACKDATE_DAYS) {
        return Err(EngineError::invalid(format!(
            "occurred_at is more than {MAX_BACKDATE_DAYS} days in the past"
        )));
    }
    Ok(at)
}

fn duplicate_answer(first: &UsageEvent) -> Result<UsageAnswer, EngineError> {
    let mut answer: UsageAnswer = serde_json::from_value(first.answer.clone())
        .map_err(|e| EngineError::unexpected(format!("stored usage answer unreadable: {e}")))?;
    answer.duplicate = true;
    Ok(answer)
}

fn quota_error(d: &Decision) -> EngineError {
    EngineError::QuotaExceeded {
        feature: d.feature.clone(),
        limit: d.limit,
        used: d.used,
        resets_at: d.resets_at,
        reason: d.reason.unwrap_or(DenyReason::QuotaExceeded),
    }
}

/// One usage event, validated and resolved against the customer, ready for its counter step.
struct Prepared {
    req: RecordUsage,
    ctx: Arc<CustomerContext>,
    ent: EffectiveEntitlement,
    event: UsageEvent,
    token_cost: Option<Amount>,
    caller: Caller,
    now: Timestamp,
}

/// How to give back a consumption made outside the unit of work when the unit does not write.
enum Undo {
    Plain {
        key: CounterKey,
        applied: i64,
    },
    Fenced {
        key: CounterKey,
        applied: i64,
        fence: Fence,
    },
}

/// The outcome of the counter step of one event.
enum Step {
    /// Decided without a commit (a refusal, a duplicate, a failure).
    Answer(Result<(UsageAnswer, bool), EngineError>),
    /// Ready to commit; `undo` gives back what was consumed if the commit does not write.
    Commit {
        commit: Box<UsageCommit>,
        undo: Option<Undo>,
    },
    /// The counters' authority moved, or the fast store went away: decide again.
    Retry,
}

/// How long a retry waits for the first attempt of its idempotency key to land, and how often
/// it looks.
const IN_FLIGHT_WAIT_MS: u64 = 3_000;
const IN_FLIGHT_POLL_MS: u64 = 10;

impl Engine {
    /// Records one usage event.
    ///
    /// # Errors
    /// - [`EngineError::Invalid`]: bad quantity, properties, date; a feature that is not
    ///   recordable (boolean, config, concurrency); an unpriced model on a wallet-paid feature.
    /// - [`EngineError::NotFound`]: unknown customer or feature.
    /// - [`EngineError::AccountLocked`]: the account is read-only.
    /// - [`EngineError::QuotaExceeded`]: a hard limit or a per-request cap would be passed.
    /// - [`EngineError::InsufficientCredits`]: the wallet cannot pay the event's cost.
    /// - [`EngineError::Conflict`]: the same idempotency key is being recorded right now and
    ///   its first attempt did not land within a few seconds.
    pub async fn record_usage(
        &self,
        req: RecordUsage,
        caller: &Caller,
    ) -> Result<(UsageAnswer, bool), EngineError> {
        let customer = req.customer.clone();
        let key = req.idempotency_key.clone();
        let result = match self.prepare_usage(req, caller, true).await {
            Ok(Ok(p)) => self.decide_and_commit(&p).await,
            Ok(Err(duplicate)) => Ok(duplicate),
            Err(e) => Err(e),
        };
        self.first_answer_over_refusal(&customer, &key, result)
            .await
    }

    /// On the hot path and in batches the log is not read before deciding, so a retry of an
    /// event already recorded may be refused (the limit reached since, the account locked, the
    /// feature gone): a refusal looks the key up and answers the first answer instead. Only
    /// refusals pay for the lookup.
    async fn first_answer_over_refusal(
        &self,
        customer: &CustomerId,
        key: &IdempotencyKey,
        result: Result<(UsageAnswer, bool), EngineError>,
    ) -> Result<(UsageAnswer, bool), EngineError> {
        let refused = matches!(
            result,
            Err(EngineError::QuotaExceeded { .. }
                | EngineError::AccountLocked
                | EngineError::InsufficientCredits { .. }
                | EngineError::NotFound { .. }
                | EngineError::Invalid(_)
                | EngineError::Conflict(_))
        );
        if !refused {
            return result;
        }
        match self.d.usage_log.find_by_key(customer, key).await {
            Ok(Some(first)) => Ok((duplicate_answer(&first)?, false)),
            _ => result,
        }
    }

    /// Records several events; each gets its own result, as if sent alone. Counter steps are
    /// taken in the batch's order (so which events a hard limit refuses follows their order);
    /// the commits then run together and share transactions.
    pub async fn record_usage_batch(
        &self,
        events: Vec<RecordUsage>,
        caller: &Caller,
    ) -> Vec<Result<(UsageAnswer, bool), EngineError>> {
        let keys: Vec<(CustomerId, IdempotencyKey)> = events
            .iter()
            .map(|e| (e.customer.clone(), e.idempotency_key.clone()))
            .collect();
        let mut prepared = Vec::with_capacity(events.len());
        for e in events {
            prepared.push(match self.prepare_usage(e, caller, false).await {
                Ok(Ok(p)) => Ok(p),
                Ok(Err(duplicate)) => Err(Ok(duplicate)),
                Err(e) => Err(Err(e)),
            });
        }
        // A key repeated inside the batch is decided after the batch's commits, so it finds
        // its first copy recorded (instead of waiting for a commit that has not started).
        let mut seen = std::collections::HashSet::new();
        let repeats: Vec<bool> = keys.iter().map(|k| !seen.insert(k.clone())).collect();
        let mut steps = Vec::with_capacity(prepared.len());
        for (p, repeat) in prepared.iter().zip(&repeats) {
            steps.push(match p {
                Ok(p) if !repeat => Some(self.counter_step(p).await),
                _ => None,
            });
        }
        let finished =
            futures::future::join_all(prepared.iter().zip(steps).map(|(p, step)| async move {
                match (p, step) {
                    (Ok(p), Some(step)) => Some(match self.finish(p, step).await {
                        Some(answer) => answer,
                        // The authority moved under this event: decide it again, alone.
                        None => self.decide_and_commit(p).await,
                    }),
                    (Err(Ok(duplicate)), _) => Some(Ok(duplicate.clone())),
                    _ => None,
                }
            }))
            .await;
        let mut results = Vec::with_capacity(prepared.len());
        for ((p, done), (customer, key)) in prepared.into_iter().zip(finished).zip(keys) {
            let result = match (p, done) {
                (Err(Err(e)), _) => Err(e),
                (_, Some(answer)) => answer,
                (Ok(p), None) => self.decide_and_commit(&p).await,
                (Err(Ok(duplicate)), None) => Ok(duplicate),
            };
            results.push(
                self.first_answer_over_refusal(&customer, &key, result)
                    .await,
            );
        }
        results
    }

    /// The counter step and the commit, redone while the counters' authority moves under them.
    async fn decide_and_commit(&self, p: &Prepared) -> Result<(UsageAnswer, bool), EngineError> {
        for _ in 0..crate::hot::MAX_ATTEMPTS {
            let step = self.counter_step(p).await;
            if let Some(answer) = self.finish(p, step).await {
                return answer;
            }
        }
        Err(crate::hot::kept_moving())
    }

    /// Validation and resolution: everything before the counter. `Err` inside is the first
    /// answer of an idempotency key already recorded.
    async fn prepare_usage(
        &self,
        req: RecordUsage,
        caller: &Caller,
        lookup: bool,
    ) -> Result<Result<Prepared, (UsageAnswer, bool)>, EngineError> {
        let now = self.now();
        let properties = normalize_properties(req.properties.clone())?;
        let occurred_at = validate_occurred_at(req.occurred_at, now)?;
        // On the hot path (and in batches), the fast store's guard and the log's unique key
        // catch repeats; a lookup here would cost a database round trip per event.
        if lookup
            && self.hot.is_none()
            && let Some(first) = self
                .d
                .usage_log
                .find_by_key(&req.customer, &req.idempotency_key)
                .await?
        {
            return Ok(Err((duplicate_answer(&first)?, false)));
        }
        let ctx = self.cached_context(&req.customer).await?;
        let ent = ctx
            .entitlements
            .get(&req.feature)
            .ok_or_else(|| EngineError::not_found("feature", &req.feature))?
            .clone();
        if matches!(
            ent.kind,
            FeatureKind::Boolean | FeatureKind::Config | FeatureKind::Concurrency
        ) {
            return Err(EngineError::invalid(format!(
                "feature {} is {}: it is not recorded as usage (use /v1/check{})",
                ent.feature,
                ent.kind,
                if ent.kind == FeatureKind::Concurrency {
                    " or /v1/leases"
                } else {
                    ""
                }
            )));
        }
        validate_quantity(ent.kind, &ent.feature, req.quantity)?;
        if ctx.is_locked() {
            return Err(EngineError::AccountLocked);
        }
        let token_cost = self.token_cost(&properties, &ent).await?;
        let event = UsageEvent {
            id: tollgate_kernel::new_id("evt"),
            customer: req.customer.clone(),
            feature: req.feature.clone(),
            quantity: req.quantity,
            delta: 0,
            window_key: String::new(),
            occurred_at,
            recorded_at: now,
            idempotency_key: req.idempotency_key.clone(),
            properties,
            billable: false,
            cost: None,
            answer: serde_json::Value::Null,
        };
        Ok(Ok(Prepared {
            req,
            ctx,
            ent,
            event,
            token_cost,
            caller: caller.clone(),
            now,
        }))
    }

    fn unit(
        &self,
        p: &Prepared,
        counter: CounterStep,
        fence: Option<Fence>,
        rule: QuotaRule,
        resets_at: Option<Timestamp>,
        window_key: String,
    ) -> UsageCommit {
        let mut event = p.event.clone();
        event.window_key = window_key;
        let finalize = finalizer(
            rule,
            (p.req.customer.clone(), event.window_key.clone()),
            p.req.quantity,
            resets_at,
            p.token_cost,
            p.ent.overage,
            event.id.clone(),
            p.caller.clone(),
            p.now,
        );
        UsageCommit {
            event,
            counter,
            fence,
            pay_from_wallet: p.ent.pay_with == Some(PayWith::Wallet),
            finalize,
        }
    }

    /// Takes the event's counter step where the counters live now.
    async fn counter_step(&self, p: &Prepared) -> Step {
        match self.try_counter_step(p).await {
            Ok(step) => step,
            Err(e) => Step::Answer(Err(e)),
        }
    }

    async fn try_counter_step(&self, p: &Prepared) -> Result<Step, EngineError> {
        let ent = &p.ent;
        if ent.kind == FeatureKind::PerRequest {
            let d = decide(&rule_of(ent), 0, p.req.quantity, None)?;
            if !d.allowed {
                return Err(quota_error(&d));
            }
            let c = Consumption {
                accepted: true,
                used: p.req.quantity,
                applied: 0,
            };
            let commit = self.unit(
                p,
                CounterStep::Consumed(c),
                None,
                rule_of(ent),
                None,
                String::new(),
            );
            return Ok(Step::Commit {
                commit: Box::new(commit),
                undo: None,
            });
        }
        let m = meter(&p.ctx, ent, p.event.occurred_at);
        let consume = Consume::for_rule(m.key.clone(), &m.rule, p.req.quantity);
        let window_key = m.key.window_key.clone();
        if let Some(hot) = self.hot.as_deref() {
            let fence = self.fence_for(hot, &p.ctx).await?;
            if fence.home == CounterHome::Store {
                let commit = self.unit(
                    p,
                    CounterStep::Consume(consume),
                    Some(fence),
                    m.rule,
                    m.resets_at,
                    window_key,
                );
                return Ok(Step::Commit {
                    commit: Box::new(commit),
                    undo: None,
                });
            }
            let guard = p.req.idempotency_key.as_str();
            return match hot.fast().consume(&consume, fence.epoch, guard).await {
                Ok(Fenced::Done(c)) if c.accepted => {
                    let commit = self.unit(
                        p,
                        CounterStep::Consumed(c),
                        Some(fence),
                        m.rule,
                        m.resets_at,
                        window_key,
                    );
                    let undo = Undo::Fenced {
                        key: m.key,
                        applied: c.applied,
                        fence,
                    };
                    Ok(Step::Commit {
                        commit: Box::new(commit),
                        undo: Some(undo),
                    })
                }
                Ok(Fenced::Done(c)) => {
                    let d = decide(&m.rule, c.used, p.req.quantity, m.resets_at)?;
                    Err(quota_error(&d))
                }
                Ok(Fenced::Repeated) => Ok(Step::Answer(self.await_first(&p.req).await)),
                Ok(Fenced::Stale(_)) => {
                    hot.forget(&p.req.customer, fence);
                    Ok(Step::Retry)
                }
                Err(e @ CounterError::Unavailable(_)) => {
                    hot.mark_down(&e);
                    Ok(Step::Retry)
                }
                Err(e) => Err(e.into()),
            };
        }
        match self.d.counter_mode {
            CounterMode::InCommit => {
                let commit = self.unit(
                    p,
                    CounterStep::Consume(consume),
                    None,
                    m.rule,
                    m.resets_at,
                    window_key,
                );
                Ok(Step::Commit {
                    commit: Box::new(commit),
                    undo: None,
                })
            }
            CounterMode::External => {
                let c = self.d.counters.try_consume(&consume).await?;
                if !c.accepted {
                    let d = decide(&m.rule, c.used, p.req.quantity, m.resets_at)?;
                    return Err(quota_error(&d));
                }
                let commit = self.unit(
                    p,
                    CounterStep::Consumed(c),
                    None,
                    m.rule,
                    m.resets_at,
                    window_key,
                );
                let undo = Undo::Plain {
                    key: m.key,
                    applied: c.applied,
                };
                Ok(Step::Commit {
                    commit: Box::new(commit),
                    undo: Some(undo),
                })
            }
        }
    }

    /// Commits a prepared step and answers; `None` when the decision must be made again (the
    /// counters' authority moved, or the fast store went away mid-step).
    async fn finish(
        &self,
        p: &Prepared,
        step: Step,
    ) -> Option<Result<(UsageAnswer, bool), EngineError>> {
        let (commit, undo) = match step {
            Step::Retry => return None,
            Step::Answer(answer) => return Some(answer),
            Step::Commit { commit, undo } => (commit, undo),
        };
        let fence = commit.fence;
        let own_id = commit.event.id.clone();
        let outcome = match self.d.recorder.commit(*commit).await {
            // A commit retried after a lost acknowledgement finds its own event: it landed.
            Ok(CommitOutcome::Duplicate(first)) if first.id == own_id => {
                Ok(CommitOutcome::Inserted {
                    event: first,
                    consumption: Consumption {
                        accepted: true,
                        used: 0,
                        applied: 0,
                    },
                })
            }
            other => other,
        };
        if !matches!(outcome, Ok(CommitOutcome::Inserted { .. }))
            && let Some(undo) = &undo
        {
            self.undo(undo, &p.req).await;
        }
        Some(match outcome {
            Ok(CommitOutcome::Inserted { event, .. }) => serde_json::from_value(event.answer)
                .map(|a: UsageAnswer| (a, true))
                .map_err(|e| EngineError::unexpected(format!("usage answer unreadable: {e}"))),
            Ok(CommitOutcome::Duplicate(first)) => duplicate_answer(&first).map(|a| (a, false)),
            Ok(CommitOutcome::Refused(c)) => {
                let m = meter(&p.ctx, &p.ent, p.event.occurred_at);
                decide(&m.rule, c.used, p.req.quantity, m.resets_at)
                    .map_err(EngineError::from)
                    .and_then(|d| Err(quota_error(&d)))
            }
            Err(CommitError::Fenced { .. }) => {
                if let (Some(hot), Some(fence)) = (self.hot.as_deref(), fence) {
                    hot.note_fenced();
                    hot.forget(&p.req.customer, fence);
                }
                return None;
            }
            Err(e) => Err(e.into()),
        })
    }

    async fn undo(&self, undo: &Undo, req: &RecordUsage) {
        let result = match undo {
            Undo::Plain { key, applied } => {
                undo_consumption(self.d.counters.as_ref(), key, *applied).await
            }
            Undo::Fenced {
                key,
                applied,
                fence,
            } => match self.hot.as_deref() {
                Some(hot) => hot
                    .fast()
                    .undo(key, *applied, fence.epoch, req.idempotency_key.as_str())
                    .await
                    .map(|_| ())
                    .inspect_err(|e| {
                        if matches!(e, CounterError::Unavailable(_)) {
                            hot.mark_down(e);
                        }
                    }),
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            tracing::error!(error = %e, customer = %req.customer, "counter refund failed; reconciliation will repair it");
        }
    }

    /// A repeat of an idempotency key whose first attempt holds the guard: wait for that
    /// attempt to land and answer as it did.
    async fn await_first(&self, req: &RecordUsage) -> Result<(UsageAnswer, bool), EngineError> {
        let mut waited = 0;
        loop {
            if let Some(first) = self
                .d
                .usage_log
                .find_by_key(&req.customer, &req.idempotency_key)
                .await?
            {
                return Ok((duplicate_answer(&first)?, false));
            }
            if waited >= IN_FLIGHT_WAIT_MS {
                return Err(EngineError::Conflict(format!(
                    "usage with idempotency key {} is still being recorded; retry shortly",
                    req.idempotency_key.as_str()
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(IN_FLIGHT_POLL_MS)).await;
            waited += IN_FLIGHT_POLL_MS;
        }
    }

    /// What recording `quantity` of `feature` would do now. Consumes nothing.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer or feature; [`EngineError::Invalid`]
    /// for a quantity the feature's kind does not accept.
    pub async fn check(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        quantity: i64,
    ) -> Result<CheckAnswer, EngineError> {
        let now = self.now();
        let ctx = self.cached_context(customer).await?;
        let ent = ctx
            .entitlements
            .get(feature)
            .ok_or_else(|| EngineError::not_found("feature", feature))?;
        validate_quantity(ent.kind, feature, quantity)?;
        let rule = rule_of(ent);
        // `used` is what is used now; the decision says whether `quantity` more would pass.
        let (decision, used) = match ent.kind {
            FeatureKind::Boolean | FeatureKind::Config => {
                let allowed = if ent.kind == FeatureKind::Boolean {
                    ent.enabled
                } else {
                    ent.value.is_some()
                };
                return Ok(CheckAnswer {
                    allowed,
                    feature: feature.clone(),
                    kind: ent.kind,
                    limit: None,
                    used: 0,
                    remaining: None,
                    state: QuotaState::Ok,
                    resets_at: None,
                    reason: (!allowed).then(|| "feature_disabled".to_owned()),
                });
            }
            FeatureKind::PerRequest => (decide(&rule, 0, quantity, None)?, 0),
            FeatureKind::Concurrency => {
                let key = LeaseKey {
                    customer: customer.clone(),
                    feature: feature.clone(),
                };
                let held = self
                    .with_leases(|l| {
                        let key = key.clone();
                        async move { l.held(&key, now).await }
                    })
                    .await?;
                (decide(&rule, held, quantity.max(1), None)?, held)
            }
            _ => {
                let m = meter(&ctx, ent, now);
                let used = self
                    .read_counters(&ctx, std::slice::from_ref(&m.key))
                    .await?
                    .first()
                    .copied()
                    .unwrap_or(0);
                (decide(&m.rule, used, quantity, m.resets_at)?, used)
            }
        };
        let locked = ctx.is_locked();
        Ok(CheckAnswer {
            allowed: decision.allowed && !locked,
            feature: feature.clone(),
            kind: ent.kind,
            limit: decision.limit,
            used,
            remaining: decision.limit.map(|l| (l - used).max(0)),
            state: state_for(used, decision.limit, &ent.warn_at),
            resets_at: decision.resets_at,
            reason: if locked {
                Some("account_locked".to_owned())
            } else {
                decision.reason.map(|r| reason_code(r).to_owned())
            },
        })
    }

    /// Every feature of the catalog with the customer's limit, use and state.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer.
    pub async fn entitlements(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<EntitlementStatus>, EngineError> {
        let now = self.now();
        let ctx = self.cached_context(customer).await?;
        let counted: Vec<(usize, Meter)> = ctx
            .entitlements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind.is_counted())
            .map(|(i, e)| (i, meter(&ctx, e, now)))
            .collect();
        let keys: Vec<CounterKey> = counted.iter().map(|(_, m)| m.key.clone()).collect();
        let values = self.read_counters(&ctx, &keys).await?;
        let mut out = Vec::new();
        for (i, e) in ctx.entitlements.iter().enumerate() {
            let (used, resets_at) = if let Some(pos) = counted.iter().position(|(j, _)| *j == i) {
                (
                    values.get(pos).copied().unwrap_or(0),
                    counted[pos].1.resets_at,
                )
            } else if e.kind == FeatureKind::Concurrency {
                let key = LeaseKey {
                    customer: customer.clone(),
                    feature: e.feature.clone(),
                };
                let held = self
                    .with_leases(|l| {
                        let key = key.clone();
                        async move { l.held(&key, now).await }
                    })
                    .await?;
                (held, None)
            } else {
                (0, None)
            };
            let measured = e.kind.is_counted() || e.kind == FeatureKind::Concurrency;
            let limit = if measured || e.kind == FeatureKind::PerRequest {
                e.limit
            } else {
                None
            };
            out.push(EntitlementStatus {
                feature: e.feature.clone(),
                name: e.name.clone(),
                kind: e.kind,
                unit: e.unit.clone(),
                enabled: e.enabled,
                value: e.value.clone(),
                limit,
                used,
                remaining: limit.map(|l| (l - used).max(0)),
                percent: if measured { percent(used, limit) } else { None },
                window: if e.kind == FeatureKind::Metered {
                    Some(e.window.unwrap_or(Window::Month))
                } else {
                    None
                },
                resets_at,
                enforcement: e.enforcement,
                state: if measured {
                    state_for(used, limit, &e.warn_at)
                } else {
                    QuotaState::Ok
                },
                overage: match (e.enforcement, limit) {
                    (Enforcement::Soft, Some(l)) => (used - l).max(0),
                    _ => 0,
                },
            });
        }
        Ok(out)
    }

    async fn token_cost(
        &self,
        properties: &serde_json::Value,
        ent: &EffectiveEntitlement,
    ) -> Result<Option<Amount>, EngineError> {
        let Some(tokens) = TokenUsage::from_properties(properties)? else {
            return Ok(None);
        };
        let table = TokenPriceTable::new(self.d.token_prices.list().await?)?;
        match table.cost(&tokens) {
            Some(cost) => Ok(Some(cost)),
            None if ent.pay_with.is_some() => Err(EngineError::invalid(format!(
                "no token price for provider {:?} and model {:?}; feature {} is paid from credits",
                tokens.provider, tokens.model, ent.feature
            ))),
            None => Ok(None),
        }
    }
}

/// The pure part of recording that needs the counter's value: the answer, the cost (token cost,
/// else the overage of this event's units above a soft limit) and threshold warnings.
#[allow(clippy::too_many_arguments)]
fn finalizer(
    rule: QuotaRule,
    (customer, window_key): (CustomerId, String),
    quantity: i64,
    resets_at: Option<Timestamp>,
    token_cost: Option<Amount>,
    overage: Option<tollgate_plans::Overage>,
    event_id: String,
    caller: Caller,
    now: Timestamp,
) -> crate::ports::FinalizeFn {
    Box::new(move |c: &Consumption| {
        let before = c.used - c.applied;
        let decision = if rule.kind == FeatureKind::PerRequest {
            decide(&rule, 0, quantity, resets_at).ok()
        } else {
            decide(&rule, before, quantity, resets_at).ok()
        };
        let used = if rule.kind == FeatureKind::PerRequest {
            quantity
        } else {
            c.used
        };
        let overage_delta = decision.as_ref().map_or(0, |d| d.overage_delta);
        let cost = token_cost.or_else(|| match (&overage, overage_delta) {
            (Some(o), n) if n > 0 => Some(overage_cost(n, o.unit_amount, o.currency)),
            _ => None,
        });
        let warnings = decision
            .as_ref()
            .map(|d| d.warnings.clone())
            .unwrap_or_default();
        let audit = warnings
            .iter()
            .map(|t| {
                AuditEntry::new(
                    &caller,
                    now,
                    "quota.warning",
                    format!("customer:{customer}"),
                    None,
                    Some(serde_json::json!({
                        "feature": rule.feature,
                        "window": window_key,
                        "threshold": t,
                        "used": used,
                        "limit": rule.limit,
                        "event_id": event_id,
                    })),
                )
            })
            .collect();
        let answer = UsageAnswer {
            id: event_id.clone(),
            accepted: true,
            duplicate: false,
            feature: rule.feature.clone(),
            used,
            limit: rule.limit,
            remaining: rule.limit.map(|l| (l - used).max(0)),
            resets_at,
            state: state_for(used, rule.limit, &rule.warn_at),
            overage: decision.as_ref().map_or(0, |d| d.overage),
            cost,
            warnings,
        };
        Finalized {
            answer: serde_json::to_value(&answer).unwrap_or(serde_json::Value::Null),
            cost,
            billable: cost.is_some() || overage_delta > 0,
            audit,
        }
    })
}
