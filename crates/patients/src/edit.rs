//! Changing a record: demographics (audited before/after), closing and reopening, recording a
//! death, emergency contacts, and the photo.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use super::context::PatientCtx;
use super::model::{clean, parse_date, validate_phone, EmergencyContact, NewPatient, SEXES};
use super::register::FormPage;
use super::repo;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::{parse_offset, Zone};
use hearth_core::web::upload::{self, Disposition, FileRule};
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

pub const PHOTO_MAX_BYTES: usize = 512 * 1024;
/// The photo field: a JPEG or PNG (sniffed), its name's extension, if any, agreeing.
pub const PHOTO: FileRule = FileRule::new("photo", PHOTO_MAX_BYTES, &[upload::JPEG, upload::PNG]).allow_bare_names();

fn edit_page(page: Page, id: Uuid, form: NewPatient, errors: FieldErrors, was_unidentified: bool) -> FormPage {
    FormPage {
        errors: crate::i18n::localise_errors(&page, errors),
        page: {
            let t = |k: &str| page.t(k);
            let (title, list, patient, edit) =
                (t("patients-edit-heading"), t("nav-patients"), t("patients-crumb-patient"), t("patients-crumb-edit"));
            page.titled(title)
                .crumb(list, "/patients")
                .crumb(patient, format!("/patients/{id}"))
                .crumb(edit, format!("/patients/{id}/edit"))
        },
        form,
        sexes: SEXES,
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
    let mut p = repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    p.gate_race_ethnicity(state.config.record_race_ethnicity);
    if p.summary.merged_into.is_some() {
        return Err(AppError::Conflict("This record was merged; edit the surviving record instead.".into()));
    }
    let unidentified = p.summary.unidentified;
    let form = NewPatient { record_race_ethnicity: state.config.record_race_ethnicity, ..p.to_form() };
    web::render(&edit_page(page, id, form, FieldErrors::default(), unidentified))
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(mut form): Form<NewPatient>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    form.record_race_ethnicity = state.config.record_race_ethnicity;
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
            let msg = if changes.as_object().is_some_and(|o| o.is_empty()) {
                "patients-nothing-changed"
            } else {
                "patients-saved"
            };
            Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t(msg)))
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
    let errors = crate::i18n::localise_errors(&page, errors);
    let (title, list) = (page.t("patients-close-title"), page.t("nav-patients"));
    Ok(ClosePage {
        page: page
            .titled(title.clone())
            .crumb(list, "/patients")
            .crumb(name.clone(), format!("/patients/{id}"))
            .crumb(title, format!("/patients/{id}/close")),
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
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t("patients-close-done")))
}

pub async fn reactivate(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    repo::set_active(&mut tx, id, true, "reopened", &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t("patients-reopen-done")))
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
            // Every module cancels what must not happen any more, with the death, or nothing.
            for m in state.registry.modules() {
                if let Some(on_death) = m.on_death {
                    on_death(&mut tx, &auth.meta, id).await?;
                }
            }
            tx.commit().await?;
            Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t("patients-death-done")))
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

pub async fn upload_photo(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    let form = upload::read(&mut mp, &[PHOTO]).await?;
    let Some(received) = form.file(PHOTO.field) else {
        return Err(AppError::field("photo", "Choose a photo to upload."));
    };
    let photo = PHOTO.check(received).map_err(|m| AppError::field("photo", m))?;
    let (kind, bytes, digest) = (photo.content_type(), photo.bytes, photo.sha256);
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
    let name = if ct == "image/png" { "photo.png" } else { "photo.jpg" };
    Ok(upload::serve(data, &ct, name, Disposition::Inline))
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
