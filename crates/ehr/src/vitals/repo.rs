//! All SQL of the vital signs. Writes take the caller's transaction and record their audit event
//! on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{ValidVitals, Vitals};
use crate::fmt_dt;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::web::paging::{PageRequest, Paged, TimeId};

pub(crate) const SELECT: &str =
    "SELECT v.id, v.patient_id, v.taken_at, v.temperature_c, v.pulse, v.resp_rate, v.bp_systolic,
        v.bp_diastolic, v.spo2, v.weight_kg, v.height_cm, v.pain, v.bmi, u.display_name AS recorded_by
     FROM vitals v LEFT JOIN users u ON u.id = v.recorded_by";

/// A page of the patient's measurements, newest first (keyset: time of measurement and id).
pub async fn paged(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<Vitals>> {
    let after = req.after_sql("v.taken_at", "v.id", 3);
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE v.patient_id = $1 {after}
         ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    Ok(Paged::from_rows(rows, req.limit, |v: &Vitals| TimeId(v.taken_at, v.id)))
}

/// The latest `limit` measurements, newest first.
pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<Vitals>> {
    sqlx::query_as(&format!("{SELECT} WHERE v.patient_id = $1 ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidVitals) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO vitals (id, patient_id, taken_at, temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2,
                             weight_kg, height_cm, pain, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.taken_at)
    .bind(v.temperature_c)
    .bind(v.pulse)
    .bind(v.resp_rate)
    .bind(v.bp_systolic)
    .bind(v.bp_diastolic)
    .bind(v.spo2)
    .bind(v.weight_kg)
    .bind(v.height_cm)
    .bind(v.pain)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"taken_at": fmt_dt(v.taken_at), "temperature_c": v.temperature_c, "pulse": v.pulse,
        "resp_rate": v.resp_rate, "bp_systolic": v.bp_systolic, "bp_diastolic": v.bp_diastolic, "spo2": v.spo2,
        "weight_kg": v.weight_kg, "height_cm": v.height_cm, "pain": v.pain});
    audit::record(conn, meta, Event::new("vitals.create", "vitals", id).patient(patient).changes(changes)).await?;
    Ok(id)
}
