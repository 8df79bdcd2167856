//! All SQL of inpatient care. Writes take the caller's transaction and audit on it; every change
//! of a bed raises the live event [`EVENT`] (the facility's id, no patient data).

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::*;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::events;
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// The live event of the bed board and ward views (data: the facility's id).
pub const EVENT: &str = "inpatient.beds";

/// A patient's stays listed at most (a lifetime stays far below it).
pub const LIST_LIMIT: i64 = 200;

async fn changed(conn: &mut PgConnection, facility: Uuid) -> sqlx::Result<()> {
    events::raise(conn, None, EVENT, &facility.to_string()).await.map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Wards, rooms, beds
// ---------------------------------------------------------------------------------------------

const WARD_SELECT: &str = "SELECT w.id, w.facility_id, f.code AS facility_code, w.code, w.name, w.kind, w.gender_policy,
        w.specialty, w.active,
        (SELECT count(*) FROM inpatient_beds b WHERE b.ward_id = w.id AND b.active) AS beds,
        (SELECT count(*) FROM inpatient_beds b WHERE b.ward_id = w.id AND b.active AND b.status = 'occupied') AS occupied,
        (SELECT count(*) FROM inpatient_beds b WHERE b.ward_id = w.id AND b.active AND b.status = 'available') AS available
     FROM inpatient_wards w JOIN facilities f ON f.id = w.facility_id";

/// The wards of these facilities, by facility and code.
pub async fn wards(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<Ward>> {
    sqlx::query_as(&format!("{WARD_SELECT} WHERE w.facility_id = ANY($1) ORDER BY f.code, w.code LIMIT 500"))
        .bind(facilities)
        .fetch_all(pool)
        .await
}

/// One ward, if it is at one of these facilities.
pub async fn ward(pool: &PgPool, facilities: &[Uuid], id: Uuid) -> sqlx::Result<Option<Ward>> {
    sqlx::query_as(&format!("{WARD_SELECT} WHERE w.id = $1 AND w.facility_id = ANY($2)"))
        .bind(id)
        .bind(facilities)
        .fetch_optional(pool)
        .await
}

pub async fn create_ward(conn: &mut PgConnection, meta: &AuditMeta, v: &ValidWard) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_wards (id, facility_id, code, name, kind, gender_policy, specialty)
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(id)
    .bind(v.facility_id)
    .bind(&v.code)
    .bind(&v.name)
    .bind(&v.kind)
    .bind(&v.gender_policy)
    .bind(&v.specialty)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.ward.create", "inpatient_ward", id).changes(json!({"facility_id": v.facility_id,
            "code": v.code, "name": v.name, "kind": v.kind, "gender_policy": v.gender_policy, "specialty": v.specialty})),
    )
    .await?;
    changed(conn, v.facility_id).await?;
    Ok(id)
}

/// Adds beds to a ward (and their room when new). A code already used on the ward is refused
/// by `inpatient_beds_code_unique` (409).
pub async fn add_beds(conn: &mut PgConnection, meta: &AuditMeta, ward: &Ward, v: &ValidBeds) -> AppResult<Vec<Uuid>> {
    let room: Option<Uuid> = match &v.room {
        None => None,
        Some(code) => Some(
            sqlx::query_scalar(
                "INSERT INTO inpatient_rooms (id, ward_id, code, single) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (ward_id, code) DO UPDATE SET code = EXCLUDED.code RETURNING id",
            )
            .bind(Uuid::new_v4())
            .bind(ward.id)
            .bind(code)
            .bind(v.codes.len() == 1)
            .fetch_one(&mut *conn)
            .await?,
        ),
    };
    let ids: Vec<Uuid> = v.codes.iter().map(|_| Uuid::new_v4()).collect();
    sqlx::query(
        "INSERT INTO inpatient_beds (id, ward_id, room_id, code, bed_type, isolation, oxygen, ventilator, bariatric, cot)
         SELECT id, $2, $3, code, $5, $6, $7, $8, $9, $10 FROM unnest($1::uuid[], $4::text[]) AS t(id, code)",
    )
    .bind(&ids)
    .bind(ward.id)
    .bind(room)
    .bind(&v.codes)
    .bind(&v.bed_type)
    .bind(&v.isolation)
    .bind(v.oxygen)
    .bind(v.ventilator)
    .bind(v.bariatric)
    .bind(v.cot)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed.create", "inpatient_ward", ward.id).changes(json!({"codes": v.codes, "room": v.room,
            "bed_type": v.bed_type, "isolation": v.isolation, "oxygen": v.oxygen, "ventilator": v.ventilator,
            "bariatric": v.bariatric, "cot": v.cot})),
    )
    .await?;
    changed(conn, ward.facility_id).await?;
    Ok(ids)
}

/// A bed with its ward, for the checks of a placement.
#[derive(Debug, sqlx::FromRow)]
pub struct BedPlace {
    pub id: Uuid,
    pub ward_id: Uuid,
    pub facility_id: Uuid,
    pub ward_kind: String,
    pub gender_policy: String,
    pub isolation: String,
    pub status: String,
    pub label: String,
}

pub async fn bed_place(conn: &mut PgConnection, facilities: &[Uuid], bed: Uuid) -> sqlx::Result<Option<BedPlace>> {
    sqlx::query_as(
        "SELECT b.id, b.ward_id, w.facility_id, w.kind AS ward_kind, w.gender_policy, b.isolation, b.status,
                w.code || coalesce(' · ' || r.code, '') || ' · ' || b.code AS label
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id LEFT JOIN inpatient_rooms r ON r.id = b.room_id
         WHERE b.id = $1 AND b.active AND w.active AND w.facility_id = ANY($2)",
    )
    .bind(bed)
    .bind(facilities)
    .fetch_optional(conn)
    .await
}

