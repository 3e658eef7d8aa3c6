//! The server's HTTP API against a real server per test (`spawn_app`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_matrix;
mod bad_input;
mod cli;
mod contract;
mod demo_clock;
mod fake_checkout;
mod helpers;
mod idempotency;
mod lifecycle;
mod race;
mod smoke;
mod stripe_production;
mod stripe_webhooks;
mod ui_admin;
mod ui_customer;
mod ui_matrix;
mod ui_pricing;
mod ui_session;
