//! Bed requests and placement (issue 17): requests for a bed from the emergency department, the
//! clinics, surgery or a direct admission enter one queue per facility (`ip_bed_requests`); the
//! bed manager sees candidate beds that fit (ward type, gender policy, isolation, equipment),
//! assigns one — a `bed_request` hold in the one allocation table through [`repo::hold_bed`] —
//! then admits the patient into it with the existing admission ([`repo::admit`]), or cancels the
//! request with a reason. At most one open request per patient (`ip_bed_requests_one_open`).
//!
//! Other modules call [`request`] on their own transaction (the ED does on an "admit"
//! disposition) and read [`statuses_for`]; they never read these tables. When the patient is
//! admitted, the job the requester named (`on_admitted_job`) is enqueued on the admitting
//! transaction with `{"request_id", "source_ref"}` (ids only), so inpatient never depends on the
//! requester's crate.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{AdmitForm, PRECAUTIONS, SOURCES, WARD_KINDS};
use crate::repo;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::events;
use hearth_core::platform::jobs;
use hearth_core::platform::notify::{self, Notice, NotificationKind};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// The live event of the placement queue and of requesters' boards (data: the request's id).
pub const EVENT: &str = "inpatient.bed_requests";
pub const URGENCIES: [&str; 3] = ["routine", "urgent", "emergency"];
pub const STATUSES: [&str; 4] = ["requested", "assigned", "admitted", "cancelled"];
/// How long an assigned bed is held by default (hours).
pub const DEFAULT_HOLD_HOURS: i64 = 4;

/// The requester is told when a bed is assigned (in-app by default).
pub const BED_ASSIGNED: NotificationKind = NotificationKind {
    code: "inpatient.bed_assigned",
    label: "A bed is assigned to your bed request",
    email_by_default: false,
};

/// A request to create (from a form, the API, or another module).
#[derive(Debug, Clone, Default)]
pub struct NewBedRequest {
    pub patient: Uuid,
    pub facility: Uuid,
    pub source: String,
    pub source_module: String,
    pub source_ref: Option<Uuid>,
    pub on_admitted_job: Option<String>,
    pub ward_kind: Option<String>,
    pub ward_id: Option<Uuid>,
    pub specialty: String,
    pub urgency: String,
    pub isolation: String,
    pub single_room: bool,
    pub oxygen: bool,
    pub ventilator: bool,
    pub bariatric: bool,
    pub cot: bool,
    pub notes: String,
}

/// The request form (pages and API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedRequestForm {
    /// clinic, ed, surgery or direct.
    pub source: String,
    /// One of the caller's facilities (default: the caller's first).
    pub facility_id: String,
    /// A ward type wanted (general, icu, hdu, paediatric, maternity, isolation, day_care), or empty.
    pub ward_kind: String,
    /// A specific ward wanted, or empty.
    pub ward_id: String,
    pub specialty: String,
    /// routine, urgent or emergency.
    pub urgency: String,
    /// Isolation precautions: none, contact, droplet, airborne.
    pub isolation: String,
    /// A single room for reasons of gender or privacy.
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "flag")]
    pub single_room: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "flag")]
    pub oxygen: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "flag")]
    pub ventilator: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "flag")]
    pub bariatric: Option<String>,
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "flag")]
    pub cot: Option<String>,
    pub notes: String,
}

/// A tick box: `true`/`"true"`/`"on"` (forms send text, JSON may send a boolean).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Bool(b)) => b.then(|| "true".to_string()),
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    })
}

/// Text or a number (JSON), as text.
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    })
}

fn checked(v: &Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("true" | "on" | "1" | "yes"))
}