fn not_available(status: &str) -> AppError {
    AppError::Conflict(match status {
        "occupied" => "The bed is occupied.".to_string(),
        "reserved" => "The bed is reserved for another patient.".to_string(),
        "cleaning" => "The bed is waiting to be cleaned.".to_string(),
        "blocked" => "The bed is blocked.".to_string(),
        s => format!("The bed is {s}."),
    })
}

/// Moves a bed from one status to another, guarded: the UPDATE names the status it expects, so a
/// concurrent change makes it touch nothing and the caller answers 409.
async fn move_bed(conn: &mut PgConnection, bed: Uuid, from: &[&str], to: &str) -> AppResult<()> {
    let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
    let done = sqlx::query(
        "UPDATE inpatient_beds SET status = $3, status_changed_at = now(), blocked_reason = NULL, blocked_until = NULL
         WHERE id = $1 AND status = ANY($2)",
    )
    .bind(bed)
    .bind(&from)
    .bind(to)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 1 {
        return Ok(());
    }
    let now: Option<String> = sqlx::query_scalar("SELECT status FROM inpatient_beds WHERE id = $1")
        .bind(bed)
        .fetch_optional(&mut *conn)
        .await?;
    Err(match now {
        None => AppError::NotFound,
        Some(s) => not_available(&s),
    })
}

