//! All SQL of the surgery module. Writes take the caller's transaction and audit on it; every
//! change to a case raises the live event [`BOARD_EVENT`] (payload: the case's id, no PHI).

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::*;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::events;
use hearth_core::web::FieldErrors;

pub const BOARD_EVENT: &str = "surgery.board";

static PROCEDURES: &str = include_str!("../../../data/surgery/procedures.csv");

/// Loads the starter procedure catalogue: adds what is missing, keeps what an installation changed.
pub async fn ensure_loaded(pool: &PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    let mut added = 0;
    for row in csv::Reader::from_reader(PROCEDURES.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        added += sqlx::query(
            "INSERT INTO surgery_procedures (code, name, specialty, laterality, typical_minutes, charge_code)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2))
        .bind(g(3) == "true")
        .bind(g(4).parse::<i32>().unwrap_or(60))
        .bind(g(5))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(added)
}

pub async fn procedures(pool: &PgPool) -> sqlx::Result<Vec<SurgeryProcedure>> {
    sqlx::query_as("SELECT * FROM surgery_procedures ORDER BY name").fetch_all(pool).await
}

async fn procedure(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<SurgeryProcedure>> {
    sqlx::query_as("SELECT * FROM surgery_procedures WHERE code = $1").bind(code).fetch_optional(conn).await
}

pub async fn theatres(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<SurgeryTheatre>> {
    sqlx::query_as(
        "SELECT id, facility_id, code, name, specialty, equipment, emergency FROM surgery_theatres
         WHERE facility_id = ANY($1) ORDER BY code",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await
}

pub async fn create_theatre(conn: &mut PgConnection, meta: &AuditMeta, v: &ValidTheatre) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO surgery_theatres (id, facility_id, code, name, specialty, equipment, emergency)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(v.facility_id)
    .bind(&v.code)
    .bind(&v.name)
    .bind(&v.specialty)
    .bind(&v.equipment)
    .bind(v.emergency)
    .execute(&mut *conn)
    .await?;
    audit::record(conn, meta, Event::new("surgery.theatre.create", "surgery_theatre", id)).await?;
    Ok(id)
}

async fn theatre_in(conn: &mut PgConnection, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT facility_id FROM surgery_theatres WHERE id = $1 AND facility_id = ANY($2)")
        .bind(id)
        .bind(facilities)
        .fetch_optional(conn)
        .await
}

const SESSION_SELECT: &str = "SELECT s.id, s.theatre_id, t.code || ' ' || t.name AS theatre, s.surgeon_id,
    u.display_name AS surgeon, s.specialty, s.starts_at, s.ends_at
    FROM surgery_sessions s JOIN surgery_theatres t ON t.id = s.theatre_id LEFT JOIN users u ON u.id = s.surgeon_id";

pub async fn sessions(
    pool: &PgPool,
    facilities: &[Uuid],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<SurgerySession>> {
    sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE t.facility_id = ANY($1) AND s.starts_at < $3 AND s.ends_at > $2
         ORDER BY s.starts_at, t.code LIMIT 500"
    ))
    .bind(facilities)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

pub async fn create_session(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    v: &ValidSession,
    facilities: &[Uuid],
) -> AppResult<Uuid> {
    if theatre_in(conn, v.theatre_id, facilities).await?.is_none() {
        return Err(AppError::field("theatre_id", "Not a theatre of your facilities."));
    }
    if let Some(s) = v.surgeon_id {
        if !holds_perform(conn, s).await? {
            return Err(AppError::field("surgeon_id", "Not a member of staff who may operate."));
        }
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO surgery_sessions (id, theatre_id, surgeon_id, specialty, starts_at, ends_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(v.theatre_id)
    .bind(v.surgeon_id)
    .bind(&v.specialty)
    .bind(v.starts_at)
    .bind(v.ends_at)
    .execute(&mut *conn)
    .await?;
    audit::record(conn, meta, Event::new("surgery.session.create", "surgery_session", id)).await?;
    Ok(id)
}

/// Active users of the facilities holding `perm` (the team choices of the booking form).
pub async fn staff(pool: &PgPool, facilities: &[Uuid], perm: &str) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u
         WHERE u.active AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = ANY($1))
           AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
                       WHERE ur.user_id = u.id AND rp.permission_code = $2)
         ORDER BY u.display_name, u.id LIMIT 500",
    )
    .bind(facilities)
    .bind(perm)
    .fetch_all(pool)
    .await
}

async fn holds_perform(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id
                        JOIN role_permissions rp ON rp.role_code = ur.role_code
                        WHERE u.id = $1 AND u.active AND rp.permission_code = 'surgery.perform')",
    )
    .bind(user)
    .fetch_one(conn)
    .await
}

