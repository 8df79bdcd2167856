//! Rights of the patient: export of the registry record (JSON, structured for reuse by FHIR and
//! extended by the EHR with clinical sections), a printable summary, and erasure /
//! rectification requests. Administrative data can be corrected; on an approved erasure the
//! identity is pseudonymised and clinical data kept (retention rules).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{self, TeamMember};
use super::consent::{self, Consent};
use super::context::PatientCtx;
use super::model::{EmergencyContactView, PatientDetail};
use super::repo::{self, ChangeError};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

pub const EXPORT_FORMAT: &str = "hearth.patient-export/1";

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RightsRequest {
    pub id: Uuid,
    pub kind: String,
    pub details: String,
    pub status: String,
    pub requested_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub decision_note: String,
}

impl RightsRequest {}

pub async fn list_requests(pool: &PgPool, patient_id: Uuid) -> sqlx::Result<Vec<RightsRequest>> {
    sqlx::query_as(
        "SELECT r.id, r.kind, r.details, r.status, a.display_name AS requested_by, r.requested_at,
                d.display_name AS decided_by, r.decided_at, r.decision_note
         FROM patient_rights_requests r LEFT JOIN users a ON a.id = r.requested_by LEFT JOIN users d ON d.id = r.decided_by
         WHERE r.patient_id = $1 ORDER BY r.requested_at DESC",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await
}

/// The whole record as JSON: the registry's `{format, exported_at, patient, emergency_contacts,
/// consents, care_team, rights_requests, merged_records, photo}` plus every module's export
/// sections (the chart's encounters, problems, allergies, vital signs, notes with their text,
/// home medications, document metadata…) that the caller holds the module's permission for;
/// the others are listed under `omitted_sections`. Audited as `patient.export` with the
/// sections included.
pub async fn export(state: &AppState, id: Uuid, user: &CurrentUser, meta: &AuditMeta) -> AppResult<Option<Value>> {
    let (pool, keys) = (&state.pool, &*state.keys);
    let mut conn = pool.acquire().await?;
    let Some(p) = repo::load(&mut conn, keys, id, false).await? else { return Ok(None) };
    drop(conn);
    let contacts = repo::emergency_contacts(pool, keys, id).await?;
    let consents = consent::history(pool, id).await?;
    let team: Vec<Value> = access::team(pool, id)
        .await?
        .into_iter()
        .map(|t| json!({"user_id": t.user_id, "name": t.display_name, "role": t.role}))
        .collect();
    let requests = list_requests(pool, id).await?;
    let merged: Vec<Value> =
        repo::merged_from(pool, id).await?.into_iter().map(|(id, mrn)| json!({"id": id, "mrn": mrn})).collect();
    let photo: Option<(String, Vec<u8>, i32)> =
        sqlx::query_as("SELECT content_type, sha256, length(data) FROM patient_photos WHERE patient_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let now = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut doc = json!({
        "format": EXPORT_FORMAT,
        "exported_at": now,
        "patient": p,
        "emergency_contacts": contacts,
        "consents": consents,
        "care_team": team,
        "rights_requests": requests,
        "merged_records": merged,
        "photo": photo.map(|(ct, sha, len)| json!({"content_type": ct, "sha256": hex::encode(sha), "bytes": len,
            "href": format!("/patients/{id}/photo")})),
    });
    let (mut included, mut omitted): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for m in state.registry.modules() {
        let Some(ex) = &m.export else { continue };
        if !user.can(ex.perm) {
            omitted.extend(ex.sections);
            continue;
        }
        if let (Some(o), Value::Object(c)) = (doc.as_object_mut(), (ex.fetch)(state, id).await?) {
            o.extend(c);
        }
        included.extend(ex.sections);
    }
    let sections = if omitted.is_empty() {
        json!({"clinical_sections": included})
    } else {
        doc["omitted_sections"] = json!(omitted);
        doc["omitted_reason"] = json!("These sections need permissions the caller does not hold.");
        json!({"clinical_sections": included, "omitted": omitted})
    };
    audit::record_now(pool, meta, Event::new("patient.export", "patient", id).patient(id).changes(sections)).await?;
    Ok(Some(doc))
}

