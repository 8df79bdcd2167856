//! Demo data: for the first three patients in an open stay, verified orders started yesterday,
//! acknowledged by the demo nurse, a printed wristband, and a realistic record of the last hours
//! (doses given on time, one given late with its reason, one refused, one left for the
//! overdue job) and the next 24 hours due. Idempotent: nothing is added once a wristband exists.

use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, OrderEntry, OrderRequest};
use hearth_core::web::time::Zone;
use serde_json::json;
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{Target, ValidRecord};
use crate::repo;

/// (product, dose, unit, frequency, prn indication) per demo patient.
type Story = &'static [(&'static str, &'static str, &'static str, &'static str, &'static str)];

const STORIES: [Story; 3] = [
    &[("PARA-500-TAB", "1", "g", "QDS", ""), ("OMEP-20-CAP", "20", "mg", "OD", "")],
    &[
        ("PARA-1G-IV", "1", "g", "Q6H", ""),
        ("ENOX-40-INJ", "40", "mg", "OD", ""),
        ("ONDAN-4-INJ", "4", "mg", "Q8H", "Nausea"),
    ],
    &[("METF-500-TAB", "500", "mg", "TDS", ""), ("PARA-500-TAB", "1", "g", "Q6H", "Pain or fever")],
];

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(doctor), Some(pharmacist), Some(nurse)) =
        (ctx.user("doctor@demo.hearth"), ctx.user("pharmacist@demo.hearth"), ctx.user("nurse@demo.hearth"))
    else {
        return Ok(());
    };
    let already: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM emar_wristbands)").fetch_one(&mut *conn).await?;
    if already {
        return Ok(());
    }
    let err = |e: hearth_core::error::AppError| anyhow::anyhow!("emar demo: {e}");
    let meta =
        |id: Uuid, label: &str| AuditMeta { actor_user_id: Some(id), actor_label: label.into(), ..ctx.meta.clone() };
    let (dmeta, pmeta, nmeta) = (
        meta(doctor, "doctor@demo.hearth"),
        meta(pharmacist, "pharmacist@demo.hearth"),
        meta(nurse, "nurse@demo.hearth"),
    );
    let stays: Vec<Uuid> = hearth_inpatient::repo::open_stays(&mut *conn, None)
        .await?
        .into_iter()
        .filter(|s| s.3 == "admitted")
        .map(|s| s.0)
        .take(STORIES.len())
        .collect();
    let now = OffsetDateTime::now_utc();
    let yesterday = (now - Duration::days(1)).date().to_string();
    let zone = Zone::utc();
    for (i, patient) in stays.into_iter().enumerate() {
        for (product, dose, unit, frequency, prn) in STORIES[i] {
            let req = OrderRequest {
                kind: &hearth_pharmacy::orders::KIND,
                patient,
                encounter: None,
                code: (*product).into(),
                priority: "routine".into(),
                indication: String::new(),
                orderer: doctor,
                entry: OrderEntry::Signed,
                read_back: false,
                options: json!({
                    "product": product, "dose": dose, "dose_unit": unit, "frequency": frequency,
                    "prn": if prn.is_empty() { "" } else { "true" }, "prn_indication": prn,
                    "quantity": "28", "start_date": yesterday,
                    "override_reason": "Reviewed on the ward round (demo).",
                }),
                set_id: None,
            };
            sqlx::query("SAVEPOINT emar_demo_order").execute(&mut *conn).await?;
            let id = match hearth_pharmacy::orders::create_detail(conn, &dmeta, &req).await {
                Ok((_, id, _)) => id,
                Err(e) => {
                    tracing::warn!(product, "emar demo order skipped: {e}");
                    sqlx::query("ROLLBACK TO SAVEPOINT emar_demo_order").execute(&mut *conn).await?;
                    continue;
                }
            };
            hearth_pharmacy::repo::verify(conn, &pmeta, id).await.map_err(err)?;
            repo::acknowledge(conn, &nmeta, patient, id).await.map_err(err)?;
        }
        let band = repo::issue_wristband(conn, &nmeta, patient).await.map_err(err)?;
        repo::generate(conn, &zone, patient, now - Duration::hours(20), now + Duration::hours(24))
            .await
            .map_err(err)?;
        // The past doses: given on time, the latest refused (first patient), one late, one overdue.
        let past: Vec<(Uuid, OffsetDateTime, i32)> = sqlx::query_as(
            "SELECT id, due_at, window_minutes FROM emar_doses WHERE patient_id = $1 AND status = 'due' AND due_at < $2
             ORDER BY due_at",
        )
        .bind(patient)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        // Doses still within their window are left due ("due now"); of those whose window ended,
        // the most recent is left unrecorded: the overdue job (every 5 minutes) raises its alert.
        let ended: Vec<(Uuid, OffsetDateTime, i32)> =
            past.into_iter().filter(|(_, due, window)| crate::model::overdue_after(*due, *window) < now).collect();
        let n = ended.len();
        for (k, (dose, due, window)) in ended.into_iter().enumerate() {
            if k + 1 == n {
                continue; // left due: the overdue job marks it and alerts the ward's nurses
            }
            let refused = i == 0 && k + 2 == n;
            let late = i == 1 && k == 0;
            let at = if late { due + Duration::minutes(i64::from(window) + 40) } else { due + Duration::minutes(12) };
            if at > now || at < now - Duration::hours(24) {
                continue;
            }
            let v = ValidRecord {
                target: Target::Dose(dose),
                given: !refused,
                wristband: Some(band.token.clone()),
                medication: None,
                dose: None,
                dose_unit: String::new(),
                route: String::new(),
                site: String::new(),
                at,
                timing_reason: if late { "Patient was in radiology (demo).".into() } else { String::new() },
                not_given_reason: refused.then(|| "refused".to_string()),
                override_reason: String::new(),
                note: String::new(),
            };
            let v = if refused { v } else { ValidRecord { dose: order_dose(conn, dose).await?, ..v } };
            sqlx::query("SAVEPOINT emar_demo").execute(&mut *conn).await?;
            match repo::record(conn, &nmeta, patient, &v).await {
                Ok(_) => {
                    sqlx::query("RELEASE SAVEPOINT emar_demo").execute(&mut *conn).await?;
                }
                Err(e) => {
                    tracing::warn!("emar demo administration skipped: {e}");
                    sqlx::query("ROLLBACK TO SAVEPOINT emar_demo").execute(&mut *conn).await?;
                }
            }
        }
    }
    Ok(())
}

/// The ordered dose of a dose's order (the demo records exactly what was ordered).
async fn order_dose(conn: &mut PgConnection, dose: Uuid) -> anyhow::Result<Option<f64>> {
    let rx: Uuid =
        sqlx::query_scalar("SELECT rx_order_id FROM emar_doses WHERE id = $1").bind(dose).fetch_one(&mut *conn).await?;
    Ok(hearth_pharmacy::repo::load(conn, rx).await?.map(|o| o.dose))
}
