//! The alerts' jobs: the next step of a chain (`alerts.escalate`, one job per step with a unique
//! key) and the sweep for addressees who went off shift early (`alerts.off_shift`).

use hearth_core::app::AppState;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::jobs::{Job, Outcome, Schedule};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::service::{self, OFF_SHIFT_JOB};

fn meta() -> AuditMeta {
    AuditMeta::system("alerts escalation")
}

/// `alerts.escalate {alert, step}`: brings the alert to `step` when the previous step's time ran
/// out or its addressees went off shift. Runs any number of times with the same effect: an alert
/// already past the previous step, acknowledged or cancelled is left alone. A run before either
/// (a shift was extended) waits for the earlier of the two.
pub async fn escalate(state: AppState, job: Job) -> Outcome {
    let alert = job.payload.get("alert").and_then(|v| v.as_str()).and_then(|s| s.parse::<Uuid>().ok());
    let step = job.payload.get("step").and_then(|v| v.as_i64()).filter(|s| (1..=5).contains(s));
    let (Some(alert), Some(step)) = (alert, step) else {
        return Outcome::Fail("the job needs {alert: uuid, step: 1..5}".into());
    };
    match run_escalate(&state, alert, step as i32).await {
        Ok(o) => o,
        Err(e) => Outcome::Retry(format!("database: {e}")),
    }
}

async fn run_escalate(state: &AppState, alert: Uuid, step: i32) -> sqlx::Result<Outcome> {
    let mut tx = state.pool.begin().await?;
    let row: Option<(String, i32, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "SELECT status, step, step_at + make_interval(mins => greatest(1, (chain -> step ->> 'minutes')::int)), now()
         FROM alerts WHERE id = $1 FOR UPDATE",
    )
    .bind(alert)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, at, due, now)) = row else { return Ok(Outcome::Fail("the alert no longer exists".into())) };
    if status != "open" || at != step - 1 {
        return Ok(Outcome::Done);
    }
    let end = service::shift_end(&mut tx, alert, step - 1).await?;
    let reason = if now >= due {
        "timeout"
    } else if end.is_some_and(|e| e <= now) {
        "off_shift"
    } else {
        let at = end.filter(|e| *e < due).unwrap_or(due);
        return Ok(Outcome::Defer(at, "the step's time has not run out and its addressees are on shift".into()));
    };
    service::advance(&mut tx, state.registry, &meta(), alert, step - 1, reason).await?;
    tx.commit().await?;
    Ok(Outcome::Done)
}

/// `alerts.off_shift`: escalates every open alert whose current addressees are all there by a
/// shift that has ended (a shift ended early; a removed one). The step jobs handle shifts that
/// end as planned; this catches the rest.
pub async fn off_shift(state: AppState, _job: Job) -> Outcome {
    match sweep(&state).await {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry(format!("database: {e}")),
    }
}

/// Escalates the alerts left with nobody on shift; returns how many moved.
pub async fn sweep(state: &AppState) -> sqlx::Result<u32> {
    let due: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT a.id, a.step FROM alerts a
         WHERE a.status = 'open' AND a.step + 1 < jsonb_array_length(a.chain)
           AND EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.step = a.step)
           AND NOT EXISTS (
               SELECT 1 FROM alert_recipients r
               LEFT JOIN alert_on_call o ON o.id = r.on_call_id
               LEFT JOIN alert_nurse_assignments n ON n.id = r.assignment_id
               WHERE r.alert_id = a.id AND r.step = a.step
                 AND (NOT (r.via LIKE 'on_call:%' OR r.via = 'assigned_nurse') OR coalesce(o.ends_at, n.ends_at) > now()))
         ORDER BY a.step_at LIMIT 200",
    )
    .fetch_all(&state.pool)
    .await?;
    let mut n = 0;
    for (id, step) in due {
        let mut tx = state.pool.begin().await?;
        if service::advance(&mut tx, state.registry, &meta(), id, step, "off_shift").await? {
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// The sweep every five minutes, as a safety net for shifts changed outside Hearth's pages.
pub fn schedules() -> Vec<Schedule> {
    Schedule::new("alerts-off-shift", "*/5 * * * *", OFF_SHIFT_JOB, serde_json::Value::Null).into_iter().collect()
}
