//! Demo data: a busy emergency department in the main hospital — its bays, and patients at every
//! stage and ESI level (waiting for triage, waiting for a clinician, in treatment, boarding,
//! left earlier today), a few of them past their targets so that the timers raise alerts.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{ArrivalForm, AssignForm, DispositionForm, TriageForm, ValidBay};
use crate::repo;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::DemoContext;

const BAYS: &[(&str, &str, &str, i32)] = &[
    ("R1", "Resus 1", "resus", 1),
    ("R2", "Resus 2", "resus", 1),
    ("M1", "Majors 1", "majors", 1),
    ("M2", "Majors 2", "majors", 1),
    ("M3", "Majors 3", "majors", 1),
    ("M4", "Majors 4", "majors", 1),
    ("M5", "Majors 5", "majors", 1),
    ("M6", "Majors 6", "majors", 1),
    ("MIN1", "Minors 1", "minors", 1),
    ("MIN2", "Minors 2", "minors", 1),
    ("MIN3", "Minors 3", "minors", 1),
    ("P1", "Paediatric 1", "paediatric", 1),
    ("P2", "Paediatric 2", "paediatric", 1),
    ("ISO1", "Isolation 1", "isolation", 1),
    ("COR", "Corridor", "corridor", 6),
    ("WR", "Waiting room", "waiting", 40),
];

/// One demo patient's story: complaint, mode, triage answers, where they are, for how long.
struct Story {
    complaint: &'static str,
    mode: &'static str,
    /// None: waiting for triage.
    triage: Option<TriageForm>,
    bay: Option<&'static str>,
    clinician: bool,
    disposition: Option<(&'static str, &'static str)>,
    /// Minutes since arrival, and since the current step began.
    arrived_min: i64,
    step_min: i64,
    medico_legal: bool,
}

