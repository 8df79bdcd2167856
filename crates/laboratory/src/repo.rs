//! All SQL of the laboratory's work: work lists, collection, receipt, rejection, result entry
//! (flags, delta check, eGFR), review, verification, release (critical alerts, the orderer's
//! inbox, charge capture), amendment and critical-value calls. Writes take the caller's
//! transaction and audit on it; state transitions are guarded in the UPDATE's WHERE.

use std::collections::HashMap;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::catalogue;
use crate::model::{self, LabResult, LabSpecimen, ResultEntry};
use hearth_alerts::{NewAlert, Severity};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::Registry;
use hearth_core::web::FieldErrors;

/// The alert kind of a released critical value (declared in the descriptor).
pub const CRITICAL_ALERT: &str = "laboratory.critical_value";
/// What a released laboratory order is billed as (charge capture's `kind`).
pub const CHARGE_KIND: &str = "result";
/// Lists are bounded.
pub const LIST_LIMIT: i64 = 200;

const SPECIMEN_SELECT: &str = "SELECT s.id, s.lab_order_id, lo.order_id, s.patient_id,
        p.family_name || ', ' || p.given_name AS patient, p.mrn, lo.code, lo.is_panel, lo.display, lo.section, lo.priority,
        o.indication, ou.display_name AS orderer, s.status, s.accession, s.specimen, s.container, lo.ordered_at,
        s.collected_at, cu.display_name AS collector, s.received_at, s.reject_reason, s.reject_note, s.recollect_of
     FROM lab_specimens s
     JOIN lab_orders lo ON lo.id = s.lab_order_id
     JOIN orders o ON o.id = lo.order_id
     JOIN patients p ON p.id = s.patient_id
     JOIN users ou ON ou.id = lo.orderer_id
     LEFT JOIN users cu ON cu.id = s.collected_by";

const PRIORITY_ORDER: &str = "CASE lo.priority WHEN 'stat' THEN 0 WHEN 'asap' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END";

