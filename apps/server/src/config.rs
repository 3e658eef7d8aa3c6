//! Configuration: loaded once at start from an optional TOML file and the fixed `TOLLGATE_*`
//! environment variables (the environment wins), then passed around as a value.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tollgate.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_CATALOG: &str = "fixtures/catalogs/saas.toml";
pub const DEFAULT_REDIS_PREFIX: &str = "tollgate";
/// One second: long enough to take entitlement resolution off the hot path, short enough that
/// a plan change made through another process is in force almost at once.
pub const DEFAULT_CONTEXT_CACHE_MS: u64 = 1_000;

/// `demo` runs fake billing and lets the operator move the clock; `production` refuses both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Demo,
    Production,
}

/// A secret that never shows up in `Debug` output or logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (several deployments can share one Redis).
    pub redis_prefix: String,
    /// How long a customer's resolved entitlements are reused between decisions; a change
    /// made through another server process is seen after at most this long. `0` turns it off.
    pub context_cache_ms: u64,
    /// The operator key; when unset, one is generated at first start and printed once.
    pub admin_key: Option<Secret>,
    pub stripe_secret_key: Option<Secret>,
    pub stripe_api_base: Option<String>,
    pub stripe_webhook_secret: Option<Secret>,
    /// Plan catalog loaded at start (only what does not exist yet is created).
    pub catalog: Option<PathBuf>,
    pub mode: Mode,
    /// The address users reach this server at (links in checkout URLs, session URLs);
    /// defaults to `http://{bind}`.
    pub public_url: Option<String>,
    /// How often due jobs (renewals, trial ends, grace expiry) run in real time; `0` turns
    /// the background runner off (tests drive the clock themselves).
    pub jobs_interval_seconds: u64,
    /// Lifetime of customer session tokens.
    pub session_ttl_seconds: i64,
}

