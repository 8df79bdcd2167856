//! All SQL of radiology's work: the lists (to protocol, to book, worklist, to report), the
//! steps (protocol, booking with its safety checks and overrides, arrival, start, completion
//! with charge capture), reports (preliminary → final, addenda, critical alerts, the orderer's
//! inbox) and rooms. Writes take the caller's transaction and audit on it; state transitions are
//! guarded in the UPDATE's WHERE; the room's schedule is an exclusion constraint.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::catalogue;
use crate::model::{
    self, Finding, Level, RadiologyAddendum, RadiologyAddendumForm, RadiologyBookForm, RadiologyOrder,
    RadiologyOverride, RadiologyProtocolForm, RadiologyReport, RadiologyReportForm, SafetyInput,
};
use hearth_alerts::{NewAlert, Severity};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::Registry;
use hearth_core::web::FieldErrors;

/// The alert kind of a critical imaging finding (declared in the descriptor).
pub const CRITICAL_ALERT: &str = "radiology.critical_finding";
/// What a completed exam is billed as (charge capture's `kind`).
pub const CHARGE_KIND: &str = "exam";
pub const LIST_LIMIT: i64 = 200;

const ORDER_SELECT: &str = "SELECT ro.id, ro.order_id, ro.patient_id, p.family_name || ', ' || p.given_name AS patient,
        p.mrn, ro.facility_id, ro.procedure, pr.name AS procedure_name, pr.modality, ro.laterality,
        ro.clinical_question, ro.priority, ro.orderer_id, ou.display_name AS orderer, ro.ordered_at, ro.status,
        ro.protocol, ro.protocol_note, ro.reject_reason, ro.room_id, rm.name AS room, lower(ro.slot) AS start_at,
        upper(ro.slot) AS end_at, ro.accession, ro.safety, ro.completed_at, rr.status AS report_status
     FROM rad_orders ro
     JOIN rad_procedures pr ON pr.code = ro.procedure
     JOIN patients p ON p.id = ro.patient_id
     JOIN users ou ON ou.id = ro.orderer_id
     LEFT JOIN rad_rooms rm ON rm.id = ro.room_id
     LEFT JOIN rad_reports rr ON rr.rad_order_id = ro.id";

const PRIORITY_ORDER: &str = "CASE ro.priority WHEN 'stat' THEN 0 WHEN 'asap' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END";

fn conflict(msg: &str) -> AppError {
    AppError::Conflict(msg.into())
}

