//! Prometheus metrics at `/metrics`: request latency per route, usage outcomes per feature,
//! webhook outcomes.

use prometheus::{
    CounterVec, Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    usage: CounterVec,
    webhooks: CounterVec,
    warnings: CounterVec,
    counter_store_up: IntGauge,
    counter_store: IntCounterVec,
}

impl Metrics {
    /// # Panics
    /// Never in practice: the metric names and labels are constants checked by the tests.
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "tollgate_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid histogram");
        let usage = CounterVec::new(
            Opts::new(
                "tollgate_usage_events_total",
                "usage events by feature and outcome (accepted, duplicate, quota_exceeded, account_locked, insufficient_credits, invalid)",
            ),
            &["feature", "outcome"],
        )
        .expect("valid counter");
        let webhooks = CounterVec::new(
            Opts::new(
                "tollgate_billing_events_total",
                "billing events (webhooks and provider answers) by provider and outcome",
            ),
            &["provider", "outcome"],
        )
        .expect("valid counter");
        let warnings = CounterVec::new(
            Opts::new(
                "tollgate_quota_warnings_total",
                "warn_at thresholds crossed, by feature and threshold (percent)",
            ),
            &["feature", "threshold"],
        )
        .expect("valid counter");
        let counter_store_up = IntGauge::new(
            "tollgate_counter_store_up",
            "1 while quota counters are on Redis, 0 while degraded to the database (absent without Redis)",
        )
        .expect("valid gauge");
        let counter_store = IntCounterVec::new(
            Opts::new(
                "tollgate_counter_store_events_total",
                "hot path events: failover, recovery, rebuild (counters loaded from the log), fallback (a customer's counters taken over by the database), fenced (a commit redone after the authority moved)",
            ),
            &["event"],
        )
        .expect("valid counter");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(usage.clone()),
            Box::new(webhooks.clone()),
            Box::new(warnings.clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Self {
            registry,
            requests,
            usage,
            webhooks,
            warnings,
            counter_store_up,
            counter_store,
        }
    }

    pub fn quota_warning(&self, feature: &str, threshold: u8) {
        self.warnings
            .with_label_values(&[feature, &threshold.to_string()])
            .inc();
    }

    /// Publishes the hot path's state; registers its metrics on first use, so a server
    /// without Redis does not report a counter store at all.
    pub fn hot_path(&self, stats: &tollgate_engine::HotPathStats) {
        if self
            .registry
            .register(Box::new(self.counter_store_up.clone()))
            .is_ok()
        {
            let _ = self.registry.register(Box::new(self.counter_store.clone()));
        }
        self.counter_store_up.set(i64::from(stats.up));
        for (event, total) in [
            ("failover", stats.failovers),
            ("recovery", stats.recoveries),
            ("rebuild", stats.rebuilds),
            ("fallback", stats.fallbacks),
            ("fenced", stats.fenced),
        ] {
            let c = self.counter_store.with_label_values(&[event]);
            let seen = c.get();
            if total > seen {
                c.inc_by(total - seen);
            }
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .observe(seconds);
    }

    pub fn usage(&self, feature: &str, outcome: &str) {
        self.usage.with_label_values(&[feature, outcome]).inc();
    }

    pub fn webhook(&self, provider: &str, outcome: &str) {
        self.webhooks.with_label_values(&[provider, outcome]).inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
