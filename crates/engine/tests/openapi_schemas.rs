//! The OpenAPI schemas of the types that cross the HTTP API say exactly what their serde
//! implementations write and read.
//!
//! Every schema goes into one OpenAPI document (as the server's `/openapi.json` will hold
//! them), so `$ref`s resolve as they will there. Then:
//! - realistic values, taken from an engine run on the demo catalog (`saas.toml`) with the fake
//!   billing provider, are serialized and validated against their schema, and every key they
//!   carry must be one the schema documents;
//! - for every type the API reads, dropping one key at a time from a sample must fail to
//!   deserialize exactly when the schema lists that key as required;
//! - hand-written bodies, valid and invalid, get the same verdict from the schema and from
//!   serde (the flat entitlement and override shapes, ids, decimals, currencies).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tollgate_billing::{
    CheckoutSession, Customer, CustomerStatus, Invoice, InvoiceLine, InvoiceStatus, PortalSession,
    Role, ScheduledChange, Subscription, SubscriptionStatus,
};
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::{
    ApiKeyRecord, ApplyOutcome, AuditEntry, AuditQuery, BillingEventRecord, Caller, ChangeKind,
    ChangePreview, CheckAnswer, Engine, EntitlementStatus, EventStatus, JobReport, KeyRole, Lease,
    Member, NewCustomer, RecordUsage, StartCheckout, UsageAnswer, WalletView, WebhookQuery,
};
use tollgate_kernel::{
    Amount, Currency, CustomerId, Decimal, DecimalString, Enforcement, FeatureCode, FeatureKind,
    GrantTrigger, IdempotencyKey, Interval, ManualClock, Money, Period, PlanCode, Window,
};
use tollgate_plans::{
    AddOn, AddOnLimit, AddOnSelection, Catalog, CustomerOverrides, EffectiveEntitlement,
    Entitlement, EntitlementSource, Entitlements, Feature, FeatureCatalog, Overage, Override,
    PayWith, Plan, PlanChange, Price, WalletGrant,
};
use tollgate_pricing::{Proration, TokenPrice};
use tollgate_quotas::{DenyReason, QuotaState};
use tollgate_usage::{Drift, DriftReport, UsageEvent, UsageLog, UsageQuery};
use tollgate_wallet::{EntryKind, LedgerEntry};
use utoipa::ToSchema;
use utoipa::openapi::{ComponentsBuilder, OpenApi, OpenApiBuilder, RefOr, schema::Schema};

const SAAS: &str = include_str!("../../../fixtures/catalogs/saas.toml");

/// The plan example of DESIGN.md ("Core JSON shapes"), verbatim but for the priority, so it
/// ranks above the demo catalog's Pro.
const DESIGN_PLAN: &str = r#"{"code": "pro", "name": "Pro", "description": "For growing teams", "priority": 50,
 "trial_days": 14, "active": true, "public": true,
 "prices": [{"currency": "USD", "interval": "month", "amount_minor": 4900, "stripe_price_id": null}],
 "entitlements": [
   {"feature": "api_calls", "limit": 10000, "window": "month", "enforcement": "hard"},
   {"feature": "ai_queries", "limit": 1000, "window": "month", "enforcement": "soft",
    "overage": {"currency": "USD", "unit_amount": "0.003"}},
   {"feature": "storage_bytes", "limit": 10737418240, "enforcement": "hard"},
   {"feature": "concurrent_jobs", "limit": 3},
   {"feature": "max_upload_bytes", "limit": 209715200},
   {"feature": "analytics", "enabled": true},
   {"feature": "retention_days", "value": 365}],
 "wallet_grants": [{"amount_minor": 500, "currency": "USD", "on": "start", "expires_after_days": 30}]}"#;

type Schemas = Vec<(String, RefOr<Schema>)>;

/// Adds `T` and everything it refers to, refusing two different schemas under one name.
fn add<T: ToSchema>(all: &mut BTreeMap<String, RefOr<Schema>>) {
    let mut schemas: Schemas = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut schemas);
    for (name, schema) in schemas {
        if let Some(known) = all.get(&name) {
            assert_eq!(
                serde_json::to_value(known).unwrap(),
                serde_json::to_value(&schema).unwrap(),
                "two different schemas are named {name}"
            );
        }
        all.insert(name, schema);
    }
}

/// Every type of the HTTP contract, as the server's document will list them.
fn contract() -> BTreeMap<String, RefOr<Schema>> {
    let mut all = BTreeMap::new();
    macro_rules! add_all {
        ($($t:ty),* $(,)?) => { $( add::<$t>(&mut all); )* };
    }
    add_all!(
        // kernel
        CustomerId,
        PlanCode,
        FeatureCode,
        IdempotencyKey,
        Currency,
        DecimalString,
        Money,
        Amount,
        Interval,
        Window,
        Enforcement,
        FeatureKind,
        Period,
        GrantTrigger,
        // plans
        Feature,
        Plan,
        Price,
        Overage,
        PayWith,
        WalletGrant,
        Entitlement,
        Override,
        AddOnSelection,
        CustomerOverrides,
        AddOn,
        AddOnLimit,
        Catalog,
        PlanChange,
        EffectiveEntitlement,
        EntitlementSource,
        Entitlements,
        // quotas, usage, wallet, pricing
        QuotaState,
        DenyReason,
        UsageEvent,
        Drift,
        DriftReport,
        EntryKind,
        LedgerEntry,
        TokenPrice,
        Proration,
        // billing
        Role,
        CustomerStatus,
        Customer,
        SubscriptionStatus,
        ScheduledChange,
        Subscription,
        Invoice,
        InvoiceLine,
        InvoiceStatus,
        CheckoutSession,
        PortalSession,
        // engine
        RecordUsage,
        UsageAnswer,
        CheckAnswer,
        EntitlementStatus,
        ChangePreview,
        ChangeKind,
        StartCheckout,
        WalletView,
        NewCustomer,
        AuditEntry,
        BillingEventRecord,
        EventStatus,
        JobReport,
        Lease,
        ApiKeyRecord,
        KeyRole,
        Member,
        ApplyOutcome,
    );
    all
}