const CASE_SELECT: &str = "SELECT c.id, c.case_no, c.patient_id,
    p.family_name || ', ' || p.given_name AS patient,
    upper(left(p.given_name, 1) || left(p.family_name, 1)) AS initials,
    c.theatre_id, t.code || ' ' || t.name AS theatre, c.session_id, c.procedure_code, pr.name AS procedure,
    pr.laterality, c.side, c.site, c.surgeon_id, su.display_name AS surgeon, c.assistant_id,
    au.display_name AS assistant, c.anaesthetist_id, an.display_name AS anaesthetist, c.nurse_id,
    nu.display_name AS nurse, c.anaesthesia, c.priority, c.target_at, c.admission, c.blood, c.blood_units,
    c.blood_attested_by IS NOT NULL AS blood_attested, c.planned_start, c.planned_end, c.expected_minutes, c.status,
    c.in_room_at, c.anaesthesia_at, c.incision_at, c.closure_at, c.out_of_room_at, c.recovery_at, c.discharged_at,
    c.non_compliant, c.emergency_reason, c.cancel_reason, c.cancel_note, c.rebooked_from, c.count_unresolved,
    c.count_xray, c.count_reason, c.recovery_override,
    (c.status <> 'cancelled' AND EXISTS (SELECT 1 FROM surgery_cases o WHERE o.surgeon_id = c.surgeon_id
        AND o.id <> c.id AND o.status <> 'cancelled'
        AND tstzrange(o.planned_start, o.planned_end) && tstzrange(c.planned_start, c.planned_end))) AS surgeon_overlap
    FROM surgery_cases c JOIN patients p ON p.id = c.patient_id JOIN surgery_theatres t ON t.id = c.theatre_id
    JOIN surgery_procedures pr ON pr.code = c.procedure_code JOIN users su ON su.id = c.surgeon_id
    JOIN users an ON an.id = c.anaesthetist_id LEFT JOIN users au ON au.id = c.assistant_id
    LEFT JOIN users nu ON nu.id = c.nurse_id";

