//! Storage of entraide: one diesel schema and one set of queries that run on SQLite
//! (the default, with nothing to configure) or PostgreSQL (production), chosen at run time
//! from the database URL.

mod access;
pub mod applications;
pub mod cases;
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
pub use write::write_transaction;

/// Result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;