/// Specimens in a state, most urgent and oldest first. `to_collect` lists only active orders
/// (not drafts, held or revoked ones). `section` narrows to one section.
pub async fn specimens(pool: &PgPool, status: &str, section: Option<&str>) -> sqlx::Result<Vec<LabSpecimen>> {
    let active = if status == "to_collect" { " AND o.status = 'active'" } else { "" };
    sqlx::query_as(&format!(
        "{SPECIMEN_SELECT} WHERE s.status = $1{active} AND ($2::text IS NULL OR lo.section = $2)
         ORDER BY {PRIORITY_ORDER}, lo.ordered_at, s.id LIMIT $3"
    ))
    .bind(status)
    .bind(section)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// Received specimens of a section that have no results yet (the worksheet's entry list).
pub async fn to_enter(pool: &PgPool, section: &str) -> sqlx::Result<Vec<LabSpecimen>> {
    sqlx::query_as(&format!(
        "{SPECIMEN_SELECT} WHERE s.status = 'received' AND lo.section = $1
           AND NOT EXISTS (SELECT 1 FROM lab_results r WHERE r.specimen_id = s.id)
         ORDER BY {PRIORITY_ORDER}, s.received_at, s.id LIMIT $2"
    ))
    .bind(section)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

pub async fn specimen(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<LabSpecimen>> {
    sqlx::query_as(&format!("{SPECIMEN_SELECT} WHERE s.id = $1")).bind(id).fetch_optional(conn).await
}

pub async fn specimen_by_accession(pool: &PgPool, accession: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM lab_specimens WHERE accession = $1")
        .bind(accession.trim().to_uppercase())
        .fetch_optional(pool)
        .await
}

/// The patient's lab specimens still in progress (the chart's pending list).
pub async fn patient_pending(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<LabSpecimen>> {
    sqlx::query_as(&format!(
        "{SPECIMEN_SELECT} WHERE s.patient_id = $1 AND s.status IN ('to_collect', 'collected', 'received')
           AND lo.status = 'open' AND o.status IN ('draft', 'active', 'on_hold')
         ORDER BY lo.ordered_at DESC, s.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

const RESULT_SELECT: &str = "SELECT r.id, r.lab_order_id, r.specimen_id, r.patient_id, s.accession, r.test, t.loinc,
        t.name, r.value_num::float8 AS value_num, r.censor, t.decimals, r.unit, r.ref_low::float8 AS ref_low,
        r.ref_high::float8 AS ref_high, r.flag, r.critical, r.calculated, r.comment, r.status,
        r.delta_prev::float8 AS delta_prev, r.delta_failed, eu.display_name AS entered_by,
        vu.display_name AS verified_by, ru.display_name AS released_by, r.entered_at, r.released_at,
        s.collected_at, r.replaces, r.amend_reason,
        EXISTS (SELECT 1 FROM lab_calls c WHERE c.result_id = r.id) AS called
     FROM lab_results r
     JOIN lab_tests t ON t.code = r.test
     JOIN lab_specimens s ON s.id = r.specimen_id
     JOIN users eu ON eu.id = r.entered_by
     LEFT JOIN users vu ON vu.id = r.verified_by
     LEFT JOIN users ru ON ru.id = r.released_by";

/// The results (not superseded) of several specimens, by specimen, calculated ones last, then by
/// test name: one query for a whole worksheet.
pub async fn results_of_specimens(pool: &PgPool, specimens: &[Uuid]) -> sqlx::Result<HashMap<Uuid, Vec<LabResult>>> {
    let rows: Vec<LabResult> = sqlx::query_as(&format!(
        "{RESULT_SELECT} WHERE r.specimen_id = ANY($1) AND r.status <> 'superseded'
         ORDER BY r.specimen_id, r.calculated, t.name"
    ))
    .bind(specimens)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<Uuid, Vec<LabResult>> = HashMap::new();
    for r in rows {
        out.entry(r.specimen_id).or_default().push(r);
    }
    Ok(out)
}

/// Every panel's member tests in panel order (active or not: an order placed before a panel
/// was retired still lists its tests).
pub async fn panel_members(pool: &PgPool) -> sqlx::Result<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT panel, test FROM lab_panel_tests ORDER BY panel, position").fetch_all(pool).await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (panel, test) in rows {
        out.entry(panel).or_default().push(test);
    }
    Ok(out)
}

/// Sex and birth date of several patients (reference ranges depend on both).
pub async fn sex_and_birth(pool: &PgPool, patients: &[Uuid]) -> sqlx::Result<HashMap<Uuid, (String, Option<Date>)>> {
    let rows: Vec<(Uuid, String, Option<Date>)> =
        sqlx::query_as("SELECT id, sex, birth_date FROM patients WHERE id = ANY($1)")
            .bind(patients)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id, sex, birth)| (id, (sex, birth))).collect())
}

/// Specimens of a section with results awaiting review, verification or release.
pub async fn to_release(pool: &PgPool, section: &str) -> sqlx::Result<Vec<LabSpecimen>> {
    sqlx::query_as(&format!(
        "{SPECIMEN_SELECT} WHERE lo.section = $1
           AND EXISTS (SELECT 1 FROM lab_results r WHERE r.specimen_id = s.id AND r.status IN ('entered', 'held', 'verified'))
         ORDER BY {PRIORITY_ORDER}, s.received_at, s.id LIMIT $2"
    ))
    .bind(section)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// Released critical results of the last 7 days without a recorded phone call.
pub async fn critical_uncalled(pool: &PgPool) -> sqlx::Result<Vec<LabResult>> {
    sqlx::query_as(&format!(
        "{RESULT_SELECT} WHERE r.status = 'released' AND r.critical AND r.released_at > now() - interval '7 days'
           AND NOT EXISTS (SELECT 1 FROM lab_calls c WHERE c.result_id = r.id)
         ORDER BY r.released_at LIMIT $1"
    ))
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// A patient's released results (and the originals that corrections replaced), newest first;
/// `test` narrows to one test's history.
pub async fn patient_results(pool: &PgPool, patient: Uuid, test: Option<&str>) -> sqlx::Result<Vec<LabResult>> {
    sqlx::query_as(&format!(
        "{RESULT_SELECT} WHERE r.patient_id = $1 AND r.status IN ('released', 'superseded')
           AND ($2::text IS NULL OR r.test = $2)
         ORDER BY r.released_at DESC, r.id DESC LIMIT $3"
    ))
    .bind(patient)
    .bind(test)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

fn conflict(msg: &str) -> AppError {
    AppError::Conflict(msg.into())
}

/// The specimen's state for a guarded step: 404 when absent, else its status.
async fn status_of(conn: &mut PgConnection, id: Uuid) -> AppResult<String> {
    sqlx::query_scalar("SELECT status FROM lab_specimens WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Collection (positive identification is the collector's duty; phase 1 records who and when):
/// to_collect → collected, with an accession number generated by the database. The order must
/// be active. Another collection of the same specimen answers 409.
pub async fn collect(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    collector: Uuid,
    at: Option<OffsetDateTime>,
) -> AppResult<String> {
    let s = specimen(conn, id).await?.ok_or(AppError::NotFound)?;
    let header = hearth_orders::load(conn, s.order_id).await?.ok_or(AppError::NotFound)?;
    if header.status != "active" {
        return Err(conflict("The order is not active (draft, on hold, revoked or completed): nothing to collect."));
    }
    let now = OffsetDateTime::now_utc();
    let at = at.unwrap_or(now);
    if at > now + time::Duration::minutes(5) || at < s.ordered_at - time::Duration::minutes(5) {
        return Err(AppError::field("collected_at", "The collection time is after the order and not in the future."));
    }
    let accession: Option<String> = sqlx::query_scalar(
        "UPDATE lab_specimens SET status = 'collected', accession = lab_next_accession(), collected_at = $2,
                collected_by = $3
         WHERE id = $1 AND status = 'to_collect' RETURNING accession",
    )
    .bind(id)
    .bind(at)
    .bind(collector)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(accession) = accession else {
        return Err(conflict("This specimen is already collected."));
    };
    hearth_orders::repo::set_fulfilment(conn, meta, s.order_id, "specimen collected").await?;
    audit::record(
        conn,
        meta,
        Event::new("laboratory.specimen.collect", "lab_specimen", id)
            .patient(s.patient_id)
            .changes(json!({"accession": accession, "collected_at": at.to_string()})),
    )
    .await?;
    Ok(accession)
}

/// Receipt in the laboratory: collected → received. A second receipt answers 409.
pub async fn receive(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid) -> AppResult<()> {
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE lab_specimens s SET status = 'received', received_at = now(), received_by = $2
         FROM lab_orders lo WHERE lo.id = s.lab_order_id AND s.id = $1 AND s.status = 'collected'
         RETURNING s.patient_id, lo.order_id",
    )
    .bind(id)
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, order)) = row else {
        return Err(match status_of(conn, id).await?.as_str() {
            "received" => conflict("This specimen is already received."),
            "to_collect" => conflict("This specimen is not collected yet."),
            _ => conflict("This specimen was rejected or cancelled."),
        });
    };
    hearth_orders::repo::set_fulfilment(conn, meta, order, "specimen received in the laboratory").await?;
    audit::record(conn, meta, Event::new("laboratory.specimen.receive", "lab_specimen", id).patient(patient)).await?;
    Ok(())
}

/// Rejection with a coded reason (collected or received, no result yet): the specimen is
/// rejected and a recollection request (a new specimen to collect) is created. Returns its id.
pub async fn reject(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, reason: &str, note: &str) -> AppResult<Uuid> {
    let row: Option<(Uuid, Uuid, Uuid, String, String)> = sqlx::query_as(
        "UPDATE lab_specimens s SET status = 'rejected', rejected_at = now(), rejected_by = $2, reject_reason = $3,
                reject_note = $4
         FROM lab_orders lo
         WHERE lo.id = s.lab_order_id AND s.id = $1 AND s.status IN ('collected', 'received')
           AND NOT EXISTS (SELECT 1 FROM lab_results r WHERE r.specimen_id = s.id)
         RETURNING s.patient_id, lo.order_id, lo.id, s.specimen, s.container",
    )
    .bind(id)
    .bind(meta.actor_user_id)
    .bind(reason)
    .bind(note)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, order, lab_order, specimen, container)) = row else {
        status_of(conn, id).await?;
        return Err(conflict("Only a collected or received specimen without results can be rejected."));
    };
    let new_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO lab_specimens (id, lab_order_id, patient_id, specimen, container, recollect_of)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id)
    .bind(lab_order)
    .bind(patient)
    .bind(&specimen)
    .bind(&container)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    hearth_orders::repo::set_fulfilment(conn, meta, order, &format!("specimen rejected ({reason}); recollect")).await?;
    audit::record(
        conn,
        meta,
        Event::new("laboratory.specimen.reject", "lab_specimen", id)
            .patient(patient)
            .changes(json!({"reason": reason, "note": note, "recollection": new_id})),
    )
    .await?;
    Ok(new_id)
}

/// What result entry needs about the specimen.
#[derive(sqlx::FromRow)]
struct EntryContext {
    status: String,
    patient_id: Uuid,
    lab_order_id: Uuid,
    order_id: Uuid,
    code: String,
    is_panel: bool,
    sex: String,
    birth_date: Option<Date>,
    collected_at: Option<OffsetDateTime>,
}

async fn entry_context(conn: &mut PgConnection, specimen: Uuid) -> AppResult<EntryContext> {
    sqlx::query_as(
        "SELECT s.status, s.patient_id, s.lab_order_id, lo.order_id, lo.code, lo.is_panel, p.sex, p.birth_date,
                s.collected_at
         FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id JOIN patients p ON p.id = s.patient_id
         WHERE s.id = $1 FOR UPDATE OF s",
    )
    .bind(specimen)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The tests an order reports (a test, or a panel's members), in report order.
pub async fn order_tests(conn: &mut PgConnection, code: &str, is_panel: bool) -> sqlx::Result<Vec<model::LabTest>> {
    let codes: Vec<String> = if is_panel {
        sqlx::query_scalar("SELECT test FROM lab_panel_tests WHERE panel = $1 ORDER BY position")
            .bind(code)
            .fetch_all(&mut *conn)
            .await?
    } else {
        vec![code.to_string()]
    };
    let mut out = Vec::new();
    for c in codes {
        if let Some(t) = catalogue::test(conn, &c).await? {
            out.push(t);
        }
    }
    Ok(out)
}

/// One result to insert, computed.
struct NewResult {
    test: String,
    value: Option<f64>,
    censor: Option<&'static str>,
    unit: String,
    range: (Option<f64>, Option<f64>),
    flag: Option<&'static str>,
    critical: bool,
    calculated: bool,
    comment: String,
    delta_prev: Option<f64>,
    delta_failed: bool,
}

/// The patient's previous released value of a test (for the delta check).
async fn previous_value(conn: &mut PgConnection, patient: Uuid, test: &str) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar(
        "SELECT value_num::float8 FROM lab_results WHERE patient_id = $1 AND test = $2 AND status = 'released'
           AND value_num IS NOT NULL AND censor IS NULL
         ORDER BY released_at DESC LIMIT 1",
    )
    .bind(patient)
    .bind(test)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

#[allow(clippy::too_many_arguments)]
async fn compute(
    conn: &mut PgConnection,
    t: &model::LabTest,
    patient: Uuid,
    sex: &str,
    age_days: Option<i64>,
    value: Option<(Option<&'static str>, f64)>,
    comment: String,
    calculated: bool,
) -> sqlx::Result<NewResult> {
    let ranges = catalogue::ranges_of(conn, &t.code).await?;
    let range = model::pick_range(&ranges, sex, age_days).map(|r| (r.low, r.high)).unwrap_or((None, None));
    let (mut flag, mut delta_prev, mut delta_failed) = (None, None, false);
    if let Some((censor, v)) = value {
        flag = model::flag(censor, v, range, (t.critical_low, t.critical_high));
        if let (Some(limit), None) = (t.delta_limit, censor) {
            delta_prev = previous_value(conn, patient, &t.code).await?;
            delta_failed = delta_prev.is_some_and(|p| (v - p).abs() > limit);
        }
    }
    Ok(NewResult {
        test: t.code.clone(),
        value: value.map(|v| v.1),
        censor: value.and_then(|v| v.0),
        unit: t.unit.clone(),
        range,
        flag,
        critical: matches!(flag, Some("LL") | Some("HH")),
        calculated,
        comment,
        delta_prev,
        delta_failed,
    })
}

async fn insert_result(
    conn: &mut PgConnection,
    ctx: (Uuid, Uuid, Uuid),
    r: &NewResult,
    status: &str,
    entered_by: Uuid,
    replaces: Option<(Uuid, &str)>,
) -> AppResult<Uuid> {
    let (lab_order, specimen, patient) = ctx;
    let id = Uuid::new_v4();
    let released = status == "released";
    sqlx::query(
        "INSERT INTO lab_results (id, lab_order_id, specimen_id, patient_id, test, value_num, censor, unit, ref_low,
                                  ref_high, flag, critical, calculated, comment, status, delta_prev, delta_failed,
                                  entered_by, released_by, released_at, replaces, amend_reason)
         VALUES ($1,$2,$3,$4,$5,$6::float8::numeric,$7,$8,$9::float8::numeric,$10::float8::numeric,$11,$12,$13,$14,$15,
                 $16::float8::numeric,$17,$18,
                 CASE WHEN $19 THEN $18 END, CASE WHEN $19 THEN now() END, $20, $21)",
    )
    .bind(id)
    .bind(lab_order)
    .bind(specimen)
    .bind(patient)
    .bind(&r.test)
    .bind(r.value)
    .bind(r.censor)
    .bind(&r.unit)
    .bind(r.range.0)
    .bind(r.range.1)
    .bind(r.flag)
    .bind(r.critical)
    .bind(r.calculated)
    .bind(&r.comment)
    .bind(status)
    .bind(r.delta_prev)
    .bind(r.delta_failed)
    .bind(entered_by)
    .bind(released)
    .bind(replaces.map(|x| x.0))
    .bind(replaces.map(|x| x.1))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Enters results for a received specimen. Each value is parsed for its test (censored values
/// accepted), flagged against the patient's range and critical limits, and delta-checked: a
/// change beyond the test's limit is held for review. Creatinine brings its calculated eGFR
/// (CKD-EPI 2021), or a comment why it is not calculated. Returns the ids entered.
pub async fn enter(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    specimen: Uuid,
    entries: &[ResultEntry],
) -> AppResult<Vec<Uuid>> {
    let ctx = entry_context(conn, specimen).await?;
    if ctx.status != "received" {
        return Err(conflict("Results are entered only for a specimen received in the laboratory."));
    }
    let user = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let tests = order_tests(conn, &ctx.code, ctx.is_panel).await?;
    let mut errors = FieldErrors::default();
    let mut typed = Vec::new();
    for e in entries {
        let code = e.test.trim().to_uppercase();
        let (value, comment) = (e.value.trim(), e.comment.trim());
        if value.is_empty() && comment.is_empty() {
            continue;
        }
        let Some(t) = tests.iter().find(|t| t.code == code && !t.calculated) else {
            errors.add("results", format!("{code}: not a test of this order."));
            continue;
        };
        if comment.chars().count() > 500 {
            errors.add("results", format!("{}: the comment is at most 500 characters.", t.name));
            continue;
        }
        let parsed = if value.is_empty() {
            None
        } else {
            match model::parse_value(value) {
                Ok(v) => Some(v),
                Err(msg) => {
                    errors.add("results", format!("{}: {msg}", t.name));
                    continue;
                }
            }
        };
        typed.push((t.clone(), parsed, comment.to_string()));
    }
    if typed.is_empty() && errors.is_empty() {
        errors.add("results", "Enter at least one result.");
    }
    errors.into_result()?;
    let on = ctx.collected_at.unwrap_or_else(OffsetDateTime::now_utc).date();
    let age_days = model::age_days(ctx.birth_date, on);
    let mut ids = Vec::new();
    let key = (ctx.lab_order_id, specimen, ctx.patient_id);
    let mut entered_tests = Vec::new();
    for (t, parsed, comment) in &typed {
        let r = compute(conn, t, ctx.patient_id, &ctx.sex, age_days, *parsed, comment.clone(), false).await?;
        let status = if r.delta_failed { "held" } else { "entered" };
        ids.push(insert_result(conn, key, &r, status, user, None).await?);
        entered_tests.push(json!({"test": t.code, "flag": r.flag, "held": r.delta_failed}));
        if t.code == "CREA" {
            if let Some(egfr) = catalogue::test(conn, "EGFR").await? {
                let (value, comment) = egfr_for(*parsed, &ctx.sex, ctx.birth_date, on);
                let r = compute(conn, &egfr, ctx.patient_id, &ctx.sex, age_days, value, comment, true).await?;
                ids.push(insert_result(conn, key, &r, "entered", user, None).await?);
            }
        }
    }
    hearth_orders::repo::set_fulfilment(conn, meta, ctx.order_id, "results entered, awaiting release").await?;
    audit::record(
        conn,
        meta,
        Event::new("laboratory.result.enter", "lab_specimen", specimen)
            .patient(ctx.patient_id)
            .changes(json!({"results": entered_tests})),
    )
    .await?;
    Ok(ids)
}

/// The calculated eGFR for a creatinine value: (value, comment).
fn egfr_for(
    creatinine: Option<(Option<&'static str>, f64)>,
    sex: &str,
    birth: Option<Date>,
    on: Date,
) -> (Option<(Option<&'static str>, f64)>, String) {
    let outcome = match (creatinine, birth) {
        (None, _) => return (None, "eGFR not calculated: no creatinine value.".into()),
        (Some((Some(_), _)), _) => Err(model::EgfrRefusal::Censored),
        (_, None) => Err(model::EgfrRefusal::AgeUnknown),
        (Some((None, scr)), Some(b)) => model::egfr_ckd_epi_2021(scr, model::age_years(b, on), sex),
    };
    match outcome {
        Ok(v) => (Some((None, v.round())), "Calculated: CKD-EPI 2021 creatinine equation (no race term).".into()),
        Err(why) => (None, why.comment().into()),
    }
}

/// Review of a result held by the delta check: held → entered, by a releaser.
pub async fn review(conn: &mut PgConnection, meta: &AuditMeta, result: Uuid) -> AppResult<()> {
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE lab_results SET status = 'entered', reviewed_by = $2 WHERE id = $1 AND status = 'held' RETURNING patient_id",
    )
    .bind(result)
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(patient) = patient else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM lab_results WHERE id = $1)")
            .bind(result)
            .fetch_one(&mut *conn)
            .await?;
        return Err(if exists { conflict("This result is not held for review.") } else { AppError::NotFound });
    };
    audit::record(conn, meta, Event::new("laboratory.result.review", "lab_result", result).patient(patient)).await?;
    Ok(())
}

/// Verification by a second person: the specimen's entered results → verified. The database
/// refuses a verifier who entered the result (`lab_results_verifier_not_enterer`).
pub async fn verify(conn: &mut PgConnection, meta: &AuditMeta, specimen: Uuid) -> AppResult<usize> {
    let held: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM lab_results WHERE specimen_id = $1 AND status = 'held')")
            .bind(specimen)
            .fetch_one(&mut *conn)
            .await?;
    if held {
        return Err(conflict("A result is held by the delta check: review it first."));
    }
    let rows: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE lab_results SET status = 'verified', verified_by = $2, verified_at = now()
         WHERE specimen_id = $1 AND status = 'entered' RETURNING patient_id",
    )
    .bind(specimen)
    .bind(meta.actor_user_id)
    .fetch_all(&mut *conn)
    .await?;
    let Some(patient) = rows.first().copied() else {
        status_of(conn, specimen).await?;
        return Err(conflict("There is nothing to verify for this specimen."));
    };
    audit::record(
        conn,
        meta,
        Event::new("laboratory.result.verify", "lab_specimen", specimen)
            .patient(patient)
            .changes(json!({"results": rows.len()})),
    )
    .await?;
    Ok(rows.len())
}

/// Release by a qualified person. Refused (409) while a result is held, or while the section
/// requires a second verifier and a result is not verified. Released criticals raise the
/// critical-value alert to the orderer; the summary goes to the orderer's results inbox; the
/// first release completes the order and captures its charge.
#[allow(clippy::type_complexity)]
pub async fn release(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    specimen: Uuid,
) -> AppResult<usize> {
    let ctx: Option<(Uuid, Uuid, Uuid, String, String, bool, String, String)> = sqlx::query_as(
        "SELECT s.patient_id, lo.id, lo.order_id, lo.code, lo.display, sec.second_verifier, lo.is_panel::text, lo.status
         FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id JOIN lab_sections sec ON sec.code = lo.section
         WHERE s.id = $1 FOR UPDATE OF lo",
    )
    .bind(specimen)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, lab_order, order, code, display, second, is_panel, lab_status)) = ctx else {
        return Err(AppError::NotFound);
    };
    let states: Vec<String> =
        sqlx::query_scalar("SELECT status FROM lab_results WHERE specimen_id = $1 AND status <> 'superseded'")
            .bind(specimen)
            .fetch_all(&mut *conn)
            .await?;
    if states.iter().any(|s| s == "held") {
        return Err(conflict("A result is held by the delta check: review it before release."));
    }
    if second && states.iter().any(|s| s == "entered") {
        return Err(conflict(
            "This section requires verification by a second person before release (not the person who entered it).",
        ));
    }
    let released: Vec<LabResultLite> = sqlx::query_as(
        "UPDATE lab_results r SET status = 'released', released_by = $2, released_at = now()
         FROM lab_tests t WHERE t.code = r.test AND r.specimen_id = $1 AND r.status IN ('entered', 'verified')
         RETURNING r.id, r.test, t.name, r.value_num::float8 AS value_num, r.censor, t.decimals, r.unit, r.flag,
                   r.critical, r.comment",
    )
    .bind(specimen)
    .bind(meta.actor_user_id)
    .fetch_all(&mut *conn)
    .await?;
    if released.is_empty() {
        return Err(if states.is_empty() {
            conflict("There are no results to release for this specimen.")
        } else {
            conflict("These results are already released.")
        });
    }
    let header = hearth_orders::load(conn, order).await?.ok_or(AppError::NotFound)?;
    for r in released.iter().filter(|r| r.critical) {
        raise_critical(conn, registry, meta, patient, header.orderer_id, r).await?;
    }
    let summary: Vec<String> = released.iter().map(LabResultLite::summary).collect();
    let summary = format!("{display}: {}", summary.join("; "));
    let summary: String = summary.chars().take(2000).collect();
    if matches!(header.status.as_str(), "active" | "completed" | "on_hold") {
        hearth_orders::repo::release_result(conn, meta, order, &summary).await?;
    }
    if lab_status == "open" {
        if header.status == "active" {
            hearth_orders::repo::complete(conn, meta, order).await?;
        }
        sqlx::query("UPDATE lab_orders SET status = 'released' WHERE id = $1")
            .bind(lab_order)
            .execute(&mut *conn)
            .await?;
        let charge_code: String = if is_panel == "true" {
            sqlx::query_scalar("SELECT charge_code FROM lab_panels WHERE code = $1")
        } else {
            sqlx::query_scalar("SELECT charge_code FROM lab_tests WHERE code = $1")
        }
        .bind(&code)
        .fetch_one(&mut *conn)
        .await?;
        charge(conn, meta, patient, lab_order, &charge_code, &display, OffsetDateTime::now_utc()).await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("laboratory.result.release", "lab_specimen", specimen)
            .patient(patient)
            .changes(json!({"results": released.iter().map(|r| &r.test).collect::<Vec<_>>(),
                            "critical": released.iter().filter(|r| r.critical).count()})),
    )
    .await?;
    Ok(released.len())
}

