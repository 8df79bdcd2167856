//! The document archive of the chart: PDFs and images (JPEG, PNG) with a title, a category and
//! a document date. The type is sniffed from the bytes and must agree with the file name's
//! extension; uploads are limited to [`MAX_DOCUMENT_BYTES`]; every version keeps its SHA-256 and
//! is kept for ever (a new upload adds a version). The bytes live in PostgreSQL
//! (`document_contents`, apart from the metadata so lists never read them). Every opening and
//! download of a document's content is audited (`document.view`, `document.download`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{audit_view, clinical_date, date_str, db_error, fmt_dt, parse_id, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;
use hearth_patients::edit::{sniff_image, too_large};

/// The largest file accepted (10 MiB). The database CHECKs the same figure.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The request body limit on upload routes: the file plus the form fields and multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;
/// Text fields of an upload form are short; anything longer is not a form we rendered.
const MAX_FIELD_BYTES: usize = 4096;
pub const MAX_DOCUMENTS_LISTED: i64 = 1000;

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

/// What the bytes are, whatever the file name or the browser claims.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        sniff_image(bytes)
    }
}

/// How far from the start HTML markup is looked for, and from the end the `%%EOF` marker.
const PDF_WINDOW: usize = 1024;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// A structural check of a PDF, beyond its first bytes: the header `%PDF-1.x` (or `%PDF-2.0`);
/// no HTML markup in the first KiB (a file that is also a web page); an `%%EOF` marker in the
/// last KiB (trailing whitespace aside); a `startxref` offset inside the file before it; and a
/// cross-reference table (`xref`) or stream (`/XRef`). Not a full parser: it refuses what is
/// plainly not a PDF file, it does not prove that a reader can render one.
pub fn check_pdf(bytes: &[u8]) -> Result<(), &'static str> {
    let version_ok = match bytes.get(..8) {
        Some([b'%', b'P', b'D', b'F', b'-', b'1', b'.', d]) => d.is_ascii_digit(),
        Some(h) => h == b"%PDF-2.0",
        None => false,
    };
    if !version_ok {
        return Err("it does not start with a PDF header (%PDF-1.x).");
    }
    let start: Vec<u8> = bytes[..bytes.len().min(PDF_WINDOW)].to_ascii_lowercase();
    const MARKUP: [&[u8]; 9] =
        [b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<object", b"<embed"];
    if MARKUP.iter().any(|m| find(&start, m).is_some()) {
        return Err("it also holds web page (HTML) markup.");
    }
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)).map_or(0, |i| i + 1);
    let tail_start = end.saturating_sub(PDF_WINDOW);
    let tail = &bytes[tail_start..end];
    let Some(eof) = rfind(tail, b"%%EOF") else {
        return Err("it has no end-of-file marker (%%EOF); it may be incomplete.");
    };
    let offset = rfind(&tail[..eof], b"startxref").and_then(|i| {
        let digits: String = tail[i + 9..eof]
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take_while(|b| b.is_ascii_digit())
            .map(|b| *b as char)
            .collect();
        digits.parse::<usize>().ok()
    });
    let Some(offset) = offset.filter(|o| *o < tail_start + eof) else {
        return Err("it has no valid cross-reference pointer (startxref).");
    };
    let at_offset = &bytes[offset..];
    let xref_there =
        at_offset.iter().position(|b| !b.is_ascii_whitespace()).is_some_and(|i| at_offset[i..].starts_with(b"xref"))
            || find(&at_offset[..at_offset.len().min(PDF_WINDOW)], b"/XRef").is_some();
    let xref_anywhere =
        || find(bytes, b"\nxref").is_some() || find(bytes, b"\rxref").is_some() || find(bytes, b"/XRef").is_some();
    if !(xref_there || xref_anywhere()) {
        return Err("it has no cross-reference table.");
    }
    Ok(())
}

fn type_label(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG image",
        "image/png" => "PNG image",
        _ => "file",
    }
}

/// The content type a file name's extension promises, if it is one we accept.
fn type_for_name(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "pdf" => Some("application/pdf"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// The last path component (some browsers send a full path), without control characters,
/// at most 255 characters.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars().filter(|c| !c.is_control()).take(255).collect::<String>().trim().to_string()
}

/// A checked file: its type agrees with its name, and its checksum.
pub struct ValidFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: Vec<u8>,
}

