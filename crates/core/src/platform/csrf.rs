//! CSRF protection for browser forms: a token derived by HMAC from the session id (signed in)
//! or from a random pre-session cookie (sign-in form). Forms carry it in `csrf_token` (in a
//! multipart upload as the first part, before the file), htmx requests in the `X-CSRF-Token`
//! header; never in the query string. `/api` and `/fhir` use bearer tokens and are exempt.

use base64::Engine;
use subtle::ConstantTimeEq;

use crate::platform::crypto::KeyRing;

pub const COOKIE: &str = "hearth_csrf";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The token the current request's forms must carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn token_for(keys: &KeyRing, binding: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(keys.hmac_csrf(binding.as_bytes()))
}

pub fn matches(expected: &str, provided: &str) -> bool {
    expected.len() == provided.len() && bool::from(expected.as_bytes().ct_eq(provided.as_bytes()))
}

/// Finds `csrf_token` in an urlencoded form body.
pub fn from_form(body: &[u8]) -> Option<String> {
    form_urlencoded_pairs(body).find(|(k, _)| k == FIELD).map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter()
}