/// Captures the charge of a released laboratory order (once per order).
pub async fn charge(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    lab_order: Uuid,
    charge_code: &str,
    display: &str,
    at: OffsetDateTime,
) -> AppResult<Uuid> {
    let code = format!("LAB:{charge_code}");
    hearth_charges::capture(
        conn,
        meta,
        &hearth_charges::NewCharge {
            patient,
            encounter: None,
            facility: None,
            source_module: "laboratory",
            source_row: lab_order,
            kind: CHARGE_KIND,
            code: &code,
            description: display,
            quantity: 1,
            performed_at: at,
            performer: meta.actor_user_id,
            replaces: None,
        },
    )
    .await
}

/// The few fields of a result that release needs.
#[derive(sqlx::FromRow)]
pub struct LabResultLite {
    pub id: Uuid,
    pub test: String,
    pub name: String,
    pub value_num: Option<f64>,
    pub censor: Option<String>,
    pub decimals: i32,
    pub unit: String,
    pub flag: Option<String>,
    pub critical: bool,
    pub comment: String,
}

impl LabResultLite {
    fn value(&self) -> String {
        match self.value_num {
            Some(v) => format!(
                "{}{} {}",
                self.censor.as_deref().map(|c| format!("{c} ")).unwrap_or_default(),
                model::fmt(v, self.decimals),
                self.unit
            ),
            None => self.comment.clone(),
        }
    }
    fn summary(&self) -> String {
        match &self.flag {
            Some(f) => format!("{} {} [{f}]", self.name, self.value()),
            None => format!("{} {}", self.name, self.value()),
        }
    }
}

