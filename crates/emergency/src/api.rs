//! The emergency department's JSON API (`/api/v1/emergency/...`): arrivals, visits (shaped for
//! FHIR Encounter, class EMER, priority from ESI), triage (ESI as an Observation), assignment,
//! disposition, departure, the board, bays and the admissions waiting for a bed.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::board::{BoardQuery, BoardRow};
use crate::model::{ArrivalForm, AssignForm, Bay, BayForm, DispositionForm, Triage, TriageForm, Visit};
use crate::pages::{facility, register_arrival};
use crate::repo::AdmitDecision;
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;
use hearth_patients::banner::ChartPatient;

#[derive(OpenApi)]
#[openapi(
    paths(board, arrive, show, triage, triages, assign, dispose, depart, patient_visits, bays, bay_create, admissions),
    components(schemas(BoardRow, ArrivalForm, Arrived, VisitDetail, Visit, Triage, TriageForm, Triaged, AssignForm,
                       DispositionForm, Bay, BayForm, EmergencyCreated, AdmitDecision)),
    tags((name = "emergency", description = "The emergency department: arrivals, ESI v4 triage, tracking board, bays, disposition"))
)]
struct EmergencyApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    EmergencyApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    let v = "/api/v1/emergency/visits";
    ApiRoutes::new()
        .get("/api/v1/emergency/board", board)
        .post(v, arrive)
        .get(&format!("{v}/{{visit}}"), show)
        .post(&format!("{v}/{{visit}}/triage"), triage)
        .get(&format!("{v}/{{visit}}/triage"), triages)
        .post(&format!("{v}/{{visit}}/assignment"), assign)
        .post(&format!("{v}/{{visit}}/disposition"), dispose)
        .post(&format!("{v}/{{visit}}/departure"), depart)
        .get("/api/v1/patients/{id}/emergency/visits", patient_visits)
        .get("/api/v1/emergency/bays", bays)
        .post("/api/v1/emergency/bays", bay_create)
        .get("/api/v1/emergency/admissions", admissions)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmergencyCreated {
    id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EdArrived)]
pub struct Arrived {
    /// The ED visit.
    id: Uuid,
    patient_id: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Triaged {
    id: Uuid,
    /// The algorithm's level.
    computed_esi: u8,
    /// The decision point that decided it: A, B, fever, C or D.
    decided_by: &'static str,
    /// The final level.
    esi: u8,
    /// Prompts shown (danger-zone vital signs, fever rules).
    prompts: Vec<String>,
}

/// A visit with its triage history, as a FHIR R4 Encounter (class EMER, priority from ESI) and
/// the latest ESI level as a FHIR Observation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VisitDetail {
    visit: Visit,
    triages: Vec<Triage>,
    #[schema(value_type = Object)]
    fhir_encounter: Value,
    #[schema(value_type = Option<Object>)]
    esi_observation: Option<Value>,
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// FHIR v3 ActPriority of an ESI level.
fn act_priority(esi: i16) -> (&'static str, &'static str) {
    match esi {
        1 => ("S", "stat"),
        2 => ("EM", "emergency"),
        3 => ("UR", "urgent"),
        _ => ("R", "routine"),
    }
}

/// The visit as a FHIR R4 Encounter.
pub fn fhir_encounter(v: &Visit) -> Value {
    let mut e = json!({
        "resourceType": "Encounter",
        "id": v.encounter_id.unwrap_or(v.id),
        "identifier": [{"system": "urn:hearth:ed-visit", "value": v.id}],
        "status": if v.open() { "in-progress" } else { "finished" },
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER", "display": "emergency"},
        "subject": {"reference": format!("Patient/{}", v.patient_id)},
        "period": {"start": rfc(v.arrived_at)},
        "reasonCode": [{"text": v.chief_complaint}],
        "hospitalization": {
            "admitSource": {"coding": [{"system": "urn:hearth:ed-arrival-mode", "code": v.arrival_mode}]},
        },
        "serviceProvider": {"reference": format!("Organization/{}", v.facility_id)},
    });
    if let Some(esi) = v.esi {
        let (code, display) = act_priority(esi);
        e["priority"] = json!({
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": code, "display": display}],
            "text": format!("ESI {esi}"),
        });
    }
    if let Some(end) = v.departed_at {
        e["period"]["end"] = json!(rfc(end));
    }
    if let Some(d) = &v.disposition {
        let code = match d.as_str() {
            "admit" => "admitted",
            "transfer" => "other-hcf",
            "discharge" => "home",
            "lwbs" | "lama" => "aadvice",
            "deceased" => "exp",
            _ => "oth",
        };
        e["hospitalization"]["dischargeDisposition"] = json!({
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/discharge-disposition", "code": code}],
            "text": d,
        });
    }
    if let Some(bay) = &v.bay {
        e["location"] = json!([{"location": {"display": bay}, "status": "active"}]);
    }
    let mut participants = Vec::new();
    if let Some(c) = v.clinician_id {
        participants.push(json!({"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "ATND"}]}],
                                 "individual": {"reference": format!("Practitioner/{c}")}}));
    }
    if let Some(n) = v.nurse_id {
        participants.push(json!({"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PART"}]}],
                                 "individual": {"reference": format!("Practitioner/{n}")}}));
    }
    if !participants.is_empty() {
        e["participant"] = json!(participants);
    }
    e
}

