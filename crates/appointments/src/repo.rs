//! All SQL of the appointments module. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    visit_label, Appointment, DeskRow, QueueEntry, QueueRow, Slot, SlotSearch, TemplateRow, ValidBooking, ValidTemplate,
};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::events;
use hearth_core::web::paging::{PageRequest, Paged, TimeId};
use hearth_core::web::FieldErrors;
use hearth_patients::access::visible_sql;
use hearth_patients::model::SUMMARY_COLS;

/// How many weeks ahead sessions and slots are materialised (the job's default).
pub const WEEKS_AHEAD: i64 = 8;
/// Minutes after a booked appointment's end before it is marked a no-show (the job's default).
pub const NO_SHOW_GRACE_MINUTES: i64 = 30;
/// The live event of the outpatient queue (payload: "changed", no PHI).
pub const QUEUE_EVENT: &str = "appointments.queue";
/// What a consultation is billed as (charge capture's `kind`).
pub const CHARGE_KIND: &str = "consultation";
/// At most this many appointments of one patient are listed on the chart tab.
pub const PATIENT_LIMIT: i64 = 200;

const TEMPLATE_SELECT: &str = "SELECT t.id, t.clinician_id, u.display_name AS clinician, t.facility_id,
        f.code AS facility, f.timezone AS time_zone, t.department_id, d.name AS department, t.weekday, t.start_time,
        t.end_time, t.slot_minutes, t.capacity, t.visit_types, t.effective_from, t.effective_to, t.active
     FROM appt_templates t JOIN users u ON u.id = t.clinician_id JOIN facilities f ON f.id = t.facility_id
     JOIN departments d ON d.id = t.department_id";

/// The templates of the given facilities, by clinician and weekday.
pub async fn templates(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<TemplateRow>> {
    sqlx::query_as(&format!(
        "{TEMPLATE_SELECT} WHERE t.facility_id = ANY($1)
         ORDER BY u.display_name, t.weekday, t.start_time, t.id LIMIT 1000"
    ))
    .bind(facilities)
    .fetch_all(pool)
    .await
}

pub async fn template(pool: &PgPool, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<TemplateRow>> {
    sqlx::query_as(&format!("{TEMPLATE_SELECT} WHERE t.id = $1 AND t.facility_id = ANY($2)"))
        .bind(id)
        .bind(facilities)
        .fetch_optional(pool)
        .await
}

/// Clinicians who can hold clinics: active users who may write charts, with their names.
pub async fn clinicians(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN user_roles ur ON ur.user_id = u.id
           JOIN role_permissions rp ON rp.role_code = ur.role_code AND rp.permission_code = 'chart.write'
           JOIN user_facilities uf ON uf.user_id = u.id AND uf.facility_id = ANY($1)
         WHERE u.active ORDER BY u.display_name, u.id LIMIT 500",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await
}

/// Open departments of the given facilities, "name (facility code)".
pub async fn departments(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT d.id, d.name || ' (' || f.code || ')' FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.active AND f.active AND d.facility_id = ANY($1) ORDER BY f.code, d.name LIMIT 500",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await
}

/// Creates (`id` None) or changes a template and materialises its sessions. Sessions already
/// booked are never touched: an edit removes only the template's future sessions without any
/// appointment and materialises the rest anew. A session overlapping another session of the
/// clinician is refused by `appt_sessions_no_overlap` (409) and nothing is saved.
pub async fn save_template(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Option<Uuid>,
    v: &ValidTemplate,
    facilities: &[Uuid],
) -> AppResult<Uuid> {
    let facility: Option<Uuid> = sqlx::query_scalar(
        "SELECT d.facility_id FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.id = $1 AND d.active AND f.active AND d.facility_id = ANY($2)",
    )
    .bind(v.department_id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(facility) = facility else {
        return Err(FieldErrors::one("department_id", "Choose an open department of your facilities.").into());
    };
    let clinician_ok: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id
           JOIN role_permissions rp ON rp.role_code = ur.role_code
          WHERE u.id = $1 AND u.active AND rp.permission_code = 'chart.write')",
    )
    .bind(v.clinician_id)
    .fetch_one(&mut *conn)
    .await?;
    if !clinician_ok {
        return Err(
            FieldErrors::one("clinician_id", "The clinician must be an active user who may write charts.").into()
        );
    }
    let changes = json!({
        "clinician_id": v.clinician_id, "department_id": v.department_id, "weekday": v.weekday,
        "start_time": crate::model::hm(v.start_time), "end_time": crate::model::hm(v.end_time),
        "slot_minutes": v.slot_minutes, "capacity": v.capacity, "visit_types": v.visit_types,
        "effective_from": v.effective_from.to_string(), "effective_to": v.effective_to.map(|d| d.to_string()),
        "active": v.active,
    });
    let (id, verb) = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO appt_templates (id, clinician_id, facility_id, department_id, weekday, start_time, end_time,
                    slot_minutes, capacity, visit_types, effective_from, effective_to, active, created_by)
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
            )
            .bind(id)
            .bind(v.clinician_id)
            .bind(facility)
            .bind(v.department_id)
            .bind(v.weekday)
            .bind(v.start_time)
            .bind(v.end_time)
            .bind(v.slot_minutes)
            .bind(v.capacity)
            .bind(&v.visit_types)
            .bind(v.effective_from)
            .bind(v.effective_to)
            .bind(v.active)
            .bind(meta.actor_user_id)
            .execute(&mut *conn)
            .await?;
            (id, "create")
        }
        Some(id) => {
            let n = sqlx::query(
                "UPDATE appt_templates SET clinician_id = $2, facility_id = $3, department_id = $4, weekday = $5,
                    start_time = $6, end_time = $7, slot_minutes = $8, capacity = $9, visit_types = $10,
                    effective_from = $11, effective_to = $12, active = $13, updated_at = now()
                 WHERE id = $1 AND facility_id = ANY($14)",
            )
            .bind(id)
            .bind(v.clinician_id)
            .bind(facility)
            .bind(v.department_id)
            .bind(v.weekday)
            .bind(v.start_time)
            .bind(v.end_time)
            .bind(v.slot_minutes)
            .bind(v.capacity)
            .bind(&v.visit_types)
            .bind(v.effective_from)
            .bind(v.effective_to)
            .bind(v.active)
            .bind(facilities)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::NotFound);
            }
            // Future sessions nobody booked go; booked ones stay exactly as they were.
            sqlx::query(
                "DELETE FROM appt_sessions s WHERE s.template_id = $1 AND s.starts_at > now()
                   AND NOT EXISTS (SELECT 1 FROM appt_slots sl JOIN appt_appointments a ON a.slot_id = sl.id
                                   WHERE sl.session_id = s.id)",
            )
            .bind(id)
            .execute(&mut *conn)
            .await?;
            (id, "update")
        }
    };
    audit::record(
        conn,
        meta,
        Event::new(&format!("appointments.template.{verb}"), "appt_template", id).changes(changes),
    )
    .await?;
    materialise(conn, Some(id), None, WEEKS_AHEAD, false).await?;
    Ok(id)
}