async fn raise_critical(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    patient: Uuid,
    orderer: Uuid,
    r: &LabResultLite,
) -> AppResult<Uuid> {
    let title = format!("Critical {} {}", r.name.to_lowercase(), r.value());
    hearth_alerts::raise(
        conn,
        registry,
        meta,
        &NewAlert {
            patient,
            kind: CRITICAL_ALERT,
            severity: Severity::Critical,
            title: &title,
            source_module: "laboratory",
            source_id: r.id,
            to: Some(orderer),
            facility: None,
            department: None,
        },
    )
    .await
}

/// Amends a released result: the original is kept (superseded), the correction is released at
/// once, shown as corrected, sent to the orderer's inbox; a newly critical value alerts.
pub async fn amend(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    result: Uuid,
    value: &str,
    comment: &str,
    reason: &str,
) -> AppResult<Uuid> {
    let user = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::default();
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.add("reason", "Say why the result is corrected (1 to 500 characters).");
    }
    let parsed = if value.trim().is_empty() {
        if comment.trim().is_empty() {
            errors.add("value", "Enter the corrected value, or a comment.");
        }
        None
    } else {
        match model::parse_value(value) {
            Ok(v) => Some(v),
            Err(m) => {
                errors.add("value", m);
                None
            }
        }
    };
    if comment.chars().count() > 500 {
        errors.add("comment", "At most 500 characters.");
    }
    errors.into_result()?;
    let old: Option<(Uuid, Uuid, Uuid, String, bool, bool)> = sqlx::query_as(
        "UPDATE lab_results SET status = 'superseded' WHERE id = $1 AND status = 'released'
         RETURNING lab_order_id, specimen_id, patient_id, test, calculated, critical",
    )
    .bind(result)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((lab_order, specimen, patient, test, calculated, _was_critical)) = old else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM lab_results WHERE id = $1)")
            .bind(result)
            .fetch_one(&mut *conn)
            .await?;
        return Err(if exists {
            conflict("Only a released, current result can be corrected.")
        } else {
            AppError::NotFound
        });
    };
    if calculated {
        return Err(conflict("A calculated result is corrected by correcting the result it is calculated from."));
    }
    let ctx = entry_context(conn, specimen).await?;
    let t = catalogue::test(conn, &test).await?.ok_or(AppError::NotFound)?;
    let on = ctx.collected_at.unwrap_or_else(OffsetDateTime::now_utc).date();
    let mut r =
        compute(conn, &t, patient, &ctx.sex, model::age_days(ctx.birth_date, on), parsed, comment.trim().into(), false)
            .await?;
    r.delta_failed = false;
    let id = insert_result(conn, (lab_order, specimen, patient), &r, "released", user, Some((result, reason))).await?;
    let lite = LabResultLite {
        id,
        test: t.code.clone(),
        name: t.name.clone(),
        value_num: r.value,
        censor: r.censor.map(str::to_string),
        decimals: t.decimals,
        unit: t.unit.clone(),
        flag: r.flag.map(str::to_string),
        critical: r.critical,
        comment: r.comment.clone(),
    };
    let header = hearth_orders::load(conn, ctx.order_id).await?.ok_or(AppError::NotFound)?;
    if r.critical {
        raise_critical(conn, registry, meta, patient, header.orderer_id, &lite).await?;
    }
    if matches!(header.status.as_str(), "active" | "completed" | "on_hold") {
        let summary: String =
            format!("CORRECTED {}: {} (reason: {reason})", t.name, lite.value()).chars().take(2000).collect();
        hearth_orders::repo::release_result(conn, meta, ctx.order_id, &summary).await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("laboratory.result.amend", "lab_result", id)
            .patient(patient)
            .changes(json!({"replaces": result, "test": t.code, "reason": reason, "flag": r.flag})),
    )
    .await?;
    Ok(id)
}