/// Checks a received file: a name with an accepted extension, not empty, and bytes that are what
/// the extension says.
pub fn check_file(raw_name: &str, bytes: Vec<u8>) -> Result<ValidFile, String> {
    let file_name = clean_file_name(raw_name);
    let Some(claimed) = type_for_name(&file_name) else {
        return Err("Upload a PDF, JPEG or PNG file named .pdf, .jpg, .jpeg or .png.".into());
    };
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    match sniff(&bytes) {
        Some(kind) if kind == claimed => {
            if kind == "application/pdf" {
                check_pdf(&bytes).map_err(|why| format!("{file_name} is not a well-formed PDF: {why}"))?;
            }
            let sha256 = Sha256::digest(&bytes).to_vec();
            Ok(ValidFile { file_name, content_type: kind, bytes, sha256 })
        }
        Some(kind) => Err(format!(
            "The file is not what its name says: it is named {file_name} but holds a {}.",
            type_label(kind)
        )),
        None => Err(format!(
            "The file is not what its name says: {file_name} does not hold a {} (nor any PDF, JPEG or PNG).",
            type_label(claimed)
        )),
    }
}

/// A multipart upload: its text fields and its one file.
#[derive(Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart body: text fields and the field `file` (at most `max` bytes). `Err` is the
/// response to send: 413 for a file too large, 400 for an unreadable body.
pub async fn read_upload(mp: &mut Multipart, max: usize) -> Result<Upload, Response> {
    let too_big = || too_large(format!("The file is larger than {} MiB.", max / (1024 * 1024)));
    let unreadable = || AppError::BadRequest("The upload could not be read.".into()).into_response();
    let mut up = Upload::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(up),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let limit = if name == "file" { max } else { MAX_FIELD_BYTES };
        let mut buf = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if buf.len() + c.len() > limit {
                        return Err(if name == "file" {
                            too_big()
                        } else {
                            AppError::BadRequest(format!("The field {name} is too long.")).into_response()
                        });
                    }
                    buf.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
                Err(_) => return Err(unreadable()),
            }
        }
        if name == "file" {
            if up.file.is_some() {
                return Err(AppError::BadRequest("Send one file per upload.".into()).into_response());
            }
            up.file = Some((file_name.unwrap_or_default(), buf));
        } else {
            let Ok(text) = String::from_utf8(buf) else {
                return Err(AppError::BadRequest(format!("The field {name} is not text.")).into_response());
            };
            up.fields.insert(name, text);
        }
    }
}

/// A new document's metadata, checked.
pub struct ValidMeta {
    pub title: String,
    pub category: String,
    pub document_date: Option<Date>,
    pub comment: String,
}

