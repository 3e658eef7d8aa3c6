//! The `tollgate` command: `serve` (the default), `migrate`, `reconcile`, `keys`, `catalog check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tollgate_server::database;
use tollgate_server::{Application, Config, Mode, Overrides};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Billing and quotas for SaaS and API products.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default). Configuration: TOLLGATE_* variables, TOLLGATE_CONFIG file.
    Serve,
    /// Apply or roll back database migrations.
    Migrate {
        /// up | down [N | all] | status
        #[arg(num_args = 0..=2)]
        args: Vec<String>,
    },
    /// Recompute counters from the usage log; report drift, or repair it. With
    /// TOLLGATE_REDIS_URL set, rebuilds the Redis counters from the log (always repairs).
    Reconcile {
        /// Only this customer.
        customer: Option<String>,
        /// Set drifted counters to the recomputed value.
        #[arg(long)]
        repair: bool,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Validate a plan catalog file.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Stripe tooling.
    Stripe {
        #[command(subcommand)]
        command: StripeCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StripeCommand {
    /// Create Stripe products and prices for catalog prices without a stripe_price_id and
    /// record their ids (idempotent). Exit 4 from a dry run that found work to do.
    Sync {
        /// Show what would be created or linked; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print its secret once.
    Create {
        /// A name to recognise the key by.
        #[arg(long, default_value = "server key")]
        name: String,
        /// server (a product backend) or admin (the operator).
        #[arg(long, default_value = "server")]
        role: String,
    },
    /// List keys (prefix, role, dates; never the secret).
    List,
    /// Revoke a key by id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Check a catalog (default: the configured catalog, else fixtures/catalogs/saas.toml).
    Check { file: Option<String> },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One configuration for every command, so `keys`, `migrate` and `reconcile` work on the
    // database `serve` uses (TOLLGATE_CONFIG file and TOLLGATE_* variables alike).
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let db = config.database_url.as_str();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate { args } => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            database::migrate(db, &args)
        }
        Command::Reconcile { customer, repair } => match &config.redis_url {
            Some(redis) => {
                database::reconcile_redis(db, redis, &config.redis_prefix, customer.as_deref())
            }
            None => database::reconcile(db, customer.as_deref(), repair),
        },
        Command::Keys { command } => match command {
            KeysCommand::Create { name, role } => database::create_key(db, &name, &role),
            KeysCommand::List => database::list_keys(db),
            KeysCommand::Revoke { id } => database::revoke_key(db, &id),
        },
        Command::Stripe {
            command: StripeCommand::Sync { dry_run },
        } => tollgate_server::stripe_cli::sync(&config, dry_run),
        Command::Catalog {
            command: CatalogCommand::Check { file },
        } => database::check_catalog(file.map(PathBuf::from).or(config.catalog)),
    }
}

#[allow(clippy::print_stdout)]
fn serve(config: Config) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TOLLGATE_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async {
        let db = database::redacted(&config.database_url);
        let mode = config.mode;
        let key_from_env = config.admin_key.is_some();
        let counters = match &config.redis_url {
            Some(url) => format!("Redis at {} (prefix {})", database::redacted(url), config.redis_prefix),
            None => "in the database".to_owned(),
        };
        let app = match Application::build(config, Overrides::default()).await {
            Ok(app) => app,
            Err(e) => {
                eprintln!("tollgate: {e}");
                return ExitCode::from(1);
            }
        };
        let demo = mode == Mode::Demo;
        let mode = match mode {
            Mode::Demo => "demo mode: fake billing, movable clock",
            Mode::Production => "production mode",
        };
        println!("Tollgate {} ({mode})", env!("CARGO_PKG_VERSION"));
        println!("  database:  {db}");
        println!("  counters:  {counters}");
        if app.plans_loaded > 0 {
            println!("  catalog:   {} features, plans and add-ons loaded", app.plans_loaded);
        }
        println!("  listening: {}", app.base_url);
        if demo {
            println!("  open:      {}/demo   (start here: sign in as the demo customer, or go to the console)", app.base_url);
        }
        println!("  pricing:   {}/pricing", app.base_url);
        println!("  console:   {}/admin   (sign in with the admin key)", app.base_url);
        println!("  API docs:  {}/openapi.json", app.base_url);
        match (&app.generated_admin_key, key_from_env) {
            (Some(key), _) => {
                println!("  admin key: {key}");
                println!("             (shown once: only its hash is stored; set TOLLGATE_ADMIN_KEY or run `tollgate keys create --role admin` for another)");
            }
            (None, true) => println!("  admin key: TOLLGATE_ADMIN_KEY"),
            (None, false) => println!(
                "  admin key: the one printed at first start (or `tollgate keys create --role admin`)"
            ),
        }
        if let Some(key) = &app.generated_server_key {
            println!("  server key: {key}");
            println!("             (for your product's backend: customers, checkout, usage; shown once)");
        }
        println!("  try:       curl {}/v1/plans", app.base_url);
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("tollgate: {e}");
                ExitCode::from(1)
            }
        }
    })
}
