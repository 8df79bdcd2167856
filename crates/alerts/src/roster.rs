//! The minimum of assignment the chains address: on-call lists (who holds a duty in a facility
//! or department, when) and nurse–patient assignments per ward shift. Full rostering comes later;
//! these tables are what it will fill.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{duty_label, DUTIES};
use crate::service::OFF_SHIFT_JOB;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::jobs::{self, Opts};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// A choice of a select (a facility, department or person).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

/// The facilities among `ids`.
pub async fn facilities(pool: &PgPool, ids: &[Uuid]) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as("SELECT id, name FROM facilities WHERE id = ANY($1) AND active ORDER BY name")
        .bind(ids)
        .fetch_all(pool)
        .await
}

/// The active departments of the facilities among `ids` ("CODE · Department").
pub async fn departments(pool: &PgPool, ids: &[Uuid]) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "SELECT d.id, f.code || ' · ' || d.name AS name FROM departments d JOIN facilities f ON f.id = d.facility_id
         WHERE d.facility_id = ANY($1) AND d.active ORDER BY f.code, d.name LIMIT 500",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// Active people of the facilities among `ids` who may acknowledge alerts (the ones worth
/// putting on call or assigning).
pub async fn staff(pool: &PgPool, ids: &[Uuid]) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name AS name FROM users u
         WHERE u.active AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = ANY($1))
           AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
                       WHERE ur.user_id = u.id AND rp.permission_code = $2)
         ORDER BY u.display_name, u.id LIMIT 1000",
    )
    .bind(ids)
    .bind(crate::perms::ACKNOWLEDGE.code())
    .fetch_all(pool)
    .await
}

fn opt_uuid(e: &mut FieldErrors, field: &'static str, v: &str) -> Option<Uuid> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse() {
        Ok(u) => Some(u),
        Err(_) => {
            e.add(field, "Choose one from the list.");
            None
        }
    }
}

/// Reads a shift's start and end (local to `zone`; the API's is UTC or RFC 3339).
fn period(
    e: &mut FieldErrors,
    zone: &Zone,
    (starts, starts_offset): (&str, &str),
    (ends, ends_offset): (&str, &str),
    max_hours: i64,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let s = zone.read_field(e, "starts_at", starts, Some(starts_offset));
    let t = zone.read_field(e, "ends_at", ends, Some(ends_offset));
    if starts.trim().is_empty() {
        e.add("starts_at", "Give the start.");
    }
    if ends.trim().is_empty() {
        e.add("ends_at", "Give the end.");
    }
    let (s, t) = (s?, t?);
    if t <= s {
        e.add("ends_at", "The end is after the start.");
        return None;
    }
    if t - s > time::Duration::hours(max_hours) {
        e.add("ends_at", format!("At most {max_hours} hours."));
        return None;
    }
    if t <= OffsetDateTime::now_utc() {
        e.add("ends_at", "The end is in the past.");
        return None;
    }
    Some((s, t))
}

// ------------------------------------------------------------------------------------ on call

/// An entry of an on-call list.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct OnCall {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility: String,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    /// doctor, charge_nurse, consultant, pharmacist…
    pub duty: String,
    pub user_id: Uuid,
    pub user_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: OffsetDateTime,
    pub note: String,
}

impl OnCall {
    pub fn duty_label(&self) -> String {
        duty_label(&self.duty)
    }
    pub fn current(&self) -> bool {
        let now = OffsetDateTime::now_utc();
        self.starts_at <= now && now < self.ends_at
    }
}

/// The on-call entries of the facilities among `ids` that end after `since` (current and
/// upcoming; `since` an hour ago keeps the shift that just ended in view), by start.
pub async fn on_call(pool: &PgPool, ids: &[Uuid], since: OffsetDateTime) -> sqlx::Result<Vec<OnCall>> {
    sqlx::query_as(
        "SELECT o.id, o.facility_id, f.name AS facility, o.department_id, d.name AS department, o.duty, o.user_id,
                u.display_name AS user_name, o.starts_at, o.ends_at, o.note
         FROM alert_on_call o JOIN facilities f ON f.id = o.facility_id JOIN users u ON u.id = o.user_id
         LEFT JOIN departments d ON d.id = o.department_id
         WHERE o.facility_id = ANY($1) AND o.ends_at > $2
         ORDER BY o.starts_at, f.name, d.name NULLS FIRST, o.duty LIMIT 500",
    )
    .bind(ids)
    .bind(since)
    .fetch_all(pool)
    .await
}

