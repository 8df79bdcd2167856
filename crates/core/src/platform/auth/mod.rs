//! Who is asking: browser sessions, API bearer tokens and the extractors handlers use.

pub mod account;
pub mod lockout;
pub mod mfa;
pub mod mfa_routes;
pub mod password;
pub mod routes;
pub mod session;
pub mod token;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::error::AppError;
use crate::platform::audit::AuditMeta;
use crate::platform::rbac::HasPerms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Session,
    Bearer,
}

/// The signed-in user, resolved once per request by middleware.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub perms: Vec<String>,
    pub facility_ids: Vec<Uuid>,
    pub session_id: Option<Uuid>,
    pub must_change_password: bool,
    pub mfa_enabled: bool,
    /// One of the user's roles requires MFA (enrolment is forced when not yet enabled).
    pub mfa_required: bool,
    pub via: AuthVia,
    /// Set when the caller is a registered API client, not a person.
    pub client_id: Option<String>,
    /// The IANA time zone of the user's facility ([`USER_ZONE_SQL`]); `None`: the installation's
    /// (`HEARTH_TIME_ZONE`).
    pub time_zone: Option<String>,
    /// The user's language (BCP 47): their own choice (`users.locale`, the account page), else
    /// their facility's (`facilities.locale`, the first by code, as for the zone); empty when
    /// neither is known (the browser's `Accept-Language` then decides, see [`crate::i18n`]).
    pub locale: String,
}

impl HasPerms for CurrentUser {
    fn perm_codes(&self) -> &[String] {
        &self.perms
    }
}

#[derive(FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub must_change_password: bool,
    pub mfa_enabled: bool,
    pub mfa_required: bool,
    pub roles: Vec<String>,
    pub perms: Vec<String>,
    pub facility_ids: Vec<Uuid>,
    pub time_zone: Option<String>,
    pub locale: String,
}

/// The time zone of user `{user}` (an SQL expression for the user's id): that of the first of
/// their active facilities by facility code — the one their pages show times in, their forms
/// read times in and their quiet hours are kept in. NULL without an active facility (the
/// installation's zone then applies). Facilities have no "primary" mark; the first by code is
/// stable and is what an administrator sees first on the user's page.
pub fn user_zone_sql(user: &str) -> String {
    format!(
        "(SELECT f.timezone FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id \
         WHERE uf.user_id = {user} AND f.active ORDER BY f.code LIMIT 1)"
    )
}

/// Roles, permissions, facilities, time zone ([`user_zone_sql`]) and locale of an active user,
/// in one round trip.
pub(crate) const USER_GRANTS_SQL: &str = "
    u.id, u.email::text AS email, u.display_name, u.must_change_password, u.mfa_enabled,
    EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.code = ur.role_code
            WHERE ur.user_id = u.id AND r.mfa_required) AS mfa_required,
    ARRAY(SELECT role_code FROM user_roles WHERE user_id = u.id ORDER BY role_code) AS roles,
    ARRAY(SELECT DISTINCT rp.permission_code FROM user_roles ur
          JOIN role_permissions rp ON rp.role_code = ur.role_code WHERE ur.user_id = u.id) AS perms,
    ARRAY(SELECT uf.facility_id FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id
          WHERE uf.user_id = u.id AND f.active ORDER BY f.code) AS facility_ids,
    (SELECT f.timezone FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id \
     WHERE uf.user_id = u.id AND f.active ORDER BY f.code LIMIT 1) AS time_zone,
    COALESCE(u.locale, (SELECT f.locale FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id \
     WHERE uf.user_id = u.id AND f.active ORDER BY f.code LIMIT 1), '') AS locale";

impl UserRow {
    pub(crate) fn into_user(self, session_id: Option<Uuid>, via: AuthVia) -> CurrentUser {
        CurrentUser {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            roles: self.roles,
            perms: self.perms,
            facility_ids: self.facility_ids,
            session_id,
            must_change_password: self.must_change_password,
            mfa_enabled: self.mfa_enabled,
            mfa_required: self.mfa_required,
            via,
            client_id: None,
            time_zone: self.time_zone,
            locale: self.locale,
        }
    }
}

pub async fn load_active_user(pool: &PgPool, id: Uuid, via: AuthVia) -> sqlx::Result<Option<CurrentUser>> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("SELECT {USER_GRANTS_SQL} FROM users u WHERE u.id = $1 AND u.active"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|r| r.into_user(None, via)))
}

/// The user's security stamp in microseconds since the epoch (API tokens carry it as `sst`).
pub const STAMP_SQL: &str = "(extract(epoch FROM u.security_stamp) * 1000000)::bigint";

/// Moves the user's security stamp forward: API tokens issued before are refused from now on.
/// Called on deactivation, password change or reset, role change, MFA reset and sign-out
/// everywhere, in the same transaction as the change.
pub async fn bump_security_stamp(conn: &mut sqlx::PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET security_stamp = greatest(clock_timestamp(), security_stamp + interval '1 microsecond')
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A session that passed the password step and waits for the second factor.
#[derive(Debug, Clone)]
pub struct PendingMfa {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
}

/// Request facts for the audit log: request id, client address, user agent.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<IpNetwork>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        Self::from_head(&parts.headers, &parts.extensions)
    }

    pub fn from_head(headers: &axum::http::HeaderMap, extensions: &axum::http::Extensions) -> Self {
        let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        let ip = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| IpNetwork::from(c.0.ip()));
        let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
        RequestMeta { request_id, ip, user_agent }
    }

    pub fn audit(&self, user: Option<&CurrentUser>) -> AuditMeta {
        AuditMeta {
            // API clients are not users: they are named in the label only.
            actor_user_id: user.filter(|u| u.client_id.is_none()).map(|u| u.id),
            actor_label: user.map(|u| u.email.clone()).unwrap_or_else(|| "anonymous".into()),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
            session_id: user.and_then(|u| u.session_id),
            request_id: self.request_id.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestMeta::from_parts(parts))
    }
}

/// A handler argument that demands a signed-in user (401 / redirect to sign-in otherwise)
/// and carries the audit facts of the request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: CurrentUser,
    pub meta: AuditMeta,
}

impl std::ops::Deref for Auth {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Auth as FromRequestParts<S>>::from_request_parts(parts, state).await.ok())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let user = parts.extensions.get::<CurrentUser>().cloned().ok_or(AppError::Unauthenticated)?;
        let meta = RequestMeta::from_parts(parts).audit(Some(&user));
        Ok(Auth { user, meta })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_session_query_reads_the_zone_by_the_one_rule() {
        assert!(super::USER_GRANTS_SQL.contains(&super::user_zone_sql("u.id")));
    }
}
