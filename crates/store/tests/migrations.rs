//! The one portable migration set gives the same schema on SQLite and PostgreSQL, and
//! reverts and re-applies cleanly.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_store::testing::TestDb;
use entraide_store::{backend_test, introspect, themes};

fn columns(db: &TestDb) -> Vec<(String, String)> {
    db.store().run_blocking(introspect::columns).unwrap()
}

backend_test! {
    fn migrations_revert_and_reapply(db) {
        let migrated = columns(db);
        assert!(migrated.contains(&("themes".into(), "label".into())), "{migrated:?}");

        let reverted = db.store().revert_all_migrations().unwrap();
        assert_eq!(reverted.len(), entraide_store_migration_count());
        assert!(columns(db).is_empty(), "revert leaves tables: {:?}", columns(db));

        let reapplied = db.store().migrate().unwrap();
        assert_eq!(reapplied.len(), entraide_store_migration_count());
        assert_eq!(columns(db), migrated);
        // Nothing left to apply on a second run.
        assert!(db.store().migrate().unwrap().is_empty());
    }
}

backend_test! {
    fn default_themes_are_seeded(db) {
        let listed = db.store().run_blocking(|c| themes::list(c, false)).unwrap();
        let ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
        let expected: Vec<&str> = entraide_core::DEFAULT_THEMES.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, expected);
        let labels: Vec<&str> = listed.iter().map(|t| t.label.as_str()).collect();
        let expected: Vec<&str> = entraide_core::DEFAULT_THEMES.iter().map(|(_, l)| *l).collect();
        assert_eq!(labels, expected);
    }
}

fn entraide_store_migration_count() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").exists())
        .count()
}

#[test]
#[cfg_attr(
    entraide_no_postgres,
    ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
)]
fn sqlite_and_postgres_end_with_the_same_tables_and_columns() {
    let sqlite = columns(&TestDb::sqlite());
    let postgres = columns(&TestDb::postgres());
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