fn t(avpu: &str, pulse: &str, rr: &str, spo2: &str, temp: &str, resources: &[&str]) -> TriageForm {
    TriageForm {
        avpu: avpu.into(),
        pulse: pulse.into(),
        resp_rate: rr.into(),
        spo2: spo2.into(),
        temperature_c: temp.into(),
        bp_systolic: "128".into(),
        bp_diastolic: "78".into(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        pregnancy: "not_applicable".into(),
        weight_kg: "72".into(),
        confirm_extreme: true,
        ..Default::default()
    }
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let Some(&facility) = ctx.facilities.first() else { return Ok(()) };
    let (Some(nurse), Some(doctor)) = (ctx.user("nurse@demo.hearth"), ctx.user("doctor@demo.hearth")) else {
        return Ok(());
    };
    let already: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ed_visits WHERE facility_id = $1)")
        .bind(facility)
        .fetch_one(&mut *conn)
        .await?;
    if already {
        return Ok(());
    }
    let meta = AuditMeta { actor_user_id: Some(nurse), actor_label: "nurse@demo.hearth".into(), ..ctx.meta.clone() };
    let doctor_meta =
        AuditMeta { actor_user_id: Some(doctor), actor_label: "doctor@demo.hearth".into(), ..ctx.meta.clone() };
    let err = |e: hearth_core::error::AppError| anyhow::anyhow!("emergency demo: {e}");
    let mut bay_ids = std::collections::HashMap::new();
    for (code, name, area, capacity) in BAYS {
        let b =
            ValidBay { code: code.to_string(), name: name.to_string(), area: area.to_string(), capacity: *capacity };
        let id = repo::insert_bay(conn, &meta, facility, &b).await.map_err(err)?;
        bay_ids.insert(*code, id);
    }
    let stories = vec![
        // Waiting for triage (one past the 15-minute target).
        Story {
            complaint: "Twisted ankle playing football",
            mode: "walk_in",
            triage: None,
            bay: Some("WR"),
            clinician: false,
            disposition: None,
            arrived_min: 6,
            step_min: 6,
            medico_legal: false,
        },
        Story {
            complaint: "Sore throat and fever for three days",
            mode: "walk_in",
            triage: None,
            bay: Some("WR"),
            clinician: false,
            disposition: None,
            arrived_min: 24,
            step_min: 24,
            medico_legal: false,
        },
        Story {
            complaint: "Headache since this morning",
            mode: "walk_in",
            triage: None,
            bay: None,
            clinician: false,
            disposition: None,
            arrived_min: 3,
            step_min: 3,
            medico_legal: false,
        },
        // Triaged, waiting for a clinician (the ESI 2 past its 10 minutes).
        Story {
            complaint: "Central chest pain radiating to the left arm",
            mode: "ambulance",
            triage: Some(TriageForm {
                high_risk: true,
                pain: "7".into(),
                ..t("A", "104", "22", "95", "36.9", &["labs", "ecg", "xray"])
            }),
            bay: Some("M1"),
            clinician: false,
            disposition: None,
            arrived_min: 31,
            step_min: 22,
            medico_legal: false,
        },
        Story {
            complaint: "Abdominal pain, vomiting",
            mode: "walk_in",
            triage: Some(t("A", "92", "18", "98", "37.8", &["labs", "imaging", "medication"])),
            bay: Some("COR"),
            clinician: false,
            disposition: None,
            arrived_min: 55,
            step_min: 41,
            medico_legal: false,
        },
        Story {
            complaint: "Laceration to the forearm",
            mode: "walk_in",
            triage: Some(t("A", "80", "16", "99", "36.6", &["simple_procedure"])),
            bay: Some("WR"),
            clinician: false,
            disposition: None,
            arrived_min: 48,
            step_min: 35,
            medico_legal: true,
        },
        Story {
            complaint: "Prescription request, stable rash",
            mode: "walk_in",
            triage: Some(t("A", "76", "14", "99", "36.7", &[])),
            bay: Some("WR"),
            clinician: false,
            disposition: None,
            arrived_min: 70,
            step_min: 62,
            medico_legal: false,
        },
        // In treatment.
        Story {
            complaint: "Unresponsive after a fall from height",
            mode: "ambulance",
            triage: Some(TriageForm {
                life_saving: true,
                ..t("U", "128", "28", "88", "36.1", &["labs", "imaging", "consult"])
            }),
            bay: Some("R1"),
            clinician: true,
            disposition: None,
            arrived_min: 40,
            step_min: 38,
            medico_legal: true,
        },
        Story {
            complaint: "Shortness of breath, known COPD",
            mode: "ambulance",
            triage: Some(TriageForm {
                accept_upgrade: true,
                ..t("A", "112", "26", "89", "37.9", &["labs", "xray", "medication"])
            }),
            bay: Some("M2"),
            clinician: true,
            disposition: None,
            arrived_min: 95,
            step_min: 70,
            medico_legal: false,
        },
        Story {
            complaint: "Fever with cough after travel",
            mode: "walk_in",
            triage: Some(TriageForm {
                fever_cough: true,
                recent_travel: true,
                ..t("A", "98", "20", "95", "38.9", &["labs", "xray"])
            }),
            bay: Some("ISO1"),
            clinician: true,
            disposition: None,
            arrived_min: 120,
            step_min: 80,
            medico_legal: false,
        },
        Story {
            complaint: "Wrist injury after a fall",
            mode: "walk_in",
            triage: Some(t("A", "84", "16", "99", "36.8", &["xray"])),
            bay: Some("MIN1"),
            clinician: true,
            disposition: None,
            arrived_min: 150,
            step_min: 45,
            medico_legal: false,
        },
        // Boarding: admitted, still in the department (one beyond four hours).
        Story {
            complaint: "Pneumonia, confused",
            mode: "ambulance",
            triage: Some(TriageForm {
                confused: true,
                ..t("V", "108", "24", "91", "38.6", &["labs", "xray", "iv_fluids"])
            }),
            bay: Some("M3"),
            clinician: true,
            disposition: Some(("admit", "")),
            arrived_min: 290,
            step_min: 110,
            medico_legal: false,
        },
        Story {
            complaint: "Gastrointestinal bleed",
            mode: "ambulance",
            triage: Some(TriageForm {
                high_risk: true,
                ..t("A", "102", "20", "96", "36.8", &["labs", "iv_fluids", "consult"])
            }),
            bay: Some("M4"),
            clinician: true,
            disposition: Some(("admit", "")),
            arrived_min: 200,
            step_min: 60,
            medico_legal: false,
        },
        // Left earlier today.
        Story {
            complaint: "Minor burn to the hand",
            mode: "walk_in",
            triage: Some(t("A", "78", "14", "99", "36.6", &[])),
            bay: Some("MIN2"),
            clinician: true,
            disposition: Some((
                "discharge",
                "Keep the dressing dry for 48 hours. Paracetamol for pain. Return if redness spreads, fever, or pus.",
            )),
            arrived_min: 400,
            step_min: 300,
            medico_legal: false,
        },
        Story {
            complaint: "Back pain",
            mode: "walk_in",
            triage: Some(t("A", "82", "16", "98", "36.7", &["medication"])),
            bay: Some("WR"),
            clinician: false,
            disposition: Some(("lwbs", "")),
            arrived_min: 380,
            step_min: 260,
            medico_legal: false,
        },
        Story {
            complaint: "Stroke symptoms, thrombectomy candidate",
            mode: "ambulance",
            triage: Some(TriageForm {
                high_risk: true,
                ..t("A", "90", "18", "97", "36.9", &["labs", "imaging", "consult"])
            }),
            bay: Some("R2"),
            clinician: true,
            disposition: Some(("transfer", "")),
            arrived_min: 330,
            step_min: 250,
            medico_legal: false,
        },
    ];
    let now = OffsetDateTime::now_utc();
    let departments: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, code FROM departments WHERE facility_id = $1 AND active")
            .bind(facility)
            .fetch_all(&mut *conn)
            .await?;
    let medicine = departments.iter().find(|(_, c)| c == "MED").or(departments.first()).map(|(i, _)| *i);
    // Adults for most; the patients' own birth dates drive the age bands.
    // Patients in a hospital bed now (inpatient care's demo) are not in the department too.
    let mut adults = Vec::new();
    for p in ctx.patients.iter().filter(|p| (now.date() - p.birth).whole_days() > 20 * 365).skip(40) {
        if !hearth_inpatient::bed_requests::admitted(conn, p.id).await? {
            adults.push(p);
        }
    }
    for (s, p) in stories.iter().zip(adults) {
        let arrival = ArrivalForm {
            patient_id: p.id.to_string(),
            chief_complaint: s.complaint.into(),
            arrival_mode: s.mode.into(),
            medico_legal: s.medico_legal,
            police_informed: s.medico_legal,
            ..Default::default()
        };
        let valid = arrival.validate(now.date()).map_err(|e| anyhow::anyhow!("emergency demo arrival: {:?}", e.0))?;
        let arrived = now - Duration::minutes(s.arrived_min);
        let (visit, patient) =
            repo::arrive(conn, &ctx.keys, &meta, facility, &valid, None, arrived).await.map_err(err)?;
        if let Some(tf) = &s.triage {
            let mut tf = tf.clone();
            if !p.female {
                tf.pregnancy = "not_applicable".into();
            }
            let v = tf.validate(Some(p.birth), now).map_err(|e| anyhow::anyhow!("emergency demo triage: {:?}", e.0))?;
            let triage = repo::triage(conn, ctx.registry, &meta, visit, Some(p.birth), &v).await.map_err(err)?;
            // The chart's alert on alarming triage vitals was dealt with at the bedside long ago.
            let vitals: Option<Uuid> = sqlx::query_scalar("SELECT vitals_id FROM ed_triages WHERE id = $1")
                .bind(triage)
                .fetch_one(&mut *conn)
                .await?;
            if let Some(vid) = vitals {
                hearth_alerts::cancel(conn, &meta, "ehr", vid, "Seen at triage in the emergency department.")
                    .await
                    .map_err(err)?;
            }
        }
        let assign = AssignForm {
            bay_id: s.bay.and_then(|b| bay_ids.get(b)).map(|b| b.to_string()).unwrap_or_default(),
            nurse_id: if s.triage.is_some() { nurse.to_string() } else { String::new() },
            clinician_id: if s.clinician { doctor.to_string() } else { String::new() },
        };
        let a = assign.validate().map_err(|e| anyhow::anyhow!("emergency demo assign: {:?}", e.0))?;
        repo::assign(conn, &meta, visit, &a).await.map_err(err)?;
        if let Some((d, note)) = s.disposition {
            let f = DispositionForm {
                disposition: d.into(),
                note: note.into(),
                admit_department_id: if d == "admit" {
                    medicine.map(|m| m.to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                transfer_to: if d == "transfer" { "Regional Neuroscience Centre".into() } else { String::new() },
                bed_ward_kind: if d == "admit" { "general".into() } else { String::new() },
                bed_isolation: String::new(),
            };
            let v = f.validate().map_err(|e| anyhow::anyhow!("emergency demo disposition: {:?}", e.0))?;
            repo::dispose(conn, ctx.registry, &doctor_meta, visit, &v).await.map_err(err)?;
        }
        // The clocks as they would be after the hours the story tells.
        let step = now - Duration::minutes(s.step_min);
        sqlx::query(
            "UPDATE ed_visits SET arrived_at = $2, step_since = greatest($3, $2),
                    triaged_at = CASE WHEN triaged_at IS NOT NULL THEN least($2 + interval '8 minutes', $3) END,
                    seen_at = CASE WHEN seen_at IS NOT NULL THEN greatest($3, $2 + interval '10 minutes') END,
                    disposition_at = CASE WHEN disposition_at IS NOT NULL THEN greatest($3, $2) END,
                    departed_at = CASE WHEN departed_at IS NOT NULL THEN greatest($3, $2) END
             WHERE id = $1",
        )
        .bind(visit)
        .bind(arrived)
        .bind(step)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE ed_triages SET triaged_at = least($2 + interval '8 minutes', $3) WHERE visit_id = $1")
            .bind(visit)
            .bind(arrived)
            .bind(step)
            .execute(&mut *conn)
            .await?;
        let _ = patient;
    }
    tracing::info!(visits = stories.len(), "seeded the demo emergency department");
    Ok(())
}
