//! Webhooks: subscribers registered on `/admin/webhooks` (URL, event types, secret) receive
//! events as JSON POSTs signed with HMAC-SHA256 over `timestamp.body`:
//!
//! ```text
//! X-Hearth-Event: patient.break_glass
//! X-Hearth-Delivery: <message id, the same on every retry: deduplicate on it>
//! X-Hearth-Timestamp: <unix seconds>
//! X-Hearth-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//! ```
//!
//! Targets on loopback, private, link-local and other internal ranges are refused (SSRF) in every
//! environment, when registered and again before each delivery, and the outbound client refuses
//! to connect to such an address whatever the name resolves to at that moment
//! ([`crate::platform::http`]). `HEARTH_ALLOW_PRIVATE_WEBHOOKS=true` lifts this for local testing
//! (refused in production).

use crate::platform::routes::Routes;
use crate::web::Path;
use std::net::IpAddr;

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Form;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::SendError;
use crate::app::AppState;
use crate::config::Env;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::auth::Auth;
use crate::platform::jobs;
use crate::platform::rbac::HasPerms;
use crate::web::form::{all, one};
use crate::web::{self, FieldErrors, Page};

/// Event types a subscriber may choose.
pub const EVENT_TYPES: [(&str, &str); 3] = [
    ("patient.break_glass", "Someone broke the glass on a restricted record (ids only)"),
    ("audit.head", "The audit chain's head (seal number and hash), every 15 minutes: keep it to check `hearth audit verify --expect-head`"),
    ("webhook.test", "A test event sent from this page"),
];

pub fn router() -> Routes {
    Routes::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{id}/active", post(set_active))
        .route("/admin/webhooks/{id}/test", post(send_test))
}

/// HMAC-SHA256 signature header value for a delivery.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub use crate::platform::http::is_internal;

/// Checks a subscriber URL: http(s), a host, no credentials; in production https only; and,
/// unless `allow_private` (`HEARTH_ALLOW_PRIVATE_WEBHOOKS`, never in production), no internal
/// host name or address, and no name that resolves to one. This is the early, friendly check;
/// the outbound client checks the address it actually connects to on every delivery
/// ([`crate::platform::http`]).
pub async fn check_url(url: &str, env: Env, allow_private: bool) -> Result<(), String> {
    let uri: Uri = url.parse().map_err(|_| "This is not a URL.".to_string())?;
    let scheme = uri.scheme_str().unwrap_or("");
    let production = env == Env::Production;
    match scheme {
        "https" => {}
        "http" if !production => {}
        "http" => return Err("Use an https:// URL.".into()),
        _ => return Err("The URL must start with https:// (or http:// outside production).".into()),
    }
    let authority = uri.authority().ok_or("The URL has no host.")?;
    if authority.as_str().contains('@') {
        return Err("Put no user name or password in the URL; the signature authenticates Hearth.".into());
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("The URL has no host.".into());
    }
    if allow_private && !production {
        return Ok(());
    }
    let lower = host.to_ascii_lowercase();
    if lower == "localhost"
        || lower.ends_with(".localhost")
        || lower.ends_with(".internal")
        || lower.ends_with(".local")
    {
        return Err("Internal host names are not allowed.".into());
    }
    let port = uri.port_u16().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| "The host name did not resolve in time.".to_string())?
            .map_err(|_| "The host name does not resolve.".to_string())?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err("The host name does not resolve.".into());
    }
    if addrs.into_iter().any(is_internal) {
        return Err("The URL points to a loopback, private or link-local address, which is not allowed.".into());
    }
    Ok(())
}

