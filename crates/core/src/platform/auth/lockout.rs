//! The one lockout rule of every sign-in path (the form, `/mfa`, the token endpoint): each wrong
//! password or second-factor code of an existing account counts; the 5th consecutive failure
//! locks the account for 15 minutes; only a completed sign-in (password and, for accounts with
//! MFA, a correct code) resets the count. While locked, nothing is checked.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::platform::audit::{self, AuditMeta, Event};

pub const THRESHOLD: i32 = 5;
pub const MINUTES: i64 = 15;

/// True while the account is locked.
pub async fn is_locked(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<bool> {
    let locked: Option<bool> =
        sqlx::query_scalar("SELECT coalesce(locked_until > now(), false) FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(locked.unwrap_or(false))
}

/// Counts a failure (audited as `action`, e.g. `auth.login_failed` or `auth.mfa_failed`) and
/// locks the account when it reaches the threshold. Returns true when this failure locked it.
pub async fn record_failure(
    conn: &mut PgConnection,
    am: &AuditMeta,
    user_id: Uuid,
    action: &'static str,
) -> sqlx::Result<bool> {
    let failures: i32 =
        sqlx::query_scalar("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    audit::record(conn, am, Event::new(action, "user", user_id).changes(serde_json::json!({"failures": failures})))
        .await?;
    if failures < THRESHOLD {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = now() + make_interval(mins => $2::int) WHERE id = $1",
    )
    .bind(user_id)
    .bind(MINUTES as i32)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        am,
        Event::new("auth.lockout", "user", user_id).changes(serde_json::json!({"minutes": MINUTES})),
    )
    .await?;
    tracing::warn!(user_id = %user_id, "account locked after repeated sign-in failures");
    Ok(true)
}

/// A completed sign-in: the count starts again.
pub async fn record_success(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
