//! Prometheus metrics at `/metrics`: request latency per route, usage outcomes per feature,
//! webhook outcomes.

use prometheus::{CounterVec, Encoder, HistogramOpts, HistogramVec, Opts, Registry, TextEncoder};

#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    usage: CounterVec,
    webhooks: CounterVec,
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
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(usage.clone()),
            Box::new(webhooks.clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Self {
            registry,
            requests,
            usage,
            webhooks,
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
