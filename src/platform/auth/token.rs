//! Short-lived JWT access tokens for the JSON and FHIR APIs (HS256, key derived from the
//! master key; key id in the header so keys can rotate).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{load_active_user, AuthVia, CurrentUser};
use crate::app::AppState;
use crate::error::AppError;

pub const KEY_ID: &str = "hearth-v1";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    pub iss: String,
}

pub fn issue(state: &AppState, user_id: Uuid) -> Result<(String, u64), AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ttl = state.config.api_token_ttl.as_secs();
    let claims = Claims { sub: user_id, iat: now, exp: now + ttl as i64, jti: Uuid::new_v4(), iss: "hearth".into() };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KEY_ID.into());
    let tok = encode(&header, &claims, &EncodingKey::from_secret(state.keys.jwt_secret()))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("jwt encode: {e}")))?;
    Ok((tok, ttl))
}

/// Validates the token and loads the (still active) user with current permissions, so a
/// deactivated account or a removed role takes effect at once.
pub async fn verify(state: &AppState, tok: &str) -> Result<CurrentUser, AppError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&["hearth"]);
    v.leeway = 5;
    let data = decode::<Claims>(tok, &DecodingKey::from_secret(state.keys.jwt_secret()), &v)
        .map_err(|_| AppError::Unauthenticated)?;
    if data.header.kid.as_deref() != Some(KEY_ID) {
        return Err(AppError::Unauthenticated);
    }
    let user =
        load_active_user(&state.pool, data.claims.sub, AuthVia::Bearer).await?.ok_or(AppError::Unauthenticated)?;
    if user.must_change_password {
        return Err(AppError::Unauthenticated);
    }
    Ok(user)
}