fn document() -> OpenApi {
    let components = ComponentsBuilder::new()
        .schemas_from_iter(contract())
        .build();
    OpenApiBuilder::new().components(Some(components)).build()
}

/// The document as JSON, with one validator per schema name.
struct Contract {
    doc: Value,
    validators: std::cell::RefCell<BTreeMap<String, Arc<jsonschema::Validator>>>,
}

impl Contract {
    fn new() -> Self {
        Self {
            doc: serde_json::to_value(document()).unwrap(),
            validators: Default::default(),
        }
    }

    fn schemas(&self) -> &serde_json::Map<String, Value> {
        self.doc["components"]["schemas"].as_object().unwrap()
    }

    fn validator(&self, name: &str) -> Arc<jsonschema::Validator> {
        if let Some(v) = self.validators.borrow().get(name) {
            return v.clone();
        }
        assert!(self.schemas().contains_key(name), "no schema named {name}");
        // The document is the root resource, so `#/components/schemas/…` resolves in it.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": self.doc["components"],
        });
        let validator = Arc::new(
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}")),
        );
        self.validators
            .borrow_mut()
            .insert(name.to_owned(), validator.clone());
        validator
    }

    fn errors(&self, name: &str, value: &Value) -> Vec<String> {
        self.validator(name)
            .iter_errors(value)
            .map(|e| format!("{e} (at {})", e.instance_path()))
            .collect()
    }

    /// `$ref`s followed to the schema they name.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/components/schemas/").unwrap();
                self.resolve(&self.schemas()[name])
            }
            None => schema,
        }
    }

    /// The properties an object schema documents (through `allOf`, `oneOf` and `anyOf`),
    /// each with its schema, and the keys every alternative requires; `None` for a schema
    /// that says nothing about keys (a free-form value).
    fn object_shape(&self, schema: &Value) -> Option<(BTreeMap<String, Value>, BTreeSet<String>)> {
        let schema = self.resolve(schema);
        let mut properties = BTreeMap::new();
        let mut required = BTreeSet::new();
        let mut documented = false;
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            documented = true;
            for (k, v) in props {
                properties.insert(k.clone(), v.clone());
            }
        }
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            required.extend(req.iter().map(|r| r.as_str().unwrap().to_owned()));
        }
        for (keyword, all) in [("allOf", true), ("oneOf", false), ("anyOf", false)] {
            let Some(parts) = schema.get(keyword).and_then(Value::as_array) else {
                continue;
            };
            let mut common: Option<BTreeSet<String>> = None;
            for part in parts {
                if let Some((p, r)) = self.object_shape(part) {
                    documented = true;
                    for (k, v) in p {
                        properties.entry(k).or_insert(v);
                    }
                    if all {
                        required.extend(r);
                    } else {
                        common = Some(match common {
                            None => r,
                            Some(c) => c.intersection(&r).cloned().collect(),
                        });
                    }
                }
            }
            required.extend(common.unwrap_or_default());
        }
        documented.then_some((properties, required))
    }

    /// The keys of `value`, at any depth, that its schema does not document.
    fn undocumented(&self, schema: &Value, value: &Value, path: &str, found: &mut Vec<String>) {
        let schema = self.resolve(schema);
        match value {
            Value::Object(map) => {
                let Some((properties, _)) = self.object_shape(schema) else {
                    return; // free-form (`properties`, `payload`, audit snapshots)
                };
                for (key, inner) in map {
                    match properties.get(key) {
                        Some(property) => {
                            self.undocumented(property, inner, &format!("{path}.{key}"), found);
                        }
                        None => found.push(format!("{path}.{key}")),
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = self.array_items(schema) {
                    for (i, item) in items.iter().enumerate() {
                        self.undocumented(&item_schema, item, &format!("{path}[{i}]"), found);
                    }
                }
            }
            _ => {}
        }
    }

    fn array_items(&self, schema: &Value) -> Option<Value> {
        let schema = self.resolve(schema);
        if let Some(items) = schema.get("items") {
            return Some(items.clone());
        }
        ["oneOf", "anyOf", "allOf"].iter().find_map(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .and_then(|parts| parts.iter().find_map(|p| self.array_items(p)))
        })
    }

    /// `value` (the JSON of a `name`) is valid and documents all its keys.
    fn check_json(&self, name: &str, value: &Value) {
        let errors = self.errors(name, value);
        assert!(
            errors.is_empty(),
            "{name} does not validate:\n  {}\nvalue: {value:#}",
            errors.join("\n  ")
        );
        let mut undocumented = Vec::new();
        self.undocumented(&reference(name), value, name, &mut undocumented);
        assert!(
            undocumented.is_empty(),
            "{name} writes keys its schema does not document: {undocumented:?}"
        );
    }

    /// What serde writes for `value` validates against `T`'s schema.
    fn check<T: Serialize + ToSchema>(&self, value: &T) -> Value {
        let json = serde_json::to_value(value).unwrap();
        self.check_json(&T::name(), &json);
        json
    }

    /// [`Contract::check`], and for an object schema without alternatives,
    /// [`Contract::check_required`] on the value's JSON.
    fn check_read<T: Serialize + DeserializeOwned + ToSchema>(&self, value: &T) -> Value {
        let json = self.check(value);
        let schema = self.resolve(&self.schemas()[T::name().as_ref()]);
        let alternatives = schema.get("oneOf").is_some() || schema.get("anyOf").is_some();
        if json.is_object() && !alternatives {
            self.check_required::<T>(&json);
        }
        json
    }

    /// For a type the API reads: dropping any one key of `sample` fails to deserialize exactly
    /// when the schema requires that key.
    fn check_required<T: DeserializeOwned + ToSchema>(&self, sample: &Value) {
        let name = T::name();
        serde_json::from_value::<T>(sample.clone())
            .unwrap_or_else(|e| panic!("the {name} sample does not deserialize: {e}"));
        let (properties, required) = self
            .object_shape(&self.schemas()[name.as_ref()])
            .unwrap_or_else(|| panic!("{name} is not an object schema"));
        for key in &required {
            assert!(
                properties.contains_key(key),
                "{name} requires undocumented {key}"
            );
        }
        for key in sample.as_object().unwrap().keys() {
            let mut without = sample.clone();
            without.as_object_mut().unwrap().remove(key);
            let serde_accepts = serde_json::from_value::<T>(without).is_ok();
            assert_eq!(
                serde_accepts,
                !required.contains(key),
                "{name}: without `{key}` serde {} but the schema {} it",
                if serde_accepts { "accepts" } else { "refuses" },
                if required.contains(key) {
                    "requires"
                } else {
                    "does not require"
                },
            );
        }
    }

    /// Schema and serde give every body the same verdict.
    fn check_agreement<T: DeserializeOwned + ToSchema>(&self, bodies: &[Value]) {
        let name = T::name();
        for body in bodies {
            let serde = serde_json::from_value::<T>(body.clone());
            let errors = self.errors(&name, body);
            assert_eq!(
                serde.is_ok(),
                errors.is_empty(),
                "{name}: serde says {:?}, the schema says {errors:?}, for {body}",
                serde.err().map(|e| e.to_string()),
            );
        }
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn t(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn every_reference_resolves_and_every_schema_compiles() {
    let contract = Contract::new();
    fn refs(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.insert(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = BTreeSet::new();
    refs(&contract.doc, &mut all);
    for r in &all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            contract.schemas().contains_key(name),
            "{r} does not resolve"
        );
    }
    for name in contract.schemas().keys() {
        contract.validator(name);
    }
    assert_eq!(contract.doc["openapi"], "3.1.0");
}

/// An engine on the demo catalog with a paying customer, usage, credits and a renewal.
struct Run {
    engine: Engine,
    stores: tollgate_engine::memory::MemoryStores,
    clock: Arc<ManualClock>,
    fake: Arc<FakeBilling>,
    caller: Caller,
}

fn cid(s: &str) -> CustomerId {
    s.parse().unwrap()
}
fn fc(s: &str) -> FeatureCode {
    s.parse().unwrap()
}
fn pc(s: &str) -> PlanCode {
    s.parse().unwrap()
}

impl Run {
    async fn new() -> Self {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
        ));
        let fake = Arc::new(FakeBilling::new("http://tollgate.test"));
        let (engine, stores) = Engine::in_memory(clock.clone(), Some(clock.clone()), fake.clone());
        let caller = Caller::new("operator").with_correlation("req-1");
        let catalog = Catalog::from_toml_str(SAAS).unwrap();
        engine.seed_catalog(&catalog, &caller).await.unwrap();
        Self {
            engine,
            stores,
            clock,
            fake,
            caller,
        }
    }

    async fn customer(&self, id: &str) -> Customer {
        self.engine
            .create_customer(
                NewCustomer {
                    id: cid(id),
                    name: format!("Customer {id}"),
                    email: Some(format!("billing@{id}.test")),
                    currency: Some(Currency::USD),
                },
                &self.caller,
            )
            .await
            .unwrap()
            .0
    }

    async fn checkout(&self, id: &str, plan: &str, interval: Interval) -> CheckoutSession {
        self.engine
            .checkout(
                &cid(id),
                &StartCheckout {
                    plan: pc(plan),
                    interval,
                    success_url: "https://app.test/billing/ok".into(),
                    cancel_url: "https://app.test/billing/cancel".into(),
                },
                &format!("checkout-{id}-{plan}"),
                &self.caller,
            )
            .await
            .unwrap()
    }

    async fn pay(&self, session: &CheckoutSession) {
        use tollgate_kernel::Clock;
        let (events, _) = self
            .fake
            .complete_checkout(&session.id, self.clock.now())
            .unwrap();
        for e in events {
            self.engine
                .receive_billing_event(&e, &self.caller)
                .await
                .unwrap();
        }
    }

    fn usage(customer: &str, feature: &str, quantity: i64, key: &str) -> RecordUsage {
        RecordUsage {
            customer: cid(customer),
            feature: fc(feature),
            quantity,
            idempotency_key: key.parse::<IdempotencyKey>().unwrap(),
            occurred_at: None,
            properties: None,
        }
    }
}

#[tokio::test]
async fn values_from_an_engine_run_validate_against_their_schemas() {
    let c = Contract::new();
    let run = Run::new().await;
    let (engine, caller) = (&run.engine, &run.caller);
    let acme = cid("acme");

    // The catalog, as loaded from the demo file and as the admin API lists it.
    let catalog = Catalog::from_toml_str(SAAS).unwrap();
    c.check_read(&catalog);
    for plan in engine.all_plans().await.unwrap() {
        c.check_read(&plan);
        plan.prices.iter().for_each(|p| drop(c.check_read(p)));
        plan.wallet_grants
            .iter()
            .for_each(|g| drop(c.check_read(g)));
        for e in &plan.entitlements {
            c.check_read(e);
            if let Some(o) = &e.overage {
                c.check_read(o);
            }
        }
    }
    for feature in engine.features().await.unwrap() {
        c.check_read(&feature);
    }
    for addon in &catalog.addons {
        c.check_read(addon);
        addon.adds.iter().for_each(|a| drop(c.check_read(a)));
    }

    // A customer on a trial, then paying through checkout (which ends the trial).
    c.check_read(&run.customer("acme").await);
    let trial = engine.start_trial(&acme, &pc("pro"), caller).await.unwrap();
    assert_eq!(trial.status, SubscriptionStatus::Trialing);
    c.check_read(&trial);
    let session = run.checkout("acme", "pro", Interval::Month).await;
    c.check_read(&session);
    run.pay(&session).await;
    let paid = engine.subscription(&acme).await.unwrap();
    assert_eq!(paid.status, SubscriptionStatus::Active);
    c.check_read(&paid);
    c.check_read(
        &engine
            .portal(&acme, "https://app.test/account")
            .await
            .unwrap(),
    );

    // Token prices, overrides with every kind of value, add-ons.
    let prices = engine
        .put_token_prices(
            vec![
                serde_json::from_value(json!({"provider": "openai", "model": "gpt-4o-mini",
                "currency": "USD", "input_per_million": "0.15", "output_per_million": "0.60"}))
                .unwrap(),
            ],
            caller,
        )
        .await
        .unwrap();
    prices.iter().for_each(|p| drop(c.check_read(p)));
    let overrides: CustomerOverrides = serde_json::from_value(json!({
        "overrides": [
            {"feature": "api_calls", "limit": null},
            {"feature": "ai_queries", "limit": 5000, "enforcement": "soft"},
            {"feature": "white_label", "enabled": true},
            {"feature": "retention_days", "value": "forever"},
            {"feature": "members", "enforcement": "soft"}],
        "addons": [{"code": "storage_10gb", "quantity": 2}]}))
    .unwrap();
    let stored = engine
        .put_overrides(&acme, overrides.clone(), caller)
        .await
        .unwrap();
    c.check_read(&stored);
    stored.overrides.iter().for_each(|o| drop(c.check_read(o)));
    stored.addons.iter().for_each(|a| drop(c.check_read(a)));

    // Usage: new, duplicate, priced from the wallet, soft overage, a gauge going down.
    let (first, created) = engine
        .record_usage(Run::usage("acme", "api_calls", 10, "req-1"), caller)
        .await
        .unwrap();
    assert!(created);
    c.check_read(&first);
    let (again, _) = engine
        .record_usage(Run::usage("acme", "api_calls", 10, "req-1"), caller)
        .await
        .unwrap();
    assert!(again.duplicate);
    c.check_read(&again);
    let mut tokens = Run::usage("acme", "ai_tokens", 1500, "tok-1");
    tokens.properties = Some(json!({"provider": "openai", "model": "gpt-4o-mini",
        "input_tokens": 1000, "output_tokens": 500}));
    tokens.occurred_at = Some(t("2026-11-10T11:59:00Z"));
    c.check_read(&tokens);
    let (priced, _) = engine.record_usage(tokens, caller).await.unwrap();
    assert_eq!(c.check_read(&priced)["cost"]["amount"], "0.000450");
    let (over, _) = engine
        .record_usage(Run::usage("acme", "ai_queries", 5001, "q-1"), caller)
        .await
        .unwrap();
    assert_eq!(over.state, QuotaState::Over);
    c.check_read(&over);
    for (q, key) in [(1000, "s-1"), (-400, "s-2")] {
        c.check_read(
            &engine
                .record_usage(Run::usage("acme", "storage_bytes", q, key), caller)
                .await
                .unwrap()
                .0,
        );
    }

    // Checks (allowed and refused), entitlements, a lease, the wallet.
    c.check_read(&engine.check(&acme, &fc("analytics"), 0).await.unwrap());
    let refused: CheckAnswer = engine
        .check(&acme, &fc("max_upload_bytes"), 300_000_000)
        .await
        .unwrap();
    assert!(!refused.allowed && refused.reason.is_some());
    c.check_read(&refused);
    let statuses = engine.entitlements(&acme).await.unwrap();
    assert!(
        statuses.iter().any(|s| s.value.is_some()) && statuses.iter().any(|s| s.limit.is_none())
    );
    statuses.iter().for_each(|s| drop(c.check_read(s)));
    c.check_read(
        &engine
            .acquire_lease(&acme, &fc("concurrent_jobs"), 60)
            .await
            .unwrap(),
    );
    let wallet: WalletView = engine.wallet(&acme).await.unwrap();
    assert!(wallet.entries.len() >= 2, "a grant and a debit");
    c.check_read(&wallet);
    wallet.entries.iter().for_each(|e| drop(c.check_read(e)));
    wallet.balances.iter().for_each(|b| drop(c.check_read(b)));

    // Plan changes: an upgrade to a plan the operator adds (prorated now), a downgrade
    // (scheduled for the period end).
    let team: Plan = serde_json::from_str(&DESIGN_PLAN.replace("\"pro\"", "\"team\"")).unwrap();
    c.check_read(&engine.create_plan(team, caller).await.unwrap());
    run.clock.set(t("2026-11-20T12:00:00Z"));
    let up = engine
        .preview_change(&acme, &pc("team"), None)
        .await
        .unwrap();
    assert_eq!(up.kind, ChangeKind::Upgrade);
    c.check_read(&up);
    c.check_read(&up.proration.unwrap());
    let down: ChangePreview = engine
        .preview_change(&acme, &pc("hobby"), None)
        .await
        .unwrap();
    assert_eq!(down.kind, ChangeKind::Downgrade);
    c.check_read(&down);
    let scheduled = engine
        .change_plan(&acme, &pc("hobby"), None, "down-1", caller)
        .await
        .unwrap();
    c.check_read(scheduled.scheduled_change.as_ref().unwrap());
    c.check_read(&scheduled);

    // A month later: renewal and the downgrade applied by the jobs.
    let report: JobReport = engine.advance_clock(31 * 24 * 3600, caller).await.unwrap();
    c.check_read(&report);
    c.check_read(&JobReport::default());
    c.check_read(&engine.subscription(&acme).await.unwrap());
    let invoices = engine.deps().invoices.list(&acme).await.unwrap();
    assert!(invoices.iter().any(|i| !i.lines.is_empty()));
    for invoice in &invoices {
        c.check_read(invoice);
        invoice.lines.iter().for_each(|l| drop(c.check_read(l)));
    }

    // The operator's views: webhook log, audit trail, usage log, reconciliation, customers.
    let events = engine
        .billing_events(&WebhookQuery::default())
        .await
        .unwrap();
    assert!(!events.is_empty());
    events.iter().for_each(|e| drop(c.check_read(e)));
    let replayed = engine
        .process_billing_event(&events[0].provider, &events[0].event_id, true, caller)
        .await
        .unwrap();
    c.check_read(&replayed);
    let audit = engine
        .deps()
        .audit
        .list(&AuditQuery::default())
        .await
        .unwrap();
    assert!(
        audit.iter().any(|a| a.before.is_some())
            && audit.iter().any(|a| a.correlation_id.is_some())
    );
    audit.iter().for_each(|a| drop(c.check_read(a)));
    let usage_events = run.stores.usage.list(&UsageQuery::default()).await.unwrap();
    assert!(usage_events.iter().any(|e| e.cost.is_some()));
    usage_events.iter().for_each(|e| drop(c.check_read(e)));
    c.check_read(&engine.reconcile(None, false, caller).await.unwrap());
    run.customer("gone").await;
    engine.delete_customer(&cid("gone"), caller).await.unwrap();
    c.check_read(&engine.customers().await.unwrap()[0]);
    let customers = engine.deps().customers.list().await.unwrap(); // deleted ones too
    assert!(
        customers
            .iter()
            .any(|c| c.status == CustomerStatus::Deleted)
    );
    customers.iter().for_each(|x| drop(c.check_read(x)));

    // Effective entitlements as the plans crate resolves them.
    let pro = catalog.plans.iter().find(|p| p.code == pc("pro")).unwrap();
    let storage = catalog.addons[0].clone();
    let resolved: Entitlements = tollgate_plans::resolve(
        Some(pro),
        &FeatureCatalog::new(catalog.features.clone()).unwrap(),
        &[(storage, 2)],
        &overrides,
    );
    c.check(&resolved);
    resolved.iter().for_each(|e| drop(c.check(e)));
}

#[test]
fn hand_made_values_validate_against_their_schemas() {
    let c = Contract::new();
    let at = t("2026-11-10T12:00:00Z");
    // Written but never read.
    for change in [PlanChange::Upgrade, PlanChange::Downgrade, PlanChange::Same] {
        c.check(&change);
    }
    for source in [
        EntitlementSource::Plan,
        EntitlementSource::AddOn,
        EntitlementSource::Override,
        EntitlementSource::NotIncluded,
    ] {
        c.check(&source);
    }
    macro_rules! every {
        ($($v:expr),* $(,)?) => { $( c.check_read(&$v); )* };
    }
    every!(
        FeatureKind::Boolean,
        FeatureKind::Metered,
        FeatureKind::Gauge,
        FeatureKind::Concurrency,
        FeatureKind::PerRequest,
        FeatureKind::Config,
        Enforcement::Hard,
        Enforcement::Soft,
        Interval::Month,
        Interval::Year,
        Window::Day,
        Window::Week,
        Window::Month,
        Window::BillingCycle,
        Window::Lifetime,
        GrantTrigger::Start,
        GrantTrigger::Renewal,
        GrantTrigger::Upgrade,
        PayWith::Wallet,
        QuotaState::Ok,
        QuotaState::Approaching,
        QuotaState::AtLimit,
        QuotaState::Over,
        DenyReason::QuotaExceeded,
        DenyReason::FeatureDisabled,
        DenyReason::OverRequestCap,
        DenyReason::ConcurrencyLimit,
        DenyReason::NotCheckable,
        EntryKind::Grant,
        EntryKind::Debit,
        EntryKind::Adjustment,
        EntryKind::Expiry,
        Role::Owner,
        Role::Admin,
        Role::Member,
        CustomerStatus::Active,
        CustomerStatus::Deleted,
        SubscriptionStatus::Incomplete,
        SubscriptionStatus::Trialing,
        SubscriptionStatus::Active,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Locked,
        SubscriptionStatus::Canceled,
        InvoiceStatus::Draft,
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
        InvoiceStatus::Uncollectible,
        ChangeKind::Upgrade,
        ChangeKind::Downgrade,
        EventStatus::Received,
        EventStatus::Processed,
        EventStatus::Failed,
        EventStatus::Ignored,
        KeyRole::Admin,
        KeyRole::Server,
        ApplyOutcome::Processed,
        ApplyOutcome::Duplicate,
        ApplyOutcome::Ignored("stale snapshot".into()),
        ApplyOutcome::Failed("boom".into()),
        Currency::VND,
        Currency::JPY,
        Currency::from_iso("KWD").unwrap(),
        Money::new(-2000, Currency::USD),
        Money::new(1_190_000, Currency::VND),
        Amount::new(Currency::USD, Decimal::new(-45, 5)),
        Amount::zero(Currency::JPY),
        Amount::new(Currency::EUR, Decimal::new(123_456_789, 0)),
        Period::new(at, t("2026-12-10T12:00:00Z")).unwrap(),
        Drift {
            customer: cid("acme"),
            feature: fc("api_calls"),
            window_key: "m202611".into(),
            stored: 13,
            expected: 40
        },
        ApiKeyRecord {
            id: "key_1".into(),
            name: "backend".into(),
            role: KeyRole::Server,
            hash: tollgate_engine::hash_secret("tg_secret"),
            prefix: "tg_sec".into(),
            created_at: at,
            revoked_at: Some(t("2026-11-11T00:00:00Z"))
        },
        Member {
            customer: cid("acme"),
            user_id: "u-1".into(),
            role: Role::Owner,
            created_at: at
        },
        Invoice {
            id: "in_1".into(),
            customer: cid("acme"),
            number: None,
            status: InvoiceStatus::Void,
            currency: Currency::USD,
            amount_due: 4000,
            amount_paid: 0,
            period: None,
            hosted_url: None,
            provider_invoice_id: None,
            created_at: at,
            lines: vec![InvoiceLine {
                description: "Unused time on Pro".into(),
                amount_minor: -2000,
                quantity: 1,
                proration: true,
                period: None
            }]
        },
        AuditEntry::new(
            &Caller::system(),
            at,
            "plan.create",
            "plan:pro".into(),
            None,
            Some(json!({"code": "pro"}))
        ),
    );
}

#[test]
fn schema_and_serde_agree_on_request_bodies() {
    let c = Contract::new();
    let long = "a".repeat(129);
    c.check_agreement::<CustomerId>(&[
        json!("acme"),
        json!("org_42:eu-west.1@x"),
        json!("a".repeat(128)),
        json!(long),
        json!(""),
        json!("acme corp"),
        json!("acme/../x"),
        json!("äcme"),
        json!(42),
        json!(null),
    ]);
    c.check_agreement::<PlanCode>(&[json!("pro"), json!("a".repeat(65)), json!("p r o")]);
    c.check_agreement::<FeatureCode>(&[json!("api_calls"), json!("api calls")]);
    c.check_agreement::<IdempotencyKey>(&[json!("req-1"), json!("k".repeat(256))]);
    c.check_agreement::<Currency>(&[
        json!("USD"),
        json!("VND"),
        json!("KWD"),
        json!("EURO"),
        json!("XXX"),
        json!(""),
        json!(840),
    ]);
    c.check_agreement::<Window>(&[json!("day"), json!("billing_cycle"), json!("fortnight")]);
    c.check_agreement::<Interval>(&[json!("month"), json!("year"), json!("week")]);
    c.check_agreement::<Entitlement>(&[
        json!({"feature": "api_calls", "limit": 10000, "window": "month", "enforcement": "hard"}),
        json!({"feature": "api_calls", "limit": null}),
        json!({"feature": "api_calls", "limit": "unlimited"}),
        json!({"feature": "ai_queries", "limit": 1000, "window": "month", "enforcement": "soft",
            "overage": {"currency": "USD", "unit_amount": "0.003"}, "warn_at": [50, 80, 100]}),
        json!({"feature": "ai_tokens", "limit": 5000000, "pay_with": "wallet"}),
        json!({"feature": "analytics", "enabled": true}),
        json!({"feature": "retention_days", "value": 365}),
        json!({"feature": "retention_days", "value": null}),
        json!({"feature": "export_formats", "value": ["csv", "json"]}),
        json!({"feature": "x"}),
        json!({"feature": "x", "window": "month"}),
        json!({"feature": "x", "limit": 1, "enabled": true}),
        json!({"feature": "x", "enabled": true, "value": 1}),
        json!({"feature": "x", "limt": 1}),
        json!({"feature": "x", "limit": "lots"}),
        json!({"feature": "x", "limit": 1.5}),
        json!({"feature": "x", "limit": 1, "window": "fortnight"}),
        json!({"feature": "x", "limit": 1, "warn_at": [300]}),
        json!({"feature": "x", "limit": 1, "pay_with": "card"}),
        json!({"feature": "x", "limit": 1, "overage": {"currency": "USD", "unit_amount": 0.003}}),
        json!({"feature": "x", "enabled": "yes"}),
        json!({"feature": "bad code", "limit": 1}),
        json!({"limit": 1}),
    ]);
    c.check_agreement::<Override>(&[
        json!({"feature": "api_calls", "limit": null}),
        json!({"feature": "ai_queries", "limit": 5000, "enforcement": "soft"}),
        json!({"feature": "analytics", "enabled": true}),
        json!({"feature": "retention_days", "value": null}),
        json!({"feature": "storage_bytes", "enforcement": "soft"}),
        json!({"feature": "x", "limit": "unlimited", "enforcement": "hard"}),
        json!({"feature": "x"}),
        json!({"feature": "x", "limit": 1, "value": 2}),
        json!({"feature": "x", "limit": 1, "window": "month"}),
        json!({"feature": "x", "enforcement": "medium"}),
    ]);
    c.check_agreement::<CustomerOverrides>(&[
        json!({}),
        json!({"overrides": [{"feature": "x", "enabled": false}],
            "addons": [{"code": "storage_10gb", "quantity": 2}]}),
        json!({"addons": [{"code": "storage_10gb", "quantity": -1}]}),
        json!({"addons": [{"code": "storage_10gb"}]}),
        json!({"overrides": [{"feature": "x"}]}),
        json!({"overridez": []}),
    ]);
    c.check_agreement::<Overage>(&[
        json!({"currency": "USD", "unit_amount": "0.003"}),
        json!({"currency": "USD", "unit_amount": "-2"}),
        json!({"currency": "USD", "unit_amount": 0.003}),
        json!({"currency": "USD", "unit_amount": "3/1000"}),
        json!({"currency": "USD", "unit_amount": ""}),
        json!({"currency": "USD"}),
        json!({"currency": "USD", "unit_amount": "0.003", "per": "call"}),
    ]);
    c.check_agreement::<Feature>(&[
        json!({"code": "api_calls", "name": "API calls", "kind": "metered", "unit": "call"}),
        json!({"code": "analytics", "name": "Analytics", "kind": "boolean"}),
        json!({"code": "x", "name": "X", "kind": "boolean", "unit": null, "description": "d"}),
        json!({"code": "x", "name": "X", "kind": "counter"}),
        json!({"code": "x", "kind": "boolean"}),
        json!({"code": "x", "name": "X", "kind": "boolean", "units": "call"}),
    ]);
    c.check_agreement::<Plan>(&[
        serde_json::from_str(DESIGN_PLAN).unwrap(),
        json!({"code": "x", "name": "X", "priority": 1}),
        json!({"code": "x", "name": "X", "priority": 1, "trial_days": -1}),
        json!({"code": "x", "name": "X"}),
        json!({"code": "x", "name": "X", "priority": 1, "tier": "gold"}),
        json!({"code": "x", "name": "X", "priority": 1,
            "prices": [{"currency": "USD", "interval": "month", "amount_minor": 4.5}]}),
        json!({"code": "x", "name": "X", "priority": 1,
            "wallet_grants": [{"amount_minor": 500, "currency": "USD", "on": "signup"}]}),
        json!({"code": "x", "name": "X", "priority": 1,
            "entitlements": [{"feature": "a", "limit": 1, "enabled": true}]}),
    ]);
    c.check_agreement::<TokenPrice>(&[
        json!({"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
            "input_per_million": "0.15", "output_per_million": "0.60"}),
        json!({"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
            "input_per_million": 0.15, "output_per_million": "0.60"}),
        json!({"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
            "input_per_million": "0.15"}),
    ]);
    c.check_agreement::<RecordUsage>(&[
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "r1"}),
        json!({"customer": "acme", "feature": "storage_bytes", "quantity": -500,
            "idempotency_key": "r2", "occurred_at": "2026-11-10T12:00:00Z",
            "properties": {"model": "gpt-4o-mini"}}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "r3",
            "occurred_at": "2026-11-10T13:00:00+01:00", "properties": null}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "r4",
            "occurred_at": "yesterday"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": "1", "idempotency_key": "r5"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1.5, "idempotency_key": "r6"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "",}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "r7",
            "billable": true}),
    ]);
    c.check_agreement::<NewCustomer>(&[
        json!({"id": "acme", "name": "Acme"}),
        json!({"id": "acme", "name": "Acme", "email": "billing@acme.test", "currency": "EUR"}),
        json!({"id": "acme", "name": "Acme", "email": null, "currency": null}),
        json!({"id": "acme", "name": "Acme", "currency": "ACME"}),
        json!({"name": "Acme"}),
        json!({"id": "acme", "name": "Acme", "plan": "pro"}),
    ]);
    c.check_agreement::<StartCheckout>(&[
        json!({"plan": "pro", "interval": "month", "success_url": "https://a.test/ok",
            "cancel_url": "https://a.test/no"}),
        json!({"plan": "pro", "interval": "week", "success_url": "https://a.test/ok",
            "cancel_url": "https://a.test/no"}),
        json!({"plan": "pro", "interval": "month", "success_url": "https://a.test/ok"}),
    ]);
    c.check_agreement::<Amount>(&[
        json!({"currency": "USD", "amount": "4.999550"}),
        json!({"currency": "USD", "amount": 4.99}),
        json!({"currency": "USD", "amount": "x"}),
    ]);
    c.check_agreement::<ApplyOutcome>(&[
        json!({"outcome": "processed"}),
        json!({"outcome": "ignored", "detail": "stale snapshot"}),
        json!({"outcome": "ignored"}),
        json!({"outcome": "exploded"}),
    ]);
}

