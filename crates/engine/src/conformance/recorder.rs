//! Suites for the usage unit of work.
