//! Keeping slow work from taking the service down: a time limit on every request, and
//! admission control that keeps database connections free for sign-in and readiness.
//!
//! - **Request timeout**: a request that has no response after `HEARTH_REQUEST_TIMEOUT_SECONDS`
//!   (multipart uploads: `HEARTH_UPLOAD_TIMEOUT_SECONDS`) is answered 503 (problem+json on the
//!   API, an error page otherwise) with `Retry-After`. `/events` is exempt: its response starts
//!   at once and the stream has limits of its own. The database's statement and lock timeouts
//!   (see `db`) end the statement itself, so its connection is free again soon after.
//! - **Admission**: ordinary requests each hold one of `HEARTH_DB_POOL` permits while they run,
//!   and wait at most 5 seconds for one (then 503). The request pool has `HEARTH_DB_RESERVED`
//!   connections more than that, which only the priority routes below can use: sign-in and
//!   sign-out, the MFA step, the token endpoint and the operations endpoints. A few requests
//!   stuck behind a lock can then fill the ordinary permits, but not the whole pool.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;
use crate::error::AppError;
use crate::platform::middleware::render_error;
use crate::web::Page;

/// How long an ordinary request waits for a permit (the pool's acquire timeout).
pub const ADMISSION_WAIT: Duration = Duration::from_secs(5);

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/fhir")
}

/// The error page or problem for a request that ran out of time, without the session (not
/// resolved yet at this layer).
fn busy(state: &AppState, path: &str, request_id: &str) -> Response {
    let page = Page { path: path.to_string(), request_id: request_id.to_string(), ..Page::default() };
    render_error(state, &page, AppError::Busy, is_api(path))
}

fn request_id(req: &Request) -> String {
    req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.extensions().get::<MatchedPath>().is_some_and(|m| m.as_str() == "/events") {
        return next.run(req).await;
    }
    let upload =
        req.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"));
    let limit = if upload { state.config.upload_timeout } else { state.config.request_timeout };
    let path = req.uri().path().to_string();
    let rid = request_id(&req);
    // The route template only: concrete paths carry record ids.
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(route = %route, limit_s = limit.as_secs(), "request timed out");
            busy(&state, &path, &rid)
        }
    }
}

/// Routes that never wait for an ordinary permit: they must work while ordinary requests are
/// stuck (sign-in, the token endpoint, probes) or touch no database (static files).
pub fn is_priority(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/mfa" | "/api/v1/auth/token" | "/readyz" | "/healthz" | "/metrics")
        || path.starts_with("/mfa/")
        || path.starts_with("/static/")
}

pub async fn admission(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_priority(req.uri().path()) {
        return next.run(req).await;
    }
    let permit = match tokio::time::timeout(ADMISSION_WAIT, state.admission.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            tracing::warn!("no free request slot: every ordinary database connection is busy");
            return busy(&state, req.uri().path(), &request_id(&req));
        }
    };
    let res = next.run(req).await;
    drop(permit);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_routes() {
        assert!(is_priority("/login"));
        assert!(is_priority("/mfa/email"));
        assert!(is_priority("/api/v1/auth/token"));
        assert!(is_priority("/readyz"));
        assert!(is_priority("/static/app.css"));
        assert!(!is_priority("/patients"));
        assert!(!is_priority("/api/v1/patients"));
        assert!(!is_priority("/loginx"));
    }
}
