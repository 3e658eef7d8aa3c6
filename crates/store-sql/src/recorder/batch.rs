//! One batch of usage commits in one transaction.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sea_orm::{DbErr, TransactionTrait};
use tollgate_engine::{CommitError, CommitOutcome, CounterStep, Fence, UsageCommit};
use tollgate_kernel::{CustomerId, Enforcement, IdempotencyKey};
use tollgate_quotas::{CounterKey, apply_consume};
use tollgate_usage::UsageEvent;
use tollgate_wallet::WalletError;

use crate::SqlStore;
use crate::authority::share_fences;
use crate::counters::{RowKey, add_many, key_of, lock_many, write_many};
use crate::error::{Fault, describe, failure, fault};
use crate::journal::append_audit;
use crate::usage_log::{as_stored, find_keys, insert_events};
use crate::wallet::{debit_on, lock_account};

type Answer = Result<CommitOutcome, CommitError>;

/// Transient conflicts are retried this many times before a batch is split.
const RETRIES: u32 = 5;

/// Why a batch did not commit.
#[derive(Debug)]
enum Abort {
    Db(DbErr),
    /// The wallet store failed (not a business refusal): the batch cannot go on.
    Wallet(WalletError),
}

impl Abort {
    fn transient(&self) -> bool {
        match self {
            // Another batch committed the same idempotency key first, a deadlock, a busy file.
            Abort::Db(e) => matches!(fault(e), Fault::Duplicate | Fault::Unavailable),
            Abort::Wallet(WalletError::Unavailable(_)) => true,
            Abort::Wallet(_) => false,
        }
    }

    fn into_error(self) -> CommitError {
        match self {
            Abort::Db(e) => match fault(&e) {
                Fault::Unavailable => CommitError::Unavailable(describe(&e)),
                _ => CommitError::Unexpected(Box::new(failure(&e))),
            },
            Abort::Wallet(e) => e.into(),
        }
    }
}

impl From<DbErr> for Abort {
    fn from(e: DbErr) -> Self {
        Abort::Db(e)
    }
}

/// Commits `commits` together and answers each, in order. A batch that cannot commit as a
/// whole is retried, then committed one event at a time.
pub(super) async fn commit_all(store: &SqlStore, commits: Vec<UsageCommit>) -> Vec<Answer> {
    let all: Vec<&UsageCommit> = commits.iter().collect();
    match with_retries(store, &all).await {
        Ok(answers) => answers,
        Err(abort) if all.len() == 1 => vec![Err(abort.into_error())],
        Err(_) => {
            let mut answers = Vec::with_capacity(all.len());
            for one in &all {
                answers.push(match with_retries(store, std::slice::from_ref(one)).await {
                    Ok(mut a) => a
                        .pop()
                        .unwrap_or_else(|| Err(CommitError::Unavailable("no answer".to_owned()))),
                    Err(abort) => Err(abort.into_error()),
                });
            }
            answers
        }
    }
}

async fn with_retries(store: &SqlStore, commits: &[&UsageCommit]) -> Result<Vec<Answer>, Abort> {
    let mut attempt = 0;
    loop {
        // The first attempt is optimistic: no lookup of stored keys, the unique index is the
        // check. A conflict aborts it and every retry looks the keys up first.
        let r = commit_batch(store, commits, attempt > 0).await;
        match r {
            Ok(answers) => return Ok(answers),
            Err(abort) if abort.transient() && attempt < RETRIES => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 2)).await;
            }
            Err(abort) => return Err(abort),
        }
    }
}

type Idem = (CustomerId, IdempotencyKey);

fn idem(e: &UsageEvent) -> Idem {
    (e.customer.clone(), e.idempotency_key.clone())
}

