//! Clinical notes: templates, body encrypted at rest, draft -> signed (locked, also in SQL),
//! corrections only as (encrypted) addenda.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit_view, db_error, fmt_dt, parse_id, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::crypto::KeyRing;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

pub const AAD_BODY: &str = "notes.body";
pub const AAD_ADDENDUM: &str = "note_addenda.body";
pub const MAX_BODY: usize = 20_000;

/// (key, label, starting text)
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("soap", "SOAP note", "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n"),
    ("progress", "Progress note", "Interval history:\n\nExamination:\n\nAssessment:\n\nPlan:\n"),
    (
        "procedure",
        "Procedure note",
        "Procedure:\nIndication:\nConsent:\nAnaesthesia:\nDescription:\nFindings:\nComplications:\nSpecimens:\nEstimated blood loss:\nPlan:\n",
    ),
    ("free", "Free-text note", ""),
];

pub fn template_label(key: &str) -> &'static str {
    TEMPLATES.iter().find(|(k, _, _)| *k == key).map(|(_, l, _)| *l).unwrap_or("Note")
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewNote {
    /// soap, progress, procedure or free.
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub title: String,
    /// The note text (stored encrypted).
    #[serde(default)]
    pub body: String,
    /// Optional encounter of this patient the note belongs to.
    pub encounter_id: Option<String>,
    /// Browser forms: "sign" to sign on saving. API: use `sign: true`.
    #[serde(default)]
    pub action: String,
    /// Sign immediately (needs notes.sign).
    #[serde(default)]
    pub sign: bool,
}

pub struct ValidNote {
    template: String,
    title: String,
    body: String,
    encounter_id: Option<Uuid>,
}

impl NewNote {
    pub fn wants_sign(&self) -> bool {
        self.sign || self.action == "sign"
    }

    pub async fn validate(&self, pool: &PgPool, patient: Uuid) -> sqlx::Result<Result<ValidNote, FieldErrors>> {
        let mut e = FieldErrors::default();
        let template = if self.template.trim().is_empty() { "free" } else { self.template.trim() };
        if !TEMPLATES.iter().any(|(k, _, _)| *k == template) {
            e.add("template", "Choose SOAP, progress, procedure or free-text.");
        }
        let title = self.title.trim().to_string();
        let title = if title.is_empty() { template_label(template).to_string() } else { title };
        if title.chars().count() > 200 {
            e.add("title", "At most 200 characters.");
        }
        let body = self.body.trim_end().to_string();
        if body.trim().is_empty() {
            e.add("body", "Write the note.");
        } else if body.chars().count() > MAX_BODY {
            e.add("body", format!("At most {MAX_BODY} characters."));
        }
        let encounter_id = match self.encounter_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<Uuid>() {
                Ok(id) => {
                    let ok: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)",
                    )
                    .bind(id)
                    .bind(patient)
                    .fetch_one(pool)
                    .await?;
                    if !ok {
                        e.add("encounter_id", "That encounter is not this patient's.");
                    }
                    Some(id)
                }
                Err(_) => {
                    e.add("encounter_id", "Choose an encounter from the list.");
                    None
                }
            },
        };
        if !e.is_empty() {
            return Ok(Err(e));
        }
        Ok(Ok(ValidNote { template: template.to_string(), title, body, encounter_id }))
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct NoteMeta {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub template: String,
    pub title: String,
    /// draft or signed (signed notes are locked).
    pub status: String,
    pub author_id: Uuid,
    pub author: String,
    pub signed_by: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub addenda: i64,
}

impl NoteMeta {
    pub fn signed(&self) -> bool {
        self.status == "signed"
    }
    pub fn template_label(&self) -> &'static str {
        template_label(&self.template)
    }
    pub fn created(&self) -> String {
        fmt_dt(self.created_at)
    }
    pub fn signed_when(&self) -> String {
        self.signed_at.map(fmt_dt).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Addendum {
    pub id: Uuid,
    pub author: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub body: String,
}

impl Addendum {
    pub fn created(&self) -> String {
        fmt_dt(self.created_at)
    }
}

/// A note with its decrypted body and addenda.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Note {
    #[serde(flatten)]
    pub meta: NoteMeta,
    pub body: String,
    pub addenda: Vec<Addendum>,
}

const META: &str = "SELECT n.id, n.patient_id, n.encounter_id, n.template, n.title, n.status, n.author_id,
        a.display_name AS author, s.display_name AS signed_by, n.signed_at, n.created_at,
        (SELECT count(*) FROM note_addenda x WHERE x.note_id = n.id) AS addenda
     FROM notes n JOIN users a ON a.id = n.author_id LEFT JOIN users s ON s.id = n.signed_by";

pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<NoteMeta>> {
    sqlx::query_as(&format!("{META} WHERE n.patient_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
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
    .await
    .map_err(db_error)?;
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
        .await
        .map_err(db_error)?;
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
        .await
        .map_err(db_error)?;
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
        return Err(AppError::Unprocessable("body: Write the addendum.".into()));
    }
    if body.chars().count() > MAX_BODY {
        return Err(AppError::Unprocessable(format!("body: At most {MAX_BODY} characters.")));
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
        .await
        .map_err(db_error)?;
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

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "ehr/notes.html")]
struct ListPage {
    page: Page,
    b: Banner,
    rows: Vec<NoteMeta>,
    can_write: bool,
    templates: &'static [(&'static str, &'static str, &'static str)],
}