impl BedRequestForm {
    /// Validates into a request of `patient` at one of `facilities` (the first by default).
    pub fn validate(&self, patient: Uuid, facilities: &[Uuid]) -> Result<NewBedRequest, FieldErrors> {
        let mut e = FieldErrors::default();
        let source = self.source.trim();
        if !SOURCES.contains(&source) {
            e.add("source", "Choose where the patient comes from.");
        }
        let facility = match self.facility_id.trim() {
            "" => facilities.first().copied(),
            s => s.parse::<Uuid>().ok().filter(|f| facilities.contains(f)),
        };
        if facility.is_none() {
            e.add("facility_id", "Choose one of your facilities.");
        }
        let ward_kind = match self.ward_kind.trim() {
            "" => None,
            k if WARD_KINDS.contains(&k) => Some(k.to_string()),
            _ => {
                e.add("ward_kind", "Choose a ward type from the list.");
                None
            }
        };
        let ward_id = match self.ward_id.trim() {
            "" => None,
            s => match s.parse::<Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    e.add("ward_id", "Choose a ward from the list.");
                    None
                }
            },
        };
        let specialty = self.specialty.trim().to_string();
        if specialty.chars().count() > 100 {
            e.add("specialty", "At most 100 characters.");
        }
        let urgency = self.urgency.trim();
        if !URGENCIES.contains(&urgency) {
            e.add("urgency", "Choose routine, urgent or emergency.");
        }
        let isolation = match self.isolation.trim() {
            "" => "none",
            s => s,
        };
        if !PRECAUTIONS.contains(&isolation) {
            e.add("isolation", "Choose the isolation precautions from the list.");
        }
        let notes = self.notes.trim().to_string();
        if notes.chars().count() > 1000 {
            e.add("notes", "At most 1,000 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(NewBedRequest {
            patient,
            facility: facility.unwrap_or_default(),
            source: source.to_string(),
            source_module: "inpatient".into(),
            source_ref: None,
            on_admitted_job: None,
            ward_kind,
            ward_id,
            specialty,
            urgency: urgency.to_string(),
            isolation: isolation.to_string(),
            single_room: checked(&self.single_room),
            oxygen: checked(&self.oxygen),
            ventilator: checked(&self.ventilator),
            bariatric: checked(&self.bariatric),
            cot: checked(&self.cot),
            notes,
        })
    }
}

/// The assignment form: a bed and how long to hold it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedAssignForm {
    pub bed_id: String,
    /// Hours to hold the bed (1–24, default 4).
    #[serde(deserialize_with = "lenient")]
    #[schema(value_type = Option<i32>)]
    pub hold_hours: String,
}

/// The cancellation form.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedRequestCancelForm {
    pub reason: String,
}

impl BedRequestCancelForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() || r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "Give the reason for cancelling (at most 500 characters)."));
        }
        Ok(r.to_string())
    }
}

impl BedAssignForm {
    pub fn validate(&self) -> Result<(Uuid, i64), FieldErrors> {
        let mut e = FieldErrors::default();
        let bed = self.bed_id.trim().parse::<Uuid>().ok();
        if bed.is_none() {
            e.add("bed_id", "Choose a bed.");
        }
        let hours = match self.hold_hours.trim() {
            "" => DEFAULT_HOLD_HOURS,
            s => match s.parse::<i64>() {
                Ok(h) if (1..=24).contains(&h) => h,
                _ => {
                    e.add("hold_hours", "A number of hours from 1 to 24.");
                    0
                }
            },
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok((bed.unwrap_or_default(), hours))
    }
}

/// A request in the queue (the patient masked for restricted records the viewer may not open).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BedRequest {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// "Family, Given", or "Restricted record".
    pub patient_name: String,
    pub mrn: String,
    pub sex: String,
    pub restricted: bool,
    pub facility_id: Uuid,
    pub source: String,
    pub source_module: String,
    pub source_ref: Option<Uuid>,
    pub ward_kind: Option<String>,
    pub ward_id: Option<Uuid>,
    pub ward_code: Option<String>,
    pub specialty: String,
    pub urgency: String,
    pub isolation: String,
    pub single_room: bool,
    pub oxygen: bool,
    pub ventilator: bool,
    pub bariatric: bool,
    pub cot: bool,
    pub notes: String,
    /// requested, assigned, admitted or cancelled.
    pub status: String,
    pub bed_id: Option<Uuid>,
    /// "WARD · ROOM · BED" of the assigned bed.
    pub bed_label: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub hold_until: Option<OffsetDateTime>,
    pub admission_id: Option<Uuid>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub requested_by: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub assigned_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
}

