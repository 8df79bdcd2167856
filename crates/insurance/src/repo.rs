//! All SQL of insurance. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

use crate::model::*;
use crate::rules::Totals;
use hearth_billing::model::BillingInvoice;
use hearth_billing::repo::{in_scope, scope};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::CurrentUser;

// ---- Payers and plans ----

pub async fn payers(conn: &mut PgConnection) -> sqlx::Result<Vec<InsurancePayer>> {
    sqlx::query_as("SELECT id, code, name, active FROM insurance_payers ORDER BY name LIMIT 500").fetch_all(conn).await
}

pub async fn create_payer(conn: &mut PgConnection, meta: &AuditMeta, f: &InsurancePayerForm) -> AppResult<Uuid> {
    let (code, name) = f.validate()?;
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO insurance_payers (id, code, name) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(&code)
        .bind(&name)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.payer.create", "insurance_payer", id).changes(json!({"code": code})),
    )
    .await?;
    Ok(id)
}

const PLAN: &str =
    "SELECT pl.id, pl.payer_id, y.name AS payer, pl.code, pl.name, pl.currency, pl.copay, pl.coinsurance_bp,
        pl.deductible, pl.annual_limit, pl.excluded_codes, pl.preauth_codes, (pl.active AND y.active) AS active
     FROM insurance_plans pl JOIN insurance_payers y ON y.id = pl.payer_id";

pub async fn plans(conn: &mut PgConnection) -> sqlx::Result<Vec<InsurancePlan>> {
    sqlx::query_as(&format!("{PLAN} ORDER BY y.name, pl.name LIMIT 1000")).fetch_all(conn).await
}

pub async fn plan(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<InsurancePlan>> {
    sqlx::query_as(&format!("{PLAN} WHERE pl.id = $1")).bind(id).fetch_optional(conn).await
}

pub async fn create_plan(conn: &mut PgConnection, meta: &AuditMeta, f: &InsurancePlanForm) -> AppResult<Uuid> {
    let v = f.validate()?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insurance_payers WHERE id = $1)")
        .bind(v.payer)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(AppError::field("payer", "Choose a payer."));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO insurance_plans (id, payer_id, code, name, currency, copay, coinsurance_bp, deductible, annual_limit,
                                      excluded_codes, preauth_codes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(v.payer)
    .bind(&v.code)
    .bind(&v.name)
    .bind(&v.currency)
    .bind(v.f.copay)
    .bind(v.f.coinsurance_bp)
    .bind(v.f.deductible)
    .bind(v.f.annual_limit)
    .bind(&v.f.excluded_codes)
    .bind(&v.f.preauth_codes)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.plan.create", "insurance_plan", id).changes(json!({"payer": v.payer, "code": v.code})),
    )
    .await?;
    Ok(id)
}

// ---- Coverage ----

const POLICY: &str = "SELECT c.id, c.patient_id, c.plan_id, pl.name AS plan, y.name AS payer, pl.currency, c.member_id,
        c.valid_from, c.valid_to, c.priority, c.relationship, c.active
     FROM insurance_policies c JOIN insurance_plans pl ON pl.id = c.plan_id JOIN insurance_payers y ON y.id = pl.payer_id";

pub async fn policies_of(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<InsurancePolicy>> {
    sqlx::query_as(&format!(
        "{POLICY} WHERE c.patient_id = $1 ORDER BY c.active DESC, c.priority, c.valid_from DESC LIMIT 100"
    ))
    .bind(patient)
    .fetch_all(conn)
    .await
}

/// A policy of `patient`, or 422 on `field` (a policy named in a form).
pub async fn policy_of(conn: &mut PgConnection, patient: Uuid, id: Option<Uuid>) -> AppResult<InsurancePolicy> {
    let Some(id) = id else {
        return Err(AppError::field("policy", "Choose one of the patient's policies."));
    };
    sqlx::query_as::<_, InsurancePolicy>(&format!("{POLICY} WHERE c.id = $1 AND c.patient_id = $2"))
        .bind(id)
        .bind(patient)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| AppError::field("policy", "Choose one of the patient's policies."))
}

pub async fn add_policy(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    f: &InsurancePolicyForm,
) -> AppResult<Uuid> {
    let v = f.validate()?;
    if plan(&mut *conn, v.plan).await?.is_none_or(|p| !p.active) {
        return Err(AppError::field("plan", "Choose an active plan."));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO insurance_policies (id, patient_id, plan_id, member_id, valid_from, valid_to, priority, relationship, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.plan)
    .bind(&v.member_id)
    .bind(v.from)
    .bind(v.to)
    .bind(&f.priority)
    .bind(&f.relationship)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.policy.create", "insurance_policy", id)
            .patient(patient)
            .changes(json!({"plan": v.plan, "priority": f.priority})),
    )
    .await?;
    Ok(id)
}