pub async fn list_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("notes");
    let rows = list(&state.pool, b.id, 200).await?;
    audit_view(&state.pool, &auth.meta, b.id, "notes").await?;
    web::render(&ListPage {
        page: page
            .titled(format!("Notes · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Notes", b.href("notes")),
        b,
        rows,
        can_write: auth.can(crate::perms::CHART_WRITE),
        templates: TEMPLATES,
    })
}

#[derive(Template)]
#[template(path = "ehr/note_new.html")]
struct NewPage {
    page: Page,
    b: Banner,
    form: NewNote,
    errors: FieldErrors,
    encounters: Vec<super::encounters::Encounter>,
    can_sign: bool,
    templates: &'static [(&'static str, &'static str, &'static str)],
}

async fn render_new(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewNote,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let encounters = super::encounters::list(&state.pool, b.id, 20).await?;
    let t = NewPage {
        page: page
            .titled(format!("New note · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Notes", b.href("notes"))
            .crumb("New", b.href("notes/new")),
        b,
        form,
        errors,
        encounters,
        can_sign: auth.can(crate::perms::NOTES_SIGN),
        templates: TEMPLATES,
    };
    web::render_status(status, &t)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    template: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("notes");
    let (key, label, text) =
        TEMPLATES.iter().find(|(k, _, _)| *k == q.template).copied().unwrap_or(("soap", "SOAP note", TEMPLATES[0].2));
    let form = NewNote { template: key.into(), title: label.into(), body: text.into(), ..Default::default() };
    render_new(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewNote>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    if form.wants_sign() {
        auth.require(crate::perms::NOTES_SIGN)?;
    }
    let b = patient.banner("notes");
    let valid = match form.validate(&state.pool, b.id).await? {
        Ok(v) => v,
        Err(errors) => return render_new(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    let nid = insert(&mut tx, &state.keys, &auth.meta, b.id, &valid).await?;
    if form.wants_sign() {
        sign_note(&mut tx, &auth.meta, b.id, nid).await?;
    }
    tx.commit().await?;
    let msg = if form.wants_sign() { "Note signed." } else { "Draft saved." };
    Ok(web::redirect_flash(&b.href(&format!("notes/{nid}")), "ok", msg))
}

#[derive(Template)]
#[template(path = "ehr/note.html")]
struct ShowPage {
    page: Page,
    b: Banner,
    n: Note,
    can_edit: bool,
    can_sign: bool,
    can_amend: bool,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, String)>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("notes");
    let n = get(&state.pool, &state.keys, b.id, parse_id(&item)?).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "note", n.meta.id).patient(b.id).changes(json!({"section": "note"})),
    )
    .await?;
    let signed = n.meta.signed();
    web::render(&ShowPage {
        page: page
            .titled(format!("{} · {}", n.meta.title, b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Notes", b.href("notes"))
            .crumb(n.meta.title.clone(), b.href(&format!("notes/{}", n.meta.id))),
        can_edit: !signed && auth.can(crate::perms::CHART_WRITE) && n.meta.author_id == auth.id,
        can_sign: !signed && auth.can(crate::perms::NOTES_SIGN) && n.meta.author_id == auth.id,
        can_amend: signed && auth.can(crate::perms::CHART_WRITE),
        b,
        n,
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, String)>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let (pid, nid) = (patient.id, parse_id(&item)?);
    let (title, body) = validate_edit(&f.title, &f.body)?;
    let mut tx = state.pool.begin().await?;
    update_draft(&mut tx, &state.keys, &auth.meta, pid, nid, &title, &body).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", "Draft saved."))
}

pub(crate) fn validate_edit(title: &str, body: &str) -> AppResult<(String, String)> {
    let title = title.trim();
    let body = body.trim_end();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::Unprocessable("title: Enter a title of at most 200 characters.".into()));
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::Unprocessable(format!("body: Write the note (at most {MAX_BODY} characters).")));
    }
    Ok((title.to_string(), body.to_string()))
}

pub async fn sign(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, String)>,
) -> AppResult<Response> {
    auth.require(crate::perms::NOTES_SIGN)?;
    let (pid, nid) = (patient.id, parse_id(&item)?);
    let mut tx = state.pool.begin().await?;
    sign_note(&mut tx, &auth.meta, pid, nid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", "Note signed; it is now locked."))
}

#[derive(Deserialize)]
pub struct AddendumForm {
    #[serde(default)]
    body: String,
}

pub async fn add_addendum(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, String)>,
    Form(f): Form<AddendumForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let (pid, nid) = (patient.id, parse_id(&item)?);
    let mut tx = state.pool.begin().await?;
    insert_addendum(&mut tx, &state.keys, &auth.meta, pid, nid, &f.body).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", "Addendum added."))
}