/// Queues `event` for every active subscriber of its type, on the caller's transaction.
pub async fn emit(conn: &mut PgConnection, event_type: &str, data: Value) -> sqlx::Result<usize> {
    let subs: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, url FROM webhook_subscribers WHERE active AND $1 = ANY(event_types)")
            .bind(event_type)
            .fetch_all(&mut *conn)
            .await?;
    for (sid, url) in &subs {
        let id = Uuid::new_v4();
        let body = serde_json::json!({
            "id": id,
            "type": event_type,
            "created_at": time::OffsetDateTime::now_utc().unix_timestamp(),
            "data": data,
        })
        .to_string();
        sqlx::query(
            "INSERT INTO messages (id, channel, kind, recipient, subscriber_id, body) VALUES ($1, 'webhook', $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(event_type)
        .bind(url)
        .bind(sid)
        .bind(&body)
        .execute(&mut *conn)
        .await?;
        jobs::enqueue(
            conn,
            "notify.deliver",
            serde_json::json!({"message_id": id}),
            jobs::Opts::key(format!("msg:{id}")),
        )
        .await?;
    }
    Ok(subs.len())
}

/// Posts one webhook message. 2xx is delivered; 408, 429 and 5xx are retried; other 4xx mean the
/// subscriber refuses it (dead).
pub async fn deliver(
    state: &AppState,
    message_id: Uuid,
    subscriber_id: Uuid,
    event: &str,
    body: &str,
) -> Result<String, SendError> {
    let row: Option<(String, Vec<u8>, bool)> =
        sqlx::query_as("SELECT url, secret_enc, active FROM webhook_subscribers WHERE id = $1")
            .bind(subscriber_id)
            .fetch_optional(&state.pool)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?;
    let Some((url, secret_enc, active)) = row else {
        return Err(SendError::Permanent("the subscriber was removed".into()));
    };
    if !active {
        return Err(SendError::Permanent("the subscriber is disabled".into()));
    }
    check_url(&url, state.config.env, state.config.allow_private_webhooks).await.map_err(SendError::Permanent)?;
    let secret = state
        .keys
        .decrypt(&secret_enc, &secret_aad(subscriber_id))
        .map_err(|_| SendError::Permanent("the subscriber's secret cannot be decrypted".into()))?;
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", "Hearth-Webhooks/1".to_string()),
        ("x-hearth-event", event.to_string()),
        ("x-hearth-delivery", message_id.to_string()),
        ("x-hearth-timestamp", ts.to_string()),
        ("x-hearth-signature", signature(&secret, ts, body.as_bytes())),
    ];
    let res = state.http.post(&url, &headers, body.as_bytes().to_vec()).await.map_err(|e| {
        // An internal address at connection time (the name re-resolved since it was checked):
        // no retry will make it acceptable.
        if e.refused_target() {
            SendError::Permanent(e.0)
        } else {
            SendError::Transient(e.0)
        }
    })?;
    let code = res.status;
    match code {
        200..=299 => Ok(format!("http-{code}")),
        408 | 429 | 500..=599 => Err(SendError::TransientCode(code, format!("the subscriber answered {code}"))),
        _ => Err(SendError::PermanentCode(code, format!("the subscriber refused the event ({code})"))),
    }
}

fn secret_aad(id: Uuid) -> String {
    format!("webhook_subscribers.secret:{id}")
}

#[derive(FromRow)]
pub struct SubscriberRow {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
}

#[derive(FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub subscriber: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: time::OffsetDateTime,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    page: Page,
    subscribers: Vec<SubscriberRow>,
    deliveries: Vec<DeliveryRow>,
    event_types: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    name: String,
    url: String,
    issued: Option<String>,
}

impl WebhooksPage {
    /// The signature scheme's header names and formats, shown as code (not translated).
    fn code(&self, i: usize) -> &'static str {
        ["X-Hearth-Signature: sha256=HEX", "TIMESTAMP.BODY", "X-Hearth-Timestamp", "X-Hearth-Delivery"][i]
    }

    fn url_example(&self) -> &'static str {
        "https://example.org/hearth-events"
    }
}

async fn render(
    state: &AppState,
    page: Page,
    errors: FieldErrors,
    name: String,
    url: String,
    issued: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let subscribers =
        sqlx::query_as("SELECT id, name, url, event_types, active FROM webhook_subscribers ORDER BY name")
            .fetch_all(&state.pool)
            .await?;
    let deliveries = sqlx::query_as(
        "SELECT m.id, s.name AS subscriber, m.kind, m.status, m.attempts, m.response_code, m.last_error,
                m.created_at
         FROM messages m JOIN webhook_subscribers s ON s.id = m.subscriber_id
         WHERE m.channel = 'webhook' ORDER BY m.created_at DESC LIMIT 100",
    )
    .fetch_all(&state.pool)
    .await?;
    let title = page.t("admin-webhooks-heading");
    web::render_status(
        status,
        &WebhooksPage {
            page: page.titled(title.clone()).crumb(title, "/admin/webhooks"),
            subscribers,
            deliveries,
            event_types: EVENT_TYPES.to_vec(),
            errors,
            name,
            url,
            issued,
        },
    )
}

