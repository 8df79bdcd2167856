//! The durable job queue (outbox) in PostgreSQL.
//!
//! A job is inserted with [`enqueue`] on the caller's transaction, so it exists exactly when the
//! change that caused it commits. In-process workers ([`Worker`]) on every replica claim due jobs
//! with `FOR UPDATE SKIP LOCKED` under a lease (`locked_until`); a job whose worker died becomes
//! claimable again when the lease runs out. Failures are retried with exponential backoff and
//! jitter until `max_attempts`, then the job is `dead` and waits on `/admin/jobs`.

pub mod admin;
pub mod cron;
mod worker;

use std::time::Duration;

use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) use worker::housekeeping;
pub use worker::{Handler, Worker};

#[derive(Debug, Clone, FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: OffsetDateTime,
    pub idempotency_key: Option<String>,
    pub locked_by: Option<Uuid>,
}

/// Options for [`enqueue`].
#[derive(Debug, Clone, Default)]
pub struct Opts {
    /// Not before this time (default: now).
    pub run_at: Option<OffsetDateTime>,
    /// Attempts before the job is dead (default 8).
    pub max_attempts: Option<i32>,
    /// A second enqueue with the same key is a no-op.
    pub idempotency_key: Option<String>,
}

impl Opts {
    pub fn key(k: impl Into<String>) -> Self {
        Opts { idempotency_key: Some(k.into()), ..Default::default() }
    }
    pub fn at(mut self, t: OffsetDateTime) -> Self {
        self.run_at = Some(t);
        self
    }
    pub fn attempts(mut self, n: i32) -> Self {
        self.max_attempts = Some(n);
        self
    }
}

/// Queues a job on the caller's transaction. Returns its id, or `None` when a job with the same
/// idempotency key already exists.
pub async fn enqueue(conn: &mut PgConnection, kind: &str, payload: Value, opts: Opts) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, idempotency_key)
         VALUES ($1, $2, COALESCE($3, now()), COALESCE($4, 8), $5)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(opts.run_at)
    .bind(opts.max_attempts.map(|n| n.clamp(1, 100)))
    .bind(opts.idempotency_key)
    .fetch_optional(conn)
    .await
}

/// Claims up to `limit` due jobs for `token` under a lease. Jobs whose lease expired while
/// running are claimable again (their worker died); those out of attempts are declared dead.
pub async fn claim(pool: &PgPool, token: Uuid, lease: Duration, limit: i64) -> sqlx::Result<Vec<Job>> {
    sqlx::query(
        "UPDATE jobs SET state = 'dead', finished_at = now(), locked_by = NULL, locked_until = NULL,
                last_error = coalesce(last_error || ' / ', '') || 'lease expired on the last attempt'
         WHERE state = 'running' AND locked_until < now() AND attempts >= max_attempts",
    )
    .execute(pool)
    .await?;
    sqlx::query_as(
        "UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = $1,
                locked_until = now() + make_interval(secs => $2), started_at = now()
         FROM (SELECT id FROM jobs
               WHERE (state IN ('queued', 'failed') AND run_at <= now())
                  OR (state = 'running' AND locked_until < now())
               ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE j.id = due.id
         RETURNING j.id, j.kind, j.payload, j.attempts, j.max_attempts, j.run_at, j.idempotency_key, j.locked_by",
    )
    .bind(token)
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How a job run ended.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Try again later (counts as an attempt).
    Retry(String),
    /// Give up now: the job can never succeed.
    Fail(String),
    /// Not yet (circuit open, quiet hours): run again at the given time without using an attempt.
    Defer(OffsetDateTime, String),
}

/// Exponential backoff with full jitter between half and all of `base * 2^(attempt-1)`, capped.
pub fn backoff(base: Duration, attempt: i32, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.clamp(1, 20).saturating_sub(1) as u32).min(cap);
    let jitter: f64 = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..=1.0);
    exp.mul_f64(jitter)
}

