//! Demo data: the city network — the two Hearth facilities with coordinates and services (their
//! counts come live from their wards), four external facilities with reported counts, a few
//! open requests and one accepted hold at the main hospital's ICU. Idempotent.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::ValidRequest;
use crate::repo;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::DemoContext;

fn err(e: hearth_core::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("bednet demo: {e}")
}

fn meta_of(ctx: &DemoContext, email: &str) -> Option<(Uuid, AuditMeta)> {
    let id = ctx.user(email)?;
    Some((id, AuditMeta { actor_user_id: Some(id), actor_label: email.into(), ..ctx.meta.clone() }))
}

/// An external network facility of the demo (and the benchmark's seed): code, name, coordinates,
/// address, services, ED status and reported beds `(type, physical, staffed, free)`.
pub type Ext = (
    &'static str,
    &'static str,
    f64,
    f64,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [(&'static str, i32, i32, i32)],
);

pub const EXTERNAL: &[Ext] = &[
    (
        "SMH",
        "St Mary's Hospital",
        51.5171,
        -0.1743,
        "Praed Street",
        &["trauma", "stroke", "cardiac cath lab"],
        "normal",
        &[("general", 220, 200, 14), ("critical_care", 30, 28, 2), ("maternity", 40, 36, 5)],
    ),
    (
        "NCH",
        "Northside Children's Hospital",
        51.5590,
        -0.1170,
        "Holloway Road",
        &["neonatal ICU", "paediatric surgery"],
        "normal",
        &[("paediatric", 80, 72, 9), ("critical_care", 12, 12, 1)],
    ),
    (
        "EBU",
        "Eastbank Burns Unit",
        51.5230,
        -0.0410,
        "Mile End Road",
        &["burns", "plastic surgery"],
        "advisory",
        &[("burns", 16, 14, 1), ("general", 60, 50, 0)],
    ),
    (
        "SRH",
        "Southriver Hospital",
        51.4650,
        -0.1050,
        "Denmark Hill",
        &["trauma", "dialysis"],
        "diverting",
        &[("general", 300, 280, 22), ("critical_care", 24, 20, 0), ("isolation", 10, 8, 3)],
    ),
];

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let already: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bednet_facilities)").fetch_one(&mut *conn).await?;
    if already || ctx.facilities.len() < 2 {
        return Ok(());
    }
    let hearth: [(Uuid, f64, f64, &str, &[&str]); 2] = [
        (
            ctx.facilities[0],
            51.5010,
            -0.1180,
            "Westminster Bridge Road",
            &["trauma", "stroke", "cardiac cath lab", "dialysis"],
        ),
        (ctx.facilities[1], 51.4800, -0.1900, "Fulham Road", &["maternity", "day surgery"]),
    ];
    let mut hgh = None;
    for (fid, lat, lon, address, services) in hearth {
        let id = Uuid::new_v4();
        hgh.get_or_insert(id);
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        sqlx::query(
            "INSERT INTO bednet_facilities (id, facility_id, code, name, lat, lon, address, services, contact, ed_status, public)
             SELECT $1, f.id, f.code, f.name, $3, $4, $5, $6, '+44 20 7000 0000', 'normal', true FROM facilities f WHERE f.id = $2",
        )
        .bind(id)
        .bind(fid)
        .bind(lat)
        .bind(lon)
        .bind(address)
        .bind(&services)
        .execute(&mut *conn)
        .await?;
    }
    let now = OffsetDateTime::now_utc();
    let mut ext_ids = Vec::new();
    for ext in EXTERNAL {
        let id = insert_external(conn, ext).await?;
        ext_ids.push(id);
        for (t, p, s, f) in ext.7 {
            sqlx::query(
                "INSERT INTO bednet_counts (network_facility_id, bed_type, physical, staffed, free, as_of, seq)
                 VALUES ($1, $2, $3, $4, $5, $6, 1)",
            )
            .bind(id)
            .bind(t)
            .bind(p)
            .bind(s)
            .bind(f)
            .bind(now - Duration::minutes(5))
            .execute(&mut *conn)
            .await?;
        }
    }
    // The hospital admin manages the external facilities' reports in the demo.
    if let Some(admin) = ctx.user("hospitaladmin@demo.hearth") {
        for id in &ext_ids {
            sqlx::query(
                "INSERT INTO bednet_managers (network_facility_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(admin)
            .execute(&mut *conn)
            .await?;
        }
    }
    let (Some((_, ems)), Some((nurse, nurse_meta)), Some(hgh)) =
        (meta_of(ctx, "emsdispatcher@demo.hearth"), meta_of(ctx, "nurse@demo.hearth"), hgh)
    else {
        return Ok(());
    };
    let pool_less = |facility, bed_type: &str, priority: &str, esi, news2, summary: &str, eta| ValidRequest {
        facility,
        bed_type: bed_type.into(),
        priority: priority.into(),
        esi,
        news2,
        summary: summary.into(),
        eta: now + Duration::minutes(eta),
    };
    let wanted = [
        pool_less(
            hgh,
            "critical_care",
            "P1",
            1,
            Some(11),
            "Polytrauma after a road collision, intubated on scene.",
            25,
        ),
        pool_less(hgh, "general", "P3", 3, Some(4), "Community-acquired pneumonia, needs IV antibiotics.", 40),
        pool_less(ext_ids[0], "critical_care", "P2", 2, Some(7), "STEMI, for primary PCI.", 15),
        pool_less(ext_ids[1], "paediatric", "P3", 3, Some(3), "Child with bronchiolitis, oxygen requirement.", 30),
    ];
    let mut first = None;
    for v in &wanted {
        let id = repo::create_request(&mut *conn, &ems, v).await.map_err(err)?;
        first.get_or_insert(id);
    }
    // One accepted hold at the main hospital's ICU, if a critical-care bed is free.
    let fid = ctx.facilities[0];
    let free = hearth_inpatient::repo::network_free_beds(&mut *conn, fid, "critical_care")
        .await?
        .into_iter()
        .next()
        .map(|b| b.0);
    if let (Some(bed), Some(req)) = (free, first) {
        repo::accept(&mut *conn, &nurse_meta, req, nurse, &[fid], Some(bed), 30).await.map_err(err)?;
    }
    crate::snapshot::invalidate();
    tracing::info!("seeded the demo bed network");
    Ok(())
}

/// Inserts one external facility of [`EXTERNAL`] (without its counts) and returns its id: the
/// demo's seeding and the benchmark's share it.
pub async fn insert_external(conn: &mut sqlx::PgConnection, ext: &Ext) -> sqlx::Result<Uuid> {
    let (code, name, lat, lon, address, services, ed, _) = ext;
    let id = Uuid::new_v4();
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    sqlx::query(
        "INSERT INTO bednet_facilities (id, code, name, lat, lon, address, services, contact, ed_status, public)
         VALUES ($1, $2, $3, $4, $5, $6, $7, '+44 20 7100 0000', $8, true)",
    )
    .bind(id)
    .bind(code)
    .bind(name)
    .bind(lat)
    .bind(lon)
    .bind(address)
    .bind(&services)
    .bind(ed)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