async fn commit_batch(
    store: &SqlStore,
    commits: &[&UsageCommit],
    lookup: bool,
) -> Result<Vec<Answer>, Abort> {
    let txn = store.write_txn().await?;
    let keys: Vec<Idem> = commits.iter().map(|c| idem(&c.event)).collect();

    // 1. Idempotency keys already stored: their first answer, nothing written. Skipped on a
    //    first attempt: retries of a stored key are rare, and the unique index on
    //    `(customer, idempotency_key)` refuses the insert (aborting the batch) if one is there.
    let mut seen: HashMap<Idem, UsageEvent> = HashMap::new();
    if lookup {
        seen = find_keys(&txn, &keys)
            .await?
            .into_iter()
            .map(|e| (idem(&e), e))
            .collect();
    }

    // 2. Fences. The current fence of every customer with a fenced commit, read before any
    //    counter (`FOR SHARE` on PostgreSQL: moving the authority waits for this batch). A
    //    commit whose fence is not the current one is answered `Fenced` and takes no further
    //    part: no counter step, no debit, no event.
    let stale = stale_fences(&txn, commits).await?;

    // 3. Counters. Where no request of the batch can be refused (no hard limit, no decrease)
    //    the batch's total is added in one upsert that locks the row and returns the sum's
    //    end value: the start value is that minus the total, and the events are decided from
    //    it as below. Every other counter is locked and read first, then written.
    let mut totals: HashMap<RowKey, (&CounterKey, Option<i64>, bool)> = HashMap::new();
    let mut firsts: HashSet<&Idem> = HashSet::new();
    for ((commit, k), stale) in commits.iter().zip(&keys).zip(&stale) {
        if stale.is_some() || seen.contains_key(k) || !firsts.insert(k) {
            continue;
        }
        if let CounterStep::Consume(req) = &commit.counter {
            let entry = totals
                .entry(key_of(&req.key))
                .or_insert((&req.key, Some(0), false));
            entry.1 = entry.1.and_then(|t| t.checked_add(req.amount));
            entry.2 |=
                req.amount < 0 || (req.enforcement == Enforcement::Hard && req.limit.is_some());
        }
    }
    let additions: Vec<(&CounterKey, i64)> = totals
        .values()
        .filter_map(|(key, total, constrained)| match total {
            Some(t) if !constrained => Some((*key, *t)),
            _ => None,
        })
        .collect();
    // What each counter holds in the database once this step is done; `values` follows the
    // decisions below, and only counters that end up elsewhere are written again.
    let mut in_db = add_many(&txn, &additions).await?;
    let mut values: HashMap<RowKey, i64> = HashMap::new();
    for (key, total) in &additions {
        let row = key_of(key);
        if let Some(end) = in_db.get(&row) {
            values.insert(row, end - total);
        }
    }
    // The rest (and any addition refused because it would overflow) under the lock.
    let to_lock: Vec<&CounterKey> = totals
        .iter()
        .filter(|(row, _)| !in_db.contains_key(*row))
        .map(|(_, (key, _, _))| *key)
        .collect();
    if !to_lock.is_empty() {
        let locked = lock_many(&txn, &to_lock).await?;
        values.extend(locked.iter().map(|(row, v)| (row.clone(), *v)));
        in_db.extend(locked);
    }
    // Then the wallets the batch may debit, in customer order (the same order for everyone).
    let mut payers: Vec<&CustomerId> = commits
        .iter()
        .zip(&keys)
        .zip(&stale)
        .filter(|((c, k), stale)| c.pay_from_wallet && stale.is_none() && !seen.contains_key(*k))
        .map(|((c, _), _)| &c.event.customer)
        .collect();
    payers.sort();
    payers.dedup();
    for customer in payers {
        lock_account(&txn, customer).await?;
    }

    // 4. Decide each event in arrival order.
    let mut answers = Vec::with_capacity(commits.len());
    let mut events: Vec<UsageEvent> = Vec::new();
    let mut journal = Vec::new();
    // Keys written earlier in this batch: the index of their event in `events`.
    let mut written: HashMap<Idem, usize> = HashMap::new();
    for ((commit, k), stale) in commits.iter().zip(keys).zip(stale) {
        if let Some(current) = stale {
            answers.push(Err(CommitError::Fenced { current }));
            continue;
        }
        let first = seen
            .get(&k)
            .or_else(|| written.get(&k).and_then(|i| events.get(*i)));
        if let Some(first) = first {
            answers.push(Ok(CommitOutcome::Duplicate(first.clone())));
            continue;
        }
        let (consumption, moved) = match &commit.counter {
            CounterStep::Consume(req) => {
                let current = values.get(&key_of(&req.key)).copied().unwrap_or(0);
                match apply_consume(current, req) {
                    Ok(got) if got.accepted => (got, Some(key_of(&req.key))),
                    Ok(refused) => {
                        answers.push(Ok(CommitOutcome::Refused(refused)));
                        continue;
                    }
                    Err(e) => {
                        answers.push(Err(e.into()));
                        continue;
                    }
                }
            }
            CounterStep::Consumed(c) => (*c, None),
        };
        let (event, debit, audit) = commit.complete(&consumption);
        // Answer with the event exactly as it is stored (instants to the microsecond).
        let event = as_stored(event);
        if let Err(e) = event.validate() {
            answers.push(Err(CommitError::Invalid(e.to_string())));
            continue;
        }
        if let Some(d) = &debit {
            // A savepoint: a refused debit leaves no trace and the batch's transaction usable.
            let savepoint = txn.begin().await?;
            match debit_on(&savepoint, d).await {
                Ok(_) => savepoint.commit().await?,
                Err(e @ (WalletError::InsufficientCredits { .. } | WalletError::Invalid(_))) => {
                    savepoint.rollback().await?;
                    answers.push(Err(e.into()));
                    continue;
                }
                Err(e) => return Err(Abort::Wallet(e)),
            }
        }
        if let Some(row) = moved {
            values.insert(row, consumption.used);
        }
        written.insert(k, events.len());
        journal.extend(audit);
        answers.push(Ok(CommitOutcome::Inserted {
            event: event.clone(),
            consumption,
        }));
        events.push(event);
    }

    // 5. Write it all, then commit: nobody is answered before the commit.
    let finals: Vec<(&CounterKey, i64)> = totals
        .iter()
        .filter_map(|(row, (key, _, _))| {
            let value = *values.get(row)?;
            (in_db.get(row) != Some(&value)).then_some((*key, value))
        })
        .collect();
    write_many(&txn, &finals).await?;
    events.sort_by_key(idem);
    if !events.is_empty() {
        insert_events(&txn, &events).await?;
    }
    if !journal.is_empty() {
        append_audit(&txn, &journal).await?;
    }
    txn.commit().await?;
    Ok(answers)
}

/// For each commit, in order: `Some(current)` when it carries a fence that is not its
/// customer's current one (`current` being `None` when the customer has none), `None` when it
/// may go on (no fence, or the current one). Reads nothing when no commit is fenced.
async fn stale_fences<C: sea_orm::ConnectionTrait>(
    conn: &C,
    commits: &[&UsageCommit],
) -> Result<Vec<Option<Option<Fence>>>, DbErr> {
    let mut customers: Vec<&CustomerId> = commits
        .iter()
        .filter(|c| c.fence.is_some())
        .map(|c| &c.event.customer)
        .collect();
    if customers.is_empty() {
        return Ok(vec![None; commits.len()]);
    }
    customers.sort();
    customers.dedup();
    let current = share_fences(conn, &customers).await?;
    Ok(commits
        .iter()
        .map(|c| {
            let fence = c.fence?;
            let now = current.get(c.event.customer.as_str()).copied();
            (now != Some(fence)).then_some(now)
        })
        .collect())
}
