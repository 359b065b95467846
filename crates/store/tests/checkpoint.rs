//! SQLite: commits leave the write-ahead log alone, and the store's own thread copies it
//! back into the database file.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl};
use entraide_store::testing::TestDb;
use entraide_store::{write_transaction, DatabaseUrl, Store, StoreError};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Integer)]
    wal_autocheckpoint: i32,
}

fn database_file(db: &TestDb) -> std::path::PathBuf {
    match db.url() {
        DatabaseUrl::Sqlite(path) => path.clone(),
        DatabaseUrl::Postgres(_) => unreachable!("an SQLite test database"),
    }
}

fn create_ballast(store: &Store) {
    store
        .run_blocking(|conn| {
            conn.batch_execute("CREATE TABLE ballast (id INTEGER PRIMARY KEY, data BLOB)")
                .map_err(StoreError::from)
        })
        .unwrap();
}

/// One transaction of 32 rows of 4,000 random bytes (128 KiB of pages).
fn write_ballast(store: &Store) {
    store
        .run_blocking(|conn| {
            write_transaction(conn, |conn| {
                conn.batch_execute(
                    "INSERT INTO ballast (data)
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 32)
                     SELECT randomblob(4000) FROM n",
                )
                .map_err(StoreError::from)
            })
        })
        .unwrap();
}

#[test]
fn commits_do_not_checkpoint_and_the_store_thread_does() {
    let db = TestDb::sqlite();
    let store = db.store();
    let setting: Setting = store
        .run_blocking(|conn| {
            Ok::<_, StoreError>(diesel::sql_query("PRAGMA wal_autocheckpoint").get_result(conn)?)
        })
        .unwrap();
    assert_eq!(setting.wal_autocheckpoint, 0, "commits must not checkpoint");

    // Only a checkpoint writes to the database file in WAL mode: 8 MB written in small
    // transactions reach it while the store is open only if the thread copies them.
    let file = database_file(&db);
    let before = std::fs::metadata(&file).unwrap().len();
    create_ballast(&store);
    for _ in 0..64 {
        write_ballast(&store);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let size = std::fs::metadata(&file).unwrap().len();
        if size >= before + 8 * 1024 * 1024 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the database file stayed at {size} bytes (from {before}): nothing checkpointed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Under a steady flow of reads beside the writes, SQLite never finds a moment to start
/// the log again on its own; the store's thread makes one, so the log stays small.
#[test]
fn the_log_stays_small_under_steady_reads_and_writes() {
    let db = TestDb::sqlite();
    let store = db.store();
    create_ballast(&store);
    let log = {
        let mut path = database_file(&db).into_os_string();
        path.push("-wal");
        std::path::PathBuf::from(path)
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    store
                        .run_blocking(|conn| {
                            conn.batch_execute("SELECT length(data) FROM ballast WHERE id = (SELECT max(id) FROM ballast)")
                                .map_err(StoreError::from)
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    // 128 MiB in transactions of 128 KiB.
    let mut largest = 0;
    for _ in 0..1024 {
        write_ballast(&store);
        largest = largest.max(std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    assert!(
        largest < 64 * 1024 * 1024,
        "the log grew to {largest} bytes for 128 MiB written"
    );
}
