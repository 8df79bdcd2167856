//! Demo data: rooms at both facilities, and imaging orders in every state built through the
//! module's own functions (so the orders core, overrides, alerts, the inbox and charges are
//! real): awaiting protocol, rejected, protocolled, today's worklist (scheduled, arrived, in
//! progress, completed), reports preliminary, final, with an addendum, and one critical finding.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    RadiologyAddendumForm, RadiologyBookForm, RadiologyProtocolForm, RadiologyReportForm, RadiologyRoomForm,
};
use crate::{orders, repo};
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, OrderEntry, OrderRequest};

fn err(e: hearth_core::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("radiology demo: {e}")
}

fn meta_of(ctx: &DemoContext, email: &str) -> Option<(Uuid, AuditMeta)> {
    let id = ctx.user(email)?;
    Some((id, AuditMeta { actor_user_id: Some(id), actor_label: email.into(), ..ctx.meta.clone() }))
}

const ROOMS: [(&str, &str, &str); 6] = [
    ("XR1", "X-ray room 1", "XR"),
    ("CT1", "CT scanner 1", "CT"),
    ("MR1", "MRI 1.5 T", "MR"),
    ("US1", "Ultrasound 1", "US"),
    ("MG1", "Mammography", "MG"),
    ("RF1", "Fluoroscopy", "RF"),
];

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let already: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rad_rooms)").fetch_one(&mut *conn).await?;
    if already || ctx.patients.len() < 12 || ctx.facilities.is_empty() {
        return Ok(());
    }
    let (Some((doctor, doctor_meta)), Some((_, rad_meta)), Some((_, tech_meta))) = (
        meta_of(ctx, "doctor@demo.hearth"),
        meta_of(ctx, "radiologist@demo.hearth"),
        meta_of(ctx, "radiographer@demo.hearth"),
    ) else {
        return Ok(());
    };
    let facilities = ctx.facilities.clone();
    let mut rooms = std::collections::HashMap::new();
    for (n, f) in facilities.iter().enumerate() {
        for (code, name, modality) in ROOMS.iter().take(if n == 0 { 6 } else { 3 }) {
            let form = RadiologyRoomForm {
                facility_id: f.to_string(),
                code: code.to_string(),
                name: name.to_string(),
                modality: modality.to_string(),
            };
            let id = repo::create_room(conn, &ctx.meta, &facilities, &form).await.map_err(err)?;
            if n == 0 {
                rooms.insert(*modality, id);
            }
        }
    }
    let adults: Vec<_> = ctx
        .patients
        .iter()
        .filter(|p| (OffsetDateTime::now_utc().date() - p.birth).whole_days() > 20 * 365)
        .copied()
        .collect();
    if adults.len() < 12 {
        return Ok(());
    }
    let reg = ctx.registry;
    let now = OffsetDateTime::now_utc();
    // (procedure, laterality, question, how far: 0 requested, 1 rejected, 2 protocolled,
    //  3 scheduled, 4 arrived, 5 in progress, 6 completed, 7 preliminary, 8 final, 9 final + addendum,
    //  10 final critical), start offset in minutes.
    let plan: [(&str, &str, &str, u8, i64); 12] = [
        ("CT-HEAD", "", "Sudden severe headache, on anticoagulants: bleed?", 0, 0),
        ("MR-LSPINE", "", "Chronic low back pain, no red flags.", 1, 0),
        ("US-ABDO", "", "Right upper quadrant pain after meals: gallstones?", 2, 0),
        ("XR-CHEST", "", "Productive cough and fever for 5 days: pneumonia?", 3, 90),
        ("XR-WRIST", "left", "Fall on outstretched hand, snuffbox tenderness.", 4, 20),
        ("US-DVT", "right", "Swollen painful calf after a long flight.", 5, -10),
        ("XR-KNEE", "right", "Twisting injury, effusion.", 6, -120),
        ("CT-CHEST-C", "", "Weight loss and haemoptysis: staging.", 7, -200),
        ("XR-CHEST", "", "Pre-operative assessment.", 8, -300),
        ("MR-KNEE", "left", "Locking knee: meniscal tear?", 9, -420),
        ("CT-CTPA", "", "Pleuritic chest pain, tachycardia: pulmonary embolism?", 10, -480),
        ("US-PELV", "", "Pelvic pain, negative pregnancy test.", 8, -360),
    ];
    for (i, (code, side, question, stage, offset)) in plan.iter().enumerate() {
        let patient = adults[i].id;
        let req = OrderRequest {
            kind: &orders::KIND,
            patient,
            encounter: None,
            code: code.to_string(),
            priority: if *stage == 10 || i == 0 { "stat".into() } else { "routine".into() },
            indication: question.to_string(),
            orderer: doctor,
            entry: OrderEntry::Signed,
            read_back: false,
            options: serde_json::json!({"laterality": side}),
            set_id: None,
        };
        let header = (orders::KIND.create)(conn, &doctor_meta, &req).await.map_err(err)?;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM rad_orders WHERE order_id = $1")
            .bind(header)
            .fetch_one(&mut *conn)
            .await?;
        if *stage == 0 {
            continue;
        }
        let decision = if *stage == 1 { "reject" } else { "accept" };
        let pf = RadiologyProtocolForm {
            decision: decision.into(),
            reason: "Not justified: no red flags; physiotherapy first (imaging guideline).".into(),
            ..Default::default()
        };
        repo::protocol(conn, &rad_meta, id, &facilities, &pf).await.map_err(err)?;
        if *stage <= 2 {
            continue;
        }
        let modality: String = sqlx::query_scalar("SELECT modality FROM rad_procedures WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *conn)
            .await?;
        let Some(room) = rooms.get(modality.as_str()) else { continue };
        let contrast = code.ends_with("-C") || *code == "CT-CTPA";
        let bf = RadiologyBookForm {
            room_id: room.to_string(),
            pregnancy: "not_pregnant".into(),
            mr_implant: "none".into(),
            override_reason: if contrast {
                "Urgent: eGFR requested, clinical benefit outweighs the risk.".into()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let start = now + Duration::minutes(*offset);
        repo::book(conn, &rad_meta, id, &facilities, &bf, Some(start)).await.map_err(err)?;
        for (at, to) in [(4, "arrived"), (5, "in_progress"), (6, "completed")] {
            if *stage >= at {
                repo::step(conn, &tech_meta, id, &facilities, to).await.map_err(err)?;
            }
        }
        if *stage <= 6 {
            continue;
        }
        let p =
            crate::catalogue::procedure(conn, code).await?.ok_or_else(|| anyhow::anyhow!("radiology demo: {code}"))?;
        let critical = *stage == 10;
        let rf = RadiologyReportForm {
            findings: if critical {
                "Filling defects in the right lower lobe segmental arteries. RV/LV ratio 1.1.".into()
            } else {
                p.normal_findings.clone()
            },
            impression: if critical {
                "Acute right lower lobe pulmonary embolism.".into()
            } else {
                p.normal_impression.clone()
            },
            critical,
            status: if *stage == 7 { "preliminary".into() } else { "final".into() },
        };
        repo::save_report(conn, reg, &rad_meta, id, &facilities, &rf).await.map_err(err)?;
        if *stage == 9 {
            let af = RadiologyAddendumForm {
                text: "On review, a small joint effusion is also present; no change to the impression.".into(),
                critical: false,
            };
            repo::add_addendum(conn, reg, &rad_meta, id, &facilities, &af).await.map_err(err)?;
        }
    }
    Ok(())
}
