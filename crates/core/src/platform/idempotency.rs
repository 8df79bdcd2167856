//! `Idempotency-Key` on `POST` requests under `/api/v1`: a client that lost an answer can send
//! the same request again and get the first answer instead of a second record.
//!
//! The key is claimed for its caller (the user or API client) before the handler runs, with a
//! hash of the request (method, path and query, content type, body). A successful (2xx) answer
//! is stored with the claim; patient registration stores it in the transaction that creates the
//! patient ([`Claim::complete_in`]), so the record and its answer commit together. Any other
//! answer releases the claim (nothing was created; the same key may be retried). A repeat then
//! gets:
//!
//! - the stored answer (same status and body) with `Idempotency-Replayed: true`;
//! - 422 when its request differs from the first one's;
//! - 409 while the first request is still running.
//!
//! The handler runs in a task of its own, so a client that hangs up or a request timeout does
//! not stop it between its commit and the stored answer. Keys expire after 24 hours.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use tracing::Instrument;

use crate::app::AppState;
use crate::error::AppError;
use crate::platform::auth::CurrentUser;
use crate::platform::middleware::{problem, render_error};
use crate::web::Page;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotency-replayed";
/// Keys are remembered this long.
pub const TTL_HOURS: i32 = 24;
/// A claim without an answer older than this belongs to a request that was interrupted (the
/// process stopped between the handler's commit and storing its answer).
const INTERRUPTED_AFTER_SECONDS: f64 = 600.0;
/// Above every upload route's own limit (documents: 10 MiB and the form around it).
const MAX_BUFFERED_UPLOAD: usize = 16 * 1024 * 1024;

/// The claimed key of the running request (a request extension, for handlers that store their
/// answer in their own transaction).
#[derive(Debug, Clone)]
pub struct Claim {
    pub caller: String,
    pub key: String,
}

impl Claim {
    /// Stores the answer on the caller's transaction: it commits with the change it describes.
    pub async fn complete_in(
        &self,
        conn: &mut PgConnection,
        status: StatusCode,
        content_type: &str,
        body: &[u8],
    ) -> sqlx::Result<()> {
        complete(&mut *conn, self, status, content_type, body).await
    }
}

/// Every POST under `/api/v1` except the token endpoint (its answer is a credential, never stored).
pub fn applies(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/api/v1/") && path != "/api/v1/auth/token"
}

fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

fn caller_of(user: &CurrentUser) -> String {
    match &user.client_id {
        Some(c) => format!("client:{c}"),
        None => format!("user:{}", user.id),
    }
}

fn request_hash(method: &Method, uri: &axum::http::Uri, content_type: &[u8], body: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update([0]);
    h.update(uri.path_and_query().map(|p| p.as_str()).unwrap_or("").as_bytes());
    h.update([0]);
    h.update(content_type);
    h.update([0]);
    h.update(body);
    h.finalize().to_vec()
}

enum Claimed {
    Fresh,
    Differs,
    InFlight { interrupted: bool },
    Done { status: i16, content_type: Option<String>, body: Option<Vec<u8>> },
}

async fn claim(pool: &PgPool, caller: &str, key: &str, hash: &[u8], method: &str, path: &str) -> sqlx::Result<Claimed> {
    for _ in 0..3 {
        sqlx::query(
            "DELETE FROM api_idempotency WHERE caller = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)",
        )
        .bind(caller)
        .bind(key)
        .bind(TTL_HOURS)
        .execute(pool)
        .await?;
        let fresh: Option<i32> = sqlx::query_scalar(
            "INSERT INTO api_idempotency (caller, key, request_hash, method, path) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (caller, key) DO NOTHING RETURNING 1",
        )
        .bind(caller)
        .bind(key)
        .bind(hash)
        .bind(method)
        .bind(path)
        .fetch_optional(pool)
        .await?;
        if fresh.is_some() {
            return Ok(Claimed::Fresh);
        }
        type Row = (Vec<u8>, Option<i16>, Option<String>, Option<Vec<u8>>, f64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT request_hash, status, content_type, body, extract(epoch FROM now() - created_at)::float8
             FROM api_idempotency WHERE caller = $1 AND key = $2",
        )
        .bind(caller)
        .bind(key)
        .fetch_optional(pool)
        .await?;
        // Released between our insert and this read: claim again.
        let Some((stored, status, content_type, body, age)) = row else { continue };
        if stored != hash {
            return Ok(Claimed::Differs);
        }
        return Ok(match status {
            Some(status) => Claimed::Done { status, content_type, body },
            None => Claimed::InFlight { interrupted: age > INTERRUPTED_AFTER_SECONDS },
        });
    }
    Ok(Claimed::InFlight { interrupted: false })
}

async fn complete(
    conn: &mut PgConnection,
    c: &Claim,
    status: StatusCode,
    content_type: &str,
    body: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_idempotency SET status = $3, content_type = $4, body = $5, completed_at = now()
         WHERE caller = $1 AND key = $2 AND status IS NULL",
    )
    .bind(&c.caller)
    .bind(&c.key)
    .bind(status.as_u16() as i16)
    .bind(content_type)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes keys older than 24 hours (the hourly `api.idempotency_expire` job).
