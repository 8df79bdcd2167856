//! All SQL of the document archive. Writes take the caller's transaction and record their audit
//! event on it.

use std::collections::HashMap;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Document, DocumentVersion, Stored, ValidMeta, MAX_DOCUMENTS_LISTED};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::web::paging::{PageRequest, Paged, TimeId};
use hearth_core::web::upload::CheckedFile;

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

/// A page of the patient's documents, newest first (keyset: creation time and id), with their
/// versions (metadata only).
pub async fn paged(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<Document>> {
    let after = req.after_sql("d.created_at", "d.id", 3);
    let docs: Vec<Document> = sqlx::query_as(&format!(
        "{DOCS} WHERE d.patient_id = $1 {after}
         ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    let page = Paged::from_rows(docs, req.limit, |d| TimeId(d.created_at, d.id));
    Ok(Paged { items: with_versions(pool, page.items).await?, next: page.next })
}

/// The patient's documents, newest first, with their versions (metadata only; the export).
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
    f: &CheckedFile,
    comment: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO document_versions (document_id, version, file_name, content_type, byte_size, sha256, comment, uploaded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
    )
    .bind(id)
    .bind(version)
    .bind(&f.file_name)
    .bind(f.content_type())
    .bind(f.bytes.len() as i32)
    .bind(&f.sha256)
    .bind(comment)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO document_contents (document_id, version, data) VALUES ($1,$2,$3)")
        .bind(id)
        .bind(version)
        .bind(&f.bytes)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a new document (version 1) and its audit event on the caller's transaction.
pub async fn insert(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    m: &ValidMeta,
    f: &CheckedFile,
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
    .await?;
    insert_version_row(conn, meta, id, 1, f, &m.comment).await?;
    let sha = hex::encode(&f.sha256);
    let changes = json!({"title": m.title, "category": m.category,
        "document_date": m.document_date.map(|d| d.to_string()), "version": 1,
        "content_type": f.content_type(), "bytes": f.bytes.len(), "sha256": sha});
    audit::record(conn, meta, Event::new("document.upload", "document", id).patient(patient).changes(changes)).await?;
    Ok(Stored { id, version: 1, sha256: sha, content_type: f.content_type().into(), byte_size: f.bytes.len() as i32 })
}

/// Adds a version to a document; the earlier versions stay as they are.
pub async fn insert_version(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    f: &CheckedFile,
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
        .await?;
    let sha = hex::encode(&f.sha256);
    let changes = json!({"version": version, "content_type": f.content_type(), "bytes": f.bytes.len(),
        "sha256": sha, "comment": comment});
    audit::record(conn, meta, Event::new("document.version", "document", id).patient(patient).changes(changes)).await?;
    Ok(Stored { id, version, sha256: sha, content_type: f.content_type().into(), byte_size: f.bytes.len() as i32 })
}