/// Records the lab's phone call of a released critical result.
pub async fn record_call(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    result: Uuid,
    receiver: &str,
    at: OffsetDateTime,
) -> AppResult<Uuid> {
    let row: Option<(Uuid, bool, String)> =
        sqlx::query_as("SELECT patient_id, critical, status FROM lab_results WHERE id = $1")
            .bind(result)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((patient, critical, status)) = row else { return Err(AppError::NotFound) };
    if !critical || status != "released" {
        return Err(conflict("Calls are recorded for released critical results."));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO lab_calls (id, result_id, patient_id, caller_id, receiver, read_back, called_at)
         VALUES ($1, $2, $3, $4, $5, true, $6)",
    )
    .bind(id)
    .bind(result)
    .bind(patient)
    .bind(meta.actor_user_id)
    .bind(receiver)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("laboratory.critical.call", "lab_result", result)
            .patient(patient)
            .changes(json!({"receiver": receiver, "read_back": true, "called_at": at.to_string()})),
    )
    .await?;
    Ok(id)
}

/// Sets whether a section needs a second verifier.
pub async fn set_section(conn: &mut PgConnection, meta: &AuditMeta, code: &str, second: bool) -> AppResult<()> {
    let done = sqlx::query("UPDATE lab_sections SET second_verifier = $2 WHERE code = $1")
        .bind(code)
        .bind(second)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        conn,
        meta,
        Event::new("laboratory.section.update", "lab_section", Uuid::nil())
            .changes(json!({"section": code, "second_verifier": second})),
    )
    .await?;
    Ok(())
}

