//! The formats of the bilan: JSON (the data), CSV files in a zip archive, an XLSX
//! workbook, and a French HTML report that prints to PDF.

mod csv;
pub mod html;
mod svg;
mod xlsx;

use std::fmt;
use std::str::FromStr;

use crate::{Bilan, BilanError};

/// A format of the bilan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "lowercase"))]
pub enum Format {
    /// The data, as JSON.
    Json,
    /// One CSV file per table (UTF-8, comma-separated), in a zip archive.
    Csv,
    /// One sheet per table.
    Xlsx,
    /// The report in French, with its figures, self-contained, printable to PDF.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Json, Format::Csv, Format::Xlsx, Format::Html];

    /// The code used in `?format=` and `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }

    /// The media type of the rendered file.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "application/zip",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// Whether a browser should save the file rather than show it.
    pub fn is_download(self) -> bool {
        matches!(self, Format::Csv | Format::Xlsx)
    }

    /// The file name of a bilan in this format, e.g.
    /// `bilan-entraide_2020-04-02_2020-04-29.xlsx` (`_public` for the public bilan).
    pub fn file_name(self, bilan: &Bilan) -> String {
        let public = if bilan.masking.public { "_public" } else { "" };
        let extension = match self {
            Format::Csv => "csv.zip",
            other => other.as_str(),
        };
        format!(
            "bilan-entraide_{}_{}{public}.{extension}",
            bilan.period.from, bilan.period.to
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses `json`, `csv`, `xlsx` or `html` (any case); the error is a French message.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|format| format.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "Format « {} » inconnu : formats acceptés : json, csv, xlsx, html.",
                    text.trim()
                )
            })
    }
}

/// Renders `bilan` in `format`.
pub fn render(bilan: &Bilan, format: Format) -> Result<Vec<u8>, BilanError> {
    match format {
        Format::Json => serde_json::to_vec_pretty(bilan).map_err(|error| BilanError::Render {
            format: "JSON",
            reason: error.to_string(),
        }),
        Format::Csv => csv::zip(bilan),
        Format::Xlsx => xlsx::workbook(bilan),
        Format::Html => Ok(html::report(bilan).into_bytes()),
    }
}
