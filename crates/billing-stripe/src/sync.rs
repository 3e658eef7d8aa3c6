//! `tollgate stripe sync`: a Stripe product per plan (`tollgate_<plan>`) and a price per plan
//! price that has no `stripe_price_id` yet, found again by its lookup key so that running it
//! twice (or after a crash half-way) creates nothing twice.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use stripe::StripeRequest;
use stripe_client_core::StripeMethod;
use stripe_product::price::{
    CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, ListPrice,
};
use stripe_product::product::CreateProduct;
use tollgate_billing::BillingError;
use tollgate_kernel::{Currency, Interval, PlanCode};

use crate::StripeBilling;
use crate::api::Api;
use crate::objects::{self, META_INTERVAL, META_PLAN, PriceLike};

/// A catalog price to have at Stripe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedPrice {
    pub plan: PlanCode,
    pub plan_name: String,
    pub currency: Currency,
    pub interval: Interval,
    pub amount_minor: i64,
}

impl WantedPrice {
    /// Stripe prices cannot change amount: a new amount is a new price, so the amount is part
    /// of the key.
    pub fn lookup_key(&self) -> String {
        format!(
            "tollgate_{}_{}_{}_{}",
            self.plan,
            self.currency.code().to_ascii_lowercase(),
            self.interval.as_str(),
            self.amount_minor
        )
    }

    pub fn product_id(&self) -> String {
        format!("tollgate_{}", self.plan)
    }
}

/// What the sync does (or, in a dry run, would do) for one price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SyncStep {
    /// A price with this lookup key exists: its id is recorded in the catalog.
    Link { price_id: String },
    /// No such price yet: one is created (and the product if missing).
    Create,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncLine {
    pub wanted: WantedPrice,
    pub lookup_key: String,
    pub step: SyncStep,
}

#[derive(Debug, Deserialize)]
struct Product {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

impl StripeBilling {
    /// What the sync would do, reading Stripe only.
    ///
    /// # Errors
    /// As [`crate::api::Api::send`].
    pub async fn plan_sync(&self, wanted: &[WantedPrice]) -> Result<Vec<SyncLine>, BillingError> {
        let keys: Vec<String> = wanted.iter().map(WantedPrice::lookup_key).collect();
        let mut found: HashMap<String, String> = HashMap::new();
        for chunk in keys.chunks(10) {
            let page: objects::List<PriceLike> = self
                .api
                .send("list prices", None, || {
                    ListPrice::new()
                        .lookup_keys(chunk.to_vec())
                        .active(true)
                        .limit(100)
                        .build()
                })
                .await?;
            for price in page.data {
                if let Some(key) = price.lookup_key.clone() {
                    found.insert(key, price.id);
                }
            }
        }
        Ok(wanted
            .iter()
            .map(|w| {
                let lookup_key = w.lookup_key();
                let step = match found.get(&lookup_key) {
                    Some(id) => SyncStep::Link {
                        price_id: id.clone(),
                    },
                    None => SyncStep::Create,
                };
                SyncLine {
                    wanted: w.clone(),
                    lookup_key,
                    step,
                }
            })
            .collect())
    }

    /// Carries out `plan`: answers each wanted price with its Stripe price id.
    ///
    /// # Errors
    /// As [`crate::api::Api::send`]; prices made before a failure are found again by lookup
    /// key on the next run.
    pub async fn apply_sync(
        &self,
        plan: &[SyncLine],
    ) -> Result<Vec<(WantedPrice, String)>, BillingError> {
        let mut done = Vec::new();
        let mut products: HashMap<String, ()> = HashMap::new();
        for line in plan {
            let w = &line.wanted;
            let price_id = match &line.step {
                SyncStep::Link { price_id } => price_id.clone(),
                SyncStep::Create => {
                    let product = w.product_id();
                    if products.insert(product.clone(), ()).is_none() {
                        self.ensure_product(w).await?;
                    }
                    let meta = HashMap::from([
                        (META_PLAN.to_owned(), w.plan.to_string()),
                        (META_INTERVAL.to_owned(), w.interval.as_str().to_owned()),
                    ]);
                    let currency: stripe_types::Currency = w
                        .currency
                        .code()
                        .to_ascii_lowercase()
                        .parse()
                        .unwrap_or(stripe_types::Currency::USD);
                    let interval = match w.interval {
                        Interval::Month => CreatePriceRecurringInterval::Month,
                        Interval::Year => CreatePriceRecurringInterval::Year,
                    };
                    let created: PriceLike = self
                        .api
                        .send(
                            "create price",
                            Some(&format!("tollgate:price:{}", line.lookup_key)),
                            || {
                                CreatePrice::new(currency.clone())
                                    .product(product.clone())
                                    .unit_amount(w.amount_minor)
                                    .recurring(CreatePriceRecurring::new(interval.clone()))
                                    .lookup_key(line.lookup_key.clone())
                                    // An archived price may still hold the key.
                                    .transfer_lookup_key(true)
                                    .metadata(meta.clone())
                                    .build()
                            },
                        )
                        .await?;
                    created.id
                }
            };
            done.push((w.clone(), price_id));
        }
        Ok(done)
    }

    /// Creates the plan's product, or renames it when the plan's name changed.
    async fn ensure_product(&self, w: &WantedPrice) -> Result<(), BillingError> {
        let id = w.product_id();
        let existing: Result<Product, BillingError> = self
            .api
            .send("retrieve product", None, || {
                Api::raw(
                    StripeMethod::Get,
                    &format!("/products/{id}"),
                    &BTreeMap::new(),
                )
            })
            .await;
        match existing {
            Ok(p) if p.name.as_deref() == Some(w.plan_name.as_str()) => Ok(()),
            Ok(p) => {
                let form = BTreeMap::from([("name".to_owned(), w.plan_name.clone())]);
                let _: Product = self
                    .api
                    .send(
                        "rename product",
                        Some(&format!("tollgate:product:{}:{}", p.id, w.plan_name)),
                        || Api::raw(StripeMethod::Post, &format!("/products/{}", p.id), &form),
                    )
                    .await?;
                Ok(())
            }
            Err(BillingError::NotFound(_)) => {
                let meta = HashMap::from([(META_PLAN.to_owned(), w.plan.to_string())]);
                let _: Product = self
                    .api
                    .send(
                        "create product",
                        Some(&format!("tollgate:product:{id}")),
                        || {
                            CreateProduct::new(w.plan_name.clone())
                                .id(id.clone())
                                .metadata(meta.clone())
                                .build()
                        },
                    )
                    .await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
