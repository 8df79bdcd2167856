//! Demo data: the immunizations a real population would have on file.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::PgConnection;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use hearth_core::registry::DemoContext;

struct Dose {
    patient: Uuid,
    cvx: &'static str,
    at: OffsetDateTime,
    /// Given here (else reported from elsewhere).
    here: bool,
    lot: Option<String>,
    expiry: Option<Date>,
    site: &'static str,
    number: Option<i32>,
    /// Not given, for this reason.
    declined: Option<&'static str>,
}

/// Childhood series for the young, a Td booster for adults, yearly influenza and a pneumococcal
/// vaccine for those over 65; a few reported from elsewhere and one declined now and then.
pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let Some(nurse) = ctx.user("nurse@demo.hearth") else { return Ok(()) };
    let mut rng = StdRng::seed_from_u64(2027);
    let today = OffsetDateTime::now_utc().date();
    let at = |d: Date, h: u8| d.with_hms(h, 0, 0).map(|t| t.assume_utc()).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let lot = |rng: &mut StdRng| {
        Some(format!("{}{:05}", ["AB", "FK", "LT", "MX"][rng.gen_range(0..4)], rng.gen_range(0..100_000)))
    };
    let mut doses: Vec<Dose> = Vec::new();
    for p in &ctx.patients {
        let age_days = (today - p.birth).whole_days();
        let dose = |cvx, d: Date, here, rng: &mut StdRng, site, number| Dose {
            patient: p.id,
            cvx,
            at: at(d, 10),
            here,
            lot: lot(rng),
            expiry: Some(d + Duration::days(200)),
            site,
            number,
            declined: None,
        };
        if age_days < 6 * 365 {
            for (cvx, months, n) in
                [("08", 0, 1), ("20", 2, 1), ("10", 2, 1), ("49", 2, 1), ("20", 4, 2), ("10", 4, 2), ("03", 12, 1)]
            {
                let d = p.birth + Duration::days(months * 30 + 1);
                if d < today {
                    doses.push(dose(cvx, d, true, &mut rng, "left_thigh", Some(n)));
                }
            }
        } else if rng.gen_bool(0.5) {
            let d = today - Duration::days(rng.gen_range(30..3000));
            if d > p.birth + Duration::days(18 * 365) {
                let here = rng.gen_bool(0.8);
                doses.push(dose("113", d, here, &mut rng, "left_arm", None));
            }
        }
        if age_days > 65 * 365 {
            for years_ago in 0..3 {
                let year = today.year() - years_ago - i32::from(today.month() < time::Month::October);
                let d = Date::from_calendar_date(year, time::Month::October, rng.gen_range(1..28)).unwrap_or(today);
                let mut flu = dose("140", d, true, &mut rng, "right_arm", None);
                if years_ago == 0 && rng.gen_bool(0.15) {
                    flu = Dose { lot: None, expiry: None, declined: Some("patient_objection"), ..flu };
                }
                doses.push(flu);
            }
            if rng.gen_bool(0.6) {
                let d = today - Duration::days(rng.gen_range(400..2000));
                let here = rng.gen_bool(0.7);
                doses.push(dose("33", d, here, &mut rng, "left_arm", Some(1)));
            }
        }
    }
    // Doses given here are charged as they would be through the form (charge capture).
    let nurse_meta = hearth_core::platform::audit::AuditMeta {
        actor_user_id: Some(nurse),
        actor_label: "nurse@demo.hearth".into(),
        ..ctx.meta.clone()
    };
    for d in &doses {
        let given = d.declined.is_none();
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO immunizations (id, patient_id, cvx, status, occurred_at, primary_source, lot_number, expiry_date,
                                        site, route, dose_ml, dose_number, not_done_reason, performer_id, recorded_by, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::numeric, $12, $13, $14, $15, $16)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(d.patient)
        .bind(d.cvx)
        .bind(if given { "completed" } else { "not_done" })
        .bind(d.at)
        .bind(d.here)
        .bind(d.lot.as_deref().filter(|_| given))
        .bind(d.expiry.filter(|_| given))
        .bind(Some(d.site).filter(|_| given))
        .bind(Some("IM").filter(|_| given))
        .bind(given.then_some(0.5f64))
        .bind(d.number)
        .bind(d.declined)
        .bind((given && d.here).then_some(nurse))
        .bind(nurse)
        .bind(if d.here { "" } else { "Reported by the patient (vaccination card)." })
        .fetch_optional(&mut *conn)
        .await?;
        if let (Some(id), true) = (inserted, given && d.here) {
            let name: String = sqlx::query_scalar("SELECT name FROM vaccines WHERE cvx = $1")
                .bind(d.cvx)
                .fetch_one(&mut *conn)
                .await?;
            crate::repo::charge(conn, &nurse_meta, d.patient, id, d.cvx, &name, d.at)
                .await
                .map_err(|e| anyhow::anyhow!("demo charge: {e}"))?;
        }
    }
    tracing::info!(immunizations = doses.len(), "seeded demo immunizations");
    Ok(())
}
