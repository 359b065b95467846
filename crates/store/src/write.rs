//! Write transactions that do not fail under concurrent writers.
//!
//! A plain SQLite transaction starts as a reader; when two of them then try to write,
//! SQLite refuses one at once with "database is locked" (waiting could deadlock), and the
//! busy timeout does not help. `BEGIN IMMEDIATE` takes the write lock first, so concurrent
//! writers queue on the busy timeout instead. PostgreSQL needs nothing special.

use parking_lot::{const_mutex, Condvar, Mutex};
use std::cell::Cell;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::DbConnection;

/// Runs `work` in a transaction that holds the write lock from its first statement (on
/// SQLite), committing on `Ok` and rolling back on `Err`. Nested `transaction` calls
/// inside `work` become savepoints, as usual.
///
/// On SQLite, the writers of this process also queue for the process's writer turn
/// before `BEGIN IMMEDIATE`, in the order they came: SQLite makes a waiting writer poll,
/// sleeping 1, 2, 5, 10... up to 100 ms between attempts, so that under a steady flow of
/// writes (submissions, e-mails sent) most writers would sleep long after the lock was
/// free. The turn is handed over at once. Writers of other processes still queue on the
/// busy timeout.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_as(conn, WriterClass::Foreground, work)
}

/// The same as [`write_transaction`] for work nobody waits on (first waves, e-mails
/// claimed and marked sent): on SQLite it takes the writer's turn only when no
/// foreground writer (a submission, a person's action) waits, or after waiting
/// [`BACKGROUND_PATIENCE`], so that a burst of submissions is answered first and the
/// background catches up after it.
pub fn background_write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_as(conn, WriterClass::Background, work)
}

fn write_as<T, E, F>(conn: &mut DbConnection, class: WriterClass, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(work),
        DbConnection::Sqlite(inner) => {
            let _writer = SqliteWriter::enter(class);
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            // Commit and rollback go through the connection's own transaction manager,
            // which delegates to the SQLite one that recorded the BEGIN.
            type Manager = <DbConnection as Connection>::TransactionManager;
            match work(conn) {
                Ok(value) => {
                    Manager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    // The work's error is what the caller needs; a failed rollback leaves
                    // the connection marked broken, and the pool discards it.
                    let _ = Manager::rollback_transaction(conn);
                    Err(error)
                }
            }
        }
    }
}

/// Who is waiting for the writer's turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriterClass {
    /// Someone waits for the answer: submissions, people's actions, log restarts.
    Foreground,
    /// Work nobody waits on: it lets foreground writers go first.
    Background,
}

/// Longest a background writer lets foreground writers go first once the turn has been
/// free: under a steady flow of submissions, first waves and e-mails still get a turn
/// about this often.
pub const BACKGROUND_PATIENCE: Duration = Duration::from_millis(10);

/// The writer's turn of the process's SQLite writers (one for every SQLite database of
/// the process: there is one outside of tests).
#[derive(Debug)]
struct Turn {
    held: bool,
    /// Foreground writers waiting: background writers let them go first.
    foreground_waiting: usize,
    /// Tickets of waiting foreground writers, handed out and served in arrival order:
    /// with a plain mutex, a thread writing in a loop takes the turn back before the
    /// woken waiter runs (submissions waited for whole batches of waves: p99 150 ms).
    next_ticket: u64,
    serving: u64,
}

static TURN: Mutex<Turn> = const_mutex(Turn {
    held: false,
    foreground_waiting: 0,
    next_ticket: 0,
    serving: 0,
});
static TURN_FREED: Condvar = Condvar::new();

thread_local! {
    /// Whether this thread holds the turn: a nested call must not wait for itself
    /// (SQLite refuses the nested `BEGIN` with an error instead).
    static HOLDS_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// The turn of one SQLite writer of this process, until dropped.
pub(crate) struct SqliteWriter(bool);

impl SqliteWriter {
    pub(crate) fn enter(class: WriterClass) -> SqliteWriter {
        if HOLDS_WRITER.with(Cell::get) {
            return SqliteWriter(false);
        }
        let mut turn = TURN.lock();
        match class {
            WriterClass::Foreground => {
                let ticket = turn.next_ticket;
                turn.next_ticket += 1;
                turn.foreground_waiting += 1;
                while turn.held || turn.serving != ticket {
                    TURN_FREED.wait(&mut turn);
                }
                turn.foreground_waiting -= 1;
                turn.serving += 1;
            }
            WriterClass::Background => {
                // Patience runs from the first time the turn is free but foreground
                // writers wait for it.
                let mut yield_until = None;
                loop {
                    if turn.held {
                        TURN_FREED.wait(&mut turn);
                        continue;
                    }
                    if turn.foreground_waiting == 0 {
                        break;
                    }
                    let until =
                        *yield_until.get_or_insert_with(|| Instant::now() + BACKGROUND_PATIENCE);
                    if Instant::now() >= until {
                        break;
                    }
                    TURN_FREED.wait_until(&mut turn, until);
                }
            }
        }
        turn.held = true;
        HOLDS_WRITER.with(|holds| holds.set(true));
        SqliteWriter(true)
    }
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        if self.0 {
            HOLDS_WRITER.with(|holds| holds.set(false));
            TURN.lock().held = false;
            TURN_FREED.notify_all();
        }
    }
}
