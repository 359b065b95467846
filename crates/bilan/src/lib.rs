//! The bilan of entraide: the period report that ANAP staff publish (who volunteered,
//! who asked for help, on what, how it was answered), as the 2020 report of the scheme
//! did by hand.
//!
//! [`compute`] counts everything with grouped queries in the database, never by loading
//! every row, and returns a [`Bilan`]; [`render`] turns it into JSON, CSV files in a zip
//! archive, an XLSX workbook or a French HTML report with its four figures drawn as SVG.
//! [`demo::load`] writes the dataset whose bilan reproduces the 2020 report.
//!
//! ```no_run
//! # fn example(conn: &mut entraide_store::DbConnection) -> Result<(), entraide_bilan::BilanError> {
//! use entraide_bilan::{compute, render, BilanOptions, BilanSettings, Format, Period};
//!
//! let settings = BilanSettings::default();
//! let options = BilanOptions {
//!     period: Period::default_after(settings.scheme_start),
//!     public: true,
//!     threshold: settings.public_threshold,
//!     scheme_start: settings.scheme_start,
//!     generated_at: chrono::Utc::now().naive_utc(),
//! };
//! let bilan = compute(conn, &options)?;
//! let html: Vec<u8> = render(&bilan, Format::Html)?;
//! # Ok(()) }
//! ```

mod compute;
pub mod demo;
mod error;
pub mod format;
mod mask;
mod model;
mod period;
pub mod tables;

pub use compute::{compute, compute_with_progress};
pub use error::BilanError;
pub use format::{render, Format};
pub use model::{
    Answers, Bilan, Breakdown, Delay, FollowUp, Masking, PeriodView, Requests, Row, ToolCount,
    Volunteers, NOT_STATED_CODE, NOT_STATED_LABEL,
};
pub use period::{
    BilanOptions, BilanSettings, Period, DEFAULT_PUBLIC_THRESHOLD, DEFAULT_SCHEME_START,
};
