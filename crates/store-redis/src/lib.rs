//! The Redis adapter of the quota ports: [`RedisCounters`] implements
//! [`CounterStore`](tollgate_quotas::CounterStore), [`LeaseStore`](tollgate_quotas::LeaseStore)
//! and [`FencedCounterStore`](tollgate_quotas::FencedCounterStore) over a `deadpool-redis`
//! pool, with exactly the semantics of the in-memory reference stores of `tollgate-quotas`
//! (the same conformance suites run against both). It must never decide quotas, read its own
//! clock for lease expiry (time comes in the request), or be the source of truth: counters are
//! derived data, rebuilt from the usage log, and an unreachable Redis is reported as
//! [`CounterError::Unavailable`](tollgate_quotas::CounterError::Unavailable) so the engine can
//! fall back to SQL.
//!
//! # Key layout
//!
//! Every key is `<prefix>:{<customer>}:…`; the prefix is the operator's (`tollgate`,
//! `tollgate:prod`, braces escaped), and parts are escaped as in `tollgate-quotas`' keys
//! (`%` `:` `{` `}` → `%25` `%3A` `%7B` `%7D`), so no id can forge another key or a hash tag.
//!
//! | what | key | type |
//! |---|---|---|
//! | counter | `<prefix>:{<customer>}:<feature>:<window key>` ([`CounterKey::redis_key`](tollgate_quotas::CounterKey::redis_key)) | string: decimal i64 |
//! | lease set | `<prefix>:{<customer>}:<feature>` ([`LeaseKey::redis_key`](tollgate_quotas::LeaseKey::redis_key)) | sorted set: lease id → expiry (ms since the Unix epoch) |
//! | epoch | `<prefix>:{<customer>}:#epoch` | string: decimal i64 |
//! | guard | `<prefix>:{<customer>}:#g:<escaped guard>` | string `1` |
//!
//! The epoch and guard keys start their first part with `#`, which no feature code may
//! contain: they can never be mistaken for the lease set of a feature called `epoch` or the
//! counter of a feature called `g`.
//!
//! # Expiry
//!
//! - A window's counter expires at `resets_at + late grace` (default 31 days + 1 hour): a late
//!   event dated inside the window, accepted up to 31 days late, still finds its counter. The
//!   expiry is set (`PEXPIREAT`) every time a script writes the counter. A lifetime counter
//!   (`resets_at == None`) never expires. A write whose expiry is already past deletes the key
//!   at once, as Redis does for any past `PEXPIREAT`.
//! - A lease set expires at its latest lease's expiry, so an idle set vanishes by itself.
//!   Lease times are kept to the millisecond.
//! - A guard lives for the guard lifetime (default 10 minutes), from the accepted consumption
//!   that took it until then or until the consumption is undone.
//! - An epoch never expires: losing it (a Redis restart without persistence) makes every
//!   fenced call answer `Stale(None)` until the engine reloads the customer.
//!
//! Lease *activity* is judged against the request's `now` only; key *expiry* is Redis' own
//! clock (a TTL is the only way to let idle keys go). With an engine clock far behind real
//! time (a test pinned to a past date), a key whose expiry has already passed is deleted as
//! soon as it is written; an engine clock ahead of real time (demo mode) only keeps keys longer.
//!
//! # Scripts and atomicity
//!
//! Every mutation is one Lua script (`src/lua/`), which Redis runs as one atomic step:
//! `consume`, `release`, `set` (counters), `lease` (reclaim the leases expired at the
//! request's `now` with `ZREMRANGEBYSCORE`, renew or take, answer held and earliest expiry),
//! and the fenced `fenced_consume`, `fenced_undo`, `fenced_load`, `fenced_read`, which check
//! the customer's epoch before touching anything. Scripts are sent by SHA1 (`EVALSHA`) and
//! loaded again after `NOSCRIPT` (a flushed or restarted Redis).
//!
//! Redis' Lua numbers are doubles, exact only up to 2^53, so counters, amounts, limits and
//! epochs travel as decimal strings and the scripts compute on exact pairs of base-10^9
//! halves (`lua/int64.lua`): every i64 value is handled exactly, an overflow past `i64::MAX`
//! is refused as [`Invalid`](tollgate_quotas::CounterError::Invalid) with nothing written,
//! and a stored value that is not a non-negative i64 is refused as `Invalid` too.
//!
//! # Cluster
//!
//! All keys of one customer carry the customer as their hash tag, so they share one slot and
//! a script may touch several of them (the fenced calls touch the epoch, the counters and the
//! guard of one customer). `get_many` sends one pipeline of `GET`s, not an `MGET`, because its
//! keys may belong to several customers. [`RedisCounters::delete_prefix`] scans a single node
//! and is meant for tests.
//!
//! # Errors
//!
//! Connection refused, I/O errors, pool and response timeouts, a loading or moving Cluster:
//! `Unavailable` (timeouts are short, under a second, so callers fall back fast). A script's
//! contract error: `Invalid`. Anything else: `Unexpected`.

mod client;
mod counters;
mod error;
mod fenced;
mod keys;
mod leases;
mod scripts;

pub use client::{DEFAULT_GUARD_LIFETIME, DEFAULT_LATE_GRACE, RedisCounters};
