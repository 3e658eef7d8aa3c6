//! The domain crates stay pure: no async runtime, database, cache, web framework, payment SDK
//! or HTTP client in their normal dependency graph.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const DOMAIN: &[&str] = &[
    "tollgate-kernel",
    "tollgate-plans",
    "tollgate-quotas",
    "tollgate-usage",
    "tollgate-wallet",
    "tollgate-pricing",
    "tollgate-billing",
];

const FORBIDDEN: &[&str] = &[
    "tokio",
    "sea-orm",
    "sqlx",
    "redis",
    "deadpool",
    "actix-web",
    "async-stripe",
    "reqwest",
    "hyper",
];

#[test]
fn domain_crates_depend_on_no_io_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for krate in DOMAIN {
        let out = Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "-p",
                krate,
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "cargo tree -p {krate}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(tree.contains(krate), "{krate} missing from its own tree");
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            for bad in FORBIDDEN {
                assert!(
                    !(name == *bad || name.starts_with(&format!("{bad}-"))),
                    "{krate} depends on {name}"
                );
            }
        }
    }
}