/// Expands active templates into sessions and slots from `from` (default: each facility's local
/// today) for `weeks` weeks. A session's start and end are the template's wall-clock times on
/// that local day in the facility's zone, so a DST change moves nothing locally. Days that
/// already have the template's session are skipped. `lenient`: a session that would overlap
/// another of the clinician is skipped (the daily job) instead of refusing (an admin's save).
/// Without `from`, sessions already over are not created; with it (the demo's past week, a
/// rebuild) they are. Returns the sessions created.
pub async fn materialise(
    conn: &mut PgConnection,
    template: Option<Uuid>,
    from: Option<Date>,
    weeks: i64,
    lenient: bool,
) -> sqlx::Result<u64> {
    let sql = format!(
        "WITH days AS (
            SELECT t.*, f.timezone AS tz, d::date AS day
            FROM appt_templates t JOIN facilities f ON f.id = t.facility_id
            CROSS JOIN LATERAL generate_series(
                greatest(t.effective_from, coalesce($2::date, (now() AT TIME ZONE f.timezone)::date))::timestamp,
                least(coalesce(t.effective_to, 'infinity'::date),
                      coalesce($2::date, (now() AT TIME ZONE f.timezone)::date) + ($3::int * 7))::timestamp,
                interval '1 day') d
            WHERE t.active AND f.active AND ($1::uuid IS NULL OR t.id = $1)
              AND extract(isodow FROM d) = t.weekday
              AND NOT EXISTS (SELECT 1 FROM appt_sessions s WHERE s.template_id = t.id AND s.day = d::date)
         ), ins AS (
            INSERT INTO appt_sessions (id, template_id, clinician_id, facility_id, department_id, day, starts_at,
                                       ends_at, slot_minutes, capacity, visit_types)
            SELECT gen_random_uuid(), id, clinician_id, facility_id, department_id, day,
                   (day + start_time) AT TIME ZONE tz, (day + end_time) AT TIME ZONE tz,
                   slot_minutes, capacity, visit_types
            FROM days WHERE ($2::date IS NOT NULL OR (day + end_time) AT TIME ZONE tz > now())
            {conflict}
            RETURNING id, starts_at, ends_at, slot_minutes, capacity
         ), slots AS (
            INSERT INTO appt_slots (id, session_id, starts_at, ends_at, capacity)
            SELECT gen_random_uuid(), ins.id, g, g + make_interval(mins => ins.slot_minutes), ins.capacity
            FROM ins CROSS JOIN LATERAL generate_series(ins.starts_at,
                     ins.ends_at - make_interval(mins => ins.slot_minutes), make_interval(mins => ins.slot_minutes)) g
         )
         SELECT count(*) FROM ins",
        conflict = if lenient { "ON CONFLICT DO NOTHING" } else { "" }
    );
    let n: i64 = sqlx::query_scalar(&sql).bind(template).bind(from).bind(weeks as i32).fetch_one(&mut *conn).await?;
    Ok(n as u64)
}

