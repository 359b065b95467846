//! Embedded migrations: one portable set under `migrations/` at the repository root.

use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{DbConnection, StoreError, StoreResult};

/// Every migration, compiled into the binary so that it needs no files at run time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Key of the PostgreSQL advisory lock that serialises migrations of concurrent processes.
const MIGRATION_LOCK: i64 = 0x656e_7472_6169_6465; // "entraide"

fn migration_error(error: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Migration(error.to_string())
}

/// Applies the pending migrations and returns the versions applied.
pub(crate) fn run_pending(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    fn apply<B: diesel::backend::Backend>(
        conn: &mut impl MigrationHarness<B>,
    ) -> StoreResult<Vec<String>> {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(migration_error)?;
        Ok(applied
            .into_iter()
            .map(|version| version.to_string())
            .collect())
    }
    match conn {
        DbConnection::Sqlite(conn) => apply(conn),
        DbConnection::Postgres(conn) => {
            // Several servers may start at once on one database: only one migrates.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(conn)?;
            let result = apply(conn);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(conn)?;
            result
        }
    }
}

/// Reverts every applied migration, newest first (used by the migration tests).
pub(crate) fn revert_all(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let reverted = match conn {
        DbConnection::Sqlite(conn) => conn.revert_all_migrations(MIGRATIONS),
        DbConnection::Postgres(conn) => conn.revert_all_migrations(MIGRATIONS),
    }
    .map_err(migration_error)?;
    Ok(reverted
        .into_iter()
        .map(|version| version.to_string())
        .collect())
}
