//! `bednet.lapse` (every minute): accepted requests whose hold passed its ETA plus grace become
//! `lapsed` (the inpatient hold ended by itself at its upper bound), and the public snapshot is
//! dropped.

use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::jobs::{Job, Outcome, Schedule};

pub const LAPSE_JOB: &str = "bednet.lapse";

pub fn schedules() -> Vec<Schedule> {
    Schedule::new("bednet-lapse", "* * * * *", LAPSE_JOB, serde_json::Value::Null).into_iter().collect()
}

pub async fn lapse(state: AppState, _job: Job) -> Outcome {
    match release_lapsed(&state).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(format!("{e}")),
    }
}

/// Lapses the expired holds; returns how many.
pub async fn release_lapsed(state: &AppState) -> AppResult<usize> {
    let mut tx = state.pool.begin().await?;
    let n = crate::repo::lapse(&mut tx, &AuditMeta::system("bednet lapse")).await?;
    tx.commit().await?;
    if n > 0 {
        crate::snapshot::invalidate();
    }
    Ok(n)
}
