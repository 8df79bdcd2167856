//! All SQL of the emergency department. Writes take the caller's transaction and audit on it;
//! every change to the department raises the live event [`BOARD_EVENT`] (payload: the visit's
//! id, no PHI) so that boards refresh.

use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Bay, Triage, ValidArrival, ValidAssign, ValidBay, ValidDisposition, ValidTriage, Visit, Who};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::crypto::KeyRing;
use hearth_core::platform::events;
use hearth_core::registry::{CareProvider, Registry};
use hearth_core::web::FieldErrors;

/// The live event of the tracking board.
pub const BOARD_EVENT: &str = "emergency.board";
/// Alert kinds (declared in the descriptor).
pub const CLINICIAN_WAIT_ALERT: &str = "emergency.clinician_wait";
pub const LENGTH_OF_STAY_ALERT: &str = "emergency.length_of_stay";

/// At most this many ED visits are listed per patient.
pub const LIST_LIMIT: i64 = 200;

const VISIT: &str = "SELECT v.id, v.patient_id, v.facility_id, v.encounter_id, v.arrived_at, v.arrival_mode,
        v.chief_complaint, v.medico_legal, v.police_informed, v.status, v.esi, v.triaged_at, v.step_since, v.bay_id,
        b.code || ' · ' || b.name AS bay, v.nurse_id, n.display_name AS nurse, v.clinician_id,
        c.display_name AS clinician, v.seen_at, v.disposition, v.disposition_at, v.disposition_note,
        v.admit_department_id, d.name AS admit_department, v.transfer_to, v.departed_at
     FROM ed_visits v LEFT JOIN ed_bays b ON b.id = v.bay_id LEFT JOIN users n ON n.id = v.nurse_id
     LEFT JOIN users c ON c.id = v.clinician_id LEFT JOIN departments d ON d.id = v.admit_department_id";

const TRIAGE: &str = "SELECT t.id, t.visit_id, t.triaged_at, u.display_name AS triaged_by, t.age_band, t.age_estimated,
        t.life_saving, t.avpu, t.high_risk, t.confused, t.severe_pain, t.pain, t.resources, t.resource_count,
        t.danger_zone, t.upgrade_accepted, t.computed_esi, t.esi, t.override_reason, t.path,
        t.weight_kg::float8 AS weight_kg, t.weight_estimated, t.pregnancy, t.fever_cough, t.rash, t.recent_travel,
        t.allergies_note, t.vitals_id, t.news2
     FROM ed_triages t LEFT JOIN users u ON u.id = t.triaged_by";

async fn raise_board(conn: &mut PgConnection, visit: Uuid) -> sqlx::Result<()> {
    events::raise(conn, None, BOARD_EVENT, &visit.to_string()).await.map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Bays

pub async fn bays(pool: &PgPool, facility: Uuid) -> sqlx::Result<Vec<Bay>> {
    sqlx::query_as(
        "SELECT b.id, b.facility_id, b.code, b.name, b.area, b.capacity, b.active,
                (SELECT count(*) FROM ed_visits v WHERE v.bay_id = b.id) AS occupied
         FROM ed_bays b WHERE b.facility_id = $1
         ORDER BY array_position(ARRAY['resus','majors','minors','paediatric','isolation','corridor','waiting'], b.area), b.code",
    )
    .bind(facility)
    .fetch_all(pool)
    .await
}

pub async fn insert_bay(conn: &mut PgConnection, meta: &AuditMeta, facility: Uuid, b: &ValidBay) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO ed_bays (id, facility_id, code, name, area, capacity) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(facility)
        .bind(&b.code)
        .bind(&b.name)
        .bind(&b.area)
        .bind(b.capacity)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("emergency.bay.create", "ed_bay", id)
            .changes(json!({"code": b.code, "name": b.name, "area": b.area, "capacity": b.capacity})),
    )
    .await?;
    raise_board(conn, id).await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Visits