/// Blocks an available (or cleaning) bed with a reason and expected return, or makes a blocked
/// bed available again.
pub async fn set_bed_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    bed: Uuid,
    v: &ValidBedStatus,
) -> AppResult<()> {
    let place = bed_place(conn, facilities, bed).await?.ok_or(AppError::NotFound)?;
    let from: &[&str] = if v.status == "blocked" { &["available", "cleaning"] } else { &["blocked"] };
    let done = sqlx::query(
        "UPDATE inpatient_beds SET status = $3, blocked_reason = $4, blocked_until = $5, status_changed_at = now()
         WHERE id = $1 AND status = ANY($2)",
    )
    .bind(bed)
    .bind(from.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    .bind(v.status)
    .bind(&v.reason)
    .bind(v.until)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(if v.status == "blocked" {
            not_available(&place.status)
        } else {
            AppError::Conflict("Only a blocked bed is made available by hand.".into())
        });
    }
    if v.status == "blocked" {
        // A bed blocked while waiting for cleaning needs no cleaner now.
        sqlx::query("DELETE FROM inpatient_cleaning_tasks WHERE bed_id = $1 AND status = 'open'")
            .bind(bed)
            .execute(&mut *conn)
            .await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("inpatient.bed.status", "inpatient_bed", bed).changes(json!({"status": {"from": place.status,
            "to": v.status}, "reason": v.reason, "until": v.until.map(rfc3339)})),
    )
    .await?;
    changed(conn, place.facility_id).await?;
    Ok(())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The bed board
// ---------------------------------------------------------------------------------------------

/// The board's columns; `$3..$5` are the viewer's `visible_sql` parameters.
fn board_select() -> String {
    format!(
        "SELECT b.id, b.ward_id, w.code AS ward_code, w.name AS ward_name, r.code AS room, b.code, b.bed_type, b.isolation,
                b.oxygen, b.ventilator, b.bariatric, b.cot, b.status, b.blocked_reason, b.blocked_until, b.status_changed_at,
                a.kind AS allocation, a.hold_reason, a.patient_id,
                CASE WHEN p.id IS NULL THEN NULL WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name,
                p.mrn, coalesce(p.id IS NOT NULL AND NOT {vis}, false) AS restricted,
                ad.id AS admission_id, ad.admitted_at, ad.expected_los_days, ad.isolation AS precaution,
                coalesce(ad.status = 'on_leave', false) AS on_leave,
                EXISTS (SELECT 1 FROM inpatient_transfers t WHERE t.from_bed_id = b.id AND t.status = 'sent') AS transfer_out,
                coalesce(ad.gender_override_reason IS NOT NULL AND ad.bed_id = b.id, false) AS gender_breach
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
              LEFT JOIN inpatient_rooms r ON r.id = b.room_id
              LEFT JOIN inpatient_bed_allocations a ON a.bed_id = b.id AND a.period @> now()
              LEFT JOIN patients p ON p.id = a.patient_id
              LEFT JOIN inpatient_admissions ad ON ad.id = a.admission_id",
        vis = hearth_patients::access::visible_sql(3)
    )
}

/// Every bed in service of a facility (or of one ward of it), by ward and bed code.
pub async fn board(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    facility: Uuid,
    ward: Option<Uuid>,
) -> sqlx::Result<Vec<BoardBed>> {
    let (perm, uid, sid) = viewer;
    let filter = if ward.is_some() { "AND b.ward_id = $2" } else { "AND $2::uuid IS NULL" };
    sqlx::query_as(&format!(
        "{} WHERE w.facility_id = $1 {filter} AND b.active AND w.active
         ORDER BY w.code, r.code NULLS FIRST, length(b.code), b.code LIMIT 2000",
        board_select()
    ))
    .bind(facility)
    .bind(ward)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Admissions
// ---------------------------------------------------------------------------------------------

const ADMISSION_SELECT: &str =
    "SELECT a.id, a.patient_id, a.facility_id, f.code AS facility_code, a.encounter_id, a.status,
        a.source, a.admitting_clinician_id, u.display_name AS admitting_clinician, a.diagnosis, a.icd_code, a.isolation,
        a.expected_los_days, a.admitted_at, a.ward_id, w.name AS ward_name, a.bed_id,
        bw.code || ' · ' || b.code AS bed, a.gender_override_reason, a.leave_until, a.discharged_at, a.disposition,
        a.discharge_note, t.id AS open_transfer_id, tw.code || ' · ' || tb.code AS open_transfer_to
     FROM inpatient_admissions a JOIN facilities f ON f.id = a.facility_id JOIN inpatient_wards w ON w.id = a.ward_id
          LEFT JOIN users u ON u.id = a.admitting_clinician_id
          LEFT JOIN inpatient_beds b ON b.id = a.bed_id LEFT JOIN inpatient_wards bw ON bw.id = b.ward_id
          LEFT JOIN inpatient_transfers t ON t.admission_id = a.id AND t.status = 'sent'
          LEFT JOIN inpatient_beds tb ON tb.id = t.to_bed_id LEFT JOIN inpatient_wards tw ON tw.id = tb.ward_id";

/// A patient's stays, newest first.
pub async fn admissions(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Admission>> {
    sqlx::query_as(&format!(
        "{ADMISSION_SELECT} WHERE a.patient_id = $1 ORDER BY a.admitted_at DESC, a.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

pub async fn admission(conn: &mut PgConnection, patient: Uuid, id: Uuid) -> sqlx::Result<Option<Admission>> {
    sqlx::query_as(&format!("{ADMISSION_SELECT} WHERE a.id = $1 AND a.patient_id = $2"))
        .bind(id)
        .bind(patient)
        .fetch_optional(conn)
        .await
}

/// The location history of the patient's stays (every transfer), newest first.
pub async fn transfers(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Transfer>> {
    sqlx::query_as(
        "SELECT t.id, t.admission_id, fw.code || ' · ' || fb.code AS from_bed, tw.code || ' · ' || tb.code AS to_bed,
                t.reason, t.status, t.sent_at, t.received_at
         FROM inpatient_transfers t
              JOIN inpatient_beds fb ON fb.id = t.from_bed_id JOIN inpatient_wards fw ON fw.id = fb.ward_id
              JOIN inpatient_beds tb ON tb.id = t.to_bed_id JOIN inpatient_wards tw ON tw.id = tb.ward_id
         WHERE t.patient_id = $1 ORDER BY t.sent_at DESC, t.id DESC LIMIT $2",
    )
    .bind(patient)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await
}

/// The registry's facts about a patient that an admission needs.
async fn patient_state(conn: &mut PgConnection, patient: Uuid) -> AppResult<String> {
    let row: Option<(String, bool, bool)> =
        sqlx::query_as("SELECT sex, deceased_at IS NOT NULL, merged_into IS NOT NULL FROM patients WHERE id = $1")
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((_, _, true)) => Err(AppError::Conflict("This record was merged; admit the surviving record.".into())),
        Some((_, true, _)) => Err(AppError::Conflict("The patient is recorded as deceased.".into())),
        Some((sex, _, _)) => Ok(sex),
    }
}

/// The gender policy check of a placement: a breach needs an override reason (then it is
/// recorded, flagged and reported); never a refusal once the reason is given.
fn check_gender(place: &BedPlace, sex: &str, reason: &Option<String>) -> AppResult<()> {
    if gender_breach(&place.ward_kind, &place.gender_policy, sex) && reason.is_none() {
        return Err(FieldErrors::one(
            "gender_override_reason",
            format!(
                "The ward is for {} patients: give the reason for this placement (it is recorded as a same-sex accommodation breach).",
                place.gender_policy
            ),
        )
        .into());
    }
    Ok(())
}

/// Admits a patient to a bed: opens the inpatient encounter on the chart (`hearth_ehr`), the
/// stay, and the occupancy of the bed. The database refuses a second open stay of the patient
/// (`inpatient_admissions_one_open`), and two occupancies of one bed or one patient at once
/// (the allocation table's exclusion constraints); the bed's status moves available → occupied
/// guarded. Returns the admission's id.
pub async fn admit(
    conn: &mut PgConnection,
    pool: &PgPool,
    meta: &AuditMeta,
    facilities: &[Uuid],
    patient: Uuid,
    v: &ValidAdmit,
) -> AppResult<Uuid> {
    let sex = patient_state(conn, patient).await?;
    let place = bed_place(conn, facilities, v.bed_id)
        .await?
        .ok_or_else(|| AppError::from(FieldErrors::one("bed_id", "Not a bed in service at your facilities.")))?;
    check_gender(&place, &sex, &v.gender_override_reason)?;
    if let Some(code) = &v.icd_code {
        if hearth_ehr::icd::get(pool, code).await?.is_none() {
            return Err(FieldErrors::one("icd_code", "Not an ICD-10-CM code.").into());
        }
    }
    let breach = gender_breach(&place.ward_kind, &place.gender_policy, &sex);
    // The chart's inpatient encounter, through the chart's own validation and insert.
    let reason = if v.diagnosis.is_empty() { v.icd_code.clone().unwrap_or_default() } else { v.diagnosis.clone() };
    let enc = hearth_ehr::encounters::NewEncounter {
        kind: "inpatient".into(),
        status: Some("in_progress".into()),
        department_id: None,
        clinician_id: v.clinician_id.map(|c| c.to_string()),
        reason: reason.chars().take(500).collect(),
        starts_at: Some(rfc3339(v.admitted_at)),
        starts_at_offset: None,
    };
    let enc = match enc.validate(pool, &Zone::utc(), None).await? {
        Ok(e) => e,
        Err(mut e) => {
            // The chart names its own fields; the admission form calls the clinician so too.
            if e.get("starts_at").is_some() {
                e.add("admitted_at", "Enter a realistic date and time.");
            }
            return Err(e.into());
        }
    };
    let encounter = hearth_ehr::encounters::insert(conn, meta, patient, &enc).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_admissions (id, patient_id, facility_id, encounter_id, status, source, admitting_clinician_id,
                diagnosis, icd_code, isolation, expected_los_days, admitted_at, admitting_ward_id, ward_id, bed_id,
                gender_override_reason, admitted_by)
         VALUES ($1,$2,$3,$4,'admitted',$5,$6,$7,$8,$9,$10,$11,$12,$12,$13,$14,$15)",
    )
    .bind(id)
    .bind(patient)
    .bind(place.facility_id)
    .bind(encounter)
    .bind(&v.source)
    .bind(v.clinician_id)
    .bind(&v.diagnosis)
    .bind(&v.icd_code)
    .bind(&v.isolation)
    .bind(v.expected_los_days)
    .bind(v.admitted_at)
    .bind(place.ward_id)
    .bind(place.id)
    .bind(v.gender_override_reason.as_ref().filter(|_| breach))
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    move_bed(conn, place.id, &["available"], "occupied").await?;
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period, created_by)
         VALUES ($1, $2, 'occupancy', $3, $4, tstzrange($5, NULL), $6)",
    )
    .bind(Uuid::new_v4())
    .bind(place.id)
    .bind(patient)
    .bind(id)
    .bind(v.admitted_at)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.admission.create", "inpatient_admission", id).patient(patient).changes(json!({
            "encounter_id": encounter, "bed_id": place.id, "ward_id": place.ward_id, "source": v.source,
            "clinician_id": v.clinician_id, "diagnosis": v.diagnosis, "icd_code": v.icd_code, "isolation": v.isolation,
            "expected_los_days": v.expected_los_days, "admitted_at": rfc3339(v.admitted_at),
            "gender_breach": breach, "gender_override_reason": v.gender_override_reason.as_ref().filter(|_| breach)})),
    )
    .await?;
    changed(conn, place.facility_id).await?;
    Ok(id)
}

