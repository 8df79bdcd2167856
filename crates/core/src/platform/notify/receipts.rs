//! Delivery receipts from the SMS gateway: `POST /hooks/sms/status`, the Twilio-compatible
//! status callback. Outgoing messages name this URL as their `StatusCallback`; the gateway
//! posts `MessageSid` and `MessageStatus` (form-encoded) as the message moves on, signed with
//! `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, URL + sorted name/value pairs)).
//!
//! The route sits outside the browser and API routers: no session and no CSRF token (the
//! gateway has neither); the signature is the authentication. `delivered` (and WhatsApp's
//! `read`) settle a message as delivered; `undelivered` and `failed` mark it failed with the
//! carrier's error code; other statuses are only recorded.

use crate::platform::routes::Routes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::app::AppState;

pub const PATH: &str = "/hooks/sms/status";

pub fn router() -> Routes {
    Routes::new().route(PATH, post(sms_status))
}

/// The absolute callback URL the gateway is given (and signs).
pub fn callback_url(base_url: &str) -> String {
    format!("{}{PATH}", base_url.trim_end_matches('/'))
}

/// Twilio's request signature over the URL and the sorted form parameters.
pub fn signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(token.as_bytes()).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn plain(status: StatusCode, msg: &'static str) -> Response {
    (status, [("content-type", "text/plain; charset=utf-8")], msg).into_response()
}

async fn sms_status(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(sms) = &state.config.sms else {
        return plain(StatusCode::NOT_FOUND, "no SMS gateway is configured");
    };
    let Ok(params) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "the body must be application/x-www-form-urlencoded");
    };
    let given = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    let expected = signature(sms.token.expose_secret(), &callback_url(&state.config.base_url), &params);
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        tracing::warn!("SMS status callback refused: missing or wrong X-Twilio-Signature");
        return plain(StatusCode::FORBIDDEN, "bad or missing X-Twilio-Signature");
    }
    let field = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let (Some(sid), Some(status)) = (field("MessageSid").or_else(|| field("SmsSid")), field("MessageStatus")) else {
        return plain(StatusCode::BAD_REQUEST, "MessageSid and MessageStatus are required");
    };
    if sid.len() > 100 || status.len() > 40 {
        return plain(StatusCode::BAD_REQUEST, "MessageSid or MessageStatus is too long");
    }
    let status = status.to_ascii_lowercase();
    let code = field("ErrorCode").map(|c| c.chars().take(20).collect::<String>());
    let result = match status.as_str() {
        "delivered" | "read" => {
            sqlx::query(
                "UPDATE messages SET status = 'delivered', provider_status = $3, last_error = NULL,
                        delivered_at = coalesce(delivered_at, now()), updated_at = now()
                 WHERE provider = $1 AND provider_ref = $2 AND channel IN ('sms', 'whatsapp') AND status IN ('sent', 'failed', 'delivered')",
            )
            .bind(state.sms.name())
            .bind(sid)
            .bind(&status)
            .execute(&state.pool)
            .await
        }
        "undelivered" | "failed" => {
            let error = match &code {
                Some(c) => format!("the carrier reported the message {status} (error {c})"),
                None => format!("the carrier reported the message {status}"),
            };
            sqlx::query(
                "UPDATE messages SET status = 'failed', provider_status = $3, last_error = $4, updated_at = now()
                 WHERE provider = $1 AND provider_ref = $2 AND channel IN ('sms', 'whatsapp') AND status = 'sent'",
            )
            .bind(state.sms.name())
            .bind(sid)
            .bind(&status)
            .bind(error)
            .execute(&state.pool)
            .await
        }
        _ => {
            sqlx::query(
                "UPDATE messages SET provider_status = $3, updated_at = now()
                 WHERE provider = $1 AND provider_ref = $2 AND channel IN ('sms', 'whatsapp') AND status = 'sent'",
            )
            .bind(state.sms.name())
            .bind(sid)
            .bind(&status)
            .execute(&state.pool)
            .await
        }
    };
    match result {
        Ok(r) => {
            if r.rows_affected() == 0 {
                tracing::info!(status = %status, "SMS status callback matched no message in a state it can change");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "SMS status callback: database error");
            // The gateway retries on 5xx.
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from Twilio's documentation of request validation.
    #[test]
    fn twilio_documented_signature() {
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(
            signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }
}
