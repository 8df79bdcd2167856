//! The chart's JSON API under `/api/v1/patients/{id}/...` and its OpenAPI description
//! (merged into the main document by `hearth_core::api`).

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::OpenApi;
use uuid::Uuid;

use super::allergies::{Allergy, AllergyList, NewAllergy};
use super::chart::TimelineItem;
use super::documents::{Document, DocumentVersion, Stored};
use super::encounters::{Encounter, NewEncounter};
use super::medications::{Medication, NewMedication};
use super::notes::{Addendum, NewNote, Note, NoteMeta};
use super::problems::{NewProblem, Problem};
use super::procedures::{NewProcedure, Procedure};
use super::vitals::{Vitals, VitalsInput};
use super::{
    allergies, audit_view, documents, encounters, icd, medications, notes, problems, procedures, vitals, ChartPatient,
};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::{HasPerms, Perm};
use hearth_core::web::paging::{PageParams, PageRequest, Paged, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::upload;
use hearth_core::web::Path;

#[derive(OpenApi)]
#[openapi(
    paths(
        icd::api_search,
        list_encounters, create_encounter, encounter_status,
        list_problems, create_problem, problem_status,
        list_allergies, create_allergy, record_nka, allergy_status,
        list_vitals, create_vitals,
        list_notes, create_note, get_note, update_note, sign_note, add_addendum,
        list_medications, create_medication, medication_status,
        list_procedures, create_procedure,
        list_documents, upload_document, get_document, upload_version, document_content,
        get_timeline,
    ),
    components(schemas(
        icd::IcdCode, Paged<Encounter>, Paged<Vitals>, Paged<NoteMeta>, Paged<Document>, Paged<Problem>,
        Paged<Medication>, Encounter, NewEncounter, Problem, NewProblem, Allergy, AllergyList, NewAllergy, allergies::Reaction, Vitals,
        VitalsInput, VitalsRecorded, NoteMeta, Note, Addendum, NewNote, NoteEdit, AddendumInput, Medication, NewMedication,
        TimelineItem, Paged<TimelineItem>, StatusChange, CreatedId, Document, DocumentVersion, DocumentUpload,
        VersionUpload, Stored, Procedure, NewProcedure, Paged<Procedure>
    )),
    tags((name = "chart", description = "The clinical record: encounters, problems (ICD-10-CM), allergies, vital signs, notes, home medications, documents"))
)]
pub struct EhrApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    EhrApiDoc::openapi()
}