/// A new on-call entry (the page's form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewOnCall {
    pub facility_id: String,
    /// Empty: the whole facility.
    pub department_id: String,
    /// doctor, charge_nurse, consultant or pharmacist.
    pub duty: String,
    pub user_id: String,
    /// Local to the user's facility on the page; the API reads UTC or RFC 3339.
    pub starts_at: String,
    #[schema(ignore)]
    pub starts_at_offset: String,
    pub ends_at: String,
    #[schema(ignore)]
    pub ends_at_offset: String,
    pub note: String,
}

pub struct ValidOnCall {
    facility: Uuid,
    department: Option<Uuid>,
    duty: String,
    user: Uuid,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    note: String,
}

impl NewOnCall {
    /// Checks the form; the facility must be one of `facilities` (the caller's).
    pub fn validate(&self, zone: &Zone, facilities: &[Uuid]) -> Result<ValidOnCall, FieldErrors> {
        let mut e = FieldErrors::default();
        let facility = opt_uuid(&mut e, "facility_id", &self.facility_id);
        if facility.is_none() && e.get("facility_id").is_none() {
            e.add("facility_id", "Choose the facility.");
        }
        if facility.is_some_and(|f| !facilities.contains(&f)) {
            e.add("facility_id", "Choose one of your facilities.");
        }
        let department = opt_uuid(&mut e, "department_id", &self.department_id);
        let duty = self.duty.trim().to_string();
        if !DUTIES.iter().any(|(d, _)| *d == duty) {
            e.add("duty", "Choose the duty.");
        }
        let user = opt_uuid(&mut e, "user_id", &self.user_id);
        if user.is_none() && e.get("user_id").is_none() {
            e.add("user_id", "Choose who is on call.");
        }
        let p = period(
            &mut e,
            zone,
            (&self.starts_at, &self.starts_at_offset),
            (&self.ends_at, &self.ends_at_offset),
            7 * 24,
        );
        let note = self.note.trim().to_string();
        if note.chars().count() > 200 {
            e.add("note", "At most 200 characters.");
        }
        match (facility, user, p) {
            (Some(facility), Some(user), Some((starts_at, ends_at))) if e.is_empty() => {
                Ok(ValidOnCall { facility, department, duty, user, starts_at, ends_at, note })
            }
            _ => Err(e),
        }
    }
}

/// Checks that the department is the facility's and the person works there.
async fn check_place(
    conn: &mut PgConnection,
    facility: Uuid,
    department: Option<Uuid>,
    user: Uuid,
    user_field: &'static str,
) -> AppResult<()> {
    let (dept_ok, user_ok): (bool, bool) = sqlx::query_as(
        "SELECT $2::uuid IS NULL OR EXISTS (SELECT 1 FROM departments WHERE id = $2 AND facility_id = $1),
                EXISTS (SELECT 1 FROM users u JOIN user_facilities uf ON uf.user_id = u.id
                        WHERE u.id = $3 AND u.active AND uf.facility_id = $1)",
    )
    .bind(facility)
    .bind(department)
    .bind(user)
    .fetch_one(&mut *conn)
    .await?;
    let mut e = FieldErrors::default();
    if !dept_ok {
        e.add("department_id", "Choose a department of that facility.");
    }
    if !user_ok {
        e.add(user_field, "Choose an active member of that facility's staff.");
    }
    e.into_result()
}

