//! The catalogue: modalities, procedures (from `data/radiology/procedures.csv`) and rooms per
//! facility.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{RadiologyModality, RadiologyProcedure, RadiologyRoom, MODALITIES};

static PROCEDURES: &str = include_str!("../../../data/radiology/procedures.csv");

/// Loads the modalities and the starter procedures: adds what is missing, keeps what an
/// installation changed. Returns the procedures added.
pub async fn ensure_loaded(pool: &PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    for (code, name, ionising) in MODALITIES {
        sqlx::query("INSERT INTO rad_modalities (code, name, ionising) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(code)
            .bind(name)
            .bind(ionising)
            .execute(&mut *tx)
            .await?;
    }
    let mut added = 0;
    for row in csv::Reader::from_reader(PROCEDURES.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        added += sqlx::query(
            "INSERT INTO rad_procedures (code, name, modality, body_part, laterality_required, contrast, ionising,
                                         duration_min, preparation, charge_code, normal_findings, normal_impression)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (code) DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2))
        .bind(g(3))
        .bind(g(4) == "true")
        .bind(g(5))
        .bind(g(6) == "true")
        .bind(g(7).parse::<i32>().unwrap_or(15))
        .bind(g(8))
        .bind(g(9))
        .bind(g(10))
        .bind(g(11))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    if added > 0 {
        tracing::info!(procedures = added, "loaded the radiology starter catalogue");
    }
    Ok(added)
}

const PROC_COLS: &str = "code, name, modality, body_part, laterality_required, contrast, ionising, duration_min,
     preparation, charge_code, normal_findings, normal_impression";

pub async fn modalities(pool: &PgPool) -> sqlx::Result<Vec<RadiologyModality>> {
    sqlx::query_as("SELECT code, name, ionising FROM rad_modalities ORDER BY code").fetch_all(pool).await
}

pub async fn procedures(pool: &PgPool) -> sqlx::Result<Vec<RadiologyProcedure>> {
    sqlx::query_as(&format!("SELECT {PROC_COLS} FROM rad_procedures ORDER BY modality, name")).fetch_all(pool).await
}

pub async fn procedure(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<RadiologyProcedure>> {
    sqlx::query_as(&format!("SELECT {PROC_COLS} FROM rad_procedures WHERE code = $1"))
        .bind(code.trim().to_uppercase())
        .fetch_optional(conn)
        .await
}

/// (code, display) of the procedures matching `q` (the orders core's catalogue search).
pub async fn search(conn: &mut PgConnection, q: &str, limit: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT code, name FROM rad_procedures
         WHERE $1 = '' OR name ILIKE '%' || $1 || '%' OR code ILIKE $1 || '%'
         ORDER BY modality, name LIMIT $2",
    )
    .bind(q.trim())
    .bind(limit)
    .fetch_all(conn)
    .await
}

const ROOM_SELECT: &str = "SELECT r.id, r.facility_id, f.name AS facility, r.code, r.name, r.modality, r.active
     FROM rad_rooms r JOIN facilities f ON f.id = r.facility_id";

/// The rooms of the given facilities.
pub async fn rooms(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<RadiologyRoom>> {
    sqlx::query_as(&format!("{ROOM_SELECT} WHERE r.facility_id = ANY($1) ORDER BY f.name, r.modality, r.code"))
        .bind(facilities)
        .fetch_all(pool)
        .await
}

pub async fn room(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<RadiologyRoom>> {
    sqlx::query_as(&format!("{ROOM_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(conn).await
}
