//! Realistic demo charts for the demo patients: encounters with departments and the demo
//! doctor, ICD-10-CM coded problems, allergies (some "no known allergies"), vital signs over
//! time, signed notes and home medications. Deterministic (seeded) and batched: one INSERT
//! per table.

use hearth_core::registry::DemoContext;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::PgConnection;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::notes::AAD_BODY;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::crypto::KeyRing;

pub use hearth_core::registry::DemoPatient;

/// The chart's demo data ([`MODULE`](crate::MODULE)`.demo`): a coherent history for each demo patient.
pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let facility = ctx.facilities.first().copied().ok_or_else(|| anyhow::anyhow!("the demo has no facility"))?;
    seed_charts(conn, &ctx.keys, &ctx.meta, &ctx.patients, facility).await?;
    crate::start::demo(conn, ctx).await?;
    Ok(())
}

/// (code, description, min age, chronic, medication: (name, dose, route, frequency))
type Condition =
    (&'static str, &'static str, i32, bool, Option<(&'static str, &'static str, &'static str, &'static str)>);

const CONDITIONS: &[Condition] = &[
    (
        "E11.9",
        "Type 2 diabetes mellitus without complications",
        30,
        true,
        Some(("Metformin", "500 mg", "oral", "twice daily")),
    ),
    ("I10", "Essential (primary) hypertension", 30, true, Some(("Amlodipine", "5 mg", "oral", "once daily"))),
    (
        "J45.909",
        "Unspecified asthma, uncomplicated",
        3,
        true,
        Some(("Salbutamol inhaler", "100 micrograms, 2 puffs", "inhaled", "as needed")),
    ),
    ("E78.5", "Hyperlipidemia, unspecified", 35, true, Some(("Atorvastatin", "20 mg", "oral", "at night"))),
    (
        "K21.9",
        "Gastro-esophageal reflux disease without esophagitis",
        18,
        true,
        Some(("Omeprazole", "20 mg", "oral", "once daily")),
    ),
    (
        "E03.9",
        "Hypothyroidism, unspecified",
        20,
        true,
        Some(("Levothyroxine", "75 micrograms", "oral", "once daily before breakfast")),
    ),
    ("I48.91", "Unspecified atrial fibrillation", 55, true, Some(("Apixaban", "5 mg", "oral", "twice daily"))),
    (
        "J44.9",
        "Chronic obstructive pulmonary disease, unspecified",
        45,
        true,
        Some(("Tiotropium inhaler", "18 micrograms", "inhaled", "once daily")),
    ),
    ("F41.1", "Generalized anxiety disorder", 16, true, Some(("Sertraline", "50 mg", "oral", "once daily"))),
    (
        "M17.11",
        "Unilateral primary osteoarthritis, right knee",
        50,
        true,
        Some(("Paracetamol", "1 g", "oral", "up to four times daily")),
    ),
    ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus", 12, true, None),
    ("M54.50", "Low back pain, unspecified", 18, false, None),
    ("E66.9", "Obesity, unspecified", 18, true, None),
    (
        "L20.9",
        "Atopic dermatitis, unspecified",
        0,
        true,
        Some(("Emollient cream", "apply thinly", "topical", "twice daily")),
    ),
    ("J06.9", "Acute upper respiratory infection, unspecified", 0, false, None),
    ("N39.0", "Urinary tract infection, site not specified", 5, false, None),
    ("H66.90", "Otitis media, unspecified, unspecified ear", 0, false, None),
    ("J02.9", "Acute pharyngitis, unspecified", 2, false, None),
];

/// (code, substance, category, reaction, severity)
const ALLERGIES: &[(&str, &str, &str, &str, &str)] = &[
    ("penicillin", "Penicillins", "drug", "Urticaria", "moderate"),
    ("penicillin", "Penicillins", "drug", "Anaphylaxis", "life_threatening"),
    ("sulfonamide", "Sulfonamide antibiotics", "drug", "Rash", "mild"),
    ("nsaid", "NSAIDs (ibuprofen, naproxen, diclofenac)", "drug", "Bronchospasm", "severe"),
    ("codeine", "Codeine", "drug", "Nausea and vomiting", "mild"),
    ("peanut", "Peanut", "food", "Angioedema", "severe"),
    ("shellfish", "Shellfish", "food", "Hives", "moderate"),
    ("latex", "Latex", "environment", "Contact dermatitis", "mild"),
    ("bee_venom", "Bee venom", "environment", "Anaphylaxis", "life_threatening"),
    ("iodinated_contrast", "Iodinated contrast media", "drug", "Flushing and hives", "moderate"),
];

