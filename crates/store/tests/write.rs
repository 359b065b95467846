//! Concurrent read-then-write transactions all succeed, on SQLite as on PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use chrono::Utc;
use entraide_store::{backend_test, themes, write_transaction, StoreError};

backend_test! {
    fn concurrent_writers_queue_instead_of_failing(db) {
        let store = db.store();
        let now = Utc::now().naive_utc();
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for round in 0..5 {
                        // `themes::add` reads the last position, then inserts: the pattern
                        // that makes plain SQLite transactions fail with "database is locked".
                        store
                            .run_blocking(|conn| {
                                write_transaction(conn, |conn| {
                                    themes::add(conn, &format!("t-{thread}-{round}"), &format!("Thème {thread} {round}"), now)
                                })
                            })
                            .map_err(|e: StoreError| e.to_string())
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let listed = store.run_blocking(|conn| themes::list(conn, true)).unwrap();
        // Every write went through: none was refused because another writer held the lock.
        assert_eq!(listed.len(), 13 + 40);
    }
}

backend_test! {
    fn an_error_rolls_the_write_back(db) {
        let store = db.store();
        let now = Utc::now().naive_utc();
        let result: Result<(), StoreError> = store.run_blocking(|conn| {
            write_transaction(conn, |conn| {
                themes::add(conn, "ephemere", "Éphémère", now)?;
                Err(StoreError::Conflict("refused on purpose".into()))
            })
        });
        assert!(result.is_err());
        let listed = store.run_blocking(|conn| themes::list(conn, true)).unwrap();
        assert!(listed.iter().all(|t| t.id != "ephemere"));
    }
}
