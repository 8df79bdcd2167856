//! Jobs: `emar.schedule` (hourly) plans the next 24 hours of doses of every patient in an open
//! stay; `emar.overdue` (every 5 minutes) marks doses still due after their window overdue and
//! raises an alert to the patient's nurses, escalating to the charge nurse. A patient on leave
//! is not "missed": their doses are left due. Both sweeps are idempotent.

use hearth_alerts::{NewAlert, Severity};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::jobs::{Job, Outcome, Schedule};
use hearth_core::web::time::Zone;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{model, repo};

pub const SCHEDULE_JOB: &str = "emar.schedule";
pub const OVERDUE_JOB: &str = "emar.overdue";

pub fn schedules() -> Vec<Schedule> {
    Schedule::new("emar-schedule", "7 * * * *", SCHEDULE_JOB, serde_json::Value::Null)
        .into_iter()
        .chain(Schedule::new("emar-overdue", "*/5 * * * *", OVERDUE_JOB, serde_json::Value::Null))
        .collect()
}

fn outcome(r: AppResult<usize>) -> Outcome {
    match r {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(format!("{e}")),
    }
}

pub async fn schedule(state: AppState, _job: Job) -> Outcome {
    outcome(plan_all(&state).await)
}

pub async fn overdue(state: AppState, _job: Job) -> Outcome {
    outcome(sweep_overdue(&state).await)
}

/// Plans the doses of every open stay; returns how many doses were added.
pub async fn plan_all(state: &AppState) -> AppResult<usize> {
    let zone = Zone::named(&state.config.time_zone).unwrap_or_default();
    let (from, to) = repo::horizon(OffsetDateTime::now_utc());
    let mut conn = state.pool.acquire().await?;
    let stays = hearth_inpatient::repo::open_stays(&mut conn, None).await?;
    drop(conn);
    let mut added = 0;
    for (patient, _, _, _) in stays {
        let mut tx = state.pool.begin().await?;
        added += repo::generate(&mut tx, &zone, patient, from, to).await? as usize;
        tx.commit().await?;
    }
    Ok(added)
}

/// Marks the doses past their window overdue and raises their alerts; returns how many.
pub async fn sweep_overdue(state: &AppState) -> AppResult<usize> {
    let meta = AuditMeta::system("emar overdue");
    let rows: Vec<(Uuid, Uuid, OffsetDateTime, i32)> = sqlx::query_as(
        "SELECT id, patient_id, due_at, window_minutes FROM emar_doses
         WHERE status = 'due' AND overdue_at IS NULL AND due_at < now() - make_interval(mins => greatest(window_minutes, $1))
         ORDER BY due_at LIMIT 500",
    )
    .bind(model::ASAP_MINUTES as i32)
    .fetch_all(&state.pool)
    .await?;
    let mut n = 0;
    for (dose, patient, due, window) in rows {
        let mut tx = state.pool.begin().await?;
        let Some((_, _, facility, status)) = hearth_inpatient::repo::current_stay(&mut tx, patient).await? else {
            continue;
        };
        if status != "admitted" {
            continue;
        }
        let marked = sqlx::query(
            "UPDATE emar_doses SET overdue_at = now() WHERE id = $1 AND status = 'due' AND overdue_at IS NULL",
        )
        .bind(dose)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            continue;
        }
        let late = (OffsetDateTime::now_utc() - model::overdue_after(due, window)).whole_minutes().max(0);
        let title = format!("Medication dose overdue (window ended {late} min ago)");
        hearth_alerts::raise(
            &mut tx,
            state.registry,
            &meta,
            &NewAlert {
                patient,
                kind: repo::OVERDUE_ALERT,
                severity: Severity::Warning,
                title: &title,
                source_module: "emar",
                source_id: dose,
                to: None,
                facility: Some(facility),
                department: None,
            },
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}
