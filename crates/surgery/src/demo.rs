//! Demo data, built through the module's own functions (so the checklist, the stages, the
//! flags and the charges are as real): theatres and today's lists for both facilities, past
//! completed cases (so the surgeon's median duration exists), and today's cases at different
//! stages — ready, blocked by a side mismatch, in surgery, in recovery with an Aldrete score of 8,
//! an emergency recorded before its Time Out (non-compliant) and a cancelled one. The demo has one
//! doctor, so the seeder adds the theatre's anaesthetist (`anaesthetist@theatres.demo.hearth`,
//! the demo password; a doctor of the main hospital).

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{ValidCase, ValidCount, ValidSession, ValidTheatre, CHECKLIST};
use crate::repo::{self, StageChange};
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::DemoContext;

fn err(e: hearth_core::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("surgery demo: {e}")
}

struct Team {
    surgeon: (Uuid, AuditMeta),
    anaesthetist: (Uuid, AuditMeta),
    nurse: (Uuid, AuditMeta),
    facilities: Vec<Uuid>,
}

fn meta_of(ctx: &DemoContext, id: Uuid, label: &str) -> AuditMeta {
    AuditMeta { actor_user_id: Some(id), actor_label: label.into(), ..ctx.meta.clone() }
}

#[allow(clippy::too_many_arguments)]
async fn theatre(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facility: Uuid,
    code: &str,
    name: &str,
    specialty: &str,
    equipment: &str,
    emergency: bool,
) -> anyhow::Result<Uuid> {
    let v = ValidTheatre {
        facility_id: facility,
        code: code.into(),
        name: name.into(),
        specialty: specialty.into(),
        equipment: equipment.into(),
        emergency,
    };
    repo::create_theatre(conn, meta, &v).await.map_err(err)
}

/// Books a case and carries it to `upto` (a stage), the checklist confirmed before each gate.
#[allow(clippy::too_many_arguments)]
async fn case(
    conn: &mut PgConnection,
    t: &Team,
    patient: Uuid,
    theatre: Uuid,
    procedure: &str,
    side: &str,
    start: OffsetDateTime,
    minutes: i32,
    upto: &str,
) -> anyhow::Result<Uuid> {
    let v = ValidCase {
        theatre_id: theatre,
        session_id: None,
        procedure_code: procedure.into(),
        side: side.into(),
        site: String::new(),
        surgeon_id: t.surgeon.0,
        assistant_id: None,
        anaesthetist_id: t.anaesthetist.0,
        nurse_id: Some(t.nurse.0),
        anaesthesia: "general".into(),
        priority: "elective".into(),
        target_at: None,
        admission: "inpatient".into(),
        blood: "none".into(),
        blood_units: 0,
        blood_attested: false,
        planned_start: start,
        expected_minutes: Some(minutes),
    };
    let (id, _) = repo::book(conn, &t.surgeon.1, patient, &v, &t.facilities).await.map_err(err)?;
    if upto == "scheduled" {
        return Ok(id);
    }
    for (item, value) in [
        ("consent", side),
        ("assessment", "II"),
        ("fasting", "confirmed"),
        ("site_marked", side),
        ("allergies", "reviewed"),
        ("identity", "checked"),
    ] {
        let c = load(conn, t, id).await?;
        repo::record_readiness(conn, &t.nurse.1, &c, t.nurse.0, item, value).await.map_err(err)?;
    }
    let offsets = [
        ("in_room", 0),
        ("anaesthesia", 10),
        ("incision", 25),
        ("closure", minutes - 20),
        ("out_of_room", minutes),
        ("recovery", minutes + 5),
        ("discharged", minutes + 50),
    ];
    for (stage, off) in offsets {
        if let Some(phase) = crate::model::gate(stage) {
            for item in CHECKLIST.iter().filter(|i| i.phase == phase) {
                let c = load(conn, t, id).await?;
                let answer = if item.key == "so_counts" { "not_applicable" } else { item.answers[0] };
                let (who, meta) = if phase == "sign_in" { &t.anaesthetist } else { &t.nurse };
                repo::confirm(conn, meta, &c, *who, item.key, answer).await.map_err(err)?;
            }
        }
        if stage == "discharged" {
            let c = load(conn, t, id).await?;
            repo::record_aldrete(conn, &t.nurse.1, &c, t.nurse.0, [2, 2, 2, 2, 2]).await.map_err(err)?;
        }
        let c = load(conn, t, id).await?;
        let ch =
            StageChange { stage, at: start + Duration::minutes(off.into()), emergency_reason: "", override_reason: "" };
        repo::set_stage(conn, &t.nurse.1, &c, t.nurse.0, &ch).await.map_err(err)?;
        if stage == upto {
            break;
        }
    }
    Ok(id)
}

