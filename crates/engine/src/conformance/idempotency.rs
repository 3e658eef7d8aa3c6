//! Checks of the access store's HTTP idempotency records (DESIGN guarantee 7), run by
//! [`super::journal::run_access`] with the rest of the access store suite.
//!
//! Keys carry the run's `prefix`. `purge` deletes by instant across every key, so its check
//! dates its records in 2001, before anything else the suites write, and removes what it
//! created: the counts it expects stay exact on a store shared with earlier runs.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tollgate_kernel::Timestamp;

use super::journal::{at, must};
use crate::access::{AccessStore, IdempotencyBegin, StoredResponse};

/// Runs every idempotency check, in order.
pub async fn run_all(store: Arc<dyn AccessStore>, prefix: &str) {
    idempotency_begin_finish_replay(store.clone(), prefix).await;
    idempotency_in_progress(store.clone(), prefix).await;
    idempotency_stale_takeover(store.clone(), prefix).await;
    idempotency_abandon(store.clone(), prefix).await;
    idempotency_purge(store.clone(), prefix).await;
    idempotency_begin_race(store.clone(), prefix).await;
    idempotency_takeover_race(store, prefix).await;
}

/// How long the suite lets a reservation run before another request may take it over.
fn stale() -> Duration {
    Duration::minutes(5)
}

fn idem_key(prefix: &str, name: &str) -> String {
    format!("{prefix}:server:key_1:{name}")
}

async fn begin(
    store: &Arc<dyn AccessStore>,
    key: &str,
    hash: &str,
    now: Timestamp,
) -> IdempotencyBegin {
    must(
        store.idempotency_begin(key, hash, now, stale()).await,
        "idempotency begin",
    )
}

fn response(status: u16, body: &str) -> StoredResponse {
    StoredResponse {
        status,
        body: body.to_owned(),
    }
}

fn in_progress(hash: &str) -> IdempotencyBegin {
    IdempotencyBegin::InProgress {
        request_hash: hash.to_owned(),
    }
}

fn done(hash: &str, response: &StoredResponse) -> IdempotencyBegin {
    IdempotencyBegin::Done {
        request_hash: hash.to_owned(),
        response: response.clone(),
    }
}

