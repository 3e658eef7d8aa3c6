//! `tollgate stripe sync [--dry-run]`: every catalog price without a `stripe_price_id` gets a
//! Stripe product and price (found again by lookup key, so re-running creates nothing twice),
//! and the id is recorded in the catalog.

use std::process::ExitCode;
use std::sync::Arc;

use tollgate_billing_stripe::{StripeBilling, SyncStep, WantedPrice};
use tollgate_engine::Caller;
use tollgate_kernel::SystemClock;

use crate::config::Config;
use crate::database::on_store;
use crate::startup::read_catalog;

/// Runs the sync; exit 0 when done (or, dry, when nothing is missing), 1 on failure, 2 on bad
/// configuration, 4 when a dry run found prices to create or link.
#[allow(clippy::print_stdout)]
pub fn sync(config: &Config, dry_run: bool) -> ExitCode {
    let Some(stripe_config) = config.stripe() else {
        eprintln!("tollgate stripe sync needs TOLLGATE_STRIPE_SECRET_KEY");
        return ExitCode::from(2);
    };
    let stripe = match StripeBilling::new(&stripe_config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let catalog_file = config.catalog.clone();
    on_store(&config.database_url, |store, _url| async move {
        // As `serve` does, so the command works on a fresh database too.
        if let Err(e) = store.migrate().await {
            eprintln!("cannot migrate the database: {e}");
            return ExitCode::from(1);
        }
        let stripe = Arc::new(stripe);
        let engine = store.engine(Arc::new(SystemClock::new()), None, stripe.clone(), None);
        let caller = Caller::new("operator:cli");
        if let Some(path) = &catalog_file {
            // The same seeding as the server's start, so a fresh database has its plans.
            match read_catalog(path) {
                Ok(catalog) => {
                    if let Err(e) = engine.seed_catalog(&catalog, &caller).await {
                        eprintln!("cannot seed the catalog: {e}");
                        return ExitCode::from(1);
                    }
                }
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
        }
        let plans = match engine.all_plans().await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("cannot read the catalog: {e}");
                return ExitCode::from(1);
            }
        };
        let wanted: Vec<WantedPrice> = plans
            .iter()
            .filter(|p| p.active && !p.custom)
            .flat_map(|plan| {
                plan.prices
                    .iter()
                    .filter(|price| price.stripe_price_id.is_none() && price.amount_minor > 0)
                    .map(|price| WantedPrice {
                        plan: plan.code.clone(),
                        plan_name: plan.name.clone(),
                        currency: price.currency,
                        interval: price.interval,
                        amount_minor: price.amount_minor,
                    })
            })
            .collect();
        if wanted.is_empty() {
            println!("every paid catalog price has a stripe_price_id: nothing to do");
            return ExitCode::SUCCESS;
        }
        let plan = match stripe.plan_sync(&wanted).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("cannot read Stripe's prices: {e}");
                return ExitCode::from(1);
            }
        };
        for line in &plan {
            let w = &line.wanted;
            let step = match &line.step {
                SyncStep::Create => "create".to_owned(),
                SyncStep::Link { price_id } => format!("link {price_id}"),
            };
            println!(
                "{step:<32} {:<12} {} {:<5} {:>10}  {}",
                w.plan.as_str(),
                w.currency.code(),
                w.interval.as_str(),
                w.amount_minor,
                line.lookup_key
            );
        }
        if dry_run {
            println!("dry run: {} price(s) to sync, nothing changed", plan.len());
            return ExitCode::from(4);
        }
        let done = match stripe.apply_sync(&plan).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("sync stopped: {e} (re-run it: what was created is found again)");
                return ExitCode::from(1);
            }
        };
        for (w, price_id) in &done {
            if let Err(e) = engine
                .link_provider_price(
                    &w.plan,
                    w.currency,
                    w.interval,
                    w.amount_minor,
                    price_id,
                    &caller,
                )
                .await
            {
                eprintln!("cannot record {price_id} on plan {}: {e}", w.plan);
                return ExitCode::from(1);
            }
        }
        println!("synced {} price(s)", done.len());
        ExitCode::SUCCESS
    })
}