pub async fn load(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Visit>> {
    sqlx::query_as(&format!("{VISIT} WHERE v.id = $1")).bind(id).fetch_optional(conn).await
}

/// The patient's open ED visit, if any.
pub async fn open_of(pool: &PgPool, patient: Uuid) -> sqlx::Result<Option<Visit>> {
    sqlx::query_as(&format!("{VISIT} WHERE v.patient_id = $1 AND v.departed_at IS NULL"))
        .bind(patient)
        .fetch_optional(pool)
        .await
}

/// The patient's ED visits, newest first.
pub async fn list(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Visit>> {
    sqlx::query_as(&format!("{VISIT} WHERE v.patient_id = $1 ORDER BY v.arrived_at DESC, v.id DESC LIMIT $2"))
        .bind(patient)
        .bind(LIST_LIMIT)
        .fetch_all(pool)
        .await
}

/// A visit's triages, newest first (the re-triage history).
pub async fn triages(pool: &PgPool, visit: Uuid) -> sqlx::Result<Vec<Triage>> {
    sqlx::query_as(&format!("{TRIAGE} WHERE t.visit_id = $1 ORDER BY t.triaged_at DESC, t.id DESC LIMIT 100"))
        .bind(visit)
        .fetch_all(pool)
        .await
}

/// A patient's triages, newest first (the export).
pub async fn patient_triages(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Triage>> {
    sqlx::query_as(&format!("{TRIAGE} WHERE t.patient_id = $1 ORDER BY t.triaged_at DESC, t.id DESC LIMIT 1000"))
        .bind(patient)
        .fetch_all(pool)
        .await
}

/// The ED department of a facility (code `ED`), whose on-call lists the alerts read.
pub async fn ed_department(conn: &mut PgConnection, facility: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM departments WHERE facility_id = $1 AND code = 'ED' AND active")
        .bind(facility)
        .fetch_optional(conn)
        .await
}

/// Registers an arrival: the patient (new through the registry's own registration, or an
/// existing one), the emergency encounter (the chart's; none for the demo's back-dated visits),
/// and the ED visit. A second open visit
/// of the same patient is refused by `ed_visits_one_open` (409).
#[allow(clippy::too_many_arguments)]
pub async fn arrive(
    conn: &mut PgConnection,
    keys: &KeyRing,
    meta: &AuditMeta,
    facility: Uuid,
    a: &ValidArrival,
    encounter: Option<&hearth_ehr::encounters::ValidEncounter>,
    at: OffsetDateTime,
) -> AppResult<(Uuid, Uuid)> {
    let patient = match &a.who {
        Who::Existing(id) => {
            let row: Option<(bool, bool)> =
                sqlx::query_as("SELECT deceased_at IS NOT NULL, merged_into IS NOT NULL FROM patients WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match row {
                None => return Err(FieldErrors::one("patient_id", "No such patient.").into()),
                Some((true, _)) => return Err(AppError::Conflict("A death is recorded for this patient.".into())),
                Some((_, true)) => {
                    return Err(AppError::Conflict("This record was merged; register the surviving record.".into()))
                }
                _ => *id,
            }
        }
        Who::New(p) => hearth_patients::repo::register(conn, keys, facility, p, meta).await?.0,
    };
    // Checked before the encounter is written, so that a duplicate arrival says why.
    let open: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ed_visits WHERE patient_id = $1 AND departed_at IS NULL)")
            .bind(patient)
            .fetch_one(&mut *conn)
            .await?;
    if open {
        return Err(AppError::Conflict(ONE_OPEN.into()));
    }
    let enc = match encounter {
        Some(e) => Some(hearth_ehr::encounters::insert(conn, meta, patient, e).await?),
        None => None,
    };
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO ed_visits (id, patient_id, facility_id, encounter_id, arrived_at, arrival_mode, chief_complaint,
                                medico_legal, police_informed, step_since, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $10)",
    )
    .bind(id)
    .bind(patient)
    .bind(facility)
    .bind(enc)
    .bind(at)
    .bind(&a.arrival_mode)
    .bind(&a.chief_complaint)
    .bind(a.medico_legal)
    .bind(a.police_informed)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("emergency.visit.arrive", "ed_visit", id).patient(patient).changes(json!({
            "arrival_mode": a.arrival_mode, "chief_complaint": a.chief_complaint, "medico_legal": a.medico_legal,
            "police_informed": a.police_informed, "encounter_id": enc, "new_patient": matches!(a.who, Who::New(_)),
        })),
    )
    .await?;
    raise_board(conn, id).await?;
    Ok((id, patient))
}

pub const ONE_OPEN: &str = "This patient is already in the emergency department.";