pub async fn export_json(State(state): State<AppState>, auth: Auth, patient: PatientCtx) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    let doc = export(&state, id, &auth.user, &auth.meta).await?.ok_or(AppError::NotFound)?;
    let mrn = doc["patient"]["mrn"]
        .as_str()
        .unwrap_or("patient")
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let mut res = axum::Json(doc).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"patient-{mrn}.json\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "patients/summary.html")]
struct SummaryPage {
    page: Page,
    p: PatientDetail,
    contacts: Vec<EmergencyContactView>,
    consents: Vec<Consent>,
    team: Vec<TeamMember>,
    printed_at: String,
}

pub async fn summary(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    let mut conn = state.pool.acquire().await?;
    let p = repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    audit::record(&mut conn, &auth.meta, Event::new("patient.print", "patient", id).patient(id)).await?;
    drop(conn);
    let contacts = repo::emergency_contacts(&state.pool, &state.keys, id).await?;
    let consents = consent::current(&consent::history(&state.pool, id).await?);
    let team = access::team(&state.pool, id).await?;
    let name = p.summary.full_name();
    let now = OffsetDateTime::now_utc();
    let page_zone = page.zone.clone();
    let (title, list, crumb) =
        (page.t1("patients-sum-title", "name", &name), page.t("nav-patients"), page.t("patients-sum-crumb"));
    web::render(&SummaryPage {
        page: page
            .titled(title)
            .crumb(list, "/patients")
            .crumb(name, format!("/patients/{id}"))
            .crumb(crumb, format!("/patients/{id}/registration-summary")),
        p,
        contacts,
        consents,
        team,
        printed_at: page_zone.datetime_zoned(now),
    })
}

#[derive(Template)]
#[template(path = "patients/requests.html")]
struct RequestsPage {
    page: Page,
    id: Uuid,
    mrn: String,
    name: String,
    requests: Vec<RightsRequest>,
    can_decide: bool,
    can_file: bool,
    kind: String,
    details: String,
    errors: FieldErrors,
}

async fn requests_page(
    state: &AppState,
    page: Page,
    auth: &Auth,
    id: Uuid,
    kind: String,
    details: String,
    errors: FieldErrors,
) -> AppResult<RequestsPage> {
    let mut conn = state.pool.acquire().await?;
    let p = repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let name = p.summary.full_name();
    let errors = crate::i18n::localise_errors(&page, errors);
    let (title, list, crumb) =
        (page.t("patients-req-heading"), page.t("nav-patients"), page.t("patients-req-requests"));
    Ok(RequestsPage {
        page: page
            .titled(title)
            .crumb(list, "/patients")
            .crumb(name.clone(), format!("/patients/{id}"))
            .crumb(crumb, format!("/patients/{id}/requests")),
        id,
        mrn: p.summary.mrn,
        name,
        requests: list_requests(&state.pool, id).await?,
        can_decide: auth.can(crate::perms::PATIENTS_RIGHTS),
        can_file: auth.can(crate::perms::PATIENTS_WRITE) || auth.can(crate::perms::PATIENTS_RIGHTS),
        kind,
        details,
        errors,
    })
}

