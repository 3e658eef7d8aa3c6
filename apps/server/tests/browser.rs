//! The web UI in a real browser: each `tests/browser/*.spec.mjs` runs under `node --test`
//! against a server of its own (fresh SQLite, fake billing, demo catalog, manual clock), so a
//! spec may move the clock without disturbing another. Debian's Chromium and playwright-core
//! are installed by `tools/browser-setup` when missing (never a downloaded browser).
//! Screenshots land in `target/ui-screenshots/` (or `TOLLGATE_SCREENSHOTS`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use helpers::{ADMIN_KEY, spawn_app};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Installs Chromium and playwright-core once per test binary.
fn setup() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let status = std::process::Command::new("bash")
            .arg(root().join("tools/browser-setup"))
            .status()
            .expect("tools/browser-setup runs");
        assert!(status.success(), "tools/browser-setup failed: {status}");
    });
}

/// Runs one spec file against a server of its own; fails with node's report.
#[allow(clippy::print_stdout)] // the report is the test's output
async fn spec(name: &str) {
    setup();
    let app = spawn_app().await;
    let shots = std::env::var("TOLLGATE_SCREENSHOTS")
        .map_or_else(|_| root().join("target/ui-screenshots"), PathBuf::from);
    let file = browser_dir().join(format!("{name}.spec.mjs"));
    assert!(file.exists(), "{} is missing", file.display());
    let out = tokio::process::Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg("--test-concurrency=1")
        .arg(&file)
        .current_dir(browser_dir())
        .env("TOLLGATE_URL", &app.base)
        .env("TOLLGATE_ADMIN_KEY", ADMIN_KEY)
        .env("TOLLGATE_SERVER_KEY", &app.server_key)
        .env("TOLLGATE_SCREENSHOTS", &shots)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(300), out)
        .await
        .unwrap_or_else(|_| panic!("{name}: the browser tests took over 300 s"))
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} failed:\n{report}");
    println!("{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pricing() {
    spec("pricing").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard() {
    spec("dashboard").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin() {
    spec("admin").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walkthrough() {
    spec("walkthrough").await;
}
