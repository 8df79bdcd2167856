//! The department's timers (`emergency.timers`, every minute): a triaged patient waiting for a
//! clinician beyond the ESI level's target, and a patient in the department beyond the length
//! of stay target, raise clinical alerts (acknowledge-and-escalate, through `hearth-alerts`).
//! Raising the same cause again while its alert is open returns that alert, so the sweep runs
//! any number of times with the same effect.

use hearth_alerts::{NewAlert, Severity};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::jobs::{Job, Outcome, Schedule};
use uuid::Uuid;

use crate::model::{CLINICIAN_TARGET_MIN, LOS_TARGET_MIN};
use crate::repo::{self, CLINICIAN_WAIT_ALERT, LENGTH_OF_STAY_ALERT};

pub const TIMERS_JOB: &str = "emergency.timers";

pub fn schedules() -> Vec<Schedule> {
    Schedule::new("emergency-timers", "* * * * *", TIMERS_JOB, serde_json::Value::Null).into_iter().collect()
}

pub async fn timers(state: AppState, _job: Job) -> Outcome {
    match sweep(&state).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(format!("{e}")),
    }
}

/// The patient was admitted from the ED's bed request (job [`repo::BED_ADMITTED_JOB`], enqueued
/// by inpatient care on the admitting transaction): the boarding visit departs. A visit that
/// already left is done.
pub async fn bed_admitted(state: AppState, job: Job) -> Outcome {
    let Some(visit) = job.payload.get("source_ref").and_then(|v| v.as_str()).and_then(|s| s.parse::<Uuid>().ok())
    else {
        return Outcome::Done;
    };
    let run = async {
        let meta = AuditMeta::system("emergency bed admitted");
        let mut tx = state.pool.begin().await?;
        match repo::depart(&mut tx, &meta, visit).await {
            Ok(()) => {}
            Err(hearth_core::error::AppError::Conflict(_) | hearth_core::error::AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        AppResult::Ok(())
    };
    match run.await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(format!("{e}")),
    }
}

/// Raises the alerts of every breached timer; returns how many breaches it saw.
pub async fn sweep(state: &AppState) -> AppResult<usize> {
    let meta = AuditMeta::system("emergency timers");
    // (visit, patient, facility, nurse, esi, minutes waiting)
    let waiting: Vec<(Uuid, Uuid, Uuid, Option<Uuid>, i16, i64)> = sqlx::query_as(
        "SELECT id, patient_id, facility_id, nurse_id, esi, (extract(epoch FROM now() - step_since) / 60)::bigint
         FROM ed_visits
         WHERE departed_at IS NULL AND status = 'triaged' AND esi IS NOT NULL AND clinician_id IS NULL
           AND wait_alerted_at IS NULL AND now() - step_since > make_interval(mins => (ARRAY[$1, $2, $3, $4, $5]::int[])[esi])
         LIMIT 500",
    )
    .bind(CLINICIAN_TARGET_MIN[0] as i32)
    .bind(CLINICIAN_TARGET_MIN[1] as i32)
    .bind(CLINICIAN_TARGET_MIN[2] as i32)
    .bind(CLINICIAN_TARGET_MIN[3] as i32)
    .bind(CLINICIAN_TARGET_MIN[4] as i32)
    .fetch_all(&state.pool)
    .await?;
    let long: Vec<(Uuid, Uuid, Uuid, Option<Uuid>, i64)> = sqlx::query_as(
        "SELECT id, patient_id, facility_id, clinician_id, (extract(epoch FROM now() - arrived_at) / 60)::bigint
         FROM ed_visits WHERE departed_at IS NULL AND los_alerted_at IS NULL AND now() - arrived_at > make_interval(mins => $1) LIMIT 500",
    )
    .bind(LOS_TARGET_MIN as i32)
    .fetch_all(&state.pool)
    .await?;
    let n = waiting.len() + long.len();
    for (visit, patient, facility, nurse, esi, minutes) in waiting {
        let target = CLINICIAN_TARGET_MIN[(esi.clamp(1, 5) - 1) as usize];
        let title = format!("ESI {esi}: waiting {minutes} min for a clinician (target {target} min)");
        let mut tx = state.pool.begin().await?;
        let department = repo::ed_department(&mut tx, facility).await?;
        let alert = NewAlert {
            patient,
            kind: CLINICIAN_WAIT_ALERT,
            severity: if esi <= 2 { Severity::Critical } else { Severity::Warning },
            title: &title,
            source_module: "emergency",
            source_id: visit,
            to: nurse,
            facility: Some(facility),
            department,
        };
        hearth_alerts::raise(&mut tx, state.registry, &meta, &alert).await?;
        sqlx::query("UPDATE ed_visits SET wait_alerted_at = now() WHERE id = $1").bind(visit).execute(&mut *tx).await?;
        tx.commit().await?;
    }
    for (visit, patient, facility, clinician, minutes) in long {
        let title = format!(
            "In the emergency department for {} (target {} h)",
            crate::board::duration(minutes),
            LOS_TARGET_MIN / 60
        );
        let mut tx = state.pool.begin().await?;
        let department = repo::ed_department(&mut tx, facility).await?;
        let alert = NewAlert {
            patient,
            kind: LENGTH_OF_STAY_ALERT,
            severity: Severity::Warning,
            title: &title,
            source_module: "emergency",
            source_id: visit,
            to: clinician,
            facility: Some(facility),
            department,
        };
        hearth_alerts::raise(&mut tx, state.registry, &meta, &alert).await?;
        sqlx::query("UPDATE ed_visits SET los_alerted_at = now() WHERE id = $1").bind(visit).execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(n)
}