const SLOT_SELECT: &str = "SELECT sl.id, sl.session_id, sl.starts_at, sl.ends_at, sl.capacity, b.booked,
        CASE WHEN b.booked < sl.capacity THEN 'free' ELSE 'busy' END AS status,
        s.clinician_id, u.display_name AS clinician, s.department_id, d.name AS department, s.facility_id,
        f.code AS facility, s.visit_types
     FROM appt_slots sl JOIN appt_sessions s ON s.id = sl.session_id JOIN users u ON u.id = s.clinician_id
     JOIN departments d ON d.id = s.department_id JOIN facilities f ON f.id = s.facility_id
     CROSS JOIN LATERAL (SELECT count(*) AS booked FROM appt_appointments a WHERE a.slot_id = sl.id
                         AND a.seat IS NOT NULL AND a.status <> 'cancelled') b";

/// Slots of open sessions in the given facilities between `from` and `to` (not before now),
/// first first; free ones only unless `q.include_full`.
pub async fn find_slots(
    pool: &PgPool,
    facilities: &[Uuid],
    q: &SlotSearch,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<Slot>> {
    sqlx::query_as(&format!(
        "SELECT * FROM ({SLOT_SELECT}
            WHERE s.status = 'open' AND s.facility_id = ANY($1) AND sl.starts_at >= greatest($2, now())
              AND sl.starts_at < $3 AND s.starts_at < $3 AND s.ends_at > greatest($2, now())
              AND ($4::uuid IS NULL OR s.clinician_id = $4) AND ($5::uuid IS NULL OR s.department_id = $5)
              AND ($6::text IS NULL OR $6 = ANY(s.visit_types))) x
         WHERE $7 OR x.booked < x.capacity
         ORDER BY x.starts_at, x.clinician, x.id LIMIT $8"
    ))
    .bind(facilities)
    .bind(from)
    .bind(to)
    .bind(q.clinician_id)
    .bind(q.department_id)
    .bind(&q.visit_type)
    .bind(q.include_full)
    .bind(q.limit)
    .fetch_all(pool)
    .await
}

