//! Changing a record: demographics (audited before/after), closing and reopening, recording a
//! death, emergency contacts, and the photo.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use super::context::PatientCtx;
use super::model::{clean, parse_date, validate_phone, EmergencyContact, NewPatient, LANGUAGES, SEXES};
use super::register::FormPage;
use super::repo;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult, ErrorInfo};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::{parse_offset, Zone};
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

pub const PHOTO_MAX_BYTES: usize = 512 * 1024;

fn edit_page(page: Page, id: Uuid, form: NewPatient, errors: FieldErrors, was_unidentified: bool) -> FormPage {
    FormPage {
        page: page
            .titled("Edit patient")
            .crumb("Patients", "/patients")
            .crumb("Patient", format!("/patients/{id}"))
            .crumb("Edit", format!("/patients/{id}/edit")),
        form,
        errors,
        sexes: SEXES,
        languages: LANGUAGES,
        candidates: Vec::new(),
        edit: Some(id),
        was_unidentified,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut conn = state.pool.acquire().await?;
    let p = repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    if p.summary.merged_into.is_some() {
        return Err(AppError::Conflict("This record was merged; edit the surviving record instead.".into()));
    }
    let unidentified = p.summary.unidentified;
    web::render(&edit_page(page, id, p.to_form(), FieldErrors::default(), unidentified))
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(form): Form<NewPatient>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let was_unidentified: bool =
        sqlx::query_scalar("SELECT unidentified FROM patients WHERE id = $1").bind(id).fetch_one(&state.pool).await?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            return web::render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &edit_page(page, id, form, errors, was_unidentified),
            );
        }
    };
    let mut tx = state.pool.begin().await?;
    match repo::update(&mut tx, &state.keys, id, &valid, &auth.meta).await {
        Ok(changes) => {
            tx.commit().await?;
            let msg = if changes.as_object().is_some_and(|o| o.is_empty()) { "Nothing changed." } else { "Saved." };
            Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", msg))
        }
        Err(repo::ChangeError::Refused(m)) => {
            let mut errors = FieldErrors::default();
            errors.add("birth_date", m);
            web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(page, id, form, errors, was_unidentified))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CloseForm {
    reason: String,
    death_date: String,
    death_time: String,
    /// The explicit offset for a time in the repeated hour (`web::time`); empty: the first.
    death_time_offset: String,
    cause: String,
}

#[derive(Template)]
#[template(path = "patients/close.html")]
struct ClosePage {
    page: Page,
    id: Uuid,
    mrn: String,
    name: String,
    active: bool,
    deceased: bool,
    merged: bool,
    form: CloseForm,
    errors: FieldErrors,
}

async fn close_page(
    state: &AppState,
    page: Page,
    id: Uuid,
    form: CloseForm,
    errors: FieldErrors,
) -> AppResult<ClosePage> {
    let mut conn = state.pool.acquire().await?;
    let p = repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    let name = p.summary.full_name();
    Ok(ClosePage {
        page: page
            .titled("Close record")
            .crumb("Patients", "/patients")
            .crumb(name.clone(), format!("/patients/{id}"))
            .crumb("Close record", format!("/patients/{id}/close")),
        id,
        mrn: p.summary.mrn.clone(),
        name,
        active: p.summary.active,
        deceased: p.summary.deceased,
        merged: p.summary.merged_into.is_some(),
        form,
        errors,
    })
}

pub async fn close_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    web::render(&close_page(&state, page, id, CloseForm::default(), FieldErrors::default()).await?)
}

pub async fn deactivate(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<CloseForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let reason = f.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        let mut errors = FieldErrors::default();
        errors.add("reason", "Give a reason (at most 500 characters).");
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &close_page(&state, page, id, f, errors).await?);
    }
    let mut tx = state.pool.begin().await?;
    repo::set_active(&mut tx, id, false, &reason, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", "The record is closed."))
}

pub async fn reactivate(State(state): State<AppState>, auth: Auth, patient: PatientCtx) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    repo::set_active(&mut tx, id, true, "reopened", &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", "The record is open again."))
}

/// Parses the death form. The date and time are local to `zone` (the recording user's
/// facility), read by the rule at DST changes (`web::time`); without a time, the start of that
/// local day.
pub fn parse_death(f: &CloseForm, zone: &Zone, errors: &mut FieldErrors) -> Option<(OffsetDateTime, String)> {
    let date = match parse_date(&f.death_date) {
        Some(d) => Some(d),
        None => {
            errors.add("death_date", "Enter the date of death as YYYY-MM-DD.");
            None
        }
    };
    let t = f.death_time.trim();
    let time = if t.is_empty() {
        None
    } else {
        match Time::parse(t, time::macros::format_description!("[hour]:[minute]")) {
            Ok(t) => Some(t),
            Err(_) => {
                errors.add("death_time", "Enter the time as HH:MM (24-hour).");
                return None;
            }
        }
    };
    let cause = f.cause.trim().to_string();
    if cause.chars().count() > 500 {
        errors.add("cause", "At most 500 characters.");
    }
    let date = date?;
    let at = match time {
        None => zone.day_start(date),
        Some(time) => {
            let offset = match f.death_time_offset.trim() {
                "" => None,
                o => match parse_offset(o) {
                    Some(o) => Some(o),
                    None => {
                        errors.add("death_time", "Choose an offset from the list, or leave it on automatic.");
                        return None;
                    }
                },
            };
            match zone.resolve(PrimitiveDateTime::new(date, time), offset) {
                Ok(at) => at,
                Err(e) => {
                    errors.add("death_time", e.to_string());
                    return None;
                }
            }
        }
    };
    if at > OffsetDateTime::now_utc() + time::Duration::minutes(5) {
        errors.add("death_date", "The date of death is in the future.");
    }
    errors.is_empty().then_some((at, cause))
}