/// Locks and loads an open stay of the patient.
async fn open_stay(conn: &mut PgConnection, patient: Uuid, id: Uuid) -> AppResult<(String, Uuid, Option<Uuid>)> {
    let row: Option<(String, Uuid, Option<Uuid>)> = sqlx::query_as(
        "SELECT status, facility_id, bed_id FROM inpatient_admissions WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((s, _, _)) if s == "discharged" => Err(AppError::Conflict("The patient is already discharged.".into())),
        Some(r) => Ok(r),
    }
}

/// Sends a transfer (step one): the receiving bed is reserved for the patient by a hold in the
/// allocation table, the source bed stays occupied, and the patient shows on both wards until
/// the receiving ward accepts ([`receive_transfer`]).
pub async fn send_transfer(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    patient: Uuid,
    admission: Uuid,
    v: &ValidTransfer,
) -> AppResult<Uuid> {
    let (status, _, from) = open_stay(conn, patient, admission).await?;
    if status == "on_leave" {
        return Err(AppError::Conflict("The patient is on leave; end the leave before a transfer.".into()));
    }
    let from = from.ok_or_else(|| AppError::Conflict("The stay has no bed to transfer from.".into()))?;
    if from == v.to_bed_id {
        return Err(FieldErrors::one("to_bed_id", "The patient is already in this bed.").into());
    }
    let sex = patient_state(conn, patient).await?;
    let place = bed_place(conn, facilities, v.to_bed_id)
        .await?
        .ok_or_else(|| AppError::from(FieldErrors::one("to_bed_id", "Not a bed in service at your facilities.")))?;
    check_gender(&place, &sex, &v.gender_override_reason)?;
    let breach = gender_breach(&place.ward_kind, &place.gender_policy, &sex);
    move_bed(conn, place.id, &["available"], "reserved").await?;
    let hold = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period, hold_reason, created_by)
         VALUES ($1, $2, 'hold', $3, $4, tstzrange(now(), NULL), 'transfer', $5)",
    )
    .bind(hold)
    .bind(place.id)
    .bind(patient)
    .bind(admission)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_transfers (id, admission_id, patient_id, from_bed_id, to_bed_id, hold_id, reason, status,
                                          gender_override_reason, sent_at, sent_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,'sent',$8,now(),$9)",
    )
    .bind(id)
    .bind(admission)
    .bind(patient)
    .bind(from)
    .bind(place.id)
    .bind(hold)
    .bind(&v.reason)
    .bind(v.gender_override_reason.as_ref().filter(|_| breach))
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.transfer.send", "inpatient_transfer", id).patient(patient).changes(json!({
            "admission_id": admission, "from_bed_id": from, "to_bed_id": place.id, "reason": v.reason,
            "gender_breach": breach})),
    )
    .await?;
    changed(conn, place.facility_id).await?;
    Ok(id)
}

