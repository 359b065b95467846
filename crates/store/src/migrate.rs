//! Embedded migrations: one set under `migrations/` at the repository root, in SQL both
//! backends run (`up.sql`, `down.sql`). What has no portable form (tables with backend
//! options, triggers) is in `up.sqlite.sql` / `up.postgres.sql` (and `down.*.sql`) beside
//! them, which this module runs just before the migration's `up.sql` (and after its
//! `down.sql`), on the matching backend only, in the migration's transaction (none when
//! its `metadata.toml` sets `run_in_transaction = false`: the SQL then opens its own).

use diesel::backend::Backend;
use diesel::connection::BoxableConnection;
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationSource};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{DbConnection, StoreError, StoreResult};

/// Every migration, compiled into the binary so that it needs no files at run time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// SQL that one migration runs on one backend only, before its `up.sql`.
struct BackendSql {
    /// The migration's folder under `migrations/`.
    folder: &'static str,
    up: &'static str,
    down: &'static str,
}

/// The `up.<backend>.sql` and `down.<backend>.sql` files of a migration's folder.
macro_rules! backend_sql {
    ($folder:literal, $backend:literal) => {
        BackendSql {
            folder: $folder,
            up: include_str!(concat!(
                "../../../migrations/",
                $folder,
                "/up.",
                $backend,
                ".sql"
            )),
            down: include_str!(concat!(
                "../../../migrations/",
                $folder,
                "/down.",
                $backend,
                ".sql"
            )),
        }
    };
}

const SQLITE_ONLY: &[BackendSql] = &[
    backend_sql!("2026-11-23-000013_request_facts", "sqlite"),
    backend_sql!("2026-11-23-000014_optional_origin_sector", "sqlite"),
];

const POSTGRES_ONLY: &[BackendSql] = &[
    backend_sql!("2026-11-23-000013_request_facts", "postgres"),
    backend_sql!("2026-11-23-000014_optional_origin_sector", "postgres"),
    backend_sql!("2026-12-05-000015_change_notifications", "postgres"),
];

/// The embedded migrations, each with its SQL for one backend when it has some.
struct WithBackendSql(&'static [BackendSql]);

impl<DB: Backend + 'static> MigrationSource<DB> for WithBackendSql
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    fn migrations(&self) -> migration::Result<Vec<Box<dyn Migration<DB>>>> {
        Ok(MigrationSource::<DB>::migrations(&MIGRATIONS)?
            .into_iter()
            .map(|portable| {
                let folder = portable.name().to_string();
                match self.0.iter().find(|extra| extra.folder == folder) {
                    Some(extra) => Box::new(Extended { portable, extra }) as Box<dyn Migration<DB>>,
                    None => portable,
                }
            })
            .collect())
    }
}

/// A portable migration preceded by its SQL for one backend.
struct Extended<DB: Backend> {
    portable: Box<dyn Migration<DB>>,
    extra: &'static BackendSql,
}

impl<DB: Backend> Migration<DB> for Extended<DB> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        conn.batch_execute(self.extra.up)?;
        self.portable.run(conn)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        self.portable.revert(conn)?;
        conn.batch_execute(self.extra.down)?;
        Ok(())
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self.portable.metadata()
    }

    fn name(&self) -> &dyn MigrationName {
        self.portable.name()
    }
}

/// Key of the PostgreSQL advisory lock that serialises migrations of concurrent processes.
const MIGRATION_LOCK: i64 = 0x656e_7472_6169_6465; // "entraide"

fn migration_error(error: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Migration(error.to_string())
}

/// Applies the pending migrations and returns the versions applied.
pub(crate) fn run_pending(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    fn apply<B: Backend + 'static>(
        conn: &mut impl MigrationHarness<B>,
        source: WithBackendSql,
    ) -> StoreResult<Vec<String>>
    where
        EmbeddedMigrations: MigrationSource<B>,
    {
        let applied = conn
            .run_pending_migrations(source)
            .map_err(migration_error)?;
        Ok(applied
            .into_iter()
            .map(|version| version.to_string())
            .collect())
    }
    match conn {
        DbConnection::Sqlite(conn) => apply::<Sqlite>(conn, WithBackendSql(SQLITE_ONLY)),
        DbConnection::Postgres(conn) => {
            // Several servers may start at once on one database: only one migrates.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(conn)?;
            let result = apply::<Pg>(conn, WithBackendSql(POSTGRES_ONLY));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(conn)?;
            result
        }
    }
}

/// Reverts every applied migration, newest first (used by the migration tests).
pub(crate) fn revert_all(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let reverted = match conn {
        DbConnection::Sqlite(conn) => conn.revert_all_migrations(WithBackendSql(SQLITE_ONLY)),
        DbConnection::Postgres(conn) => conn.revert_all_migrations(WithBackendSql(POSTGRES_ONLY)),
    }
    .map_err(migration_error)?;
    Ok(reverted
        .into_iter()
        .map(|version| version.to_string())
        .collect())
}
