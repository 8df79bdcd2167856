//! SMS and WhatsApp providers: a Twilio-compatible HTTP API, and a local provider that records
//! messages in `sms_local_outbox` when no gateway is configured. WhatsApp goes through the same
//! gateway with `whatsapp:`-prefixed addresses (Twilio's convention), so one breaker guards both.

use std::sync::Arc;

use base64::Engine;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use uuid::Uuid;

use super::SendError;
use crate::config::{Config, SmsConfig};
use crate::platform::http::HttpClient;

/// Which phone channel a message goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phone {
    Sms,
    WhatsApp,
}

impl Phone {
    pub fn from_channel(channel: &str) -> Option<Phone> {
        match channel {
            "sms" => Some(Phone::Sms),
            "whatsapp" => Some(Phone::WhatsApp),
            _ => None,
        }
    }
    /// The address as the gateway wants it (`whatsapp:+1555…` for WhatsApp).
    pub fn address(self, number: &str) -> String {
        match self {
            Phone::Sms => number.to_string(),
            Phone::WhatsApp => format!("whatsapp:{number}"),
        }
    }
}

pub trait SmsProvider: Send + Sync {
    /// Names the provider in delivery records and its circuit breaker.
    fn name(&self) -> &'static str;
    /// Sends one message; returns the provider's reference for it.
    fn send<'a>(
        &'a self,
        message_id: Uuid,
        channel: Phone,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<String, SendError>>;
}

pub fn from_config(config: &Config, pool: &PgPool, http: &HttpClient) -> Arc<dyn SmsProvider> {
    match &config.sms {
        Some(c) => Arc::new(TwilioSms {
            config: c.clone(),
            http: http.clone(),
            status_callback: super::receipts::callback_url(&config.base_url),
        }),
        None => Arc::new(LocalSms { pool: pool.clone() }),
    }
}

pub struct LocalSms {
    pool: PgPool,
}

impl SmsProvider for LocalSms {
    fn name(&self) -> &'static str {
        "sms-local"
    }
    fn send<'a>(
        &'a self,
        message_id: Uuid,
        channel: Phone,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        async move {
            let to = channel.address(to);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sms_local_outbox (message_id, to_number, body) VALUES ($1, $2, $3)
                 ON CONFLICT (message_id) DO UPDATE SET message_id = EXCLUDED.message_id RETURNING id",
            )
            .bind(message_id)
            .bind(&to)
            .bind(body)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| SendError::Transient(format!("recording the SMS failed: {e}")))?;
            tracing::info!(message = %message_id, ?channel, "message recorded by the local provider (no gateway configured)");
            Ok(format!("local-{id}"))
        }
        .boxed()
    }
}

/// The gateway de-duplicates on this header (Twilio's `I-Twilio-Idempotency-Token`); the same
/// value also goes in the generic `Idempotency-Key` header.
pub const IDEMPOTENCY_HEADER: &str = "i-twilio-idempotency-token";

/// One key per message, whatever the attempt: `hearth-msg-<message id>`.
pub fn idempotency_key(message_id: Uuid) -> String {
    format!("hearth-msg-{message_id}")
}

/// `POST {url}/2010-04-01/Accounts/{account}/Messages.json` with basic auth and a form body
/// (`To`, `From`, `Body`, `StatusCallback`) and an idempotency key; the answer's `sid` is the
/// reference.
pub struct TwilioSms {
    config: SmsConfig,
    http: HttpClient,
    /// Where the gateway reports delivery (`/hooks/sms/status`).
    status_callback: String,
}

impl SmsProvider for TwilioSms {
    fn name(&self) -> &'static str {
        "sms-http"
    }
    fn send<'a>(
        &'a self,
        message_id: Uuid,
        channel: Phone,
        to: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<String, SendError>> {
        async move {
            let c = &self.config;
            let from = match channel {
                Phone::Sms => c.from.clone(),
                Phone::WhatsApp => match &c.whatsapp_from {
                    Some(w) => channel.address(w),
                    None => {
                        return Err(SendError::Permanent(
                            "no WhatsApp sender is configured (HEARTH_WHATSAPP_FROM)".into(),
                        ))
                    }
                },
            };
            let to = channel.address(to);
            let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", c.url, c.account);
            let form = serde_urlencoded::to_string([
                ("To", to.as_str()),
                ("From", from.as_str()),
                ("Body", body),
                ("StatusCallback", self.status_callback.as_str()),
            ])
            .map_err(|e| SendError::Permanent(format!("cannot encode the SMS: {e}")))?;
            let auth =
                base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.account, c.token.expose_secret()));
            // The message id is the same on every attempt at this message, so a gateway that
            // honours the key sends it once even when we retry after a lost answer or a crash.
            let key = idempotency_key(message_id);
            let headers = [
                ("content-type", "application/x-www-form-urlencoded".to_string()),
                ("authorization", format!("Basic {auth}")),
                ("accept", "application/json".to_string()),
                (IDEMPOTENCY_HEADER, key.clone()),
                ("idempotency-key", key),
            ];
            let res = self.http.post(&url, &headers, form.into_bytes()).await.map_err(|e| SendError::Transient(e.0))?;
            let text = String::from_utf8_lossy(&res.body);
            match res.status {
                200..=299 => {
                    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
                        SendError::Transient("the SMS gateway answered with something other than JSON".into())
                    })?;
                    v.get("sid")
                        .and_then(|s| s.as_str())
                        .filter(|s| !s.is_empty() && s.len() <= 100)
                        .map(str::to_string)
                        .ok_or_else(|| SendError::Transient("the SMS gateway's answer has no message sid".into()))
                }
                400 | 404 | 422 => Err(SendError::Permanent(format!(
                    "SMS gateway refused the message ({}): {}",
                    res.status,
                    snippet(&text)
                ))),
                401 | 403 => Err(SendError::Transient(format!("SMS gateway refused our credentials ({})", res.status))),
                s => Err(SendError::Transient(format!("SMS gateway answered {s}: {}", snippet(&text)))),
            }
        }
        .boxed()
    }
}

pub(crate) fn snippet(s: &str) -> String {
    s.chars().take(200).collect()
}