impl BedRequest {
    /// The assigned bed's hold has lapsed (the bed is free for others again).
    pub fn hold_lapsed(&self) -> bool {
        self.status == "assigned" && self.hold_until.is_some_and(|t| t <= OffsetDateTime::now_utc())
    }
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "requested" | "assigned")
    }
    /// Minutes waiting since the request.
    pub fn waiting_minutes(&self) -> i64 {
        (OffsetDateTime::now_utc() - self.requested_at).whole_minutes().max(0)
    }
    pub fn urgency_class(&self) -> &'static str {
        match self.urgency.as_str() {
            "emergency" => "badge badge-danger",
            "urgent" => "badge badge-warn",
            _ => "badge badge-muted",
        }
    }
    /// The needs in words ("Airborne isolation · oxygen · single room").
    pub fn needs(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        match self.isolation.as_str() {
            "contact" => v.push("contact"),
            "droplet" => v.push("droplet"),
            "airborne" => v.push("airborne"),
            _ => {}
        }
        for (on, name) in [
            (self.single_room, "single_room"),
            (self.oxygen, "oxygen"),
            (self.ventilator, "ventilator"),
            (self.bariatric, "bariatric"),
            (self.cot, "cot"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

/// The request's columns; `$A..$A+2` are the viewer's `visible_sql` parameters.
fn select(n: usize) -> String {
    format!(
        "SELECT r.id, r.patient_id,
                CASE WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name,
                p.mrn, CASE WHEN {vis} THEN p.sex ELSE '' END AS sex, NOT {vis} AS restricted,
                r.facility_id, r.source, r.source_module, r.source_ref, r.ward_kind, r.ward_id, w.code AS ward_code,
                r.specialty, r.urgency, r.isolation, r.single_room, r.oxygen, r.ventilator, r.bariatric, r.cot, r.notes,
                r.status, r.bed_id, bw.code || coalesce(' · ' || rm.code, '') || ' · ' || b.code AS bed_label,
                upper(a.period) AS hold_until, r.admission_id, r.requested_at, u.display_name AS requested_by,
                r.assigned_at, r.closed_at, r.cancel_reason
         FROM ip_bed_requests r JOIN patients p ON p.id = r.patient_id
              LEFT JOIN inpatient_wards w ON w.id = r.ward_id
              LEFT JOIN inpatient_beds b ON b.id = r.bed_id LEFT JOIN inpatient_wards bw ON bw.id = b.ward_id
              LEFT JOIN inpatient_rooms rm ON rm.id = b.room_id
              LEFT JOIN inpatient_bed_allocations a ON a.id = r.hold_id
              LEFT JOIN users u ON u.id = r.requested_by",
        vis = hearth_patients::access::visible_sql(n)
    )
}

/// The open requests of a facility: the most urgent first, then the longest waiting.
pub async fn queue(pool: &PgPool, viewer: (bool, Uuid, Option<Uuid>), facility: Uuid) -> sqlx::Result<Vec<BedRequest>> {
    let (perm, uid, sid) = viewer;
    sqlx::query_as(&format!(
        "{} WHERE r.facility_id = $1 AND r.status IN ('requested', 'assigned')
         ORDER BY array_position(ARRAY['emergency', 'urgent', 'routine'], r.urgency), r.requested_at, r.id LIMIT 500",
        select(2)
    ))
    .bind(facility)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .fetch_all(pool)
    .await
}

/// One request of these facilities.
pub async fn load(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    facilities: &[Uuid],
    id: Uuid,
) -> sqlx::Result<Option<BedRequest>> {
    let (perm, uid, sid) = viewer;
    sqlx::query_as(&format!("{} WHERE r.id = $1 AND r.facility_id = ANY($5)", select(2)))
        .bind(id)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(facilities)
        .fetch_optional(pool)
        .await
}

/// A patient's requests, newest first (the chart's Admissions tab).
pub async fn of_patient(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<BedRequest>> {
    sqlx::query_as(&format!("{} WHERE r.patient_id = $1 ORDER BY r.requested_at DESC, r.id DESC LIMIT $5", select(2)))
        .bind(patient)
        .bind(true)
        .bind(Uuid::nil())
        .bind(None::<Uuid>)
        .bind(repo::LIST_LIMIT)
        .fetch_all(pool)
        .await
}

/// Whether the patient has an open hospital stay (public for other modules).
pub async fn admitted(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM inpatient_admissions WHERE patient_id = $1 AND status <> 'discharged')",
    )
    .bind(patient)
    .fetch_one(conn)
    .await
}

/// The patient's open request, if any (public for other modules).
pub async fn open_of(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM ip_bed_requests WHERE patient_id = $1 AND status IN ('requested', 'assigned')")
        .bind(patient)
        .fetch_optional(conn)
        .await
}

/// What a requester module sees of its requests: no patient data, only the status and the bed.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BedRequestStatus {
    pub request_id: Uuid,
    pub source_ref: Uuid,
    pub status: String,
    pub bed_label: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

/// The latest request of each of `refs` (the requester's own rows, e.g. ED visits) made by
/// `module`: for the requester's board. One indexed query.
pub async fn statuses_for(pool: &PgPool, module: &str, refs: &[Uuid]) -> sqlx::Result<Vec<BedRequestStatus>> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT DISTINCT ON (r.source_ref) r.id AS request_id, r.source_ref, r.status,
                bw.code || ' · ' || b.code AS bed_label, r.requested_at
         FROM ip_bed_requests r LEFT JOIN inpatient_beds b ON b.id = r.bed_id LEFT JOIN inpatient_wards bw ON bw.id = b.ward_id
         WHERE r.source_module = $1 AND r.source_ref = ANY($2)
         ORDER BY r.source_ref, r.requested_at DESC",
    )
    .bind(module)
    .bind(refs)
    .fetch_all(pool)
    .await
}

