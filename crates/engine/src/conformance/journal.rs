//! Suites for the audit journal, the webhook log and the access store.
