//! The application router: every module's routes from the registry, wrapped in the shared
//! middleware stack, plus the operational endpoints (`/healthz`, `/readyz`, `/metrics`) and the
//! static files.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::error::AppError;
use crate::platform::middleware as mw;
use crate::{db, platform, web};

/// The whole application: every module's routes plus the middleware stack.
pub fn build(state: AppState) -> Router {
    let registry = state.registry;
    let mut pages = Router::new();
    let mut api = Router::new().route("/api/openapi.json", get(crate::api::openapi));
    let mut public = Router::new();
    for m in registry.modules() {
        pages = pages.merge((m.pages)().into_router());
        api = api.merge((m.api)().into_router());
        public = public.merge((m.public)().into_router());
    }
    // Browser pages: session cookie, CSRF, HTML error pages.
    let pages = pages
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), web::input::guard))
        .layer(from_fn_with_state(state.clone(), mw::render_errors))
        .layer(from_fn_with_state(state.clone(), mw::csrf))
        .layer(from_fn_with_state(state.clone(), mw::browser_session));

    // JSON API: bearer tokens, problem+json errors, no cookies.
    let api = api
        .layer(from_fn_with_state(state.clone(), web::input::guard))
        .layer(from_fn_with_state(state.clone(), mw::render_errors))
        .layer(from_fn_with_state(state.clone(), platform::idempotency::middleware))
        .layer(from_fn_with_state(state.clone(), mw::bearer));

    let static_files = Router::new().nest_service("/static", ServeDir::new(static_dir())).layer(
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    );

    let ops =
        Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics));

    let request_id = header::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(ops)
        .merge(public)
        .merge(static_files)
        .merge(api)
        .merge(pages)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), platform::overload::admission))
        .layer(from_fn_with_state(state.clone(), mw::header_limits))
        .layer(from_fn_with_state(state.clone(), platform::overload::request_timeout))
        .layer(from_fn_with_state(state.clone(), mw::metrics))
        .layer(from_fn_with_state(state.clone(), mw::security_headers))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                // Only method, route template and request id: never the query string (it may hold PHI).
                .make_span_with(|req: &axum::http::Request<_>| {
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default();
                    let rid = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %req.method(), route = %route, request_id = %rid)
                })
                .on_request(())
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::map_request(mw::sanitize_request_id))
        .layer(from_fn_with_state(state.clone(), mw::client_address))
        .layer(axum::Extension(registry))
        .with_state(state)
}

fn static_dir() -> std::path::PathBuf {
    let here = std::path::PathBuf::from("static");
    if here.is_dir() {
        here
    } else {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../static"))
    }
}

async fn fallback() -> AppError {
    AppError::NotFound
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers (on the probe's own connection, within 2 s) and every
/// migration is applied. A busy request pool is reported but stays ready (200): every replica
/// shares the database, so a table locked for a while would otherwise take all of them out of
/// the load balancer at once, and requests wait or get 503 quickly rather than hang.
async fn readyz(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(Duration::from_secs(2), db::migrations_current(&state.ready_pool)).await;
    match check {
        Ok(Ok(true)) => match pool_busy(&state) {
            None => (StatusCode::OK, "ready").into_response(),
            Some(note) => (StatusCode::OK, format!("ready; pool busy: {note}")).into_response(),
        },
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// Some when every ordinary request slot or every connection of the request pool is taken.
fn pool_busy(state: &AppState) -> Option<String> {
    let slots = state.config.db_max_connections as usize;
    let free_slots = state.admission.available_permits();
    let max = state.pool.options().get_max_connections();
    let in_use = state.pool.size().saturating_sub(state.pool.num_idle() as u32);
    (free_slots == 0 || in_use >= max)
        .then(|| format!("{} of {slots} request slots and {in_use} of {max} connections in use", slots - free_slots))
}

/// Prometheus text, for a scraper holding `HEARTH_METRICS_TOKEN` (`Authorization: Bearer …`,
/// compared in constant time). Without the setting the endpoint does not exist (404).
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_ref() else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    if !platform::metrics::bearer_matches(&headers, expected) {
        let mut res = (StatusCode::UNAUTHORIZED, "A bearer token is required").into_response();
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"metrics\""));
        return res;
    }
    let mut text = state.metrics.render(&state.pool);
    // Queue depth is read from the database; a slow or absent database must not stall scrapes.
    let depth = tokio::time::timeout(Duration::from_secs(2), platform::jobs::depth(&state.pool)).await;
    text.push_str(&state.metrics.render_jobs(&depth.ok().and_then(Result::ok).unwrap_or_default()));
    let mut res = text.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    res
}
