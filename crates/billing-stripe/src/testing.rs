//! Test support: localstripe, a stateful fake Stripe server, started on a free port.