/// A case of a theatre of the given facilities.
pub async fn case(conn: &mut PgConnection, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<SurgeryCase>> {
    sqlx::query_as(&format!("{CASE_SELECT} WHERE c.id = $1 AND t.facility_id = ANY($2)"))
        .bind(id)
        .bind(facilities)
        .fetch_optional(conn)
        .await
}

/// The cases planned in a time range (the board's day), by theatre and time.
pub async fn cases_between(
    pool: &PgPool,
    facilities: &[Uuid],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<SurgeryCase>> {
    sqlx::query_as(&format!(
        "{CASE_SELECT} WHERE t.facility_id = ANY($1) AND c.planned_start < $3 AND c.planned_end > $2
         ORDER BY t.code, c.planned_start LIMIT 500"
    ))
    .bind(facilities)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// A patient's cases, newest first (bounded).
pub async fn patient_cases(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<SurgeryCase>> {
    sqlx::query_as(&format!("{CASE_SELECT} WHERE c.patient_id = $1 ORDER BY c.planned_start DESC, c.id DESC LIMIT 200"))
        .bind(patient)
        .fetch_all(pool)
        .await
}

/// The median of the surgeon's last (up to 10) completed cases of the procedure, in minutes
/// (in room to out of room).
pub async fn median_minutes(conn: &mut PgConnection, surgeon: Uuid, procedure: &str) -> sqlx::Result<Option<i32>> {
    let m: Option<f64> = sqlx::query_scalar(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m) FROM (
             SELECT extract(epoch FROM out_of_room_at - in_room_at) / 60 AS m FROM surgery_cases
             WHERE surgeon_id = $1 AND procedure_code = $2 AND out_of_room_at IS NOT NULL AND in_room_at IS NOT NULL
             ORDER BY out_of_room_at DESC LIMIT 10) last",
    )
    .bind(surgeon)
    .bind(procedure)
    .fetch_one(conn)
    .await?;
    Ok(m.map(|m| (m.round() as i32).clamp(5, 1440)))
}

async fn check_session(
    conn: &mut PgConnection,
    session: Uuid,
    theatre: Uuid,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> AppResult<()> {
    let fits: Option<bool> = sqlx::query_scalar(
        "SELECT starts_at <= $3 AND ends_at >= $4 FROM surgery_sessions WHERE id = $1 AND theatre_id = $2",
    )
    .bind(session)
    .bind(theatre)
    .bind(start)
    .bind(end)
    .fetch_optional(conn)
    .await?;
    match fits {
        None => Err(AppError::field("session_id", "Not a list of this theatre.")),
        Some(false) => Err(AppError::field("planned_start", "The case does not fit inside the list's hours.")),
        Some(true) => Ok(()),
    }
}

/// Books a case. The database refuses a theatre booked twice at once (`surgery_cases_theatre_free`).
pub async fn book(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    v: &ValidCase,
    facilities: &[Uuid],
) -> AppResult<(Uuid, i32)> {
    let mut e = FieldErrors::default();
    let proc = procedure(conn, &v.procedure_code).await?;
    match &proc {
        None => e.add("procedure_code", "Not a procedure of the catalogue."),
        Some(p) if p.laterality && v.side == "not_applicable" => {
            e.add("side", "This procedure needs its side: left, right or bilateral.")
        }
        Some(p) if !p.laterality && v.side != "not_applicable" => {
            e.add("side", "This procedure has no side: choose not applicable.")
        }
        _ => {}
    }
    if theatre_in(conn, v.theatre_id, facilities).await?.is_none() {
        e.add("theatre_id", "Not a theatre of your facilities.");
    }
    for (field, user) in [
        ("surgeon_id", Some(v.surgeon_id)),
        ("assistant_id", v.assistant_id),
        ("anaesthetist_id", Some(v.anaesthetist_id)),
        ("nurse_id", v.nurse_id),
    ] {
        if let Some(u) = user {
            if !holds_perform(conn, u).await? {
                e.add(field, "Not a member of staff who may take part in operations.");
            }
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let proc = proc.ok_or(AppError::NotFound)?;
    let minutes = match v.expected_minutes {
        Some(m) => m,
        None => median_minutes(conn, v.surgeon_id, &proc.code).await?.unwrap_or(proc.typical_minutes),
    };
    let end = v.planned_start + time::Duration::minutes(minutes.into());
    if let Some(s) = v.session_id {
        check_session(conn, s, v.theatre_id, v.planned_start, end).await?;
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO surgery_cases (id, patient_id, theatre_id, session_id, procedure_code, side, site, surgeon_id,
            assistant_id, anaesthetist_id, nurse_id, anaesthesia, priority, target_at, admission, blood, blood_units,
            blood_attested_by, planned_start, planned_end, expected_minutes, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.theatre_id)
    .bind(v.session_id)
    .bind(&proc.code)
    .bind(&v.side)
    .bind(&v.site)
    .bind(v.surgeon_id)
    .bind(v.assistant_id)
    .bind(v.anaesthetist_id)
    .bind(v.nurse_id)
    .bind(&v.anaesthesia)
    .bind(&v.priority)
    .bind(v.target_at)
    .bind(&v.admission)
    .bind(&v.blood)
    .bind(v.blood_units)
    .bind(if v.blood_attested && v.blood != "none" { meta.actor_user_id } else { None })
    .bind(v.planned_start)
    .bind(end)
    .bind(minutes)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("surgery.case.book", "surgery_case", id)
            .patient(patient)
            .changes(serde_json::json!({"procedure": proc.code, "theatre": v.theatre_id, "minutes": minutes})),
    )
    .await?;
    events::raise(conn, None, BOARD_EVENT, &id.to_string()).await?;
    Ok((id, minutes))
}

/// Cancels a scheduled case with a coded reason (a case under way is not cancelled).
pub async fn cancel(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    reason: &str,
    note: &str,
) -> AppResult<()> {
    let n = sqlx::query(
        "UPDATE surgery_cases SET status = 'cancelled', cancel_reason = $2, cancel_note = $3, cancelled_at = now()
         WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(c.id)
    .bind(reason)
    .bind(note)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict("Only a case not yet in the operating room can be cancelled.".into()));
    }
    audit::record(
        conn,
        meta,
        Event::new("surgery.case.cancel", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"reason": reason})),
    )
    .await?;
    events::raise(conn, None, BOARD_EVENT, &c.id.to_string()).await?;
    Ok(())
}

/// Rebooks a cancelled or scheduled case: a new case with the same booking at a new time (and
/// theatre); a scheduled original is cancelled as postponed (reason `other`).
pub async fn rebook(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    theatre: Uuid,
    session: Option<Uuid>,
    start: OffsetDateTime,
    facilities: &[Uuid],
) -> AppResult<Uuid> {
    if c.status == "scheduled" {
        cancel(conn, meta, c, "other", "Postponed and rebooked.").await?;
    } else if c.status != "cancelled" {
        return Err(AppError::Conflict("Only a scheduled or cancelled case can be rebooked.".into()));
    }
    let v = ValidCase {
        theatre_id: theatre,
        session_id: session,
        procedure_code: c.procedure_code.clone(),
        side: c.side.clone(),
        site: c.site.clone(),
        surgeon_id: c.surgeon_id,
        assistant_id: c.assistant_id,
        anaesthetist_id: c.anaesthetist_id,
        nurse_id: c.nurse_id,
        anaesthesia: c.anaesthesia.clone(),
        priority: c.priority.clone(),
        target_at: c.target_at,
        admission: c.admission.clone(),
        blood: c.blood.clone(),
        blood_units: c.blood_units,
        blood_attested: c.blood_attested,
        planned_start: start,
        expected_minutes: Some(c.expected_minutes),
    };
    let (id, _) = book(conn, meta, c.patient_id, &v, facilities).await?;
    sqlx::query("UPDATE surgery_cases SET rebooked_from = $2 WHERE id = $1")
        .bind(id)
        .bind(c.id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

pub async fn readiness_items(pool: &PgPool, case: Uuid) -> sqlx::Result<Vec<SurgeryReadinessItem>> {
    sqlx::query_as(
        "SELECT r.item, r.value, u.display_name AS recorded_by, r.recorded_at FROM surgery_readiness r
         JOIN users u ON u.id = r.recorded_by WHERE r.case_id = $1 ORDER BY r.item",
    )
    .bind(case)
    .fetch_all(pool)
    .await
}

/// Records (or corrects) a readiness item of a case not yet in the room.
pub async fn record_readiness(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    item: &str,
    value: &str,
) -> AppResult<()> {
    if c.status != "scheduled" {
        return Err(AppError::Conflict("Readiness is recorded before the patient enters the room.".into()));
    }
    sqlx::query(
        "INSERT INTO surgery_readiness (case_id, item, value, recorded_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (case_id, item) DO UPDATE SET value = EXCLUDED.value, recorded_by = EXCLUDED.recorded_by,
             recorded_at = now()",
    )
    .bind(c.id)
    .bind(item)
    .bind(value)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("surgery.readiness.record", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"item": item, "value": value})),
    )
    .await?;
    events::raise(conn, None, BOARD_EVENT, &c.id.to_string()).await?;
    Ok(())
}

pub async fn checklist(pool: &PgPool, case: Uuid) -> sqlx::Result<Vec<SurgeryConfirmation>> {
    sqlx::query_as(
        "SELECT k.phase, k.item, k.answer, k.team_role, u.display_name AS confirmed_by, k.confirmed_at, k.late
         FROM surgery_checklist k JOIN users u ON u.id = k.confirmed_by WHERE k.case_id = $1 ORDER BY k.confirmed_at",
    )
    .bind(case)
    .fetch_all(pool)
    .await
}

async fn phase_complete(conn: &mut PgConnection, case: Uuid, phase: &str) -> sqlx::Result<bool> {
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM surgery_checklist WHERE case_id = $1 AND phase = $2")
        .bind(case)
        .bind(phase)
        .fetch_one(conn)
        .await?;
    Ok(done as usize == CHECKLIST.iter().filter(|i| i.phase == phase).count())
}

/// The user's role in the case team, if any.
pub fn team_role(c: &SurgeryCase, user: Uuid) -> Option<&'static str> {
    if c.surgeon_id == user {
        Some("surgeon")
    } else if c.anaesthetist_id == user {
        Some("anaesthetist")
    } else if c.assistant_id == Some(user) {
        Some("assistant")
    } else if c.nurse_id == Some(user) {
        Some("nurse")
    } else {
        None
    }
}

fn stage_index(s: &str) -> usize {
    STAGES.iter().position(|x| *x == s).unwrap_or(0)
}

/// Counts are reconciled: every discrepancy resolved, or the count recorded as unresolved.
async fn counts_reconciled(conn: &mut PgConnection, c: &SurgeryCase) -> sqlx::Result<(i64, bool)> {
    let (n, open): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE discrepancy AND resolution IS NULL) FROM surgery_counts WHERE case_id = $1",
    )
    .bind(c.id)
    .fetch_one(conn)
    .await?;
    Ok((n, open == 0 || c.count_unresolved))
}