async fn plan_active(conn: &mut PgConnection, plan_id: Uuid) -> sqlx::Result<bool> {
    Ok(plan(conn, plan_id).await?.is_some_and(|p| p.active))
}

/// Runs the local eligibility rule for a day and records its answer.
pub async fn check_eligibility(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    p: &InsurancePolicy,
    day: Date,
) -> AppResult<InsuranceEligibility> {
    let active = plan_active(&mut *conn, p.plan_id).await?;
    let (eligible, reason) = match p.eligible_on(day, active) {
        Ok(()) => (true, "active"),
        Err(r) => (false, r),
    };
    let e: InsuranceEligibility = sqlx::query_as(
        "INSERT INTO insurance_eligibility (id, policy_id, patient_id, service_date, eligible, reason, checked_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, policy_id, service_date, eligible, reason, checked_at",
    )
    .bind(Uuid::new_v4())
    .bind(p.id)
    .bind(p.patient_id)
    .bind(day)
    .bind(eligible)
    .bind(reason)
    .bind(meta.actor_user_id)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.eligibility.check", "insurance_policy", p.id)
            .patient(p.patient_id)
            .changes(json!({"eligible": eligible, "reason": reason})),
    )
    .await?;
    Ok(e)
}

pub async fn eligibility_of(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<InsuranceEligibility>> {
    sqlx::query_as(
        "SELECT id, policy_id, service_date, eligible, reason, checked_at FROM insurance_eligibility
         WHERE patient_id = $1 ORDER BY checked_at DESC LIMIT 20",
    )
    .bind(patient)
    .fetch_all(conn)
    .await
}

// ---- Pre-authorisation ----

const PREAUTH: &str =
    "SELECT a.id, a.patient_id, a.policy_id, y.name AS payer, a.code, a.status, a.reference, a.valid_from,
        a.valid_to, a.units, a.reason, a.requested_at
     FROM insurance_preauths a JOIN insurance_policies c ON c.id = a.policy_id
     JOIN insurance_plans pl ON pl.id = c.plan_id JOIN insurance_payers y ON y.id = pl.payer_id";

pub async fn preauths_of(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<InsurancePreauth>> {
    sqlx::query_as(&format!("{PREAUTH} WHERE a.patient_id = $1 ORDER BY a.requested_at DESC LIMIT 100"))
        .bind(patient)
        .fetch_all(conn)
        .await
}

pub async fn request_preauth(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    f: &InsurancePreauthForm,
) -> AppResult<Uuid> {
    let code = f.code.trim().to_string();
    let p = policy_of(&mut *conn, patient, f.policy).await;
    if code.ends_with('*') || !valid_charge_code(&code) {
        let mut e = hearth_core::web::FieldErrors::default();
        e.add("code", "Enter a billing code such as SURG:KNEE.");
        if p.is_err() {
            e.add("policy", "Choose one of the patient's policies.");
        }
        return Err(AppError::Invalid(e));
    }
    let p = p?;
    if !p.active {
        return Err(AppError::field("policy", "Choose an active policy."));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO insurance_preauths (id, patient_id, policy_id, code, requested_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(patient)
    .bind(p.id)
    .bind(&code)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.preauth.request", "insurance_preauth", id)
            .patient(patient)
            .changes(json!({"code": code})),
    )
    .await?;
    Ok(id)
}

pub async fn decide_preauth(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    f: &InsurancePreauthDecision,
) -> AppResult<()> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM insurance_preauths WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(status) = status else { return Err(AppError::NotFound) };
    let d = f.validate()?;
    if status != "requested" {
        return Err(AppError::Conflict("This pre-authorisation is already decided.".into()));
    }
    let decision = match d {
        Decision::Approved { reference, from, to, units } => {
            sqlx::query(
                "UPDATE insurance_preauths SET status = 'approved', reference = $2, valid_from = $3, valid_to = $4, units = $5,
                        decided_by = $6, decided_at = now() WHERE id = $1",
            )
            .bind(id)
            .bind(reference)
            .bind(from)
            .bind(to)
            .bind(units)
            .bind(meta.actor_user_id)
            .execute(&mut *conn)
            .await?;
            "approved"
        }
        Decision::Denied(reason) => {
            sqlx::query(
                "UPDATE insurance_preauths SET status = 'denied', reason = $2, decided_by = $3, decided_at = now() WHERE id = $1",
            )
            .bind(id)
            .bind(reason)
            .bind(meta.actor_user_id)
            .execute(&mut *conn)
            .await?;
            "denied"
        }
    };
    audit::record(
        conn,
        meta,
        Event::new("insurance.preauth.decide", "insurance_preauth", id)
            .patient(patient)
            .changes(json!({"decision": decision})),
    )
    .await?;
    Ok(())
}

// ---- Split ----

fn finalised(inv: &BillingInvoice) -> bool {
    inv.kind == "invoice" && matches!(inv.status.as_str(), "issued" | "partially_paid" | "paid")
}

/// Splits a finalised invoice of `patient` between the policy's payer and the patient, by the
/// plan's rules, with the running totals per year locked; stored once per invoice and policy.
pub async fn split_invoice(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    user: &CurrentUser,
    patient: Uuid,
    invoice: Uuid,
    policy: Option<Uuid>,
) -> AppResult<Uuid> {
    let p = policy_of(&mut *conn, patient, policy).await?;
    let inv = hearth_billing::repo::load_for(&mut *conn, user, patient, invoice).await?;
    if !finalised(&inv) {
        return Err(AppError::Conflict("Only a finalised invoice can be split.".into()));
    }
    let plan = plan(&mut *conn, p.plan_id).await?.ok_or(AppError::NotFound)?;
    if plan.currency != inv.currency {
        return Err(AppError::field("policy", "The plan's currency is not the invoice's."));
    }
    let lines = hearth_billing::repo::lines(&mut *conn, inv.id).await?;
    for l in &lines {
        if p.eligible_on(l.service_date, plan.active).is_err() {
            return Err(AppError::field(
                "policy",
                format!("The policy does not cover the service date {} (not eligible).", l.service_date),
            ));
        }
    }
    // Lock the running totals of every year involved, in order.
    let mut years: Vec<i32> = lines.iter().map(|l| l.service_date.year()).collect();
    years.sort_unstable();
    years.dedup();
    let mut totals: Vec<(i32, Totals)> = Vec::new();
    for y in &years {
        sqlx::query("INSERT INTO insurance_accumulators (policy_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(p.id)
            .bind(y)
            .execute(&mut *conn)
            .await?;
        let (d, pp): (i64, i64) = sqlx::query_as(
            "SELECT deductible_used, payer_paid FROM insurance_accumulators WHERE policy_id = $1 AND year = $2 FOR UPDATE",
        )
        .bind(p.id)
        .bind(y)
        .fetch_one(&mut *conn)
        .await?;
        totals.push((*y, Totals { deductible_used: d, payer_paid: pp }));
    }
    let already: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insurance_splits WHERE invoice_id = $1 AND policy_id = $2)")
            .bind(inv.id)
            .bind(p.id)
            .fetch_one(&mut *conn)
            .await?;
    if already {
        return Err(AppError::Conflict("This invoice is already split for this policy.".into()));
    }
    let rules = plan.rules();
    let id = Uuid::new_v4();
    let mut rows = Vec::new();
    for l in &lines {
        let authorised = if rules.needs_preauth(&l.code) {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM insurance_preauths WHERE policy_id = $1 AND code = $2 AND status = 'approved'
                        AND valid_from <= $3 AND valid_to >= $3 AND units >= $4)",
            )
            .bind(p.id)
            .bind(&l.code)
            .bind(l.service_date)
            .bind(l.quantity)
            .fetch_one(&mut *conn)
            .await?
        } else {
            true
        };
        let t = &mut totals.iter_mut().find(|(y, _)| *y == l.service_date.year()).ok_or(AppError::NotFound)?.1;
        rows.push((l.id, rules.share(&l.code, l.total, authorised, t)));
    }
    let payer_total: i64 = rows.iter().map(|(_, s)| s.payer).sum();
    let patient_total: i64 = rows.iter().map(|(_, s)| s.patient).sum();
    sqlx::query(
        "INSERT INTO insurance_splits (id, invoice_id, policy_id, patient_id, payer_total, patient_total, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(inv.id)
    .bind(p.id)
    .bind(patient)
    .bind(payer_total)
    .bind(patient_total)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    for (line, s) in &rows {
        sqlx::query(
            "INSERT INTO insurance_split_lines (split_id, line_id, line_total, payer_share, patient_share, copay, deductible,
                                                rule, preauth_missing)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(line)
        .bind(s.payer + s.patient)
        .bind(s.payer)
        .bind(s.patient)
        .bind(s.copay)
        .bind(s.deductible)
        .bind(s.rule)
        .bind(s.rule == "preauth_missing")
        .execute(&mut *conn)
        .await?;
    }
    for (y, t) in &totals {
        sqlx::query(
            "UPDATE insurance_accumulators SET deductible_used = $3, payer_paid = $4 WHERE policy_id = $1 AND year = $2",
        )
        .bind(p.id)
        .bind(y)
        .bind(t.deductible_used)
        .bind(t.payer_paid)
        .execute(&mut *conn)
        .await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("insurance.split.create", "insurance_split", id)
            .patient(patient)
            .changes(json!({"invoice": inv.id, "policy": p.id, "payer": payer_total, "patient": patient_total})),
    )
    .await?;
    Ok(id)
}

const SPLIT: &str = "SELECT s.id, s.invoice_id, s.policy_id, y.name AS payer, s.payer_total, s.patient_total, i.currency,
        i.exponent, i.number
     FROM insurance_splits s JOIN billing_invoices i ON i.id = s.invoice_id JOIN insurance_policies c ON c.id = s.policy_id
     JOIN insurance_plans pl ON pl.id = c.plan_id JOIN insurance_payers y ON y.id = pl.payer_id";

async fn with_lines(conn: &mut PgConnection, mut s: InsuranceSplit) -> sqlx::Result<InsuranceSplit> {
    s.lines = sqlx::query_as(
        "SELECT sl.line_id, l.code, l.description, sl.line_total, sl.payer_share, sl.patient_share, sl.copay, sl.deductible,
                sl.rule, sl.preauth_missing
         FROM insurance_split_lines sl JOIN billing_invoice_lines l ON l.id = sl.line_id
         WHERE sl.split_id = $1 ORDER BY l.position",
    )
    .bind(s.id)
    .fetch_all(conn)
    .await?;
    Ok(s)
}

pub async fn split(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<InsuranceSplit>> {
    let s: Option<InsuranceSplit> =
        sqlx::query_as(&format!("{SPLIT} WHERE s.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    match s {
        Some(s) => Ok(Some(with_lines(conn, s).await?)),
        None => Ok(None),
    }
}

/// The splits of the patient's invoices in the reader's facilities.
pub async fn splits_of(
    conn: &mut PgConnection,
    user: &CurrentUser,
    patient: Uuid,
) -> sqlx::Result<Vec<InsuranceSplit>> {
    let rows: Vec<InsuranceSplit> = sqlx::query_as(&format!(
        "{SPLIT} WHERE s.patient_id = $1 AND ($2::uuid[] IS NULL OR i.facility_id = ANY($2)) ORDER BY s.created_at DESC LIMIT 100"
    ))
    .bind(patient)
    .bind(scope(user))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for s in rows {
        out.push(with_lines(&mut *conn, s).await?);
    }
    Ok(out)
}

// ---- Claims ----

const CLAIM: &str =
    "SELECT cl.id, cl.invoice_id, cl.policy_id, cl.patient_id, cl.facility_id, p.mrn, y.name AS payer, i.number,
        cl.status, cl.claimed, cl.paid, i.currency, i.exponent, cl.reason, cl.payment_id, cl.created_at
     FROM insurance_claims cl JOIN billing_invoices i ON i.id = cl.invoice_id JOIN patients p ON p.id = cl.patient_id
     JOIN insurance_policies c ON c.id = cl.policy_id JOIN insurance_plans pl ON pl.id = c.plan_id
     JOIN insurance_payers y ON y.id = pl.payer_id";

/// Builds the claim of an invoice for a policy from its split (split first when not yet done):
/// one claim per invoice and policy (`insurance_claims_once`), the lines the payer owes a share of.
pub async fn create_claim(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    user: &CurrentUser,
    patient: Uuid,
    f: &InsuranceClaimForm,
) -> AppResult<Uuid> {
    let Some(invoice) = f.invoice else {
        return Err(AppError::field("invoice", "Choose a finalised invoice."));
    };
    let p = policy_of(&mut *conn, patient, f.policy).await?;
    let inv = match hearth_billing::repo::load_for(&mut *conn, user, patient, invoice).await {
        Err(AppError::NotFound) => return Err(AppError::field("invoice", "Choose a finalised invoice.")),
        r => r?,
    };
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insurance_claims WHERE invoice_id = $1 AND policy_id = $2)")
            .bind(inv.id)
            .bind(p.id)
            .fetch_one(&mut *conn)
            .await?;
    if exists {
        return Err(AppError::Conflict("This invoice already has a claim for this policy.".into()));
    }
    let split_id: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM insurance_splits WHERE invoice_id = $1 AND policy_id = $2")
            .bind(inv.id)
            .bind(p.id)
            .fetch_optional(&mut *conn)
            .await?;
    let split_id = match split_id {
        Some(s) => s,
        None => split_invoice(&mut *conn, meta, user, patient, inv.id, Some(p.id)).await?,
    };
    let s = split(&mut *conn, split_id).await?.ok_or(AppError::NotFound)?;
    if s.payer_total < 1 {
        return Err(AppError::Conflict("The payer owes nothing on this invoice: there is nothing to claim.".into()));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO insurance_claims (id, invoice_id, policy_id, split_id, patient_id, facility_id, claimed, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(inv.id)
    .bind(p.id)
    .bind(split_id)
    .bind(patient)
    .bind(inv.facility_id)
    .bind(s.payer_total)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    for l in s.lines.iter().filter(|l| l.payer_share > 0) {
        sqlx::query("INSERT INTO insurance_claim_lines (claim_id, line_id, claimed) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(l.line_id)
            .bind(l.payer_share)
            .execute(&mut *conn)
            .await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("insurance.claim.create", "insurance_claim", id)
            .patient(patient)
            .changes(json!({"invoice": inv.id, "policy": p.id, "claimed": s.payer_total})),
    )
    .await?;
    Ok(id)
}

pub async fn claim(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<InsuranceClaim>> {
    sqlx::query_as(&format!("{CLAIM} WHERE cl.id = $1")).bind(id).fetch_optional(conn).await
}

/// A claim in the user's facilities, or 404.
pub async fn claim_for(conn: &mut PgConnection, user: &CurrentUser, id: Uuid) -> AppResult<InsuranceClaim> {
    match claim(conn, id).await? {
        Some(c) if in_scope(user, c.facility_id) => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

pub async fn claim_detail(conn: &mut PgConnection, claim: InsuranceClaim) -> AppResult<InsuranceClaimDetail> {
    let lines = sqlx::query_as(
        "SELECT cl.line_id, l.code, l.description, cl.claimed, cl.paid, cl.adjustment_code
         FROM insurance_claim_lines cl JOIN billing_invoice_lines l ON l.id = cl.line_id
         WHERE cl.claim_id = $1 ORDER BY l.position",
    )
    .bind(claim.id)
    .fetch_all(conn)
    .await?;
    Ok(InsuranceClaimDetail { claim, lines })
}

/// Claims of the reader's facilities (optionally in one status, or of one patient), newest first.
pub async fn claims(
    pool: &PgPool,
    user: &CurrentUser,
    status: Option<&str>,
    patient: Option<Uuid>,
) -> sqlx::Result<Vec<InsuranceClaim>> {
    sqlx::query_as(&format!(
        "{CLAIM} WHERE ($1::uuid[] IS NULL OR cl.facility_id = ANY($1)) AND ($2::text IS NULL OR cl.status = $2)
           AND ($3::uuid IS NULL OR cl.patient_id = $3)
         ORDER BY cl.created_at DESC, cl.id DESC LIMIT 300"
    ))
    .bind(scope(user))
    .bind(status)
    .bind(patient)
    .fetch_all(pool)
    .await
}

/// `submit` (draft → submitted), `accept` (submitted → accepted) or `reject` (submitted →
/// rejected, with the payer's reason).
pub async fn claim_action(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &InsuranceClaim,
    f: &InsuranceClaimAction,
) -> AppResult<()> {
    let (from, to) = match f.action.as_str() {
        "submit" => ("draft", "submitted"),
        "accept" => ("submitted", "accepted"),
        "reject" => ("submitted", "rejected"),
        _ => return Err(AppError::field("action", "Choose submit, accept or reject.")),
    };
    let reason = f.reason.trim();
    if to == "rejected"
        && (reason.is_empty() || reason.chars().count() > 500 || hearth_core::web::input::free_text(reason).is_err())
    {
        return Err(AppError::field("reason", "Give the payer's reason (at most 500 characters)."));
    }
    let n = sqlx::query(
        "UPDATE insurance_claims SET status = $3, reason = CASE WHEN $3 = 'rejected' THEN $4 ELSE reason END,
                submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END,
                decided_at = CASE WHEN $3 IN ('accepted', 'rejected') THEN now() ELSE decided_at END
         WHERE id = $1 AND status = $2",
    )
    .bind(c.id)
    .bind(from)
    .bind(to)
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(format!("Only a {from} claim can be changed that way.")));
    }
    let action = format!("insurance.claim.{}", f.action);
    audit::record(
        conn,
        meta,
        Event::new(&action, "insurance_claim", c.id).patient(c.patient_id).changes(json!({"status": to})),
    )
    .await?;
    Ok(())
}

/// Posts the payer's remittance: the amount paid per claim line (at most its claimed amount; an
/// adjustment reason code from [`ADJUSTMENT_CODES`] when less), the total as a billing payment of
/// method `insurance` on the invoice. The unpaid remainder stays on the invoice: the patient's
/// responsibility (billing has no write-off yet). The claim becomes paid, partially paid or denied.
pub async fn remit(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &InsuranceClaim,
    f: &InsuranceRemittance,
) -> AppResult<String> {
    let status: String = sqlx::query_scalar("SELECT status FROM insurance_claims WHERE id = $1 FOR UPDATE")
        .bind(c.id)
        .fetch_one(&mut *conn)
        .await?;
    let lines: Vec<(Uuid, i64)> =
        sqlx::query_as("SELECT line_id, claimed FROM insurance_claim_lines WHERE claim_id = $1")
            .bind(c.id)
            .fetch_all(&mut *conn)
            .await?;
    let mut e = hearth_core::web::FieldErrors::default();
    let reference = f.reference.trim();
    if reference.chars().count() > 60
        || (!reference.is_empty() && hearth_core::web::input::free_text(reference).is_err())
    {
        e.add("reference", "At most 60 characters.");
    }
    if f.lines.len() != lines.len() {
        e.add("lines", "Enter one amount for every line of the claim.");
    }
    let mut seen = Vec::new();
    for (i, r) in f.lines.iter().enumerate() {
        let n = i + 1;
        let Some(claimed) = r.line_id.and_then(|id| lines.iter().find(|(l, _)| *l == id)).map(|(_, c)| *c) else {
            e.add("lines", format!("Line {n}: not a line of this claim."));
            continue;
        };
        if seen.contains(&r.line_id) {
            e.add("lines", format!("Line {n}: entered twice."));
        }
        seen.push(r.line_id);
        if r.paid < 0 || r.paid > claimed {
            e.add("lines", format!("Line {n}: the amount paid is 0 to the amount claimed."));
        }
        let code = r.adjustment_code.trim();
        if r.paid < claimed && !ADJUSTMENT_CODES.iter().any(|(k, _)| *k == code) {
            e.add("lines", format!("Line {n}: choose an adjustment reason code from the list."));
        }
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    if !matches!(status.as_str(), "submitted" | "accepted") {
        return Err(AppError::Conflict("Only a submitted or accepted claim can be remitted.".into()));
    }
    let total: i64 = f.lines.iter().map(|l| l.paid).sum();
    let new_status = if total == 0 {
        "denied"
    } else if total == c.claimed {
        "paid"
    } else {
        "partially_paid"
    };
    let payment = if total > 0 {
        let inv = hearth_billing::repo::load(&mut *conn, c.invoice_id).await?.ok_or(AppError::NotFound)?;
        Some(hearth_billing::repo::pay_by_payer(&mut *conn, meta, &inv, total, reference).await?)
    } else {
        None
    };
    for r in &f.lines {
        let code = r.adjustment_code.trim();
        sqlx::query(
            "UPDATE insurance_claim_lines SET paid = $3, adjustment_code = NULLIF($4, '') WHERE claim_id = $1 AND line_id = $2",
        )
        .bind(c.id)
        .bind(r.line_id)
        .bind(r.paid)
        .bind(if r.paid < lines.iter().find(|(l, _)| Some(*l) == r.line_id).map(|x| x.1).unwrap_or(0) { code } else { "" })
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE insurance_claims SET status = $2, paid = $3, payment_id = $4, remitted_at = now() WHERE id = $1",
    )
    .bind(c.id)
    .bind(new_status)
    .bind(total)
    .bind(payment)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("insurance.claim.remit", "insurance_claim", c.id)
            .patient(c.patient_id)
            .changes(json!({"status": new_status, "paid": total})),
    )
    .await?;
    Ok(new_status.to_string())
}