/// Receives a transfer (step two): the source occupancy ends now, the hold becomes the new
/// occupancy, the source bed goes to cleaning and the stay moves to the receiving ward.
pub async fn receive_transfer(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    transfer: Uuid,
) -> AppResult<()> {
    let row: Option<(Uuid, Uuid, Uuid, Uuid, Option<String>)> = sqlx::query_as(
        "UPDATE inpatient_transfers SET status = 'received', received_at = now(), received_by = $3
         WHERE id = $1 AND patient_id = $2 AND status = 'sent'
         RETURNING admission_id, from_bed_id, to_bed_id, hold_id, gender_override_reason",
    )
    .bind(transfer)
    .bind(patient)
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((admission, from, to, hold, over)) = row else {
        return Err(transfer_gone(conn, patient, transfer).await?);
    };
    // End the source occupancy and the hold at this instant; the new occupancy starts at it.
    sqlx::query(
        "UPDATE inpatient_bed_allocations SET period = tstzrange(lower(period), greatest(lower(period), now())), released_at = now()
         WHERE (admission_id = $1 AND kind = 'occupancy' AND bed_id = $2 AND upper_inf(period)) OR id = $3",
    )
    .bind(admission)
    .bind(from)
    .bind(hold)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period, created_by)
         VALUES ($1, $2, 'occupancy', $3, $4, tstzrange(now(), NULL), $5)",
    )
    .bind(Uuid::new_v4())
    .bind(to)
    .bind(patient)
    .bind(admission)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    move_bed(conn, to, &["reserved"], "occupied").await?;
    let (precaution, deceased) = (stay_precaution(conn, admission).await?, false);
    vacate(conn, from, &precaution, deceased).await?;
    let facility: Uuid = sqlx::query_scalar(
        "UPDATE inpatient_admissions a SET bed_id = $2, ward_id = b.ward_id,
                gender_override_reason = coalesce($3, CASE WHEN a.ward_id = b.ward_id THEN a.gender_override_reason END)
         FROM inpatient_beds b WHERE a.id = $1 AND b.id = $2 RETURNING a.facility_id",
    )
    .bind(admission)
    .bind(to)
    .bind(over)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.transfer.receive", "inpatient_transfer", transfer)
            .patient(patient)
            .changes(json!({"admission_id": admission, "from_bed_id": from, "to_bed_id": to})),
    )
    .await?;
    changed(conn, facility).await?;
    Ok(())
}

/// Cancels a transfer that was sent: the hold ends and the receiving bed is available again.
pub async fn cancel_transfer(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    transfer: Uuid,
) -> AppResult<()> {
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE inpatient_transfers SET status = 'cancelled' WHERE id = $1 AND patient_id = $2 AND status = 'sent'
         RETURNING to_bed_id, hold_id",
    )
    .bind(transfer)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((to, hold)) = row else {
        return Err(transfer_gone(conn, patient, transfer).await?);
    };
    sqlx::query(
        "UPDATE inpatient_bed_allocations SET period = tstzrange(lower(period), greatest(lower(period), now())), released_at = now()
         WHERE id = $1",
    )
    .bind(hold)
    .execute(&mut *conn)
    .await?;
    move_bed(conn, to, &["reserved"], "available").await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.transfer.cancel", "inpatient_transfer", transfer).patient(patient).changes(json!({})),
    )
    .await?;
    let facility: Uuid = sqlx::query_scalar(
        "SELECT w.facility_id FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id WHERE b.id = $1",
    )
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    changed(conn, facility).await?;
    Ok(())
}

async fn transfer_gone(conn: &mut PgConnection, patient: Uuid, transfer: Uuid) -> sqlx::Result<AppError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM inpatient_transfers WHERE id = $1 AND patient_id = $2")
            .bind(transfer)
            .bind(patient)
            .fetch_optional(conn)
            .await?;
    Ok(match status {
        None => AppError::NotFound,
        Some(s) => AppError::Conflict(format!("The transfer is already {s}.")),
    })
}

async fn stay_precaution(conn: &mut PgConnection, admission: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT isolation FROM inpatient_admissions WHERE id = $1").bind(admission).fetch_one(conn).await
}

/// A bed's occupant left: the bed goes to cleaning with a task for housekeeping.
async fn vacate(conn: &mut PgConnection, bed: Uuid, precaution: &str, deceased: bool) -> AppResult<()> {
    let (isolation, ward_kind): (String, String) = sqlx::query_as(
        "SELECT b.isolation, w.kind FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id WHERE b.id = $1",
    )
    .bind(bed)
    .fetch_one(&mut *conn)
    .await?;
    move_bed(conn, bed, &["occupied"], "cleaning").await?;
    sqlx::query(
        "INSERT INTO inpatient_cleaning_tasks (id, bed_id, kind, status) VALUES ($1, $2, $3, 'open')
         ON CONFLICT (bed_id) WHERE status = 'open' DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(bed)
    .bind(cleaning_kind(precaution, &isolation, &ward_kind, deceased))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Starts a leave of absence: the bed stays occupied (held for the patient), nothing else
/// changes; [`end_leave`] brings the patient back.
pub async fn start_leave(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    admission: Uuid,
    until: OffsetDateTime,
) -> AppResult<()> {
    let (status, facility, _) = open_stay(conn, patient, admission).await?;
    if status != "admitted" {
        return Err(AppError::Conflict("The patient is already on leave.".into()));
    }
    let open: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM inpatient_transfers WHERE admission_id = $1 AND status = 'sent')",
    )
    .bind(admission)
    .fetch_one(&mut *conn)
    .await?;
    if open {
        return Err(AppError::Conflict("A transfer is under way; receive or cancel it first.".into()));
    }
    sqlx::query(
        "UPDATE inpatient_admissions SET status = 'on_leave', leave_until = $2 WHERE id = $1 AND status = 'admitted'",
    )
    .bind(admission)
    .bind(until)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.admission.leave", "inpatient_admission", admission)
            .patient(patient)
            .changes(json!({"status": {"from": "admitted", "to": "on_leave"}, "until": rfc3339(until)})),
    )
    .await?;
    changed(conn, facility).await?;
    Ok(())
}

