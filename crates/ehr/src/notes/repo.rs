//! All SQL of the notes. Bodies and addenda are encrypted here; writes take the caller's
//! transaction and record their audit event on it.

use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{Addendum, Note, NoteMeta, ValidNote, AAD_ADDENDUM, AAD_BODY, MAX_BODY};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::crypto::KeyRing;
use hearth_core::web::paging::{PageRequest, Paged, TimeId};

const META: &str = "SELECT n.id, n.patient_id, n.encounter_id, n.template, n.title, n.status, n.author_id,
        a.display_name AS author, s.display_name AS signed_by, n.signed_at, n.created_at,
        (SELECT count(*) FROM note_addenda x WHERE x.note_id = n.id) AS addenda
     FROM notes n JOIN users a ON a.id = n.author_id LEFT JOIN users s ON s.id = n.signed_by";

/// A page of the patient's notes (metadata), newest first (keyset: creation time and id).
pub async fn paged(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<NoteMeta>> {
    let after = req.after_sql("n.created_at", "n.id", 3);
    let rows = sqlx::query_as(&format!(
        "{META} WHERE n.patient_id = $1 {after}
         ORDER BY n.created_at DESC, n.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    Ok(Paged::from_rows(rows, req.limit, |n: &NoteMeta| TimeId(n.created_at, n.id)))
}

/// The latest `limit` notes (metadata), newest first.
pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<NoteMeta>> {
    sqlx::query_as(&format!("{META} WHERE n.patient_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Whether encounter `id` is the patient's.
pub async fn encounter_is_patients(pool: &PgPool, id: Uuid, patient: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)")
        .bind(id)
        .bind(patient)
        .fetch_one(pool)
        .await
}

#[derive(FromRow)]
struct BodyRow {
    #[sqlx(flatten)]
    meta: NoteMeta,
    body_enc: Vec<u8>,
}

#[derive(FromRow)]
struct AddendumRow {
    id: Uuid,
    author: String,
    created_at: OffsetDateTime,
    body_enc: Vec<u8>,
}

fn decrypt(keys: &KeyRing, blob: &[u8], aad: &str) -> AppResult<String> {
    keys.decrypt(blob, aad).map_err(|e| AppError::Internal(anyhow::anyhow!("cannot decrypt {aad}: {e}")))
}

/// Loads and decrypts one note with its addenda. (The caller audits the read.)
pub async fn get(pool: &PgPool, keys: &KeyRing, patient: Uuid, id: Uuid) -> AppResult<Note> {
    let row: Option<BodyRow> = sqlx::query_as(&format!(
        "{} WHERE n.id = $1 AND n.patient_id = $2",
        META.replace("(SELECT count(*)", "n.body_enc, (SELECT count(*)")
    ))
    .bind(id)
    .bind(patient)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    let adds: Vec<AddendumRow> = sqlx::query_as(
        "SELECT x.id, u.display_name AS author, x.created_at, x.body_enc FROM note_addenda x
         JOIN users u ON u.id = x.author_id WHERE x.note_id = $1 ORDER BY x.created_at, x.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut addenda = Vec::with_capacity(adds.len());
    for a in adds {
        addenda.push(Addendum {
            id: a.id,
            author: a.author,
            created_at: a.created_at,
            body: decrypt(keys, &a.body_enc, AAD_ADDENDUM)?,
        });
    }
    Ok(Note { body: decrypt(keys, &row.body_enc, AAD_BODY)?, meta: row.meta, addenda })
}

/// Every note of the patient with its decrypted body and addenda, oldest first, in two queries
/// (the whole-record export). The caller audits the read.
pub async fn list_full(pool: &PgPool, keys: &KeyRing, patient: Uuid) -> AppResult<Vec<Note>> {
    let rows: Vec<BodyRow> = sqlx::query_as(&format!(
        "{} WHERE n.patient_id = $1 ORDER BY n.created_at, n.id",
        META.replace("(SELECT count(*)", "n.body_enc, (SELECT count(*)")
    ))
    .bind(patient)
    .fetch_all(pool)
    .await?;
    let adds: Vec<(Uuid, Uuid, String, OffsetDateTime, Vec<u8>)> = sqlx::query_as(
        "SELECT x.note_id, x.id, u.display_name, x.created_at, x.body_enc FROM note_addenda x
         JOIN notes n ON n.id = x.note_id JOIN users u ON u.id = x.author_id
         WHERE n.patient_id = $1 ORDER BY x.created_at, x.id",
    )
    .bind(patient)
    .fetch_all(pool)
    .await?;
    let mut by_note: std::collections::HashMap<Uuid, Vec<Addendum>> = std::collections::HashMap::new();
    for (note_id, id, author, created_at, enc) in adds {
        let body = decrypt(keys, &enc, AAD_ADDENDUM)?;
        by_note.entry(note_id).or_default().push(Addendum { id, author, created_at, body });
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let body = decrypt(keys, &r.body_enc, AAD_BODY)?;
        let addenda = by_note.remove(&r.meta.id).unwrap_or_default();
        out.push(Note { body, meta: r.meta, addenda });
    }
    Ok(out)
}

pub async fn insert(
    conn: &mut PgConnection,
    keys: &KeyRing,
    meta: &AuditMeta,
    patient: Uuid,
    v: &ValidNote,
) -> AppResult<Uuid> {
    let author = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO notes (id, patient_id, encounter_id, template, title, body_enc, status, author_id)
         VALUES ($1,$2,$3,$4,$5,$6,'draft',$7)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.encounter_id)
    .bind(&v.template)
    .bind(&v.title)
    .bind(keys.encrypt(&v.body, AAD_BODY))
    .bind(author)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"template": v.template, "title": v.title, "encounter_id": v.encounter_id,
        "status": "draft", "body": {"changed": true, "encrypted": true}});
    audit::record(conn, meta, Event::new("note.create", "note", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// Edits a draft; a signed note is refused (and the database would refuse it too).
pub async fn update_draft(
    conn: &mut PgConnection,
    keys: &KeyRing,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    title: &str,
    body: &str,
) -> AppResult<()> {
    let row: Option<(String, Uuid, String, Vec<u8>)> = sqlx::query_as(
        "SELECT status, author_id, title, body_enc FROM notes WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let (status, author, old_title, old_enc) = row.ok_or(AppError::NotFound)?;
    if status == "signed" {
        return Err(AppError::Conflict("This note is signed and locked; add an addendum to correct it.".into()));
    }
    if Some(author) != meta.actor_user_id {
        return Err(AppError::Forbidden);
    }
    let old_body = decrypt(keys, &old_enc, AAD_BODY)?;
    sqlx::query("UPDATE notes SET title = $2, body_enc = $3 WHERE id = $1")
        .bind(id)
        .bind(title)
        .bind(keys.encrypt(body, AAD_BODY))
        .execute(&mut *conn)
        .await?;
    let changes =
        audit::diff(&json!({"title": old_title, "body": old_body}), &json!({"title": title, "body": body}), &["body"]);
    audit::record(conn, meta, Event::new("note.update", "note", id).patient(patient).changes(changes)).await?;
    Ok(())
}

/// Signs a draft. Signing is the author's act: anyone else is refused (403), whatever their
/// permissions (a co-signature would be a separate attestation).
pub async fn sign_note(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, id: Uuid) -> AppResult<()> {
    let signer = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let row: Option<(String, Uuid)> =
        sqlx::query_as("SELECT status, author_id FROM notes WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let (status, author) = row.ok_or(AppError::NotFound)?;
    if status == "signed" {
        return Err(AppError::Conflict("This note is already signed.".into()));
    }
    if author != signer {
        return Err(AppError::Forbidden);
    }
    sqlx::query("UPDATE notes SET status = 'signed', signed_by = $2, signed_at = now() WHERE id = $1")
        .bind(id)
        .bind(signer)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("note.sign", "note", id)
            .patient(patient)
            .changes(json!({"status": {"from": "draft", "to": "signed"}})),
    )
    .await?;
    Ok(())
}

pub async fn insert_addendum(
    conn: &mut PgConnection,
    keys: &KeyRing,
    meta: &AuditMeta,
    patient: Uuid,
    note: Uuid,
    body: &str,
) -> AppResult<Uuid> {
    let author = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err(AppError::field("body", "Write the addendum."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(AppError::field("body", format!("At most {MAX_BODY} characters.")));
    }
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM notes WHERE id = $1 AND patient_id = $2 FOR SHARE")
            .bind(note)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    if status.ok_or(AppError::NotFound)? != "signed" {
        return Err(AppError::Conflict("A draft is edited, not amended: addenda are for signed notes.".into()));
    }
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO note_addenda (id, note_id, body_enc, author_id) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(note)
        .bind(keys.encrypt(body, AAD_ADDENDUM))
        .bind(author)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("note.addendum", "note", note)
            .patient(patient)
            .changes(json!({"addendum_id": id, "body": {"changed": true, "encrypted": true}})),
    )
    .await?;
    Ok(id)
}

/// What an unmerge meets in the notes: notes signed since the merge, which may name the other
/// patient (a signed note is never changed; an addendum corrects it). Complications, not
/// blockers.
pub async fn unmerge_notes(
    conn: &mut PgConnection,
    m: &hearth_core::registry::MergeRecord,
) -> sqlx::Result<Vec<hearth_core::registry::UnmergeNote>> {
    use hearth_core::registry::UnmergeNote;
    let going_back: Vec<Uuid> =
        m.moved.get("notes").into_iter().flatten().filter_map(|k| Uuid::parse_str(k).ok()).collect();
    let (staying, leaving): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT (id = ANY($3))), count(*) FILTER (WHERE id = ANY($3))
         FROM notes WHERE patient_id = $1 AND status = 'signed' AND signed_at >= $2",
    )
    .bind(m.survivor)
    .bind(m.merged_at)
    .bind(&going_back)
    .fetch_one(&mut *conn)
    .await?;
    let mut out = Vec::new();
    if staying > 0 {
        out.push(UnmergeNote::warn(format!(
            "{staying} note(s) signed on the surviving record since the merge stay with it. A signed note cannot be \
             changed: if one describes the other patient, add an addendum."
        )));
    }
    if leaving > 0 {
        out.push(UnmergeNote::warn(format!(
            "{leaving} note(s) that came with the merge were signed after it, while they showed under the surviving \
             record; they go back with the restored record."
        )));
    }
    Ok(out)
}
