//! The change epoch against real databases: on PostgreSQL, what this process writes makes
//! copies stale before the write returns, what another process writes makes them stale
//! when its notification arrives, and a lost listener turns caching off until it is back;
//! on SQLite nothing is ever cached.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use entraide_store::changes::{ChangeEpoch, Stamp, LISTENER_NAME, WATCHED_TABLES};
use entraide_store::testing::TestDb;
use entraide_store::{themes, Store, StoreError};

fn execute(store: &Store, sql: &str) -> usize {
    store
        .run_blocking(|conn| {
            diesel::sql_query(sql)
                .execute(conn)
                .map_err(StoreError::from)
        })
        .unwrap()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: not after 10 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    started.elapsed()
}

/// A migrated PostgreSQL database, this process's store following its changes, and
/// another process's store.
fn listening() -> (TestDb, Store, Arc<ChangeEpoch>, Store) {
    let db = TestDb::postgres();
    let store = db.store();
    store.listen_for_changes().unwrap();
    let epoch = store.changes().clone();
    let other = db.another_process();
    (db, store, epoch, other)
}

fn live_stamp(epoch: &Arc<ChangeEpoch>) -> Stamp {
    let mut stamp = None;
    wait_until("the listener is live", || {
        stamp = epoch.stamp();
        stamp.is_some()
    });
    stamp.unwrap()
}

/// Long enough for notifications already sent to arrive.
fn settle() {
    std::thread::sleep(Duration::from_millis(100));
}

const BUMP: &str = "UPDATE change_counters SET value = value + 1 WHERE name = 'volunteer_profiles'";

#[test]
#[cfg_attr(
    entraide_no_postgres,
    ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
)]
fn postgres_local_writes_stale_copies_before_they_return() {
    let (_db, store, epoch, _) = listening();
    let stamp = live_stamp(&epoch);

    // Reads and writes of tables nobody caches leave copies current.
    store.run_blocking(|conn| themes::list(conn, true)).unwrap();
    execute(
        &store,
        "UPDATE themes SET label = label WHERE id = 'teletravail'",
    );
    assert!(epoch.is_current(stamp));

    // A write of a watched table, in autocommit or in a transaction: stale as soon as
    // the work returns, without waiting for the notification.
    assert_eq!(execute(&store, BUMP), 1);
    assert!(!epoch.is_current(stamp));
    // Once the notification of that write has come too, only the next write counts.
    settle();
    let stamp = live_stamp(&epoch);
    store
        .run_blocking(|conn| {
            conn.transaction(|conn| {
                diesel::sql_query(BUMP).execute(conn)?;
                Ok::<_, StoreError>(())
            })
        })
        .unwrap();
    assert!(!epoch.is_current(stamp));
}

#[test]
#[cfg_attr(
    entraide_no_postgres,
    ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
)]
fn postgres_other_processes_changes_arrive_by_notification() {
    let (_db, _store, epoch, other) = listening();

    let stamp = live_stamp(&epoch);
    assert_eq!(execute(&other, BUMP), 1);
    let waited = wait_until("the other process's change", || !epoch.is_current(stamp));
    eprintln!("notification seen after {waited:?}");

    // A statement that changes no row notifies nothing.
    settle();
    let stamp = live_stamp(&epoch);
    execute(
        &other,
        "UPDATE sessions SET revoked_at = NULL WHERE id = 'none'",
    );
    settle();
    assert!(epoch.is_current(stamp));
}

#[test]
#[cfg_attr(
    entraide_no_postgres,
    ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
)]
fn postgres_a_lost_listener_turns_caching_off_until_it_is_back() {
    let (_db, _store, epoch, other) = listening();
    let stamp = live_stamp(&epoch);

    let ended = execute(
        &other,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = '{LISTENER_NAME}'"
        ),
    );
    assert_eq!(ended, 1, "one listener");
    wait_until("caching off", || epoch.stamp().is_none());
    assert!(!epoch.is_current(stamp));

    // Back after a reconnection, and following changes again.
    let stamp = live_stamp(&epoch);
    assert_eq!(execute(&other, BUMP), 1);
    wait_until("the change after reconnecting", || !epoch.is_current(stamp));
}

#[test]
fn sqlite_never_caches() {
    let db = TestDb::sqlite();
    let store = db.store();
    store.listen_for_changes().unwrap();
    assert_eq!(execute(&store, BUMP), 1);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(store.changes().stamp(), None);
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[test]
#[cfg_attr(
    entraide_no_postgres,
    ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
)]
fn postgres_every_watched_table_and_only_those_notify() {
    let db = TestDb::postgres();
    let mut notifying: Vec<String> = db
        .store()
        .run_blocking(|conn| {
            diesel::sql_query(
                "SELECT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'entraide_notify_change'",
            )
            .load::<TableName>(conn)
            .map_err(StoreError::from)
        })
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();
    notifying.sort();
    let mut watched: Vec<String> = WATCHED_TABLES.iter().map(|t| t.to_string()).collect();
    watched.sort();
    assert_eq!(notifying, watched);
}
