//! The `tollgate` command line: every subcommand reads the same configuration as `serve`
//! (`TOLLGATE_CONFIG` file and `TOLLGATE_*` variables).

use std::path::Path;
use std::process::{Command, Output};

use tollgate_engine::{AccessStore, hash_secret};
use tollgate_store_sql::{SqlOptions, SqlStore};

/// Runs the built binary in `cwd` with only `TOLLGATE_CONFIG` set among the `TOLLGATE_*`
/// variables, so nothing but the file can name the database.
fn tollgate(cwd: &Path, config: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TOLLGATE_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(cwd)
        .env("TOLLGATE_CONFIG", config)
        .args(args)
        .output()
        .expect("tollgate runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn commands_use_the_database_and_catalog_of_the_config_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).expect("cwd");
    let db = dir.path().join("from-config.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let catalog = format!(
        "{}/../../fixtures/catalogs/api.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let config = dir.path().join("tollgate.toml");
    std::fs::write(
        &config,
        format!("database_url = {url:?}\ncatalog = {catalog:?}\n"),
    )
    .expect("config file");

    let created = tollgate(
        &cwd,
        &config,
        &["keys", "create", "--name", "cli-test", "--role", "server"],
    );
    assert_ok(&created);
    let secret = stdout(&created).trim().to_owned();
    assert!(secret.starts_with("tg_server_"), "{secret}");

    let listed = tollgate(&cwd, &config, &["keys", "list"]);
    assert_ok(&listed);
    assert!(stdout(&listed).contains("cli-test"), "{}", stdout(&listed));

    // The key is in the configured database, not in a default one in the working directory.
    let store = SqlStore::open(&SqlOptions::new(url.as_str()))
        .await
        .expect("configured database");
    let keys = store.list_keys().await.expect("keys");
    let key = keys
        .iter()
        .find(|k| k.name == "cli-test")
        .unwrap_or_else(|| panic!("key in {}: {keys:?}", db.display()));
    assert_eq!(key.hash, hash_secret(&secret));
    assert!(
        !cwd.join("tollgate.db").exists(),
        "no default database was made"
    );

    let revoked = tollgate(&cwd, &config, &["keys", "revoke", &key.id]);
    assert_ok(&revoked);
    let keys = store.list_keys().await.expect("keys");
    assert!(
        keys.iter()
            .any(|k| k.name == "cli-test" && k.revoked_at.is_some()),
        "{keys:?}"
    );

    let status = tollgate(&cwd, &config, &["migrate", "status"]);
    assert_ok(&status);
    assert!(
        stdout(&status).contains("from-config.db"),
        "{}",
        stdout(&status)
    );

    let reconciled = tollgate(&cwd, &config, &["reconcile"]);
    assert_ok(&reconciled);

    // `catalog check` without a file checks the configured catalog.
    let checked = tollgate(&cwd, &config, &["catalog", "check"]);
    assert_ok(&checked);
    assert!(
        stdout(&checked).contains("api.toml"),
        "{}",
        stdout(&checked)
    );
    assert!(
        !cwd.join("tollgate.db").exists(),
        "no default database was made"
    );
}

/// `tollgate stripe sync` against an HTTP double of Stripe answering with Stripe's own objects.
#[tokio::test]
async fn stripe_sync_creates_missing_prices_once_and_records_them() {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let object = |name: &str| -> serde_json::Value {
        let file = format!(
            "{}/../../fixtures/stripe/api/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&file).expect(&file)).expect("json")
    };
    let stripe = MockServer::start().await;
    let empty =
        serde_json::json!({"object": "list", "data": [], "has_more": false, "url": "/v1/prices"});
    Mock::given(method("GET"))
        .and(path("/v1/prices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty))
        .mount(&stripe)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/products/.+$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such product"}
        })))
        .mount(&stripe)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/products"))
        .respond_with(ResponseTemplate::new(200).set_body_json(object("product")))
        .mount(&stripe)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/prices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(object("price")))
        .mount(&stripe)
        .await;

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sync.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let catalog = format!(
        "{}/../../fixtures/catalogs/saas.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let config = dir.path().join("tollgate.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {url:?}\ncatalog = {catalog:?}\nstripe_secret_key = \"sk_test_sync\"\nstripe_api_base = {:?}\n",
            stripe.uri()
        ),
    )
    .expect("config file");

    // Pro has six paid prices (USD, EUR, VND; month and year); hobby is free, enterprise custom.
    let dry = tollgate(dir.path(), &config, &["stripe", "sync", "--dry-run"]);
    assert_eq!(
        dry.status.code(),
        Some(4),
        "{}\n{}",
        stdout(&dry),
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        stdout(&dry).matches("create").count(),
        6,
        "{}",
        stdout(&dry)
    );
    assert!(stdout(&dry).contains("tollgate_pro_usd_month_4900"));
    let requests = stripe.received_requests().await.expect("recorded");
    assert!(
        requests.iter().all(|r| r.method.as_str() == "GET"),
        "a dry run only reads"
    );

    let done = tollgate(dir.path(), &config, &["stripe", "sync"]);
    assert_ok(&done);
    assert!(
        stdout(&done).contains("synced 6 price(s)"),
        "{}",
        stdout(&done)
    );
    let requests = stripe.received_requests().await.expect("recorded");
    let created: Vec<_> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/v1/prices")
        .collect();
    assert_eq!(created.len(), 6);
    assert!(
        created
            .iter()
            .all(|r| r.headers.contains_key("idempotency-key"))
    );

    // Recorded in the catalog: nothing is left to do.
    let again = tollgate(dir.path(), &config, &["stripe", "sync", "--dry-run"]);
    assert_ok(&again);
    assert!(
        stdout(&again).contains("nothing to do"),
        "{}",
        stdout(&again)
    );
    let store = SqlStore::open(&SqlOptions::new(url.as_str()))
        .await
        .expect("store");
    let price_id = object("price")["id"].as_str().expect("id").to_owned();
    let pro = tollgate_plans::PlanRepository::get_plan(
        &store,
        &tollgate_kernel::PlanCode::parse("pro").expect("code"),
    )
    .await
    .expect("read")
    .expect("pro");
    assert!(
        pro.prices
            .iter()
            .all(|p| p.stripe_price_id.as_deref() == Some(price_id.as_str())),
        "{:?}",
        pro.prices
    );
}
