//! Group commit for review decisions. Decisions arrive from many requests at once; committed
//! one by one, each pays for a whole transaction (on SQLite the pages it touched written to
//! the WAL, on PostgreSQL a WAL flush), and concurrent requests spend their time handing
//! SQLite's one connection around. Instead one task per store takes every decision waiting,
//! applies them inside one transaction (`decisions::apply_group`: each still its own
//! compare-and-set, in arrival order, so a stale version is a conflict exactly as before),
//! commits once, and answers each request. Under light load a group is one decision and
//! nothing waits; under heavy load a group grows with the queue, which is when sharing a
//! commit pays.
//!
//! On PostgreSQL several such tasks run, each owning the facts whose id falls to it, so
//! groups commit side by side on separate connections while decisions on one fact still
//! queue in one place, in order. SQLite has one writer connection, so it has one task.

use super::decisions::{Decided, Pending, apply_group};
use super::{Backend, Begin, Result, StoreError, begin_write_on};
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most decisions one transaction carries: bounds how long the write lock is held.
const MAX_GROUP: usize = 64;
/// Writer tasks on PostgreSQL: groups committing at once, each on its own connection.
const POSTGRES_WRITERS: usize = 4;
/// Decisions queued beyond this make their requests wait, rather than memory grow.
const QUEUE: usize = 1024;

type Reply = oneshot::Sender<Result<Decided>>;

/// The handle requests submit decisions through; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct DecisionWriter {
    /// One queue per writer task; a fact's decisions always go to the same one.
    queues: Arc<[mpsc::Sender<(Pending, Reply)>]>,
}

impl DecisionWriter {
    /// Starts the writer tasks on the current tokio runtime. They end when every handle is
    /// dropped.
    pub fn start(pool: AnyPool, backend: Backend, begin: Begin) -> DecisionWriter {
        let tasks = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let queues = (0..tasks)
            .map(|_| {
                let (queue, waiting) = mpsc::channel(QUEUE);
                tokio::spawn(run(pool.clone(), backend, begin, waiting));
                queue
            })
            .collect();
        DecisionWriter { queues }
    }

    /// Applies one decision and returns the fact as it now stands.
    pub async fn submit(&self, pending: Pending) -> Result<Decided> {
        let (reply, answer) = oneshot::channel();
        let queue = &self.queues[pending.fact_id.unsigned_abs() as usize % self.queues.len()];
        queue
            .send((pending, reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    begin: Begin,
    mut waiting: mpsc::Receiver<(Pending, Reply)>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while waiting.recv_many(&mut group, MAX_GROUP).await > 0 {
        commit_group(&pool, backend, begin, &mut group).await;
    }
}

/// Applies and commits a group, answering every request in it; empties `group`.
async fn commit_group(
    pool: &AnyPool,
    backend: Backend,
    begin: Begin,
    group: &mut Vec<(Pending, Reply)>,
) {
    if group.len() > 1 {
        let pendings: Vec<&Pending> = group.iter().map(|(p, _)| p).collect();
        match apply_in_one_transaction(pool, backend, begin, &pendings).await {
            Ok(results) => {
                for ((_, reply), result) in group.drain(..).zip(results) {
                    // A request that went away still had its decision applied.
                    let _ = reply.send(result);
                }
                return;
            }
            // One broken decision must not fail the others: nothing of the group was
            // committed, so each is applied again alone and gets its own outcome.
            Err(e) => tracing::warn!(error = %e, size = group.len(),
                "a group of decisions failed; applying them one by one"),
        }
    }
    for (pending, reply) in group.drain(..) {
        let result = apply_in_one_transaction(pool, backend, begin, &[&pending])
            .await
            .and_then(|mut r| r.pop().ok_or(StoreError::Closed)?);
        let _ = reply.send(result);
    }
}

/// Each decision's outcome, if the transaction committed. A conflict or an invalid
/// correction is an outcome; a database error aborts the whole transaction.
async fn apply_in_one_transaction(
    pool: &AnyPool,
    backend: Backend,
    begin: Begin,
    pendings: &[&Pending],
) -> Result<Vec<Result<Decided>>> {
    let mut tx = begin_write_on(pool, begin).await?;
    let results = apply_group(&mut tx, backend, pendings).await?;
    tx.commit().await?;
    Ok(results)
}
