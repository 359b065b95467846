//! Every table of the database is classified for the export of personal data: a new
//! table (from any migration) fails this test until someone decides whether it holds
//! personal data and, if so, exports it.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::collections::BTreeSet;

use entraide_store::privacy::{TableUse, SECTIONS, TABLES};
use entraide_store::{backend_test, introspect};

backend_test! {
    fn every_table_is_classified_for_the_export(db) {
        let tables: BTreeSet<String> = db
            .store()
            .run_blocking(introspect::columns)
            .unwrap()
            .into_iter()
            .map(|(table, _)| table)
            .collect();
        let classified: BTreeSet<String> = TABLES.iter().map(|(t, _)| (*t).to_owned()).collect();
        let missing: Vec<&String> = tables.difference(&classified).collect();
        assert!(
            missing.is_empty(),
            "tables not classified in entraide_store::privacy::TABLES (exported, or not personal, with the reason): {missing:?}"
        );
        let stale: Vec<&String> = classified.difference(&tables).collect();
        assert!(stale.is_empty(), "TABLES names tables that do not exist: {stale:?}");
        assert_eq!(TABLES.len(), classified.len(), "a table is classified twice");
        for (table, usage) in TABLES {
            match usage {
                TableUse::Exported { section, why } => {
                    assert!(SECTIONS.contains(section), "{table}: unknown section {section}");
                    assert!(!why.trim().is_empty(), "{table}: say which rows");
                }
                TableUse::NotPersonal(why) => assert!(!why.trim().is_empty(), "{table}: say why"),
            }
        }
    }
}

backend_test! {
    fn a_table_referencing_people_cannot_be_called_not_personal(db) {
        // Columns that point to a person or hold their contact details: a table that has
        // one must be exported.
        let personal = ["user_id", "email", "recipient", "volunteer_id", "requester_user_id", "contact_email", "actor_user_id", "proposed_by", "decided_by", "phone"];
        let columns = db.store().run_blocking(introspect::columns).unwrap();
        for (table, column) in &columns {
            if personal.contains(&column.as_str()) {
                let usage = TABLES.iter().find(|(t, _)| t == table).map(|(_, u)| *u);
                assert!(
                    matches!(usage, Some(TableUse::Exported { .. })),
                    "{table}.{column} refers to a person, but {table} is not exported: {usage:?}"
                );
            }
        }
    }
}
