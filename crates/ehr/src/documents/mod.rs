//! The document archive of the chart: PDFs and images (JPEG, PNG) with a title, a category and
//! a document date. The type is sniffed from the bytes and must agree with the file name's
//! extension; uploads are limited to [`MAX_DOCUMENT_BYTES`]; every version keeps its SHA-256 and
//! is kept for ever (a new upload adds a version). The bytes live in PostgreSQL
//! (`document_contents`, apart from the metadata so lists never read them). Every opening and
//! download of a document's content is audited (`document.view`, `document.download`).
//!
//! The parts: [`upload`] (reading and checking files), [`model`] (rows, categories, validation),
//! [`repo`] (SQL) and [`pages`] (browser handlers and the content response); the JSON API is in
//! `crate::api`.

pub mod model;
pub mod pages;
pub mod repo;
pub mod upload;

pub use model::*;
pub use pages::*;
pub use repo::*;
pub use upload::*;