async fn changed(conn: &mut PgConnection, id: Uuid, facility: Uuid) -> sqlx::Result<()> {
    events::raise(&mut *conn, None, EVENT, &id.to_string()).await?;
    events::raise(conn, None, repo::EVENT, &facility.to_string()).await.map(|_| ())
}

/// Creates a request on the caller's transaction (public for other modules). The patient must be
/// neither merged, deceased nor already admitted; a second open request of the patient is
/// refused by `ip_bed_requests_one_open` (409).
pub async fn request(conn: &mut PgConnection, meta: &AuditMeta, r: &NewBedRequest) -> AppResult<Uuid> {
    let row: Option<(bool, bool)> =
        sqlx::query_as("SELECT deceased_at IS NOT NULL, merged_into IS NOT NULL FROM patients WHERE id = $1")
            .bind(r.patient)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => return Err(AppError::NotFound),
        Some((_, true)) => return Err(AppError::Conflict("This record was merged; use the surviving record.".into())),
        Some((true, _)) => return Err(AppError::Conflict("The patient is recorded as deceased.".into())),
        _ => {}
    }
    if admitted(conn, r.patient).await? {
        return Err(AppError::Conflict("The patient is already admitted.".into()));
    }
    if let Some(w) = r.ward_id {
        let ok: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM inpatient_wards WHERE id = $1 AND facility_id = $2 AND active)",
        )
        .bind(w)
        .bind(r.facility)
        .fetch_one(&mut *conn)
        .await?;
        if !ok {
            return Err(FieldErrors::one("ward_id", "Choose a ward of this facility.").into());
        }
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO ip_bed_requests (id, patient_id, facility_id, source, source_module, source_ref, on_admitted_job,
                ward_kind, ward_id, specialty, urgency, isolation, single_room, oxygen, ventilator, bariatric, cot, notes,
                status, requested_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,'requested',$19)",
    )
    .bind(id)
    .bind(r.patient)
    .bind(r.facility)
    .bind(&r.source)
    .bind(&r.source_module)
    .bind(r.source_ref)
    .bind(&r.on_admitted_job)
    .bind(&r.ward_kind)
    .bind(r.ward_id)
    .bind(&r.specialty)
    .bind(&r.urgency)
    .bind(&r.isolation)
    .bind(r.single_room)
    .bind(r.oxygen)
    .bind(r.ventilator)
    .bind(r.bariatric)
    .bind(r.cot)
    .bind(&r.notes)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed_request.create", "ip_bed_request", id).patient(r.patient).changes(json!({
            "facility_id": r.facility, "source": r.source, "source_module": r.source_module, "source_ref": r.source_ref,
            "ward_kind": r.ward_kind, "ward_id": r.ward_id, "specialty": r.specialty, "urgency": r.urgency,
            "isolation": r.isolation, "single_room": r.single_room, "oxygen": r.oxygen, "ventilator": r.ventilator,
            "bariatric": r.bariatric, "cot": r.cot})),
    )
    .await?;
    changed(conn, id, r.facility).await?;
    Ok(id)
}

