//! The one error type of the bilan.

use chrono::NaiveDate;
use entraide_store::StoreError;

/// What can go wrong when computing, rendering or loading demo data.
#[derive(Debug, thiserror::Error)]
pub enum BilanError {
    /// The first day of the period comes after the last one.
    #[error("the period starts on {from} but ends on {to}, before it starts")]
    FromAfterTo {
        /// First day asked for.
        from: NaiveDate,
        /// Last day asked for.
        to: NaiveDate,
    },
    /// A date outside what the report can count (before 2000 or after 2100), most
    /// likely a typo.
    #[error("the date {0} is outside the years 2000 to 2100")]
    DateOutOfRange(NaiveDate),
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing a file format failed (a bug: every input is ours).
    #[error("cannot write the {format} file: {reason}")]
    Render {
        /// The format being written.
        format: &'static str,
        /// The writer's error.
        reason: String,
    },
    /// `entraide demo` on a database that already holds applications, without `--force`.
    #[error(
        "the database already holds {0} volunteer application(s): the demo dataset is meant \
         for an empty database (use --force to add it anyway)"
    )]
    DatabaseNotEmpty(i64),
    /// `entraide demo` on a database that already holds the demo dataset.
    #[error("the demo dataset is already loaded in this database")]
    DemoAlreadyLoaded,
}

impl From<diesel::result::Error> for BilanError {
    fn from(error: diesel::result::Error) -> Self {
        BilanError::Store(error.into())
    }
}
