//! The Tollgate server: the thin actix-web application that wires the engine to its adapters
//! (SQL store, fake or Stripe billing) and serves the v1 API, the demo billing pages, metrics
//! and the OpenAPI document. Handlers authorize, parse, call one engine use case and answer;
//! they never hold business rules or SQL.

pub mod auth;
pub mod config;
pub mod database;
pub mod error;
pub mod fake_store;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod state;
pub mod stripe_cli;
pub mod ui;

pub use config::{Config, Mode};
pub use startup::{Application, Overrides, StartError};