/// The chart API's routes, each registered with its method in one call (see `hearth_core::api::ApiRoutes`).
pub fn routes() -> ApiRoutes {
    let p = "/api/v1/patients/{id}";
    let limit = documents::UPLOAD_BODY_LIMIT;
    ApiRoutes::new()
        .get("/api/v1/icd10", icd::api_search)
        .get(&format!("{p}/encounters"), list_encounters)
        .post(&format!("{p}/encounters"), create_encounter)
        .post(&format!("{p}/encounters/{{item}}/status"), encounter_status)
        .get(&format!("{p}/problems"), list_problems)
        .post(&format!("{p}/problems"), create_problem)
        .post(&format!("{p}/problems/{{item}}/status"), problem_status)
        .get(&format!("{p}/allergies"), list_allergies)
        .post(&format!("{p}/allergies"), create_allergy)
        .post(&format!("{p}/allergies/nka"), record_nka)
        .post(&format!("{p}/allergies/{{item}}/status"), allergy_status)
        .get(&format!("{p}/vitals"), list_vitals)
        .post(&format!("{p}/vitals"), create_vitals)
        .get(&format!("{p}/notes"), list_notes)
        .post(&format!("{p}/notes"), create_note)
        .get(&format!("{p}/notes/{{item}}"), get_note)
        .put(&format!("{p}/notes/{{item}}"), update_note)
        .post(&format!("{p}/notes/{{item}}/sign"), sign_note)
        .post(&format!("{p}/notes/{{item}}/addenda"), add_addendum)
        .get(&format!("{p}/medications"), list_medications)
        .post(&format!("{p}/medications"), create_medication)
        .post(&format!("{p}/medications/{{item}}/status"), medication_status)
        .get(&format!("{p}/procedures"), list_procedures)
        .post(&format!("{p}/procedures"), create_procedure)
        .get(&format!("{p}/timeline"), get_timeline)
        .get(&format!("{p}/documents"), list_documents)
        .post_upload(&format!("{p}/documents"), upload_document, limit)
        .get(&format!("{p}/documents/{{doc}}"), get_document)
        .post_upload(&format!("{p}/documents/{{doc}}/versions"), upload_version, limit)
        .get(&format!("{p}/documents/{{doc}}/versions/{{n}}/content"), document_content)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedId {
    id: Uuid,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// The new status (see each resource for its values and allowed moves).
    status: String,
    /// Why (kept with problems and allergies: the reason for resolving, setting inactive or
    /// marking entered in error; the pages require it there).
    #[serde(default)]
    reason: String,
    /// When it happened, for a past event (default now/today; not in the future): a problem's
    /// resolution date or a medication's stop date (YYYY-MM-DD), an encounter's end (RFC 3339;
    /// not before its start).
    #[serde(default)]
    date: String,
    /// Medications: stopped on a day that is not known (e.g. imported from a system that kept
    /// none): the stop date stays empty instead of today's. Not with `date`.
    #[serde(default)]
    date_unknown: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteEdit {
    title: String,
    body: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AddendumInput {
    body: String,
}

/// 409 for a duplicate active entry: a problem document with the existing entry's id
/// (`existing_id`); the client repeats with `record_anyway` and `duplicate_reason` to record it.
fn duplicate(detail: String, existing: Uuid) -> Response {
    let body =
        json!({"type": "about:blank", "title": "Conflict", "status": 409, "detail": detail, "existing_id": existing});
    let mut res = (StatusCode::CONFLICT, body.to_string()).into_response();
    res.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/problem+json"));
    res
}

fn created(id: Uuid) -> Response {
    (StatusCode::CREATED, Json(CreatedId { id })).into_response()
}

/// The page a list call asks for (`limit` 1..[`crate::PAGE_MAX`], default [`crate::PAGE_SIZE`]).
fn page_request(q: &PageParams) -> AppResult<PageRequest<TimeId>> {
    PageRequest::new(q, crate::PAGE_SIZE, crate::PAGE_MAX)
}

/// Checks the permission; returns the patient's id and date of birth. (The record itself was
/// checked by the `ChartPatient` argument: exists, and the caller may open it.)
fn patient(auth: &Auth, ctx: ChartPatient, perm: Perm) -> AppResult<(Uuid, Option<time::Date>)> {
    auth.require(perm)?;
    Ok((ctx.id, ctx.data.birth_date))
}

// ---------------------------------------------------------------- encounters

/// The patient's encounters, newest first, a page at a time (`limit` 1..200, default 50).
#[utoipa::path(get, path = "/api/v1/patients/{id}/encounters", params(("id" = Uuid, Path), PageParams), responses((status = 200, body = Paged<Encounter>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_encounters(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<Encounter>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = encounters::paged(&s.pool, pid, &page_request(&q)?).await?;
    audit_view(&s.pool, &auth.meta, pid, "encounters").await?;
    Ok(Json(rows))
}

/// Records an encounter.
#[utoipa::path(post, path = "/api/v1/patients/{id}/encounters", params(("id" = Uuid, Path)), request_body = NewEncounter, responses((status = 201, body = CreatedId), (status = 422, description = "Validation failed; `detail` names the fields"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_encounter(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewEncounter>,
) -> AppResult<Response> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(&s.pool, &Zone::utc(), None).await??;
    let mut tx = s.pool.begin().await?;
    let eid = encounters::insert(&mut tx, &auth.meta, pid, &v).await?;
    tx.commit().await?;
    Ok(created(eid))
}

