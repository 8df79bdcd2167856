//! A circuit breaker per provider, kept in the database so every replica shares it.
//! closed → (threshold failures in a row) → open for the cooldown → half_open: one trial
//! delivery; success closes it, failure opens it again.

use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;

pub enum Admit {
    Go,
    /// Paused: try again at this time.
    WaitUntil(OffsetDateTime),
}

pub async fn admit(pool: &PgPool, provider: &str, cooldown: Duration) -> sqlx::Result<Admit> {
    let row: Option<(String, Option<OffsetDateTime>)> =
        sqlx::query_as("SELECT state, open_until FROM circuit_breakers WHERE provider = $1")
            .bind(provider)
            .fetch_optional(pool)
            .await?;
    let now = OffsetDateTime::now_utc();
    let Some((state, until)) = row else { return Ok(Admit::Go) };
    let until = until.unwrap_or(now);
    if state == "closed" {
        return Ok(Admit::Go);
    }
    if until > now {
        return Ok(Admit::WaitUntil(until));
    }
    // The pause is over (or a trial got stuck): exactly one caller wins the trial.
    let won = sqlx::query(
        "UPDATE circuit_breakers SET state = 'half_open', open_until = now() + make_interval(secs => $2), updated_at = now()
         WHERE provider = $1 AND state <> 'closed' AND open_until <= now()",
    )
    .bind(provider)
    .bind(cooldown.as_secs_f64())
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    Ok(if won { Admit::Go } else { Admit::WaitUntil(now + cooldown) })
}

pub async fn success(pool: &PgPool, provider: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE circuit_breakers SET state = 'closed', failures = 0, open_until = NULL, updated_at = now()
         WHERE provider = $1 AND (state <> 'closed' OR failures > 0)",
    )
    .bind(provider)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn failure(
    pool: &PgPool,
    provider: &str,
    error: &str,
    threshold: i32,
    cooldown: Duration,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO circuit_breakers AS b (provider, state, failures, open_until, last_error)
         VALUES ($1, CASE WHEN $3 <= 1 THEN 'open' ELSE 'closed' END, 1,
                 CASE WHEN $3 <= 1 THEN now() + make_interval(secs => $4) END, $2)
         ON CONFLICT (provider) DO UPDATE SET
             failures = b.failures + 1,
             last_error = EXCLUDED.last_error,
             updated_at = now(),
             state = CASE WHEN b.state = 'half_open' OR b.failures + 1 >= $3 THEN 'open' ELSE b.state END,
             open_until = CASE WHEN b.state = 'half_open' OR b.failures + 1 >= $3
                               THEN now() + make_interval(secs => $4) ELSE b.open_until END",
    )
    .bind(provider)
    .bind(error.chars().take(500).collect::<String>())
    .bind(threshold)
    .bind(cooldown.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}