pub async fn end_leave(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, admission: Uuid) -> AppResult<()> {
    let (status, facility, _) = open_stay(conn, patient, admission).await?;
    if status != "on_leave" {
        return Err(AppError::Conflict("The patient is not on leave.".into()));
    }
    sqlx::query(
        "UPDATE inpatient_admissions SET status = 'admitted', leave_until = NULL WHERE id = $1 AND status = 'on_leave'",
    )
    .bind(admission)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.admission.return", "inpatient_admission", admission)
            .patient(patient)
            .changes(json!({"status": {"from": "on_leave", "to": "admitted"}})),
    )
    .await?;
    changed(conn, facility).await?;
    Ok(())
}

/// What a discharge did (the caller records a death in the registry when `deceased`).
pub struct Discharged {
    pub deceased: bool,
}

/// Discharges: closes the stay (guarded: a second discharge answers 409), ends the bed's
/// occupancy at the discharge time, sends the bed to cleaning (terminal after isolation or a
/// death) and finishes the chart's inpatient encounter.
pub async fn discharge(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    admission: Uuid,
    v: &ValidDischarge,
) -> AppResult<Discharged> {
    let (_, facility, bed) = open_stay(conn, patient, admission).await?;
    let row: Option<(OffsetDateTime, bool)> = sqlx::query_as(
        "SELECT admitted_at, EXISTS (SELECT 1 FROM inpatient_transfers t WHERE t.admission_id = a.id AND t.status = 'sent')
         FROM inpatient_admissions a WHERE a.id = $1",
    )
    .bind(admission)
    .fetch_optional(&mut *conn)
    .await?;
    let (admitted_at, transfer) = row.ok_or(AppError::NotFound)?;
    if transfer {
        return Err(AppError::Conflict("A transfer is under way; receive or cancel it before the discharge.".into()));
    }
    if v.at < admitted_at {
        return Err(FieldErrors::one("discharged_at", "The discharge is before the admission.").into());
    }
    let encounter: Option<Option<Uuid>> = sqlx::query_scalar(
        "UPDATE inpatient_admissions SET status = 'discharged', discharged_at = $2, disposition = $3, discharge_note = $4,
                leave_until = NULL, discharged_by = $5
         WHERE id = $1 AND status <> 'discharged' RETURNING encounter_id",
    )
    .bind(admission)
    .bind(v.at)
    .bind(&v.disposition)
    .bind(&v.note)
    .bind(meta.actor_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(encounter) = encounter else {
        return Err(AppError::Conflict("The patient is already discharged.".into()));
    };
    // The occupancy ends at the discharge time (a later occupancy of the bed would overlap an
    // earlier discharge time only if entered late: the exclusion constraint refuses it).
    sqlx::query(
        "UPDATE inpatient_bed_allocations SET period = tstzrange(lower(period), greatest(lower(period), $2)), released_at = now()
         WHERE admission_id = $1 AND upper_inf(period)",
    )
    .bind(admission)
    .bind(v.at)
    .execute(&mut *conn)
    .await?;
    let deceased = v.disposition == "deceased";
    if let Some(bed) = bed {
        let precaution = stay_precaution(conn, admission).await?;
        vacate(conn, bed, &precaution, deceased).await?;
    }
    if let Some(enc) = encounter {
        match hearth_ehr::encounters::change_status(conn, meta, patient, enc, "finished", Some(v.at)).await {
            // Finished (or cancelled) on the chart already: nothing to close.
            Ok(()) | Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    audit::record(
        conn,
        meta,
        Event::new("inpatient.admission.discharge", "inpatient_admission", admission).patient(patient).changes(json!({
            "status": {"to": "discharged"}, "disposition": v.disposition, "discharged_at": rfc3339(v.at),
            "note": v.note})),
    )
    .await?;
    changed(conn, facility).await?;
    Ok(Discharged { deceased })
}

// ---------------------------------------------------------------------------------------------
// Housekeeping
// ---------------------------------------------------------------------------------------------

const TASK_SELECT: &str = "SELECT c.id, c.bed_id, w.code || coalesce(' · ' || r.code, '') || ' · ' || b.code AS bed,
        w.name AS ward_name, c.kind, c.status, c.created_at, c.done_at,
        (extract(epoch FROM (c.done_at - c.created_at)) / 60)::bigint AS minutes
     FROM inpatient_cleaning_tasks c JOIN inpatient_beds b ON b.id = c.bed_id JOIN inpatient_wards w ON w.id = b.ward_id
          LEFT JOIN inpatient_rooms r ON r.id = b.room_id";

/// Open cleaning tasks at these facilities, terminal first, then oldest first.
pub async fn open_tasks(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<CleaningTask>> {
    sqlx::query_as(&format!(
        "{TASK_SELECT} WHERE c.status = 'open' AND w.facility_id = ANY($1)
         ORDER BY c.kind = 'routine', c.created_at LIMIT 500"
    ))
    .bind(facilities)
    .fetch_all(pool)
    .await
}

/// The latest cleanings done at these facilities.
pub async fn done_tasks(pool: &PgPool, facilities: &[Uuid], limit: i64) -> sqlx::Result<Vec<CleaningTask>> {
    sqlx::query_as(&format!(
        "{TASK_SELECT} WHERE c.status = 'done' AND w.facility_id = ANY($1) ORDER BY c.done_at DESC LIMIT $2"
    ))
    .bind(facilities)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Mean turnaround (minutes from vacated to clean) over the last 7 days, by cleaning kind.
pub async fn turnaround(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<(String, i64, f64)>> {
    sqlx::query_as(
        "SELECT c.kind, count(*), avg(extract(epoch FROM (c.done_at - c.created_at)) / 60)::float8
         FROM inpatient_cleaning_tasks c JOIN inpatient_beds b ON b.id = c.bed_id JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE c.status = 'done' AND c.done_at > now() - interval '7 days' AND w.facility_id = ANY($1)
         GROUP BY c.kind ORDER BY c.kind",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await
}

/// Marks a cleaning done (guarded: once) and makes the bed available.
pub async fn complete_cleaning(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: &[Uuid],
    task: Uuid,
) -> AppResult<()> {
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE inpatient_cleaning_tasks c SET status = 'done', done_at = greatest(now(), c.created_at), done_by = $2
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE c.id = $1 AND b.id = c.bed_id AND c.status = 'open' AND w.facility_id = ANY($3)
         RETURNING c.bed_id, w.facility_id",
    )
    .bind(task)
    .bind(meta.actor_user_id)
    .bind(facilities)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((bed, facility)) = row else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inpatient_cleaning_tasks WHERE id = $1)")
            .bind(task)
            .fetch_one(&mut *conn)
            .await?;
        return Err(if exists { AppError::Conflict("The bed is already clean.".into()) } else { AppError::NotFound });
    };
    move_bed(conn, bed, &["cleaning"], "available").await?;
    audit::record(
        conn,
        meta,
        Event::new("inpatient.cleaning.complete", "inpatient_cleaning_task", task).changes(json!({"bed_id": bed})),
    )
    .await?;
    changed(conn, facility).await?;
    Ok(())
}

/// Available beds of these facilities that no hold or stay takes now, for a placement's choice: `(id, "WARD · ROOM · BED (type)")`.
pub async fn available_beds(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<(String, String)>> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT b.id, f.code || ' · ' || w.code || coalesce(' · ' || r.code, '') || ' · ' || b.code || ' — ' || w.name
                || CASE WHEN w.gender_policy <> 'mixed' THEN ' (' || w.gender_policy || ')' ELSE '' END
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id JOIN facilities f ON f.id = w.facility_id
              LEFT JOIN inpatient_rooms r ON r.id = b.room_id
         WHERE b.status = 'available' AND b.active AND w.active AND w.facility_id = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM inpatient_bed_allocations x
                           WHERE x.bed_id = b.id AND x.released_at IS NULL AND x.period @> now())
         ORDER BY f.code, w.code, r.code NULLS FIRST, length(b.code), b.code LIMIT 1000",
    )
    .bind(facilities)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, l)| (id.to_string(), l)).collect())
}