/// Records the outcome, fenced by the claim token: a worker whose lease was taken over cannot
/// overwrite the new owner's result. Returns the state the job ended in, if still owned.
pub async fn finish(pool: &PgPool, job: &Job, outcome: &Outcome, base: Duration) -> sqlx::Result<Option<String>> {
    let (state, error, delay_ms, undo_attempt): (&str, Option<&str>, i64, bool) = match outcome {
        Outcome::Done => ("done", None, 0, false),
        Outcome::Fail(e) => ("dead", Some(e), 0, false),
        Outcome::Retry(e) if job.attempts >= job.max_attempts => ("dead", Some(e), 0, false),
        Outcome::Retry(e) => {
            let d = backoff(base, job.attempts, Duration::from_secs(3600));
            ("failed", Some(e), d.as_millis() as i64, false)
        }
        Outcome::Defer(at, why) => {
            let ms = (*at - OffsetDateTime::now_utc()).whole_milliseconds().max(0) as i64;
            ("queued", Some(why), ms, true)
        }
    };
    sqlx::query_scalar(
        "UPDATE jobs SET state = $3, last_error = COALESCE($4, last_error),
                run_at = CASE WHEN $3 IN ('failed', 'queued') THEN now() + make_interval(secs => $5::float8 / 1000) ELSE run_at END,
                attempts = attempts - CASE WHEN $6 THEN 1 ELSE 0 END,
                finished_at = CASE WHEN $3 IN ('done', 'dead') THEN now() END,
                locked_by = NULL, locked_until = NULL
         WHERE id = $1 AND locked_by = $2 AND state = 'running' RETURNING state",
    )
    .bind(job.id)
    .bind(job.locked_by)
    .bind(state)
    .bind(error.map(|e| truncate(e, 2000)))
    .bind(delay_ms as f64)
    .bind(undo_attempt)
    .fetch_optional(pool)
    .await
}

/// Gives back jobs a stopping worker could not finish, without using up an attempt.
pub async fn release(pool: &PgPool, token: Uuid) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL,
                locked_until = NULL, run_at = now()
         WHERE locked_by = $1 AND state = 'running'",
    )
    .bind(token)
    .execute(pool)
    .await?
    .rows_affected())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A recurring job: every occurrence of `cron` enqueues one `kind` job, once across replicas.
/// The expression is read in `time_zone` (an IANA name such as a facility's `Europe/London`;
/// UTC by default), so "0 7 * * *" is 07:00 local time on both sides of a DST change.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: String,
    pub cron: cron::Cron,
    pub cron_text: String,
    pub kind: String,
    pub payload: Value,
    pub time_zone: String,
}

impl Schedule {
    /// Validates the expression now, at configuration time.
    pub fn new(name: &str, cron_text: &str, kind: &str, payload: Value) -> Result<Self, cron::CronError> {
        Ok(Schedule {
            name: name.to_string(),
            cron: cron::Cron::parse(cron_text)?,
            cron_text: cron_text.to_string(),
            kind: kind.to_string(),
            payload,
            time_zone: "UTC".into(),
        })
    }

    /// Reads the expression in this IANA time zone (checked by [`register_schedules`]).
    pub fn in_zone(mut self, time_zone: &str) -> Self {
        self.time_zone = time_zone.trim().to_string();
        self
    }
}

/// Is `zone` a time zone PostgreSQL knows (IANA names such as `Europe/London`, or `UTC`)?
pub async fn known_time_zone(pool: &PgPool, zone: &str) -> sqlx::Result<bool> {
    if zone.is_empty() || zone.len() > 60 {
        return Ok(false);
    }
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(zone)
        .fetch_one(pool)
        .await
}

/// The first occurrence of `cron` after `after`, reading the expression as wall-clock time in
/// `zone`. PostgreSQL's time zone database does the conversions (no second copy of tzdata in
/// the binary); a local time skipped by a DST change runs at the first valid instant after it.
pub async fn next_in_zone(
    pool: &PgPool,
    cron: &cron::Cron,
    zone: &str,
    after: OffsetDateTime,
) -> sqlx::Result<OffsetDateTime> {
    let far = after + time::Duration::days(3650);
    if zone == "UTC" {
        return Ok(cron.next_after(after).unwrap_or(far));
    }
    let local: time::PrimitiveDateTime =
        sqlx::query_scalar("SELECT ($1::timestamptz AT TIME ZONE $2)").bind(after).bind(zone).fetch_one(pool).await?;
    let Some(next_local) = cron.next_after(local.assume_utc()) else { return Ok(far) };
    let wall = time::PrimitiveDateTime::new(next_local.date(), next_local.time());
    let next: OffsetDateTime =
        sqlx::query_scalar("SELECT ($1::timestamp AT TIME ZONE $2)").bind(wall).bind(zone).fetch_one(pool).await?;
    // Never at or before `after` (a DST fold can map the wall time back an hour).
    Ok(if next > after { next } else { after + time::Duration::minutes(1) })
}