/// The triage's ESI level as a FHIR Observation (an assessment).
pub fn esi_observation(v: &Visit, t: &Triage) -> Value {
    json!({
        "resourceType": "Observation",
        "id": t.id,
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}],
        "code": {"coding": [{"system": "urn:hearth:assessment", "code": "esi-v4", "display": "Emergency Severity Index v4"}],
                 "text": "ESI triage level"},
        "subject": {"reference": format!("Patient/{}", v.patient_id)},
        "encounter": {"reference": format!("Encounter/{}", v.encounter_id.unwrap_or(v.id))},
        "effectiveDateTime": rfc(t.triaged_at),
        "valueInteger": t.esi,
        "derivedFrom": t.vitals_id.map(|id| vec![json!({"reference": format!("Observation/{id}")})]).unwrap_or_default(),
    })
}

/// A visit the caller may see (their facility, the patient's record open to them); else 404/403.
async fn visible_visit(state: &AppState, auth: &Auth, id: Uuid) -> AppResult<Visit> {
    let mut conn = state.pool.acquire().await?;
    let v = repo::load(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    if !auth.facility_ids.contains(&v.facility_id) {
        return Err(AppError::NotFound);
    }
    hearth_patients::access::require(&state.pool, &auth.user, v.patient_id).await?;
    Ok(v)
}

async fn birth_of(state: &AppState, patient: Uuid) -> AppResult<Option<time::Date>> {
    Ok(sqlx::query_scalar("SELECT birth_date FROM patients WHERE id = $1").bind(patient).fetch_one(&state.pool).await?)
}

/// The tracking board of the caller's department: everyone in it now. Restricted records the
/// caller may not open are masked.
#[utoipa::path(get, path = "/api/v1/emergency/board", params(BoardQuery),
    responses((status = 200, body = [BoardRow])), security(("bearer" = [])), tag = "emergency")]
async fn board(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Json<Vec<BoardRow>>> {
    auth.require(perms::READ)?;
    let f = facility(&auth, &q.facility)?;
    let viewer = hearth_patients::access::viewer(&auth.user);
    Ok(Json(crate::board::rows(&state.pool, f, viewer, &q, OffsetDateTime::now_utc()).await?))
}

/// Registers an arrival: an existing patient (`patient_id`), a new one (name, sex, age or
/// birth_date) or an unidentified one (`unidentified: true`), with the chief complaint. A patient
/// already in the department answers 409.
#[utoipa::path(post, path = "/api/v1/emergency/visits", request_body = ArrivalForm,
    responses((status = 201, body = Arrived)), security(("bearer" = [])), tag = "emergency")]
async fn arrive(
    State(state): State<AppState>,
    auth: Auth,
    Json(form): Json<ArrivalForm>,
) -> AppResult<(StatusCode, Json<Arrived>)> {
    auth.require(perms::REGISTER)?;
    let (id, patient_id) = register_arrival(&state, &auth, &form).await?;
    Ok((StatusCode::CREATED, Json(Arrived { id, patient_id })))
}

/// One visit with its triage history, as FHIR Encounter and Observation too.
#[utoipa::path(get, path = "/api/v1/emergency/visits/{visit}", params(("visit" = Uuid, Path)),
    responses((status = 200, body = VisitDetail)), security(("bearer" = [])), tag = "emergency")]
async fn show(State(state): State<AppState>, auth: Auth, Path(visit): Path<Uuid>) -> AppResult<Json<VisitDetail>> {
    auth.require(perms::READ)?;
    let v = visible_visit(&state, &auth, visit).await?;
    let triages = repo::triages(&state.pool, v.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", v.patient_id)
            .patient(v.patient_id)
            .changes(json!({"section": "emergency"})),
    )
    .await?;
    Ok(Json(VisitDetail {
        fhir_encounter: fhir_encounter(&v),
        esi_observation: triages.first().map(|t| esi_observation(&v, t)),
        visit: v,
        triages,
    }))
}

/// Triage or re-triage (ESI v4). The answers run through the decision points; a final `esi` other
/// than the algorithm's needs `override_reason` (422 otherwise). Impossible vital signs are 422;
/// extreme ones need `confirm_extreme`. The vital signs are recorded on the chart.
#[utoipa::path(post, path = "/api/v1/emergency/visits/{visit}/triage", params(("visit" = Uuid, Path)),
    request_body = TriageForm, responses((status = 201, body = Triaged)), security(("bearer" = [])), tag = "emergency")]
