//! Fixed-window rate limits kept in PostgreSQL, so every replica shares the same counters.

use std::time::Duration;

use sqlx::PgPool;

use crate::app::AppState;
use crate::error::AppError;
use crate::platform::audit::{self, AuditMeta, Event};

/// A limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i32,
    pub window: Duration,
}

pub const LOGIN_PER_IP: Limit = Limit { max: 30, window: Duration::from_secs(300) };
pub const LOGIN_PER_ACCOUNT: Limit = Limit { max: 10, window: Duration::from_secs(300) };
pub const EMAIL_CODES_PER_USER: Limit = Limit { max: 3, window: Duration::from_secs(600) };
pub const MFA_PER_USER: Limit = Limit { max: 10, window: Duration::from_secs(300) };
pub const TOKEN_PER_IP: Limit = Limit { max: 60, window: Duration::from_secs(300) };
pub const BAD_TOKEN_PER_IP: Limit = Limit { max: 30, window: Duration::from_secs(300) };
pub const API_PER_CLIENT: Limit = Limit { max: 600, window: Duration::from_secs(60) };
pub const API_PER_USER: Limit = Limit { max: 600, window: Duration::from_secs(60) };

/// The scope that lets an API client import at its own rate (`HEARTH_IMPORT_RATE_PER_MIN`,
/// default 20,000 a minute) instead of [`API_PER_CLIENT`]. It is kept among the client's scopes
/// but is no permission: it grants nothing but the rate.
pub const IMPORT_SCOPE: &str = "import";

/// The API limit of a caller: a person's, a client's, or an importing client's.
pub fn api_limit(config: &crate::config::Config, is_client: bool, scopes: &[String]) -> Limit {
    if !is_client {
        API_PER_USER
    } else if scopes.iter().any(|s| s == IMPORT_SCOPE) {
        Limit { max: config.import_rate_per_min.min(i32::MAX as u32) as i32, window: Duration::from_secs(60) }
    } else {
        API_PER_CLIENT
    }
}

/// Counts one hit on `key`; over the limit, returns `TooManyRequests` with the seconds until the
/// window ends. The first refusal of a window is recorded as a security event.
pub async fn check(state: &AppState, key: &str, limit: Limit, meta: &AuditMeta) -> Result<(), AppError> {
    if !state.config.rate_limits {
        return Ok(());
    }
    let pool = &state.pool;
    let (hits, retry): (i32, f64) = sqlx::query_as(
        "INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, now(), 1)
         ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.hits + 1 END,
            window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END
         RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $2) - now())::float8",
    )
    .bind(key)
    .bind(limit.window.as_secs_f64())
    .fetch_one(pool)
    .await?;
    if hits <= limit.max {
        return Ok(());
    }
    if hits == limit.max + 1 {
        let kind = key.split(':').take(2).collect::<Vec<_>>().join(":");
        audit::record_now(
            pool,
            meta,
            Event::new("security.rate_limited", "rate_limit", kind)
                .changes(serde_json::json!({"limit": limit.max, "window_secs": limit.window.as_secs()})),
        )
        .await?;
    }
    Err(AppError::TooManyRequests(retry.ceil().max(1.0) as u64))
}

/// Drops windows that ended long ago (called now and then by the server).
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected())
}
