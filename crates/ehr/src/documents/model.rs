//! Documents and their versions (rows), categories, and the checks of a new document or version.

use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::{clinical_date, date_str, Banner};
use hearth_core::error::{AppError, AppResult};
use hearth_core::web::upload::{self, CheckedFile, FileRule, UploadForm};
use hearth_core::web::FieldErrors;

/// The largest file accepted (10 MiB). The database CHECKs the same figure.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The file of an upload form: a PDF, JPEG or PNG (sniffed, and agreeing with its name).
pub const FILE: FileRule = FileRule::new("file", MAX_DOCUMENT_BYTES, &[upload::PDF, upload::JPEG, upload::PNG]);
/// The request body limit on upload routes: the file plus the form fields and multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = FILE.body_limit();
pub const MAX_DOCUMENTS_LISTED: i64 = 1000;

/// "PDF", "JPEG image", "PNG image" (or "file").
pub fn type_label(content_type: &str) -> &'static str {
    FILE.kinds.iter().find(|k| k.mime == content_type).map_or("file", |k| k.label)
}

/// (key, label), in the order the form offers them.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("referral_letter", "Referral letter"),
    ("discharge_summary", "Discharge summary"),
    ("lab_report", "Lab report"),
    ("imaging_report", "Imaging report"),
    ("consent_form", "Consent form"),
    ("correspondence", "Correspondence"),
    ("other", "Other"),
];

pub fn category_label(key: &str) -> &'static str {
    CATEGORIES.iter().find(|(k, _)| *k == key).map(|(_, l)| *l).unwrap_or("Other")
}

/// A new document's metadata, checked.
pub struct ValidMeta {
    pub title: String,
    pub category: String,
    pub document_date: Option<Date>,
    pub comment: String,
}

/// Checks the metadata fields and the file of a new document. An empty title takes the file name.
pub fn validate_new(
    up: &UploadForm,
    birth: Option<Date>,
    today: Date,
) -> Result<(ValidMeta, CheckedFile), FieldErrors> {
    let mut e = FieldErrors::default();
    let category = up.field("category").trim().to_string();
    if !CATEGORIES.iter().any(|(k, _)| *k == category) {
        e.add("category", "Choose a category from the list.");
    }
    let document_date =
        clinical_date(&mut e, "document_date", up.field("document_date"), birth, today, "document date");
    let comment = up.field("comment").trim().to_string();
    if comment.chars().count() > 500 {
        e.add("comment", "At most 500 characters.");
    }
    let file = validate_file(up, &mut e);
    let mut title = up.field("title").trim().to_string();
    if title.is_empty() {
        if let Some(f) = &file {
            title = f.file_name.rsplit_once('.').map(|(stem, _)| stem).unwrap_or(&f.file_name).trim().to_string();
        }
    }
    if title.is_empty() && file.is_some() {
        e.add("title", "Give the document a title.");
    } else if title.chars().count() > 200 {
        e.add("title", "At most 200 characters.");
    }
    match file {
        Some(file) if e.is_empty() => Ok((ValidMeta { title, category, document_date, comment }, file)),
        _ => Err(e),
    }
}

/// Checks the file of an upload (and a new version's comment).
pub fn validate_version(up: &UploadForm) -> Result<(CheckedFile, String), FieldErrors> {
    let mut e = FieldErrors::default();
    let comment = up.field("comment").trim().to_string();
    if comment.chars().count() > 500 {
        e.add("comment", "At most 500 characters.");
    }
    let file = validate_file(up, &mut e);
    match file {
        Some(f) if e.is_empty() => Ok((f, comment)),
        _ => Err(e),
    }
}

fn validate_file(up: &UploadForm, e: &mut FieldErrors) -> Option<CheckedFile> {
    match up.file(FILE.field).filter(|f| !f.name.trim().is_empty()) {
        None => {
            e.add("file", "Choose a file to upload.");
            None
        }
        Some(f) => match FILE.check(f) {
            Ok(f) => Some(f),
            Err(m) => {
                e.add("file", m);
                None
            }
        },
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct DocumentVersion {
    #[serde(skip)]
    pub document_id: Uuid,
    pub version: i32,
    pub file_name: String,
    /// application/pdf, image/jpeg or image/png (sniffed from the bytes).
    pub content_type: String,
    pub byte_size: i32,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub comment: String,
    pub uploaded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

impl DocumentVersion {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
    pub fn type_label(&self) -> &'static str {
        type_label(&self.content_type)
    }
    pub fn size(&self) -> String {
        let b = self.byte_size as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MiB", b / (1024.0 * 1024.0))
        } else if b >= 1024.0 {
            format!("{:.0} KiB", (b / 1024.0).ceil())
        } else {
            format!("{} bytes", self.byte_size)
        }
    }
    pub fn short_sha(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub title: String,
    /// referral_letter, discharge_summary, lab_report, imaging_report, consent_form, correspondence, other.
    pub category: String,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize")]
    pub document_date: Option<Date>,
    pub current_version: i32,
    pub created_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Every version, newest first.
    #[sqlx(skip)]
    pub versions: Vec<DocumentVersion>,
}

impl Document {
    pub fn category_label(&self) -> &'static str {
        category_label(&self.category)
    }
    pub fn date(&self) -> String {
        self.document_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn current(&self) -> Option<&DocumentVersion> {
        self.versions.iter().find(|v| v.version == self.current_version)
    }
    pub fn version(&self, n: i32) -> Option<&DocumentVersion> {
        self.versions.iter().find(|v| v.version == n)
    }
    pub fn href(&self) -> String {
        format!("/patients/{}/documents/{}", self.patient_id, self.id)
    }
    pub fn content_href(&self, v: &DocumentVersion) -> String {
        format!("{}/versions/{}/content", self.href(), v.version)
    }
    pub fn download_href(&self, v: &DocumentVersion) -> String {
        format!("{}?download=1", self.content_href(v))
    }
}

/// What an upload stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub id: Uuid,
    pub version: i32,
    pub sha256: String,
    pub content_type: String,
    pub byte_size: i32,
}

/// New documents go on the surviving record, never on one that was merged away.
pub fn refuse_merged(b: &Banner) -> AppResult<()> {
    match &b.merged_into {
        Some(m) => Err(AppError::Conflict(format!("This record was merged into {}; add documents there.", m.mrn))),
        None => Ok(()),
    }
}
