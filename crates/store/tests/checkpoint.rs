//! SQLite: commits leave the write-ahead log alone, and the store's own thread copies it
//! back into the database file.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl};
use entraide_store::testing::TestDb;
use entraide_store::{write_transaction, DatabaseUrl, StoreError};

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
    store
        .run_blocking(|conn| {
            conn.batch_execute("CREATE TABLE ballast (id INTEGER PRIMARY KEY, data BLOB)")
                .map_err(StoreError::from)
        })
        .unwrap();
    for _ in 0..64 {
        store
            .run_blocking(|conn| {
                write_transaction(conn, |conn| {
                    conn.batch_execute(
                        "INSERT INTO ballast (data)
                         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 32)
                         SELECT randomblob(4096) FROM n",
                    )
                    .map_err(StoreError::from)
                })
            })
            .unwrap();
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
