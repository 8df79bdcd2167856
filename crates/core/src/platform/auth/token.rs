//! Short-lived JWT access tokens for the JSON and FHIR APIs: HS256 with a key derived from the
//! master key per key version. The key id (`hearth-v<N>`) is in the header, so after
//! `hearth keys rotate` new tokens use the new key while tokens of the previous version keep
//! working until they expire. Every request re-loads the user or client, so deactivating
//! either stops its tokens at once. A user token carries the user's security stamp (`sst`) and is
//! refused once the stamp has moved (deactivation, password, roles, MFA reset, sign-out
//! everywhere), so it does not come back when the account is reactivated.

use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::FromRow;
use uuid::Uuid;

use super::{AuthVia, CurrentUser, UserRow, STAMP_SQL, USER_GRANTS_SQL};
use crate::app::AppState;
use crate::error::AppError;

pub const KEY_PREFIX: &str = "hearth-v";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub iss: String,
    /// "user" (default) or "client".
    #[serde(default)]
    pub typ: Option<String>,
    /// User tokens: the user's security stamp when the token was issued (µs since the epoch).
    /// A token whose stamp is older than the user's current one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sst: Option<i64>,
}

pub fn key_id(version: u32) -> String {
    format!("{KEY_PREFIX}{version}")
}

fn sign(state: &AppState, sub: Uuid, typ: &str, sst: Option<i64>) -> Result<(String, u64), AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ttl = state.config.api_token_ttl.as_secs();
    let claims = Claims {
        sub,
        iat: now,
        exp: now + ttl as i64,
        jti: Uuid::new_v4(),
        iss: "hearth".into(),
        typ: Some(typ.into()),
        sst,
    };
    let version = state.keys.active_version();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key_id(version));
    let tok = encode(&header, &claims, &EncodingKey::from_secret(&state.keys.jwt_secret(version)))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("jwt encode: {e}")))?;
    Ok((tok, ttl))
}

/// A user token, bound to the user's current security stamp.
pub async fn issue(state: &AppState, user_id: Uuid) -> Result<(String, u64), AppError> {
    let stamp: i64 = sqlx::query_scalar(&format!("SELECT {STAMP_SQL} FROM users u WHERE u.id = $1"))
        .bind(user_id)
        .fetch_one(&state.pool)
        .await?;
    sign(state, user_id, "user", Some(stamp))
}

pub fn issue_for_client(state: &AppState, client: Uuid) -> Result<(String, u64), AppError> {
    sign(state, client, "client", None)
}

/// Why a token was refused, for the security log (the caller only ever sees 401).
#[derive(Debug)]
pub enum Refusal {
    Malformed,
    UnknownKey,
    BadSignatureOrExpired,
    Inactive,
    /// Issued before the user's security stamp moved (deactivation, password, roles, MFA reset).
    Stale,
    AddressNotAllowed,
}

impl Refusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::UnknownKey => "unknown_key",
            Refusal::BadSignatureOrExpired => "bad_signature_or_expired",
            Refusal::Inactive => "inactive_principal",
            Refusal::Stale => "stale_security_stamp",
            Refusal::AddressNotAllowed => "address_not_allowed",
        }
    }
}

#[derive(FromRow)]
struct StampedUser {
    stamp: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

#[derive(FromRow)]
struct ClientRow {
    id: Uuid,
    client_id: String,
    name: String,
    scopes: Vec<String>,
    ip_allow: Vec<IpNetwork>,
    facility_id: Option<Uuid>,
}

/// Validates the token and loads its (still active) principal with current permissions.
pub async fn verify(
    state: &AppState,
    tok: &str,
    ip: Option<IpNetwork>,
) -> Result<Result<CurrentUser, Refusal>, AppError> {
    let Ok(header) = decode_header(tok) else { return Ok(Err(Refusal::Malformed)) };
    // Only HS256 with one of our key ids; `alg: none` and other algorithms never get here.
    if header.alg != Algorithm::HS256 {
        return Ok(Err(Refusal::Malformed));
    }
    let active = state.keys.active_version();
    let version = header.kid.as_deref().and_then(|k| k.strip_prefix(KEY_PREFIX)).and_then(|v| v.parse::<u32>().ok());
    let Some(version) = version.filter(|v| *v == active || (*v + 1 == active && *v > 0)) else {
        return Ok(Err(Refusal::UnknownKey));
    };
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&["hearth"]);
    v.leeway = 5;
    let Ok(data) = decode::<Claims>(tok, &DecodingKey::from_secret(&state.keys.jwt_secret(version)), &v) else {
        return Ok(Err(Refusal::BadSignatureOrExpired));
    };
    if data.claims.typ.as_deref() == Some("client") {
        let row: Option<ClientRow> = sqlx::query_as(
            "UPDATE api_clients SET last_used_at = now() WHERE id = $1 AND enabled
             RETURNING id, client_id, name, scopes, ip_allow, facility_id",
        )
        .bind(data.claims.sub)
        .fetch_optional(&state.pool)
        .await?;
        let Some(c) = row else { return Ok(Err(Refusal::Inactive)) };
        if !c.ip_allow.is_empty() && !ip.is_some_and(|ip| c.ip_allow.iter().any(|n| n.contains(ip.ip()))) {
            return Ok(Err(Refusal::AddressNotAllowed));
        }
        return Ok(Ok(CurrentUser {
            id: c.id,
            email: format!("api-client:{}", c.client_id),
            display_name: c.name,
            roles: Vec::new(),
            perms: c.scopes,
            facility_ids: c.facility_id.into_iter().collect(),
            session_id: None,
            must_change_password: false,
            mfa_enabled: false,
            mfa_required: false,
            via: AuthVia::Bearer,
            client_id: Some(c.client_id),
            // The API speaks UTC.
            time_zone: None,
            locale: crate::web::DEFAULT_LOCALE.to_string(),
        }));
    }
    let row: Option<StampedUser> = sqlx::query_as(&format!(
        "SELECT {STAMP_SQL} AS stamp, {USER_GRANTS_SQL} FROM users u WHERE u.id = $1 AND u.active"
    ))
    .bind(data.claims.sub)
    .fetch_optional(&state.pool)
    .await?;
    match row {
        Some(r) if data.claims.sst.is_none_or(|sst| sst < r.stamp) => Ok(Err(Refusal::Stale)),
        Some(r) if !r.user.must_change_password => Ok(Ok(r.user.into_user(None, AuthVia::Bearer))),
        _ => Ok(Err(Refusal::Inactive)),
    }
}