/// A visit still in the department, locked for the change; else 404 or 409.
async fn lock_open(conn: &mut PgConnection, id: Uuid) -> AppResult<(Uuid, Uuid, String, Option<i16>)> {
    let row: Option<(Uuid, Uuid, String, Option<i16>, bool)> = sqlx::query_as(
        "SELECT patient_id, facility_id, status, esi, departed_at IS NOT NULL FROM ed_visits WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((.., true)) => Err(AppError::Conflict("The patient is no longer in the department.".into())),
        Some((p, f, s, e, false)) => Ok((p, f, s, e)),
    }
}

/// Records a triage (or a re-triage: the history is kept): the vital signs on the chart (with
/// its flags, NEWS2 and alerts), the answers and the level on the visit.
pub async fn triage(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    visit: Uuid,
    birth: Option<time::Date>,
    t: &ValidTriage,
) -> AppResult<Uuid> {
    let (patient, _, status, before) = lock_open(conn, visit).await?;
    let recorded = hearth_ehr::vitals::repo::insert(conn, registry, meta, patient, birth, &t.vitals).await?;
    let news2 = recorded.assessment.news2.as_ref().and_then(|n| n.total()).map(|n| n as i16);
    let id = Uuid::new_v4();
    let path = json!({"decided_by": t.outcome.decided_by, "steps": t.outcome.steps, "prompts": t.outcome.prompts});
    sqlx::query(
        "INSERT INTO ed_triages (id, visit_id, patient_id, triaged_by, age_band, age_estimated, life_saving, avpu,
                                 high_risk, confused, severe_pain, pain, resources, resource_count, danger_zone,
                                 upgrade_accepted, computed_esi, esi, override_reason, path, weight_kg, weight_estimated,
                                 pregnancy, fever_cough, rash, recent_travel, allergies_note, vitals_id, news2)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21::float8::numeric,$22,$23,
                 $24,$25,$26,$27,$28,$29)",
    )
    .bind(id)
    .bind(visit)
    .bind(patient)
    .bind(meta.actor_user_id)
    .bind(t.band.code())
    .bind(t.age_estimated)
    .bind(t.answers.life_saving)
    .bind(&t.avpu)
    .bind(t.answers.high_risk)
    .bind(t.answers.confused)
    .bind(t.answers.severe_pain)
    .bind(t.pain)
    .bind(&t.resources)
    .bind(t.answers.resources as i16)
    .bind(t.outcome.danger_zone)
    .bind(t.answers.accept_upgrade)
    .bind(t.outcome.level as i16)
    .bind(t.esi as i16)
    .bind(&t.override_reason)
    .bind(&path)
    .bind(t.weight_kg)
    .bind(t.weight_estimated)
    .bind(&t.pregnancy)
    .bind(t.fever_cough)
    .bind(t.rash)
    .bind(t.recent_travel)
    .bind(&t.allergies_note)
    .bind(recorded.id)
    .bind(news2)
    .execute(&mut *conn)
    .await?;
    let esi = t.esi as i16;
    // Waiting for triage → waiting for a clinician. An upgrade on re-triage restarts the clock of
    // the wait for a clinician of a patient not yet seen.
    let upgraded = before.is_some_and(|b| esi < b);
    sqlx::query(
        "UPDATE ed_visits SET esi = $2, triaged_at = now(),
                status = CASE WHEN status = 'waiting' THEN 'triaged' ELSE status END,
                step_since = CASE WHEN status = 'waiting' OR ($3 AND status = 'triaged') THEN now() ELSE step_since END,
                wait_alerted_at = CASE WHEN $3 THEN NULL ELSE wait_alerted_at END
         WHERE id = $1",
    )
    .bind(visit)
    .bind(esi)
    .bind(upgraded)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new(
            if before.is_some() { "emergency.triage.retriage" } else { "emergency.triage.create" },
            "ed_triage",
            id,
        )
        .patient(patient)
        .changes(json!({
            "visit_id": visit, "esi": {"from": before, "to": esi}, "computed_esi": t.outcome.level,
            "override_reason": t.override_reason, "status_before": status, "vitals_id": recorded.id,
        })),
    )
    .await?;
    raise_board(conn, visit).await?;
    Ok(id)
}