/// The row of a request, locked, for a state change.
struct Locked {
    patient: Uuid,
    facility: Uuid,
    status: String,
    hold: Option<Uuid>,
    bed: Option<Uuid>,
    source: String,
    isolation: String,
    on_admitted_job: Option<String>,
    source_ref: Option<Uuid>,
    requested_by: Option<Uuid>,
}

async fn lock(conn: &mut PgConnection, facilities: &[Uuid], id: Uuid) -> AppResult<Locked> {
    #[allow(clippy::type_complexity)]
    let row: Option<(Uuid, Uuid, String, Option<Uuid>, Option<Uuid>, String, String, Option<String>, Option<Uuid>, Option<Uuid>)> =
        sqlx::query_as(
            "SELECT patient_id, facility_id, status, hold_id, bed_id, source, isolation, on_admitted_job, source_ref, requested_by
             FROM ip_bed_requests WHERE id = $1 AND facility_id = ANY($2) FOR UPDATE",
        )
        .bind(id)
        .bind(facilities)
        .fetch_optional(&mut *conn)
        .await?;
    let r = row.ok_or(AppError::NotFound)?;
    Ok(Locked {
        patient: r.0,
        facility: r.1,
        status: r.2,
        hold: r.3,
        bed: r.4,
        source: r.5,
        isolation: r.6,
        on_admitted_job: r.7,
        source_ref: r.8,
        requested_by: r.9,
    })
}

fn closed(status: &str) -> AppError {
    AppError::Conflict(match status {
        "admitted" => "The patient was already admitted from this request.".to_string(),
        "cancelled" => "The request was cancelled.".to_string(),
        s => format!("The request is {s}."),
    })
}

/// Ends a hold that is still running (a lapsed one is left as it is).
async fn end_hold(conn: &mut PgConnection, hold: Uuid, at: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE inpatient_bed_allocations
         SET period = tstzrange(lower(period), greatest(lower(period), least(upper(period), $2))), released_at = now()
         WHERE id = $1 AND kind = 'hold' AND released_at IS NULL",
    )
    .bind(hold)
    .bind(at)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Assigns a bed: holds it for the patient for `hours` (a `bed_request` hold; it lapses by
/// itself). Re-assigning an assigned request releases its earlier hold. A bed taken or held
/// concurrently answers 409 (the allocation table's exclusion constraint).
pub async fn assign(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    id: Uuid,
    bed: Uuid,
    hours: i64,
) -> AppResult<()> {
    let r = lock(conn, facilities, id).await?;
    if !matches!(r.status.as_str(), "requested" | "assigned") {
        return Err(closed(&r.status));
    }
    let place = repo::bed_place(conn, &[r.facility], bed)
        .await?
        .ok_or_else(|| AppError::from(FieldErrors::one("bed_id", "Not a bed in service at this facility.")))?;
    let now = OffsetDateTime::now_utc();
    if let Some(h) = r.hold {
        end_hold(conn, h, now).await?;
    }
    let hold = repo::hold_bed(
        conn,
        meta,
        place.id,
        Some(r.patient),
        now + Duration::hours(hours),
        "bed_request",
        "inpatient",
        now,
    )
    .await?;
    sqlx::query(
        "UPDATE ip_bed_requests SET status = 'assigned', bed_id = $2, hold_id = $3, assigned_at = now(), assigned_by = $4
         WHERE id = $1 AND status IN ('requested', 'assigned')",
    )
    .bind(id)
    .bind(place.id)
    .bind(hold)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed_request.assign", "ip_bed_request", id)
            .patient(r.patient)
            .changes(json!({"bed_id": place.id, "hold_id": hold, "hold_hours": hours, "previous_bed_id": r.bed})),
    )
    .await?;
    if let Some(user) = r.requested_by.filter(|u| Some(*u) != meta.actor_user_id) {
        let body = format!("Bed {} is held for {hours} h.", place.label);
        notify::notify_user(
            conn,
            user,
            &Notice {
                kind: &BED_ASSIGNED,
                title: "A bed is assigned to your request",
                body: &body,
                link: Some(format!("/patients/{}/inpatient", r.patient)),
                urgent: false,
            },
        )
        .await?;
    }
    changed(conn, id, r.facility).await?;
    Ok(())
}

