//! The one CSV writer every export uses. A spreadsheet opening the file reads a cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms) as a formula,
//! so such cells are written with a leading `'`, which spreadsheets show as text. Anything that
//! reaches a CSV (audit labels, entity ids, user input) may be attacker-chosen.

use std::borrow::Cow;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};

/// First characters that make a spreadsheet evaluate a cell.
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}'];

/// The cell as it is safe to write: prefixed with `'` when a spreadsheet would read it as a
/// formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV document in memory whose every cell goes through [`neutralise`].
pub struct CsvWriter {
    w: ::csv::Writer<Vec<u8>>,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    pub fn new() -> Self {
        CsvWriter { w: ::csv::Writer::from_writer(Vec::new()) }
    }

    /// Writes one record.
    pub fn row<I, T>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.w.write_record(&cells).map_err(|e| AppError::Internal(e.into()))
    }

    pub fn finish(self) -> AppResult<Vec<u8>> {
        self.w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
    }

    /// The finished document as a download named `filename` (ASCII, no quotes).
    pub fn into_response(self, filename: &str) -> AppResult<Response> {
        let body = self.finish()?;
        let mut res = body.into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        let name: String =
            filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for c in ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "\u{ff1d}1+1"] {
            assert_eq!(neutralise(c), format!("'{c}"), "{c:?}");
        }
        for c in ["", "Ann", "api-client:x", "1", "{\"a\":1}", " =1"] {
            assert_eq!(neutralise(c), c);
        }
    }

    #[test]
    fn every_cell_of_a_row_is_checked() {
        let mut w = CsvWriter::new();
        w.row(["a", "=1+1", "@x"]).unwrap();
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "a,'=1+1,'@x\n");
    }
}
