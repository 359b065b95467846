//! CSV: one file per table in a zip archive.
//!
//! RFC 4180 files (comma, CRLF, quotes doubled) in UTF-8 with a byte-order mark, so that
//! spreadsheet software shows the accents right; decimals with a point, shares as
//! fractions from 0 to 1, hidden counts as `< 3`.

use std::io::{Cursor, Write};

use chrono::{Datelike, Timelike};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::tables::{tables, text, Table};
use crate::{Bilan, BilanError};

fn error(reason: impl ToString) -> BilanError {
    BilanError::Render {
        format: "CSV",
        reason: reason.to_string(),
    }
}

fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// One table as a CSV file.
pub(crate) fn csv(table: &Table, masked: &str) -> String {
    let mut out = String::from('\u{feff}');
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(table.columns.iter().map(|c| field(c)).collect()));
    for row in &table.rows {
        out.push_str(&line(
            row.iter()
                .map(|cell| field(&text(cell, masked, false)))
                .collect(),
        ));
    }
    out
}

/// The zip archive of every table.
pub(crate) fn zip(bilan: &Bilan) -> Result<Vec<u8>, BilanError> {
    let at = bilan.generated_at;
    // Dates in the archive are those of the report, so the same bilan gives the same file.
    let modified = zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        (at.second() as u8).min(58),
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(modified);
    let masked = format!("< {}", bilan.masking.threshold);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for table in tables(bilan) {
        writer
            .start_file(format!("{}.csv", table.name), options)
            .map_err(error)?;
        writer
            .write_all(csv(&table, &masked).as_bytes())
            .map_err(error)?;
    }
    Ok(writer.finish().map_err(error)?.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::tables::Cell;

    #[test]
    fn fields_are_quoted_when_needed() {
        let table = Table {
            name: "t",
            title: "T".to_owned(),
            columns: vec!["code", "libelle"],
            rows: vec![
                vec![
                    Cell::Text("a".into()),
                    Cell::Text("Outil « PCA », v2".into()),
                ],
                vec![Cell::Text("b".into()), Cell::Text("dit \"type\"".into())],
                vec![Cell::Masked, Cell::Share(0.5)],
            ],
        };
        assert_eq!(
            csv(&table, "< 3"),
            "\u{feff}code,libelle\r\na,\"Outil « PCA », v2\"\r\nb,\"dit \"\"type\"\"\"\r\n< 3,0.5\r\n"
        );
    }
}
