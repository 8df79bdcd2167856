//! Demo data: a laboratory with work at every stage, built through the module's own functions
//! (so alerts, the orderer's inbox and charges are as real): months of basic metabolic panels
//! and blood counts for a few patients (trends), orders to collect, specimens collected and
//! received, results awaiting release, one held by the delta check, a rejected specimen with its
//! recollection, abnormal results and one critical potassium with its alert, awaiting the lab's phone call.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::ResultEntry;
use crate::{orders, repo};
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, OrderEntry, OrderRequest};

fn err(e: hearth_core::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("laboratory demo: {e}")
}

fn meta_of(ctx: &DemoContext, email: &str) -> Option<(Uuid, AuditMeta)> {
    let id = ctx.user(email)?;
    Some((id, AuditMeta { actor_user_id: Some(id), actor_label: email.into(), ..ctx.meta.clone() }))
}

async fn place(
    conn: &mut PgConnection,
    doctor: (Uuid, &AuditMeta),
    patient: Uuid,
    code: &str,
    priority: &str,
    indication: &str,
) -> anyhow::Result<Uuid> {
    let req = OrderRequest {
        kind: &orders::KIND,
        patient,
        encounter: None,
        code: code.into(),
        priority: priority.into(),
        indication: indication.into(),
        orderer: doctor.0,
        entry: OrderEntry::Signed,
        read_back: false,
        options: serde_json::json!({"confirm_duplicate": true}),
        set_id: None,
    };
    let header = (orders::KIND.create)(conn, doctor.1, &req).await.map_err(err)?;
    Ok(sqlx::query_scalar(
        "SELECT s.id FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id WHERE lo.order_id = $1",
    )
    .bind(header)
    .fetch_one(&mut *conn)
    .await?)
}

fn values(pairs: &[(&str, String)]) -> Vec<ResultEntry> {
    pairs.iter().map(|(t, v)| ResultEntry { test: t.to_string(), value: v.clone(), comment: String::new() }).collect()
}

