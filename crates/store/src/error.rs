//! The one error type of the storage layer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong when reading or writing the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or foreign-key rule refused the write.
    #[error("conflict with existing data ({0})")]
    Conflict(String),
    /// The database could not be reached at start, after retries.
    #[error("cannot reach the database at {url} after {attempts} attempts: {reason}")]
    Unreachable {
        /// Redacted URL.
        url: String,
        /// How many connections were tried.
        attempts: u32,
        /// The last connection error.
        reason: String,
    },
    /// The SQLite file's folder could not be created.
    #[error("cannot create the folder {path}: {source}")]
    CreateFolder {
        /// The folder.
        path: String,
        /// The file-system error.
        source: std::io::Error,
    },
    /// No connection became free in time.
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The same, for one of several callers that waited on one connection.
    #[error("database pool: {0}")]
    Unavailable(String),
    /// Applying or reverting migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value that the code cannot read (a bug or a hand-edited row).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(DieselError),
    /// The blocking task running the query was cancelled or panicked.
    #[error("database task failed: {0}")]
    Task(String),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(
                kind
                @ (DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation),
                info,
            ) => {
                let what = match kind {
                    DatabaseErrorKind::UniqueViolation => "unique",
                    _ => "foreign key",
                };
                StoreError::Conflict(format!("{what}: {}", info.message()))
            }
            other => StoreError::Query(other),
        }
    }
}

impl StoreError {
    /// The same failure for another caller that shared the failed work (errors of the
    /// database drivers cannot be copied; their message is kept).
    pub(crate) fn again(&self) -> StoreError {
        match self {
            StoreError::NotFound => StoreError::NotFound,
            StoreError::Conflict(reason) => StoreError::Conflict(reason.clone()),
            StoreError::Pool(error) => StoreError::Unavailable(error.to_string()),
            StoreError::Unavailable(reason) => StoreError::Unavailable(reason.clone()),
            other => StoreError::Task(other.to_string()),
        }
    }

    /// True when the database refused the write because of existing data.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
}