/// Admits the patient from an assigned request into its bed: the hold ends at the admission's
/// instant and the existing admission runs ([`repo::admit`]: encounter, stay, occupancy, gender
/// policy). The request becomes `admitted`, and the requester's `on_admitted_job` is enqueued on
/// the same transaction. A second admission from the request answers 409.
pub async fn admit(
    conn: &mut PgConnection,
    pool: &PgPool,
    meta: &AuditMeta,
    facilities: &[Uuid],
    zone: &Zone,
    id: Uuid,
    mut form: AdmitForm,
) -> AppResult<Uuid> {
    let r = lock(conn, facilities, id).await?;
    if r.status == "requested" {
        return Err(AppError::Conflict("Assign a bed first.".into()));
    }
    if r.status != "assigned" {
        return Err(closed(&r.status));
    }
    let bed = r.bed.ok_or(AppError::NotFound)?;
    form.bed_id = bed.to_string();
    form.source = r.source.clone();
    if form.isolation.trim().is_empty() {
        form.isolation = r.isolation.clone();
    }
    let v = form.validate(zone, OffsetDateTime::now_utc())?;
    if let Some(h) = r.hold {
        end_hold(conn, h, v.admitted_at).await?;
    }
    let admission = repo::admit(conn, pool, meta, facilities, r.patient, &v).await?;
    sqlx::query(
        "UPDATE ip_bed_requests SET status = 'admitted', admission_id = $2, closed_at = now(), closed_by = $3
         WHERE id = $1 AND status = 'assigned'",
    )
    .bind(id)
    .bind(admission)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed_request.admit", "ip_bed_request", id)
            .patient(r.patient)
            .changes(json!({"admission_id": admission, "bed_id": bed})),
    )
    .await?;
    if let Some(kind) = &r.on_admitted_job {
        jobs::enqueue(
            conn,
            kind,
            json!({"request_id": id, "source_ref": r.source_ref}),
            jobs::Opts::key(format!("{kind}:{id}")),
        )
        .await?;
    }
    changed(conn, id, r.facility).await?;
    Ok(admission)
}

/// Cancels an open request with a reason; its hold ends now.
pub async fn cancel(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    id: Uuid,
    reason: &str,
) -> AppResult<()> {
    let r = lock(conn, facilities, id).await?;
    if !matches!(r.status.as_str(), "requested" | "assigned") {
        return Err(closed(&r.status));
    }
    if let Some(h) = r.hold {
        end_hold(conn, h, OffsetDateTime::now_utc()).await?;
    }
    sqlx::query(
        "UPDATE ip_bed_requests SET status = 'cancelled', cancel_reason = $2, closed_at = now(), closed_by = $3
         WHERE id = $1 AND status IN ('requested', 'assigned')",
    )
    .bind(id)
    .bind(reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed_request.cancel", "ip_bed_request", id)
            .patient(r.patient)
            .changes(json!({"reason": reason})),
    )
    .await?;
    changed(conn, id, r.facility).await?;
    Ok(())
}

