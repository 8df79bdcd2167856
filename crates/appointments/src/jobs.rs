//! The appointments' jobs: materialising sessions and slots ahead (`appointments.materialise`,
//! daily) and marking no-shows (`appointments.no_show`, every 15 minutes).

use hearth_core::app::AppState;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::jobs::{Job, Outcome, Schedule};
use serde_json::json;

use crate::model::parse_date;
use crate::repo;

pub const MATERIALISE: &str = "appointments.materialise";
pub const NO_SHOW: &str = "appointments.no_show";

pub fn schedules() -> Vec<Schedule> {
    [
        Schedule::new("appointments-materialise", "15 1 * * *", MATERIALISE, json!({"weeks": repo::WEEKS_AHEAD})),
        Schedule::new(
            "appointments-no-show",
            "*/15 * * * *",
            NO_SHOW,
            json!({"grace_minutes": repo::NO_SHOW_GRACE_MINUTES}),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `appointments.materialise {weeks?: 1..104, from?: "YYYY-MM-DD", template?: uuid}`: expands the
/// active templates into sessions and slots (idempotent: days already materialised are skipped;
/// a session that would overlap another of the clinician is skipped).
pub async fn materialise(state: AppState, job: Job) -> Outcome {
    let weeks = job.payload.get("weeks").and_then(|v| v.as_i64()).unwrap_or(repo::WEEKS_AHEAD);
    if !(1..=104).contains(&weeks) {
        return Outcome::Fail("weeks must be 1 to 104".into());
    }
    let from = match job.payload.get("from").and_then(|v| v.as_str()) {
        None => None,
        Some(s) => match parse_date(s) {
            Some(d) => Some(d),
            None => return Outcome::Fail("from must be YYYY-MM-DD".into()),
        },
    };
    let template = job.payload.get("template").and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
    let run = async {
        let mut tx = state.pool.begin().await?;
        let n = repo::materialise(&mut tx, template, from, weeks, true).await?;
        tx.commit().await?;
        Ok::<u64, sqlx::Error>(n)
    };
    match run.await {
        Ok(n) => {
            tracing::info!(sessions = n, weeks, "materialised clinic sessions");
            Outcome::Done
        }
        Err(e) => Outcome::Retry(format!("database: {e}")),
    }
}

/// `appointments.no_show {grace_minutes?: 0..1440}`: booked appointments that ended more than the
/// grace period ago become no-shows.
pub async fn no_show(state: AppState, job: Job) -> Outcome {
    let grace = job.payload.get("grace_minutes").and_then(|v| v.as_i64()).unwrap_or(repo::NO_SHOW_GRACE_MINUTES);
    if !(0..=1440).contains(&grace) {
        return Outcome::Fail("grace_minutes must be 0 to 1440".into());
    }
    let run = async {
        let mut tx = state.pool.begin().await?;
        let n = repo::mark_no_shows(&mut tx, &AuditMeta::system("appointments no-show"), grace).await?;
        tx.commit().await?;
        Ok::<u64, sqlx::Error>(n)
    };
    match run.await {
        Ok(n) => {
            if n > 0 {
                tracing::info!(appointments = n, "marked no-shows");
            }
            Outcome::Done
        }
        Err(e) => Outcome::Retry(format!("database: {e}")),
    }
}