const REASONS: &[(&str, &str)] = &[
    ("MED", "Annual review"),
    ("MED", "Follow-up of chronic conditions"),
    ("MED", "Medication review"),
    ("CARD", "Palpitations"),
    ("CARD", "Blood pressure review"),
    ("SURG", "Pre-operative assessment"),
    ("ED", "Fever and cough"),
    ("ED", "Fall at home"),
];

/// Column arrays, one tuple per table, each bound to one `INSERT ... SELECT FROM unnest(...)`.
#[allow(clippy::type_complexity)]
#[derive(Default)]
struct Batches {
    enc: (
        Vec<Uuid>,
        Vec<Uuid>,
        Vec<String>,
        Vec<String>,
        Vec<Option<Uuid>>,
        Vec<String>,
        Vec<OffsetDateTime>,
        Vec<Option<OffsetDateTime>>,
    ),
    prob: (
        Vec<Uuid>,
        Vec<Uuid>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<Option<Date>>,
        Vec<Option<Date>>,
        Vec<OffsetDateTime>,
    ),
    allergy:
        (Vec<Uuid>, Vec<Uuid>, Vec<String>, Vec<String>, Vec<String>, Vec<String>, Vec<String>, Vec<OffsetDateTime>),
    nka: Vec<Uuid>,
    vit: VitalsBatch,
    note: (Vec<Uuid>, Vec<Uuid>, Vec<Uuid>, Vec<String>, Vec<Vec<u8>>, Vec<OffsetDateTime>),
    med: (
        Vec<Uuid>,
        Vec<Uuid>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<Option<Date>>,
        Vec<OffsetDateTime>,
    ),
}

#[derive(Default)]
struct VitalsBatch {
    id: Vec<Uuid>,
    patient: Vec<Uuid>,
    at: Vec<OffsetDateTime>,
    temp: Vec<f64>,
    pulse: Vec<i32>,
    resp: Vec<i32>,
    sys: Vec<i32>,
    dia: Vec<i32>,
    spo2: Vec<i32>,
    weight: Vec<f64>,
    height: Vec<f64>,
    pain: Vec<i16>,
}

fn age_on(birth: Date, on: Date) -> i32 {
    let mut y = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        y -= 1;
    }
    y
}

