//! What this process knows of the changes made to the data it keeps in memory, so that
//! the hottest reads (a session's owner, a request's matching profile, the volunteer
//! profiles' version) can be answered from memory on PostgreSQL, where each read is a
//! round trip and a wake-up of a PostgreSQL backend.
//!
//! Every copy kept in memory is stamped with the [`ChangeEpoch`]'s value taken *before*
//! its read, and used only while the epoch still has that value. The epoch moves:
//! - at once, when this process writes one of the [`WATCHED_TABLES`]: each pooled
//!   PostgreSQL connection notes such statements (diesel's instrumentation), and the store
//!   moves the epoch when the work that made them returns, after its commit and before
//!   its caller answers anyone;
//! - when another process (or a person with `psql`) commits a change to those tables:
//!   triggers send `NOTIFY entraide_changes` (migration 000015) and a listener thread
//!   per process, polling every millisecond, moves the epoch on each notification;
//! - when the listener loses its connection or stops answering: the epoch is then not
//!   *live* and nothing is answered from memory until it is back.
//!
//! On SQLite nothing is cached: a read is a function call, and another process on the
//! same file (a CLI command) would not be noticed.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::Connection;

/// The tables whose rows processes keep copies of: sessions and their owners' roles
/// (the session check), requests with their establishment, themes and declined
/// proposals (a request's matching profile), and the volunteer profiles' version counter.
pub const WATCHED_TABLES: &[&str] = &[
    "sessions",
    "users",
    "user_roles",
    "help_requests",
    "help_request_themes",
    "proposals",
    "establishments",
    "change_counters",
];

/// The channel the triggers of migration 000015 notify.
pub const CHANNEL: &str = "entraide_changes";

/// How often the listener looks for notifications: the longest a change committed by
/// another process stays unseen here, beyond PostgreSQL's own delivery.
pub const POLL_EVERY: Duration = Duration::from_millis(1);

/// The listener's `application_name`, which names it in `pg_stat_activity`.
pub const LISTENER_NAME: &str = "entraide change listener";

/// How often the listener checks that its connection answers.
const HEARTBEAT_EVERY: Duration = Duration::from_millis(500);

/// How long the epoch stays live after the listener's last answered check: a listener
/// stuck on a dead connection stops the caching after this long.
const LIVE_FOR: Duration = Duration::from_millis(1_500);

/// Wait before connecting again after the listener's connection failed.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The value of the epoch a copy was read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

/// The process's change counter, shared by the store and its caches.
#[derive(Debug)]
pub struct ChangeEpoch {
    value: AtomicU64,
    /// Milliseconds since `origin` until which copies may be used (0: never).
    live_until: AtomicU64,
    origin: Instant,
}

impl Default for ChangeEpoch {
    fn default() -> Self {
        Self {
            value: AtomicU64::new(0),
            live_until: AtomicU64::new(0),
            origin: Instant::now(),
        }
    }
}

