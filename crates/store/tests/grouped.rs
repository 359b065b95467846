//! Group commit: writes queued together commit together, each failure is its own.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Integer};
use diesel::{QueryableByName, RunQueryDsl};
use entraide_store::{backend_test, Backend, DbConnection, StoreError};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

#[derive(QueryableByName)]
struct Transaction {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn insert(conn: &mut DbConnection, id: i32) -> Result<(), StoreError> {
    conn.batch_execute(&format!("INSERT INTO grouped_probe (id) VALUES ({id})"))?;
    Ok(())
}

/// PostgreSQL's id of the current top-level transaction (savepoints share it).
fn transaction_id(conn: &mut DbConnection) -> Result<Option<i64>, StoreError> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(None);
    }
    let row: Transaction = diesel::sql_query("SELECT txid_current() AS id").get_result(conn)?;
    Ok(Some(row.id))
}

backend_test! {
    #[tokio::test]
    async fn grouped_writes_commit_together_and_fail_alone(db) {
        let store = db.store();
        store
            .run_blocking(|conn| {
                conn.batch_execute("CREATE TABLE grouped_probe (id INTEGER PRIMARY KEY)")
                    .map_err(StoreError::from)
            })
            .unwrap();

        // The first write holds the writer thread while the others queue behind it.
        let first = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write_grouped(|conn| {
                        std::thread::sleep(Duration::from_millis(300));
                        insert(conn, 0)
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Then 40 writes at once: even ones succeed; odd ones write and then fail (their
        // own work must be undone), every tenth one collides with the first write.
        let writes: Vec<_> = (1..=40)
            .map(|n: i32| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write_grouped(move |conn| {
                            if n % 10 == 0 {
                                insert(conn, 0)?;
                            }
                            insert(conn, n)?;
                            if n % 2 == 1 {
                                return Err(StoreError::Corrupt(format!("write {n} refused")));
                            }
                            transaction_id(conn)
                        })
                        .await
                })
            })
            .collect();
        first.await.unwrap().unwrap();
        let mut transactions = std::collections::HashSet::new();
        for (n, write) in (1..=40).zip(writes) {
            match (n % 10 == 0, n % 2 == 1, write.await.unwrap()) {
                (true, _, Err(StoreError::Conflict(_))) | (false, true, Err(StoreError::Corrupt(_))) => {}
                (false, false, Ok(transaction)) => {
                    transactions.extend(transaction);
                }
                (_, _, other) => panic!("write {n}: {other:?}"),
            }
        }

        let stored: Vec<i32> = store
            .run_blocking(|conn| {
                diesel::sql_query("SELECT id FROM grouped_probe ORDER BY id")
                    .load::<Id>(conn)
                    .map_err(StoreError::from)
            })
            .unwrap()
            .into_iter()
            .map(|row| row.id)
            .collect();
        let expected: Vec<i32> = (0..=40).filter(|n| n % 2 == 0 && (*n == 0 || n % 10 != 0)).collect();
        assert_eq!(stored, expected);
        if store.backend() == Backend::Postgres {
            // 16 successful writes queued together: far fewer transactions than writes.
            assert!(transactions.len() < 4, "{} transactions for 16 writes", transactions.len());
        }
    }
}