/// Moves an encounter along planned → arrived → in_progress → finished (or cancelled).
#[utoipa::path(post, path = "/api/v1/patients/{id}/encounters/{item}/status", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = StatusChange, responses((status = 204), (status = 409, description = "Transition not allowed"), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn encounter_status(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<StatusChange>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    let mut e = hearth_core::error::FieldErrors::default();
    let ended = crate::read_time(&mut e, &Zone::utc(), "date", Some(&body.date), None);
    e.into_result()?;
    encounters::change_status(&mut tx, &auth.meta, pid, item, body.status.trim(), ended).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- problems

/// The problem list (active first), whole: a clinician sees every entry at once, so `next` is
/// always null (the list is bounded at 500 entries).
#[utoipa::path(get, path = "/api/v1/patients/{id}/problems", params(("id" = Uuid, Path)), responses((status = 200, body = Paged<Problem>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_problems(State(s): State<AppState>, auth: Auth, ctx: ChartPatient) -> AppResult<Json<Paged<Problem>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = problems::list(&s.pool, pid, false).await?;
    audit_view(&s.pool, &auth.meta, pid, "problems").await?;
    Ok(Json(Paged { items: rows, next: None }))
}

/// Adds a problem: coded with a billable ICD-10-CM code (`icd_code`), or in another system
/// (`system` + `code` + `display`, e.g. SNOMED CT, with `icd_code` optional), or as free text
/// (`display` alone). A problem recorded resolved takes `resolved_date`.
#[utoipa::path(post, path = "/api/v1/patients/{id}/problems", params(("id" = Uuid, Path)), request_body = NewProblem, responses((status = 201, body = CreatedId), (status = 409, description = "The code is already an active problem; `existing_id` names it"), (status = 422, description = "Unknown or non-billable ICD-10-CM code, a malformed coding, bad onset or resolution date"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_problem(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewProblem>,
) -> AppResult<Response> {
    let (pid, birth) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(&s.pool, pid, birth, crate::today(), &Zone::utc()).await??;
    let mut tx = s.pool.begin().await?;
    if v.checks_duplicates() {
        if let Some(d) = problems::find_duplicate(&mut tx, pid, &v).await? {
            let detail = format!(
                "{} is already an active problem; update it, or repeat with record_anyway and duplicate_reason.",
                d.label()
            );
            return Ok(duplicate(detail, d.id));
        }
    }
    let new = problems::insert(&mut tx, &auth.meta, pid, &v).await?;
    tx.commit().await?;
    Ok(created(new))
}

/// Resolves, re-activates or marks a problem entered in error.
#[utoipa::path(post, path = "/api/v1/patients/{id}/problems/{item}/status", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = StatusChange, responses((status = 204), (status = 409), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn problem_status(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<StatusChange>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    problems::change_status(
        &mut tx,
        &auth.meta,
        pid,
        item,
        body.status.trim(),
        &body.reason,
        &body.date,
        crate::today(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- allergies

/// Allergies, with whether "no known allergies" is recorded.
#[utoipa::path(get, path = "/api/v1/patients/{id}/allergies", params(("id" = Uuid, Path)), responses((status = 200, body = AllergyList), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_allergies(State(s): State<AppState>, auth: Auth, ctx: ChartPatient) -> AppResult<Json<AllergyList>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let items = allergies::list(&s.pool, pid).await?;
    let nka = allergies::nka(&s.pool, pid).await?;
    audit_view(&s.pool, &auth.meta, pid, "allergies").await?;
    let recorded = nka || items.iter().any(|a| a.status == "active");
    Ok(Json(AllergyList {
        no_known_allergies: nka,
        assessment: if recorded { "recorded" } else { "not_recorded" }.into(),
        items,
    }))
}

/// Records an allergy or intolerance (clears a recorded "no known allergies").
#[utoipa::path(post, path = "/api/v1/patients/{id}/allergies", params(("id" = Uuid, Path)), request_body = NewAllergy, responses((status = 201, body = CreatedId), (status = 409, description = "An active allergy to the substance is on file; `existing_id` names it"), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_allergy(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewAllergy>,
) -> AppResult<Response> {
    let (pid, birth) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(birth, crate::today(), &Zone::utc())?;
    let mut tx = s.pool.begin().await?;
    if !body.record_anyway {
        if let Some(d) = allergies::find_duplicate(&mut tx, pid, &v).await? {
            let detail = format!(
                "An active allergy to {} is already recorded; update it, or repeat with record_anyway and duplicate_reason.",
                d.substance
            );
            return Ok(duplicate(detail, d.id));
        }
    }
    let new = allergies::insert(&mut tx, &auth.meta, pid, &v).await?;
    tx.commit().await?;
    Ok(created(new))
}