/// Seeds the charts in the caller's transaction.
pub async fn seed_charts(
    conn: &mut PgConnection,
    keys: &KeyRing,
    meta: &AuditMeta,
    patients: &[DemoPatient],
    facility: Uuid,
) -> anyhow::Result<usize> {
    let doctor: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = 'doctor@demo.hearth'")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(doctor) = doctor else { return Ok(0) };
    let nurse: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'nurse@demo.hearth'")
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(doctor);
    let depts: Vec<(String, Uuid)> = sqlx::query_as("SELECT code, id FROM departments WHERE facility_id = $1")
        .bind(facility)
        .fetch_all(&mut *conn)
        .await?;
    let dept = |code: &str| depts.iter().find(|(c, _)| c == code).map(|(_, id)| *id);
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let today = now.date();
    let mut rng = StdRng::seed_from_u64(20_260_601);
    let mut b = Batches::default();

    for p in patients {
        let age = age_on(p.birth, today);
        // Nothing before birth.
        let lived = (today - p.birth).whole_days().clamp(2, 720) as i32;
        // Encounters: finished visits over the last two years, sometimes one planned.
        let visits = rng.gen_range(1..=4);
        let mut visit_times = Vec::new();
        for v in 0..visits {
            let days_ago = rng.gen_range(1..lived) - v * 3;
            let at = now - Duration::days(days_ago.max(1) as i64) - Duration::minutes(rng.gen_range(0..480));
            let at = at.replace_hour(rng.gen_range(8..17)).unwrap_or(at);
            let (dcode, reason) =
                if age < 16 { ("PED", "Child health review") } else { REASONS[rng.gen_range(0..REASONS.len())] };
            let kind = if dcode == "ED" { "emergency" } else { "outpatient" };
            b.enc.0.push(Uuid::new_v4());
            b.enc.1.push(p.id);
            b.enc.2.push(kind.into());
            b.enc.3.push("finished".into());
            b.enc.4.push(dept(dcode));
            b.enc.5.push(reason.into());
            b.enc.6.push(at);
            b.enc.7.push(Some(at + Duration::minutes(rng.gen_range(15..90))));
            visit_times.push((*b.enc.0.last().unwrap_or(&Uuid::nil()), at, reason));
        }
        if rng.gen_bool(0.2) {
            let at = now + Duration::days(rng.gen_range(2..40));
            let at = at.replace_hour(rng.gen_range(8..17)).unwrap_or(at);
            b.enc.0.push(Uuid::new_v4());
            b.enc.1.push(p.id);
            b.enc.2.push("outpatient".into());
            b.enc.3.push("planned".into());
            b.enc.4.push(dept(if age < 16 { "PED" } else { "MED" }));
            b.enc.5.push("Follow-up".into());
            b.enc.6.push(at);
            b.enc.7.push(None);
        }
        visit_times.sort_by_key(|(_, t, _)| *t);

        // Problems suited to the age; chronic ones stay active, acute ones are resolved.
        let eligible: Vec<&Condition> = CONDITIONS.iter().filter(|c| age >= c.2).collect();
        let n = if age < 16 { rng.gen_range(0..=1) } else { rng.gen_range(0..=3) };
        let mut chosen: Vec<&Condition> = Vec::new();
        for _ in 0..n {
            let c = eligible[rng.gen_range(0..eligible.len())];
            if !chosen.iter().any(|x| x.0 == c.0) {
                chosen.push(c);
            }
        }
        for c in &chosen {
            let max_back = ((today - p.birth).whole_days() - 1).clamp(1, 3650);
            let onset = today - Duration::days(rng.gen_range(1..=max_back));
            let onset = onset.max(p.birth);
            b.prob.0.push(Uuid::new_v4());
            b.prob.1.push(p.id);
            b.prob.2.push(c.0.into());
            b.prob.3.push(c.1.into());
            b.prob.4.push(if c.3 { "active" } else { "resolved" }.into());
            b.prob.5.push(Some(onset));
            b.prob.6.push(if c.3 { None } else { Some((onset + Duration::days(rng.gen_range(5..21))).min(today)) });
            b.prob.7.push(visit_times.first().map(|v| v.1).unwrap_or(now));
            if let (true, Some((name, dose, route, freq))) = (c.3, c.4) {
                b.med.0.push(Uuid::new_v4());
                b.med.1.push(p.id);
                b.med.2.push(name.into());
                b.med.3.push(dose.into());
                b.med.4.push(route.into());
                b.med.5.push(freq.into());
                b.med.6.push(Some(onset));
                b.med.7.push(visit_times.first().map(|v| v.1).unwrap_or(now));
            }
        }

        // Allergies: some recorded, some "no known allergies", the rest not recorded yet.
        let roll: f64 = rng.gen();
        if roll < 0.3 {
            let count = rng.gen_range(1..=2);
            let mut used = Vec::new();
            for _ in 0..count {
                let a = ALLERGIES[rng.gen_range(0..ALLERGIES.len())];
                if used.contains(&a.0) {
                    continue;
                }
                used.push(a.0);
                b.allergy.0.push(Uuid::new_v4());
                b.allergy.1.push(p.id);
                b.allergy.2.push(a.1.into());
                b.allergy.3.push(a.0.into());
                b.allergy.4.push(a.2.into());
                b.allergy.5.push(a.3.into());
                b.allergy.6.push(a.4.into());
                b.allergy.7.push(visit_times.first().map(|v| v.1).unwrap_or(now));
            }
        } else if roll < 0.7 {
            b.nka.push(p.id);
        }

        // Vital signs at each visit, around a per-patient baseline.
        let hypertensive = chosen.iter().any(|c| c.0 == "I10");
        let height = if age >= 18 {
            if p.female {
                rng.gen_range(152.0..178.0)
            } else {
                rng.gen_range(163.0..192.0)
            }
        } else {
            (75.0 + 6.2 * age as f64).min(175.0) + rng.gen_range(-4.0..4.0)
        };
        let bmi_base: f64 = if age >= 18 { rng.gen_range(19.5..33.0) } else { rng.gen_range(14.5..21.0) };
        let weight_base = bmi_base * (height / 100.0) * (height / 100.0);
        let sys_base = if hypertensive { rng.gen_range(142..165) } else { rng.gen_range(108..135) };
        let pulse_base = if age < 12 { rng.gen_range(85..115) } else { rng.gen_range(60..88) };
        let extra: Vec<OffsetDateTime> = (0..rng.gen_range(1..=4))
            .map(|i| now - Duration::days((i * rng.gen_range(20..60) + 1).min(lived as i64 - 1)))
            .collect();
        let times: Vec<OffsetDateTime> = visit_times.iter().map(|v| v.1 + Duration::minutes(5)).chain(extra).collect();
        for (i, at) in times.iter().enumerate() {
            let febrile = rng.gen_bool(0.12);
            let sys = (sys_base + rng.gen_range(-10..10) - if hypertensive { i as i32 * 2 } else { 0 }).clamp(85, 220);
            b.vit.id.push(Uuid::new_v4());
            b.vit.patient.push(p.id);
            b.vit.at.push(*at);
            b.vit.temp.push(
                ((if febrile { rng.gen_range(37.9..39.4) } else { rng.gen_range(36.3..37.3) }) * 10.0_f64).round()
                    / 10.0,
            );
            b.vit.pulse.push((pulse_base + rng.gen_range(-8..12) + if febrile { 15 } else { 0 }).clamp(40, 180));
            b.vit.resp.push(if age < 12 { rng.gen_range(18..28) } else { rng.gen_range(12..20) });
            b.vit.sys.push(sys);
            b.vit.dia.push((sys - rng.gen_range(35..55)).clamp(40, sys - 10));
            b.vit.spo2.push(rng.gen_range(94..=99));
            b.vit.weight.push(((weight_base + rng.gen_range(-1.5..1.5)) * 10.0).round() / 10.0);
            b.vit.height.push((height * 10.0_f64).round() / 10.0);
            b.vit.pain.push(rng.gen_range(0..=3));
        }

        // A signed SOAP note for up to two visits.
        for (enc, at, reason) in visit_times.iter().rev().take(rng.gen_range(0..=2)) {
            let problems: Vec<String> = chosen.iter().map(|c| format!("{} {}", c.0, c.1)).collect();
            let body = format!(
                "Subjective:\n{reason}. Feels generally well; no new complaints.\n\nObjective:\nAlert and oriented. Chest clear, heart sounds normal. Vital signs as charted.\n\nAssessment:\n{}\n\nPlan:\nContinue current medication. Review in three months or sooner if symptoms change.\n",
                if problems.is_empty() { "No active problems.".to_string() } else { problems.join("; ") }
            );
            b.note.0.push(Uuid::new_v4());
            b.note.1.push(p.id);
            b.note.2.push(*enc);
            b.note.3.push(format!("SOAP note: {reason}"));
            b.note.4.push(keys.encrypt(&body, AAD_BODY));
            b.note.5.push(*at + Duration::minutes(40));
        }
    }

    sqlx::query(
        "INSERT INTO encounters (id, patient_id, kind, status, department_id, clinician_id, reason, starts_at, ended_at, created_by)
         SELECT id, p, k, s, d, $9, r, st, en, $9
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[], $8::timestamptz[])
              AS t(id, p, k, s, d, r, st, en)",
    )
    .bind(&b.enc.0)
    .bind(&b.enc.1)
    .bind(&b.enc.2)
    .bind(&b.enc.3)
    .bind(&b.enc.4)
    .bind(&b.enc.5)
    .bind(&b.enc.6)
    .bind(&b.enc.7)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO problems (id, patient_id, icd_code, description, status, onset_date, resolved_date, created_at, recorded_by)
         SELECT id, p, c, d, s, o, r, at, $9
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[], $8::timestamptz[])
              AS t(id, p, c, d, s, o, r, at)",
    )
    .bind(&b.prob.0)
    .bind(&b.prob.1)
    .bind(&b.prob.2)
    .bind(&b.prob.3)
    .bind(&b.prob.4)
    .bind(&b.prob.5)
    .bind(&b.prob.6)
    .bind(&b.prob.7)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    // Each patient's first active problem is the primary diagnosis of their latest encounter;
    // about one in ten active problems is still provisional.
    sqlx::query(
        "UPDATE problems pr SET encounter_id = x.enc, diagnosis_rank = 'primary'
         FROM (SELECT DISTINCT ON (p.patient_id) p.id,
                      (SELECT e.id FROM encounters e WHERE e.patient_id = p.patient_id
                       ORDER BY e.starts_at DESC LIMIT 1) AS enc
               FROM problems p WHERE p.patient_id = ANY($1) AND p.status = 'active'
               ORDER BY p.patient_id, p.created_at, p.id) x
         WHERE pr.id = x.id AND x.enc IS NOT NULL",
    )
    .bind(&b.prob.1)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE problems SET certainty = 'provisional'
         WHERE patient_id = ANY($1) AND status = 'active' AND get_byte(decode(md5(id::text), 'hex'), 0) < 26",
    )
    .bind(&b.prob.1)
    .execute(&mut *conn)
    .await?;
    // About one patient in six brought a problem from a previous system coded in SNOMED CT
    // only (shown "not ICD-coded", with ICD-10-CM suggestions).
    sqlx::query(
        "INSERT INTO problems (id, patient_id, code_system, code, description, status, onset_date, created_at, recorded_by, comment)
         SELECT gen_random_uuid(), p.pid, 'http://snomed.info/sct', s.code, s.display, 'active',
                (now() - make_interval(years => 2 + get_byte(decode(md5(p.pid::text), 'hex'), 1) % 10))::date, now(), $2,
                'Imported from the previous record system'
         FROM (SELECT DISTINCT pid FROM unnest($1::uuid[]) AS u(pid)) p
         CROSS JOIN LATERAL (SELECT * FROM (VALUES ('49436004', 'Atrial fibrillation'), ('69896004', 'Rheumatoid arthritis'),
                                                   ('195967001', 'Asthma')) AS v(code, display)
                             ORDER BY md5(p.pid::text || v.code) LIMIT 1) s
         WHERE get_byte(decode(md5(p.pid::text), 'hex'), 0) < 43",
    )
    .bind(&b.prob.1)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    // A past procedure or two from the previous record system (the procedure history).
    sqlx::query(
        "INSERT INTO procedures (id, patient_id, code_system, code, display, performed_start, source_author, recorded_at,
                                 recorded_by, note)
         SELECT gen_random_uuid(), p.pid, s.sys, s.code, s.display,
                now() - make_interval(years => 3 + get_byte(decode(md5(p.pid::text), 'hex'), 2) % 20),
                'Dr. R. Okoye (previous record system)',
                now() - make_interval(years => 2 + get_byte(decode(md5(p.pid::text), 'hex'), 2) % 20), $2, ''
         FROM (SELECT DISTINCT pid FROM unnest($1::uuid[]) AS u(pid)) p
         CROSS JOIN LATERAL (SELECT * FROM (VALUES ('http://snomed.info/sct', '80146002', 'Appendectomy'),
                                                   ('http://www.ama-assn.org/go/cpt', '47562', 'Laparoscopic cholecystectomy'),
                                                   (NULL, NULL, 'Tonsillectomy in childhood')) AS v(sys, code, display)
                             ORDER BY md5(p.pid::text || v.display) LIMIT 1 + get_byte(decode(md5(p.pid::text), 'hex'), 3) % 2) s
         WHERE get_byte(decode(md5(p.pid::text), 'hex'), 2) < 80",
    )
    .bind(&b.prob.1)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO allergies (id, patient_id, substance, substance_code, category, reaction, severity, status, created_at, recorded_by,
                                criticality, reaction_severity, reactions, recorded_at)
         SELECT id, p, s, c, cat, r, sev, 'active', at, $9,
                CASE WHEN sev IN ('mild', 'moderate') THEN 'low' ELSE 'high' END,
                CASE WHEN sev = 'life_threatening' THEN 'severe' ELSE sev END,
                CASE WHEN r <> '' THEN jsonb_build_array(jsonb_build_object('manifestation', r,
                    'severity', CASE WHEN sev = 'life_threatening' THEN 'severe' ELSE sev END)) ELSE '[]' END, at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
              AS t(id, p, s, c, cat, r, sev, at)",
    )
    .bind(&b.allergy.0)
    .bind(&b.allergy.1)
    .bind(&b.allergy.2)
    .bind(&b.allergy.3)
    .bind(&b.allergy.4)
    .bind(&b.allergy.5)
    .bind(&b.allergy.6)
    .bind(&b.allergy.7)
    .bind(nurse)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO allergy_nka (patient_id, recorded_by) SELECT unnest($1::uuid[]), $2")
        .bind(&b.nka)
        .bind(nurse)
        .execute(&mut *conn)
        .await?;
    let v = &b.vit;
    sqlx::query(
        "INSERT INTO vitals (id, patient_id, taken_at, temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2,
                             weight_kg, height_cm, pain, recorded_by, created_at, on_oxygen, consciousness)
         SELECT *, $13, t.at, false, 'A' FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::float8[], $5::int[], $6::int[],
                $7::int[], $8::int[], $9::int[], $10::float8[], $11::float8[], $12::int2[]) AS t(id, p, at, te, pu, re, sy, di, sp, we, he, pa)",
    )
    .bind(&v.id)
    .bind(&v.patient)
    .bind(&v.at)
    .bind(&v.temp)
    .bind(&v.pulse)
    .bind(&v.resp)
    .bind(&v.sys)
    .bind(&v.dia)
    .bind(&v.spo2)
    .bind(&v.weight)
    .bind(&v.height)
    .bind(&v.pain)
    .bind(nurse)
    .execute(&mut *conn)
    .await?;
    // Their flags and NEWS2 for each patient's age when measured (the febrile visits show).
    crate::vitals::assess_unflagged(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO notes (id, patient_id, encounter_id, template, title, body_enc, status, author_id, signed_by, signed_at, created_at)
         SELECT id, p, e, 'soap', ti, bo, 'signed', $7, $7, at + interval '10 minutes', at
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bytea[], $6::timestamptz[]) AS t(id, p, e, ti, bo, at)",
    )
    .bind(&b.note.0)
    .bind(&b.note.1)
    .bind(&b.note.2)
    .bind(&b.note.3)
    .bind(&b.note.4)
    .bind(&b.note.5)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO home_medications (id, patient_id, name, dose, route, frequency, start_date, status, created_at, recorded_by)
         SELECT id, p, n, d, r, f, s, 'active', at, $9
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::timestamptz[])
              AS t(id, p, n, d, r, f, s, at)",
    )
    .bind(&b.med.0)
    .bind(&b.med.1)
    .bind(&b.med.2)
    .bind(&b.med.3)
    .bind(&b.med.4)
    .bind(&b.med.5)
    .bind(&b.med.6)
    .bind(&b.med.7)
    .bind(doctor)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("chart.demo_seed", "demo", "charts").changes(json!({
            "patients": patients.len(), "encounters": b.enc.0.len(), "problems": b.prob.0.len(),
            "allergies": b.allergy.0.len(), "no_known_allergies": b.nka.len(), "vitals": v.id.len(),
            "notes": b.note.0.len(), "home_medications": b.med.0.len(),
        })),
    )
    .await?;
    Ok(patients.len())
}