/// Adds an on-call entry. Two people on call for one duty at once is refused by the
/// `alert_on_call_one_at_a_time` exclusion constraint (409).
pub async fn add_on_call(conn: &mut PgConnection, meta: &AuditMeta, v: &ValidOnCall) -> AppResult<Uuid> {
    check_place(conn, v.facility, v.department, v.user, "user_id").await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO alert_on_call (id, facility_id, department_id, duty, user_id, starts_at, ends_at, note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(v.facility)
    .bind(v.department)
    .bind(&v.duty)
    .bind(v.user)
    .bind(v.starts_at)
    .bind(v.ends_at)
    .bind(&v.note)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("alerts.on_call.create", "alert_on_call", id).changes(json!({
            "facility_id": v.facility, "department_id": v.department, "duty": v.duty, "user_id": v.user,
            "starts_at": v.starts_at.to_string(), "ends_at": v.ends_at.to_string(),
        })),
    )
    .await?;
    Ok(id)
}

/// Ends an on-call entry now (one not started yet is removed). Alerts whose only addressee it
/// was escalate at once (the off-shift job).
pub async fn end_on_call(conn: &mut PgConnection, meta: &AuditMeta, facilities: &[Uuid], id: Uuid) -> AppResult<()> {
    let row: Option<(OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM alert_on_call WHERE id = $1 AND facility_id = ANY($2) FOR UPDATE",
    )
    .bind(id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((starts, ends)) = row else { return Err(AppError::NotFound) };
    let now: OffsetDateTime = sqlx::query_scalar("SELECT now()").fetch_one(&mut *conn).await?;
    if ends <= now {
        return Err(AppError::Conflict("This shift is already over.".into()));
    }
    let verb = if starts >= now {
        sqlx::query("DELETE FROM alert_on_call WHERE id = $1").bind(id).execute(&mut *conn).await?;
        "alerts.on_call.delete"
    } else {
        sqlx::query("UPDATE alert_on_call SET ends_at = now() WHERE id = $1").bind(id).execute(&mut *conn).await?;
        "alerts.on_call.end"
    };
    audit::record(conn, meta, Event::new(verb, "alert_on_call", id).changes(json!({"ends_at": ends.to_string()})))
        .await?;
    jobs::enqueue(conn, OFF_SHIFT_JOB, serde_json::Value::Null, Opts::default()).await?;
    Ok(())
}

// -------------------------------------------------------------------------------- assignments

/// A nurse's assignment to a patient for a shift.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub nurse_id: Uuid,
    pub nurse: String,
    pub facility_id: Uuid,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: OffsetDateTime,
    /// The patient as the reader may see them; empty when restricted.
    #[serde(skip)]
    pub patient_label: String,
}

impl Assignment {
    pub fn current(&self) -> bool {
        let now = OffsetDateTime::now_utc();
        self.starts_at <= now && now < self.ends_at
    }
}

const ASSIGNMENT_COLS: &str = "n.id, n.patient_id, n.nurse_id, u.display_name AS nurse, n.facility_id, n.department_id,
        d.name AS department, n.starts_at, n.ends_at";

/// A patient's assignments that end after `since`, by start (at most 100).
pub async fn patient_assignments(pool: &PgPool, patient: Uuid, since: OffsetDateTime) -> sqlx::Result<Vec<Assignment>> {
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLS}, '' AS patient_label
         FROM alert_nurse_assignments n JOIN users u ON u.id = n.nurse_id LEFT JOIN departments d ON d.id = n.department_id
         WHERE n.patient_id = $1 AND n.ends_at > $2 ORDER BY n.starts_at, n.id LIMIT 100"
    ))
    .bind(patient)
    .bind(since)
    .fetch_all(pool)
    .await
}

/// The current and upcoming assignments of the facilities among `ids` (at most 500), the patient
/// shown only to those who may open the record.
pub async fn assignments(
    pool: &PgPool,
    user: &hearth_core::platform::auth::CurrentUser,
    ids: &[Uuid],
) -> sqlx::Result<Vec<Assignment>> {
    let (perm, uid, sid) = hearth_patients::access::viewer(user);
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLS},
                CASE WHEN {} THEN p.family_name || ', ' || p.given_name || ' · ' || p.mrn ELSE '' END AS patient_label
         FROM alert_nurse_assignments n JOIN users u ON u.id = n.nurse_id JOIN patients p ON p.id = n.patient_id
         LEFT JOIN departments d ON d.id = n.department_id
         WHERE n.facility_id = ANY($1) AND n.ends_at > now()
         ORDER BY d.name NULLS FIRST, u.display_name, n.starts_at LIMIT 500",
        hearth_patients::access::visible_sql(2)
    ))
    .bind(ids)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .fetch_all(pool)
    .await
}