/// Records "no known allergies" (409 while an active allergy is on file).
#[utoipa::path(post, path = "/api/v1/patients/{id}/allergies/nka", params(("id" = Uuid, Path)), responses((status = 204), (status = 409), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn record_nka(State(s): State<AppState>, auth: Auth, ctx: ChartPatient) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    allergies::insert_nka(&mut tx, &auth.meta, pid).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets an allergy active, inactive or entered in error.
#[utoipa::path(post, path = "/api/v1/patients/{id}/allergies/{item}/status", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = StatusChange, responses((status = 204), (status = 409), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn allergy_status(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<StatusChange>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    allergies::change_status(&mut tx, &auth.meta, pid, item, body.status.trim(), &body.reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- vitals

/// Vital signs, newest first (BMI computed), a page at a time (`limit` 1..200, default 50).
#[utoipa::path(get, path = "/api/v1/patients/{id}/vitals", params(("id" = Uuid, Path), PageParams), responses((status = 200, body = Paged<Vitals>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_vitals(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<Vitals>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = vitals::paged(&s.pool, pid, &page_request(&q)?).await?;
    audit_view(&s.pool, &auth.meta, pid, "vitals").await?;
    Ok(Json(rows))
}

/// Records vital signs at the precision measured (one parameter alone is a set); each value is
/// checked against its plausibility limits (422 naming the field). The answer flags each reading
/// for the patient's age band, gives NEWS2 for adults and says whether a clinical alert was raised.
#[utoipa::path(post, path = "/api/v1/patients/{id}/vitals", params(("id" = Uuid, Path)), request_body = VitalsInput, responses((status = 201, body = VitalsRecorded), (status = 422, description = "Out of range; `detail` names the field"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_vitals(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<VitalsInput>,
) -> AppResult<Response> {
    let (pid, birth) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(Default::default(), birth, &Zone::utc(), None)?;
    let mut tx = s.pool.begin().await?;
    let rec = vitals::insert(&mut tx, s.registry, &auth.meta, pid, birth, &v).await?;
    tx.commit().await?;
    let a = &rec.assessment;
    let body = VitalsRecorded {
        id: rec.id,
        flag: a.flag.map(|f| f.as_str().to_string()),
        flags: serde_json::json!(a.flags),
        news2: a.news2.as_ref().and_then(|n| n.total()),
        news2_band: a.news2_band().map(str::to_string),
        news2_missing: a.news2.as_ref().map(|n| n.missing.iter().map(|m| m.to_string()).collect()).unwrap_or_default(),
        warnings: rec.warnings,
        alert: rec.alert,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A recorded set of vital signs and what it showed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VitalsRecorded {
    id: Uuid,
    /// The worst reading for the patient's age band: normal, abnormal or critical.
    flag: Option<String>,
    /// Each reading's flag by field.
    #[schema(value_type = Object)]
    flags: serde_json::Value,
    /// NEWS2 total (adults, every parameter recorded).
    news2: Option<i32>,
    /// low, low_medium, medium, high, or incomplete; null for children.
    news2_band: Option<String>,
    /// The NEWS2 parameters not recorded (incomplete score).
    news2_missing: Vec<String>,
    /// Implausible changes against earlier measurements.
    warnings: Vec<String>,
    /// The clinical alert raised to the responsible clinician (critical reading, NEWS2 5 or
    /// more, or 3 in one parameter).
    alert: Option<Uuid>,
}

// ---------------------------------------------------------------- notes

/// Notes, newest first (metadata only; fetch one note for its text), a page at a time (`limit`
/// 1..200, default 50).
#[utoipa::path(get, path = "/api/v1/patients/{id}/notes", params(("id" = Uuid, Path), PageParams), responses((status = 200, body = Paged<NoteMeta>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_notes(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<NoteMeta>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = notes::paged(&s.pool, pid, &page_request(&q)?).await?;
    audit_view(&s.pool, &auth.meta, pid, "notes").await?;
    Ok(Json(rows))
}

/// Writes a draft note (`sign: true` signs it at once; needs notes.sign).
#[utoipa::path(post, path = "/api/v1/patients/{id}/notes", params(("id" = Uuid, Path)), request_body = NewNote, responses((status = 201, body = CreatedId), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_note(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewNote>,
) -> AppResult<Response> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    if body.wants_sign() {
        auth.require(crate::perms::NOTES_SIGN)?;
    }
    let v = body.validate(&s.pool, pid).await??;
    let mut tx = s.pool.begin().await?;
    let nid = notes::insert(&mut tx, &s.keys, &auth.meta, pid, &v).await?;
    if body.wants_sign() {
        notes::sign_note(&mut tx, &auth.meta, pid, nid).await?;
    }
    tx.commit().await?;
    Ok(created(nid))
}