/// The first `begin` reserves the key; once finished, every later `begin` answers the stored
/// response (byte for byte) with the first request's hash, whatever hash it brings, so the
/// caller can tell a retry from a reuse of the key with another body (409). A second `finish`
/// changes nothing, and keys are exact: a key that only shares a prefix is another record.
pub async fn idempotency_begin_finish_replay(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "topup");
    let t0 = at(20, 0);
    assert_eq!(
        begin(&store, &key, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
    let first = response(
        201,
        r#"{"customer":"acme","balances":[{"currency":"USD","amount":"5.00"}],"note":"café ✓ 'quoted' \"x\""}"#,
    );
    must(
        store.idempotency_finish(&key, t0, &first, t0).await,
        "idempotency finish",
    );
    assert_eq!(
        begin(&store, &key, "hash-a", at(20, 1)).await,
        done("hash-a", &first),
        "a retry gets the first answer"
    );
    assert_eq!(
        begin(&store, &key, "hash-b", at(20, 2)).await,
        done("hash-a", &first),
        "another body sees the first request's hash"
    );
    must(
        store
            .idempotency_finish(&key, t0, &response(500, "later"), at(20, 3))
            .await,
        "finish again",
    );
    assert_eq!(
        begin(&store, &key, "hash-a", at(20, 4)).await,
        done("hash-a", &first),
        "the first answer stays"
    );

    // Keys are compared exactly; an empty body and any status are kept as given.
    let longer = format!("{key}:2");
    assert_eq!(
        begin(&store, &longer, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
    let empty = response(204, "");
    must(
        store.idempotency_finish(&longer, t0, &empty, t0).await,
        "finish",
    );
    assert_eq!(
        begin(&store, &longer, "hash-c", t0).await,
        done("hash-a", &empty)
    );

    // Finishing a key nobody reserved stores nothing.
    let never = idem_key(prefix, "never-begun");
    must(
        store
            .idempotency_finish(&never, t0, &response(200, "{}"), t0)
            .await,
        "finish unknown",
    );
    assert_eq!(
        begin(&store, &never, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
}

/// While the first request runs, others with the key are told so, with its hash.
pub async fn idempotency_in_progress(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "checkout");
    let t0 = at(21, 0);
    assert_eq!(
        begin(&store, &key, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
    assert_eq!(
        begin(&store, &key, "hash-a", t0 + Duration::seconds(1)).await,
        in_progress("hash-a")
    );
    assert_eq!(
        begin(&store, &key, "hash-b", t0 + Duration::seconds(2)).await,
        in_progress("hash-a"),
        "a different body sees the first request's hash"
    );
    let answer = response(200, r#"{"url":"https://pay.test/s/1"}"#);
    must(
        store.idempotency_finish(&key, t0, &answer, t0).await,
        "finish",
    );
    assert_eq!(
        begin(&store, &key, "hash-a", t0 + Duration::seconds(3)).await,
        done("hash-a", &answer)
    );
}

/// A reservation older than `stale_after` that never finished is taken over by a retry of the
/// same request (same hash); a different request is refused (it sees the first hash). At
/// exactly `stale_after` it is not stale yet; a finished record is never taken over, however
/// old; and the request that outlived its reservation cannot store its answer over its
/// successor's.
pub async fn idempotency_stale_takeover(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "crashed");
    let t0 = at(22, 0);
    assert_eq!(
        begin(&store, &key, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
    assert_eq!(
        begin(&store, &key, "hash-a", t0 + stale()).await,
        in_progress("hash-a"),
        "not older than stale_after yet"
    );
    let later = t0 + stale() + Duration::seconds(1);
    assert_eq!(
        begin(&store, &key, "hash-b", later).await,
        in_progress("hash-a"),
        "another request never takes a reservation over"
    );
    assert_eq!(
        begin(&store, &key, "hash-a", later).await,
        IdempotencyBegin::Started,
        "the retry takes the crashed reservation over"
    );
    must(
        store
            .idempotency_finish(&key, t0, &response(500, "late"), later)
            .await,
        "finish by the outlived request",
    );
    must(
        store.idempotency_abandon(&key, t0).await,
        "abandon by the outlived request",
    );
    assert_eq!(
        begin(&store, &key, "hash-a", later + Duration::seconds(1)).await,
        in_progress("hash-a"),
        "the outlived request neither finished nor dropped the new reservation"
    );
    let answer = response(201, r#"{"id":"sub_1"}"#);
    must(
        store.idempotency_finish(&key, later, &answer, later).await,
        "finish",
    );
    assert_eq!(
        begin(&store, &key, "hash-a", later + Duration::days(6)).await,
        done("hash-a", &answer),
        "a finished record is never stale"
    );
}

/// `abandon` drops an unfinished reservation so the request can be retried; it keeps finished
/// records and ignores unknown keys.
pub async fn idempotency_abandon(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "failed");
    let t0 = at(23, 0);
    assert_eq!(
        begin(&store, &key, "hash-a", t0).await,
        IdempotencyBegin::Started
    );
    must(store.idempotency_abandon(&key, t0).await, "abandon");
    let t1 = t0 + Duration::seconds(1);
    assert_eq!(
        begin(&store, &key, "hash-b", t1).await,
        IdempotencyBegin::Started,
        "an abandoned key can be used again at once"
    );
    must(
        store.idempotency_abandon(&key, t0).await,
        "abandon by the old reservation",
    );
    assert_eq!(
        begin(&store, &key, "hash-b", t1 + Duration::seconds(1)).await,
        in_progress("hash-b"),
        "an older reservation's abandon leaves the newer one alone"
    );
    let answer = response(200, "{}");
    must(
        store.idempotency_finish(&key, t1, &answer, t1).await,
        "finish",
    );
    must(
        store.idempotency_abandon(&key, t1).await,
        "abandon finished",
    );
    assert_eq!(
        begin(&store, &key, "hash-b", t0 + Duration::seconds(2)).await,
        done("hash-b", &answer),
        "a finished answer survives abandon"
    );
    must(
        store
            .idempotency_abandon(&idem_key(prefix, "unknown"), t0)
            .await,
        "abandon unknown",
    );
}

/// `purge` deletes the records created before the instant, finished or not, and answers how
/// many; newer records stay.
pub async fn idempotency_purge(store: Arc<dyn AccessStore>, prefix: &str) {
    let day = |d: u32, h: u32| {
        Utc.with_ymd_and_hms(2001, 1, d, h, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("bad test instant {d} {h}"))
    };
    let old_done = idem_key(prefix, "purge-old-done");
    let old_open = idem_key(prefix, "purge-old-open");
    let edge = idem_key(prefix, "purge-edge");
    let young = idem_key(prefix, "purge-young");
    for (key, t) in [
        (&old_done, day(1, 0)),
        (&old_open, day(1, 1)),
        (&edge, day(8, 0)),
        (&young, day(9, 0)),
    ] {
        assert_eq!(
            begin(&store, key, "hash-a", t).await,
            IdempotencyBegin::Started
        );
    }
    let answer = response(201, "{}");
    must(
        store
            .idempotency_finish(&old_done, day(1, 0), &answer, day(1, 0))
            .await,
        "finish",
    );
    must(
        store
            .idempotency_finish(&young, day(9, 0), &answer, day(9, 0))
            .await,
        "finish",
    );
    assert_eq!(
        must(store.idempotency_purge(day(8, 0)).await, "purge"),
        2,
        "the two records created before day 8"
    );
    assert_eq!(
        must(store.idempotency_purge(day(8, 0)).await, "purge again"),
        0
    );
    let now = day(9, 1);
    for key in [&old_done, &old_open] {
        assert_eq!(
            begin(&store, key, "hash-b", now).await,
            IdempotencyBegin::Started,
            "{key} was purged"
        );
    }
    assert_eq!(
        begin(&store, &edge, "hash-b", day(8, 0)).await,
        in_progress("hash-a"),
        "created exactly at the instant: kept"
    );
    assert_eq!(
        begin(&store, &young, "hash-b", now).await,
        done("hash-a", &answer)
    );
    // Tidy up: everything this check created goes, so a later run counts the same.
    assert_eq!(
        must(store.idempotency_purge(day(10, 0)).await, "purge all"),
        4
    );
}

/// `n` concurrent `begin`s; `hash` of `None` gives each its own body.
async fn race(
    store: &Arc<dyn AccessStore>,
    key: &str,
    now: Timestamp,
    n: usize,
    hash: Option<&str>,
) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let store = store.clone();
        let key = key.to_owned();
        let hash = hash.map_or_else(|| format!("hash-{i}"), str::to_owned);
        tasks.spawn(async move { store.idempotency_begin(&key, &hash, now, stale()).await });
    }
    let mut started = 0;
    while let Some(joined) = tasks.join_next().await {
        match must(must(joined, "task"), "idempotency begin") {
            IdempotencyBegin::Started => started += 1,
            IdempotencyBegin::InProgress { request_hash } => {
                assert!(request_hash.starts_with("hash-"), "{request_hash}");
            }
            other => panic!("nothing finished yet, got {other:?}"),
        }
    }
    started
}

/// 32 requests begin one key at once: exactly one runs.
pub async fn idempotency_begin_race(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "race");
    assert_eq!(
        race(&store, &key, at(24, 0), 32, None).await,
        1,
        "exactly one Started"
    );
}

/// 32 requests find one stale reservation at once: exactly one takes it over.
pub async fn idempotency_takeover_race(store: Arc<dyn AccessStore>, prefix: &str) {
    let key = idem_key(prefix, "takeover-race");
    let t0 = at(25, 0);
    assert_eq!(
        begin(&store, &key, "hash-crashed", t0).await,
        IdempotencyBegin::Started
    );
    let later = t0 + stale() + Duration::seconds(1);
    assert_eq!(
        race(&store, &key, later, 32, Some("hash-crashed")).await,
        1,
        "exactly one retry takes the stale reservation over"
    );
    must(
        store.idempotency_abandon(&key, t0).await,
        "abandon by the crashed reservation",
    );
    assert_eq!(
        begin(&store, &key, "hash-crashed", later).await,
        in_progress("hash-crashed"),
        "held by the winner now"
    );
}
