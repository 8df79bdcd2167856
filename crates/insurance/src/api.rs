//! Insurance's JSON API: payers and plans (`/api/v1/insurance/...`), a patient's coverage,
//! eligibility checks, pre-authorisations, splits and claims
//! (`/api/v1/patients/{id}/insurance/...`), and the claims worklist.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_patients::context::PatientCtx;

#[derive(OpenApi)]
#[openapi(
    paths(payers, create_payer, plans, create_plan, policies, create_policy, eligibility, preauths, request_preauth,
          decide_preauth, splits, create_split, claims, create_claim, show_claim, claim_action, remit),
    components(schemas(InsurancePayer, InsurancePayerForm, InsurancePlan, InsurancePlanForm, InsurancePolicy,
                       InsurancePolicyForm, InsuranceEligibility, InsuranceEligibilityForm, InsurancePreauth,
                       InsurancePreauthForm, InsurancePreauthDecision, InsuranceSplit, InsuranceSplitLine,
                       InsuranceSplitForm, InsuranceClaim, InsuranceClaimLine, InsuranceClaimDetail, InsuranceClaimForm,
                       InsuranceClaimAction, InsuranceRemittance, InsuranceRemittanceLine, InsuranceCreated)),
    tags((name = "insurance", description = "Insurance: payers, plans, coverage, eligibility, pre-authorisation, split, claims, remittance"))
)]
struct InsuranceApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    InsuranceApiDoc::openapi()
}

pub fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .get("/api/v1/insurance/payers", payers)
        .post("/api/v1/insurance/payers", create_payer)
        .get("/api/v1/insurance/plans", plans)
        .post("/api/v1/insurance/plans", create_plan)
        .get("/api/v1/insurance/claims", claims)
        .get("/api/v1/patients/{id}/insurance/policies", policies)
        .post("/api/v1/patients/{id}/insurance/policies", create_policy)
        .post("/api/v1/patients/{id}/insurance/eligibility", eligibility)
        .get("/api/v1/patients/{id}/insurance/preauths", preauths)
        .post("/api/v1/patients/{id}/insurance/preauths", request_preauth)
        .post("/api/v1/patients/{id}/insurance/preauths/{preauth}/decision", decide_preauth)
        .get("/api/v1/patients/{id}/insurance/splits", splits)
        .post("/api/v1/patients/{id}/insurance/splits", create_split)
        .post("/api/v1/patients/{id}/insurance/claims", create_claim)
        .get("/api/v1/patients/{id}/insurance/claims/{claim}", show_claim)
        .post("/api/v1/patients/{id}/insurance/claims/{claim}/action", claim_action)
        .post("/api/v1/patients/{id}/insurance/claims/{claim}/remittance", remit)
}

/// Reads of a patient's insurance are audited like every chart section.
pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "insurance"})),
    )
    .await?;
    Ok(())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InsuranceCreated {
    id: Uuid,
}

/// Payers.
#[utoipa::path(get, path = "/api/v1/insurance/payers", responses((status = 200, body = Vec<InsurancePayer>), (status = 403)),
    security(("bearer" = [])), tag = "insurance")]
async fn payers(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<InsurancePayer>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    Ok(Json(repo::payers(&mut conn).await?))
}

/// Adds a payer (`insurance.configure`).
#[utoipa::path(post, path = "/api/v1/insurance/payers", request_body = InsurancePayerForm,
    responses((status = 201, body = InsuranceCreated), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn create_payer(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<InsurancePayerForm>,
) -> AppResult<(StatusCode, Json<InsuranceCreated>)> {
    auth.require(perms::CONFIGURE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_payer(&mut tx, &auth.meta, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InsuranceCreated { id })))
}

/// Plans with their coverage rules.
#[utoipa::path(get, path = "/api/v1/insurance/plans", responses((status = 200, body = Vec<InsurancePlan>), (status = 403)),
    security(("bearer" = [])), tag = "insurance")]
async fn plans(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<InsurancePlan>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    Ok(Json(repo::plans(&mut conn).await?))
}

