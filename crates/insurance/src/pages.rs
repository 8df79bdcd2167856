//! Insurance's pages: the claims worklist (`/insurance/claims`), the patient's coverage tab
//! (policies, eligibility, pre-authorisations, splits with the patient's share to collect,
//! claims) with its forms, and a claim page with its state actions.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo};
use hearth_billing::model::BillingInvoice;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::time::Zone;
use hearth_core::web::{self, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/insurance/claims", get(worklist))
        .route("/patients/{id}/insurance", get(patient_page))
        .route("/patients/{id}/insurance/{form}", post(patient_form))
        .route("/patients/{id}/insurance/claims/{claim}", get(claim_page))
        .route("/patients/{id}/insurance/claims/{claim}/action", post(claim_action))
}

fn flash_error(state: &AppState, to: &str, e: AppError) -> AppResult<Response> {
    match e {
        AppError::Invalid(f) => Ok(web::redirect_flash(to, "error", &f.messages())),
        AppError::Conflict(m) | AppError::Unprocessable(m) | AppError::BadRequest(m) => {
            Ok(web::redirect_flash(to, "error", &m))
        }
        AppError::Constraint(c) => {
            let m = c.constraint.as_deref().and_then(|n| state.registry.constraint_message(n)).unwrap_or(&c.message);
            Ok(web::redirect_flash(to, "error", m))
        }
        e => Err(e),
    }
}

// ---- Worklist ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct WorklistQuery {
    status: String,
}

#[derive(Template)]
#[template(path = "insurance/claims.html")]
struct WorklistPage {
    page: Page,
    status: String,
    statuses: Vec<&'static str>,
    claims: Vec<InsuranceClaim>,
}

const STATUSES: [&str; 7] = ["draft", "submitted", "accepted", "rejected", "paid", "partially_paid", "denied"];

async fn worklist(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<WorklistQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let status = STATUSES.iter().find(|s| **s == q.status.trim()).copied();
    let claims = repo::claims(&state.pool, &auth.user, status, None).await?;
    audit::record_now(&state.pool, &auth.meta, Event::new("insurance.claims.view", "insurance_claim", claims.len()))
        .await?;
    let title = page.t("insurance-claims-heading");
    web::render(&WorklistPage {
        page: page.titled(title.clone()).crumb(title, "/insurance/claims"),
        status: status.unwrap_or_default().to_string(),
        statuses: STATUSES.to_vec(),
        claims,
    })
}

// ---- The coverage tab ----

#[derive(Template)]
#[template(path = "insurance/patient.html")]
struct PatientPage {
    page: Page,
    b: Banner,
    policies: Vec<InsurancePolicy>,
    checks: Vec<InsuranceEligibility>,
    preauths: Vec<InsurancePreauth>,
    splits: Vec<InsuranceSplit>,
    claims: Vec<InsuranceClaim>,
    plans: Vec<InsurancePlan>,
    invoices: Vec<BillingInvoice>,
    today: String,
    can_write: bool,
    can_remit: bool,
}

async fn patient_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("insurance");
    let mut conn = state.pool.acquire().await?;
    let policies = repo::policies_of(&mut conn, b.id).await?;
    let checks = repo::eligibility_of(&mut conn, b.id).await?;
    let preauths = repo::preauths_of(&mut conn, b.id).await?;
    let splits = repo::splits_of(&mut conn, &auth.user, b.id).await?;
    let plans = repo::plans(&mut conn).await?.into_iter().filter(|p| p.active).collect();
    drop(conn);
    let claims = repo::claims(&state.pool, &auth.user, None, Some(b.id)).await?;
    let invoices = hearth_billing::repo::for_patient(&state.pool, &auth.user, b.id)
        .await?
        .into_iter()
        .filter(|i| i.kind == "invoice" && matches!(i.status.as_str(), "issued" | "partially_paid" | "paid"))
        .collect();
    crate::api::audit_view(&state, &auth, b.id).await?;
    let title = page.t("insurance-patient-heading");
    web::render(&PatientPage {
        page: page
            .titled(format!("{title} · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(title, b.href("insurance")),
        b,
        policies,
        checks,
        preauths,
        splits,
        claims,
        plans,
        invoices,
        today: Zone::utc().today().to_string(),
        can_write: auth.can(perms::WRITE),
        can_remit: auth.can(perms::REMIT),
    })
}

/// Every form of the coverage tab, as text (ids parsed here).
#[derive(Deserialize, Default)]
#[serde(default)]
struct TabForm {
    plan: String,
    member_id: String,
    valid_from: String,
    valid_to: String,
    priority: String,
    relationship: String,
    policy: String,
    service_date: String,
    code: String,
    invoice: String,
    preauth: String,
    decision: String,
    reference: String,
    units: String,
    reason: String,
}

fn id(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s.trim()).ok()
}