async fn load(conn: &mut PgConnection, t: &Team, id: Uuid) -> anyhow::Result<crate::model::SurgeryCase> {
    repo::case(conn, id, &t.facilities).await?.ok_or_else(|| anyhow::anyhow!("surgery demo: case {id} not found"))
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(doctor), Some(nurse)) = (ctx.user("doctor@demo.hearth"), ctx.user("nurse@demo.hearth")) else {
        return Ok(());
    };
    if ctx.facilities.is_empty() || ctx.patients.len() < 12 {
        return Ok(());
    }
    let main = ctx.facilities[0];
    let anaesthetist = hearth_admin::create_user(
        conn,
        &hearth_admin::NewUser {
            email: "anaesthetist@theatres.demo.hearth",
            display_name: "Dr. Amani Anaesthetist",
            password: "Demo!Hearth2026",
            roles: &["doctor"],
            facility_ids: &[main],
            must_change_password: false,
        },
        &ctx.meta,
    )
    .await?;
    let t = Team {
        surgeon: (doctor, meta_of(ctx, doctor, "doctor@demo.hearth")),
        anaesthetist: (anaesthetist, meta_of(ctx, anaesthetist, "anaesthetist@theatres.demo.hearth")),
        nurse: (nurse, meta_of(ctx, nurse, "nurse@demo.hearth")),
        facilities: ctx.facilities.clone(),
    };
    let m = &ctx.meta;
    let or1 = theatre(conn, m, main, "OR1", "Main theatre 1", "General surgery", "Laparoscopy stack, diathermy", false)
        .await?;
    let or2 =
        theatre(conn, m, main, "OR2", "Main theatre 2", "Orthopaedics", "Image intensifier, traction table", false)
            .await?;
    let or3 =
        theatre(conn, m, main, "OR3", "Emergency theatre", "Emergency", "Rapid infuser, cell saver", true).await?;
    let mut lists = vec![(or1, "General surgery"), (or2, "Orthopaedics"), (or3, "Emergency")];
    if let Some(&second) = ctx.facilities.get(1) {
        let t1 =
            theatre(conn, m, second, "OR1", "Day surgery theatre", "Day surgery", "Phaco machine, microscope", false)
                .await?;
        lists.push((t1, "Day surgery"));
    }
    let now = OffsetDateTime::now_utc();
    let day = now.replace_time(time::Time::MIDNIGHT);
    for (th, specialty) in &lists {
        let v = ValidSession {
            theatre_id: *th,
            surgeon_id: if *specialty == "General surgery" { Some(doctor) } else { None },
            specialty: (*specialty).into(),
            starts_at: day + Duration::hours(7),
            ends_at: day + Duration::hours(19),
        };
        repo::create_session(conn, m, &v, &ctx.facilities).await.map_err(err)?;
    }
    let p = |i: usize| ctx.patients[i].id;
    // History: completed cholecystectomies (the surgeon's median) and a hip replacement.
    for (i, (days, minutes)) in [(30, 70), (23, 85), (16, 65), (9, 80), (2, 75)].into_iter().enumerate() {
        let start = day - Duration::days(days) + Duration::hours(9);
        case(conn, &t, p(i), or1, "CHOLE-LAP", "not_applicable", start, minutes, "discharged").await?;
    }
    case(conn, &t, p(5), or2, "HIP-REPL", "left", day - Duration::days(3) + Duration::hours(10), 120, "discharged")
        .await?;
    // Today: in surgery (OR1), in recovery with Aldrete 8 (OR2), ready and not ready (later in OR1),
    // an emergency recorded before its Time Out (OR3) and a cancelled case.
    let base = now - Duration::minutes(70);
    case(conn, &t, p(6), or1, "HERNIA-ING", "right", base, 60, "incision").await?;
    let rec = case(conn, &t, p(7), or2, "ORIF-WRIST", "left", now - Duration::minutes(150), 75, "recovery").await?;
    let c = load(conn, &t, rec).await?;
    repo::record_aldrete(conn, &t.nurse.1, &c, t.nurse.0, [1, 2, 2, 1, 2]).await.map_err(err)?;
    let ready =
        case(conn, &t, p(8), or1, "APPX-LAP", "not_applicable", now + Duration::minutes(30), 60, "scheduled").await?;
    for (item, value) in [
        ("consent", "not_applicable"),
        ("assessment", "I"),
        ("fasting", "confirmed"),
        ("site_marked", "not_applicable"),
        ("allergies", "reviewed"),
        ("identity", "checked"),
    ] {
        let c = load(conn, &t, ready).await?;
        repo::record_readiness(conn, &t.nurse.1, &c, nurse, item, value).await.map_err(err)?;
    }
    let blocked = case(conn, &t, p(9), or1, "MASTECT", "left", now + Duration::minutes(120), 120, "scheduled").await?;
    for (item, value) in [("consent", "right"), ("assessment", "III"), ("fasting", "confirmed")] {
        let c = load(conn, &t, blocked).await?;
        repo::record_readiness(conn, &t.nurse.1, &c, nurse, item, value).await.map_err(err)?;
    }
    // The emergency: in the room, Sign In done, incision recorded before the Time Out.
    let em =
        case(conn, &t, p(10), or3, "LAPAROTOMY", "not_applicable", now - Duration::minutes(40), 120, "anaesthesia")
            .await?;
    let c = load(conn, &t, em).await?;
    let ch = StageChange {
        stage: "incision",
        at: now - Duration::minutes(20),
        emergency_reason: "Exsanguinating haemorrhage after trauma",
        override_reason: "",
    };
    repo::set_stage(conn, &t.nurse.1, &c, nurse, &ch).await.map_err(err)?;
    let c = load(conn, &t, em).await?;
    repo::record_count(
        conn,
        &t.nurse.1,
        &c,
        nurse,
        &ValidCount { stage: "baseline".into(), sponges: 30, needles: 12, instruments: 45 },
    )
    .await
    .map_err(err)?;
    let cancelled =
        case(conn, &t, p(11), or2, "KNEE-ARTHRO", "right", now + Duration::minutes(60), 45, "scheduled").await?;
    let c = load(conn, &t, cancelled).await?;
    repo::cancel(conn, &t.surgeon.1, &c, "patient_unfit", "Chest infection; rebook in six weeks.")
        .await
        .map_err(err)?;
    tracing::info!("seeded the demo theatres");
    Ok(())
}
