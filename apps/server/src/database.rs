//! `tollgate migrate` and `tollgate reconcile`, and opening the database at start.

use std::process::ExitCode;
use std::sync::Arc;

use sea_orm_migration::MigratorTrait;
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::{Caller, Reconciler};
use tollgate_kernel::{CustomerId, SystemClock};
use tollgate_migrations::Migrator;
use tollgate_store_sql::{SqlOptions, SqlStore, describe_db_error};

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tollgate.db?mode=rwc";

pub fn database_url() -> String {
    std::env::var("TOLLGATE_DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// Where the database is, without credentials: no user or password before the host, no
/// query parameters (which may carry `password=`), except SQLite's harmless `mode`.
pub fn redacted(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://{host}")
        }
        None => base.to_owned(),
    };
    if url.starts_with("sqlite:") && query.split('&').all(|p| p.starts_with("mode=")) {
        url.to_owned()
    } else {
        base
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("cannot start the runtime: {e}");
        ExitCode::from(1)
    })
}

async fn connect(url: &str) -> Result<SqlStore, ExitCode> {
    SqlStore::connect(&SqlOptions::new(url)).await.map_err(|e| {
        eprintln!("{}: {e}", redacted(url));
        ExitCode::from(1)
    })
}

/// Runs `task` on the configured database, without migrating it first.
fn on_store<F, Fut>(task: F) -> ExitCode
where
    F: FnOnce(SqlStore, String) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    let url = database_url();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async {
        match connect(&url).await {
            Ok(store) => task(store, url).await,
            Err(code) => code,
        }
    })
}

/// `tollgate migrate [up | down [N] | status]`.
#[allow(clippy::print_stdout)]
pub fn migrate(args: &[&str]) -> ExitCode {
    on_store(|store, url| async move {
        let db = store.db();
        let result = match args {
            [] | ["up"] => Migrator::up(db, None).await,
            ["down"] => Migrator::down(db, Some(1)).await,
            ["down", "all"] => Migrator::down(db, None).await,
            ["down", n] => match n.parse::<u32>() {
                Ok(n) => Migrator::down(db, Some(n)).await,
                Err(_) => {
                    eprintln!("tollgate migrate down [N | all]");
                    return ExitCode::from(2);
                }
            },
            ["status"] => Ok(()),
            _ => {
                eprintln!("tollgate migrate [up | down [N | all] | status]");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = result {
            eprintln!("migration failed: {}", describe_db_error(&e));
            return ExitCode::from(1);
        }
        let counts = async {
            let applied = Migrator::get_applied_migrations(db).await?.len();
            let pending = Migrator::get_pending_migrations(db).await?.len();
            Ok::<_, sea_orm_migration::DbErr>((applied, pending))
        };
        let (applied, pending) = match counts.await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cannot read the migration state: {}", describe_db_error(&e));
                return ExitCode::from(1);
            }
        };
        println!(
            "{}: {applied} migrations applied, {pending} pending",
            redacted(&url)
        );
        ExitCode::SUCCESS
    })
}

/// `tollgate reconcile [CUSTOMER] [--repair]`.
#[allow(clippy::print_stdout)]
pub fn reconcile(args: &[&str]) -> ExitCode {
    let repair = args.contains(&"--repair");
    let customer = match args.iter().find(|a| !a.starts_with("--")) {
        Some(id) => match CustomerId::parse(*id) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    on_store(|store, _url| async move {
        let engine = store.engine(
            Arc::new(SystemClock::new()),
            None,
            Arc::new(FakeBilling::new("http://localhost")),
            None,
        );
        let report = if repair {
            engine
                .reconcile(customer.as_ref(), true, &Caller::new("operator"))
                .await
                .map_err(|e| e.to_string())
        } else {
            store
                .reconcile(customer.as_ref(), false)
                .await
                .map_err(|e| e.to_string())
        };
        match report {
            Ok(r) => {
                println!("checked {} counters, {} drifted", r.checked, r.drifts.len());
                for d in &r.drifts {
                    println!(
                        "  {} {} {}: stored {} expected {}{}",
                        d.customer,
                        d.feature,
                        d.window_key,
                        d.stored,
                        d.expected,
                        if repair { " (repaired)" } else { "" }
                    );
                }
                if r.is_clean() || repair {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(3)
                }
            }
            Err(e) => {
                eprintln!("reconciliation failed: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// Opens the configured database, migrating it, and loads `catalog` when it has no plans.
#[allow(clippy::print_stdout)]
pub fn open_and_seed(catalog: &tollgate_plans::Catalog) -> ExitCode {
    let url = database_url();
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async {
        let store = match SqlStore::open(&SqlOptions::new(url.as_str())).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: {e}", redacted(&url));
                return ExitCode::from(1);
            }
        };
        let engine = store.engine(
            Arc::new(SystemClock::new()),
            None,
            Arc::new(FakeBilling::new("http://localhost")),
            None,
        );
        let seeded = match engine.all_plans().await {
            Ok(plans) if plans.is_empty() => {
                match engine.seed_catalog(catalog, &Caller::system()).await {
                    Ok(_) => true,
                    Err(e) => {
                        eprintln!("cannot load the catalog: {e}");
                        return ExitCode::from(1);
                    }
                }
            }
            Ok(_) => false,
            Err(e) => {
                eprintln!("cannot read the catalog: {e}");
                return ExitCode::from(1);
            }
        };
        println!(
            "database ready: {} (schema migrated{})",
            redacted(&url),
            if seeded { ", demo catalog loaded" } else { "" }
        );
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_printed() {
        assert_eq!(
            redacted("postgres://tollgate:s3cret@db.internal:5432/billing"),
            "postgres://db.internal:5432/billing"
        );
        assert_eq!(redacted(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
        assert_eq!(
            redacted("postgres://db.internal/billing?user=u&password=s3cret"),
            "postgres://db.internal/billing"
        );
        assert_eq!(redacted("sqlite://x.db?key=s3cret"), "sqlite://x.db");
    }
}