/// Confirms one checklist item: only a member of the case team, with one of the item's answers.
pub async fn confirm(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    key: &str,
    answer: &str,
) -> AppResult<()> {
    let Some(item) = checklist_item(key) else {
        return Err(AppError::field("item", "Not an item of the checklist."));
    };
    if !item.answers.contains(&answer) {
        return Err(AppError::field("answer", "Not an answer of this item."));
    }
    let Some(role) = team_role(c, user) else {
        return Err(AppError::Conflict("Only a member of this case's team can confirm its checklist.".into()));
    };
    if c.status == "cancelled" {
        return Err(AppError::Conflict("The case is cancelled.".into()));
    }
    if key == "so_counts" {
        let (n, ok) = counts_reconciled(conn, c).await?;
        if answer == "correct" && (n == 0 || !ok) {
            return Err(AppError::Conflict(
                "The counts are not reconciled: resolve the discrepancy (recount, X-ray, surgeon's decision) or record the count as unresolved with the X-ray result and a reason.".into(),
            ));
        }
        if answer == "not_applicable" && n > 0 {
            return Err(AppError::field("answer", "Counts were taken: confirm them as correct."));
        }
    }
    // Confirmed after the stage this phase guards: the emergency path, completed afterwards.
    let guarded = STAGES.iter().find(|s| gate(s) == Some(item.phase)).copied().unwrap_or("discharged");
    let late = stage_index(&c.status) >= stage_index(guarded);
    sqlx::query(
        "INSERT INTO surgery_checklist (case_id, phase, item, answer, team_role, confirmed_by, late)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.id)
    .bind(item.phase)
    .bind(key)
    .bind(answer)
    .bind(role)
    .bind(user)
    .bind(late)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("surgery.checklist.confirm", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"item": key, "answer": answer, "role": role, "late": late})),
    )
    .await?;
    events::raise(conn, None, BOARD_EVENT, &c.id.to_string()).await?;
    Ok(())
}

