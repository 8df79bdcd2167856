//! Demo data: realistic wards and beds at both facilities (the main hospital has 124 beds),
//! about 70 % occupied by demo patients admitted over the past three weeks (each with an
//! inpatient encounter and a recent vital-signs round, a few with high NEWS2), discharges of the
//! past weeks with their cleaning turnaround, a few beds waiting for cleaning, a few blocked, and
//! a transfer waiting for its receiving ward.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, DemoPatient};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// (code, name, kind, gender policy, specialty, rooms × beds per room, single rooms, bed type,
/// isolation, oxygen, ventilator)
type WardSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (u32, u32),
    u32,
    &'static str,
    &'static str,
    bool,
    bool,
);

const HGH: &[WardSpec] = &[
    ("AMU", "Acute Medical Unit", "general", "mixed", "Acute medicine", (5, 4), 4, "standard", "none", true, false),
    ("WMB", "Willow Ward (women)", "general", "female", "General medicine", (5, 4), 2, "standard", "none", true, false),
    ("OAK", "Oak Ward (men)", "general", "male", "General medicine", (4, 4), 2, "standard", "none", true, false),
    ("SUR", "Cedar Surgical Ward", "general", "mixed", "General surgery", (4, 4), 4, "standard", "none", true, false),
    (
        "ICU",
        "Intensive Care Unit",
        "icu",
        "mixed",
        "Critical care",
        (0, 0),
        8,
        "critical_care",
        "single_room",
        true,
        true,
    ),
    ("HDU", "High Dependency Unit", "hdu", "mixed", "Critical care", (1, 4), 2, "critical_care", "none", true, false),
    ("PAE", "Robin Children's Ward", "paediatric", "mixed", "Paediatrics", (2, 4), 4, "cot", "none", true, false),
    ("MAT", "Maple Maternity Ward", "maternity", "female", "Obstetrics", (2, 4), 4, "maternity", "none", true, false),
    (
        "ISO",
        "Isolation Unit",
        "isolation",
        "mixed",
        "Infectious diseases",
        (0, 0),
        6,
        "standard",
        "negative_pressure",
        true,
        false,
    ),
];

const RCH: &[WardSpec] = &[
    (
        "GEN",
        "Riverside General Ward",
        "general",
        "mixed",
        "General medicine",
        (4, 4),
        4,
        "standard",
        "none",
        true,
        false,
    ),
    ("DAY", "Day Surgery Unit", "day_care", "mixed", "Day surgery", (2, 5), 0, "recliner", "none", false, false),
    ("MAT", "Riverside Maternity", "maternity", "female", "Obstetrics", (1, 4), 2, "maternity", "none", true, false),
];

const DIAGNOSES: &[(&str, &str)] = &[
    ("Community-acquired pneumonia", "J18.9"),
    ("Exacerbation of COPD", "J44.1"),
    ("Heart failure, decompensated", "I50.9"),
    ("Cellulitis of the leg", "L03.119"),
    ("Urinary tract infection", "N39.0"),
    ("Fall with hip fracture", "S72.001A"),
    ("Acute kidney injury", "N17.9"),
    ("Chest pain, for observation", "R07.9"),
    ("Diabetic ketoacidosis", "E11.10"),
    ("Acute appendicitis", "K35.80"),
];

struct Bed {
    id: Uuid,
    ward_kind: &'static str,
    policy: &'static str,
}

fn age_years(p: &DemoPatient, today: time::Date) -> i32 {
    today.year()
        - p.birth.year()
        - i32::from((today.month() as u8, today.day()) < (p.birth.month() as u8, p.birth.day()))
}