/// Assigns a bay, a nurse and a clinician (each may be none). A single-occupancy bay holding
/// another patient is refused by `ed_visits_single_bay` (409); a shared bay over its capacity is
/// refused here with the bay locked (409). The first clinician starts the treatment.
pub async fn assign(conn: &mut PgConnection, meta: &AuditMeta, visit: Uuid, a: &ValidAssign) -> AppResult<()> {
    let (patient, facility, status, _) = lock_open(conn, visit).await?;
    let mut e = FieldErrors::default();
    let mut single: Option<bool> = None;
    if let Some(bay) = a.bay {
        let row: Option<(bool, i32, bool)> = sqlx::query_as(
            "SELECT single, capacity, active FROM ed_bays WHERE id = $1 AND facility_id = $2 FOR UPDATE",
        )
        .bind(bay)
        .bind(facility)
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some((s, cap, true)) => {
                single = Some(s);
                if !s {
                    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM ed_visits WHERE bay_id = $1 AND id <> $2")
                        .bind(bay)
                        .bind(visit)
                        .fetch_one(&mut *conn)
                        .await?;
                    if n >= i64::from(cap) {
                        return Err(AppError::Conflict(format!("That area is full ({cap} patients).")));
                    }
                }
            }
            _ => e.add("bay_id", "Choose a bay of this department."),
        }
    }
    for (field, user, perm) in [
        ("nurse_id", a.nurse, crate::perms::TRIAGE.code()),
        ("clinician_id", a.clinician, hearth_ehr::perms::NOTES_SIGN.code()),
    ] {
        if let Some(u) = user {
            let ok: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = $1 AND u.active
                   AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = $2)
                   AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
                               WHERE ur.user_id = u.id AND rp.permission_code = $3))",
            )
            .bind(u)
            .bind(facility)
            .bind(perm)
            .fetch_one(&mut *conn)
            .await?;
            if !ok {
                e.add(
                    field,
                    if field == "nurse_id" {
                        "Choose a nurse of this department."
                    } else {
                        "Choose a clinician of this department."
                    },
                );
            }
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let starts = a.clinician.is_some() && matches!(status.as_str(), "waiting" | "triaged");
    sqlx::query(
        "UPDATE ed_visits SET bay_id = $2, bay_single = $3, nurse_id = $4, clinician_id = $5,
                seen_at = CASE WHEN $5::uuid IS NOT NULL THEN coalesce(seen_at, now()) ELSE seen_at END,
                status = CASE WHEN $6 THEN 'in_treatment' ELSE status END,
                step_since = CASE WHEN $6 THEN now() ELSE step_since END
         WHERE id = $1",
    )
    .bind(visit)
    .bind(a.bay)
    .bind(single)
    .bind(a.nurse)
    .bind(a.clinician)
    .bind(starts)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("emergency.visit.assign", "ed_visit", visit)
            .patient(patient)
            .changes(json!({"bay_id": a.bay, "nurse_id": a.nurse, "clinician_id": a.clinician})),
    )
    .await?;
    if a.clinician.is_some() {
        hearth_alerts::cancel(conn, meta, "emergency", visit, "A clinician is assigned.").await?;
    }
    raise_board(conn, visit).await?;
    Ok(())
}