pub async fn requests(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    web::render(
        &requests_page(&state, page, &auth, id, "rectification".into(), String::new(), FieldErrors::default()).await?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RequestForm {
    kind: String,
    details: String,
}

pub async fn file_request(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<RequestForm>,
) -> AppResult<Response> {
    if !(auth.can(crate::perms::PATIENTS_WRITE) || auth.can(crate::perms::PATIENTS_RIGHTS)) {
        return Err(AppError::Forbidden);
    }
    let id = patient.id;
    let details = f.details.trim().to_string();
    let mut errors = FieldErrors::default();
    if !["rectification", "erasure"].contains(&f.kind.as_str()) {
        errors.add("kind", "Choose rectification or erasure.");
    }
    if details.is_empty() || details.chars().count() > 2000 {
        errors.add("details", "Describe the request (at most 2000 characters).");
    }
    if !errors.is_empty() {
        let t = requests_page(&state, page, &auth, id, f.kind, details, errors).await?;
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let mut tx = state.pool.begin().await?;
    let rid = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_rights_requests (id, patient_id, kind, details, requested_by) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(rid)
    .bind(id)
    .bind(&f.kind)
    .bind(&details)
    .bind(auth.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.request.file", "patient_rights_request", rid).patient(id).changes(json!({"kind": f.kind})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}/requests"), "ok", &page.t("patients-req-filed")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    decision: String,
    note: String,
}

/// Replaces the identity with a pseudonym and clears contacts and identifiers (and their blind
/// indexes), keeping the MRN, sex, the birth year and everything clinical.
pub async fn pseudonymise(conn: &mut PgConnection, id: Uuid, meta: &AuditMeta) -> Result<(), ChangeError> {
    let merged: Option<Uuid> = sqlx::query_scalar("SELECT merged_into FROM patients WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    if merged.is_some() {
        return Err(ChangeError::Refused("This record was merged; erase the surviving record.".into()));
    }
    sqlx::query(
        "UPDATE patients SET given_name = 'Erased', family_name = 'Erased', middle_name = NULL, preferred_name = NULL,
            gender_identity = NULL,
            birth_date = make_date(extract(year FROM birth_date)::int, 1, 1), birth_date_estimated = birth_date IS NOT NULL,
            phone_enc = NULL, phone_bidx = NULL, phone_tail_bidx = NULL, email_enc = NULL, email_bidx = NULL,
            national_id_enc = NULL, national_id_bidx = NULL, insurance_enc = NULL, insurance_bidx = NULL,
            address_enc = NULL, preferred_language = NULL, preferred_language_legacy = NULL, unidentified_note = NULL, erased_at = now(),
            address_parts_enc = NULL, race_enc = NULL, ethnicity_enc = NULL, marital_status = NULL,
            name_prefix = NULL, name_suffix = NULL
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let contacts = sqlx::query("DELETE FROM patient_emergency_contacts WHERE patient_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let identifiers = sqlx::query("DELETE FROM patient_identifiers WHERE patient_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let names = sqlx::query("DELETE FROM patient_names WHERE patient_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let photos = sqlx::query("DELETE FROM patient_photos WHERE patient_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    audit::record(
        conn,
        meta,
        Event::new("patient.erase", "patient", id).patient(id).changes(json!({
            "pseudonymised": ["given_name", "family_name", "middle_name", "preferred_name", "gender_identity",
                "birth_date (year kept)", "phone", "email", "national_id", "insurance_number", "address",
                "preferred_language", "unidentified_note", "address_parts", "race", "ethnicity", "marital_status", "name_prefix", "name_suffix"],
            "emergency_contacts_removed": contacts, "photo_removed": photos > 0,
            "other_identifiers_removed": identifiers, "other_names_removed": names,
        })),
    )
    .await?;
    Ok(())
}

pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Path((_, rid)): Path<(String, Uuid)>,
    Form(f): Form<DecideForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_RIGHTS)?;
    let id = patient.id;
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::Unprocessable("Choose approve or reject.".into())),
    };
    let note: String = f.note.trim().chars().take(1000).collect();
    let mut tx = state.pool.begin().await?;
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT kind, status FROM patient_rights_requests WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(rid)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (kind, status) = row.ok_or(AppError::NotFound)?;
    if status != "pending" {
        return Err(AppError::Conflict("This request has already been decided.".into()));
    }
    sqlx::query(
        "UPDATE patient_rights_requests SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4 WHERE id = $1",
    )
    .bind(rid)
    .bind(if approve { "approved" } else { "rejected" })
    .bind(auth.id)
    .bind(&note)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.request.decide", "patient_rights_request", rid)
            .patient(id)
            .changes(json!({"kind": kind, "decision": if approve { "approved" } else { "rejected" }, "note": note})),
    )
    .await?;
    if approve && kind == "erasure" {
        pseudonymise(&mut tx, id, &auth.meta).await?;
    }
    tx.commit().await?;
    let (to, msg) = match (approve, kind.as_str()) {
        (false, _) => (format!("/patients/{id}/requests"), "patients-req-rejected"),
        (true, "erasure") => (format!("/patients/{id}"), "patients-req-erasure-approved"),
        (true, _) if auth.can(crate::perms::PATIENTS_WRITE) => {
            (format!("/patients/{id}/edit"), "patients-req-rectification-now")
        }
        (true, _) => (format!("/patients/{id}/requests"), "patients-req-rectification-staff"),
    };
    Ok(web::redirect_flash(&to, "ok", &page.t(msg)))
}
