//! SQLite's write-ahead log, copied back into the database file by a thread of its own.
//!
//! By default SQLite checkpoints inside the commit that makes the log cross 1,000 pages:
//! that writer then copies the log into the database and waits for `fsync` while it
//! still holds the write lock, so every other writer of the process waits too (a tenth
//! of a submission's time under load). The store's connections turn that off
//! (`wal_autocheckpoint = 0`) and this thread runs passive checkpoints instead, beside
//! the writers: a passive checkpoint takes no lock that writers or readers need, and
//! copies what no reader still uses.
//!
//! A passive checkpoint alone does not keep the log small under load: a writer starts
//! the log again from its beginning only when the whole log has been copied and no
//! reader still uses it, which a steady flow of reads and writes never leaves (a load
//! test grew it to 3.7 GB in minutes, every commit then extending the file). So when the
//! log passes [`RESTART_ABOVE_PAGES`], the thread takes the process's writer turn and
//! runs a `RESTART` checkpoint: it copies the few pages the passive ones left, waits for
//! the readers of older snapshots to finish, and makes the next writer start the log from
//! its beginning, overwriting pages the file already has.
//!
//! Under the turn, every writer of the process waits: a restart held them for about 20 ms
//! under load (timed), copying and syncing what was written since the last passive
//! checkpoint. A second passive checkpoint just before taking the turn leaves less to
//! copy (9–18 ms). And while readers of older snapshots remain, SQLite's busy handler
//! would sleep 1, 2, 5, 10 ms... between two looks, though readers finish within a
//! fraction of a millisecond: the thread's connection has no busy timeout, and the thread
//! tries the restart again every [`RESTART_POLL`], for at most [`RESTART_PATIENCE`].

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};

use crate::write::{SqliteWriter, WriterClass};

/// How often the log is copied back. Between two passes, a busy server writes a few
/// megabytes of log at most.
const INTERVAL: Duration = Duration::from_millis(100);

/// Log pages (of 4 KiB) past which the log is started again: about one second of
/// submissions under full load.
const RESTART_ABOVE_PAGES: i32 = 4096;

/// Time between two tries of a restart that found readers of older snapshots.
const RESTART_POLL: Duration = Duration::from_micros(100);

/// Longest time a restart holds the writers' turn; the next pass tries again.
const RESTART_PATIENCE: Duration = Duration::from_millis(50);

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
                // Waits are the thread's own (see `restart`), not SQLite's busy handler.
                if let Err(error) = conn.batch_execute("PRAGMA busy_timeout = 0") {
                    tracing::warn!(%error, "SQLite checkpointer: busy timeout not cleared");
                }
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    checkpoint(&mut conn);
                }
            })?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// One passive checkpoint, and a restarting one when the log has grown past
/// [`RESTART_ABOVE_PAGES`]. A failure is logged and the next pass tries again: until
/// then the log only grows.
fn checkpoint(conn: &mut SqliteConnection) {
    match run(conn, "PRAGMA wal_checkpoint(PASSIVE)") {
        Some(outcome) if outcome.log > RESTART_ABOVE_PAGES => {
            // Our writers wait for their turn on the process's mutex rather than on
            // SQLite's busy handler; the checkpoint then only waits for readers.
            // A second passive checkpoint copies and syncs, without the turn, what was
            // written since the first: the restart then has little left to copy.
            run(conn, "PRAGMA wal_checkpoint(PASSIVE)");
            let _turn = SqliteWriter::enter(WriterClass::Foreground);
            restart(conn);
        }
        _ => {}
    }
}

/// A `RESTART` checkpoint, tried again while readers of older snapshots remain (`busy`),
/// for at most [`RESTART_PATIENCE`]. Call it with the writers' turn held: no new page
/// comes into the log meanwhile, so a try after the first only checks the readers.
fn restart(conn: &mut SqliteConnection) {
    let started = Instant::now();
    while let Some(outcome) = run(conn, "PRAGMA wal_checkpoint(RESTART)") {
        if outcome.busy == 0 || started.elapsed() >= RESTART_PATIENCE {
            break;
        }
        thread::sleep(RESTART_POLL);
    }
}

fn run(conn: &mut SqliteConnection, pragma: &str) -> Option<Outcome> {
    match diesel::sql_query(pragma).get_result::<Outcome>(conn) {
        Ok(outcome) => {
            tracing::trace!(
                pragma,
                busy = outcome.busy,
                log_pages = outcome.log,
                checkpointed_pages = outcome.checkpointed,
                "SQLite checkpoint"
            );
            Some(outcome)
        }
        Err(error) => {
            tracing::warn!(%error, pragma, "SQLite checkpoint failed; will try again");
            None
        }
    }
}