pub async fn death(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<CloseForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut errors = FieldErrors::default();
    let parsed = parse_death(&f, &page.zone, &mut errors);
    let Some((at, cause)) = parsed else {
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &close_page(&state, page, id, f, errors).await?);
    };
    let mut tx = state.pool.begin().await?;
    match repo::record_death(&mut tx, id, at, &cause, &auth.meta).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", "The death is recorded and the record closed."))
        }
        Err(repo::ChangeError::Refused(m)) => {
            drop(tx);
            errors.add("death_date", m);
            web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &close_page(&state, page, id, f, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContactForm {
    name: String,
    relationship: String,
    phone: String,
}

pub async fn add_contact(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<ContactForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut errors = FieldErrors::default();
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "Enter the contact's name (at most 200 characters).");
    } else if let Err(m) = hearth_core::web::input::person_name(&name) {
        errors.add("name", m);
    }
    let relationship: String = f.relationship.trim().to_string();
    if relationship.chars().count() > 100 {
        errors.add("relationship", "At most 100 characters.");
    } else if let Err(m) = hearth_core::web::input::free_text(&relationship) {
        errors.add("relationship", m);
    }
    let phone = clean(&Some(f.phone.clone()));
    if let Some(p) = &phone {
        validate_phone(&mut errors, "phone", p);
    }
    if !errors.is_empty() {
        return Ok(web::redirect_flash(&format!("/patients/{id}#contacts"), "error", &errors.messages()));
    }
    let mut tx = state.pool.begin().await?;
    let cid =
        repo::add_emergency_contact(&mut tx, &state.keys, id, &EmergencyContact { name, relationship, phone }).await?;
    audit::record(&mut tx, &auth.meta, Event::new("patient.contact.add", "patient_emergency_contact", cid).patient(id))
        .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#contacts"), "ok", "Emergency contact added."))
}

pub async fn delete_contact(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, cid)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query("DELETE FROM patient_emergency_contacts WHERE id = $1 AND patient_id = $2")
        .bind(cid)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.contact.remove", "patient_emergency_contact", cid).patient(id),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#contacts"), "ok", "Emergency contact removed."))
}

/// A response for an upload that is too large (413, rendered by the error middleware).
pub fn too_large(detail: String) -> Response {
    let mut res = StatusCode::PAYLOAD_TOO_LARGE.into_response();
    res.extensions_mut().insert(ErrorInfo::new(StatusCode::PAYLOAD_TOO_LARGE, detail));
    res
}

/// What the bytes are, regardless of what the file name or browser claims.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Reads one file field from a multipart body, up to `max` bytes. Returns (file name, bytes),
/// or `Err(response)` for an unreadable or too large upload.
pub async fn read_file_field(
    mp: &mut Multipart,
    field_name: &str,
    max: usize,
) -> Result<Option<(String, Vec<u8>)>, Response> {
    let limit_msg = || too_large(format!("The file is larger than {} KiB.", max / 1024));
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(limit_msg()),
            Err(_) => return Err(AppError::BadRequest("The upload could not be read.".into()).into_response()),
        };
        if field.name() != Some(field_name) {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut field = field;
        let mut buf = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if buf.len() + c.len() > max {
                        return Err(limit_msg());
                    }
                    buf.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(limit_msg()),
                Err(_) => return Err(AppError::BadRequest("The upload could not be read.".into()).into_response()),
            }
        }
        return Ok(Some((name, buf)));
    }
}

pub async fn upload_photo(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let (name, bytes) = match read_file_field(&mut mp, "photo", PHOTO_MAX_BYTES).await {
        Ok(Some(f)) => f,
        Ok(None) => return Err(AppError::Unprocessable("Choose a photo to upload.".into())),
        Err(res) => return Ok(res),
    };
    let Some(kind) = sniff_image(&bytes) else {
        return Err(AppError::Unprocessable("The file is not a JPEG or PNG image, whatever its name says.".into()));
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let claimed = match ext.as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "" => None,
        _ => return Err(AppError::Unprocessable("Upload a .jpg or .png file.".into())),
    };
    if claimed.is_some_and(|c| c != kind) {
        return Err(AppError::Unprocessable(format!("The file is named .{ext} but holds a {kind} image.")));
    }
    let digest = Sha256::digest(&bytes).to_vec();
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO patient_photos (patient_id, content_type, data, sha256, uploaded_by) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (patient_id) DO UPDATE SET content_type = EXCLUDED.content_type, data = EXCLUDED.data,
             sha256 = EXCLUDED.sha256, uploaded_by = EXCLUDED.uploaded_by, uploaded_at = now()",
    )
    .bind(id)
    .bind(kind)
    .bind(&bytes)
    .bind(&digest)
    .bind(auth.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.photo.upload", "patient", id)
            .patient(id)
            .changes(serde_json::json!({"content_type": kind, "bytes": bytes.len(), "sha256": hex::encode(&digest)})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", "Photo saved."))
}

pub async fn photo(State(state): State<AppState>, auth: Auth, patient: PatientCtx) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT content_type, data FROM patient_photos WHERE patient_id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?;
    let (ct, data) = row.ok_or(AppError::NotFound)?;
    audit::record_now(&state.pool, &auth.meta, Event::new("patient.photo.view", "patient", id).patient(id)).await?;
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("image/jpeg")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

pub async fn delete_photo(State(state): State<AppState>, auth: Auth, patient: PatientCtx) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query("DELETE FROM patient_photos WHERE patient_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n > 0 {
        audit::record(&mut tx, &auth.meta, Event::new("patient.photo.delete", "patient", id).patient(id)).await?;
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", "Photo removed."))
}
