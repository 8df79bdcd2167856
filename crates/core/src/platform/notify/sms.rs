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

/// How an SMS is encoded: the GSM 7-bit default alphabet (Latin scripts) or UCS-2 (any
/// character outside it: Arabic, Devanagari, Chinese, emoji…), which takes far more segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// The SMS length budget of a text: its encoding, its length in that encoding's units (GSM-7
/// septets, the extension characters `^{}\[~]|€` taking two; UCS-2 16-bit units, characters
/// outside the Basic Multilingual Plane taking two) and the segments it is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsBudget {
    pub encoding: SmsEncoding,
    pub units: usize,
    pub segments: usize,
    /// Units per segment at this length: 160 (GSM-7) or 70 (UCS-2) in one segment; 153 or 67 in
    /// each segment of a longer (concatenated) message, whose header takes the rest.
    pub per_segment: usize,
}

/// The GSM 03.38 default alphabet (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table (an escape septet and the character: two septets each).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// The encoding, length and segments of `text` as an SMS.
pub fn sms_budget(text: &str) -> SmsBudget {
    let gsm: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (encoding, units, single, multi) = match gsm {
        Some(septets) => (SmsEncoding::Gsm7, septets, 160, 153),
        None => (SmsEncoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let (segments, per_segment) = if units <= single { (1, single) } else { (units.div_ceil(multi), multi) };
    SmsBudget { encoding, units, segments, per_segment }
}

/// `text` cut to at most `max_segments` segments of its own encoding, ending with an ellipsis
/// when cut (`...` in GSM-7, where `…` does not exist; `…` in UCS-2).
pub fn fit_sms(text: &str, max_segments: usize) -> String {
    if sms_budget(text).segments <= max_segments {
        return text.to_string();
    }
    let ellipsis = match sms_budget(text).encoding {
        SmsEncoding::Gsm7 => "...",
        SmsEncoding::Ucs2 => "…",
    };
    let chars: Vec<char> = text.chars().collect();
    // Binary search for the longest prefix that fits with the ellipsis.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + ellipsis;
        if sms_budget(&candidate).segments <= max_segments {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let kept: String = chars[..lo].iter().collect();
    kept.trim_end().to_string() + ellipsis
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn latin_text_is_gsm7_with_160_then_153_per_segment() {
        let b = sms_budget("Hearth: your results are ready.");
        assert_eq!((b.encoding, b.units, b.segments, b.per_segment), (SmsEncoding::Gsm7, 31, 1, 160));
        assert_eq!(sms_budget(&"a".repeat(160)).segments, 1);
        let two = sms_budget(&"a".repeat(161));
        assert_eq!((two.segments, two.per_segment), (2, 153));
        assert_eq!(sms_budget(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_budget(&"a".repeat(307)).segments, 3);
        // Spanish accents of the default alphabet stay GSM-7; the extension table takes two.
        assert_eq!(sms_budget("¿Qué tal? ñ ü à é").encoding, SmsEncoding::Gsm7);
        assert_eq!(sms_budget("€5 [x]").units, 9);
        assert_eq!(sms_budget(&"€".repeat(80)).segments, 1);
        assert_eq!(sms_budget(&"€".repeat(81)).segments, 2);
    }

    #[test]
    fn non_latin_scripts_are_ucs2_with_70_then_67_per_segment() {
        let ar = sms_budget("نتائجك جاهزة");
        assert_eq!((ar.encoding, ar.units, ar.segments, ar.per_segment), (SmsEncoding::Ucs2, 12, 1, 70));
        assert_eq!(sms_budget(&"ب".repeat(70)).segments, 1);
        assert_eq!(sms_budget(&"ب".repeat(71)).segments, 2);
        assert_eq!(sms_budget(&"ب".repeat(134)).segments, 2);
        assert_eq!(sms_budget(&"ب".repeat(135)).segments, 3);
        // One character outside the GSM alphabet (Spanish `á` is not in it) switches the whole
        // message to UCS-2; an emoji takes two units.
        assert_eq!(sms_budget("á").encoding, SmsEncoding::Ucs2);
        assert_eq!(sms_budget("😀").units, 2);
        assert_eq!(sms_budget("हिन्दी").encoding, SmsEncoding::Ucs2);
    }

    #[test]
    fn texts_are_cut_to_the_budget_of_their_script() {
        let latin = "x".repeat(1000);
        let cut = fit_sms(&latin, 4);
        assert_eq!(sms_budget(&cut).segments, 4);
        assert!(cut.ends_with("...") && cut.len() == 4 * 153);
        let arabic = "ب".repeat(1000);
        let cut = fit_sms(&arabic, 4);
        assert_eq!(sms_budget(&cut).segments, 4);
        assert!(cut.ends_with('…') && cut.chars().count() == 4 * 67);
        assert_eq!(fit_sms("short", 1), "short");
    }
}