fn fits(bed: &Bed, p: &DemoPatient, age: i32) -> bool {
    let sex = if p.female { "female" } else { "male" };
    let policy_ok = bed.policy == "mixed" || bed.policy == sex;
    match bed.ward_kind {
        "paediatric" => age < 16,
        "maternity" => p.female && (18..45).contains(&age),
        _ => age >= 16 && policy_ok,
    }
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inpatient_wards)").fetch_one(&mut *conn).await?;
    if exists || ctx.facilities.len() < 2 {
        return Ok(());
    }
    let doctor = ctx.user("doctor@demo.hearth");
    let nurse = ctx.user("nurse@demo.hearth");
    let mut rng = StdRng::seed_from_u64(1717);
    let now = OffsetDateTime::now_utc();
    let today = now.date();

    // Wards, rooms and beds.
    let mut beds: Vec<Bed> = Vec::new();
    for (facility, specs) in [(ctx.facilities[0], HGH), (ctx.facilities[1], RCH)] {
        for &(
            code,
            name,
            kind,
            policy,
            specialty,
            (rooms, per_room),
            singles,
            bed_type,
            isolation,
            oxygen,
            ventilator,
        ) in specs
        {
            let ward = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO inpatient_wards (id, facility_id, code, name, kind, gender_policy, specialty) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(ward)
            .bind(facility)
            .bind(code)
            .bind(name)
            .bind(kind)
            .bind(policy)
            .bind(specialty)
            .execute(&mut *conn)
            .await?;
            let mut n = 0;
            let layout = (1..=rooms)
                .map(|r| (format!("B{r}"), per_room, false))
                .chain((1..=singles).map(|s| (format!("S{s}"), 1, true)));
            for (room_code, count, single) in layout {
                let room = Uuid::new_v4();
                sqlx::query("INSERT INTO inpatient_rooms (id, ward_id, code, single) VALUES ($1, $2, $3, $4)")
                    .bind(room)
                    .bind(ward)
                    .bind(&room_code)
                    .bind(single)
                    .execute(&mut *conn)
                    .await?;
                for _ in 0..count {
                    n += 1;
                    let id = Uuid::new_v4();
                    let iso = if single && isolation == "none" { "single_room" } else { isolation };
                    sqlx::query(
                        "INSERT INTO inpatient_beds (id, ward_id, room_id, code, bed_type, isolation, oxygen, ventilator, bariatric, cot)
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                    )
                    .bind(id)
                    .bind(ward)
                    .bind(room)
                    .bind(n.to_string())
                    .bind(bed_type)
                    .bind(iso)
                    .bind(oxygen)
                    .bind(ventilator)
                    .bind(n == 1 && kind == "general")
                    .bind(kind == "paediatric")
                    .execute(&mut *conn)
                    .await?;
                    beds.push(Bed { id, ward_kind: kind, policy });
                }
            }
        }
    }

    // Past stays (discharged over the past weeks) with their cleanings, then current stays.
    let pool: Vec<&DemoPatient> = ctx.patients.iter().collect();
    let meta = AuditMeta { actor_user_id: nurse, actor_label: "nurse@demo.hearth".into(), ..ctx.meta.clone() };
    let mut used = vec![false; pool.len()];
    let mut admitted = 0usize;
    let (mut cleaning, mut blocked) = (0usize, 0usize);
    for (i, bed) in beds.iter().enumerate() {
        // A past stay in most beds, ended at least two days ago.
        let past_end = now - Duration::hours(rng.gen_range(48..24 * 20));
        let past_start = past_end - Duration::hours(rng.gen_range(24..24 * 8));
        let mut free_since = now - Duration::days(19);
        if let Some(k) = (0..pool.len()).find(|&k| !used[k] && fits(bed, pool[k], age_years(pool[k], today))) {
            if rng.gen_bool(0.5) {
                used[k] = true;
                stay(conn, &mut rng, bed, pool[k], doctor, nurse, past_start, Some(past_end), i).await?;
                free_since = past_end + Duration::hours(3);
            }
        }
        let roll: f64 = rng.gen();
        if roll < 0.72 {
            let Some(k) = (0..pool.len()).find(|&k| !used[k] && fits(bed, pool[k], age_years(pool[k], today))) else {
                continue;
            };
            used[k] = true;
            let start = (now - Duration::minutes(rng.gen_range(60..60 * 24 * 18))).max(free_since);
            stay(conn, &mut rng, bed, pool[k], doctor, nurse, start, None, i).await?;
            rounds(conn, ctx, &meta, pool[k], start, admitted % 9 == 4).await?;
            admitted += 1;
        } else if roll < 0.78 {
            sqlx::query("UPDATE inpatient_beds SET status = 'cleaning', status_changed_at = now() - interval '40 minutes' WHERE id = $1")
                .bind(bed.id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO inpatient_cleaning_tasks (id, bed_id, kind, status, created_at)
                 VALUES ($1, $2, $3, 'open', now() - interval '40 minutes')",
            )
            .bind(Uuid::new_v4())
            .bind(bed.id)
            .bind(if bed.ward_kind == "isolation" { "terminal" } else { "routine" })
            .execute(&mut *conn)
            .await?;
            cleaning += 1;
        } else if roll < 0.80 {
            sqlx::query(
                "UPDATE inpatient_beds SET status = 'blocked', blocked_reason = $2, blocked_until = now() + interval '2 days' WHERE id = $1",
            )
            .bind(bed.id)
            .bind(["Broken bed rail, engineering called", "Suction unit awaiting repair", "Mattress replacement"][blocked % 3])
            .execute(&mut *conn)
            .await?;
            blocked += 1;
        }
    }
    let requests = bed_requests(conn, ctx, &used, doctor).await?;
    tracing::info!(beds = beds.len(), admitted, cleaning, blocked, requests, "seeded demo wards, beds and admissions");
    Ok(())
}