/// Where serde is more lenient than the documented contract. The schema lists the canonical
/// spelling only, so generated clients and fuzzers send what Tollgate writes; the server still
/// accepts these spellings. Anything lenient that is not listed here must agree (test above).
#[test]
fn the_schema_is_stricter_than_serde_only_on_these_spellings() {
    let c = Contract::new();
    fn lenient<T: DeserializeOwned + ToSchema>(c: &Contract, body: Value) {
        assert!(
            serde_json::from_value::<T>(body.clone()).is_ok(),
            "serde refuses {body}"
        );
        assert!(
            !c.errors(&T::name(), &body).is_empty(),
            "the schema accepts {body}"
        );
    }
    // Currencies: any case, surrounding spaces.
    lenient::<Currency>(&c, json!("usd"));
    lenient::<Currency>(&c, json!(" EUR "));
    // Aliases of windows and intervals.
    lenient::<Window>(&c, json!("monthly"));
    lenient::<Interval>(&c, json!("yearly"));
    lenient::<Interval>(&c, json!("annual"));
    // What `Decimal::from_str` also reads: exponents, a plus sign, separators, bare points.
    for amount in ["1e-3", "+0.5", "1_000", ".5", "2.", " 0.003"] {
        lenient::<Overage>(&c, json!({"currency": "USD", "unit_amount": amount}));
    }
    // Validation inside deserialization that no schema keyword expresses: a token price must
    // have a non-blank provider and model and lie in [0, 10^9].
    // (Negative prices and blank names are refused by serde; the schema only says "decimal
    // string" and "string".)
    let negative = json!({"provider": "openai", "model": "m", "currency": "USD",
        "input_per_million": "-1", "output_per_million": "0"});
    assert!(serde_json::from_value::<TokenPrice>(negative.clone()).is_err());
    assert!(c.errors("TokenPrice", &negative).is_empty());
}

