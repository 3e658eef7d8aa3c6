//! The usage unit of work on SQL, with group commit.
//!
//! One transaction per batch: look up the idempotency keys already stored (a repeat gets the
//! stored first answer), read the counter fences of the customers whose commits carry one (a
//! commit fenced on an epoch that is no longer current is answered `Fenced` and writes
//! nothing), create and lock the batch's counters in key order, decide every
//! event in arrival order with the domain rule (`apply_consume`), debit wallets, then write
//! the counters' final values, the events and the journal, and commit. A caller is answered
//! only after its batch has committed; an error anywhere rolls the whole batch back.
//!
//! **Group commit**: concurrent callers queue on a channel; a worker takes what is waiting
//! (up to `max_batch`), lingers up to `max_wait` for more only when callers are evidently
//! concurrent, and commits them together: one durable flush for many events. Each worker owns
//! the customers that hash to it, so two workers never wait for each other's counter locks
//! and their transactions run side by side. A batch that
//! fails on a transient conflict (two batches inserting one idempotency key, a deadlock) is
//! retried; one that keeps failing is split so a single bad event cannot fail its neighbours.

mod batch;

use std::hash::{Hash, Hasher};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tollgate_engine::{CommitError, CommitOutcome, UsageCommit, UsageRecorder};

use crate::SqlStore;

/// Batching limits of the group committer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCommit {
    /// Most events in one transaction.
    pub max_batch: usize,
    /// Longest a worker waits for more events once it knows callers are concurrent.
    pub max_wait: Duration,
    /// Transactions in flight at once, each for its own share of the customers (PostgreSQL
    /// commits them in parallel; on SQLite they queue for the one write lock).
    pub workers: usize,
}

impl Default for GroupCommit {
    fn default() -> Self {
        Self {
            max_batch: 512,
            max_wait: Duration::from_millis(2),
            workers: 4,
        }
    }
}

struct Job {
    commit: UsageCommit,
    reply: oneshot::Sender<Result<CommitOutcome, CommitError>>,
}

/// [`UsageRecorder`] over a [`SqlStore`]: one transaction per event ([`Self::direct`]) or per
/// batch of concurrent events ([`Self::grouped`]).
pub struct SqlUsageRecorder {
    store: SqlStore,
    /// One queue per worker; empty for one transaction per event.
    queues: Vec<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for SqlUsageRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlUsageRecorder")
            .field("workers", &self.queues.len())
            .finish_non_exhaustive()
    }
}

impl SqlUsageRecorder {
    /// One transaction per event.
    pub fn direct(store: SqlStore) -> Self {
        Self {
            store,
            queues: Vec::new(),
        }
    }

    /// Group commit. Spawns `options.workers` tasks on the current Tokio runtime; they stop
    /// when the recorder is dropped and the queue is drained.
    pub fn grouped(store: SqlStore, options: GroupCommit) -> Self {
        let capacity = options.max_batch.max(1) * 4;
        let queues = (0..options.workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(capacity);
                let worker = Worker {
                    store: store.clone(),
                    rx,
                    options,
                };
                tokio::spawn(worker.run());
                tx
            })
            .collect();
        Self { store, queues }
    }

    /// The worker that owns `customer`'s counters.
    fn queue_for(&self, customer: &str) -> Option<&mpsc::Sender<Job>> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        customer.hash(&mut hasher);
        let n = u64::try_from(self.queues.len()).ok()?;
        let i = usize::try_from(hasher.finish() % n.max(1)).ok()?;
        self.queues.get(i)
    }
}

#[async_trait]
impl UsageRecorder for SqlUsageRecorder {
    async fn commit(&self, commit: UsageCommit) -> Result<CommitOutcome, CommitError> {
        let Some(queue) = self.queue_for(commit.event.customer.as_str()) else {
            return batch::commit_all(&self.store, vec![commit])
                .await
                .into_iter()
                .next()
                .unwrap_or_else(|| Err(CommitError::Unavailable("no answer".into())));
        };
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { commit, reply })
            .await
            .map_err(|_| CommitError::Unavailable("usage recorder stopped".into()))?;
        answer
            .await
            .map_err(|_| CommitError::Unavailable("usage recorder stopped".into()))?
    }
}

struct Worker {
    store: SqlStore,
    rx: mpsc::Receiver<Job>,
    options: GroupCommit,
}

impl Worker {
    async fn run(mut self) {
        while let Some(jobs) = self.collect().await {
            let (commits, replies): (Vec<_>, Vec<_>) =
                jobs.into_iter().map(|j| (j.commit, j.reply)).unzip();
            let results = batch::commit_all(&self.store, commits).await;
            for (reply, result) in replies.into_iter().zip(results) {
                // A caller that gave up no longer listens; its event is committed regardless.
                let _ = reply.send(result);
            }
        }
    }

    /// The next batch: the first waiting job, everything queued behind it, and — when there
    /// was a queue — whatever arrives within `max_wait`. `None` once the recorder is gone.
    async fn collect(&mut self) -> Option<Vec<Job>> {
        let rx = &mut self.rx;
        let first = rx.recv().await?;
        let mut jobs = vec![first];
        while jobs.len() < self.options.max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if jobs.len() > 1 && jobs.len() < self.options.max_batch {
            let deadline = tokio::time::Instant::now() + self.options.max_wait;
            while jobs.len() < self.options.max_batch {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(job)) => jobs.push(job),
                    _ => break,
                }
            }
        }
        Some(jobs)
    }
}