/// (source, ward kind, specialty, urgency, isolation, oxygen, minutes ago, notes, hold a bed)
type RequestSpec =
    (&'static str, Option<&'static str>, &'static str, &'static str, &'static str, bool, i64, &'static str, bool);

/// Open bed requests at the main hospital from the clinics, surgery and a direct admission (the
/// emergency department's demo adds its boarding patients' own), one with a bed already held,
/// so that the placement page has work. Patients from the end of the list (the ED's demo takes
/// its patients from the front).
async fn bed_requests(
    conn: &mut PgConnection,
    ctx: &DemoContext,
    used: &[bool],
    doctor: Option<Uuid>,
) -> anyhow::Result<usize> {
    use crate::bed_requests::{assign, candidates_in, request, NewBedRequest};
    let meta = AuditMeta { actor_user_id: doctor, actor_label: "doctor@demo.hearth".into(), ..ctx.meta.clone() };
    let nurse_meta = AuditMeta {
        actor_user_id: ctx.user("nurse@demo.hearth"),
        actor_label: "nurse@demo.hearth".into(),
        ..ctx.meta.clone()
    };
    let facility = ctx.facilities[0];
    let specs: [RequestSpec; 4] = [
        (
            "clinic",
            Some("general"),
            "General medicine",
            "urgent",
            "none",
            true,
            95,
            "Heart failure clinic: worsening breathlessness, for IV diuretics.",
            true,
        ),
        (
            "surgery",
            Some("general"),
            "General surgery",
            "routine",
            "none",
            false,
            40,
            "Elective laparoscopic cholecystectomy this afternoon, expected 1 night.",
            false,
        ),
        (
            "direct",
            None,
            "",
            "urgent",
            "airborne",
            false,
            70,
            "GP referral: productive cough 6 weeks, weight loss; TB to exclude.",
            false,
        ),
        (
            "clinic",
            Some("general"),
            "Acute medicine",
            "routine",
            "contact",
            false,
            25,
            "Cellulitis failing oral antibiotics; MRSA carrier.",
            false,
        ),
    ];
    let mut n = 0;
    let candidates: Vec<_> = ctx
        .patients
        .iter()
        .enumerate()
        .rev()
        .filter(|(i, p)| {
            !used.get(*i).copied().unwrap_or(false)
                && (OffsetDateTime::now_utc().date() - p.birth).whole_days() > 18 * 365
        })
        .map(|(_, p)| p)
        .take(specs.len())
        .collect();
    for (spec, p) in specs.iter().zip(candidates) {
        let (source, kind, specialty, urgency, isolation, oxygen, ago, notes, hold) = *spec;
        let r = NewBedRequest {
            patient: p.id,
            facility,
            source: source.into(),
            source_module: "inpatient".into(),
            ward_kind: kind.map(String::from),
            specialty: specialty.into(),
            urgency: urgency.into(),
            isolation: isolation.into(),
            oxygen,
            notes: notes.into(),
            ..Default::default()
        };
        let id = request(conn, &meta, &r).await.map_err(|e| anyhow::anyhow!("inpatient demo bed request: {e}"))?;
        sqlx::query("UPDATE ip_bed_requests SET requested_at = now() - make_interval(mins => $2) WHERE id = $1")
            .bind(id)
            .bind(ago as i32)
            .execute(&mut *conn)
            .await?;
        if hold {
            if let Some(bed) = candidates_in(conn, id).await?.first() {
                assign(conn, &nurse_meta, &[facility], id, bed.bed_id, 4)
                    .await
                    .map_err(|e| anyhow::anyhow!("inpatient demo bed assignment: {e}"))?;
            }
        }
        n += 1;
    }
    Ok(n)
}

