//! Write transactions that do not fail under concurrent writers.
//!
//! A plain SQLite transaction starts as a reader; when two of them then try to write,
//! SQLite refuses one at once with "database is locked" (waiting could deadlock), and the
//! busy timeout does not help. `BEGIN IMMEDIATE` takes the write lock first, so concurrent
//! writers queue on the busy timeout instead. PostgreSQL needs nothing special.

use parking_lot::{const_mutex, Mutex, MutexGuard};
use std::cell::Cell;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::DbConnection;

/// Runs `work` in a transaction that holds the write lock from its first statement (on
/// SQLite), committing on `Ok` and rolling back on `Err`. Nested `transaction` calls
/// inside `work` become savepoints, as usual.
///
/// On SQLite, the writers of this process also queue on a mutex before `BEGIN
/// IMMEDIATE`: SQLite makes a waiting writer poll, sleeping 1, 2, 5, 10... up to 100 ms
/// between attempts, so that under a steady flow of writes (submissions, e-mails sent)
/// most writers would sleep long after the lock was free. The mutex hands the lock
/// over at once. Writers of other processes still queue on the busy timeout.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(work),
        DbConnection::Sqlite(inner) => {
            let _writer = SqliteWriter::enter();
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

/// The SQLite writers of this process, one at a time (one mutex for every SQLite
/// database of the process: there is one outside of tests). The turn is handed over
/// fairly, in the order writers came: with an ordinary mutex, a thread writing in a loop
/// (the first waves, the e-mails sent) takes it back before the woken waiter runs, and
/// submissions waited for whole batches of waves (p99 of 150 ms under load).
static SQLITE_WRITERS: Mutex<()> = const_mutex(());

thread_local! {
    /// Whether this thread holds [`SQLITE_WRITERS`]: a nested call must not wait for
    /// itself (SQLite refuses the nested `BEGIN` with an error instead).
    static HOLDS_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// The turn of one SQLite writer of this process, until dropped.
pub(crate) struct SqliteWriter(Option<MutexGuard<'static, ()>>);

impl SqliteWriter {
    pub(crate) fn enter() -> SqliteWriter {
        if HOLDS_WRITER.with(Cell::get) {
            return SqliteWriter(None);
        }
        let guard = SQLITE_WRITERS.lock();
        HOLDS_WRITER.with(|holds| holds.set(true));
        SqliteWriter(Some(guard))
    }
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            HOLDS_WRITER.with(|holds| holds.set(false));
            MutexGuard::unlock_fair(guard);
        }
    }
}