/// Finishes the chart's emergency encounter (left as it is when someone already moved it on).
async fn finish_encounter(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    enc: Option<Uuid>,
) -> AppResult<()> {
    if let Some(enc) = enc {
        match hearth_ehr::encounters::change_status(conn, meta, patient, enc, "finished", None).await {
            Ok(()) | Err(AppError::Conflict(_)) | Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Records the disposition (once: a second one answers 409). Admit keeps the patient in the
/// department as boarding until [`depart`]; every other disposition closes the visit and the
/// encounter now. Left without being seen revokes the patient's pending orders (orders core);
/// deceased records the death in the registry, which runs every module's death hook.
pub async fn dispose(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    visit: Uuid,
    d: &ValidDisposition,
) -> AppResult<()> {
    let (patient, facility, _, _) = lock_open(conn, visit).await?;
    if let Some(dep) = d.admit_department {
        let ok: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND facility_id = $2 AND active)",
        )
        .bind(dep)
        .bind(facility)
        .fetch_one(&mut *conn)
        .await?;
        if !ok {
            return Err(FieldErrors::one("admit_department_id", "Choose a department of this hospital.").into());
        }
    }
    let admit = d.disposition == "admit";
    let enc: Option<Option<Uuid>> = sqlx::query_scalar(
        "UPDATE ed_visits SET disposition = $2, disposition_at = now(), disposition_by = $3, disposition_note = $4,
                admit_department_id = $5, transfer_to = $6,
                status = CASE WHEN $7 THEN 'boarding' ELSE 'departed' END, step_since = now(),
                departed_at = CASE WHEN $7 THEN NULL ELSE greatest(now(), arrived_at) END,
                bay_id = CASE WHEN $7 THEN bay_id END, bay_single = CASE WHEN $7 THEN bay_single END
         WHERE id = $1 AND disposition IS NULL AND departed_at IS NULL
         RETURNING encounter_id",
    )
    .bind(visit)
    .bind(&d.disposition)
    .bind(meta.actor_user_id)
    .bind(&d.note)
    .bind(d.admit_department)
    .bind(&d.transfer_to)
    .bind(admit)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(enc) = enc else {
        return Err(AppError::Conflict("A disposition is already recorded for this visit.".into()));
    };
    audit::record(
        conn,
        meta,
        Event::new("emergency.visit.disposition", "ed_visit", visit).patient(patient).changes(json!({
            "disposition": d.disposition, "admit_department_id": d.admit_department, "transfer_to": d.transfer_to,
        })),
    )
    .await?;
    if !admit {
        finish_encounter(conn, meta, patient, enc).await?;
        hearth_alerts::cancel(conn, meta, "emergency", visit, "The patient left the department.").await?;
    } else {
        request_bed(conn, meta, visit, patient, facility, d).await?;
    }
    match d.disposition.as_str() {
        "lwbs" => {
            hearth_orders::revoke_open(
                conn,
                meta,
                patient,
                "The patient left the emergency department without being seen.",
            )
            .await?;
        }
        "deceased" => {
            let cause = d.note.chars().take(500).collect::<String>();
            hearth_patients::repo::record_death(conn, patient, OffsetDateTime::now_utc(), &cause, meta).await?;
            for m in registry.modules() {
                if let Some(on_death) = m.on_death {
                    on_death(conn, meta, patient).await?;
                }
            }
        }
        _ => {}
    }
    raise_board(conn, visit).await?;
    Ok(())
}

/// The job the inpatient module enqueues when a patient is admitted from the ED's bed request
/// (payload `{"request_id", "source_ref"}`: the visit): the visit departs.
pub const BED_ADMITTED_JOB: &str = "emergency.bed_admitted";

/// The bed request of an "admit" disposition, through inpatient care's public function (the ED
/// never reads inpatient tables): urgency from the ESI level, the ward kind and isolation from
/// the form, the admitting department's name as the specialty. A patient who already has an
/// open request keeps it.
async fn request_bed(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    visit: Uuid,
    patient: Uuid,
    facility: Uuid,
    d: &ValidDisposition,
) -> AppResult<()> {
    if hearth_inpatient::bed_requests::open_of(conn, patient).await?.is_some() {
        return Ok(());
    }
    let (esi, specialty): (Option<i16>, Option<String>) = sqlx::query_as(
        "SELECT v.esi, d.name FROM ed_visits v LEFT JOIN departments d ON d.id = v.admit_department_id WHERE v.id = $1",
    )
    .bind(visit)
    .fetch_one(&mut *conn)
    .await?;
    let urgency = match esi {
        Some(1 | 2) => "emergency",
        Some(3) => "urgent",
        _ => "routine",
    };
    let r = hearth_inpatient::bed_requests::NewBedRequest {
        patient,
        facility,
        source: "ed".into(),
        source_module: "emergency".into(),
        source_ref: Some(visit),
        on_admitted_job: Some(BED_ADMITTED_JOB.into()),
        ward_kind: d.bed_ward_kind.clone(),
        specialty: specialty.unwrap_or_default().chars().take(100).collect(),
        urgency: urgency.into(),
        isolation: d.bed_isolation.clone(),
        oxygen: false,
        ..Default::default()
    };
    hearth_inpatient::bed_requests::request(conn, meta, &r).await?;
    Ok(())
}

/// A boarding (admitted) patient physically leaves the department: the visit and the emergency
/// encounter close. The inpatient module calls this when the patient reaches the ward; the ED
/// records it from the board too. Anything but a boarding visit answers 409.
pub async fn depart(conn: &mut PgConnection, meta: &AuditMeta, visit: Uuid) -> AppResult<()> {
    let row: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "UPDATE ed_visits SET status = 'departed', departed_at = greatest(now(), arrived_at), step_since = now(),
                bay_id = NULL, bay_single = NULL
         WHERE id = $1 AND status = 'boarding' RETURNING patient_id, encounter_id",
    )
    .bind(visit)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, enc)) = row else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ed_visits WHERE id = $1)")
            .bind(visit)
            .fetch_one(&mut *conn)
            .await?;
        return Err(if exists {
            AppError::Conflict("Only an admitted (boarding) patient leaves the department this way.".into())
        } else {
            AppError::NotFound
        });
    };
    audit::record(conn, meta, Event::new("emergency.visit.depart", "ed_visit", visit).patient(patient)).await?;
    finish_encounter(conn, meta, patient, enc).await?;
    hearth_alerts::cancel(conn, meta, "emergency", visit, "The patient left the department.").await?;
    raise_board(conn, visit).await?;
    Ok(())
}