/// Every slot of a day (past ones too, full ones too) for the day view.
pub async fn day_slots(
    pool: &PgPool,
    facilities: &[Uuid],
    q: &SlotSearch,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<Slot>> {
    sqlx::query_as(&format!(
        "{SLOT_SELECT} WHERE s.status = 'open' AND s.facility_id = ANY($1) AND sl.starts_at >= $2 AND sl.starts_at < $3
           AND ($4::uuid IS NULL OR s.clinician_id = $4)
         ORDER BY sl.starts_at, sl.id LIMIT $5"
    ))
    .bind(facilities)
    .bind(from)
    .bind(to)
    .bind(q.clinician_id)
    .bind(q.limit)
    .fetch_all(pool)
    .await
}

/// The patient with this MRN (the front desk's look-up from the schedule view).
pub async fn patient_by_mrn(pool: &PgPool, mrn: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM patients WHERE mrn = $1 LIMIT 1").bind(mrn).fetch_optional(pool).await
}

/// One slot of the given facilities.
pub async fn slot(pool: &PgPool, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<Slot>> {
    sqlx::query_as(&format!("{SLOT_SELECT} WHERE sl.id = $1 AND s.facility_id = ANY($2)"))
        .bind(id)
        .bind(facilities)
        .fetch_optional(pool)
        .await
}

/// Refuses a patient who cannot be booked: merged, deceased, closed. Takes a share lock on the
/// patient row so that a death recorded meanwhile waits for the booking (and its hook then
/// cancels it) instead of slipping past it.
async fn check_patient(conn: &mut PgConnection, patient: Uuid) -> AppResult<()> {
    let row: Option<(bool, bool, bool)> = sqlx::query_as(
        "SELECT deceased_at IS NOT NULL, merged_into IS NOT NULL, active FROM patients WHERE id = $1 FOR SHARE",
    )
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((true, _, _)) => Err(AppError::Conflict("The patient is recorded as deceased.".into())),
        Some((_, true, _)) => {
            Err(AppError::Conflict("This record was merged into another one; book on the surviving record.".into()))
        }
        Some((_, _, false)) => Err(AppError::Conflict("The record is closed; reopen it before booking.".into())),
        _ => Ok(()),
    }
}

/// [`check_patient`] for callers outside (a walk-in).
pub async fn check_bookable(conn: &mut PgConnection, patient: Uuid) -> AppResult<()> {
    check_patient(conn, patient).await
}

/// The slot to book, locked against a concurrent template edit, checked: of the user's
/// facilities (else a field error), in an open session, in the future, offering the visit type.
struct Target {
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    capacity: i32,
    clinician_id: Uuid,
    department_id: Uuid,
    facility_id: Uuid,
}

/// starts, ends, capacity, clinician, department, facility, session status, visit types.
type TargetRow = (OffsetDateTime, OffsetDateTime, i32, Uuid, Uuid, Uuid, String, Vec<String>);

async fn target(conn: &mut PgConnection, slot: Uuid, visit_type: &str, facilities: &[Uuid]) -> AppResult<Target> {
    let row: Option<TargetRow> = sqlx::query_as(
        "SELECT sl.starts_at, sl.ends_at, sl.capacity, s.clinician_id, s.department_id, s.facility_id, s.status,
                s.visit_types
         FROM appt_slots sl JOIN appt_sessions s ON s.id = sl.session_id JOIN facilities f ON f.id = s.facility_id
         WHERE sl.id = $1 AND s.facility_id = ANY($2) AND f.active FOR SHARE OF s",
    )
    .bind(slot)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((starts_at, ends_at, capacity, clinician_id, department_id, facility_id, status, types)) = row else {
        return Err(FieldErrors::one("slot_id", "Not a slot of a clinic session at your facilities.").into());
    };
    if status != "open" {
        return Err(AppError::Conflict("The clinic session is blocked; choose another slot.".into()));
    }
    if starts_at <= OffsetDateTime::now_utc() {
        return Err(FieldErrors::one("slot_id", "The slot is in the past; choose a later one.").into());
    }
    if !types.iter().any(|t| t == visit_type) {
        let offered = types.iter().map(|t| visit_label(t)).collect::<Vec<_>>().join(", ");
        return Err(FieldErrors::one(
            "visit_type",
            format!("The clinician does not offer this visit type in that session (offered: {offered})."),
        )
        .into());
    }
    Ok(Target { starts_at, ends_at, capacity, clinician_id, department_id, facility_id })
}

/// The first free seat of a slot, `None` when full. The unique index `appt_appointments_seat`
/// has the last word: two bookings taking the same seat at once → one wins, the other 409.
async fn free_seat(conn: &mut PgConnection, slot: Uuid, capacity: i32) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT n FROM generate_series(1, $2) n
         WHERE NOT EXISTS (SELECT 1 FROM appt_appointments a WHERE a.slot_id = $1 AND a.seat = n
                           AND a.status <> 'cancelled')
         ORDER BY n LIMIT 1",
    )
    .bind(slot)
    .bind(capacity)
    .fetch_optional(&mut *conn)
    .await
}

/// A seat of the slot, or an overbooking when allowed: `(seat, overbooked)`.
async fn seat_for(
    conn: &mut PgConnection,
    slot: Uuid,
    capacity: i32,
    overbook: bool,
    may_overbook: bool,
) -> AppResult<(Option<i32>, bool)> {
    match free_seat(conn, slot, capacity).await? {
        Some(seat) => Ok((Some(seat), false)),
        None if overbook && may_overbook => Ok((None, true)),
        None if overbook => Err(AppError::Forbidden),
        None => Err(AppError::Conflict("The slot is full; choose another one.".into())),
    }
}

/// Books a slot for a patient. Refuses (nothing changed): a merged, deceased or closed record
/// (409), a slot not at the user's facilities or in the past (422), a visit type the session does
/// not offer (422), a full slot (409; overbooking needs `may_overbook` and is flagged), a second
/// booking of the same slot for the patient (409).
pub async fn book(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    v: &ValidBooking,
    facilities: &[Uuid],
    may_overbook: bool,
) -> AppResult<Uuid> {
    check_patient(conn, patient).await?;
    let t = target(conn, v.slot_id, &v.visit_type, facilities).await?;
    let (seat, overbooked) = seat_for(conn, v.slot_id, t.capacity, v.overbook, may_overbook).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO appt_appointments (id, patient_id, slot_id, seat, overbooked, clinician_id, facility_id,
            department_id, visit_type, starts_at, ends_at, reason, booked_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.slot_id)
    .bind(seat)
    .bind(overbooked)
    .bind(t.clinician_id)
    .bind(t.facility_id)
    .bind(t.department_id)
    .bind(&v.visit_type)
    .bind(t.starts_at)
    .bind(t.ends_at)
    .bind(&v.reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("appointments.appointment.create", "appointment", id).patient(patient).changes(json!({
            "slot_id": v.slot_id, "visit_type": v.visit_type, "starts_at": t.starts_at.to_string(),
            "clinician_id": t.clinician_id, "overbooked": overbooked, "reason": v.reason,
        })),
    )
    .await?;
    Ok(id)
}

