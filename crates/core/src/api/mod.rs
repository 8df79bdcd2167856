//! The JSON API kit: route registration with recorded operations ([`ApiRoutes`]), the
//! OpenAPI document's shared parts (bearer scheme, problem details, the error answers every
//! operation can give) and the platform's own endpoints (`/api/v1/me`, `/api/openapi.json`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::AppState;
use crate::platform::auth::Auth;

pub mod routes;

pub use routes::ApiRoutes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth API", version = "1", description = "Hearth hospital management system, JSON API v1. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors are application/problem+json (RFC 7807). Every POST accepts an `Idempotency-Key` header: a repeat of the same request with the same key gets the first answer (with `Idempotency-Replayed: true`) instead of doing it twice."),
    paths(crate::platform::auth::routes::api_token, me),
    components(schemas(Me, ProblemDetails, FieldError)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// An error answer (RFC 7807 problem details).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemDetails {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    /// What went wrong, safe to show. On a 422 naming fields: `field: message; field: message`.
    detail: String,
    /// On a 422: each field that failed validation (absent otherwise). A field is a property of
    /// the request body (or a path into it, `items[0].name`, for a body that does not fit the
    /// schema) or, on a multipart upload, a form field.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError>>,
}

/// One field's validation error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldError {
    field: String,
    message: String,
}

/// The platform's part of the API description: its info, the bearer scheme, the token endpoint
/// and `/api/v1/me`. The registry adds every module's operations (`Registry::openapi`).
pub fn base_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Adds to every operation the answers the shared machinery gives, each as problem+json:
/// 400 (unreadable parameters or body), 401 and 403 (bearer token, permissions; `/me` needs none),
/// 404 (a path names something that does not exist or may not be seen), 413, 415 and 422
/// (bodies; a 422 names the fields in `errors`), 409 on writes (a database constraint: a
/// duplicate, an overlap, a state changed meanwhile), 409 and 422 (POST with an
/// `Idempotency-Key` in flight or reused for another request; not the token endpoint),
/// 429 (rate limits) and 503 (busy or the database unavailable). Answers an operation declares
/// itself keep their description; any error answer without a body gets the problem body. Those
/// POSTs also get the optional `Idempotency-Key` header parameter.
pub fn error_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
    use utoipa::openapi::{Content, Ref, RefOr, Required, Response};
    let problem_content = || Content::new(Some(Ref::from_schema_name("ProblemDetails")));
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops: [(&str, &mut Option<Operation>); 5] = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let has_body = op.request_body.is_some();
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let mut add: Vec<(&str, &str)> = Vec::new();
            if has_path || has_query || has_body {
                add.push(("400", "The request could not be read: a malformed parameter or body"));
            }
            if secured {
                add.push(("401", "No bearer token, or an invalid or expired one"));
            }
            if path != "/api/v1/me" {
                add.push(("403", "The caller may not do this"));
            }
            if has_path {
                add.push(("404", "Not found, or not visible to the caller"));
            }
            if has_body {
                add.push(("413", "The body is too large"));
                add.push(("415", "The body's content type is not the one described"));
                add.push(("422", "The body is well-formed but its content is invalid: `errors` names each field"));
            }
            let idempotent = method == "post" && crate::platform::idempotency::applies(&axum::http::Method::POST, path);
            if idempotent {
                add.push((
                    "409",
                    "The write conflicts with another record or the record's current state, or a request with the \
                     same Idempotency-Key is still running (or was interrupted)",
                ));
            } else if method != "get" && path != "/api/v1/auth/token" {
                add.push(("409", "The write conflicts with another record or the record's current state"));
            }
            if idempotent {
                // `or_insert` keeps the wording above when the operation already has a 400.
                add.push(("400", "The request could not be read: a malformed parameter, body or Idempotency-Key"));
                add.push(("422", "The Idempotency-Key was used before with a different request"));
                let key = Parameter::builder()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "Up to 255 visible ASCII characters, unique per request you mean to make once; kept 24 hours.",
                    ))
                    .schema(Some(utoipa::openapi::schema::Schema::Object(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .min_length(Some(1))
                            .max_length(Some(255))
                            .pattern(Some("^[!-~]+$"))
                            .build(),
                    )))
                    .build();
                op.parameters.get_or_insert_with(Vec::new).push(key);
            }
            add.push(("429", "Too many requests; wait for Retry-After seconds"));
            add.push(("503", "Busy, or the database is unavailable; retry after Retry-After seconds"));
            for (code, description) in add {
                op.responses.responses.entry(code.to_string()).or_insert_with(|| {
                    RefOr::T(
                        Response::builder()
                            .description(description)
                            .content("application/problem+json", problem_content())
                            .build(),
                    )
                });
            }
            for (code, r) in op.responses.responses.iter_mut() {
                if let (true, RefOr::T(r)) = (code.parse::<u16>().is_ok_and(|c| c >= 400), r) {
                    if r.content.is_empty() {
                        r.content.insert("application/problem+json".to_string(), problem_content());
                    }
                }
            }
        }
    }
}

/// The platform's API routes: the token endpoint and `/api/v1/me`.
pub fn routes() -> ApiRoutes {
    crate::platform::auth::routes::api_routes().get("/api/v1/me", me)
}

/// `GET /api/openapi.json`: the registry's whole document.
pub async fn openapi(State(state): State<AppState>) -> Response {
    Json(state.registry.openapi()).into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: Uuid,
    email: String,
    display_name: String,
    roles: Vec<String>,
    permissions: Vec<String>,
}

/// The authenticated user and what they may do.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
async fn me(auth: Auth) -> Json<Me> {
    let u = auth.user;
    Json(Me { id: u.id, email: u.email, display_name: u.display_name, roles: u.roles, permissions: u.perms })
}