/// Checks the metadata fields and the file of a new document. An empty title takes the file name.
pub fn validate_new(up: &Upload, birth: Option<Date>) -> Result<(ValidMeta, ValidFile), FieldErrors> {
    let mut e = FieldErrors::default();
    let category = up.field("category").trim().to_string();
    if !CATEGORIES.iter().any(|(k, _)| *k == category) {
        e.add("category", "Choose a category from the list.");
    }
    let document_date = clinical_date(&mut e, "document_date", up.field("document_date"), birth, "document date");
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
pub fn validate_version(up: &Upload) -> Result<(ValidFile, String), FieldErrors> {
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

fn validate_file(up: &Upload, e: &mut FieldErrors) -> Option<ValidFile> {
    match &up.file {
        None => {
            e.add("file", "Choose a file to upload.");
            None
        }
        Some((name, _)) if name.trim().is_empty() => {
            e.add("file", "Choose a file to upload.");
            None
        }
        Some((name, bytes)) => match check_file(name, bytes.clone()) {
            Ok(f) => Some(f),
            Err(m) => {
                e.add("file", m);
                None
            }
        },
    }
}

// ---------------------------------------------------------------- model and SQL

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
    pub fn uploaded(&self) -> String {
        fmt_dt(self.uploaded_at)
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

const DOCS: &str = "SELECT d.id, d.patient_id, d.title, d.category, d.document_date, d.current_version,
        u.display_name AS created_by, d.created_at, d.updated_at
     FROM documents d LEFT JOIN users u ON u.id = d.created_by";

const VERSIONS: &str = "SELECT v.document_id, v.version, v.file_name, v.content_type, v.byte_size,
        encode(v.sha256, 'hex') AS sha256, v.comment, u.display_name AS uploaded_by, v.uploaded_at
     FROM document_versions v LEFT JOIN users u ON u.id = v.uploaded_by";

/// Attaches every version to its document (one query for all of them).
async fn with_versions(pool: &PgPool, mut docs: Vec<Document>) -> sqlx::Result<Vec<Document>> {
    if docs.is_empty() {
        return Ok(docs);
    }
    let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
    let versions: Vec<DocumentVersion> =
        sqlx::query_as(&format!("{VERSIONS} WHERE v.document_id = ANY($1) ORDER BY v.document_id, v.version DESC"))
            .bind(&ids)
            .fetch_all(pool)
            .await?;
    let mut by_doc: HashMap<Uuid, Vec<DocumentVersion>> = HashMap::new();
    for v in versions {
        by_doc.entry(v.document_id).or_default().push(v);
    }
    for d in docs.iter_mut() {
        d.versions = by_doc.remove(&d.id).unwrap_or_default();
    }
    Ok(docs)
}

/// The patient's documents, newest first, with their versions (metadata only).
pub async fn list(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Document>> {
    let docs: Vec<Document> =
        sqlx::query_as(&format!("{DOCS} WHERE d.patient_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"))
            .bind(patient)
            .bind(MAX_DOCUMENTS_LISTED)
            .fetch_all(pool)
            .await?;
    with_versions(pool, docs).await
}

pub async fn get(pool: &PgPool, patient: Uuid, id: Uuid) -> AppResult<Document> {
    let doc: Option<Document> = sqlx::query_as(&format!("{DOCS} WHERE d.id = $1 AND d.patient_id = $2"))
        .bind(id)
        .bind(patient)
        .fetch_optional(pool)
        .await?;
    let doc = doc.ok_or(AppError::NotFound)?;
    with_versions(pool, vec![doc]).await?.pop().ok_or(AppError::NotFound)
}

/// The bytes of one version with its metadata. (The caller audits the access.)
pub async fn content(pool: &PgPool, patient: Uuid, id: Uuid, version: i32) -> AppResult<(DocumentVersion, Vec<u8>)> {
    let meta: Option<DocumentVersion> = sqlx::query_as(&format!(
        "{VERSIONS} JOIN documents d ON d.id = v.document_id
         WHERE v.document_id = $1 AND v.version = $2 AND d.patient_id = $3"
    ))
    .bind(id)
    .bind(version)
    .bind(patient)
    .fetch_optional(pool)
    .await?;
    let meta = meta.ok_or(AppError::NotFound)?;
    let data: Vec<u8> =
        sqlx::query_scalar("SELECT data FROM document_contents WHERE document_id = $1 AND version = $2")
            .bind(id)
            .bind(version)
            .fetch_one(pool)
            .await?;
    Ok((meta, data))
}

async fn insert_version_row(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    version: i32,
    f: &ValidFile,
    comment: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO document_versions (document_id, version, file_name, content_type, byte_size, sha256, comment, uploaded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(id)
    .bind(version)
    .bind(&f.file_name)
    .bind(f.content_type)
    .bind(f.bytes.len() as i32)
    .bind(&f.sha256)
    .bind(comment)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    sqlx::query("INSERT INTO document_contents (document_id, version, data) VALUES ($1,$2,$3)")
        .bind(id)
        .bind(version)
        .bind(&f.bytes)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(())
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

/// Stores a new document (version 1) and its audit event on the caller's transaction.
pub async fn insert(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    m: &ValidMeta,
    f: &ValidFile,
) -> AppResult<Stored> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO documents (id, patient_id, title, category, document_date, current_version, created_by)
         VALUES ($1,$2,$3,$4,$5,1,$6)",
    )
    .bind(id)
    .bind(patient)
    .bind(&m.title)
    .bind(&m.category)
    .bind(m.document_date)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    insert_version_row(conn, meta, id, 1, f, &m.comment).await?;
    let sha = hex::encode(&f.sha256);
    let changes = json!({"title": m.title, "category": m.category,
        "document_date": m.document_date.map(|d| d.to_string()), "version": 1,
        "content_type": f.content_type, "bytes": f.bytes.len(), "sha256": sha});
    audit::record(conn, meta, Event::new("document.upload", "document", id).patient(patient).changes(changes)).await?;
    Ok(Stored { id, version: 1, sha256: sha, content_type: f.content_type.into(), byte_size: f.bytes.len() as i32 })
}

/// Adds a version to a document; the earlier versions stay as they are.
pub async fn insert_version(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    f: &ValidFile,
    comment: &str,
) -> AppResult<Stored> {
    // The row lock serialises concurrent uploads to one document, so versions stay 1, 2, 3...
    let current: Option<i32> =
        sqlx::query_scalar("SELECT current_version FROM documents WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let version = current.ok_or(AppError::NotFound)? + 1;
    insert_version_row(conn, meta, id, version, f, comment).await?;
    sqlx::query("UPDATE documents SET current_version = $2 WHERE id = $1")
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    let sha = hex::encode(&f.sha256);
    let changes = json!({"version": version, "content_type": f.content_type, "bytes": f.bytes.len(),
        "sha256": sha, "comment": comment});
    audit::record(conn, meta, Event::new("document.version", "document", id).patient(patient).changes(changes)).await?;
    Ok(Stored { id, version, sha256: sha, content_type: f.content_type.into(), byte_size: f.bytes.len() as i32 })
}

/// New documents go on the surviving record, never on one that was merged away.
pub fn refuse_merged(b: &Banner) -> AppResult<()> {
    match &b.merged_into {
        Some(m) => Err(AppError::Conflict(format!("This record was merged into {}; add documents there.", m.mrn))),
        None => Ok(()),
    }
}

/// The response carrying a version's bytes, inline (shown by the browser) or as an attachment.
/// Audited as `document.view` or `document.download`.
pub async fn serve(
    pool: &PgPool,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    version: i32,
    download: bool,
) -> AppResult<Response> {
    let (v, data) = content(pool, patient, id, version).await?;
    let action = if download { "document.download" } else { "document.view" };
    audit::record_now(
        pool,
        meta,
        Event::new(action, "document", id).patient(patient).changes(json!({"version": version, "sha256": v.sha256})),
    )
    .await?;
    let mut res = data.into_response();
    let h = res.headers_mut();
    let ct = HeaderValue::from_str(&v.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    if let Ok(cd) = HeaderValue::from_str(&content_disposition(download, &v.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// `inline` or `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
fn content_disposition(download: bool, name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if download { "attachment" } else { "inline" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "ehr/documents.html")]
struct DocumentsPage {
    page: Page,
    b: Banner,
    docs: Vec<Document>,
    form: HashMap<String, String>,
    errors: FieldErrors,
    can_write: bool,
    categories: &'static [(&'static str, &'static str)],
    max_mib: usize,
}

impl DocumentsPage {
    fn value(&self, name: &str) -> &str {
        self.form.get(name).map(String::as_str).unwrap_or("")
    }
}

async fn render_list(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: HashMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let docs = list(&state.pool, b.id).await?;
    audit_view(&state.pool, &auth.meta, b.id, "documents").await?;
    let t = DocumentsPage {
        page: page
            .titled(format!("Documents · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Documents", b.href("documents")),
        b,
        docs,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        categories: CATEGORIES,
        max_mib: MAX_DOCUMENT_BYTES / (1024 * 1024),
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("documents");
    let form = HashMap::from([("category".to_string(), "other".to_string())]);
    render_list(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("documents");
    refuse_merged(&b)?;
    let up = match read_upload(&mut mp, MAX_DOCUMENT_BYTES).await {
        Ok(up) => up,
        Err(res) => return Ok(res),
    };
    let (m, f) = match validate_new(&up, b.birth_date) {
        Ok(v) => v,
        Err(errors) => {
            return render_list(&state, page, &auth, b, up.fields, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    let stored = insert(&mut tx, &auth.meta, b.id, &m, &f).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{}/documents/{}", b.id, stored.id),
        "ok",
        &format!("Stored {} ({}).", m.title, type_label(f.content_type)),
    ))
}

#[derive(Template)]
#[template(path = "ehr/document.html")]
struct DocumentPage {
    page: Page,
    b: Banner,
    d: Document,
    shown: DocumentVersion,
    errors: FieldErrors,
    comment: String,
    can_write: bool,
    max_mib: usize,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    version: Option<String>,
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context and the form state")]
async fn render_document(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    doc: Uuid,
    version: Option<i32>,
    errors: FieldErrors,
    comment: String,
    status: StatusCode,
) -> AppResult<Response> {
    let d = get(&state.pool, b.id, doc).await?;
    let shown = d.version(version.unwrap_or(d.current_version)).cloned().ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "document", d.id)
            .patient(b.id)
            .changes(json!({"section": "document", "version": shown.version})),
    )
    .await?;
    let t = DocumentPage {
        page: page
            .titled(format!("{} · {}", d.title, b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Documents", b.href("documents"))
            .crumb(d.title.clone(), d.href()),
        b,
        d,
        shown,
        errors,
        comment,
        can_write: auth.can(crate::perms::CHART_WRITE),
        max_mib: MAX_DOCUMENT_BYTES / (1024 * 1024),
    };
    web::render_status(status, &t)
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, doc)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("documents");
    let version = match q.version.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| AppError::NotFound)?),
    };
    render_document(
        &state,
        page,
        &auth,
        b,
        parse_id(&doc)?,
        version,
        FieldErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn upload_version(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, doc)): Path<(String, String)>,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("documents");
    let doc = parse_id(&doc)?;
    refuse_merged(&b)?;
    let up = match read_upload(&mut mp, MAX_DOCUMENT_BYTES).await {
        Ok(up) => up,
        Err(res) => return Ok(res),
    };
    let (f, comment) = match validate_version(&up) {
        Ok(v) => v,
        Err(errors) => {
            let comment = up.field("comment").to_string();
            return render_document(
                &state,
                page,
                &auth,
                b,
                doc,
                None,
                errors,
                comment,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let stored = insert_version(&mut tx, &auth.meta, b.id, doc, &f, &comment).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{}/documents/{}", b.id, doc),
        "ok",
        &format!("Stored version {}; the earlier versions are kept.", stored.version),
    ))
}

#[derive(Deserialize, Default)]
pub struct ContentQuery {
    download: Option<String>,
}

/// The bytes of a version: shown inline (images in the page, PDFs in the browser's viewer) or,
/// with `?download=1`, as an attachment.
pub async fn content_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, doc, version)): Path<(String, String, String)>,
    Query(q): Query<ContentQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let pid = patient.id;
    let version: i32 = version.parse().map_err(|_| AppError::NotFound)?;
    let download = q.download.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
    serve(&state.pool, &auth.meta, pid, parse_id(&doc)?, version, download).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        v.extend_from_slice(&[0u8; 16]);
        v
    }

    fn minimal_pdf() -> Vec<u8> {
        let body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
        let xref = body.len();
        let mut v = body;
        v.extend_from_slice(
            b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer << /Size 2 /Root 1 0 R >>\n",
        );
        v.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
        v
    }

    #[test]
    fn pdfs_are_checked_for_structure() {
        let good = minimal_pdf();
        assert_eq!(check_pdf(&good), Ok(()));
        let mut padded = good.clone();
        padded.extend_from_slice(&[b' '; 5000]);
        assert_eq!(check_pdf(&padded), Ok(()), "trailing whitespace is allowed");
        // A cross-reference stream instead of a table.
        let stream =
            b"%PDF-1.7\n1 0 obj << /Type /XRef /Size 1 >> stream\nendstream endobj\nstartxref\n9\n%%EOF".to_vec();
        assert_eq!(check_pdf(&stream), Ok(()));
        assert_eq!(check_pdf(b"%PDF-2.0\nxref\nstartxref\n9\n%%EOF"), Ok(()));
        for (bad, why) in [
            (&b"%PDF-1.4\n..."[..], "%%EOF"),
            (b"%PDF-1.4\nxref\n%%EOF", "startxref"),
            (b"%PDF-1.4\nxref\nstartxref\n999999\n%%EOF", "startxref"),
            (b"%PDF-1.4\n1 0 obj endobj\nstartxref\n9\n%%EOF", "cross-reference"),
            (b"%PDF-9.9\nxref\nstartxref\n9\n%%EOF", "header"),
            (b"%PDF-1.4\n<HTML><Script>alert(1)</script>\nxref\nstartxref\n9\n%%EOF", "HTML"),
        ] {
            let e = check_pdf(bad).err().unwrap_or_default();
            assert!(e.contains(why), "{}: {e}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn files_must_be_what_their_names_say() {
        let pdf = minimal_pdf();
        assert_eq!(check_file("letter.PDF", pdf.clone()).map(|f| f.content_type), Ok("application/pdf"));
        assert!(check_file("letter.pdf", b"%PDF-1.4\n...".to_vec())
            .err()
            .is_some_and(|e| e.contains("not a well-formed PDF")));
        assert_eq!(check_file("C:\\scans\\x-ray.png", png()).map(|f| f.file_name), Ok("x-ray.png".to_string()));
        assert!(check_file("scan.pdf", png()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check_file("notes.pdf", b"hello".to_vec()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check_file("letter.docx", pdf.clone()).is_err());
        assert!(check_file("letter", pdf).is_err());
        assert!(check_file("empty.pdf", Vec::new()).is_err());
    }

    #[test]
    fn content_disposition_is_safe() {
        let cd = content_disposition(true, "Brief \"Müller\".pdf");
        assert!(cd.starts_with("attachment; filename=\"Brief _M_ller_.pdf\""), "{cd}");
        assert!(cd.contains("filename*=UTF-8''Brief%20%22M%C3%BCller%22.pdf"), "{cd}");
        assert!(HeaderValue::from_str(&cd).is_ok());
    }
}
