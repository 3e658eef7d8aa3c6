//! The commands that work on the database directly: `migrate`, `reconcile`, `keys`, and the
//! catalog check. Each takes the database URL (or catalog path) from the [`crate::Config`]
//! that `main` loads once, so they reach the same database as `serve`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use sea_orm_migration::MigratorTrait;
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::{AccessStore, Caller, KeyRole, Reconciler};
use tollgate_kernel::{CustomerId, SystemClock};
use tollgate_migrations::Migrator;
use tollgate_store_sql::{SqlOptions, SqlStore, describe_db_error};

pub use crate::config::{DEFAULT_CATALOG, DEFAULT_DATABASE_URL};

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

/// Runs `task` on the database at `url`, without migrating it first.
pub(crate) fn on_store<F, Fut>(url: &str, task: F) -> ExitCode
where
    F: FnOnce(SqlStore, String) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    let url = url.to_owned();
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
pub fn migrate(database_url: &str, args: &[&str]) -> ExitCode {
    on_store(database_url, |store, url| async move {
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

/// `tollgate reconcile [CUSTOMER] [--repair]`: one customer at a time, with a progress bar
/// on a terminal.
#[allow(clippy::print_stdout)]
pub fn reconcile(database_url: &str, customer: Option<&str>, repair: bool) -> ExitCode {
    let customer = match customer.map(CustomerId::parse).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    on_store(database_url, |store, _url| async move {
        let engine = store.engine(
            Arc::new(SystemClock::new()),
            None,
            Arc::new(FakeBilling::new("http://localhost")),
            None,
        );
        let targets: Vec<Option<CustomerId>> = match customer {
            Some(c) => vec![Some(c)],
            None => match engine.customers().await {
                Ok(list) if !list.is_empty() => list.into_iter().map(|c| Some(c.id)).collect(),
                Ok(_) => vec![None],
                Err(e) => {
                    eprintln!("cannot list customers: {e}");
                    return ExitCode::from(1);
                }
            },
        };
        let bar = if std::io::stderr().is_terminal() && targets.len() > 1 {
            let bar = ProgressBar::new(targets.len() as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} customers {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let (mut checked, mut drifts) = (0, Vec::new());
        for target in &targets {
            let report = if repair {
                engine
                    .reconcile(target.as_ref(), true, &Caller::new("operator:cli"))
                    .await
                    .map_err(|e| e.to_string())
            } else {
                store
                    .reconcile(target.as_ref(), false)
                    .await
                    .map_err(|e| e.to_string())
            };
            match report {
                Ok(r) => {
                    checked += r.checked;
                    drifts.extend(r.drifts);
                }
                Err(e) => {
                    bar.abandon();
                    eprintln!("reconciliation failed: {e}");
                    return ExitCode::from(1);
                }
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        println!("checked {checked} counters, {} drifted", drifts.len());
        for d in &drifts {
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
        if drifts.is_empty() || repair {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        }
    })
}

/// `tollgate reconcile` with Redis configured: rebuilds every customer's Redis counters from
/// the usage log (each under a new epoch, so in-flight requests decided on the old values are
/// redone) and reports the counters whose Redis value differed from the log (expected: none).
/// Exit code 3 when some drifted (they are repaired either way).
#[allow(clippy::print_stdout)]
pub fn reconcile_redis(
    database_url: &str,
    redis_url: &str,
    prefix: &str,
    customer: Option<&str>,
) -> ExitCode {
    let customer = match customer.map(CustomerId::parse).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (redis_url, prefix) = (redis_url.to_owned(), prefix.to_owned());
    on_store(database_url, |store, _url| async move {
        let hot = match crate::startup::hot_path(&redis_url, &prefix, &store).await {
            Ok(hot) if hot.is_up() => hot,
            Ok(_) => {
                eprintln!("Redis is unreachable: nothing to rebuild");
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let engine = store
            .engine(
                Arc::new(SystemClock::new()),
                None,
                Arc::new(FakeBilling::new("http://localhost")),
                None,
            )
            .with_hot_path(hot);
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} customers")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let report = engine
            .rebuild_hot_counters(customer.as_ref(), |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await;
        bar.finish_and_clear();
        match report {
            Ok(r) => {
                println!(
                    "rebuilt {} counters of {} customers from the usage log ({} had nothing in Redis), {} drifted",
                    r.counters,
                    r.customers,
                    r.missing,
                    r.drifted.len()
                );
                for d in &r.drifted {
                    println!(
                        "  {}: redis held {} expected {} (repaired)",
                        d.counter, d.held, d.expected
                    );
                }
                if r.drifted.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(3)
                }
            }
            Err(e) => {
                eprintln!("rebuild failed: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// `tollgate keys create --name N --role server|admin`: prints the secret once.
#[allow(clippy::print_stdout)]
pub fn create_key(database_url: &str, name: &str, role: &str) -> ExitCode {
    let role = match role {
        "server" => KeyRole::Server,
        "admin" => KeyRole::Admin,
        other => {
            eprintln!("--role must be server or admin, not {other:?}");
            return ExitCode::from(2);
        }
    };
    let name = name.trim().to_owned();
    on_migrated(database_url, |store| async move {
        match crate::auth::create_key(&store, &name, role, chrono::Utc::now()).await {
            Ok((record, secret)) => {
                println!("{secret}");
                eprintln!(
                    "created {} key {} ({}); the secret above is shown once, only its hash is stored",
                    match record.role {
                        KeyRole::Admin => "admin",
                        KeyRole::Server => "server",
                    },
                    record.id,
                    record.prefix
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot create the key: {e}");
                ExitCode::from(1)
            }
        }
    })
}

#[allow(clippy::print_stdout)]
pub fn list_keys(database_url: &str) -> ExitCode {
    on_migrated(database_url, |store| async move {
        match store.list_keys().await {
            Ok(keys) => {
                for k in keys {
                    println!(
                        "{:<32} {:<7} {:<18} {:<24} {}",
                        k.id,
                        format!("{:?}", k.role).to_lowercase(),
                        k.prefix,
                        k.name,
                        k.revoked_at
                            .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"))
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot list keys: {e}");
                ExitCode::from(1)
            }
        }
    })
}

#[allow(clippy::print_stdout)]
pub fn revoke_key(database_url: &str, id: &str) -> ExitCode {
    let id = id.to_owned();
    on_migrated(database_url, |store| async move {
        match store.revoke_key(&id, chrono::Utc::now()).await {
            Ok(true) => {
                println!("revoked {id}");
                ExitCode::SUCCESS
            }
            Ok(false) => {
                eprintln!("no active key {id}");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("cannot revoke: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// Runs `task` on the database at `url` after migrating it.
fn on_migrated<F, Fut>(url: &str, task: F) -> ExitCode
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    on_store(url, |store, url| async move {
        if let Err(e) = store.migrate().await {
            eprintln!("{}: {e}", redacted(&url));
            return ExitCode::from(1);
        }
        task(store).await
    })
}

/// `tollgate catalog check [FILE]`: `file` is the one given, else the configured catalog;
/// without either, the demo catalog.
#[allow(clippy::print_stdout)]
pub fn check_catalog(file: Option<PathBuf>) -> ExitCode {
    let path = file.unwrap_or_else(|| PathBuf::from(DEFAULT_CATALOG));
    let path: &Path = &path;
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {shown}: {e}");
            return ExitCode::from(1);
        }
    };
    match tollgate_plans::Catalog::from_toml_str(&text) {
        Ok(catalog) => {
            println!(
                "{shown}: {} features, {} plans, {} add-ons",
                catalog.features.len(),
                catalog.plans.len(),
                catalog.addons.len()
            );
            let mut plans: Vec<_> = catalog.plans.iter().collect();
            plans.sort_by_key(|p| p.priority);
            for p in plans {
                let prices: Vec<String> = p
                    .prices
                    .iter()
                    .map(|pr| {
                        format!(
                            "{} / {}",
                            tollgate_kernel::Money::new(pr.amount_minor, pr.currency),
                            pr.interval
                        )
                    })
                    .collect();
                let price = if p.custom {
                    "contact sales".to_owned()
                } else {
                    prices.join(", ")
                };
                println!("  {:<12} {:<14} {price}", p.code, p.name);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{shown}: {e}");
            ExitCode::from(1)
        }
    }
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
