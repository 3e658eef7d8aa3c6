//! The `tollgate` command. The HTTP server is not wired yet; today the command prepares the
//! database (migrations, demo catalog), reconciles counters and validates plan catalogs.

mod database;

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_CATALOG: &str = "fixtures/catalogs/saas.toml";

const USAGE: &str = "\
usage: tollgate                                   open TOLLGATE_DATABASE_URL (default sqlite://tollgate.db), migrate it, load the catalog if empty
       tollgate migrate [up | down [N | all] | status]
       tollgate reconcile [CUSTOMER] [--repair]   recompute counters from usage events
       tollgate catalog check [FILE]              validate a plan catalog (default: TOLLGATE_CATALOG or fixtures/catalogs/saas.toml)
       tollgate --version";

#[allow(clippy::print_stdout)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--version"] => {
            println!("tollgate {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["catalog", "check", rest @ ..] if rest.len() <= 1 => {
            let path = rest.first().map(|s| (*s).to_owned()).unwrap_or_else(|| {
                std::env::var("TOLLGATE_CATALOG").unwrap_or_else(|_| DEFAULT_CATALOG.to_owned())
            });
            check_catalog(&path)
        }
        ["migrate", rest @ ..] => database::migrate(rest),
        ["reconcile", rest @ ..] => database::reconcile(rest),
        [] => {
            let path =
                std::env::var("TOLLGATE_CATALOG").unwrap_or_else(|_| DEFAULT_CATALOG.to_owned());
            let catalog = match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| tollgate_plans::Catalog::from_toml_str(&t).map_err(|e| e.to_string()))
            {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::from(1);
                }
            };
            let code = database::open_and_seed(&catalog);
            println!("{USAGE}\n\nThe HTTP server is not available yet: see README.md, \"Status\".");
            code
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stdout)]
fn check_catalog(path: &str) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(1);
        }
    };
    match tollgate_plans::Catalog::from_toml_str(&text) {
        Ok(catalog) => {
            println!(
                "{path}: {} features, {} plans, {} add-ons",
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
            eprintln!("{path}: {e}");
            ExitCode::from(1)
        }
    }
}