/// One stay: the chart's inpatient encounter (written here as the chart's own demo writes them),
/// the admission, and its occupancy; a past stay is discharged with a cleaning done after it.
#[expect(clippy::too_many_arguments, reason = "one demo stay needs its bed, patient, people and times")]
async fn stay(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    bed: &Bed,
    p: &DemoPatient,
    doctor: Option<Uuid>,
    nurse: Option<Uuid>,
    start: OffsetDateTime,
    end: Option<OffsetDateTime>,
    i: usize,
) -> anyhow::Result<()> {
    let (diagnosis, icd) = match bed.ward_kind {
        "maternity" => ("Spontaneous labour at term", "O80"),
        "paediatric" => ("Bronchiolitis", "J21.9"),
        _ => DIAGNOSES[rng.gen_range(0..DIAGNOSES.len())],
    };
    let isolation = if bed.ward_kind == "isolation" { ["airborne", "contact", "droplet"][i % 3] } else { "none" };
    let source = ["ed", "ed", "ed", "clinic", "surgery", "direct"][rng.gen_range(0..6)];
    let encounter = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO encounters (id, patient_id, kind, status, clinician_id, reason, starts_at, ended_at, created_by)
         VALUES ($1, $2, 'inpatient', $3, $4, $5, $6, $7, $4)",
    )
    .bind(encounter)
    .bind(p.id)
    .bind(if end.is_some() { "finished" } else { "in_progress" })
    .bind(doctor)
    .bind(diagnosis)
    .bind(start)
    .bind(end)
    .execute(&mut *conn)
    .await?;
    let admission = Uuid::new_v4();
    let los =
        ((end.unwrap_or(start + Duration::days(4)) - start).whole_days() as i32 + rng.gen_range(0..3)).clamp(1, 30);
    sqlx::query(
        "INSERT INTO inpatient_admissions (id, patient_id, facility_id, encounter_id, status, source, admitting_clinician_id,
                diagnosis, icd_code, isolation, expected_los_days, admitted_at, admitting_ward_id, ward_id, bed_id, discharged_at,
                disposition, discharge_note, admitted_by, discharged_by)
         SELECT $1, $2, w.facility_id, $3, $4, $5, $6, $7, (SELECT code FROM icd10_codes WHERE code = $8), $9, $10, $11,
                b.ward_id, b.ward_id, b.id, $12, $13, $14, $15, CASE WHEN $12::timestamptz IS NOT NULL THEN $15 END
         FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id WHERE b.id = $16",
    )
    .bind(admission)
    .bind(p.id)
    .bind(encounter)
    .bind(if end.is_some() { "discharged" } else { "admitted" })
    .bind(source)
    .bind(doctor)
    .bind(diagnosis)
    .bind(icd)
    .bind(isolation)
    .bind(los)
    .bind(start)
    .bind(end)
    .bind(end.map(|_| "home"))
    .bind(if end.is_some() { "Recovered; follow-up with the GP in two weeks." } else { "" })
    .bind(nurse)
    .bind(bed.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period, released_at, created_by)
         VALUES ($1, $2, 'occupancy', $3, $4, tstzrange($5, $6), $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(bed.id)
    .bind(p.id)
    .bind(admission)
    .bind(start)
    .bind(end)
    .bind(nurse)
    .execute(&mut *conn)
    .await?;
    match end {
        None => {
            sqlx::query("UPDATE inpatient_beds SET status = 'occupied', status_changed_at = $2 WHERE id = $1")
                .bind(bed.id)
                .bind(start)
                .execute(&mut *conn)
                .await?;
        }
        Some(end) => {
            let done = end + Duration::minutes(rng.gen_range(25..150));
            sqlx::query(
                "INSERT INTO inpatient_cleaning_tasks (id, bed_id, kind, status, created_at, done_at, done_by)
                 VALUES ($1, $2, $3, 'done', $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(bed.id)
            .bind(if isolation != "none" { "terminal" } else { "routine" })
            .bind(end)
            .bind(done)
            .bind(nurse)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The latest vital-signs round of an inpatient, through the chart's own validation and insert
/// (its NEWS2 and alerts); `sick` gives a deteriorating set (a high NEWS2).
async fn rounds(
    conn: &mut PgConnection,
    ctx: &DemoContext,
    meta: &AuditMeta,
    p: &DemoPatient,
    admitted: OffsetDateTime,
    sick: bool,
) -> anyhow::Result<()> {
    let at = (OffsetDateTime::now_utc() - Duration::minutes(if sick { 50 } else { 200 })).max(admitted);
    let fmt = at.format(&time::format_description::well_known::Rfc3339)?;
    let input = if sick {
        hearth_ehr::vitals::VitalsInput {
            taken_at: Some(fmt),
            temperature_c: Some(38.6),
            pulse: Some(124.0),
            resp_rate: Some(26.0),
            bp_systolic: Some(98.0),
            bp_diastolic: Some(60.0),
            spo2: Some(91.0),
            on_oxygen: Some(true),
            consciousness: Some("A".into()),
            ..Default::default()
        }
    } else {
        hearth_ehr::vitals::VitalsInput {
            taken_at: Some(fmt),
            temperature_c: Some(36.8),
            pulse: Some(78.0),
            resp_rate: Some(16.0),
            bp_systolic: Some(128.0),
            bp_diastolic: Some(76.0),
            spo2: Some(97.0),
            on_oxygen: Some(false),
            consciousness: Some("A".into()),
            ..Default::default()
        }
    };
    let valid = input
        .validate(FieldErrors::default(), Some(p.birth), &Zone::utc(), None)
        .map_err(|e| anyhow::anyhow!("demo vitals: {}", e.summary()))?;
    let rec = hearth_ehr::vitals::repo::insert(conn, ctx.registry, meta, p.id, Some(p.birth), &valid)
        .await
        .map_err(|e| anyhow::anyhow!("demo vitals: {e}"))?;
    // The alert on a deteriorating round was answered by the ward team at the time (the ward view
    // still shows the high NEWS2); the demo's open alerts are the alerts module's own.
    if rec.alert.is_some() {
        hearth_alerts::cancel(conn, meta, "ehr", rec.id, "Reviewed by the ward doctor on the round.")
            .await
            .map_err(|e| anyhow::anyhow!("demo vitals alert: {e}"))?;
    }
    Ok(())
}