/// An admission decided in the ED, waiting for the inpatient module (a bed request).
#[derive(Debug, Clone, FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AdmitDecision {
    pub visit_id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub decided_at: OffsetDateTime,
    pub decided_by: Option<Uuid>,
    pub esi: Option<i16>,
}

/// The admissions decided in the ED of `facility` whose patients are still in the department
/// (boarding), oldest first: what the inpatient module turns into bed requests.
pub async fn admit_decisions(pool: &PgPool, facility: Uuid) -> sqlx::Result<Vec<AdmitDecision>> {
    sqlx::query_as(
        "SELECT id AS visit_id, patient_id, facility_id, encounter_id, admit_department_id AS department_id,
                disposition_at AS decided_at, disposition_by AS decided_by, esi
         FROM ed_visits WHERE facility_id = $1 AND status = 'boarding' ORDER BY disposition_at, id LIMIT 500",
    )
    .bind(facility)
    .fetch_all(pool)
    .await
}

/// The open visit of a patient (for the inpatient module: the visit to [`depart`]).
pub async fn open_visit_id(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM ed_visits WHERE patient_id = $1 AND departed_at IS NULL")
        .bind(patient)
        .fetch_optional(conn)
        .await
}

/// The death hook: a patient who dies while in the department leaves it with the disposition
/// "deceased" (when not recorded through the ED's own disposition).
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let row: Option<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "UPDATE ed_visits SET status = 'departed', disposition = coalesce(disposition, 'deceased'),
                disposition_at = coalesce(disposition_at, now()), departed_at = greatest(now(), arrived_at),
                step_since = now(), bay_id = NULL, bay_single = NULL
         WHERE patient_id = $1 AND departed_at IS NULL RETURNING id, encounter_id",
    )
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((visit, enc)) = row {
        audit::record(
            conn,
            meta,
            Event::new("emergency.visit.disposition", "ed_visit", visit)
                .patient(patient)
                .changes(json!({"disposition": "deceased", "via": "death recorded"})),
        )
        .await?;
        finish_encounter(conn, meta, patient, enc).await?;
        hearth_alerts::cancel(conn, meta, "emergency", visit, "The patient died.").await?;
        raise_board(conn, visit).await?;
    }
    Ok(())
}

/// The registry hook for the alerts: the ED clinician of an open visit is the patient's
/// attending for the stay.
pub async fn care_providers(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<CareProvider>> {
    let clinician: Option<Option<Uuid>> =
        sqlx::query_scalar("SELECT clinician_id FROM ed_visits WHERE patient_id = $1 AND departed_at IS NULL")
            .bind(patient)
            .fetch_optional(conn)
            .await?;
    Ok(clinician.flatten().map(|c| CareProvider { role: "attending", user_id: c }).into_iter().collect())
}

/// People who may be assigned: nurses (triage permission) and clinicians (who sign notes) of
/// the facility.
pub async fn staff(pool: &PgPool, facility: Uuid, perm: &str) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u
         WHERE u.active AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = $1)
           AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
                       WHERE ur.user_id = u.id AND rp.permission_code = $2)
         ORDER BY u.display_name, u.id LIMIT 500",
    )
    .bind(facility)
    .bind(perm)
    .fetch_all(pool)
    .await
}

pub async fn departments(pool: &PgPool, facility: Uuid) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, name FROM departments WHERE facility_id = $1 AND active ORDER BY name LIMIT 200")
        .bind(facility)
        .fetch_all(pool)
        .await
}
