//! XLSX: one sheet per table, with the French title on top.

use rust_xlsxwriter::{DocProperties, Format as CellFormat, Workbook, XlsxError};

use crate::tables::{tables, Cell};
use crate::{Bilan, BilanError};

fn error(error: XlsxError) -> BilanError {
    BilanError::Render {
        format: "XLSX",
        reason: error.to_string(),
    }
}

/// Row of the column headers (the title is on row 0, row 1 is blank).
const HEADER_ROW: u32 = 2;

/// The workbook of every table.
pub(crate) fn workbook(bilan: &Bilan) -> Result<Vec<u8>, BilanError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&bilan.title)
            .set_author("entraide")
            .set_subject(format!(
                "Bilan du {} au {}",
                bilan.period.from, bilan.period.to
            )),
    );
    let title = CellFormat::new().set_bold().set_font_size(13);
    let header = CellFormat::new().set_bold().set_background_color(0xDDE6F0);
    let share = CellFormat::new().set_num_format("0.0%");
    let decimal = CellFormat::new().set_num_format("0.00");
    let masked = format!("< {}", bilan.masking.threshold);
    for table in tables(bilan) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name).map_err(error)?;
        sheet
            .write_string_with_format(0, 0, &table.title, &title)
            .map_err(error)?;
        for (column, name) in (0u16..).zip(&table.columns) {
            sheet
                .write_string_with_format(HEADER_ROW, column, *name, &header)
                .map_err(error)?;
        }
        for (row, cells) in (HEADER_ROW + 1..).zip(&table.rows) {
            for (column, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Text(text) => sheet.write_string(row, column, text),
                    Cell::Count(n) => sheet.write_number(row, column, *n as f64),
                    Cell::Share(value) => {
                        sheet.write_number_with_format(row, column, *value, &share)
                    }
                    Cell::Number(value) => {
                        sheet.write_number_with_format(row, column, *value, &decimal)
                    }
                    Cell::Masked => sheet.write_string(row, column, &masked),
                    Cell::Empty => continue,
                }
                .map_err(error)?;
            }
        }
        sheet.set_freeze_panes(HEADER_ROW + 1, 0).map_err(error)?;
        sheet.autofit_to_max_width(600);
    }
    workbook.save_to_buffer().map_err(error)
}