/// The optional file (`TOLLGATE_CONFIG=path.toml`): the same settings, lower-case names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    database_url: Option<String>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    context_cache_ms: Option<u64>,
    admin_key: Option<Secret>,
    stripe_secret_key: Option<Secret>,
    stripe_api_base: Option<String>,
    stripe_webhook_secret: Option<Secret>,
    catalog: Option<PathBuf>,
    mode: Option<Mode>,
    public_url: Option<String>,
    jobs_interval_seconds: Option<u64>,
    session_ttl_seconds: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl Config {
    /// How to reach Stripe, when a secret key is configured (the server and `tollgate stripe
    /// sync` build the same adapter from it).
    pub fn stripe(&self) -> Option<tollgate_billing_stripe::StripeConfig> {
        self.stripe_secret_key
            .as_ref()
            .map(|key| tollgate_billing_stripe::StripeConfig {
                secret_key: key.expose().to_owned(),
                api_base: self.stripe_api_base.clone(),
                retry: tollgate_billing_stripe::RetryPolicy::default(),
            })
    }

    /// The embedded default for a given database: demo mode, fake billing, demo catalog.
    pub fn demo(database_url: impl Into<String>) -> Self {
        Self {
            bind: DEFAULT_BIND
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080))),
            database_url: database_url.into(),
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
            context_cache_ms: DEFAULT_CONTEXT_CACHE_MS,
            admin_key: None,
            stripe_secret_key: None,
            stripe_api_base: None,
            stripe_webhook_secret: None,
            catalog: Some(PathBuf::from(DEFAULT_CATALOG)),
            mode: Mode::Demo,
            public_url: None,
            jobs_interval_seconds: 30,
            session_ttl_seconds: 3600,
        }
    }

    /// Reads `TOLLGATE_CONFIG` (if set) then the environment.
    ///
    /// # Errors
    /// An unreadable or invalid file, or a variable that does not parse.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_sources(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The loader with the environment as a function, so tests need not touch process state.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_sources(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = match env("TOLLGATE_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::Syntax {
                    path,
                    message: e.message().to_owned(),
                })?
            }
            None => FileConfig::default(),
        };
        let secret = |name: &str| env(name).map(Secret::new);
        let mode = match env("TOLLGATE_MODE") {
            Some(m) => match m.as_str() {
                "demo" => Mode::Demo,
                "production" => Mode::Production,
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "TOLLGATE_MODE",
                        message: format!("{m:?} is not demo or production"),
                    });
                }
            },
            None => file.mode.unwrap_or(Mode::Demo),
        };
        let bind_text = env("TOLLGATE_BIND")
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind = bind_text.parse().map_err(|_| ConfigError::Invalid {
            name: "TOLLGATE_BIND",
            message: format!("{bind_text:?} is not host:port"),
        })?;
        let number = |name: &'static str, fallback: Option<i64>, default: i64| match env(name) {
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or(ConfigError::Invalid {
                    name,
                    message: format!("{v:?} is not a non-negative whole number"),
                }),
            None => Ok(fallback.unwrap_or(default)),
        };
        let jobs = number(
            "TOLLGATE_JOBS_INTERVAL_SECONDS",
            file.jobs_interval_seconds
                .and_then(|n| i64::try_from(n).ok()),
            30,
        )?;
        let ttl = number(
            "TOLLGATE_SESSION_TTL_SECONDS",
            file.session_ttl_seconds,
            3600,
        )?;
        let context_cache = number(
            "TOLLGATE_CONTEXT_CACHE_MS",
            file.context_cache_ms.and_then(|n| i64::try_from(n).ok()),
            i64::try_from(DEFAULT_CONTEXT_CACHE_MS).unwrap_or(0),
        )?;
        let redis_prefix = env("TOLLGATE_REDIS_PREFIX")
            .or(file.redis_prefix)
            .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned());
        if redis_prefix.is_empty() || redis_prefix.contains(['{', '}', ' ']) {
            return Err(ConfigError::Invalid {
                name: "TOLLGATE_REDIS_PREFIX",
                message: format!("{redis_prefix:?} must be non-empty, without braces or spaces"),
            });
        }
        let catalog = env("TOLLGATE_CATALOG").map(PathBuf::from).or(file.catalog);
        Ok(Self {
            bind,
            database_url: env("TOLLGATE_DATABASE_URL")
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            redis_url: env("TOLLGATE_REDIS_URL").or(file.redis_url),
            redis_prefix,
            context_cache_ms: u64::try_from(context_cache).unwrap_or(0),
            admin_key: secret("TOLLGATE_ADMIN_KEY").or(file.admin_key),
            stripe_secret_key: secret("TOLLGATE_STRIPE_SECRET_KEY").or(file.stripe_secret_key),
            stripe_api_base: env("TOLLGATE_STRIPE_API_BASE").or(file.stripe_api_base),
            stripe_webhook_secret: secret("TOLLGATE_STRIPE_WEBHOOK_SECRET")
                .or(file.stripe_webhook_secret),
            catalog: match (catalog, mode) {
                (Some(c), _) => Some(c),
                (None, Mode::Demo) => Some(PathBuf::from(DEFAULT_CATALOG)),
                (None, Mode::Production) => None,
            },
            mode,
            public_url: env("TOLLGATE_PUBLIC_URL")
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_owned()),
            jobs_interval_seconds: u64::try_from(jobs).unwrap_or(30),
            session_ttl_seconds: ttl.max(60),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::HashMap;

    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_sources(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_demo() {
        let c = load(&[]).unwrap();
        assert_eq!(c.bind.to_string(), DEFAULT_BIND);
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.mode, Mode::Demo);
        assert_eq!(c.catalog.unwrap().to_str(), Some(DEFAULT_CATALOG));
        assert!(c.admin_key.is_none() && c.redis_url.is_none());
    }

    #[test]
    fn environment_overrides_the_file_and_secrets_stay_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tollgate.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\nadmin_key = \"from-file\"\nmode = \"production\"\n",
        )
        .unwrap();
        let c = load(&[
            ("TOLLGATE_CONFIG", path.to_str().unwrap()),
            ("TOLLGATE_ADMIN_KEY", "from-env"),
        ])
        .unwrap();
        assert_eq!(c.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(c.admin_key.as_ref().unwrap().expose(), "from-env");
        assert_eq!(c.mode, Mode::Production);
        assert!(
            c.catalog.is_none(),
            "production loads no demo catalog by default"
        );
        assert!(!format!("{c:?}").contains("from-env"));
    }

    #[test]
    fn bad_values_are_named() {
        let e = load(&[("TOLLGATE_MODE", "staging")]).unwrap_err();
        assert!(e.to_string().starts_with("TOLLGATE_MODE"));
        let e = load(&[("TOLLGATE_BIND", "nope")]).unwrap_err();
        assert!(e.to_string().starts_with("TOLLGATE_BIND"));
    }
}