pub async fn expire(pool: &PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM api_idempotency WHERE created_at < now() - make_interval(hours => $1)")
        .bind(TTL_HOURS)
        .execute(pool)
        .await?
        .rows_affected())
}

/// The middleware (API router, after the bearer token is resolved, outside error rendering so
/// the stored answer is the one the client got).
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !applies(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else { return next.run(req).await };
    // Without a caller the handler answers 401 (before any complaint about the key).
    if req.extensions().get::<CurrentUser>().is_none() {
        return next.run(req).await;
    }
    let Some(key) = raw.to_str().ok().filter(|k| valid_key(k)).map(str::to_string) else {
        return problem(StatusCode::BAD_REQUEST, "Idempotency-Key must be 1 to 255 visible ASCII characters");
    };
    // Without a caller the handler answers 401; nothing to remember.
    let Some(caller) = req.extensions().get::<CurrentUser>().map(caller_of) else { return next.run(req).await };
    let (parts, body) = req.into_parts();
    let multipart =
        parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"));
    // Buffered to hash it; the route's own body limit still applies when the handler reads it.
    let limit = if multipart { MAX_BUFFERED_UPLOAD } else { state.config.max_body_bytes };
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.");
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()).unwrap_or(b"");
    let hash = request_hash(&parts.method, &parts.uri, content_type, &bytes);
    let path: String = parts.uri.path().chars().take(500).collect();
    match claim(&state.pool, &caller, &key, &hash, parts.method.as_str(), &path).await {
        Err(e) => return render_error(&state, &Page::default(), AppError::from(e), true),
        Ok(Claimed::Fresh) => {}
        Ok(Claimed::Differs) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was already used with a different request; use a new key for a new request.",
            )
        }
        Ok(Claimed::InFlight { interrupted: false }) => {
            return problem(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being processed; retry later.",
            )
        }
        Ok(Claimed::InFlight { interrupted: true }) => {
            return problem(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key was interrupted and its outcome is unknown; check whether it \
                 took effect before sending it again with a new key.",
            )
        }
        Ok(Claimed::Done { status, content_type, body }) => return replay(status, content_type, body),
    }
    let claim = Claim { caller, key };
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(claim.clone());
    let pool = state.pool.clone();
    let held = claim.clone();
    // Apart from this request's future: finishes and records even if the caller goes away.
    let task = tokio::spawn(
        async move {
            let res = next.run(req).await;
            finish(&pool, &claim, res).await
        }
        .instrument(tracing::Span::current()),
    );
    match task.await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "an idempotent request's handler failed");
            release(&state.pool, &held).await;
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The error was logged. Quote the request id if you contact support.",
            )
        }
    }
}

/// Frees a key whose request created nothing.
async fn release(pool: &PgPool, claim: &Claim) {
    if let Err(e) = sqlx::query("DELETE FROM api_idempotency WHERE caller = $1 AND key = $2 AND status IS NULL")
        .bind(&claim.caller)
        .bind(&claim.key)
        .execute(pool)
        .await
    {
        tracing::error!(error = %e, "could not release an idempotency key");
    }
}

async fn finish(pool: &PgPool, claim: &Claim, res: Response) -> Response {
    if !res.status().is_success() {
        // Nothing was created: free the key for a retry.
        release(pool, claim).await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "could not read an idempotent response");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "The error was logged.");
        }
    };
    let ct = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let stored = async {
        let mut conn = pool.acquire().await?;
        complete(&mut conn, claim, parts.status, &ct, &bytes).await
    };
    if let Err(e) = stored.await {
        tracing::error!(error = %e, "could not store an idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(status: i16, content_type: Option<String>, body: Option<Vec<u8>>) -> Response {
    let mut res = Response::new(Body::from(body.unwrap_or_default()));
    *res.status_mut() = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_is_left_alone() {
        assert!(applies(&Method::POST, "/api/v1/patients"));
        assert!(!applies(&Method::POST, "/api/v1/auth/token"));
        assert!(!applies(&Method::GET, "/api/v1/patients"));
        assert!(!applies(&Method::POST, "/patients"));
    }

    #[test]
    fn keys_are_visible_ascii() {
        assert!(valid_key("a1b2-c3d4"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("é"));
    }

    #[test]
    fn the_hash_covers_path_and_body() {
        let uri: axum::http::Uri = "/api/v1/patients".parse().unwrap();
        let other: axum::http::Uri = "/api/v1/patients?x=1".parse().unwrap();
        let a = request_hash(&Method::POST, &uri, b"application/json", b"{}");
        assert_eq!(a, request_hash(&Method::POST, &uri, b"application/json", b"{}"));
        assert_ne!(a, request_hash(&Method::POST, &uri, b"application/json", b"{ }"));
        assert_ne!(a, request_hash(&Method::POST, &other, b"application/json", b"{}"));
    }
}