async fn patient_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, form)): Path<(String, String)>,
    Form(f): Form<TabForm>,
) -> AppResult<Response> {
    let back = format!("/patients/{}/insurance", patient.id);
    auth.require(match form.as_str() {
        "policies" | "eligibility" | "preauths" | "claims" => perms::WRITE,
        "decision" => perms::REMIT,
        _ => return Err(AppError::NotFound),
    })?;
    let mut tx = state.pool.begin().await?;
    let done: AppResult<String> = async {
        match form.as_str() {
            "policies" => {
                let p = InsurancePolicyForm {
                    plan: id(&f.plan),
                    member_id: f.member_id.clone(),
                    valid_from: f.valid_from.clone(),
                    valid_to: f.valid_to.clone(),
                    priority: f.priority.clone(),
                    relationship: f.relationship.clone(),
                };
                repo::add_policy(&mut tx, &auth.meta, patient.id, &p).await?;
                Ok(back.clone())
            }
            "eligibility" => {
                let day = parse_date(&f.service_date)
                    .ok_or_else(|| AppError::field("service_date", "Enter a date as YYYY-MM-DD."))?;
                let p = repo::policy_of(&mut tx, patient.id, id(&f.policy)).await?;
                repo::check_eligibility(&mut tx, &auth.meta, &p, day).await?;
                Ok(back.clone())
            }
            "preauths" => {
                let p = InsurancePreauthForm { policy: id(&f.policy), code: f.code.clone() };
                repo::request_preauth(&mut tx, &auth.meta, patient.id, &p).await?;
                Ok(back.clone())
            }
            "decision" => {
                let pa = id(&f.preauth).ok_or(AppError::NotFound)?;
                let d = InsurancePreauthDecision {
                    decision: f.decision.clone(),
                    reference: f.reference.clone(),
                    valid_from: f.valid_from.clone(),
                    valid_to: f.valid_to.clone(),
                    units: f.units.trim().parse().ok(),
                    reason: f.reason.clone(),
                };
                repo::decide_preauth(&mut tx, &auth.meta, patient.id, pa, &d).await?;
                Ok(back.clone())
            }
            _ => {
                let c = InsuranceClaimForm { invoice: id(&f.invoice), policy: id(&f.policy) };
                let claim = repo::create_claim(&mut tx, &auth.meta, &auth.user, patient.id, &c).await?;
                Ok(format!("{back}/claims/{claim}"))
            }
        }
    }
    .await;
    match done {
        Ok(to) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&to, "ok", &page.t("insurance-flash-saved")))
        }
        Err(e) => flash_error(&state, &back, e),
    }
}

// ---- A claim ----

#[derive(Template)]
#[template(path = "insurance/claim.html")]
struct ClaimPage {
    page: Page,
    b: Banner,
    d: InsuranceClaimDetail,
    can_write: bool,
    can_remit: bool,
}

impl ClaimPage {
    fn paid_text(&self, l: &InsuranceClaimLine) -> String {
        l.paid.map(|p| self.d.claim.m(p)).unwrap_or_default()
    }
}

async fn claim_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, claim)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("insurance");
    let mut conn = state.pool.acquire().await?;
    let c = repo::claim_for(&mut conn, &auth.user, claim).await?;
    if c.patient_id != b.id {
        return Err(AppError::NotFound);
    }
    let d = repo::claim_detail(&mut conn, c).await?;
    drop(conn);
    crate::api::audit_view(&state, &auth, b.id).await?;
    let title = page.t("insurance-claim-heading");
    let tab = page.t("insurance-patient-heading");
    web::render(&ClaimPage {
        page: page
            .titled(format!("{title} · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(tab, b.href("insurance"))
            .crumb(title, format!("{}/claims/{claim}", b.href("insurance"))),
        b,
        d,
        can_write: auth.can(perms::WRITE),
        can_remit: auth.can(perms::REMIT),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    action: String,
    reason: String,
}

async fn claim_action(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, claim)): Path<(String, Uuid)>,
    Form(f): Form<ActionForm>,
) -> AppResult<Response> {
    auth.require(if f.action == "submit" { perms::WRITE } else { perms::REMIT })?;
    let back = format!("/patients/{}/insurance/claims/{claim}", patient.id);
    let mut tx = state.pool.begin().await?;
    let c = repo::claim_for(&mut tx, &auth.user, claim).await?;
    if c.patient_id != patient.id {
        return Err(AppError::NotFound);
    }
    match repo::claim_action(&mut tx, &auth.meta, &c, &InsuranceClaimAction { action: f.action, reason: f.reason })
        .await
    {
        Ok(()) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&back, "ok", &page.t("insurance-flash-saved")))
        }
        Err(e) => flash_error(&state, &back, e),
    }
}
