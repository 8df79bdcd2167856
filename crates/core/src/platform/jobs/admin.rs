//! `/admin/jobs`: queued, running, failed and dead jobs with their errors; retry and discard
//! (audited); recurring schedules, circuit breakers and recent message deliveries.

use crate::platform::routes::Routes;
use crate::web::Path;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use sqlx::FromRow;
use time::OffsetDateTime;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::auth::Auth;
use crate::platform::rbac::HasPerms;
use crate::web::paging::{PageRequest, Paged, Pager};
use crate::web::{self, Page};

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/jobs", get(list))
        .route("/admin/jobs/{id}/retry", post(retry))
        .route("/admin/jobs/{id}/discard", post(discard))
}

#[derive(FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub schedule: Option<String>,
}

#[derive(FromRow)]
pub struct ScheduleRow {
    pub name: String,
    pub cron: String,
    pub time_zone: String,
    pub kind: String,
    pub next_run_at: OffsetDateTime,
    pub last_run_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
pub struct BreakerRow {
    pub provider: String,
    pub state: String,
    pub failures: i32,
    pub open_until: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

#[derive(FromRow)]
pub struct MessageRow {
    pub id: uuid::Uuid,
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    page: Page,
    state_filter: String,
    jobs: Vec<JobRow>,
    pager: Pager,
    counts: Vec<(String, i64)>,
    schedules: Vec<ScheduleRow>,
    breakers: Vec<BreakerRow>,
    messages: Vec<MessageRow>,
}

impl JobsPage {
    /// The message key of a job state (`admin-jobs-state-<state>`).
    fn state_key(&self, state: &str) -> String {
        format!("admin-jobs-state-{state}")
    }

    /// The message key of a circuit breaker's state (`admin-jobs-breaker-<state>`).
    fn breaker_key(&self, state: &str) -> String {
        format!("admin-jobs-breaker-{state}")
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filter {
    state: String,
    after: Option<String>,
}

/// Jobs per page of the admin list.
const JOBS_PAGE: i64 = 100;

async fn list(State(state): State<AppState>, page: Page, auth: Auth, Query(f): Query<Filter>) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let filter = match f.state.as_str() {
        "" => String::new(),
        s @ ("queued" | "running" | "failed" | "dead") => s.to_string(),
        _ => return Err(AppError::BadRequest("state must be queued, running, failed or dead".into())),
    };
    let req: PageRequest<i64> = PageRequest::parse(f.after.as_deref(), None, JOBS_PAGE, JOBS_PAGE)?;
    let jobs: Vec<JobRow> = sqlx::query_as(
        "SELECT id, kind, state, attempts, max_attempts, run_at, last_error, schedule
         FROM jobs WHERE state IN ('queued', 'running', 'failed', 'dead') AND ($1 = '' OR state = $1)
           AND ($3::bigint IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $2",
    )
    .bind(&filter)
    .bind(req.fetch())
    .bind(req.after)
    .fetch_all(&state.pool)
    .await?;
    let jobs = Paged::from_rows(jobs, req.limit, |j| j.id);
    let pager =
        Pager::new("/admin/jobs", &[("state", &filter)], &jobs, req.is_later()).labels("Older jobs", "Newest jobs");
    let counts = super::depth(&state.pool).await?;
    let schedules = sqlx::query_as(
        "SELECT name, cron, time_zone, kind, next_run_at, last_run_at
         FROM job_schedules ORDER BY name",
    )
    .fetch_all(&state.pool)
    .await?;
    let breakers = sqlx::query_as(
        "SELECT provider, state, failures, open_until, last_error
         FROM circuit_breakers ORDER BY provider",
    )
    .fetch_all(&state.pool)
    .await?;
    let messages = sqlx::query_as(
        "SELECT id, channel, kind, recipient, status, attempts, last_error, created_at
         FROM messages ORDER BY created_at DESC LIMIT 50",
    )
    .fetch_all(&state.pool)
    .await?;
    let title = page.t("admin-jobs-heading");
    web::render(&JobsPage {
        page: page.titled(title.clone()).crumb(title, "/admin/jobs"),
        state_filter: filter,
        jobs: jobs.items,
        pager,
        counts,
        schedules,
        breakers,
        messages,
    })
}

async fn retry(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let before: Option<(String, i32)> = sqlx::query_as("SELECT state, attempts FROM jobs WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((from, attempts)) = before else { return Err(AppError::NotFound) };
    if !matches!(from.as_str(), "failed" | "dead") {
        return Err(AppError::Conflict(format!("Only failed or dead jobs can be retried; this one is {from}.")));
    }
    // A fresh set of attempts, due now.
    sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = now(), attempts = 0, finished_at = NULL,
                max_attempts = greatest(max_attempts, 1) WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("job.retry", "job", id)
            .changes(serde_json::json!({"state": {"from": from, "to": "queued"}, "attempts_before": attempts})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/admin/jobs", "ok", &page.t1("admin-jobs-retried", "id", id.to_string())))
}

async fn discard(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<i64>) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let from: Option<String> =
        sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut *tx).await?;
    let Some(from) = from else { return Err(AppError::NotFound) };
    if !matches!(from.as_str(), "queued" | "failed" | "dead") {
        return Err(AppError::Conflict(format!("A {from} job cannot be discarded.")));
    }
    // Discarded jobs are deleted; the audit event keeps what they were.
    let (kind, payload): (String, serde_json::Value) =
        sqlx::query_as("DELETE FROM jobs WHERE id = $1 RETURNING kind, payload").bind(id).fetch_one(&mut *tx).await?;
    // A message whose delivery job is discarded will never be sent.
    sqlx::query(
        "UPDATE messages SET status = 'dead', last_error = 'delivery job discarded by an administrator', updated_at = now()
         WHERE id::text = $1->>'message_id' AND status IN ('queued', 'failed')",
    )
    .bind(&payload)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("job.discard", "job", id)
            .changes(serde_json::json!({"state": from, "kind": kind, "payload": payload})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/admin/jobs", "ok", &page.t1("admin-jobs-discarded", "id", id.to_string())))
}