/// One note with its text and addenda (the read is audited).
#[utoipa::path(get, path = "/api/v1/patients/{id}/notes/{item}", params(("id" = Uuid, Path), ("item" = Uuid, Path)), responses((status = 200, body = Note), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn get_note(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<Json<Note>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let n = notes::get(&s.pool, &s.keys, pid, item).await?;
    audit::record_now(
        &s.pool,
        &auth.meta,
        Event::new("chart.view", "note", n.meta.id).patient(pid).changes(json!({"section": "note"})),
    )
    .await?;
    Ok(Json(n))
}

/// Edits a draft (author only). Signed notes are locked: 409.
#[utoipa::path(put, path = "/api/v1/patients/{id}/notes/{item}", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = NoteEdit, responses((status = 204), (status = 409, description = "The note is signed"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn update_note(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<NoteEdit>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let (title, text) = notes::validate_edit(&body.title, &body.body)?;
    let mut tx = s.pool.begin().await?;
    notes::update_draft(&mut tx, &s.keys, &auth.meta, pid, item, &title, &text).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs a draft note (its author only, with notes.sign); it is locked from then on.
#[utoipa::path(post, path = "/api/v1/patients/{id}/notes/{item}/sign", params(("id" = Uuid, Path), ("item" = Uuid, Path)), responses((status = 204), (status = 409, description = "Already signed"), (status = 403, description = "Not the note's author, or no notes.sign"), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn sign_note(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::NOTES_SIGN)?;
    let mut tx = s.pool.begin().await?;
    notes::sign_note(&mut tx, &auth.meta, pid, item).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds an addendum to a signed note (the only way to correct it).
#[utoipa::path(post, path = "/api/v1/patients/{id}/notes/{item}/addenda", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = AddendumInput, responses((status = 201, body = CreatedId), (status = 409, description = "The note is a draft"), (status = 422), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn add_addendum(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<AddendumInput>,
) -> AppResult<Response> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    let aid = notes::insert_addendum(&mut tx, &s.keys, &auth.meta, pid, item, &body.body).await?;
    tx.commit().await?;
    Ok(created(aid))
}

// ---------------------------------------------------------------- procedures

/// The procedure history, newest first, whole (bounded at 1000 entries): `next` is always null.
#[utoipa::path(get, path = "/api/v1/patients/{id}/procedures", params(("id" = Uuid, Path)), responses((status = 200, body = Paged<Procedure>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_procedures(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
) -> AppResult<Json<Paged<Procedure>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = procedures::list(&s.pool, pid).await?;
    audit_view(&s.pool, &auth.meta, pid, "procedures").await?;
    Ok(Json(Paged { items: rows, next: None }))
}