pub async fn counts(pool: &PgPool, case: Uuid) -> sqlx::Result<Vec<SurgeryCount>> {
    sqlx::query_as(
        "SELECT k.id, k.stage, k.sponges, k.needles, k.instruments, k.discrepancy, k.resolution, k.resolution_note,
                u.display_name AS recorded_by, k.recorded_at
         FROM surgery_counts k JOIN users u ON u.id = k.recorded_by WHERE k.case_id = $1 ORDER BY k.recorded_at, k.id",
    )
    .bind(case)
    .fetch_all(pool)
    .await
}

fn in_theatre(c: &SurgeryCase) -> bool {
    matches!(c.status.as_str(), "in_room" | "anaesthesia" | "incision" | "closure")
}

/// Records a count; a count differing from the baseline is a discrepancy. Returns (id, discrepancy).
pub async fn record_count(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    v: &ValidCount,
) -> AppResult<(Uuid, bool)> {
    if !in_theatre(c) {
        return Err(AppError::Conflict("Counts are taken while the patient is in the operating room.".into()));
    }
    if team_role(c, user).is_none() {
        return Err(AppError::Conflict("Only a member of this case's team can record its counts.".into()));
    }
    let baseline: Option<(i32, i32, i32)> = sqlx::query_as(
        "SELECT sponges, needles, instruments FROM surgery_counts WHERE case_id = $1 AND stage = 'baseline'
         ORDER BY recorded_at, id LIMIT 1",
    )
    .bind(c.id)
    .fetch_optional(&mut *conn)
    .await?;
    let discrepancy = match (v.stage.as_str(), baseline) {
        ("baseline", None) => false,
        ("baseline", Some(_)) => return Err(AppError::Conflict("The baseline count is already recorded.".into())),
        (_, None) => return Err(AppError::Conflict("Record the baseline count first.".into())),
        (_, Some(b)) => b != (v.sponges, v.needles, v.instruments),
    };
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO surgery_counts (id, case_id, stage, sponges, needles, instruments, discrepancy, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(c.id)
    .bind(&v.stage)
    .bind(v.sponges)
    .bind(v.needles)
    .bind(v.instruments)
    .bind(discrepancy)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("surgery.count.record", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"stage": v.stage, "discrepancy": discrepancy})),
    )
    .await?;
    Ok((id, discrepancy))
}