impl ChangeEpoch {
    fn millis(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn is_live(&self) -> bool {
        self.millis() < self.live_until.load(Ordering::Acquire)
    }

    fn keep_live(&self) {
        let until = self.millis() + u64::try_from(LIVE_FOR.as_millis()).unwrap_or(u64::MAX);
        self.live_until.store(until, Ordering::Release);
    }

    fn stop_live(&self) {
        self.live_until.store(0, Ordering::Release);
        self.advance();
    }

    /// Something watched changed: every copy read before is stale.
    pub fn advance(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }

    /// The stamp to give a copy about to be read, or `None` when copies may not be kept.
    pub fn stamp(&self) -> Option<Stamp> {
        // The value first: a copy stamped while live stays usable only while live.
        let value = self.value.load(Ordering::Acquire);
        self.is_live().then_some(Stamp(value))
    }

    /// Whether a copy read at `stamp` is still what the database holds.
    pub fn is_current(&self, stamp: Stamp) -> bool {
        self.is_live() && self.value.load(Ordering::Acquire) == stamp.0
    }
}

/// Copies of rows keyed by id, all read at one epoch: a copy read at an older epoch
/// empties the map, so stale copies take no memory.
#[derive(Debug)]
pub struct EpochCache<K, V> {
    epoch: Arc<ChangeEpoch>,
    entries: RwLock<(Option<Stamp>, HashMap<K, V>)>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How many lookups a cache answered, and how many it sent to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookups {
    /// Answered from memory.
    pub hits: u64,
    /// Not found, stale, or not cached at all (SQLite, listener down).
    pub misses: u64,
}

impl<K: Eq + Hash, V: Clone> EpochCache<K, V> {
    /// A cache of at most `capacity` copies (emptied when full).
    pub fn new(epoch: Arc<ChangeEpoch>, capacity: usize) -> Self {
        Self {
            epoch,
            entries: RwLock::new((None, HashMap::new())),
            capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Lookups so far.
    pub fn lookups(&self) -> Lookups {
        Lookups {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// The stamp to read a copy at (`None`: do not keep it).
    pub fn stamp(&self) -> Option<Stamp> {
        self.epoch.stamp()
    }

    /// The copy of `key`, if there is one and nothing watched changed since it was read.
    pub fn get(&self, key: &K) -> Option<V> {
        let found = self.find(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn find(&self, key: &K) -> Option<V> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stamp = entries.0?;
        if !self.epoch.is_current(stamp) {
            return None;
        }
        entries.1.get(key).cloned()
    }

    /// Keeps `value`, read at `stamp`, unless something changed since.
    pub fn insert(&self, stamp: Stamp, key: K, value: V) {
        if !self.epoch.is_current(stamp) {
            return;
        }
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.0 != Some(stamp) || entries.1.len() >= self.capacity {
            entries.0 = Some(stamp);
            entries.1.clear();
        }
        entries.1.insert(key, value);
    }
}

/// Whether a statement writes one of the [`WATCHED_TABLES`]; `sql` is its beginning.
///
/// diesel writes `INSERT INTO "table"`, `UPDATE "table"`, `DELETE FROM "table"`; hand-written
/// SQL may leave the quotes out. A statement that starts with `WITH` may write anything,
/// so it counts as a write.
pub fn writes_watched_table(sql: &str) -> bool {
    let sql = sql.trim_start();
    let mut words = sql.split(|c: char| c.is_whitespace() || c == '(');
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    let table = match first.as_str() {
        "with" => return true,
        "update" => words.find(|w| !w.is_empty() && !w.eq_ignore_ascii_case("only")),
        "insert" | "delete" => words.find(|w| {
            !w.is_empty() && !w.eq_ignore_ascii_case("into") && !w.eq_ignore_ascii_case("from")
        }),
        _ => return false,
    };
    let Some(table) = table else {
        return false;
    };
    // `"public"."sessions"` or `sessions`: the last part, without quotes.
    let name = table.rsplit('.').next().unwrap_or(table).trim_matches('"');
    WATCHED_TABLES
        .iter()
        .any(|watched| watched.eq_ignore_ascii_case(name))
}

/// Longest beginning of a statement looked at: enough for the verb and a table name.
const SQL_PREFIX: usize = 96;

/// Collects the beginning of a statement's text, then stops the formatting.
struct Prefix(String);

impl std::fmt::Write for Prefix {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = SQL_PREFIX.saturating_sub(self.0.len());
        let mut cut = room.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.0.push_str(&s[..cut]);
        if self.0.len() >= SQL_PREFIX {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// The instrumentation of a pooled PostgreSQL connection: notes statements that write
/// watched tables, for the store to move the epoch once the work is done.
pub(crate) struct WriteWatch(pub(crate) Arc<AtomicBool>);

impl Instrumentation for WriteWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let mut prefix = Prefix(String::with_capacity(SQL_PREFIX));
            // An `Err` only says the prefix is full.
            let _ = std::fmt::write(&mut prefix, format_args!("{query}"));
            if writes_watched_table(&prefix.0) {
                self.0.store(true, Ordering::Release);
            }
        }
    }
}

/// Starts the thread that listens to other processes' changes on PostgreSQL at `url`;
/// it stops soon after the last holder of `epoch` drops it.
pub(crate) fn spawn_listener(url: String, epoch: &Arc<ChangeEpoch>) -> std::io::Result<()> {
    let epoch = Arc::downgrade(epoch);
    std::thread::Builder::new()
        .name("change-listener".into())
        .spawn(move || listen(&url, &epoch))
        .map(|_| ())
}

fn listen(url: &str, epoch: &Weak<ChangeEpoch>) {
    loop {
        match connect_listening(url) {
            Ok(conn) => {
                if let Some(epoch) = epoch.upgrade() {
                    // Anything read before the LISTEN may have missed a notification.
                    epoch.advance();
                    epoch.keep_live();
                }
                let error = follow(conn, epoch);
                match error {
                    None => return,
                    Some(error) => {
                        tracing::warn!(%error, "change listener lost its connection; caches off until it is back");
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "change listener cannot connect; caches off until it can");
            }
        }
        match epoch.upgrade() {
            Some(epoch) => epoch.stop_live(),
            None => return,
        }
        std::thread::sleep(RECONNECT_AFTER);
    }
}

fn connect_listening(url: &str) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!(
        "SET application_name = '{LISTENER_NAME}'; LISTEN {CHANNEL}"
    ))
    .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Moves the epoch on each notification until the connection fails (`Some(error)`) or
/// the store is gone (`None`).
fn follow(mut conn: PgConnection, epoch: &Weak<ChangeEpoch>) -> Option<String> {
    let mut checked = Instant::now();
    loop {
        let epoch = epoch.upgrade()?;
        let mut changed = false;
        for notification in conn.notifications_iter() {
            if let Err(error) = notification {
                return Some(error.to_string());
            }
            changed = true;
        }
        if changed {
            epoch.advance();
        }
        if checked.elapsed() >= HEARTBEAT_EVERY {
            if let Err(error) = conn.batch_execute("SELECT 1") {
                return Some(error.to_string());
            }
            epoch.keep_live();
            checked = Instant::now();
        }
        drop(epoch);
        std::thread::sleep(POLL_EVERY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_that_write_watched_tables_are_recognised() {
        for sql in [
            r#"UPDATE "sessions" SET "revoked_at" = $1 WHERE "sessions"."id" = $2"#,
            r#"INSERT INTO "user_roles" ("user_id", "role") VALUES ($1, $2)"#,
            r#"DELETE FROM "help_request_themes" WHERE "request_id" = $1"#,
            "update proposals set status = 'declined'",
            "  insert into public.establishments(id) values ('x')",
            r#"UPDATE ONLY "change_counters" SET value = value + 1"#,
            "WITH moved AS (SELECT 1) UPDATE outbox SET x = 1",
        ] {
            assert!(writes_watched_table(sql), "{sql}");
        }
        for sql in [
            r#"SELECT "sessions"."id" FROM "sessions""#,
            r#"UPDATE "outbox" SET "status" = $1"#,
            r#"INSERT INTO "audit_log" ("id") VALUES ($1)"#,
            r#"DELETE FROM "sign_in_links" WHERE "expires_at" < $1"#,
            "INSERT INTO request_facts (request_id) VALUES ('sessions')",
            "COMMIT",
            "BEGIN",
        ] {
            assert!(!writes_watched_table(sql), "{sql}");
        }
    }

    #[test]
    fn the_prefix_stops_at_its_length() {
        let mut prefix = Prefix(String::new());
        let long = "é".repeat(200);
        assert!(std::fmt::write(&mut prefix, format_args!("{long}")).is_err());
        assert!(prefix.0.len() <= SQL_PREFIX && prefix.0.len() >= SQL_PREFIX - 1);
    }

    #[test]
    fn a_cache_keeps_copies_only_while_the_epoch_holds_and_is_live() {
        let epoch = Arc::new(ChangeEpoch::default());
        let cache = EpochCache::<u32, &str>::new(epoch.clone(), 2);
        assert_eq!(cache.stamp(), None, "not live: nothing may be kept");

        epoch.keep_live();
        let stamp = cache.stamp().expect("live");
        cache.insert(stamp, 1, "one");
        assert_eq!(cache.get(&1), Some("one"));

        // A change after the read: the copy is stale, and a late insert of a copy read
        // before it is refused.
        epoch.advance();
        assert_eq!(cache.get(&1), None);
        cache.insert(stamp, 2, "two");
        assert_eq!(cache.get(&2), None);

        // Full: emptied before the next copy goes in.
        let stamp = cache.stamp().expect("live");
        cache.insert(stamp, 1, "one");
        cache.insert(stamp, 2, "two");
        cache.insert(stamp, 3, "three");
        assert_eq!((cache.get(&1), cache.get(&3)), (None, Some("three")));

        // No longer live: nothing is answered from memory.
        epoch.stop_live();
        assert_eq!(cache.get(&3), None);
        assert_eq!(cache.stamp(), None);
        assert_eq!(cache.lookups(), Lookups { hits: 2, misses: 4 });
    }
}