/// Adds a past procedure: coded (`system` + `code`: SNOMED CT, CPT, ICD-10-PCS or the source's
/// own URI) or free text (`display` alone), performed at `performed_start` (to `performed_end`
/// for a period), optionally in one of the patient's encounters, with the source's author and
/// recording time.
#[utoipa::path(post, path = "/api/v1/patients/{id}/procedures", params(("id" = Uuid, Path)), request_body = NewProcedure, responses((status = 201, body = CreatedId), (status = 422, description = "A malformed coding, a date in the future or an end before the start, another patient's encounter"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_procedure(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewProcedure>,
) -> AppResult<Response> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(&s.pool, pid, &Zone::utc()).await??;
    let mut tx = s.pool.begin().await?;
    let new = procedures::insert(&mut tx, &auth.meta, pid, &v).await?;
    tx.commit().await?;
    Ok(created(new))
}

// ---------------------------------------------------------------- medications

/// The home medication list (active first), whole like the problem list: `next` is always null
/// (bounded at 500 entries).
#[utoipa::path(get, path = "/api/v1/patients/{id}/medications", params(("id" = Uuid, Path)), responses((status = 200, body = Paged<Medication>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_medications(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
) -> AppResult<Json<Paged<Medication>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = medications::list(&s.pool, pid, false).await?;
    audit_view(&s.pool, &auth.meta, pid, "medications").await?;
    Ok(Json(Paged { items: rows, next: None }))
}

/// Adds a home medication.
#[utoipa::path(post, path = "/api/v1/patients/{id}/medications", params(("id" = Uuid, Path)), request_body = NewMedication, responses((status = 201, body = CreatedId), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn create_medication(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Json(body): Json<NewMedication>,
) -> AppResult<Response> {
    let (pid, birth) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let v = body.validate(birth, crate::today(), &Zone::utc())?;
    let mut tx = s.pool.begin().await?;
    let new = medications::insert(&mut tx, &auth.meta, pid, &v).await?;
    tx.commit().await?;
    Ok(created(new))
}

/// Stops a home medication or marks it entered in error.
#[utoipa::path(post, path = "/api/v1/patients/{id}/medications/{item}/status", params(("id" = Uuid, Path), ("item" = Uuid, Path)), request_body = StatusChange, responses((status = 204), (status = 409), (status = 422), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn medication_status(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Json(body): Json<StatusChange>,
) -> AppResult<StatusCode> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_WRITE)?;
    let mut tx = s.pool.begin().await?;
    medications::change_status(
        &mut tx,
        &auth.meta,
        pid,
        item,
        body.status.trim(),
        &body.reason,
        &body.date,
        body.date_unknown,
        crate::today(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- documents

/// A new document (multipart/form-data).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body in the OpenAPI document; read by web::upload::read")]
pub struct DocumentUpload {
    /// The file: PDF, JPEG or PNG, at most 10 MiB. The type is sniffed from the bytes and must
    /// agree with the file name's extension (.pdf, .jpg/.jpeg, .png), else 422.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Defaults to the file name without its extension.
    title: Option<String>,
    /// referral_letter, discharge_summary, lab_report, imaging_report, consent_form, correspondence or other.
    category: String,
    /// YYYY-MM-DD: the date the document was written (not in the future).
    document_date: Option<String>,
    comment: Option<String>,
}

/// A new version of a document (multipart/form-data).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body in the OpenAPI document; read by web::upload::read")]
pub struct VersionUpload {
    /// The file, with the same rules as a new document.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What changed.
    comment: Option<String>,
}

/// Checks chart.write and that the record can take documents (not merged away).
fn writable(auth: &Auth, ctx: ChartPatient) -> AppResult<super::Banner> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = ctx.banner("api");
    documents::refuse_merged(&b)?;
    Ok(b)
}

/// The patient's documents, newest first, with every version's metadata (contents are fetched
/// one by one), a page at a time (`limit` 1..200, default 50).
#[utoipa::path(get, path = "/api/v1/patients/{id}/documents", params(("id" = Uuid, Path), PageParams), responses((status = 200, body = Paged<Document>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn list_documents(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Json<Paged<Document>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let rows = documents::paged(&s.pool, pid, &page_request(&q)?).await?;
    audit_view(&s.pool, &auth.meta, pid, "documents").await?;
    Ok(Json(rows))
}

