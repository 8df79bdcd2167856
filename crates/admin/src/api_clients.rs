//! API clients: system integrations with their own credentials (client-credentials grant),
//! scopes drawn from the permission catalogue, an optional address allow-list, and a switch.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use base64::Engine;
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::FromRow;
use uuid::Uuid;

use super::{all, one};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::ratelimit::IMPORT_SCOPE;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

/// Administrative powers stay with people.
const NOT_DELEGABLE: &[&str] = &["users.manage", "roles.manage", "api_clients.manage", "facilities.manage"];

#[derive(FromRow)]
pub struct ClientRow {
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub ip_allow: Vec<IpNetwork>,
    pub enabled: bool,
    pub last_used_at: Option<time::OffsetDateTime>,
}

impl ClientRow {
    pub fn allow_text(&self) -> String {
        if self.ip_allow.is_empty() {
            "any address".into()
        } else {
            self.ip_allow.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
        }
    }
}

#[derive(FromRow)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/api_clients.html")]
struct ListPage {
    page: Page,
    rows: Vec<ClientRow>,
    scopes: Vec<Choice>,
    facilities: Vec<Choice>,
    errors: FieldErrors,
    name: String,
    ip_text: String,
    issued: Option<(String, String)>,
    /// Requests a minute of a client with the `import` scope.
    import_rate: u32,
}

impl ListPage {
    /// The token endpoint, shown as code (not translated).
    fn token_endpoint(&self) -> &'static str {
        "POST /api/v1/auth/token"
    }

    /// The token request's body, shown as code (not translated).
    fn token_body(&self) -> &'static str {
        r#"{"grant_type": "client_credentials", "client_id": …, "client_secret": …}"#
    }

    fn import_scope(&self) -> &'static str {
        IMPORT_SCOPE
    }
}

async fn render(
    state: &AppState,
    page: Page,
    errors: FieldErrors,
    name: String,
    ip_text: String,
    issued: Option<(String, String)>,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = sqlx::query_as(
        "SELECT id, client_id, name, scopes, ip_allow, enabled, last_used_at
         FROM api_clients ORDER BY name",
    )
    .fetch_all(&state.pool)
    .await?;
    let scopes = sqlx::query_as(
        "SELECT code AS id, description AS label FROM permissions WHERE NOT (code = ANY($1)) ORDER BY code",
    )
    .bind(NOT_DELEGABLE.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    .fetch_all(&state.pool)
    .await?;
    let facilities = sqlx::query_as("SELECT id::text AS id, name AS label FROM facilities WHERE active ORDER BY name")
        .fetch_all(&state.pool)
        .await?;
    let title = page.t("admin-clients-heading");
    let t = ListPage {
        page: page.titled(title.clone()).crumb(title, "/admin/api-clients"),
        rows,
        scopes,
        facilities,
        errors,
        name,
        ip_text,
        issued,
        import_rate: state.config.import_rate_per_min,
    };
    web::render_status(status, &t)
}

pub async fn list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::API_CLIENTS_MANAGE)?;
    render(&state, page, FieldErrors::default(), String::new(), String::new(), None, StatusCode::OK).await
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::API_CLIENTS_MANAGE)?;
    let name = one(&pairs, "name").trim().to_string();
    let ip_text = one(&pairs, "ip_allow").to_string();
    let mut scopes: Vec<String> = all(&pairs, "scopes").into_iter().map(str::to_string).collect();
    let import = matches!(one(&pairs, "import"), "on" | "true");
    let facility = one(&pairs, "facility_id").trim().to_string();
    let mut errors = FieldErrors::default();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", page.t("admin-error-name"));
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM permissions").fetch_all(&state.pool).await?;
    if scopes.is_empty() {
        errors.add("scopes", page.t("admin-clients-error-scopes-none"));
    } else if scopes.iter().any(|s| !known.contains(s) || NOT_DELEGABLE.contains(&s.as_str())) {
        errors.add("scopes", page.t("admin-clients-error-scopes-unknown"));
    }
    if import {
        // Not a permission: it only lifts the client's rate limit (`HEARTH_IMPORT_RATE_PER_MIN`).
        scopes.push(IMPORT_SCOPE.to_string());
    }
    let mut nets: Vec<IpNetwork> = Vec::new();
    for line in ip_text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.parse::<IpNetwork>() {
            Ok(n) => nets.push(n),
            Err(_) => {
                errors.add("ip_allow", page.t1("admin-clients-error-ip", "line", format!("{line:?}")));
                break;
            }
        }
    }
    let facility_id: Option<Uuid> = if facility.is_empty() {
        None
    } else {
        match facility.parse::<Uuid>() {
            Ok(f) => Some(f),
            Err(_) => {
                errors.add("facility_id", page.t("admin-clients-error-facility"));
                None
            }
        }
    };
    if !errors.is_empty() {
        return render(&state, page, errors, name, ip_text, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let id = Uuid::new_v4();
    let client_id = format!("hc_{}", &id.simple().to_string()[..16]);
    let secret = new_secret();
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO api_clients (id, client_id, name, secret_hash, scopes, ip_allow, facility_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6::cidr[], $7, $8)",
    )
    .bind(id)
    .bind(&client_id)
    .bind(&name)
    .bind(state.keys.blind_index("api-client-secret", &secret))
    .bind(&scopes)
    .bind(&nets)
    .bind(facility_id)
    .bind(auth.id)
    .execute(&mut *tx)
    .await?;
    let changes = serde_json::json!({"name": name, "scopes": scopes, "ip_allow": nets.iter().map(|n| n.to_string()).collect::<Vec<_>>(), "secret": {"changed": true, "encrypted": true}});
    audit::record(&mut tx, &auth.meta, Event::new("api_client.create", "api_client", id).changes(changes)).await?;
    tx.commit().await?;
    render(
        &state,
        page,
        FieldErrors::default(),
        String::new(),
        String::new(),
        Some((client_id, secret)),
        StatusCode::OK,
    )
    .await
}

pub async fn set_enabled(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::API_CLIENTS_MANAGE)?;
    let enabled = match one(&pairs, "enabled") {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("enabled must be true or false".into())),
    };
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query("UPDATE api_clients SET enabled = $2 WHERE id = $1")
        .bind(id)
        .bind(enabled)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let action = if enabled { "api_client.enable" } else { "api_client.disable" };
    audit::record(&mut tx, &auth.meta, Event::new(action, "api_client", id)).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        "/admin/api-clients",
        "ok",
        &page.t(if enabled { "admin-clients-enabled-flash" } else { "admin-clients-disabled-flash" }),
    ))
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(crate::perms::API_CLIENTS_MANAGE)?;
    let secret = new_secret();
    let mut tx = state.pool.begin().await?;
    let client_id: Option<String> =
        sqlx::query_scalar("UPDATE api_clients SET secret_hash = $2 WHERE id = $1 RETURNING client_id")
            .bind(id)
            .bind(state.keys.blind_index("api-client-secret", &secret))
            .fetch_optional(&mut *tx)
            .await?;
    let client_id = client_id.ok_or(AppError::NotFound)?;
    audit::record(&mut tx, &auth.meta, Event::new("api_client.rotate_secret", "api_client", id)).await?;
    tx.commit().await?;
    render(
        &state,
        page,
        FieldErrors::default(),
        String::new(),
        String::new(),
        Some((client_id, secret)),
        StatusCode::OK,
    )
    .await
}