/// A new assignment (the chart tab's form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewAssignment {
    pub nurse_id: String,
    /// The ward (a department of the facility); optional.
    pub department_id: String,
    /// The facility (default: the caller's first).
    pub facility_id: String,
    pub starts_at: String,
    #[schema(ignore)]
    pub starts_at_offset: String,
    pub ends_at: String,
    #[schema(ignore)]
    pub ends_at_offset: String,
}

pub struct ValidAssignment {
    nurse: Uuid,
    facility: Uuid,
    department: Option<Uuid>,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
}

impl NewAssignment {
    pub fn validate(&self, zone: &Zone, facilities: &[Uuid]) -> Result<ValidAssignment, FieldErrors> {
        let mut e = FieldErrors::default();
        let nurse = opt_uuid(&mut e, "nurse_id", &self.nurse_id);
        if nurse.is_none() && e.get("nurse_id").is_none() {
            e.add("nurse_id", "Choose the nurse.");
        }
        let facility = opt_uuid(&mut e, "facility_id", &self.facility_id).or(facilities.first().copied());
        match facility {
            None if e.get("facility_id").is_none() => e.add("facility_id", "You are not assigned to a facility."),
            Some(f) if !facilities.contains(&f) => e.add("facility_id", "Choose one of your facilities."),
            _ => {}
        }
        let department = opt_uuid(&mut e, "department_id", &self.department_id);
        let p =
            period(&mut e, zone, (&self.starts_at, &self.starts_at_offset), (&self.ends_at, &self.ends_at_offset), 24);
        match (nurse, facility, p) {
            (Some(nurse), Some(facility), Some((starts_at, ends_at))) if e.is_empty() => {
                Ok(ValidAssignment { nurse, facility, department, starts_at, ends_at })
            }
            _ => Err(e),
        }
    }
}

/// Assigns a nurse to a patient for a shift.
pub async fn assign(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidAssignment) -> AppResult<Uuid> {
    check_place(conn, v.facility, v.department, v.nurse, "nurse_id").await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO alert_nurse_assignments (id, patient_id, nurse_id, facility_id, department_id, starts_at, ends_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.nurse)
    .bind(v.facility)
    .bind(v.department)
    .bind(v.starts_at)
    .bind(v.ends_at)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("alerts.assignment.create", "alert_nurse_assignment", id).patient(patient).changes(json!({
            "nurse_id": v.nurse, "facility_id": v.facility, "department_id": v.department,
            "starts_at": v.starts_at.to_string(), "ends_at": v.ends_at.to_string(),
        })),
    )
    .await?;
    Ok(id)
}

/// Ends an assignment now (one not started yet is removed); alerts whose only addressee it was
/// escalate. Returns the patient.
pub async fn end_assignment(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    id: Uuid,
) -> AppResult<Uuid> {
    let row: Option<(Uuid, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "SELECT patient_id, starts_at, ends_at FROM alert_nurse_assignments WHERE id = $1 AND facility_id = ANY($2)
         FOR UPDATE",
    )
    .bind(id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, starts, ends)) = row else { return Err(AppError::NotFound) };
    let now: OffsetDateTime = sqlx::query_scalar("SELECT now()").fetch_one(&mut *conn).await?;
    if ends <= now {
        return Err(AppError::Conflict("This assignment is already over.".into()));
    }
    let verb = if starts >= now {
        sqlx::query("DELETE FROM alert_nurse_assignments WHERE id = $1").bind(id).execute(&mut *conn).await?;
        "alerts.assignment.delete"
    } else {
        sqlx::query("UPDATE alert_nurse_assignments SET ends_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        "alerts.assignment.end"
    };
    audit::record(
        conn,
        meta,
        Event::new(verb, "alert_nurse_assignment", id).patient(patient).changes(json!({"ends_at": ends.to_string()})),
    )
    .await?;
    jobs::enqueue(conn, OFF_SHIFT_JOB, serde_json::Value::Null, Opts::default()).await?;
    Ok(patient)
}
