//! Storage of entraide: one diesel schema and one set of queries that run on SQLite
//! (the default, with nothing to configure) or PostgreSQL (production), chosen at run time
//! from the database URL.

mod access;
pub mod applications;
pub mod cases;
pub mod changes;
mod checkpoint;
pub mod clock;
mod database_url;
mod error;
pub mod establishments;
mod grouped;
pub mod introspect;
pub mod matching;
mod migrate;
mod pool;
pub mod privacy;
pub mod requests;
pub mod schema;
pub mod themes;
pub mod users;
pub mod volunteers;
mod write;

#[cfg(feature = "testing")]
pub mod testing;

pub use access::Visibility;
pub use clock::{Clock, ManualClock, SystemClock};
pub use database_url::{Backend, DatabaseUrl, DatabaseUrlError};
pub use error::StoreError;
pub use migrate::MIGRATIONS;
pub use pool::{DbConnection, PoolOptions, Store};
pub use write::{background_write_transaction, write_transaction, BACKGROUND_PATIENCE};

/// Result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The id of a new row: a time-ordered UUID (version 7).
///
/// Every table is keyed by its id, and a random id (version 4) lands each new row, and
/// each index entry keyed by it, on a random page of a large index: under load every
/// insert then dirties a page of its own, which the commit writes and the checkpoint
/// copies. Ids that grow with time append to the last pages instead, which the rows of a
/// grouped commit share. The ids are not secrets (nothing grants access by id alone), so
/// that they reveal when a row was created costs nothing: its `created_at` says so too.
pub fn new_row_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    /// New ids grow in the order they are made, as the text the tables store: what keeps
    /// inserts at the end of each index.
    #[test]
    fn new_row_ids_grow_as_stored_text() {
        let ids: Vec<String> = (0..10_000)
            .map(|_| super::new_row_id().to_string())
            .collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