/// Cancels the open request a requester module made for its row (the ED visit ended otherwise).
pub async fn cancel_for_source(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    module: &str,
    source_ref: Uuid,
    reason: &str,
) -> AppResult<()> {
    let open: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, facility_id FROM ip_bed_requests
         WHERE source_module = $1 AND source_ref = $2 AND status IN ('requested', 'assigned')",
    )
    .bind(module)
    .bind(source_ref)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id, facility)) = open {
        cancel(conn, meta, &[facility], id, reason).await?;
    }
    Ok(())
}

/// A bed that fits a request.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct CandidateBed {
    pub bed_id: Uuid,
    pub ward_id: Uuid,
    pub ward_code: String,
    pub ward_name: String,
    pub ward_kind: String,
    pub gender_policy: String,
    pub specialty: String,
    pub room: Option<String>,
    pub code: String,
    pub bed_type: String,
    pub isolation: String,
    pub oxygen: bool,
    pub ventilator: bool,
    /// The ward's specialty matches the requested one.
    pub specialty_match: bool,
}

impl CandidateBed {
    pub fn label(&self) -> String {
        match &self.room {
            Some(r) => format!("{} · {} · {}", self.ward_code, r, self.code),
            None => format!("{} · {}", self.ward_code, self.code),
        }
    }
}

/// The free beds that fit a request: available, not held now, at the request's facility, of the
/// requested ward (or ward type), within the ward's gender policy for the patient's sex (ICU/HDU
/// exempt), with the isolation the precautions need (airborne: a negative-pressure room or an
/// isolation ward; contact/droplet or a single-room need: a single or isolation room), and the
/// equipment asked for. The requested specialty first.
pub async fn candidates(pool: &PgPool, id: Uuid) -> sqlx::Result<Vec<CandidateBed>> {
    let mut conn = pool.acquire().await?;
    candidates_in(&mut conn, id).await
}

/// [`candidates`] on a connection (a transaction).
pub async fn candidates_in(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Vec<CandidateBed>> {
    sqlx::query_as(
        "SELECT b.id AS bed_id, w.id AS ward_id, w.code AS ward_code, w.name AS ward_name, w.kind AS ward_kind,
                w.gender_policy, w.specialty, rm.code AS room, b.code, b.bed_type, b.isolation, b.oxygen, b.ventilator,
                (r.specialty <> '' AND lower(w.specialty) = lower(r.specialty)) AS specialty_match
         FROM ip_bed_requests r JOIN patients p ON p.id = r.patient_id
              JOIN inpatient_wards w ON w.facility_id = r.facility_id AND w.active
              JOIN inpatient_beds b ON b.ward_id = w.id AND b.active AND b.status = 'available'
              LEFT JOIN inpatient_rooms rm ON rm.id = b.room_id
         WHERE r.id = $1
           AND NOT EXISTS (SELECT 1 FROM inpatient_bed_allocations a WHERE a.bed_id = b.id AND a.period @> now())
           AND (r.ward_id IS NULL OR w.id = r.ward_id)
           AND (r.ward_kind IS NULL OR w.kind = r.ward_kind)
           AND (w.kind IN ('icu', 'hdu') OR w.gender_policy = 'mixed' OR p.sex NOT IN ('female', 'male') OR w.gender_policy = p.sex)
           AND CASE r.isolation
                 WHEN 'airborne' THEN b.isolation = 'negative_pressure' OR w.kind = 'isolation'
                 WHEN 'none' THEN true
                 ELSE b.isolation <> 'none' OR w.kind = 'isolation' OR coalesce(rm.single, false) END
           AND (NOT r.single_room OR b.isolation <> 'none' OR coalesce(rm.single, false))
           AND (NOT r.oxygen OR b.oxygen) AND (NOT r.ventilator OR b.ventilator)
           AND (NOT r.bariatric OR b.bariatric) AND (NOT r.cot OR b.cot)
         ORDER BY specialty_match DESC, w.code, rm.code NULLS FIRST, length(b.code), b.code
         LIMIT 100",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}
