//! The phase-1 modules' data the benchmark's hot operations need: at the benchmark hospital,
//! 12 wards of 26 beds (312) about 70 % occupied, an emergency department with 80 patients in
//! it, and eight clinicians' weekly clinics materialised into slots for eight weeks. Plain SQL
//! on the benchmark's own patients (no chart encounters: the board reads none); seeded once, on
//! a new database or a reused one that lacks it.

use sqlx::PgPool;
use uuid::Uuid;

/// Beds of the bed board (the issue asks for at least 300).
pub const WARDS: i32 = 12;
pub const BEDS_PER_WARD: i32 = 26;
/// Patients in the emergency department (the tracking board of 80 active patients).
pub const ED_PATIENTS: i64 = 80;
/// Clinicians with weekly clinics (every day, 08:00–16:00, 15-minute slots).
pub const CLINICIANS: i64 = 8;

pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let facility: Uuid = sqlx::query_scalar("SELECT id FROM facilities WHERE code = 'BEN'").fetch_one(pool).await?;
    let have: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inpatient_wards WHERE facility_id = $1)")
        .bind(facility)
        .fetch_one(pool)
        .await?;
    if have {
        return Ok(());
    }
    eprintln!("seeding wards, the emergency department and clinics...");
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO inpatient_wards (id, facility_id, code, name, kind, gender_policy, specialty)
         SELECT gen_random_uuid(), $1, 'W' || lpad(g::text, 2, '0'), 'Bench ward ' || g,
                CASE WHEN g = 1 THEN 'icu' ELSE 'general' END, 'mixed', 'General medicine'
         FROM generate_series(1, $2) g",
    )
    .bind(facility)
    .bind(WARDS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO inpatient_beds (id, ward_id, code, oxygen)
         SELECT gen_random_uuid(), w.id, 'B' || lpad(b::text, 2, '0'), true
         FROM inpatient_wards w CROSS JOIN generate_series(1, $2) b WHERE w.facility_id = $1",
    )
    .bind(facility)
    .bind(BEDS_PER_WARD)
    .execute(&mut *tx)
    .await?;
    // Seven beds in ten occupied by the first patients (by MRN).
    sqlx::query(
        "WITH beds AS (SELECT b.id AS bed, b.ward_id, row_number() OVER (ORDER BY w.code, b.code) AS n
                       FROM inpatient_beds b JOIN inpatient_wards w ON w.id = b.ward_id WHERE w.facility_id = $1),
              pats AS (SELECT id, row_number() OVER (ORDER BY mrn) AS n FROM patients WHERE mrn LIKE 'BEN-%'
                       ORDER BY mrn LIMIT 400),
              pick AS (SELECT beds.bed, beds.ward_id, pats.id AS patient, gen_random_uuid() AS adm,
                              now() - make_interval(hours => (beds.n * 7 % 300)::int) AS at
                       FROM beds JOIN pats ON pats.n = beds.n WHERE beds.n % 10 < 7),
              ins AS (INSERT INTO inpatient_admissions (id, patient_id, facility_id, status, source, diagnosis,
                             admitted_at, admitting_ward_id, ward_id, bed_id, expected_los_days)
                      SELECT adm, patient, $1, 'admitted', 'ed', 'Benchmark admission', at, ward_id, ward_id, bed, 5
                      FROM pick RETURNING id, bed_id, patient_id, admitted_at)
         INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period)
         SELECT gen_random_uuid(), bed_id, 'occupancy', patient_id, id, tstzrange(admitted_at, NULL) FROM ins",
    )
    .bind(facility)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE inpatient_beds SET status = 'occupied'
         WHERE id IN (SELECT bed_id FROM inpatient_bed_allocations WHERE kind = 'occupancy' AND upper_inf(period))",
    )
    .execute(&mut *tx)
    .await?;
    // The emergency department: 20 single bays, and 80 patients waiting, triaged or in a bay.
    sqlx::query(
        "INSERT INTO ed_bays (id, facility_id, code, name, area, capacity)
         SELECT gen_random_uuid(), $1, 'M' || lpad(g::text, 2, '0'), 'Majors ' || g, 'majors', 1 FROM generate_series(1, 20) g",
    )
    .bind(facility)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH p AS (SELECT id, row_number() OVER (ORDER BY mrn) AS n FROM patients WHERE mrn LIKE 'BEN-%'
                    ORDER BY mrn OFFSET 400 LIMIT $2),
              bays AS (SELECT id, row_number() OVER (ORDER BY code) AS n FROM ed_bays WHERE facility_id = $1)
         INSERT INTO ed_visits (id, patient_id, facility_id, arrived_at, arrival_mode, chief_complaint, status, esi,
                                triaged_at, step_since, bay_id, bay_single)
         SELECT gen_random_uuid(), p.id, $1, now() - make_interval(mins => (p.n * 4)::int),
                CASE WHEN p.n % 3 = 0 THEN 'ambulance' ELSE 'walk_in' END,
                (ARRAY['Chest pain', 'Shortness of breath', 'Abdominal pain', 'Fall', 'Headache', 'Fever'])[p.n % 6 + 1],
                CASE WHEN p.n % 4 = 0 THEN 'waiting' WHEN bays.id IS NOT NULL THEN 'in_treatment' ELSE 'triaged' END,
                CASE WHEN p.n % 4 = 0 THEN NULL ELSE (p.n % 5 + 1)::smallint END,
                CASE WHEN p.n % 4 = 0 THEN NULL ELSE now() - make_interval(mins => (p.n * 3)::int) END,
                now() - make_interval(mins => (p.n * 2)::int),
                bays.id, CASE WHEN bays.id IS NOT NULL THEN true END
         FROM p LEFT JOIN bays ON bays.n = p.n / 4 + 1 AND p.n % 4 = 1",
    )
    .bind(facility)
    .bind(ED_PATIENTS)
    .execute(&mut *tx)
    .await?;
    // Clinics: the first users are the clinicians, every day of the week.
    sqlx::query(
        "INSERT INTO appt_templates (id, clinician_id, facility_id, department_id, weekday, start_time, end_time,
                                     slot_minutes, capacity, visit_types, effective_from)
         SELECT gen_random_uuid(), u.id, $1, d.id, wd, '08:00', '16:00', 15, 1, ARRAY['new', 'follow_up'], current_date
         FROM (SELECT id FROM users WHERE email LIKE 'bench%@bench.hearth' ORDER BY email LIMIT $2) u
              CROSS JOIN generate_series(1, 7) wd
              CROSS JOIN (SELECT id FROM departments WHERE facility_id = $1 ORDER BY code LIMIT 1) d",
    )
    .bind(facility)
    .bind(CLINICIANS)
    .execute(&mut *tx)
    .await?;
    let sessions = hearth::modules::appointments::repo::materialise(&mut tx, None, None, 8, true).await?;
    tx.commit().await?;
    for t in ["inpatient_beds", "inpatient_bed_allocations", "inpatient_admissions", "ed_visits", "appt_slots"] {
        sqlx::query(&format!("ANALYZE {t}")).execute(pool).await?;
    }
    eprintln!("seeded {} beds, {ED_PATIENTS} ED patients, {sessions} clinic sessions", WARDS * BEDS_PER_WARD);
    Ok(())
}