/// Resolves a count discrepancy (recount, X-ray, surgeon's decision) with a note.
pub async fn resolve_count(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    count: Uuid,
    resolution: &str,
    note: &str,
) -> AppResult<()> {
    if team_role(c, user).is_none() {
        return Err(AppError::Conflict("Only a member of this case's team can resolve its counts.".into()));
    }
    let mut e = FieldErrors::default();
    if !RESOLUTIONS.contains(&resolution) {
        e.add("resolution", "Choose recount, X-ray or the surgeon's decision.");
    }
    if note.trim().is_empty() || note.chars().count() > 1000 {
        e.add("note", "Say how the discrepancy was resolved (at most 1000 characters).");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let n = sqlx::query(
        "UPDATE surgery_counts SET resolution = $3, resolution_note = $4
         WHERE id = $1 AND case_id = $2 AND discrepancy AND resolution IS NULL",
    )
    .bind(count)
    .bind(c.id)
    .bind(resolution)
    .bind(note.trim())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict("This count has no open discrepancy.".into()));
    }
    audit::record(
        conn,
        meta,
        Event::new("surgery.count.resolve", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"count": count, "resolution": resolution})),
    )
    .await?;
    Ok(())
}

/// Records the count as unresolved (the patient must leave): the X-ray's result and a reason.
pub async fn count_unresolved(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    xray: &str,
    reason: &str,
) -> AppResult<()> {
    if team_role(c, user).is_none() {
        return Err(AppError::Conflict("Only a member of this case's team can record its counts.".into()));
    }
    let mut e = FieldErrors::default();
    if xray.trim().is_empty() || xray.chars().count() > 1000 {
        e.add("xray_result", "Give the X-ray's result (at most 1000 characters).");
    }
    if reason.trim().is_empty() || reason.chars().count() > 1000 {
        e.add("reason", "Say why the patient leaves with the count unresolved (at most 1000 characters).");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    sqlx::query("UPDATE surgery_cases SET count_unresolved = true, count_xray = $2, count_reason = $3 WHERE id = $1")
        .bind(c.id)
        .bind(xray.trim())
        .bind(reason.trim())
        .execute(&mut *conn)
        .await?;
    audit::record(conn, meta, Event::new("surgery.count.unresolved", "surgery_case", c.id).patient(c.patient_id))
        .await?;
    Ok(())
}

pub async fn aldrete(pool: &PgPool, case: Uuid) -> sqlx::Result<Vec<SurgeryAldrete>> {
    sqlx::query_as(
        "SELECT a.id, a.activity, a.respiration, a.circulation, a.consciousness, a.spo2, a.total,
                u.display_name AS recorded_by, a.recorded_at
         FROM surgery_aldrete a JOIN users u ON u.id = a.recorded_by WHERE a.case_id = $1
         ORDER BY a.recorded_at DESC, a.id DESC LIMIT 100",
    )
    .bind(case)
    .fetch_all(pool)
    .await
}

/// Records a modified Aldrete score (the patient is in recovery). Returns the total.
pub async fn record_aldrete(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    s: [i16; 5],
) -> AppResult<i16> {
    if c.status != "recovery" {
        return Err(AppError::Conflict("The Aldrete score is recorded while the patient is in recovery.".into()));
    }
    let total: i16 = sqlx::query_scalar(
        "INSERT INTO surgery_aldrete (id, case_id, activity, respiration, circulation, consciousness, spo2, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING total",
    )
    .bind(Uuid::new_v4())
    .bind(c.id)
    .bind(s[0])
    .bind(s[1])
    .bind(s[2])
    .bind(s[3])
    .bind(s[4])
    .bind(user)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("surgery.aldrete.record", "surgery_case", c.id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"total": total})),
    )
    .await?;
    Ok(total)
}

