//! CSV exports, one way for all: the header row, then records whose every cell a spreadsheet would run as a
//! formula is neutralised, sent as an attachment that no cache keeps (the files hold personal data).

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::error::AppError;

/// A CSV file being written in memory.
pub struct CsvFile(::csv::Writer<Vec<u8>>);

impl CsvFile {
    /// A file that starts with its header row.
    pub fn with_header(header: &[&str]) -> Result<Self, AppError> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(header).map_err(write_error)?;
        Ok(CsvFile(writer))
    }

    /// One record, each cell neutralised.
    pub fn record(&mut self, cells: &[String]) -> Result<(), AppError> {
        self.0.write_record(cells.iter().map(|c| csv_cell(c))).map_err(write_error)
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Result<Vec<u8>, AppError> {
        self.0.into_inner().map_err(|e| AppError::Internal(format!("writing a CSV file: {e}")))
    }
}

fn write_error(e: ::csv::Error) -> AppError {
    AppError::Internal(format!("writing a CSV file: {e}"))
}

/// The file as a download named `filename`.
pub fn download(filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

/// A cell that a spreadsheet would run as a formula is prefixed with a quote (ASVS 1.2.10).
fn csv_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+254700"), "'+254700");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("Achieng"), "Achieng");
    }
}
