//! Demo data: on-call lists for both facilities, the day's nurse assignments, and two alerts —
//! one open, one already escalated — so that the banner, the bell and `/alerts` show a living
//! hospital.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{NewAlert, Severity};
use crate::service;
use hearth_core::registry::DemoContext;

async fn department(conn: &mut PgConnection, facility: Uuid, code: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM departments WHERE facility_id = $1 AND code = $2")
        .bind(facility)
        .bind(code)
        .fetch_optional(conn)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn on_call(
    conn: &mut PgConnection,
    facility: Uuid,
    department: Option<Uuid>,
    duty: &str,
    user: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO alert_on_call (id, facility_id, department_id, duty, user_id, starts_at, ends_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(facility)
    .bind(department)
    .bind(duty)
    .bind(user)
    .bind(from)
    .bind(to)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(doctor), Some(nurse), Some(ed)) =
        (ctx.user("doctor@demo.hearth"), ctx.user("nurse@demo.hearth"), ctx.user("edcoordinator@demo.hearth"))
    else {
        return Ok(());
    };
    let Some(&main) = ctx.facilities.first() else { return Ok(()) };
    // Shifts of the day: 07:00 to 19:00 UTC and the night after, around now.
    let now = OffsetDateTime::now_utc();
    let day_start = now.replace_time(time::macros::time!(07:00));
    let day_start = if day_start > now { day_start - Duration::days(1) } else { day_start };
    let (day_end, night_end) = (day_start + Duration::hours(12), day_start + Duration::hours(24));
    // The nurses' twelve-hour shift under way now (day or night), so that a demo seeded in the
    // evening has its ward nurses on duty too.
    let shift_start = if now < day_end { day_start } else { day_end };
    let shift_end = shift_start + Duration::hours(12);
    let med = department(conn, main, "MED").await?;
    let edept = department(conn, main, "ED").await?;
    on_call(conn, main, None, "doctor", doctor, day_start, night_end, "Bleep 4401").await?;
    on_call(conn, main, med, "charge_nurse", nurse, shift_start, shift_end, "Ward 3 nurse in charge").await?;
    on_call(conn, main, edept, "charge_nurse", ed, shift_start, shift_end, "ED nurse in charge").await?;
    if let Some(&second) = ctx.facilities.get(1) {
        // The doctor covers the second site overnight.
        sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(doctor)
            .bind(second)
            .execute(&mut *conn)
            .await?;
        on_call(conn, second, None, "doctor", doctor, day_end, night_end, "Cross-site cover, phone 5502").await?;
        on_call(conn, second, None, "charge_nurse", nurse, day_end, night_end, "Remote cover").await?;
    }
    // The nurse looks after the first patients of the main hospital on the medical ward today.
    let ids: Vec<Uuid> = ctx.patients.iter().map(|p| p.id).collect();
    let ward: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM patients WHERE id = ANY($1) AND facility_id = $2 ORDER BY mrn LIMIT 6")
            .bind(&ids)
            .bind(main)
            .fetch_all(&mut *conn)
            .await?;
    for p in &ward {
        sqlx::query(
            "INSERT INTO alert_nurse_assignments (id, patient_id, nurse_id, facility_id, department_id, starts_at, ends_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4())
        .bind(p)
        .bind(nurse)
        .bind(main)
        .bind(med)
        .bind(shift_start)
        .bind(shift_end)
        .execute(&mut *conn)
        .await?;
    }
    // Two alerts of the example module's vaccine reaction (else the first declared kind): one
    // open for the nurse, one that nobody acknowledged and that went on to the on-call doctor.
    let Some(kind) = ctx.registry.alert_kind("immunizations.reaction").or_else(|| ctx.registry.alert_kinds().next())
    else {
        return Ok(());
    };
    let module = kind.kind.split('.').next().unwrap_or("alerts");
    let (Some(&first), Some(&second)) = (ward.first(), ward.get(1)) else { return Ok(()) };
    let open = NewAlert {
        patient: first,
        kind: kind.kind,
        severity: Severity::Warning,
        title: "Systemic reaction after a vaccine: fever and rash 20 min after the dose",
        source_module: module,
        source_id: Uuid::new_v4(),
        to: Some(nurse),
        facility: Some(main),
        department: med,
    };
    service::raise(conn, ctx.registry, &ctx.meta, &open).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let escalated = NewAlert {
        patient: second,
        severity: Severity::Critical,
        title: "Anaphylaxis after a vaccine: adrenaline given, needs review",
        source_id: Uuid::new_v4(),
        ..open
    };
    let id = service::raise(conn, ctx.registry, &ctx.meta, &escalated).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Nobody acknowledged it in time: backdate the alert and let the chain move on.
    sqlx::query(
        "UPDATE alerts SET created_at = created_at - interval '25 minutes', step_at = step_at - interval '25 minutes'
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let mut step =
        sqlx::query_scalar::<_, i32>("SELECT step FROM alerts WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    while service::advance(conn, ctx.registry, &ctx.meta, id, step, "timeout").await? {
        step += 1;
    }
    tracing::info!(ward = ward.len(), "seeded demo on-call lists, nurse assignments and alerts");
    Ok(())
}