/// The schedules Hearth itself runs.
pub fn builtin_schedules() -> Vec<Schedule> {
    // All are compile-time constants; a typo fails the unit test below, not production.
    let mut out = Vec::new();
    if let Ok(s) = Schedule::new("housekeeping", "17 3 * * *", "jobs.housekeeping", Value::Null) {
        out.push(s);
    }
    // API idempotency keys live 24 hours.
    if let Ok(s) = Schedule::new("api-idempotency-expiry", "@hourly", "api.idempotency_expire", Value::Null) {
        out.push(s);
    }
    // The audit chain's head, to the log and to `audit.head` webhook subscribers.
    if let Ok(s) = Schedule::new("audit-head", "*/15 * * * *", "audit.publish_head", Value::Null) {
        out.push(s);
    }
    out
}

/// Writes the schedules (keeping each one's next run when its expression and zone did not
/// change). An unknown time zone is refused here, when the schedule is configured.
pub async fn register_schedules(pool: &PgPool, schedules: &[Schedule]) -> sqlx::Result<()> {
    let now = OffsetDateTime::now_utc();
    for s in schedules {
        if !known_time_zone(pool, &s.time_zone).await? {
            return Err(sqlx::Error::Configuration(
                format!("schedule {:?}: unknown time zone {:?}", s.name, s.time_zone).into(),
            ));
        }
        let next = next_in_zone(pool, &s.cron, &s.time_zone, now).await?;
        sqlx::query(
            "INSERT INTO job_schedules (name, cron, kind, payload, next_run_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload, updated_at = now(),
                 next_run_at = CASE WHEN job_schedules.cron = EXCLUDED.cron AND job_schedules.time_zone = EXCLUDED.time_zone
                                    THEN job_schedules.next_run_at ELSE EXCLUDED.next_run_at END,
                 cron = EXCLUDED.cron, time_zone = EXCLUDED.time_zone",
        )
        .bind(&s.name)
        .bind(&s.cron_text)
        .bind(&s.kind)
        .bind(&s.payload)
        .bind(next)
        .bind(&s.time_zone)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Enqueues the due occurrence of every schedule. Replicas race harmlessly: the row lock skips
/// a schedule another replica is handling and the unique (schedule, occurrence) index makes a
/// second insert of the same occurrence a no-op. Missed occurrences (all replicas down) are
/// collapsed into one run.
pub async fn tick_schedules(pool: &PgPool) -> sqlx::Result<u32> {
    let mut tx = pool.begin().await?;
    let due: Vec<(String, String, String, Value, OffsetDateTime, String)> = sqlx::query_as(
        "SELECT name, cron, kind, payload, next_run_at, time_zone FROM job_schedules WHERE next_run_at <= now()
         FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut n = 0;
    let now = OffsetDateTime::now_utc();
    for (name, cron_text, kind, payload, occurrence, zone) in due {
        let next = match cron::Cron::parse(&cron_text) {
            Ok(c) => next_in_zone(pool, &c, &zone, now).await?,
            Err(e) => {
                tracing::error!(schedule = %name, error = %e, "stored schedule no longer parses; pausing it");
                now + time::Duration::days(3650)
            }
        };
        let inserted = sqlx::query(
            "INSERT INTO jobs (kind, payload, schedule, occurrence, max_attempts) VALUES ($1, $2, $3, $4, 3)
             ON CONFLICT (schedule, occurrence) WHERE schedule IS NOT NULL DO NOTHING",
        )
        .bind(&kind)
        .bind(&payload)
        .bind(&name)
        .bind(occurrence)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        n += inserted as u32;
        sqlx::query("UPDATE job_schedules SET next_run_at = $2, last_run_at = $3 WHERE name = $1")
            .bind(&name)
            .bind(next)
            .bind(occurrence)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Queue depth by state, for /metrics.
pub async fn depth(pool: &PgPool) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT s.state, count(j.id) FROM unnest(ARRAY['queued','running','failed','dead']) AS s(state)
         LEFT JOIN jobs j ON j.state = s.state GROUP BY s.state ORDER BY s.state",
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schedules_parse() {
        assert_eq!(builtin_schedules().len(), 3);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(2);
        for attempt in 1..10 {
            let d = backoff(base, attempt, Duration::from_secs(60));
            let full = base.saturating_mul(1 << (attempt - 1)).min(Duration::from_secs(60));
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
    }
}