/// Adds a plan of a payer with its coverage rules (`insurance.configure`).
#[utoipa::path(post, path = "/api/v1/insurance/plans", request_body = InsurancePlanForm,
    responses((status = 201, body = InsuranceCreated), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn create_plan(
    State(state): State<AppState>,
    auth: Auth,
    Json(f): Json<InsurancePlanForm>,
) -> AppResult<(StatusCode, Json<InsuranceCreated>)> {
    auth.require(perms::CONFIGURE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_plan(&mut tx, &auth.meta, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InsuranceCreated { id })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct InsuranceClaimsQuery {
    /// One status (`draft`, `submitted`, …); empty: all.
    pub status: String,
}

/// The claims worklist of the caller's facilities (at most 300, newest first).
#[utoipa::path(get, path = "/api/v1/insurance/claims", params(InsuranceClaimsQuery),
    responses((status = 200, body = Vec<InsuranceClaim>), (status = 403)), security(("bearer" = [])), tag = "insurance")]
async fn claims(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<InsuranceClaimsQuery>,
) -> AppResult<Json<Vec<InsuranceClaim>>> {
    auth.require(perms::READ)?;
    let status = Some(q.status.trim()).filter(|s| !s.is_empty());
    let rows = repo::claims(&state.pool, &auth.user, status, None).await?;
    audit::record_now(&state.pool, &auth.meta, Event::new("insurance.claims.view", "insurance_claim", rows.len()))
        .await?;
    Ok(Json(rows))
}

/// The patient's policies.
#[utoipa::path(get, path = "/api/v1/patients/{id}/insurance/policies", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<InsurancePolicy>), (status = 403), (status = 404)), security(("bearer" = [])), tag = "insurance")]
async fn policies(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Vec<InsurancePolicy>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let rows = repo::policies_of(&mut conn, patient.id).await?;
    drop(conn);
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Records a policy of the patient (one active primary and one active secondary at most).
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/policies", params(("id" = Uuid, Path)),
    request_body = InsurancePolicyForm,
    responses((status = 201, body = InsuranceCreated), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn create_policy(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<InsurancePolicyForm>,
) -> AppResult<(StatusCode, Json<InsuranceCreated>)> {
    auth.require(perms::WRITE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::add_policy(&mut tx, &auth.meta, patient.id, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InsuranceCreated { id })))
}

/// Checks a policy's eligibility on a day (local rule: active, within its validity) and records
/// the answer.
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/eligibility", params(("id" = Uuid, Path)),
    request_body = InsuranceEligibilityForm,
    responses((status = 201, body = InsuranceEligibility), (status = 403), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn eligibility(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<InsuranceEligibilityForm>,
) -> AppResult<(StatusCode, Json<InsuranceEligibility>)> {
    auth.require(perms::WRITE)?;
    let day = match f.service_date.trim() {
        "" => Zone::utc().today(),
        s => parse_date(s).ok_or_else(|| AppError::field("service_date", "Enter a date as YYYY-MM-DD."))?,
    };
    let mut tx = state.pool.begin().await?;
    let p = repo::policy_of(&mut tx, patient.id, f.policy).await?;
    let e = repo::check_eligibility(&mut tx, &auth.meta, &p, day).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// The patient's pre-authorisations.
#[utoipa::path(get, path = "/api/v1/patients/{id}/insurance/preauths", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<InsurancePreauth>), (status = 403)), security(("bearer" = [])), tag = "insurance")]
async fn preauths(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Vec<InsurancePreauth>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let rows = repo::preauths_of(&mut conn, patient.id).await?;
    drop(conn);
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Requests a pre-authorisation of a code under a policy.
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/preauths", params(("id" = Uuid, Path)),
    request_body = InsurancePreauthForm,
    responses((status = 201, body = InsuranceCreated), (status = 403), (status = 422)), security(("bearer" = [])), tag = "insurance")]
async fn request_preauth(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<InsurancePreauthForm>,
) -> AppResult<(StatusCode, Json<InsuranceCreated>)> {
    auth.require(perms::WRITE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::request_preauth(&mut tx, &auth.meta, patient.id, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InsuranceCreated { id })))
}

/// Records the payer's answer to a pre-authorisation request (`insurance.remit`).
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/preauths/{preauth}/decision",
    params(("id" = Uuid, Path), ("preauth" = Uuid, Path)), request_body = InsurancePreauthDecision,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn decide_preauth(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, preauth)): Path<(String, Uuid)>,
    Json(f): Json<InsurancePreauthDecision>,
) -> AppResult<StatusCode> {
    auth.require(perms::REMIT)?;
    let mut tx = state.pool.begin().await?;
    repo::decide_preauth(&mut tx, &auth.meta, patient.id, preauth, &f).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The splits of the patient's invoices.
#[utoipa::path(get, path = "/api/v1/patients/{id}/insurance/splits", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<InsuranceSplit>), (status = 403)), security(("bearer" = [])), tag = "insurance")]
async fn splits(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Vec<InsuranceSplit>>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let rows = repo::splits_of(&mut conn, &auth.user, patient.id).await?;
    drop(conn);
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Splits a finalised invoice between a policy's payer and the patient (once per invoice and
/// policy). A policy not eligible on a service date: 422.
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/splits", params(("id" = Uuid, Path)),
    request_body = InsuranceSplitForm,
    responses((status = 201, body = InsuranceSplit), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn create_split(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<InsuranceSplitForm>,
) -> AppResult<(StatusCode, Json<InsuranceSplit>)> {
    auth.require(perms::WRITE)?;
    let Some(invoice) = f.invoice else {
        return Err(AppError::field("invoice", "Choose a finalised invoice."));
    };
    let mut tx = state.pool.begin().await?;
    let id = repo::split_invoice(&mut tx, &auth.meta, &auth.user, patient.id, invoice, f.policy).await?;
    let s = repo::split(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Builds the claim of a finalised invoice for a policy from the payer's shares (split first if
/// needed); one claim per invoice and policy (409).
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/claims", params(("id" = Uuid, Path)),
    request_body = InsuranceClaimForm,
    responses((status = 201, body = InsuranceCreated), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn create_claim(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<InsuranceClaimForm>,
) -> AppResult<(StatusCode, Json<InsuranceCreated>)> {
    auth.require(perms::WRITE)?;
    let mut tx = state.pool.begin().await?;
    let id = repo::create_claim(&mut tx, &auth.meta, &auth.user, patient.id, &f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InsuranceCreated { id })))
}

async fn patient_claim(
    conn: &mut sqlx::PgConnection,
    auth: &Auth,
    patient: Uuid,
    claim: Uuid,
) -> AppResult<InsuranceClaim> {
    let c = repo::claim_for(conn, &auth.user, claim).await?;
    if c.patient_id != patient {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// A claim with its lines.
#[utoipa::path(get, path = "/api/v1/patients/{id}/insurance/claims/{claim}", params(("id" = Uuid, Path), ("claim" = Uuid, Path)),
    responses((status = 200, body = InsuranceClaimDetail), (status = 403), (status = 404)), security(("bearer" = [])), tag = "insurance")]
async fn show_claim(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, claim)): Path<(String, Uuid)>,
) -> AppResult<Json<InsuranceClaimDetail>> {
    auth.require(perms::READ)?;
    let mut conn = state.pool.acquire().await?;
    let c = patient_claim(&mut conn, &auth, patient.id, claim).await?;
    let d = repo::claim_detail(&mut conn, c).await?;
    drop(conn);
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(d))
}

/// Submits a draft claim (`insurance.write`), or records the payer's acceptance or rejection of a
/// submitted one (`insurance.remit`).
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/claims/{claim}/action", params(("id" = Uuid, Path), ("claim" = Uuid, Path)),
    request_body = InsuranceClaimAction,
    responses((status = 200, body = InsuranceClaimDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn claim_action(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, claim)): Path<(String, Uuid)>,
    Json(f): Json<InsuranceClaimAction>,
) -> AppResult<Json<InsuranceClaimDetail>> {
    auth.require(if f.action == "submit" { perms::WRITE } else { perms::REMIT })?;
    let mut tx = state.pool.begin().await?;
    let c = patient_claim(&mut tx, &auth, patient.id, claim).await?;
    repo::claim_action(&mut tx, &auth.meta, &c, &f).await?;
    let c = patient_claim(&mut tx, &auth, patient.id, claim).await?;
    let d = repo::claim_detail(&mut tx, c).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// Posts the payer's remittance for a claim: paid per line (never above the claimed amount), an
/// adjustment reason code where less is paid; the total becomes a billing payment of method
/// `insurance`, the unpaid remainder stays the patient's responsibility on the invoice.
#[utoipa::path(post, path = "/api/v1/patients/{id}/insurance/claims/{claim}/remittance", params(("id" = Uuid, Path), ("claim" = Uuid, Path)),
    request_body = InsuranceRemittance,
    responses((status = 200, body = InsuranceClaimDetail), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])), tag = "insurance")]
async fn remit(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, claim)): Path<(String, Uuid)>,
    Json(f): Json<InsuranceRemittance>,
) -> AppResult<Json<InsuranceClaimDetail>> {
    auth.require(perms::REMIT)?;
    let mut tx = state.pool.begin().await?;
    let c = patient_claim(&mut tx, &auth, patient.id, claim).await?;
    repo::remit(&mut tx, &auth.meta, &c, &f).await?;
    let c = patient_claim(&mut tx, &auth, patient.id, claim).await?;
    let d = repo::claim_detail(&mut tx, c).await?;
    tx.commit().await?;
    Ok(Json(d))
}