/// What a stage change needs besides the stage.
pub struct StageChange<'a> {
    pub stage: &'a str,
    pub at: OffsetDateTime,
    pub emergency_reason: &'a str,
    pub override_reason: &'a str,
}

/// Moves a case to its next stage. A stage whose checklist phase is incomplete is refused,
/// unless an emergency reason is given: then it is recorded and the case flagged non-compliant.
/// Leaving recovery needs an Aldrete score of 9 or more, or the case anaesthetist's override.
/// Leaving the theatre captures the theatre time and the procedure as charges.
pub async fn set_stage(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    c: &SurgeryCase,
    user: Uuid,
    ch: &StageChange<'_>,
) -> AppResult<()> {
    let Some(column) = stage_column(ch.stage) else {
        return Err(AppError::field("stage", "Not a stage of a case."));
    };
    if ch.emergency_reason.chars().count() > 1000 || ch.override_reason.chars().count() > 1000 {
        return Err(AppError::field("emergency_reason", "At most 1000 characters."));
    }
    if c.status == "cancelled" {
        return Err(AppError::Conflict("The case is cancelled.".into()));
    }
    let (from, to) = (stage_index(&c.status), stage_index(ch.stage));
    let skips_anaesthesia = c.anaesthesia == "local" && c.status == "in_room" && ch.stage == "incision";
    if to != from + 1 && !skips_anaesthesia {
        return Err(AppError::Conflict("The case is not at the stage before this one.".into()));
    }
    let now = OffsetDateTime::now_utc();
    if ch.at > now + time::Duration::minutes(5) {
        return Err(AppError::field("at", "The time is in the future."));
    }
    let previous = [c.in_room_at, c.anaesthesia_at, c.incision_at, c.closure_at, c.out_of_room_at, c.recovery_at]
        .into_iter()
        .flatten()
        .max();
    if previous.is_some_and(|p| ch.at < p) {
        return Err(AppError::field("at", "The time is before the case's previous stage."));
    }
    let mut flag = false;
    if let Some(phase) = gate(ch.stage) {
        if !phase_complete(conn, c.id, phase).await? {
            if ch.emergency_reason.trim().is_empty() {
                return Err(AppError::Conflict(format!(
                    "The {} of the WHO checklist is not complete. In an emergency, record it with the emergency reason.",
                    match phase {
                        "sign_in" => "Sign In",
                        "time_out" => "Time Out",
                        _ => "Sign Out",
                    }
                )));
            }
            flag = true;
        }
    }
    if ch.stage == "out_of_room" && !flag {
        let (_, ok) = counts_reconciled(conn, c).await?;
        if !ok {
            return Err(AppError::Conflict("A count discrepancy is open.".into()));
        }
    }
    let mut override_by = None;
    if ch.stage == "discharged" {
        let last: Option<i16> = sqlx::query_scalar(
            "SELECT total FROM surgery_aldrete WHERE case_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1",
        )
        .bind(c.id)
        .fetch_optional(&mut *conn)
        .await?;
        if last.is_none_or(|t| t < 9) {
            if ch.override_reason.trim().is_empty() {
                return Err(AppError::Conflict(
                    "Leaving recovery phase I needs a modified Aldrete score of 9 or more, or the anaesthetist's override with a reason.".into(),
                ));
            }
            if c.anaesthetist_id != user {
                return Err(AppError::Conflict("Only the case's anaesthetist can override the Aldrete score.".into()));
            }
            override_by = Some(user);
        }
    }
    let reason = if flag { ch.emergency_reason.trim() } else { "" };
    let n = sqlx::query(&format!(
        "UPDATE surgery_cases SET status = $3, {column} = $4, non_compliant = non_compliant OR $5,
             emergency_reason = CASE WHEN $6 = '' THEN emergency_reason
                                     WHEN emergency_reason = '' THEN $6 ELSE emergency_reason || ' / ' || $6 END,
             recovery_override = CASE WHEN $7::uuid IS NULL THEN recovery_override ELSE $8 END,
             recovery_override_by = coalesce($7, recovery_override_by)
         WHERE id = $1 AND status = $2"
    ))
    .bind(c.id)
    .bind(&c.status)
    .bind(ch.stage)
    .bind(ch.at)
    .bind(flag)
    .bind(reason)
    .bind(override_by)
    .bind(ch.override_reason.trim())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict("The case changed meanwhile; reload it.".into()));
    }
    audit::record(
        conn,
        meta,
        Event::new("surgery.case.stage", "surgery_case", c.id).patient(c.patient_id).changes(serde_json::json!({
            "stage": ch.stage, "non_compliant": flag, "override": override_by.is_some()
        })),
    )
    .await?;
    if ch.stage == "out_of_room" {
        let minutes = c.in_room_at.map(|s| (ch.at - s).whole_minutes()).unwrap_or(1).max(1);
        let charge_code: String = sqlx::query_scalar("SELECT charge_code FROM surgery_procedures WHERE code = $1")
            .bind(&c.procedure_code)
            .fetch_one(&mut *conn)
            .await?;
        // The theatre's facility prices and bills the case.
        let facility: Option<Uuid> = sqlx::query_scalar("SELECT facility_id FROM surgery_theatres WHERE id = $1")
            .bind(c.theatre_id)
            .fetch_optional(&mut *conn)
            .await?;
        hearth_charges::capture(
            conn,
            meta,
            &hearth_charges::NewCharge {
                patient: c.patient_id,
                encounter: None,
                facility,
                source_module: "surgery",
                source_row: c.id,
                kind: "theatre_time",
                code: "SURG:THEATRE-MINUTE",
                description: "Operating theatre time (minutes)",
                quantity: i32::try_from(minutes).unwrap_or(i32::MAX),
                performed_at: ch.at,
                performer: Some(c.surgeon_id),
                replaces: None,
            },
        )
        .await?;
        hearth_charges::capture(
            conn,
            meta,
            &hearth_charges::NewCharge {
                patient: c.patient_id,
                encounter: None,
                facility,
                source_module: "surgery",
                source_row: c.id,
                kind: "procedure",
                code: &format!("SURG:{charge_code}"),
                description: &c.procedure,
                quantity: 1,
                performed_at: ch.at,
                performer: Some(c.surgeon_id),
                replaces: None,
            },
        )
        .await?;
    }
    events::raise(conn, None, BOARD_EVENT, &c.id.to_string()).await?;
    Ok(())
}

/// A recorded death (the registry's hook): the patient's cases not yet in the operating room are
/// cancelled (reason `other`, "The patient died."), freeing their theatre time; a case under way
/// keeps its record.
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE surgery_cases SET status = 'cancelled', cancel_reason = 'other', cancel_note = 'The patient died.',
                cancelled_at = now()
         WHERE patient_id = $1 AND status = 'scheduled' RETURNING id",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    for id in &ids {
        audit::record(
            &mut *conn,
            meta,
            Event::new("surgery.case.cancel", "surgery_case", *id)
                .patient(patient)
                .changes(serde_json::json!({"reason": "other", "note": "The patient died."})),
        )
        .await?;
        events::raise(&mut *conn, None, BOARD_EVENT, &id.to_string()).await?;
    }
    Ok(())
}