async fn list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    render(&state, page, FieldErrors::default(), String::new(), String::new(), None, StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let name = one(&pairs, "name").trim().to_string();
    let url = one(&pairs, "url").trim().to_string();
    let types: Vec<String> = all(&pairs, "event_types").into_iter().map(str::to_string).collect();
    let mut errors = FieldErrors::default();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", page.t("admin-error-name"));
    }
    if url.len() > 2000 {
        errors.add("url", page.t("admin-webhooks-error-url-long"));
    } else if let Err(m) = check_url(&url, state.config.env, state.config.allow_private_webhooks).await {
        errors.add("url", m);
    }
    if types.is_empty() || types.iter().any(|t| !EVENT_TYPES.iter().any(|(k, _)| k == t)) {
        errors.add("event_types", page.t("admin-webhooks-error-events"));
    }
    if !errors.is_empty() {
        return render(&state, page, errors, name, url, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let id = Uuid::new_v4();
    let mut raw = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut raw);
    let secret = format!("whsec_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_subscribers (id, name, url, event_types, secret_enc, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&name)
    .bind(&url)
    .bind(&types)
    .bind(state.keys.encrypt(&secret, &secret_aad(id)))
    .bind(auth.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("webhook.create", "webhook_subscriber", id).changes(serde_json::json!({
            "name": name, "url": url, "event_types": types, "secret": {"changed": true, "encrypted": true}
        })),
    )
    .await?;
    tx.commit().await?;
    render(&state, page, FieldErrors::default(), String::new(), String::new(), Some(secret), StatusCode::OK).await
}

async fn set_active(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let active = match one(&pairs, "active") {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("active must be true or false".into())),
    };
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query("UPDATE webhook_subscribers SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let action = if active { "webhook.enable" } else { "webhook.disable" };
    audit::record(&mut tx, &auth.meta, Event::new(action, "webhook_subscriber", id)).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        "/admin/webhooks",
        "ok",
        &page.t(if active { "admin-webhooks-enabled-flash" } else { "admin-webhooks-disabled-flash" }),
    ))
}

async fn send_test(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(crate::platform::perms::JOBS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM webhook_subscribers WHERE id = $1 AND active)")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    let mid = Uuid::new_v4();
    let body = serde_json::json!({"id": mid, "type": "webhook.test", "created_at": time::OffsetDateTime::now_utc().unix_timestamp(), "data": {}}).to_string();
    sqlx::query(
        "INSERT INTO messages (id, channel, kind, recipient, subscriber_id, body)
         SELECT $1, 'webhook', 'webhook.test', url, id, $3 FROM webhook_subscribers WHERE id = $2",
    )
    .bind(mid)
    .bind(id)
    .bind(&body)
    .execute(&mut *tx)
    .await?;
    jobs::enqueue(
        &mut tx,
        "notify.deliver",
        serde_json::json!({"message_id": mid}),
        jobs::Opts::key(format!("msg:{mid}")),
    )
    .await?;
    audit::record(&mut tx, &auth.meta, Event::new("webhook.test", "webhook_subscriber", id)).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/admin/webhooks", "ok", &page.t("admin-webhooks-test-queued")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_targets_are_refused_in_every_environment_without_the_opt_in() {
        for env in [Env::Production, Env::Dev] {
            for url in [
                "https://127.0.0.1/x",
                "https://10.0.0.5/hook",
                "https://169.254.169.254/latest/meta-data",
                "https://[::1]/x",
                "https://[::ffff:127.0.0.1]/x",
                "https://[fd00::1]/x",
                "https://0.0.0.0/x",
                "https://localhost/x",
                "https://user:pw@example.org/",
                "ftp://example.org",
                "not a url",
            ] {
                assert!(check_url(url, env, false).await.is_err(), "{env:?} {url}");
            }
        }
        assert!(check_url("http://example.org/x", Env::Production, false).await.is_err(), "https only");
        assert!(check_url("https://93.184.216.34/hook", Env::Production, false).await.is_ok());
        assert!(check_url("http://93.184.216.34/hook", Env::Dev, false).await.is_ok());
        // The local-testing opt-in (never in production).
        assert!(check_url("http://127.0.0.1:9000/hook", Env::Dev, true).await.is_ok());
    }

    #[test]
    fn signature_is_hmac_of_timestamp_and_body() {
        let s = signature("whsec_x", 1700000000, b"{}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert_ne!(s, signature("whsec_y", 1700000000, b"{}"));
        assert_ne!(s, signature("whsec_x", 1700000001, b"{}"));
    }
}
