//! Fresh databases for tests: each test gets its own, so tests run in parallel and
//! never see each other's rows.
//!
//! SQLite tests always run. PostgreSQL tests run when `ENTRAIDE_TEST_POSTGRES_URL` names a
//! server (any database on it: a new one is created per test and dropped afterwards);
//! otherwise they are compiled as ignored tests whose reason says so.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;

use crate::{DatabaseUrl, PoolOptions, Store};

/// Environment variable naming the PostgreSQL server used by tests.
pub const POSTGRES_URL_VAR: &str = "ENTRAIDE_TEST_POSTGRES_URL";

/// A database that exists for the life of one test.
#[derive(Debug)]
pub struct TestDb {
    store: Store,
    url: DatabaseUrl,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A migrated SQLite database in a temporary folder.
    pub fn sqlite() -> TestDb {
        Self::sqlite_unmigrated().migrated()
    }

    /// A SQLite database in a temporary folder, without tables.
    pub fn sqlite_unmigrated() -> TestDb {
        let folder = tempfile::tempdir().expect("create a temporary folder");
        let url = DatabaseUrl::Sqlite(folder.path().join("entraide.db"));
        let store =
            Store::connect(&url, &test_pool_options()).expect("open the SQLite test database");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Sqlite(folder),
        }
    }

    /// A migrated, freshly created PostgreSQL database.
    ///
    /// Panics when `ENTRAIDE_TEST_POSTGRES_URL` is unset: PostgreSQL tests are compiled as
    /// ignored in that case, so reaching this without it is a harness error.
    pub fn postgres() -> TestDb {
        Self::postgres_unmigrated().migrated()
    }

    /// A freshly created, empty PostgreSQL database.
    pub fn postgres_unmigrated() -> TestDb {
        let admin_url = std::env::var(POSTGRES_URL_VAR)
            .unwrap_or_else(|_| panic!("{POSTGRES_URL_VAR} must name a PostgreSQL server"));
        let admin_url = plain_tcp_unless_asked(&admin_url);
        let name = format!("entraide_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {POSTGRES_URL_VAR}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        let mut parsed = url::Url::parse(&admin_url).expect("ENTRAIDE_TEST_POSTGRES_URL is a URL");
        parsed.set_path(&name);
        let url = DatabaseUrl::Postgres(parsed.to_string());
        let store =
            Store::connect(&url, &test_pool_options()).expect("open the PostgreSQL test database");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    fn migrated(self) -> TestDb {
        self.store.migrate().expect("apply migrations");
        self
    }

    /// The store on this database.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// A store of its own on this database, sharing no pool, cache or listener with
    /// [`Self::store`]: what another process would see and do.
    pub fn another_process(&self) -> Store {
        Store::connect(&self.url, &test_pool_options()).expect("open a second store")
    }

    /// The URL of this database (to start a server process on it).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The URL as a string that `DATABASE_URL` accepts.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                // FORCE closes the pool's connections, which are still open here.
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Requests whose row of `request_facts` differs from the figures recomputed from the
/// tables it copies (requests, themes, proposals, case, answer, rating), or that has no
/// row: empty when the triggers of migration 000013 kept every row up to date.
pub fn request_facts_drift(store: &Store) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Drift {
        #[diesel(sql_type = diesel::sql_types::Text)]
        request_id: String,
    }
    let statuses = crate::cases::ProposalStatus::ALL.map(crate::cases::ProposalStatus::as_str);
    let counts = statuses
        .iter()
        .map(|s| {
            format!(
                "(SELECT COUNT(*) FROM proposals p WHERE p.request_id = r.id AND p.status = '{s}')"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let columns = statuses
        .iter()
        .map(|s| format!("proposals_{s}"))
        .collect::<Vec<_>>()
        .join(", ");
    let recomputed = format!(
        "SELECT r.id AS request_id, r.establishment_id, r.created_at, r.status, \
           r.updated_at AS status_at, \
           (SELECT t.theme_id FROM help_request_themes t WHERE t.request_id = r.id \
            ORDER BY t.position, t.theme_id LIMIT 1) AS main_theme, \
           (SELECT MIN(p.created_at) FROM proposals p WHERE p.request_id = r.id) AS first_proposed_at, \
           (SELECT MAX(p.created_at) FROM proposals p WHERE p.request_id = r.id) AS last_proposed_at, \
           (SELECT COUNT(*) FROM proposals p WHERE p.request_id = r.id) AS proposals, {counts}, \
           c.volunteer_id, c.accepted_at, c.resolved_at, a.created_at AS answered_at, g.rating, \
           g.created_at AS rated_at \
         FROM help_requests r \
         LEFT JOIN cases c ON c.request_id = r.id \
         LEFT JOIN case_answers a ON a.request_id = r.id \
         LEFT JOIN case_ratings g ON g.request_id = r.id"
    );
    let stored = format!(
        "SELECT request_id, establishment_id, created_at, status, status_at, main_theme, \
           first_proposed_at, last_proposed_at, proposals, {columns}, volunteer_id, accepted_at, \
           resolved_at, answered_at, rating, rated_at FROM request_facts"
    );
    let sql = format!(
        "SELECT request_id FROM ({recomputed} EXCEPT {stored}) d1 \
         UNION SELECT request_id FROM ({stored} EXCEPT {recomputed}) d2 ORDER BY request_id"
    );
    store
        .run_blocking(move |conn| {
            diesel::sql_query(sql)
                .load::<Drift>(conn)
                .map_err(crate::StoreError::from)
        })
        .expect("compare request_facts with its sources")
        .into_iter()
        .map(|row| row.request_id)
        .collect()
}

/// The test server's URL with `sslmode=disable` unless it names an `sslmode` itself.
///
/// libpq's default (`prefer`) speaks TLS through OpenSSL whenever the server offers it, and
/// OpenSSL frees its global state from an `atexit` handler. r2d2 opens and closes
/// connections on its own threads, which outlive the test harness's `main`: at exit they
/// raced that handler and corrupted the heap ("corrupted size vs. prev_size", SIGABRT after
/// every test had passed). Tests of a local server gain nothing from TLS.
fn plain_tcp_unless_asked(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if !parsed.query_pairs().any(|(key, _)| key == "sslmode") {
        parsed.query_pairs_mut().append_pair("sslmode", "disable");
    }
    parsed.to_string()
}

fn test_pool_options() -> PoolOptions {
    PoolOptions {
        max_size: 4,
        ..PoolOptions::default()
    }
}

/// Defines one test per backend from a single body: `mod NAME { fn sqlite(); fn postgres(); }`.
///
/// ```text
/// entraide_store::backend_test! {
///     fn themes_are_seeded(db) {
///         let themes = db.store().run_blocking(|c| entraide_store::themes::list(c, false)).unwrap();
///         assert!(!themes.is_empty());
///     }
/// }
/// ```
/// An `async fn` form takes the test attribute to use, e.g. `#[actix_web::test]`.
/// The crate using it needs the `entraide_no_postgres` cfg from a build script (see
/// `crates/store/build.rs`) so that PostgreSQL tests show as ignored, with the reason, when
/// no server is configured.
#[macro_export]
macro_rules! backend_test {
    (fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &$crate::testing::TestDb) $body

            #[test]
            fn sqlite() {
                body(&$crate::testing::TestDb::sqlite());
            }

            #[test]
            #[cfg_attr(entraide_no_postgres, ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped")]
            fn postgres() {
                body(&$crate::testing::TestDb::postgres());
            }
        }
    };
    (#[$test:meta] async fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: &$crate::testing::TestDb) $body

            #[$test]
            async fn sqlite() {
                body(&$crate::testing::TestDb::sqlite()).await;
            }

            #[$test]
            #[cfg_attr(entraide_no_postgres, ignore = "ENTRAIDE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped")]
            async fn postgres() {
                body(&$crate::testing::TestDb::postgres()).await;
            }
        }
    };
}