/// Uploads a document (version 1); its SHA-256 is stored and returned.
#[utoipa::path(post, path = "/api/v1/patients/{id}/documents", params(("id" = Uuid, Path)), request_body(content = DocumentUpload, content_type = "multipart/form-data"), responses((status = 201, body = Stored), (status = 413, description = "The file is larger than 10 MiB"), (status = 422, description = "Missing fields, or the file is not what its name says"), (status = 409, description = "The record was merged into another"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn upload_document(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    mut mp: Multipart,
) -> AppResult<Response> {
    let b = writable(&auth, ctx)?;
    let up = upload::read(&mut mp, &[documents::FILE]).await?;
    let (m, f) = documents::validate_new(&up, b.birth_date, crate::today())?;
    let mut tx = s.pool.begin().await?;
    let stored = documents::insert(&mut tx, &auth.meta, b.id, &m, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// One document with its versions (the read is audited).
#[utoipa::path(get, path = "/api/v1/patients/{id}/documents/{doc}", params(("id" = Uuid, Path), ("doc" = Uuid, Path)), responses((status = 200, body = Document), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn get_document(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, doc)): Path<(String, Uuid)>,
) -> AppResult<Json<Document>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let d = documents::get(&s.pool, pid, doc).await?;
    audit::record_now(
        &s.pool,
        &auth.meta,
        Event::new("chart.view", "document", d.id).patient(pid).changes(json!({"section": "document"})),
    )
    .await?;
    Ok(Json(d))
}

/// Adds a version to a document; the earlier versions are kept unchanged.
#[utoipa::path(post, path = "/api/v1/patients/{id}/documents/{doc}/versions", params(("id" = Uuid, Path), ("doc" = Uuid, Path)), request_body(content = VersionUpload, content_type = "multipart/form-data"), responses((status = 201, body = Stored), (status = 413), (status = 422), (status = 409), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn upload_version(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, doc)): Path<(String, Uuid)>,
    mut mp: Multipart,
) -> AppResult<Response> {
    let b = writable(&auth, ctx)?;
    let up = upload::read(&mut mp, &[documents::FILE]).await?;
    let (f, comment) = documents::validate_version(&up)?;
    let mut tx = s.pool.begin().await?;
    let stored = documents::insert_version(&mut tx, &auth.meta, b.id, doc, &f, &comment).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// The bytes of one version, as an attachment with its stored content type; audited as
/// `document.download`.
#[utoipa::path(get, path = "/api/v1/patients/{id}/documents/{doc}/versions/{n}/content", params(("id" = Uuid, Path), ("doc" = Uuid, Path), ("n" = i32, Path, description = "Version number, from 1")), responses((status = 200, description = "The file (application/pdf, image/jpeg or image/png)"), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn document_content(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Path((_, doc, n)): Path<(String, Uuid, i32)>,
) -> AppResult<Response> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    documents::serve(&s.pool, &auth.meta, pid, doc, n, true).await
}

// ---------------------------------------------------------------- timeline

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// The `next` cursor of the previous page (400 if it is not one). `before` is accepted too.
    #[serde(alias = "before")]
    #[param(max_length = 512)]
    after: Option<String>,
    /// 1..200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// Encounters and clinical events, newest first (keyset pagination).
#[utoipa::path(get, path = "/api/v1/patients/{id}/timeline", params(("id" = Uuid, Path), TimelineParams), responses((status = 200, body = Paged<TimelineItem>), (status = 400), (status = 403), (status = 404)), security(("bearer" = [])), tag = "chart")]
async fn get_timeline(
    State(s): State<AppState>,
    auth: Auth,
    ctx: ChartPatient,
    Query(q): Query<TimelineParams>,
) -> AppResult<Json<Paged<TimelineItem>>> {
    let (pid, _) = patient(&auth, ctx, crate::perms::CHART_READ)?;
    let req = PageRequest::parse(q.after.as_deref(), q.limit, 50, 200)?;
    let page = hearth_patients::timeline::page(&s.pool, s.registry, pid, &req).await?;
    audit_view(&s.pool, &auth.meta, pid, "timeline").await?;
    Ok(Json(page))
}
