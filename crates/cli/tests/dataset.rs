//! `entraide dataset`: the load-test dataset is complete, readable by the service
//! (every value passes the domain checks when read back), numbered like real
//! submissions, and only ever written into an empty database.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::process::{Command, Output};

use diesel::prelude::*;
use entraide_store::schema::{cases, help_requests, volunteers};
use entraide_store::{backend_test, requests, volunteers as volunteer_store, Visibility};
use entraide_store::{DbConnection, StoreError};
use uuid::Uuid;

fn entraide() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entraide"));
    // The tests' own environment must not leak into the child.
    for (name, _) in std::env::vars() {
        if name == "DATABASE_URL" || name.starts_with("ENTRAIDE_") {
            command.env_remove(name);
        }
    }
    command
}

fn dataset(url: &str, export: &std::path::Path) -> Output {
    entraide()
        .args([
            "dataset",
            "--volunteers",
            "300",
            "--requests",
            "1200",
            "--batch",
            "500",
            // Two days: many requests of the last minutes, whose steps meet `now`.
            "--days",
            "2",
        ])
        .arg("--export")
        .arg(export)
        .env("DATABASE_URL", url)
        .env("ENTRAIDE_DATA_DIR", export.join("data"))
        .output()
        .unwrap()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn ids(rows: Vec<String>) -> Vec<Uuid> {
    rows.iter().map(|id| Uuid::parse_str(id).unwrap()).collect()
}

backend_test! {
    fn the_dataset_is_complete_and_readable(db) {
        let folder = tempfile::tempdir().unwrap();
        let export = folder.path().join("export");
        let output = dataset(&db.url_string(), &export);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let summary = String::from_utf8_lossy(&output.stdout);
        assert!(summary.contains("300 volunteers"), "{summary}");
        assert!(summary.contains("1200 requests"), "{summary}");

        let store = db.store();
        let (volunteer_ids, request_ids, open_cases) = store
            .run_blocking(|conn: &mut DbConnection| {
                let v: Vec<String> = volunteers::table.select(volunteers::id).load(conn)?;
                let r: Vec<String> = help_requests::table.select(help_requests::id).load(conn)?;
                let open: i64 = cases::table
                    .filter(cases::resolved_at.is_null())
                    .count()
                    .get_result(conn)?;
                Ok::<_, StoreError>((ids(v), ids(r), open))
            })
            .unwrap();
        assert_eq!(volunteer_ids.len(), 300);
        assert_eq!(request_ids.len(), 1200);
        assert!(open_cases > 0);
        // Every row reads back through the service's own decoding (phone numbers, FINESS
        // numbers, codes...).
        store
            .run_blocking(|conn| {
                for id in &volunteer_ids {
                    volunteer_store::get(conn, Visibility::All, *id)?;
                }
                for id in &request_ids {
                    requests::get(conn, Visibility::All, *id)?;
                }
                let profiles = entraide_store::matching::volunteer_profiles(
                    conn,
                    chrono::Utc::now().date_naive(),
                    chrono::Utc::now().naive_utc(),
                )?;
                assert_eq!(profiles.len(), 300);
                // No volunteer holds more open cases than they can.
                for profile in profiles {
                    assert!(profile.open_cases <= i64::from(profile.capacity), "{profile:?}");
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();

        // Each request ends in the state its audit trail ends in, and changed last when its
        // last transition was made (the bilan relies on both).
        let inconsistent: i64 = store
            .run_blocking(|conn| {
                diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM help_requests r WHERE r.status <> \
                       (SELECT t.to_status FROM help_request_transitions t WHERE t.request_id = r.id \
                        ORDER BY t.created_at DESC, t.seq DESC LIMIT 1) \
                     OR r.updated_at < (SELECT MAX(t.created_at) FROM help_request_transitions t \
                        WHERE t.request_id = r.id)",
                )
                .get_result::<Count>(conn)
                .map(|row| row.n)
                .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(inconsistent, 0);
        assert_eq!(entraide_store::testing::request_facts_drift(&store), Vec::<String>::new());

        // What the load generator reads.
        let listed = std::fs::read_to_string(export.join("request_ids.txt")).unwrap();
        assert_eq!(listed.lines().count(), 1200);
        for name in ["finess_known.txt", "finess_new.txt"] {
            let numbers = std::fs::read_to_string(export.join(name)).unwrap();
            assert!(numbers.lines().count() > 0, "{name}");
            for number in numbers.lines().take(200) {
                entraide_core::Finess::parse(number).unwrap();
            }
        }

        // The next submission continues the numbering of the year.
        let year = chrono::Datelike::year(&chrono::Utc::now());
        let last: Vec<String> = store
            .run_blocking(|conn| {
                help_requests::table
                    .filter(help_requests::reference.like(format!("DA-{year}-%")))
                    .select(help_requests::reference)
                    .load(conn)
                    .map_err(StoreError::from)
            })
            .unwrap();
        let counter = requests::reference_counter(year);
        let value: i64 = store
            .run_blocking(|conn| {
                entraide_store::schema::change_counters::table
                    .find(counter)
                    .select(entraide_store::schema::change_counters::value)
                    .get_result(conn)
                    .map_err(StoreError::from)
            })
            .unwrap();
        assert_eq!(value, i64::try_from(last.len()).unwrap());

        // A second run refuses: the dataset only goes into an empty database.
        let again = dataset(&db.url_string(), &export);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));
    }
}
