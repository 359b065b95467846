//! SQLite's write-ahead log, copied back into the database file by a thread of its own.
//!
//! By default SQLite checkpoints inside the commit that makes the log cross 1,000 pages:
//! that writer then copies the log into the database and waits for `fsync` while it
//! still holds the write lock, so every other writer of the process waits too (a tenth
//! of a submission's time under load). The store's connections turn that off
//! (`wal_autocheckpoint = 0`) and this thread runs passive checkpoints instead, beside
//! the writers: a passive checkpoint takes no lock that writers or readers need, and
//! copies what no reader still uses. Once it has copied the whole log, the next writer
//! starts the log again from its beginning, so the file stays small.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};

/// How often the log is copied back. Between two passes, a busy server writes a few
/// megabytes of log at most.
const INTERVAL: Duration = Duration::from_millis(100);

/// The checkpointing thread of one store; it stops when the last clone of the store is
/// dropped (its channel then closes).
#[derive(Debug)]
pub(crate) struct Checkpointer {
    _stop: Sender<()>,
}

#[derive(QueryableByName)]
struct Outcome {
    #[diesel(sql_type = Integer)]
    busy: i32,
    #[diesel(sql_type = Integer)]
    log: i32,
    #[diesel(sql_type = Integer)]
    checkpointed: i32,
}

impl Checkpointer {
    /// Starts the thread on its own connection.
    pub(crate) fn start(mut conn: SqliteConnection) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    checkpoint(&mut conn);
                }
            })?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// One passive checkpoint. A failure is logged and the next pass tries again: until
/// then the log only grows.
fn checkpoint(conn: &mut SqliteConnection) {
    match diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result::<Outcome>(conn) {
        Ok(outcome) => tracing::trace!(
            busy = outcome.busy,
            log_pages = outcome.log,
            checkpointed_pages = outcome.checkpointed,
            "SQLite checkpoint"
        ),
        Err(error) => tracing::warn!(%error, "SQLite checkpoint failed; will try again"),
    }
}
