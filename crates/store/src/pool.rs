//! Connections, the pool, and the `Store` handle the rest of the service holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool};
use diesel::{MultiConnection, PgConnection, SqliteConnection};

use crate::changes::{self, ChangeEpoch, WriteWatch};
use crate::checkpoint::Checkpointer;
use crate::grouped::GroupedWriter;
use crate::{Backend, DatabaseUrl, StoreError, StoreResult};

/// One connection to whichever backend the URL selected; every query is written once for both.
#[derive(MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL.
    Postgres(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

impl std::fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DbConnection::Postgres(_) => "DbConnection::Postgres",
            DbConnection::Sqlite(_) => "DbConnection::Sqlite",
        })
    }
}

/// Settings of the pool and of the first connection.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Largest number of open connections.
    pub max_size: u32,
    /// How long a query waits for a free connection.
    pub acquire_timeout: Duration,
    /// How long start-up keeps retrying an unreachable database before giving up.
    pub startup_timeout: Duration,
    /// How long SQLite waits on a locked database before failing.
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            acquire_timeout: Duration::from_secs(10),
            startup_timeout: Duration::from_secs(30),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// How much of an SQLite database file each connection reads through a memory map
/// rather than `read` calls: every connection then shares the operating system's cached
/// pages without copying them into its own page cache. Under load, random reads of a
/// large database otherwise spend much of their time in system calls.
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// What the write-ahead log file keeps when it starts again from its beginning: it
/// restarts at 16 MiB (see `crate::checkpoint`), and a burst (a bulk import) that grew it
/// further gives the space back.
const SQLITE_LOG_LIMIT_BYTES: u64 = 64 << 20;

/// Opens connections of the backend the URL names, and prepares each SQLite one.
///
/// diesel's own manager would try every backend in turn; naming the backend avoids
/// SQLite creating a file called `postgres:` when PostgreSQL is down.
#[derive(Debug)]
pub(crate) struct Manager {
    url: DatabaseUrl,
    sqlite_busy_timeout: Duration,
}

impl Manager {
    /// A new connection, and on PostgreSQL the flag its instrumentation raises when it
    /// writes a watched table (see [`crate::changes`]).
    fn establish_watched(&self) -> Result<(DbConnection, Option<Arc<AtomicBool>>), r2d2::Error> {
        let mut conn = self.establish()?;
        let watch = match &mut conn {
            DbConnection::Postgres(pg) => {
                let wrote = Arc::new(AtomicBool::new(false));
                pg.set_instrumentation(WriteWatch(wrote.clone()));
                Some(wrote)
            }
            DbConnection::Sqlite(_) => None,
        };
        Ok((conn, watch))
    }