/// Users who may be the admitting clinician (they may write charts), `(id, name)`.
pub async fn clinicians(pool: &PgPool) -> sqlx::Result<Vec<(String, String)>> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u WHERE u.active AND EXISTS (
            SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
             WHERE ur.user_id = u.id AND rp.permission_code = 'chart.write')
         ORDER BY u.display_name LIMIT 500",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id, n)| (id.to_string(), n)).collect())
}

/// The registry's death hook: a patient who dies while admitted is discharged as deceased now
/// (a transfer under way is cancelled first), the bed goes to terminal cleaning and the
/// encounter is finished, on the caller's transaction.
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let open: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, facility_id FROM ip_bed_requests WHERE patient_id = $1 AND status IN ('requested', 'assigned')",
    )
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((request, facility)) = open {
        crate::bed_requests::cancel(conn, meta, &[facility], request, "The patient died.").await?;
    }
    let open: Option<(Uuid, OffsetDateTime)> = sqlx::query_as(
        "SELECT id, admitted_at FROM inpatient_admissions WHERE patient_id = $1 AND status <> 'discharged' FOR UPDATE",
    )
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((admission, admitted_at)) = open else { return Ok(()) };
    let transfer: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM inpatient_transfers WHERE admission_id = $1 AND status = 'sent'")
            .bind(admission)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(t) = transfer {
        cancel_transfer(conn, meta, patient, t).await?;
    }
    let v = ValidDischarge {
        disposition: "deceased".into(),
        at: OffsetDateTime::now_utc().max(admitted_at),
        note: "The patient's death was recorded.".into(),
    };
    discharge(conn, meta, patient, admission, &v).await?;
    Ok(())
}