/// Moves a booked appointment to another slot (same rules as booking; the old seat is freed).
pub async fn reschedule(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    slot: Uuid,
    facilities: &[Uuid],
) -> AppResult<Uuid> {
    let row: Option<(Uuid, String, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT patient_id, status, visit_type, slot_id FROM appt_appointments WHERE id = $1 AND facility_id = ANY($2)
         FOR UPDATE",
    )
    .bind(id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, status, visit_type, old_slot)) = row else { return Err(AppError::NotFound) };
    if status != "booked" {
        return Err(AppError::Conflict("Only a booked appointment can be moved.".into()));
    }
    if old_slot == Some(slot) {
        return Err(FieldErrors::one("slot_id", "That is the appointment's slot already.").into());
    }
    check_patient(conn, patient).await?;
    let t = target(conn, slot, &visit_type, facilities).await?;
    let (seat, _) = seat_for(conn, slot, t.capacity, false, false).await?;
    sqlx::query(
        "UPDATE appt_appointments SET slot_id = $2, seat = $3, overbooked = false, clinician_id = $4, facility_id = $5,
            department_id = $6, starts_at = $7, ends_at = $8, updated_at = now()
         WHERE id = $1 AND status = 'booked'",
    )
    .bind(id)
    .bind(slot)
    .bind(seat)
    .bind(t.clinician_id)
    .bind(t.facility_id)
    .bind(t.department_id)
    .bind(t.starts_at)
    .bind(t.ends_at)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("appointments.appointment.reschedule", "appointment", id)
            .patient(patient)
            .changes(json!({"slot_id": {"from": old_slot, "to": slot}, "starts_at": t.starts_at.to_string()})),
    )
    .await?;
    Ok(patient)
}

/// Cancels a booked appointment with the reason (guarded: anything but `booked` is 409).
pub async fn cancel(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    reason: &str,
    facilities: &[Uuid],
) -> AppResult<Uuid> {
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE appt_appointments SET status = 'cancelled', cancel_reason = $2, updated_at = now()
         WHERE id = $1 AND status = 'booked' AND facility_id = ANY($3) RETURNING patient_id",
    )
    .bind(id)
    .bind(reason)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(patient) = patient else {
        return Err(not_booked(conn, id, facilities).await?);
    };
    audit::record(
        conn,
        meta,
        Event::new("appointments.appointment.cancel", "appointment", id)
            .patient(patient)
            .changes(json!({"status": {"from": "booked", "to": "cancelled"}, "reason": reason})),
    )
    .await?;
    Ok(patient)
}

async fn not_booked(conn: &mut PgConnection, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<AppError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM appt_appointments WHERE id = $1 AND facility_id = ANY($2)")
            .bind(id)
            .bind(facilities)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match status {
        None => AppError::NotFound,
        Some(s) => AppError::Conflict(format!(
            "The appointment is {} already; only a booked appointment can change.",
            crate::model::label_of(&crate::model::STATUSES, &s).to_lowercase()
        )),
    })
}

const APPT_COLS: &str = "a.id, a.patient_id, a.slot_id, a.status, a.visit_type, a.starts_at, a.ends_at, a.overbooked,
        a.clinician_id, u.display_name AS clinician, a.department_id, d.name AS department, a.facility_id, a.reason,
        a.cancel_reason, coalesce(a.encounter_id, q.encounter_id) AS encounter_id, q.token, a.created_at";
const APPT_FROM: &str = "FROM appt_appointments a LEFT JOIN users u ON u.id = a.clinician_id
        LEFT JOIN departments d ON d.id = a.department_id LEFT JOIN appt_queue q ON q.appointment_id = a.id";