/// Orders of the facilities in a status, most urgent and oldest first.
pub async fn by_status(pool: &PgPool, facilities: &[Uuid], status: &str) -> sqlx::Result<Vec<RadiologyOrder>> {
    sqlx::query_as(&format!(
        "{ORDER_SELECT} JOIN orders o ON o.id = ro.order_id
         WHERE ro.facility_id = ANY($1) AND ro.status = $2 AND o.status IN ('active', 'completed')
         ORDER BY {PRIORITY_ORDER}, ro.ordered_at, ro.id LIMIT $3"
    ))
    .bind(facilities)
    .bind(status)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// Completed exams without a final report (the reporting list).
pub async fn to_report(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<RadiologyOrder>> {
    sqlx::query_as(&format!(
        "{ORDER_SELECT} WHERE ro.facility_id = ANY($1) AND ro.status = 'completed'
           AND (rr.status IS NULL OR rr.status = 'preliminary')
         ORDER BY {PRIORITY_ORDER}, ro.completed_at, ro.id LIMIT $2"
    ))
    .bind(facilities)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// The worklist of a day: bookings in the facilities' rooms (one room or modality if given).
pub async fn worklist(
    pool: &PgPool,
    facilities: &[Uuid],
    day: (OffsetDateTime, OffsetDateTime),
    room: Option<Uuid>,
    modality: Option<&str>,
) -> sqlx::Result<Vec<RadiologyOrder>> {
    sqlx::query_as(&format!(
        "{ORDER_SELECT} WHERE rm.facility_id = ANY($1) AND lower(ro.slot) >= $2 AND lower(ro.slot) < $3
           AND ro.status IN ('scheduled', 'arrived', 'in_progress', 'completed')
           AND ($4::uuid IS NULL OR ro.room_id = $4) AND ($5::text IS NULL OR pr.modality = $5)
         ORDER BY lower(ro.slot), rm.code, ro.id LIMIT $6"
    ))
    .bind(facilities)
    .bind(day.0)
    .bind(day.1)
    .bind(room)
    .bind(modality)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

pub async fn order(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<RadiologyOrder>> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE ro.id = $1")).bind(id).fetch_optional(conn).await
}

/// An order of the caller's facilities (else 404: another facility's order is not there).
pub async fn order_in(conn: &mut PgConnection, id: Uuid, facilities: &[Uuid]) -> AppResult<RadiologyOrder> {
    order(conn, id).await?.filter(|o| facilities.contains(&o.facility_id)).ok_or(AppError::NotFound)
}

/// The patient's imaging orders, newest first (bounded).
pub async fn patient_orders(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<RadiologyOrder>> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE ro.patient_id = $1 ORDER BY ro.ordered_at DESC, ro.id DESC LIMIT $2"))
        .bind(patient)
        .bind(LIST_LIMIT)
        .fetch_all(pool)
        .await
}

pub async fn report_of(conn: &mut PgConnection, rad_order: Uuid) -> sqlx::Result<Option<RadiologyReport>> {
    sqlx::query_as(
        "SELECT r.id, r.rad_order_id, r.status, r.findings, r.impression, r.critical, au.display_name AS author,
                su.display_name AS signed_by, r.signed_at, r.updated_at
         FROM rad_reports r JOIN users au ON au.id = r.author_id LEFT JOIN users su ON su.id = r.signed_by
         WHERE r.rad_order_id = $1",
    )
    .bind(rad_order)
    .fetch_optional(conn)
    .await
}

pub async fn addenda(conn: &mut PgConnection, report: Uuid) -> sqlx::Result<Vec<RadiologyAddendum>> {
    sqlx::query_as(
        "SELECT a.id, a.text, a.critical, u.display_name AS signed_by, a.signed_at
         FROM rad_addenda a JOIN users u ON u.id = a.signed_by WHERE a.report_id = $1 ORDER BY a.signed_at, a.id LIMIT 100",
    )
    .bind(report)
    .fetch_all(conn)
    .await
}

pub async fn overrides(conn: &mut PgConnection, rad_order: Uuid) -> sqlx::Result<Vec<RadiologyOverride>> {
    sqlx::query_as(
        "SELECT o.check_code, o.reason, u.display_name AS by_user, o.at
         FROM rad_overrides o JOIN users u ON u.id = o.by_user WHERE o.rad_order_id = $1 ORDER BY o.at, o.check_code",
    )
    .bind(rad_order)
    .fetch_all(conn)
    .await
}

/// The header must be active (not a draft, held, revoked or completed order).
async fn require_active(conn: &mut PgConnection, o: &RadiologyOrder) -> AppResult<()> {
    let header = hearth_orders::load(conn, o.order_id).await?.ok_or(AppError::NotFound)?;
    if header.status != "active" {
        return Err(conflict("The order is not active (draft, on hold, revoked or completed)."));
    }
    Ok(())
}

/// Protocolling by a radiologist: accept (the procedure's standard protocol), change the
/// protocol, or reject with a reason (the order is revoked in the orders core).
pub async fn protocol(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    facilities: &[Uuid],
    f: &RadiologyProtocolForm,
) -> AppResult<()> {
    let o = order_in(conn, id, facilities).await?;
    let note = f.note.trim();
    if note.chars().count() > 1000 {
        return Err(AppError::field("note", "The note is at most 1,000 characters."));
    }
    let (status, protocol, reason) = match f.decision.as_str() {
        "accept" => ("protocolled", Some(format!("Standard: {}", o.procedure_name)), None),
        "change" => {
            let p = f.protocol.trim();
            if p.is_empty() || p.chars().count() > 500 {
                return Err(AppError::field("protocol", "Describe the changed protocol (at most 500 characters)."));
            }
            ("protocolled", Some(p.to_string()), None)
        }
        "reject" => {
            let r = f.reason.trim();
            if r.is_empty() || r.chars().count() > 500 {
                return Err(AppError::field("reason", "Give the reason for rejecting (at most 500 characters)."));
            }
            ("rejected", None, Some(r.to_string()))
        }
        _ => return Err(AppError::field("decision", "Choose accept, change or reject.")),
    };
    require_active(conn, &o).await?;
    let done = sqlx::query(
        "UPDATE rad_orders SET status = $2, protocol = $3, protocol_note = $4, reject_reason = $5,
                protocolled_by = $6, protocolled_at = now()
         WHERE id = $1 AND status = 'requested'",
    )
    .bind(id)
    .bind(status)
    .bind(&protocol)
    .bind(note)
    .bind(&reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(conflict("This order is already protocolled or rejected."));
    }
    if let Some(r) = &reason {
        let actor = meta.actor_user_id.ok_or(AppError::Forbidden)?;
        let why = format!("Rejected by radiology: {r}");
        hearth_orders::repo::transition(conn, meta, o.order_id, hearth_orders::repo::Action::Revoke, actor, Some(&why))
            .await?;
    } else {
        hearth_orders::repo::set_fulfilment(conn, meta, o.order_id, "protocolled by radiology").await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("radiology.order.protocol", "rad_order", id)
            .patient(o.patient_id)
            .changes(json!({"decision": f.decision, "protocol": protocol, "reason": reason})),
    )
    .await?;
    Ok(())
}

/// What the patient record gives the safety checks: age (years) and sex at birth.
async fn patient_facts(conn: &mut PgConnection, patient: Uuid, on: time::Date) -> sqlx::Result<(Option<i32>, String)> {
    let (birth, birth_sex, sex): (Option<time::Date>, Option<String>, String) =
        sqlx::query_as("SELECT birth_date, birth_sex, sex FROM patients WHERE id = $1")
            .bind(patient)
            .fetch_one(conn)
            .await?;
    Ok((birth.map(|b| model::age_years(b, on)), birth_sex.filter(|s| s != "unknown").unwrap_or(sex)))
}

/// The outcome of a booking.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RadiologyBooked {
    pub accession: String,
    /// The safety findings recorded (advice, overridden prompts).
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Finding>,
}

/// Books a protocolled order onto a room of its modality at `start` (the procedure's
/// duration): the safety checks run first — a hard stop refuses, prompts need an override
/// reason (stored per prompt and audited), a missing answer is a field error. The room's
/// schedule is an exclusion constraint (409 when taken). The database gives the accession.
pub async fn book(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    facilities: &[Uuid],
    f: &RadiologyBookForm,
    start: Option<OffsetDateTime>,
) -> AppResult<RadiologyBooked> {
    let o = order_in(conn, id, facilities).await?;
    let mut errors = FieldErrors::default();
    let room_id: Option<Uuid> = f.room_id.trim().parse().ok();
    let room = match room_id {
        Some(r) => catalogue::room(conn, r).await?,
        None => None,
    };
    let room = room.filter(|r| facilities.contains(&r.facility_id) && r.active);
    match &room {
        None => errors.add("room_id", "Choose a room of your facilities."),
        Some(r) if r.modality != o.modality => errors.add("room_id", "This room is not for this modality."),
        _ => {}
    }
    let now = OffsetDateTime::now_utc();
    match start {
        None => errors.add("start", "Give the start time."),
        Some(s) if s < now - Duration::hours(24) || s > now + Duration::days(366) => {
            errors.add("start", "The start is within the coming year (or the last 24 hours for an exam already done).")
        }
        _ => {}
    }
    let reason = f.override_reason.trim();
    if reason.chars().count() > 500 {
        errors.add("override_reason", "The reason is at most 500 characters.");
    }
    let proc = catalogue::procedure(conn, &o.procedure).await?.ok_or(AppError::NotFound)?;
    let (age, birth_sex) = patient_facts(conn, o.patient_id, start.unwrap_or(now).date()).await?;
    let egfr = hearth_laboratory::repo::latest_egfr(conn, o.patient_id).await?;
    let input = SafetyInput {
        modality: &proc.modality,
        body_part: &proc.body_part,
        contrast: &proc.contrast,
        ionising: proc.ionising,
        age,
        birth_sex: &birth_sex,
        egfr,
        now,
    };
    let (findings, missing) = model::safety_checks(&input, f);
    for (field, msg) in missing {
        errors.add(field, msg);
    }
    if let Some(stop) = findings.iter().find(|x| x.level == Level::Stop) {
        errors.add("mr_implant", stop.message.clone());
    }
    let prompts: Vec<&Finding> = findings.iter().filter(|x| x.level == Level::Prompt).collect();
    if !prompts.is_empty() && reason.is_empty() {
        let text: Vec<&str> = prompts.iter().map(|p| p.message.as_str()).collect();
        errors.add("override_reason", format!("{} To proceed, give a reason for the override.", text.join(" ")));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let (Some(room), Some(start)) = (room, start) else { return Err(AppError::NotFound) };
    if o.status != "protocolled" {
        return Err(conflict(match o.status.as_str() {
            "requested" => "A radiologist must protocol this order before it is booked.",
            "rejected" => "This order was rejected by radiology.",
            _ => "This order is already booked.",
        }));
    }
    require_active(conn, &o).await?;
    let end = start + Duration::minutes(proc.duration_min.into());
    let safety = json!({
        "pregnancy": f.pregnancy, "mr_implant": f.mr_implant, "mr_conditions": f.mr_conditions.trim(),
        "prior_contrast_reaction": f.prior_contrast_reaction, "on_metformin": f.on_metformin,
        "egfr": egfr.map(|e| json!({"value": e.0, "at": e.1.to_string()})),
        "findings": findings, "override_reason": (!prompts.is_empty()).then_some(reason),
    });
    let accession: Option<String> = sqlx::query_scalar(
        "UPDATE rad_orders SET status = 'scheduled', room_id = $2, slot = tstzrange($3, $4, '[)'),
                accession = rad_next_accession(), safety = $5, booked_by = $6
         WHERE id = $1 AND status = 'protocolled' RETURNING accession",
    )
    .bind(id)
    .bind(room.id)
    .bind(start)
    .bind(end)
    .bind(&safety)
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(accession) = accession else {
        return Err(conflict("This order is already booked."));
    };
    let by = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    for p in &prompts {
        sqlx::query(
            "INSERT INTO rad_overrides (id, rad_order_id, patient_id, check_code, reason, by_user)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::new_v4())
        .bind(id)
        .bind(o.patient_id)
        .bind(p.code)
        .bind(reason)
        .bind(by)
        .execute(&mut *conn)
        .await?;
        audit::record(
            conn,
            meta,
            Event::new("radiology.safety.override", "rad_order", id)
                .patient(o.patient_id)
                .changes(json!({"check": p.code, "reason": reason})),
        )
        .await?;
    }
    hearth_orders::repo::set_fulfilment(conn, meta, o.order_id, "booked").await?;
    audit::record(
        conn,
        meta,
        Event::new("radiology.order.book", "rad_order", id).patient(o.patient_id).changes(json!({
            "room": room.id, "start": start.to_string(), "accession": accession,
            "findings": findings.iter().map(|x| x.code).collect::<Vec<_>>()})),
    )
    .await?;
    Ok(RadiologyBooked { accession, findings })
}

/// The technologist's steps: scheduled → arrived → in_progress → completed. Completion completes
/// the order in the core and captures the exam's charge.
pub async fn step(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, facilities: &[Uuid], to: &str) -> AppResult<()> {
    let o = order_in(conn, id, facilities).await?;
    let (from, column, fulfilment) = match to {
        "arrived" => ("scheduled", "arrived_at", "patient arrived in radiology"),
        "in_progress" => ("arrived", "started_at", "exam in progress"),
        "completed" => ("in_progress", "completed_at", "exam completed"),
        _ => return Err(AppError::field("status", "The next step is arrived, in_progress or completed.")),
    };
    require_active(conn, &o).await?;
    let done = sqlx::query(&format!(
        "UPDATE rad_orders SET status = $2, {column} = now(), performed_by = coalesce($3, performed_by)
         WHERE id = $1 AND status = $4"
    ))
    .bind(id)
    .bind(to)
    .bind(meta.actor_user_id)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(conflict(&format!("This exam is {}, not {from}.", o.status.replace('_', " "))));
    }
    hearth_orders::repo::set_fulfilment(conn, meta, o.order_id, fulfilment).await?;
    if to == "completed" {
        hearth_orders::repo::complete(conn, meta, o.order_id).await?;
        let charge_code: String = sqlx::query_scalar("SELECT charge_code FROM rad_procedures WHERE code = $1")
            .bind(&o.procedure)
            .fetch_one(&mut *conn)
            .await?;
        let code = format!("RAD:{charge_code}");
        hearth_charges::capture(
            conn,
            meta,
            &hearth_charges::NewCharge {
                patient: o.patient_id,
                encounter: None,
                facility: Some(o.facility_id),
                source_module: "radiology",
                source_row: id,
                kind: CHARGE_KIND,
                code: &code,
                description: &o.procedure_name,
                quantity: 1,
                performed_at: OffsetDateTime::now_utc(),
                performer: meta.actor_user_id,
                replaces: None,
            },
        )
        .await?;
    }
    audit::record(
        conn,
        meta,
        Event::new(&format!("radiology.exam.{}", to.replace("in_progress", "start")), "rad_order", id)
            .patient(o.patient_id),
    )
    .await?;
    Ok(())
}

async fn raise_critical(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    o: &RadiologyOrder,
    source: Uuid,
) -> AppResult<Uuid> {
    let title = format!("Critical imaging finding: {}", o.procedure_name);
    hearth_alerts::raise(
        conn,
        registry,
        meta,
        &NewAlert {
            patient: o.patient_id,
            kind: CRITICAL_ALERT,
            severity: Severity::Critical,
            title: &title,
            source_module: "radiology",
            source_id: source,
            to: Some(o.orderer_id),
            facility: Some(o.facility_id),
            department: None,
        },
    )
    .await
}

fn summary(label: &str, o: &RadiologyOrder, text: &str) -> String {
    let s = format!("{label} — {}: {}", o.procedure_name, text.trim());
    s.chars().take(2000).collect()
}

/// Writes or updates the report of a completed exam: `preliminary` (clearly labelled, editable
/// until signed) or `final` (signed by a radiologist; the caller checks the permission). Each
/// save releases the report to the orderer's inbox; a critical finding alerts the orderer.
pub async fn save_report(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    id: Uuid,
    facilities: &[Uuid],
    f: &RadiologyReportForm,
) -> AppResult<Uuid> {
    let o = order_in(conn, id, facilities).await?;
    let mut errors = FieldErrors::default();
    let status = if f.status.is_empty() { "preliminary" } else { f.status.as_str() };
    if !matches!(status, "preliminary" | "final") {
        errors.add("status", "The report is preliminary or final.");
    }
    if f.findings.chars().count() > 10_000 {
        errors.add("findings", "The findings are at most 10,000 characters.");
    }
    if f.impression.trim().is_empty() {
        errors.add("impression", "Write the impression.");
    } else if f.impression.chars().count() > 4000 {
        errors.add("impression", "The impression is at most 4,000 characters.");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if o.status != "completed" {
        return Err(conflict("The exam is not completed: there is nothing to report yet."));
    }
    let author = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let final_ = status == "final";
    let report: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO rad_reports (id, rad_order_id, patient_id, status, findings, impression, critical, author_id,
                                  signed_by, signed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN $8 END, CASE WHEN $9 THEN now() END)
         ON CONFLICT (rad_order_id) DO UPDATE SET status = EXCLUDED.status, findings = EXCLUDED.findings,
               impression = EXCLUDED.impression, critical = EXCLUDED.critical, updated_at = now(),
               signed_by = EXCLUDED.signed_by, signed_at = EXCLUDED.signed_at
         WHERE rad_reports.status = 'preliminary'
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(id)
    .bind(o.patient_id)
    .bind(status)
    .bind(f.findings.trim())
    .bind(f.impression.trim())
    .bind(f.critical)
    .bind(author)
    .bind(final_)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(report) = report else {
        return Err(conflict("The report is signed and cannot be changed; add an addendum."));
    };
    if f.critical {
        raise_critical(conn, registry, meta, &o, report).await?;
    }
    let label = if final_ { "FINAL REPORT" } else { "PRELIMINARY REPORT (not signed)" };
    hearth_orders::repo::release_result(conn, meta, o.order_id, &summary(label, &o, &f.impression)).await?;
    audit::record(
        conn,
        meta,
        Event::new(if final_ { "radiology.report.sign" } else { "radiology.report.preliminary" }, "rad_report", report)
            .patient(o.patient_id)
            .changes(json!({"rad_order": id, "critical": f.critical})),
    )
    .await?;
    Ok(report)
}

/// Adds an addendum to a signed report (the report stays as signed). A critical addendum alerts
/// the orderer; the addendum goes to the orderer's inbox.
pub async fn add_addendum(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    id: Uuid,
    facilities: &[Uuid],
    f: &RadiologyAddendumForm,
) -> AppResult<Uuid> {
    let o = order_in(conn, id, facilities).await?;
    let text = f.text.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::field("text", "Write the addendum (at most 4,000 characters)."));
    }
    let report: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM rad_reports WHERE rad_order_id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let report = match report {
        Some((r, s)) if s == "final" => r,
        _ => return Err(conflict("Addenda are added to a signed report; this exam has none.")),
    };
    let add = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO rad_addenda (id, report_id, patient_id, text, critical, signed_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(add)
    .bind(report)
    .bind(o.patient_id)
    .bind(text)
    .bind(f.critical)
    .bind(meta.actor_user_id.ok_or(AppError::Forbidden)?)
    .execute(&mut *conn)
    .await?;
    if f.critical {
        raise_critical(conn, registry, meta, &o, add).await?;
    }
    hearth_orders::repo::release_result(conn, meta, o.order_id, &summary("ADDENDUM", &o, text)).await?;
    audit::record(
        conn,
        meta,
        Event::new("radiology.report.addendum", "rad_addendum", add)
            .patient(o.patient_id)
            .changes(json!({"rad_order": id, "critical": f.critical})),
    )
    .await?;
    Ok(add)
}

/// Adds a room at one of the caller's facilities.
pub async fn create_room(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    f: &model::RadiologyRoomForm,
) -> AppResult<Uuid> {
    let mut errors = FieldErrors::default();
    let facility: Option<Uuid> = f.facility_id.trim().parse().ok().filter(|id| facilities.contains(id));
    if facility.is_none() {
        errors.add("facility_id", "Choose one of your facilities.");
    }
    let code = f.code.trim().to_uppercase();
    if code.is_empty() || code.len() > 20 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add("code", "The code is 1–20 letters, digits or dashes.");
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "Give the room's name (at most 200 characters).");
    }
    if !model::MODALITIES.iter().any(|m| m.0 == f.modality) {
        errors.add("modality", "Choose a modality.");
    }
    let Some(facility) = facility.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO rad_rooms (id, facility_id, code, name, modality) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(facility)
        .bind(&code)
        .bind(name)
        .bind(&f.modality)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("radiology.room.create", "rad_room", id).changes(json!({"code": code, "modality": f.modality})),
    )
    .await?;
    Ok(id)
}

/// Counts for the overview: (to protocol, to book, today's worklist, to report).
pub async fn counts(
    pool: &PgPool,
    facilities: &[Uuid],
    day: (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<(i64, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE ro.status = 'requested' AND ro.facility_id = ANY($1)),
                count(*) FILTER (WHERE ro.status = 'protocolled' AND ro.facility_id = ANY($1)),
                count(*) FILTER (WHERE ro.status IN ('scheduled', 'arrived', 'in_progress', 'completed')
                                   AND rm.facility_id = ANY($1) AND lower(ro.slot) >= $2 AND lower(ro.slot) < $3),
                count(*) FILTER (WHERE ro.status = 'completed' AND ro.facility_id = ANY($1)
                                   AND NOT EXISTS (SELECT 1 FROM rad_reports r WHERE r.rad_order_id = ro.id
                                                     AND r.status = 'final'))
         FROM rad_orders ro LEFT JOIN rad_rooms rm ON rm.id = ro.room_id
         WHERE ro.status IN ('requested', 'protocolled', 'scheduled', 'arrived', 'in_progress', 'completed')",
    )
    .bind(facilities)
    .bind(day.0)
    .bind(day.1)
    .fetch_one(pool)
    .await
}

/// A recorded death (the registry's hook): the patient's exams not yet started are cancelled,
/// which also frees their booked room time (the exclusion constraint ignores cancelled exams).
/// Exams under way or done keep their state; their reports go on.
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE rad_orders n SET status = 'cancelled' FROM rad_orders o
         WHERE n.id = o.id AND n.patient_id = $1 AND n.status IN ('requested', 'protocolled', 'scheduled')
         RETURNING n.id, o.status",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    for (id, was) in rows {
        audit::record(
            &mut *conn,
            meta,
            Event::new("radiology.order.cancel", "rad_order", id)
                .patient(patient)
                .changes(json!({"status": {"from": was, "to": "cancelled"}, "reason": "The patient died."})),
        )
        .await?;
    }
    Ok(())
}
