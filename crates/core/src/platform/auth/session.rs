//! Server-side browser sessions: an opaque random token in an HttpOnly cookie, only its
//! SHA-256 stored; idle timeout and absolute lifetime enforced on every request.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuthVia, CurrentUser, UserRow, USER_GRANTS_SQL};
use crate::config::Config;

pub const COOKIE: &str = "hearth_session";

pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates a session for `user_id` and returns its token (for the cookie).
pub async fn create(
    conn: &mut PgConnection,
    cfg: &Config,
    user_id: Uuid,
    ip: Option<IpNetwork>,
    user_agent: Option<&str>,
    mfa_pending: bool,
) -> sqlx::Result<(Uuid, String)> {
    let token = new_token();
    let id = Uuid::new_v4();
    // A half-signed-in session lives just long enough to type a code.
    let lifetime = if mfa_pending { 300.0 } else { cfg.session_absolute.as_secs_f64() };
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, expires_at, ip, user_agent, mfa_pending)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6, $7)",
    )
    .bind(id)
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(lifetime)
    .bind(ip)
    .bind(user_agent.unwrap_or("").chars().take(400).collect::<String>())
    .bind(mfa_pending)
    .execute(conn)
    .await?;
    Ok((id, token))
}

/// A browser request that came with a session cookie whose session is gone (request
/// extension, set by the session middleware): timed out, or signed out or revoked elsewhere.
/// Pages then say so in words instead of failing on the form's security token.
#[derive(Debug, Clone, Copy)]
pub struct SessionEnded {
    /// The idle timeout or the absolute lifetime ran out (else: signed out or revoked).
    pub timed_out: bool,
}

/// The idle timeout pages warn about (request extension; see `Page::session_idle_secs`).
#[derive(Debug, Clone, Copy)]
pub struct IdleTimeout(pub u64);

/// What a page says when a session has ended (the sign-in flash and the ended-session page).
pub fn ended_message(idle_minutes: u64, timed_out: bool) -> String {
    if timed_out {
        format!(
            "Your session ended after {idle_minutes} minutes without activity; sign in again — your draft is kept in this browser."
        )
    } else {
        "Your session has ended (signed out or ended elsewhere); sign in again — your draft is kept in this browser."
            .into()
    }
}

pub enum Lookup {
    Valid(Box<CurrentUser>),
    /// Password accepted, second factor still to come.
    Pending(super::PendingMfa),
    /// Existed but timed out (idle or absolute); now revoked.
    Expired,
    None,
}

#[derive(FromRow)]
struct SessionRow {
    session_id: Uuid,
    last_seen_at: OffsetDateTime,
    expired: bool,
    mfa_pending: bool,
    #[sqlx(flatten)]
    user: UserRow,
}

/// Resolves a cookie token to its user, enforcing the timeouts.
pub async fn lookup(pool: &PgPool, cfg: &Config, token: &str) -> sqlx::Result<Lookup> {
    let row: Option<SessionRow> = sqlx::query_as(&format!(
        "SELECT s.id AS session_id, s.last_seen_at, s.mfa_pending,
                (s.last_seen_at < now() - make_interval(secs => $2) OR s.expires_at <= now()) AS expired,
                {USER_GRANTS_SQL}
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND u.active"
    ))
    .bind(token_hash(token))
    .bind(cfg.session_idle.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(Lookup::None) };
    if row.expired {
        sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1").bind(row.session_id).execute(pool).await?;
        return Ok(Lookup::Expired);
    }
    if row.mfa_pending {
        return Ok(Lookup::Pending(super::PendingMfa {
            session_id: row.session_id,
            user_id: row.user.id,
            email: row.user.email,
        }));
    }
    // Touch at most every 30 s: enough precision for a 15-minute idle timeout, far fewer writes.
    if OffsetDateTime::now_utc() - row.last_seen_at > time::Duration::seconds(30) {
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE id = $1")
            .bind(row.session_id)
            .execute(pool)
            .await?;
    }
    Ok(Lookup::Valid(Box::new(row.user.into_user(Some(row.session_id), AuthVia::Session))))
}

pub async fn revoke(conn: &mut PgConnection, session_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(session_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change, forced reset, deactivation), except `keep`.
pub async fn revoke_all(conn: &mut PgConnection, user_id: Uuid, keep: Option<Uuid>) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
    )
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

pub fn cookie(cfg: &Config, name: &str, value: &str) -> String {
    let secure = if cfg.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

pub fn clear_cookie(cfg: &Config, name: &str) -> String {
    let secure = if cfg.secure_cookies { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Reads one cookie from the request headers.
pub fn read_cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Applies the strictest `max_sessions` of the user's roles: the oldest sessions beyond it end.
pub async fn enforce_limit(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<u64> {
    let max: Option<i32> = sqlx::query_scalar(
        "SELECT min(r.max_sessions) FROM user_roles ur JOIN roles r ON r.code = ur.role_code WHERE ur.user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    let Some(max) = max else { return Ok(0) };
    let r = sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE id IN (
            SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND NOT mfa_pending AND expires_at > now()
            ORDER BY created_at DESC OFFSET $2)",
    )
    .bind(user_id)
    .bind(max as i64)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}
