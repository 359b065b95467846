//! Group commit: small write transactions of one kind, queued by many callers, committed
//! together by one thread.
//!
//! Every commit costs the same whatever it holds: on SQLite, the pages it changed written
//! to the log (pages shared by several writes, such as the last page of an index on a
//! date, once per commit), the other connections' caches dropped, the process's writer
//! lock handed over; on PostgreSQL, a flush of the log to disk. When writes arrive faster
//! than they commit one by one, the writer thread takes every write queued meanwhile and
//! commits them in one transaction, each behind a savepoint of its own: a write that
//! fails is rolled back to its savepoint and reported to its caller alone, the others
//! commit. A caller gets its result once the shared transaction has committed, so that
//! nothing is reported done before it is durable.
//!
//! With one write queued the thread commits it alone, at once: grouping only happens
//! under load, and adds no delay.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;

use diesel::r2d2::Pool;
use diesel::Connection;
use tokio::sync::oneshot;

use crate::changes::ChangeEpoch;
use crate::pool::Manager;
use crate::{write_transaction, DbConnection, StoreError};

/// Writes committed in one transaction at most: a bound on what one failed commit takes
/// with it, and on how long the first caller of a group waits for the last.
const MAX_GROUP: usize = 64;

/// One queued write: runs inside the shared transaction (or not at all, given no
/// connection) and returns what to tell its caller once the commit is known.
type Job = Box<dyn FnOnce(Option<&mut DbConnection>) -> Reply + Send>;

/// Tells a caller the outcome of its write, given whether the shared transaction
/// committed.
type Reply = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// The queue of the writer thread, which runs until the last sender is dropped.
#[derive(Debug)]
pub(crate) struct GroupedWriter {
    queue: Sender<Job>,
}

impl GroupedWriter {
    /// Starts the writer thread on connections of `pool`.
    pub(crate) fn start(pool: Pool<Manager>, changes: Arc<ChangeEpoch>) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new()
            .name("group-commit".into())
            .spawn(move || write_groups(&pool, &changes, &jobs))?;
        Ok(Self { queue })
    }

    /// Queues `work` and waits until it is committed (or has failed).
    pub(crate) async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            // A nested transaction: a savepoint inside the shared one.
            let outcome = conn.map(|conn| conn.transaction(work));
            Box::new(move |committed| {
                let result = match (outcome, committed) {
                    (Some(Ok(value)), Ok(())) => Ok(value),
                    (Some(Err(error)), _) => Err(error),
                    (_, Err(error)) => Err(E::from(error.again())),
                    (None, Ok(())) => Err(E::from(StoreError::Task(
                        "a grouped write was not run".into(),
                    ))),
                };
                // The caller may have gone (its request cancelled): nothing to tell.
                let _ = answer.send(result);
            })
        });
        self.queue
            .send(job)
            .map_err(|_| StoreError::Task("the group-commit thread has stopped".into()))?;
        answered.await.map_err(|_| {
            E::from(StoreError::Task(
                "the group-commit thread dropped a write".into(),
            ))
        })?
    }
}

/// The writer thread: waits for a write, takes every other one queued meanwhile, commits
/// them together and answers each caller.
fn write_groups(pool: &Pool<Manager>, changes: &ChangeEpoch, jobs: &Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        group.extend(jobs.try_iter().take(MAX_GROUP - 1));
        // A write that panics must not stop the thread: its group is dropped (the
        // callers get an error, the transaction is rolled back with its connection).
        let run = catch_unwind(AssertUnwindSafe(|| commit_group(pool, changes, group)));
        if run.is_err() {
            tracing::error!("a grouped write panicked; its group was rolled back");
        }
    }
}

/// Runs a group in one transaction and answers its callers.
fn commit_group(pool: &Pool<Manager>, changes: &ChangeEpoch, group: Vec<Job>) {
    let mut pooled = match pool.get() {
        Ok(pooled) => pooled,
        Err(error) => {
            // No connection: every caller gets the error, no work runs.
            let error = StoreError::from(error);
            for job in group {
                job(None)(Err(&error));
            }
            return;
        }
    };
    let mut replies = Vec::with_capacity(group.len());
    let committed = write_transaction(&mut pooled.conn, |conn| {
        for job in group {
            replies.push(job(Some(&mut *conn)));
        }
        Ok::<(), StoreError>(())
    });
    pooled.publish_writes(changes);
    for reply in replies {
        reply(committed.as_ref().map(|_| ()));
    }
}