/// Holds a bed for another module (a bed request, the bed network), optionally for a patient,
/// until `until`: a `hold` row of the one bed-allocation table over `[now, until)`, so it lapses by
/// itself. An overlapping occupancy or hold of the bed is refused by
/// `inpatient_bed_allocations_one_per_bed` (409); admitting another patient into a held bed is
/// refused the same way. Public for other modules; runs on the caller's transaction.
#[expect(clippy::too_many_arguments, reason = "a hold names its bed, patient, expiry, reason and owner")]
pub async fn hold_bed(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    bed: Uuid,
    patient: Option<Uuid>,
    until: OffsetDateTime,
    reason: &str,
    source_module: &str,
    now: OffsetDateTime,
) -> AppResult<Uuid> {
    if !matches!(reason, "reservation" | "bed_request" | "network") {
        return Err(AppError::field("hold_reason", "A hold is a reservation, a bed request or a network hold."));
    }
    if until <= now {
        return Err(AppError::field("until", "A hold ends in the future."));
    }
    let status: Option<(String, Uuid)> = sqlx::query_as(
        "SELECT b.status, w.facility_id FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE b.id = $1 AND b.active AND w.active",
    )
    .bind(bed)
    .fetch_optional(&mut *conn)
    .await?;
    let (status, facility) = status.ok_or(AppError::NotFound)?;
    if status != "available" {
        return Err(not_available(&status));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, period, expires_at, hold_reason, source_module, created_by)
         VALUES ($1, $2, 'hold', $3, tstzrange($4, $5), $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(bed)
    .bind(patient)
    .bind(now)
    .bind(until)
    .bind(reason)
    .bind(source_module)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let mut event = Event::new("inpatient.hold.create", "inpatient_bed_allocation", id)
        .changes(json!({"bed_id": bed, "until": rfc3339(until), "reason": reason, "source_module": source_module}));
    if let Some(p) = patient {
        event = event.patient(p);
    }
    audit::record(conn, meta, event).await?;
    changed(conn, facility).await?;
    Ok(id)
}

/// Releases a hold before its expiry (the request was placed elsewhere, the patient arrived).
pub async fn release_hold(conn: &mut PgConnection, meta: &AuditMeta, hold: Uuid) -> AppResult<()> {
    let bed: Option<Uuid> = sqlx::query_scalar(
        "UPDATE inpatient_bed_allocations SET period = tstzrange(lower(period), greatest(lower(period), now())), released_at = now()
         WHERE id = $1 AND kind = 'hold' AND released_at IS NULL AND upper(period) > now() RETURNING bed_id",
    )
    .bind(hold)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(bed) = bed else {
        return Err(AppError::Conflict("The hold has ended or was released.".into()));
    };
    audit::record(
        conn,
        meta,
        Event::new("inpatient.hold.release", "inpatient_bed_allocation", hold).changes(json!({"bed_id": bed})),
    )
    .await?;
    Ok(())
}

/// A patient's open stay (admitted or on leave) as other modules need it: (admission, ward,
/// facility, status).
pub async fn current_stay(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Option<(Uuid, Uuid, Uuid, String)>> {
    sqlx::query_as(
        "SELECT id, ward_id, facility_id, status FROM inpatient_admissions WHERE patient_id = $1 AND status <> 'discharged'",
    )
    .bind(patient)
    .fetch_optional(conn)
    .await
}

/// The open stays of a ward (or of every ward): (patient, ward, bed label, status), by bed.
pub async fn open_stays(
    conn: &mut PgConnection,
    ward: Option<Uuid>,
) -> sqlx::Result<Vec<(Uuid, Uuid, Option<String>, String)>> {
    sqlx::query_as(
        "SELECT a.patient_id, a.ward_id, b.code, a.status FROM inpatient_admissions a LEFT JOIN inpatient_beds b ON b.id = a.bed_id
         WHERE a.status <> 'discharged' AND ($1::uuid IS NULL OR a.ward_id = $1)
         ORDER BY b.code NULLS LAST, a.admitted_at LIMIT 2000",
    )
    .bind(ward)
    .fetch_all(conn)
    .await
}

// ---------------------------------------------------------------------------------------------
// For the bed network (issue 24): counts by network bed type, and the free beds of one type
// ---------------------------------------------------------------------------------------------

/// The network bed type of a ward kind (`None` for day care, which the network does not list).
pub const NETWORK_TYPE_SQL: &str = "CASE w.kind WHEN 'icu' THEN 'critical_care' WHEN 'hdu' THEN 'critical_care'
     WHEN 'general' THEN 'general' WHEN 'paediatric' THEN 'paediatric' WHEN 'maternity' THEN 'maternity'
     WHEN 'isolation' THEN 'isolation' END";

/// Live bed counts of every facility with wards, by network bed type: `(facility, type, physical,
/// staffed (in service: not blocked), free (available with no occupancy or hold now))`. No patient
/// data. Public for the bed network.
pub async fn network_counts(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String, i64, i64, i64)>> {
    sqlx::query_as(&format!(
        "SELECT w.facility_id, {NETWORK_TYPE_SQL} AS t, count(*), count(*) FILTER (WHERE b.status <> 'blocked'),
                count(*) FILTER (WHERE b.status = 'available' AND NOT EXISTS (
                    SELECT 1 FROM inpatient_bed_allocations x WHERE x.bed_id = b.id AND x.released_at IS NULL AND x.period @> now()))
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE b.active AND w.active AND w.kind <> 'day_care'
         GROUP BY 1, 2 ORDER BY 1, 2"
    ))
    .fetch_all(conn)
    .await
}

/// The free beds of one network bed type at a facility: `(id, "WARD · BED — ward name")`.
pub async fn network_free_beds(
    conn: &mut PgConnection,
    facility: Uuid,
    bed_type: &str,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(&format!(
        "SELECT b.id, w.code || ' · ' || b.code || ' — ' || w.name
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE w.facility_id = $1 AND {NETWORK_TYPE_SQL} = $2 AND b.status = 'available' AND b.active AND w.active
           AND NOT EXISTS (SELECT 1 FROM inpatient_bed_allocations x
                           WHERE x.bed_id = b.id AND x.released_at IS NULL AND x.period @> now())
         ORDER BY w.code, length(b.code), b.code LIMIT 500"
    ))
    .bind(facility)
    .bind(bed_type)
    .fetch_all(conn)
    .await
}

/// A bed's facility and network bed type (`None` for an unknown or inactive bed).
pub async fn network_bed(conn: &mut PgConnection, bed: Uuid) -> sqlx::Result<Option<(Uuid, Option<String>)>> {
    sqlx::query_as(&format!(
        "SELECT w.facility_id, {NETWORK_TYPE_SQL} FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id
         WHERE b.id = $1 AND b.active AND w.active"
    ))
    .bind(bed)
    .fetch_optional(conn)
    .await
}