    fn establish(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let conn = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // Per-connection settings: SQLite forgets them when a connection closes.
                // The log is checkpointed by the store's own thread, not by the commits
                // (see `crate::checkpoint`).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA mmap_size = {};
                     PRAGMA wal_autocheckpoint = 0;
                     PRAGMA journal_size_limit = {};",
                    self.sqlite_busy_timeout.as_millis(),
                    SQLITE_MMAP_BYTES,
                    SQLITE_LOG_LIMIT_BYTES,
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// How long a connection that answered is trusted without asking again. The pool checks
/// a connection as it hands it out, so that one left dead by a database restart is
/// replaced instead of failing queries; a check on every hand-out would cost a round
/// trip per request to PostgreSQL. A dead connection fails requests for this long at
/// most.
const RECHECK_AFTER: Duration = Duration::from_secs(1);

/// A connection in the pool, with when it last answered a check.
#[derive(Debug)]
pub(crate) struct PooledConnection {
    pub(crate) conn: DbConnection,
    checked_at: Instant,
    /// PostgreSQL: raised when a statement wrote a watched table.
    wrote_watched: Option<Arc<AtomicBool>>,
}

impl PooledConnection {
    /// Moves `epoch` if the work just done on this connection wrote a watched table. Call
    /// it once that work is committed and before its caller answers.
    pub(crate) fn publish_writes(&self, epoch: &ChangeEpoch) {
        if let Some(wrote) = &self.wrote_watched {
            if wrote.swap(false, Ordering::AcqRel) {
                epoch.advance();
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = PooledConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PooledConnection, r2d2::Error> {
        let (conn, wrote_watched) = self.establish_watched()?;
        Ok(PooledConnection {
            conn,
            checked_at: Instant::now(),
            wrote_watched,
        })
    }

    fn is_valid(&self, pooled: &mut PooledConnection) -> Result<(), r2d2::Error> {
        if pooled.checked_at.elapsed() < RECHECK_AFTER {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)?;
        pooled.checked_at = Instant::now();
        Ok(())
    }

    fn has_broken(&self, pooled: &mut PooledConnection) -> bool {
        match &mut pooled.conn {
            DbConnection::Postgres(conn) => r2d2::R2D2Connection::is_broken(conn),
            DbConnection::Sqlite(conn) => r2d2::R2D2Connection::is_broken(conn),
        }
    }
}

/// The handle on the database shared by the whole service; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool<Manager>,
    url: DatabaseUrl,
    backend: Backend,
    /// SQLite only: the thread that checkpoints the write-ahead log, until the last
    /// clone is dropped.
    _checkpointer: Option<Arc<Checkpointer>>,
    /// The thread that commits grouped writes ([`Store::write_grouped`]).
    grouped: Arc<GroupedWriter>,
    /// What this process knows of changes to the data it caches.
    changes: Arc<ChangeEpoch>,
    /// PostgreSQL: whether the listener of other processes' changes was started.
    listening: Arc<std::sync::OnceLock<()>>,
}

impl Store {
    /// Connects to the database, retrying with backoff until `startup_timeout` when it is
    /// unreachable, then builds the pool. For SQLite, the file's folder is created.
    ///
    /// Blocking: call it before the runtime starts or from a blocking task.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> StoreResult<Store> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                    path: folder.display().to_string(),
                    source,
                })?;
            }
        }
        let manager = Manager {
            url: url.clone(),
            sqlite_busy_timeout: options.sqlite_busy_timeout,
        };
        // The first connection, once it answers, is the SQLite checkpointer's.
        let checkpointer = match wait_until_reachable(&manager, options.startup_timeout)? {
            DbConnection::Sqlite(conn) => Some(Arc::new(
                Checkpointer::start(conn).map_err(|e| StoreError::Task(e.to_string()))?,
            )),
            DbConnection::Postgres(_) => None,
        };
        let pool = Pool::builder()
            .max_size(options.max_size)
            // No spare connection opened in the background: libpq's TLS set-up on a pool
            // thread races OpenSSL's clean-up when a short command exits.
            .min_idle(Some(0))
            .connection_timeout(options.acquire_timeout)
            .build(manager)?;
        let changes = Arc::new(ChangeEpoch::default());
        let grouped = GroupedWriter::start(pool.clone(), changes.clone())
            .map_err(|e| StoreError::Task(format!("group-commit thread: {e}")))?;
        Ok(Store {
            pool,
            url: url.clone(),
            backend: url.backend(),
            _checkpointer: checkpointer,
            grouped: Arc::new(grouped),
            changes,
            listening: Arc::default(),
        })
    }

    /// Which engine this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Pool figures for health and metrics: (open connections, idle connections).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Runs blocking database work on a connection from the pool, on the calling thread.
    ///
    /// The work may fail with any error that a storage error converts into, so that a
    /// caller's transaction can abort with its own error (a refused transition, say).
    pub fn run_blocking<T, E>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut pooled = self.pool.get().map_err(StoreError::from)?;
        let result = work(&mut pooled.conn);
        pooled.publish_writes(&self.changes);
        result
    }

    /// What this process knows of changes to cached data: the epoch copies kept in
    /// memory are checked against. It is live only on PostgreSQL, once
    /// [`Store::listen_for_changes`] has run.
    pub fn changes(&self) -> &Arc<ChangeEpoch> {
        &self.changes
    }

    /// PostgreSQL: starts (once per store) the thread that follows the changes other
    /// processes make, which lets this process keep copies in memory. Does nothing on
    /// SQLite, where nothing is cached.
    pub fn listen_for_changes(&self) -> StoreResult<()> {
        let DatabaseUrl::Postgres(url) = &self.url else {
            return Ok(());
        };
        if self.listening.set(()).is_ok() {
            changes::spawn_listener(url.clone(), &self.changes)
                .map_err(|e| StoreError::Task(format!("change listener thread: {e}")))?;
        }
        Ok(())
    }

    /// Runs database work on tokio's blocking threads so that it never stalls the
    /// HTTP workers.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.run_blocking(work))
            .await
            .map_err(|error| StoreError::Task(error.to_string()))?
    }

    /// Runs `work` as a write transaction committed together with the other grouped
    /// writes queued meanwhile, each behind a savepoint (group commit): for
    /// short writes that many callers make at once. The result comes once the shared
    /// transaction has committed; an error of `work` rolls back `work` alone.
    pub async fn write_grouped<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.grouped.write(work).await
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        self.run_blocking(crate::migrate::run_pending)
    }

    /// Reverts every migration (tests of the migrations themselves).
    pub fn revert_all_migrations(&self) -> StoreResult<Vec<String>> {
        self.run_blocking(crate::migrate::revert_all)
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> StoreResult<()> {
        self.run(|conn| Ok::<_, StoreError>(conn.batch_execute("SELECT 1")?))
            .await
    }
}

/// Opens one connection, with exponential backoff, for at most `timeout`.
fn wait_until_reachable(manager: &Manager, timeout: Duration) -> StoreResult<DbConnection> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(200);
    let mut attempts = 0;
    loop {
        attempts += 1;
        match manager.establish() {
            Ok(conn) => return Ok(conn),
            Err(error) => {
                let waited = started.elapsed();
                if waited + delay > timeout {
                    return Err(StoreError::Unreachable {
                        url: manager.url.redacted(),
                        attempts,
                        reason: error.to_string().trim().to_owned(),
                    });
                }
                tracing::warn!(
                    database = %manager.url,
                    attempt = attempts,
                    retry_in_ms = delay.as_millis() as u64,
                    error = %error.to_string().trim(),
                    "database not reachable yet"
                );
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