async fn triage(
    State(state): State<AppState>,
    auth: Auth,
    Path(visit): Path<Uuid>,
    Json(form): Json<TriageForm>,
) -> AppResult<(StatusCode, Json<Triaged>)> {
    auth.require(perms::TRIAGE)?;
    let v = visible_visit(&state, &auth, visit).await?;
    if !v.open() {
        return Err(AppError::Conflict("The patient is no longer in the department.".into()));
    }
    let birth = birth_of(&state, v.patient_id).await?;
    let t = form.validate(birth, OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    let id = repo::triage(&mut tx, state.registry, &auth.meta, v.id, birth, &t).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Triaged {
            id,
            computed_esi: t.outcome.level,
            decided_by: t.outcome.decided_by,
            esi: t.esi,
            prompts: t.outcome.prompts.clone(),
        }),
    ))
}

/// The visit's triages, newest first (re-triage keeps the history).
#[utoipa::path(get, path = "/api/v1/emergency/visits/{visit}/triage", params(("visit" = Uuid, Path)),
    responses((status = 200, body = [Triage])), security(("bearer" = [])), tag = "emergency")]
async fn triages(State(state): State<AppState>, auth: Auth, Path(visit): Path<Uuid>) -> AppResult<Json<Vec<Triage>>> {
    auth.require(perms::READ)?;
    let v = visible_visit(&state, &auth, visit).await?;
    Ok(Json(repo::triages(&state.pool, v.id).await?))
}

/// Assigns a bay, a nurse and a clinician (each empty: none). An occupied single bay answers 409.
#[utoipa::path(post, path = "/api/v1/emergency/visits/{visit}/assignment", params(("visit" = Uuid, Path)),
    request_body = AssignForm, responses((status = 204)), security(("bearer" = [])), tag = "emergency")]
async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(visit): Path<Uuid>,
    Json(form): Json<AssignForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::ASSIGN)?;
    let v = visible_visit(&state, &auth, visit).await?;
    let a = form.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::assign(&mut tx, &auth.meta, v.id, &a).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records the disposition (once). Admit leaves the patient boarding until the departure; the
/// others close the visit and the emergency encounter. A patient not in the department: 409.
#[utoipa::path(post, path = "/api/v1/emergency/visits/{visit}/disposition", params(("visit" = Uuid, Path)),
    request_body = DispositionForm, responses((status = 204)), security(("bearer" = [])), tag = "emergency")]
async fn dispose(
    State(state): State<AppState>,
    auth: Auth,
    Path(visit): Path<Uuid>,
    Json(form): Json<DispositionForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::DISPOSITION)?;
    let v = visible_visit(&state, &auth, visit).await?;
    let d = form.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::dispose(&mut tx, state.registry, &auth.meta, v.id, &d).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An admitted (boarding) patient leaves the department: the visit and the encounter close.
#[utoipa::path(post, path = "/api/v1/emergency/visits/{visit}/departure", params(("visit" = Uuid, Path)),
    responses((status = 204)), security(("bearer" = [])), tag = "emergency")]
async fn depart(State(state): State<AppState>, auth: Auth, Path(visit): Path<Uuid>) -> AppResult<StatusCode> {
    auth.require(perms::DISPOSITION)?;
    let v = visible_visit(&state, &auth, visit).await?;
    let mut tx = state.pool.begin().await?;
    repo::depart(&mut tx, &auth.meta, v.id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The patient's ED visits, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/emergency/visits", params(("id" = Uuid, Path)),
    responses((status = 200, body = [Visit])), security(("bearer" = [])), tag = "emergency")]
async fn patient_visits(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<Visit>>> {
    auth.require(perms::READ)?;
    let rows = repo::list(&state.pool, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient.id).patient(patient.id).changes(json!({"section": "emergency"})),
    )
    .await?;
    Ok(Json(rows))
}

/// The department's bays with their occupancy.
#[utoipa::path(get, path = "/api/v1/emergency/bays", responses((status = 200, body = [Bay])),
    security(("bearer" = [])), tag = "emergency")]
async fn bays(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Bay>>> {
    auth.require(perms::READ)?;
    let f = facility(&auth, "")?;
    Ok(Json(repo::bays(&state.pool, f).await?))
}

/// Adds a bay (capacity 1: single occupancy). A code already used answers 409.
#[utoipa::path(post, path = "/api/v1/emergency/bays", request_body = BayForm,
    responses((status = 201, body = EmergencyCreated)), security(("bearer" = [])), tag = "emergency")]
async fn bay_create(
    State(state): State<AppState>,
    auth: Auth,
    Json(form): Json<BayForm>,
) -> AppResult<(StatusCode, Json<EmergencyCreated>)> {
    auth.require(perms::MANAGE)?;
    let b = form.validate()?;
    let f = facility(&auth, "")?;
    let mut tx = state.pool.begin().await?;
    let id = repo::insert_bay(&mut tx, &auth.meta, f, &b).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(EmergencyCreated { id })))
}

/// Admissions decided in the department whose patients are still there (boarding): what the
/// inpatient module turns into bed requests.
#[utoipa::path(get, path = "/api/v1/emergency/admissions", responses((status = 200, body = [AdmitDecision])),
    security(("bearer" = [])), tag = "emergency")]
async fn admissions(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<AdmitDecision>>> {
    auth.require(perms::READ)?;
    let f = facility(&auth, "")?;
    Ok(Json(repo::admit_decisions(&state.pool, f).await?))
}
