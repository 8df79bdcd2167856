//! The HL7 FHIR R4 (4.0.1) facade at `/fhir`, phase 1: `metadata`, read and search over
//! Hearth's own records, JSON only (`application/fhir+json`). The data comes from the modules'
//! public functions (no second copy). Every answer under `/fhir`, errors included (401, 403,
//! 404, 406…), is FHIR: errors are `OperationOutcome` resources. See docs/modules/fhir.md.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{json, Value};

use hearth_core::app::AppState;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::{token, CurrentUser, RequestMeta};
use hearth_core::platform::ratelimit;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::Module;

pub mod capability;
pub mod resources;
pub mod search;

/// The FHIR media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json";

pub const MODULE: Module = Module { public: routes, ..Module::new("fhir", "FHIR") };

/// `/fhir` and everything below it go to one handler that answers in FHIR only: the module
/// authenticates bearer tokens itself (with the API's token verification, rate limits and
/// audit) so that even an authentication failure is an OperationOutcome, not problem+json.
pub fn routes() -> Routes {
    Routes::new().route("/fhir", any(entry)).route("/fhir/{*rest}", any(entry))
}

/// A FHIR error: status and OperationOutcome issue.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    /// The issue type (http://hl7.org/fhir/issue-type): not-found, security, login…
    pub code: &'static str,
    pub text: String,
}

impl Outcome {
    pub fn new(status: StatusCode, code: &'static str, text: impl Into<String>) -> Self {
        Outcome { status, code, text: text.into() }
    }
    pub fn not_found(text: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", text)
    }
    pub fn invalid(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", text)
    }
    pub fn forbidden(text: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", text)
    }
}

impl From<sqlx::Error> for Outcome {
    fn from(e: sqlx::Error) -> Self {
        tracing_error(&e);
        Outcome::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", "The server could not answer.")
    }
}

impl From<hearth_core::error::AppError> for Outcome {
    fn from(e: hearth_core::error::AppError) -> Self {
        use hearth_core::error::AppError;
        match e {
            AppError::NotFound => Outcome::not_found("Not found."),
            AppError::Forbidden => Outcome::forbidden("Not allowed."),
            AppError::Unauthenticated => Outcome::new(StatusCode::UNAUTHORIZED, "login", "A bearer token is required."),
            other => {
                let status = other.status();
                if status == StatusCode::TOO_MANY_REQUESTS {
                    Outcome::new(status, "throttled", "Too many requests: slow down.")
                } else if status.is_server_error() {
                    Outcome::new(status, "exception", "The server could not answer.")
                } else {
                    Outcome::new(status, "processing", "The request could not be served.")
                }
            }
        }
    }
}

fn tracing_error(e: &sqlx::Error) {
    // The error only: never the query or its parameters (they may hold PHI).
    tracing::error!(error = %e, "fhir: database error");
}

pub type FhirResult<T> = Result<T, Outcome>;

/// An OperationOutcome resource with one issue.
pub fn operation_outcome(severity: &str, code: &str, text: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": text }]
    })
}

/// A FHIR JSON answer.
pub fn fhir_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/fhir+json; charset=utf-8"));
    res
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let mut res = fhir_response(self.status, &operation_outcome("error", self.code, &self.text));
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"fhir\""));
        }
        res
    }
}

/// The caller of a FHIR request.
pub struct Caller {
    pub user: CurrentUser,
    pub meta: AuditMeta,
}

/// True when the client asks for XML (or anything but JSON) and accepts no JSON.
fn wants_other_than_json(headers: &HeaderMap, params: &[(String, String)]) -> bool {
    if let Some((_, f)) = params.iter().find(|(k, _)| k == "_format") {
        let f = f.to_ascii_lowercase();
        return !(f == "json" || f.contains("json"));
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return false };
    let accept = accept.to_ascii_lowercase();
    if accept.trim().is_empty() {
        return false;
    }
    !accept.split(',').any(|part| {
        let t = part.split(';').next().unwrap_or("").trim();
        t.contains("json") || t == "*/*" || t == "application/*"
    })
}

async fn entry(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    meta: RequestMeta,
) -> Response {
    match serve(&state, &method, &uri, &headers, &meta).await {
        Ok(v) => fhir_response(StatusCode::OK, &v),
        Err(o) => o.into_response(),
    }
}

async fn serve(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    meta: &RequestMeta,
) -> FhirResult<Value> {
    let params: Vec<(String, String)> = match uri.query() {
        None => Vec::new(),
        Some(q) => serde_urlencoded::from_str(q).map_err(|_| Outcome::invalid("The query string is malformed."))?,
    };
    if wants_other_than_json(headers, &params) {
        return Err(Outcome::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-supported",
            "Only JSON (application/fhir+json) is served.",
        ));
    }
    let path = uri.path().trim_start_matches("/fhir").trim_matches('/');
    let parts: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
    if parts == ["metadata"] {
        if method != Method::GET && method != Method::HEAD {
            return Err(not_allowed());
        }
        return Ok(capability::statement(state));
    }
    // Everything else needs a caller, before saying what exists.
    let caller = authenticate(state, headers, meta).await?;
    if method != Method::GET && method != Method::HEAD {
        return Err(not_allowed());
    }
    match parts.as_slice() {
        [] => Err(Outcome::not_found("Searching all resource types is not supported: name a type.")),
        [ty] => {
            let ty = resources::ResourceType::parse(ty)?;
            search::search(state, &caller, ty, &params, uri).await
        }
        [ty, id] => {
            let ty = resources::ResourceType::parse(ty)?;
            resources::read(state, &caller, ty, id).await
        }
        _ => Err(Outcome::not_found("This operation is not supported.")),
    }
}

fn not_allowed() -> Outcome {
    Outcome::new(StatusCode::METHOD_NOT_ALLOWED, "not-supported", "Only read and search are supported.")
}

/// A bearer token, verified as the API verifies it: refused tokens are security events (and a
/// flood of them from one address is cut off), callers are rate limited, API clients' calls
/// are audited.
async fn authenticate(state: &AppState, headers: &HeaderMap, meta: &RequestMeta) -> FhirResult<Caller> {
    let unauthenticated = |text: &str| Outcome::new(StatusCode::UNAUTHORIZED, "login", text);
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(unauthenticated("A bearer token is required."));
    };
    let Some(tok) = value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty() && t.len() <= 4096) else {
        return Err(unauthenticated("Authorization must be `Bearer <token>`."));
    };
    let ip = meta.ip.map(|i| i.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let user = match token::verify(state, tok, meta.ip).await? {
        Ok(user) => user,
        Err(why) => {
            let am = meta.audit(None);
            ratelimit::check(state, &format!("badtoken:ip:{ip}"), ratelimit::BAD_TOKEN_PER_IP, &am).await?;
            let ev = Event {
                action: "security.bad_token",
                entity_type: "token",
                entity_id: Some(why.as_str().into()),
                patient_id: None,
                changes: None,
            };
            audit::record_now(&state.pool, &am, ev).await?;
            return Err(unauthenticated("The bearer token is invalid or expired."));
        }
    };
    let limit = ratelimit::api_limit(&state.config, user.client_id.is_some(), &user.perms);
    let am = meta.audit(Some(&user));
    ratelimit::check(state, &format!("api:{}", user.id), limit, &am).await?;
    Ok(Caller { user, meta: am })
}