#[test]
fn the_checks_catch_what_they_look_for() {
    let c = Contract::new();
    let answer = json!({"id": "evt_1", "accepted": true, "duplicate": false,
        "feature": "api_calls", "used": 10, "limit": 100, "remaining": 90,
        "resets_at": "2026-12-01T00:00:00Z", "state": "ok", "overage": 0, "cost": null,
        "warnings": []});
    assert!(c.errors("UsageAnswer", &answer).is_empty());
    for (key, bad) in [
        ("used", json!("10")),
        ("resets_at", json!("soon")),
        ("state", json!("fine")),
        ("cost", json!({"currency": "USD", "amount": 0.00045})),
    ] {
        let mut wrong = answer.clone();
        wrong[key] = bad;
        assert!(!c.errors("UsageAnswer", &wrong).is_empty(), "{key}");
    }
    let mut missing = answer.clone();
    missing.as_object_mut().unwrap().remove("state");
    assert!(!c.errors("UsageAnswer", &missing).is_empty());
    let mut extra = answer.clone();
    extra["surprise"] = json!(1);
    let mut undocumented = Vec::new();
    c.undocumented(
        &reference("UsageAnswer"),
        &extra,
        "UsageAnswer",
        &mut undocumented,
    );
    assert_eq!(undocumented, ["UsageAnswer.surprise"]);
    let subscription_without_period = json!({"customer": "acme", "plan": "pro",
        "interval": "month", "currency": "USD", "status": "active",
        "cancel_at_period_end": false, "created_at": "2026-11-10T12:00:00Z",
        "updated_at": "2026-11-10T12:00:00Z", "version": 1});
    assert!(
        !c.errors("Subscription", &subscription_without_period)
            .is_empty()
    );
}