/// Moves a released order's times back by `days` (demo history).
async fn backdate(conn: &mut PgConnection, specimen: Uuid, days: i64) -> anyhow::Result<()> {
    let shift = Duration::days(days);
    sqlx::query(
        "UPDATE lab_orders SET ordered_at = ordered_at - $2 WHERE id = (SELECT lab_order_id FROM lab_specimens WHERE id = $1)",
    )
    .bind(specimen)
    .bind(shift)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE lab_specimens SET collected_at = collected_at - $2, received_at = received_at - $2, created_at = created_at - $2
         WHERE id = $1",
    )
    .bind(specimen)
    .bind(shift)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE lab_results SET entered_at = entered_at - $2, released_at = released_at - $2, verified_at = verified_at - $2
         WHERE specimen_id = $1",
    )
    .bind(specimen)
    .bind(shift)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let already: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM lab_orders)").fetch_one(&mut *conn).await?;
    if already || ctx.patients.len() < 12 {
        return Ok(());
    }
    let (Some((doctor, doctor_meta)), Some((nurse, nurse_meta)), Some((_, lab_meta))) =
        (meta_of(ctx, "doctor@demo.hearth"), meta_of(ctx, "nurse@demo.hearth"), meta_of(ctx, "labtech@demo.hearth"))
    else {
        return Ok(());
    };
    let adults: Vec<_> = ctx
        .patients
        .iter()
        .filter(|p| (OffsetDateTime::now_utc().date() - p.birth).whole_days() > 25 * 365)
        .copied()
        .collect();
    if adults.len() < 12 {
        return Ok(());
    }
    let doc = (doctor, &doctor_meta);
    let reg = ctx.registry;
    // Released history: three monthly BMPs and CBCs for four patients (trends on the chart).
    for (i, p) in adults.iter().take(4).enumerate() {
        for (k, days) in [90i64, 60, 30].into_iter().enumerate() {
            let drift = (k as f64) * 0.2 + (i as f64) * 0.1;
            let crea = if p.female { 70.0 + 8.0 * k as f64 } else { 88.0 + 12.0 * k as f64 + 10.0 * i as f64 };
            let bmp = place(conn, doc, p.id, "BMP", "routine", "Hypertension follow-up; on ACE inhibitor").await?;
            repo::collect(conn, &nurse_meta, bmp, nurse, None).await.map_err(err)?;
            repo::receive(conn, &lab_meta, bmp).await.map_err(err)?;
            let v = values(&[
                ("NA", format!("{}", 138 + i + k)),
                ("K", format!("{:.1}", 4.1 + drift)),
                ("CL", "102".into()),
                ("HCO3", "25".into()),
                ("UREA", format!("{:.1}", 5.2 + drift * 2.0)),
                ("CREA", format!("{crea:.0}")),
                ("GLU", format!("{:.1}", 5.4 + drift * 3.0)),
                ("CA", "2.35".into()),
            ]);
            repo::enter(conn, &lab_meta, bmp, &v).await.map_err(err)?;
            for r in
                sqlx::query_scalar::<_, Uuid>("SELECT id FROM lab_results WHERE specimen_id = $1 AND status = 'held'")
                    .bind(bmp)
                    .fetch_all(&mut *conn)
                    .await?
            {
                repo::review(conn, &lab_meta, r).await.map_err(err)?;
            }
            repo::release(conn, reg, &lab_meta, bmp).await.map_err(err)?;
            backdate(conn, bmp, days).await?;
            let cbc = place(conn, doc, p.id, "CBC", "routine", "Anaemia screen").await?;
            repo::collect(conn, &nurse_meta, cbc, nurse, None).await.map_err(err)?;
            repo::receive(conn, &lab_meta, cbc).await.map_err(err)?;
            let hgb = if p.female { 118 + 3 * k } else { 128 + 4 * k };
            let v = values(&[
                ("WBC", format!("{:.1}", 6.5 + drift)),
                ("RBC", if p.female { "4.20".into() } else { "4.80".into() }),
                ("HGB", format!("{hgb}")),
                ("HCT", if p.female { "37.0".into() } else { "42.0".into() }),
                ("MCV", "88".into()),
                ("PLT", format!("{}", 240 + 10 * k)),
            ]);
            repo::enter(conn, &lab_meta, cbc, &v).await.map_err(err)?;
            repo::release(conn, reg, &lab_meta, cbc).await.map_err(err)?;
            backdate(conn, cbc, days + 1).await?;
        }
    }
    let p = |i: usize| adults[i].id;
    // Orders to collect.
    place(conn, doc, p(4), "CBC", "routine", "Pre-operative assessment").await?;
    place(conn, doc, p(5), "TNI", "stat", "Chest pain, onset 2 h ago").await?;
    place(conn, doc, p(6), "LIPID", "routine", "Cardiovascular risk assessment").await?;
    // Collected, on the way to the laboratory.
    let s = place(conn, doc, p(7), "LFT", "routine", "Raised ALT on screening").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    let s = place(conn, doc, p(8), "HBA1C", "routine", "Type 2 diabetes review").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    // Received, results to enter.
    let s = place(conn, doc, p(9), "CRP", "urgent", "Fever, suspected pneumonia").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::receive(conn, &lab_meta, s).await.map_err(err)?;
    let s = place(conn, doc, p(10), "INR", "routine", "Warfarin monitoring").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::receive(conn, &lab_meta, s).await.map_err(err)?;
    // Rejected (haemolysed) with its recollection waiting.
    let s = place(conn, doc, p(11), "LYTES", "urgent", "Vomiting for two days").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::reject(conn, &lab_meta, s, "haemolysed", "Grossly haemolysed; please recollect.").await.map_err(err)?;
    // Entered, awaiting release (abnormal: high glucose, low sodium).
    let s = place(conn, doc, p(4), "BMP", "routine", "Dizziness").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::receive(conn, &lab_meta, s).await.map_err(err)?;
    let v = values(&[
        ("NA", "131".into()),
        ("K", "4.4".into()),
        ("CL", "97".into()),
        ("HCO3", "24".into()),
        ("UREA", "6.1".into()),
        ("CREA", "84".into()),
        ("GLU", "11.2".into()),
        ("CA", "2.30".into()),
    ]);
    repo::enter(conn, &lab_meta, s, &v).await.map_err(err)?;
    // Held by the delta check: patient 0's haemoglobin falls by 40 g/L.
    let s = place(conn, doc, p(0), "CBC", "urgent", "Melaena").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::receive(conn, &lab_meta, s).await.map_err(err)?;
    let v = values(&[
        ("WBC", "9.8".into()),
        ("RBC", "3.20".into()),
        ("HGB", "84".into()),
        ("HCT", "26.0".into()),
        ("MCV", "86".into()),
        ("PLT", "310".into()),
    ]);
    repo::enter(conn, &lab_meta, s, &v).await.map_err(err)?;
    // Released with a critical potassium (alert to the orderer), the call not yet made.
    let s = place(conn, doc, p(1), "LYTES", "stat", "Acute kidney injury; ACE inhibitor").await?;
    repo::collect(conn, &nurse_meta, s, nurse, None).await.map_err(err)?;
    repo::receive(conn, &lab_meta, s).await.map_err(err)?;
    let v = values(&[("NA", "134".into()), ("K", "6.8".into()), ("CL", "104".into()), ("HCO3", "17".into())]);
    repo::enter(conn, &lab_meta, s, &v).await.map_err(err)?;
    for r in sqlx::query_scalar::<_, Uuid>("SELECT id FROM lab_results WHERE specimen_id = $1 AND status = 'held'")
        .bind(s)
        .fetch_all(&mut *conn)
        .await?
    {
        repo::review(conn, &lab_meta, r).await.map_err(err)?;
    }
    repo::release(conn, reg, &lab_meta, s).await.map_err(err)?;
    // The lab's phone call is still to make: the worksheet's critical list has work in it.
    tracing::info!("seeded the demo laboratory");
    Ok(())
}