/// Counts for the laboratory's overview: to collect, to receive, to enter, to release, criticals to call.
pub async fn counts(pool: &PgPool) -> sqlx::Result<(i64, i64, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id
                  JOIN orders o ON o.id = lo.order_id WHERE s.status = 'to_collect' AND o.status = 'active'),
                (SELECT count(*) FROM lab_specimens WHERE status = 'collected'),
                (SELECT count(*) FROM lab_specimens s WHERE s.status = 'received'
                   AND NOT EXISTS (SELECT 1 FROM lab_results r WHERE r.specimen_id = s.id)),
                (SELECT count(DISTINCT specimen_id) FROM lab_results WHERE status IN ('entered', 'held', 'verified')),
                (SELECT count(*) FROM lab_results r WHERE r.status = 'released' AND r.critical
                   AND r.released_at > now() - interval '7 days'
                   AND NOT EXISTS (SELECT 1 FROM lab_calls c WHERE c.result_id = r.id))",
    )
    .fetch_one(pool)
    .await
}

/// The patient's latest released eGFR (mL/min/1.73 m²) and when its specimen was collected (or
/// the result released): for other modules' safety checks (radiology's contrast check).
pub async fn latest_egfr(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Option<(f64, OffsetDateTime)>> {
    sqlx::query_as(
        "SELECT r.value_num::float8, coalesce(s.collected_at, r.released_at)
         FROM lab_results r JOIN lab_specimens s ON s.id = r.specimen_id
         WHERE r.patient_id = $1 AND r.test = 'EGFR' AND r.status = 'released' AND r.value_num IS NOT NULL
         ORDER BY coalesce(s.collected_at, r.released_at) DESC LIMIT 1",
    )
    .bind(patient)
    .fetch_optional(conn)
    .await
}