/// One appointment of the given facilities.
pub async fn appointment(pool: &PgPool, id: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<Appointment>> {
    sqlx::query_as(&format!("SELECT {APPT_COLS} {APPT_FROM} WHERE a.id = $1 AND a.facility_id = ANY($2)"))
        .bind(id)
        .bind(facilities)
        .fetch_optional(pool)
        .await
}

/// A patient's appointments, latest first (bounded).
pub async fn for_patient(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Appointment>> {
    sqlx::query_as(&format!(
        "SELECT {APPT_COLS} {APPT_FROM} WHERE a.patient_id = $1 ORDER BY a.starts_at DESC, a.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(PATIENT_LIMIT)
    .fetch_all(pool)
    .await
}

/// Filters of the front desk's list.
#[derive(Debug, Clone, Default)]
pub struct DeskFilter {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub clinician: Option<Uuid>,
    pub department: Option<Uuid>,
    pub status: Option<String>,
}

/// The front desk's list: appointments of the user's facilities in a time range, in time order,
/// keyset-paged on (starts_at, id); restricted records the viewer may not open come back masked.
pub async fn desk(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    facilities: &[Uuid],
    f: &DeskFilter,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<DeskRow>> {
    let later = if req.is_later() { " AND (a.starts_at, a.id) > ($11, $12)" } else { "" };
    let sql = format!(
        "SELECT {SUMMARY_COLS}, {APPT_COLS}, q.status AS queue_status, {vis} AS visible
         {APPT_FROM} JOIN patients p ON p.id = a.patient_id
         WHERE a.facility_id = ANY($1) AND a.starts_at >= $6 AND a.starts_at < $7
           AND ($8::uuid IS NULL OR a.clinician_id = $8) AND ($9::uuid IS NULL OR a.department_id = $9)
           AND ($10::text IS NULL OR a.status = $10){later}
         ORDER BY a.starts_at, a.id LIMIT $5",
        vis = visible_sql(2)
    );
    let mut q = sqlx::query_as::<_, DeskRow>(&sql)
        .bind(facilities)
        .bind(viewer.0)
        .bind(viewer.1)
        .bind(viewer.2)
        .bind(req.fetch())
        .bind(f.from)
        .bind(f.to)
        .bind(f.clinician)
        .bind(f.department)
        .bind(&f.status);
    if req.is_later() {
        q = q.bind(req.at()).bind(req.id());
    }
    let mut rows = q.fetch_all(pool).await?;
    for r in rows.iter_mut() {
        r.p.id = r.a.patient_id;
        if !r.visible {
            r.p.mask();
        }
    }
    Ok(Paged::from_rows(rows, req.limit, |r| TimeId(r.a.starts_at, r.a.id)))
}

// ----- the queue -----

/// Takes the facility's next token of its local day: … (a counter row per facility
/// and day, so two desks checking in at once take turns).
async fn next_token(conn: &mut PgConnection, facility: Uuid) -> sqlx::Result<(Date, i32, String)> {
    let (day, n): (Date, i32) = sqlx::query_as(
        "INSERT INTO appt_queue_counters (facility_id, day, last)
         SELECT $1, (now() AT TIME ZONE f.timezone)::date, 1 FROM facilities f WHERE f.id = $1
         ON CONFLICT (facility_id, day) DO UPDATE SET last = appt_queue_counters.last + 1
         RETURNING day, last",
    )
    .bind(facility)
    .fetch_one(&mut *conn)
    .await?;
    Ok((day, n, format!("A-{n:03}")))
}

/// What check-in and walk-in put in the queue.
pub struct Arrival {
    pub patient: Uuid,
    pub appointment: Option<Uuid>,
    pub facility: Uuid,
    pub clinician: Option<Uuid>,
    pub department: Option<Uuid>,
    pub visit_type: String,
    pub encounter: Option<Uuid>,
}

async fn enqueue(conn: &mut PgConnection, meta: &AuditMeta, a: &Arrival) -> AppResult<(Uuid, String)> {
    let (day, number, token) = next_token(conn, a.facility).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO appt_queue (id, facility_id, day, number, token, patient_id, appointment_id, clinician_id,
            department_id, visit_type, encounter_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(id)
    .bind(a.facility)
    .bind(day)
    .bind(number)
    .bind(&token)
    .bind(a.patient)
    .bind(a.appointment)
    .bind(a.clinician)
    .bind(a.department)
    .bind(&a.visit_type)
    .bind(a.encounter)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("appointments.queue.join", "appt_queue", id).patient(a.patient).changes(json!({
            "token": token, "appointment_id": a.appointment, "clinician_id": a.clinician,
            "department_id": a.department, "encounter_id": a.encounter,
        })),
    )
    .await?;
    events::raise(conn, None, QUEUE_EVENT, "changed").await?;
    Ok((id, token))
}

/// Captures the consultation fee of a visit type (`APPT:<visit type>`), on the check-in's
/// transaction; `row` is the appointment (or the queue entry of a walk-in).
async fn charge(conn: &mut PgConnection, meta: &AuditMeta, a: &Arrival, row: Uuid) -> AppResult<Uuid> {
    let code = format!("APPT:{}", a.visit_type);
    let description = format!("Outpatient consultation ({})", visit_label(&a.visit_type));
    hearth_charges::capture(
        conn,
        meta,
        &hearth_charges::NewCharge {
            patient: a.patient,
            encounter: a.encounter,
            facility: Some(a.facility),
            source_module: "appointments",
            source_row: row,
            kind: CHARGE_KIND,
            code: &code,
            description: &description,
            quantity: 1,
            performed_at: OffsetDateTime::now_utc(),
            performer: a.clinician,
            replaces: None,
        },
    )
    .await
}

/// patient, facility, clinician, department, visit type.
type ArrivalRow = (Uuid, Uuid, Option<Uuid>, Option<Uuid>, String);

/// Checks a booked appointment in on its day (facility local day): status arrived. Returns what
/// the arrival needs next ([`arrive`], after the caller started the encounter). Anything but a
/// booked appointment of today is 409.
pub async fn check_in(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, facilities: &[Uuid]) -> AppResult<Arrival> {
    let row: Option<ArrivalRow> = sqlx::query_as(
        "UPDATE appt_appointments a SET status = 'arrived', updated_at = now() FROM facilities f
         WHERE a.id = $1 AND a.status = 'booked' AND a.facility_id = ANY($2) AND f.id = a.facility_id
           AND (a.starts_at AT TIME ZONE f.timezone)::date = (now() AT TIME ZONE f.timezone)::date
         RETURNING a.patient_id, a.facility_id, a.clinician_id, a.department_id, a.visit_type",
    )
    .bind(id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, facility, clinician, department, visit_type)) = row else {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM appt_appointments WHERE id = $1 AND facility_id = ANY($2)")
                .bind(id)
                .bind(facilities)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match status.as_deref() {
            None => AppError::NotFound,
            Some("booked") => AppError::Conflict("Check-in is on the day of the appointment.".into()),
            Some(_) => not_booked(conn, id, facilities).await?,
        });
    };
    check_patient(conn, patient).await?;
    audit::record(
        conn,
        meta,
        Event::new("appointments.appointment.check_in", "appointment", id)
            .patient(patient)
            .changes(json!({"status": {"from": "booked", "to": "arrived"}})),
    )
    .await?;
    Ok(Arrival { patient, appointment: Some(id), facility, clinician, department, visit_type, encounter: None })
}

/// Puts an arrival (a checked-in appointment or a walk-in) in today's queue with a token, links
/// its encounter and captures the consultation fee. Returns the queue entry and its token.
pub async fn arrive(conn: &mut PgConnection, meta: &AuditMeta, a: &Arrival) -> AppResult<(Uuid, String)> {
    if let Some(id) = a.appointment {
        sqlx::query("UPDATE appt_appointments SET encounter_id = $2 WHERE id = $1")
            .bind(id)
            .bind(a.encounter)
            .execute(&mut *conn)
            .await?;
    }
    let (qid, token) = enqueue(conn, meta, a).await?;
    charge(conn, meta, a, a.appointment.unwrap_or(qid)).await?;
    Ok((qid, token))
}

/// The department's facility, when it is one of `facilities` and open.
pub async fn department_facility(
    conn: &mut PgConnection,
    department: Uuid,
    facilities: &[Uuid],
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT d.facility_id FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.id = $1 AND d.active AND f.active AND d.facility_id = ANY($2)",
    )
    .bind(department)
    .bind(facilities)
    .fetch_optional(conn)
    .await
}

const QUEUE_COLS: &str = "q.id, q.token, q.status, q.patient_id, q.appointment_id, q.clinician_id,
        u.display_name AS clinician, q.department_id, d.name AS department, q.visit_type, q.encounter_id,
        q.checked_in_at, q.called_at, q.started_at, q.finished_at";
const QUEUE_FROM: &str = "FROM appt_queue q JOIN facilities f ON f.id = q.facility_id
        LEFT JOIN users u ON u.id = q.clinician_id LEFT JOIN departments d ON d.id = q.department_id";

/// Today's queue (each facility's local day) of the given facilities, by token.
pub async fn queue(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<QueueEntry>> {
    sqlx::query_as(&format!(
        "SELECT {QUEUE_COLS} {QUEUE_FROM}
         WHERE q.facility_id = ANY($1) AND q.day = (now() AT TIME ZONE f.timezone)::date
         ORDER BY f.code, q.number LIMIT 1000"
    ))
    .bind(facilities)
    .fetch_all(pool)
    .await
}

/// Today's queue with the patients, masked where the viewer may not open the record.
pub async fn queue_rows(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    facilities: &[Uuid],
) -> sqlx::Result<Vec<QueueRow>> {
    let sql = format!(
        "SELECT {SUMMARY_COLS}, {QUEUE_COLS}, {vis} AS visible
         {QUEUE_FROM} JOIN patients p ON p.id = q.patient_id
         WHERE q.facility_id = ANY($1) AND q.day = (now() AT TIME ZONE f.timezone)::date
         ORDER BY f.code, q.number LIMIT 1000",
        vis = visible_sql(2)
    );
    let mut rows: Vec<QueueRow> =
        sqlx::query_as(&sql).bind(facilities).bind(viewer.0).bind(viewer.1).bind(viewer.2).fetch_all(pool).await?;
    for r in rows.iter_mut() {
        r.p.id = r.q.patient_id;
        if !r.visible {
            r.p.mask();
        }
    }
    Ok(rows)
}

/// The clinician calls the next waiting patient (theirs, or nobody's in particular) of today's
/// queue at their facilities. `None` when nobody waits. Two clinicians calling at once get two
/// different patients (SKIP LOCKED).
pub async fn call_next(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
) -> AppResult<Option<QueueEntry>> {
    let user = meta.actor_user_id;
    let id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE appt_queue SET status = 'called', called_at = now(), called_by = $2,
                clinician_id = coalesce(clinician_id, $2)
         WHERE id = (SELECT q.id FROM appt_queue q JOIN facilities f ON f.id = q.facility_id
                     WHERE q.facility_id = ANY($1) AND q.day = (now() AT TIME ZONE f.timezone)::date
                       AND q.status = 'waiting' AND (q.clinician_id IS NULL OR q.clinician_id = $2)
                     ORDER BY (q.clinician_id IS NULL), q.number LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
           AND status = 'waiting'
         RETURNING id",
    )
    .bind(facilities)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let e: QueueEntry = sqlx::query_as(&format!("SELECT {QUEUE_COLS} {QUEUE_FROM} WHERE q.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("appointments.queue.call", "appt_queue", id)
            .patient(e.patient_id)
            .changes(json!({"status": {"from": "waiting", "to": "called"}, "token": e.token})),
    )
    .await?;
    events::raise(conn, None, QUEUE_EVENT, "changed").await?;
    Ok(Some(e))
}

/// Moves a queue entry on: called → in_consultation → done; waiting or called → left (without
/// being seen). The transition is guarded in the UPDATE: any other is 409.
pub async fn set_queue_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    to: &str,
    facilities: &[Uuid],
) -> AppResult<QueueEntry> {
    let from: &[&str] = match to {
        "in_consultation" => &["called"],
        "done" => &["in_consultation"],
        "left" => &["waiting", "called"],
        "waiting" => &["called"],
        _ => return Err(FieldErrors::one("status", "Choose in_consultation, done, left or waiting.").into()),
    };
    let row: Option<(String, Uuid, Option<Uuid>)> = sqlx::query_as(
        "UPDATE appt_queue n SET status = $2,
                started_at = CASE WHEN $2 = 'in_consultation' THEN now() ELSE n.started_at END,
                finished_at = CASE WHEN $2 IN ('done', 'left') THEN now() ELSE n.finished_at END
         FROM appt_queue o WHERE n.id = o.id AND n.id = $1 AND n.status = ANY($3) AND n.facility_id = ANY($4)
         RETURNING o.status, n.patient_id, n.appointment_id",
    )
    .bind(id)
    .bind(to)
    .bind(from)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((old, patient, appointment)) = row else {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM appt_queue WHERE id = $1 AND facility_id = ANY($2)")
                .bind(id)
                .bind(facilities)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match status {
            None => AppError::NotFound,
            Some(s) => AppError::Conflict(format!(
                "The patient is {} now; that step is not possible.",
                crate::model::label_of(&crate::model::QUEUE_STATUSES, &s).to_lowercase()
            )),
        });
    };
    if to == "done" {
        if let Some(a) = appointment {
            sqlx::query("UPDATE appt_appointments SET status = 'fulfilled', updated_at = now() WHERE id = $1 AND status = 'arrived'")
                .bind(a)
                .execute(&mut *conn)
                .await?;
        }
    }
    audit::record(
        conn,
        meta,
        Event::new(&format!("appointments.queue.{to}"), "appt_queue", id)
            .patient(patient)
            .changes(json!({"status": {"from": old, "to": to}})),
    )
    .await?;
    events::raise(conn, None, QUEUE_EVENT, "changed").await?;
    let e = sqlx::query_as(&format!("SELECT {QUEUE_COLS} {QUEUE_FROM} WHERE q.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(e)
}

// ----- jobs and hooks -----

/// Marks booked appointments whose end passed more than `grace_minutes` ago as no-shows.
pub async fn mark_no_shows(conn: &mut PgConnection, meta: &AuditMeta, grace_minutes: i64) -> sqlx::Result<u64> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE appt_appointments SET status = 'noshow', updated_at = now()
         WHERE status = 'booked' AND ends_at < now() - make_interval(mins => $1::int) RETURNING id, patient_id",
    )
    .bind(grace_minutes as i32)
    .fetch_all(&mut *conn)
    .await?;
    for (id, patient) in &rows {
        audit::record(
            &mut *conn,
            meta,
            Event::new("appointments.appointment.noshow", "appointment", *id)
                .patient(*patient)
                .changes(json!({"status": {"from": "booked", "to": "noshow"}})),
        )
        .await?;
    }
    Ok(rows.len() as u64)
}

/// The death hook: cancels the patient's future bookings ("The patient died.") and takes them
/// out of today's queue.
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE appt_appointments SET status = 'cancelled', cancel_reason = 'The patient died.', updated_at = now()
         WHERE patient_id = $1 AND status = 'booked' RETURNING id",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    for id in &ids {
        audit::record(
            &mut *conn,
            meta,
            Event::new("appointments.appointment.cancel", "appointment", *id)
                .patient(patient)
                .changes(json!({"status": {"from": "booked", "to": "cancelled"}, "reason": "The patient died."})),
        )
        .await?;
    }
    let left = sqlx::query(
        "UPDATE appt_queue SET status = 'left', finished_at = now() WHERE patient_id = $1 AND status IN ('waiting', 'called')",
    )
    .bind(patient)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if left > 0 {
        events::raise(conn, None, QUEUE_EVENT, "changed").await?;
    }
    Ok(())
}
