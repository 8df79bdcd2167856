//! Sign-in, sign-out, password change and the API token endpoint.

use crate::platform::routes::Routes;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use serde::Deserialize;
use uuid::Uuid;

use super::lockout;
use super::mfa;
use super::password;
use super::session;
use super::{Auth, PendingMfa, RequestMeta};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, AuditMeta, Event};
use crate::platform::ratelimit;
use crate::web::{self, FieldErrors, Page};

pub use super::lockout::{MINUTES as LOCKOUT_MINUTES, THRESHOLD as LOCKOUT_THRESHOLD};
pub const GENERIC_FAILURE: &str = "Sign-in failed: the email or password is wrong, or the account is locked after repeated failures. Try again or ask an administrator.";

pub fn router() -> Routes {
    Routes::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/session/keepalive", post(keepalive))
        .route("/account/password", get(password_page).post(change_password))
}

/// The token endpoint, registered through `ApiRoutes` so the OpenAPI test sees it.
pub fn api_routes() -> crate::api::ApiRoutes {
    crate::api::ApiRoutes::new().post("/api/v1/auth/token", api_token)
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    page: Page,
    idle_minutes: u64,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(State(state): State<AppState>, page: Page, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if page.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    web::render(&LoginPage {
        idle_minutes: state.config.session_idle.as_secs() / 60,
        page: page.clone().titled(page.t("login-title")),
        email: String::new(),
        next: web::safe_next(q.next.as_deref()),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Outcome of checking credentials, shared by the browser and the API.
pub enum Credentials {
    /// The password is right. For an account with MFA the failure count is not reset yet: that
    /// happens only when the second factor is right too ([`lockout::record_success`]).
    Ok {
        user_id: Uuid,
        mfa_enabled: bool,
    },
    Failed,
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: Uuid,
    email: String,
    password_hash: String,
    locked: bool,
    mfa_enabled: bool,
}

/// Checks email + password with lockout. Unknown email, wrong password and locked account
/// look the same from outside and take about as long (one argon2 verification each).
pub async fn check_credentials(state: &AppState, email: &str, pw: &str, meta: &RequestMeta) -> AppResult<Credentials> {
    let email = email.trim();
    if email.is_empty() || email.len() > 254 || pw.is_empty() || pw.len() > 1024 {
        return Ok(Credentials::Failed);
    }
    let row: Option<LoginRow> = sqlx::query_as(
        "SELECT id, email::text AS email, password_hash, coalesce(locked_until > now(), false) AS locked, mfa_enabled
         FROM users WHERE email = $1 AND active",
    )
    .bind(email)
    .fetch_optional(&state.pool)
    .await?;
    let pw_owned = pw.to_string();
    let Some(row) = row else {
        password::off_runtime(move || password::verify_dummy(&pw_owned)).await;
        audit::record_now(
            &state.pool,
            &meta.audit(None),
            Event {
                action: "auth.login_failed",
                entity_type: "user",
                entity_id: None,
                patient_id: None,
                changes: None,
            },
        )
        .await?;
        return Ok(Credentials::Failed);
    };
    let hash = row.password_hash.clone();
    let good = password::off_runtime(move || password::verify(&pw_owned, &hash)).await.unwrap_or(false);
    let mut am = meta.audit(None);
    am.actor_user_id = Some(row.id);
    am.actor_label = row.email.clone();
    if row.locked {
        audit::record_now(&state.pool, &am, Event::new("auth.login_locked", "user", row.id)).await?;
        return Ok(Credentials::Failed);
    }
    let mut tx = state.pool.begin().await?;
    if good {
        // With a second factor still to come, the count of failures stands (one lockout rule for
        // password and code): the sign-in is complete only after the code.
        if !row.mfa_enabled {
            lockout::record_success(&mut tx, row.id).await?;
        }
        tx.commit().await?;
        return Ok(Credentials::Ok { user_id: row.id, mfa_enabled: row.mfa_enabled });
    }
    lockout::record_failure(&mut tx, &am, row.id, "auth.login_failed").await?;
    tx.commit().await?;
    Ok(Credentials::Failed)
}

async fn login(
    State(state): State<AppState>,
    page: Page,
    meta: RequestMeta,
    pending: Option<axum::Extension<PendingMfa>>,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let next = web::safe_next(f.next.as_deref());
    let email = f.email.trim().to_lowercase();
    let anon = meta.audit(None);
    let ip = meta.ip.map(|i| i.ip().to_string()).unwrap_or_else(|| "unknown".into());
    ratelimit::check(&state, &format!("login:ip:{ip}"), ratelimit::LOGIN_PER_IP, &anon).await?;
    ratelimit::check(&state, &format!("login:acct:{email}"), ratelimit::LOGIN_PER_ACCOUNT, &anon).await?;
    let Credentials::Ok { user_id, mfa_enabled } = check_credentials(&state, &f.email, &f.password, &meta).await?
    else {
        let t = LoginPage {
            idle_minutes: state.config.session_idle.as_secs() / 60,
            page: page.clone().titled(page.t("login-title")),
            email: f.email.chars().take(254).collect(),
            next,
            error: Some(page.t("login-failed")),
        };
        return web::render_status(StatusCode::UNAUTHORIZED, &t);
    };
    let mut tx = state.pool.begin().await?;
    // Rotate: a session presented with the sign-in request is ended, never upgraded.
    if let Some(old) = page.user.as_ref().and_then(|u| u.session_id) {
        session::revoke(&mut tx, old).await?;
    }
    if let Some(p) = pending {
        session::revoke(&mut tx, p.session_id).await?;
    }
    let mut am = meta.audit(None);
    am.actor_user_id = Some(user_id);
    am.actor_label = email.clone();
    let (tok, to) = if mfa_enabled {
        let (sid, tok) =
            session::create(&mut tx, &state.config, user_id, meta.ip, meta.user_agent.as_deref(), true).await?;
        am.session_id = Some(sid);
        audit::record(&mut tx, &am, Event::new("auth.password_ok", "session", sid)).await?;
        let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
        (tok, format!("/mfa?{q}"))
    } else {
        let (_, tok) = complete_sign_in(&mut tx, &state, user_id, &meta, &am).await?;
        (tok, next)
    };
    tx.commit().await?;
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&session::cookie(&state.config, session::COOKIE, &tok))
            .map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(res)
}

/// The last step of every sign-in: a full session, the per-role session limit, a security event
/// when an administrator signs in from an address not seen before, and the audit record.
pub async fn complete_sign_in(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    user_id: Uuid,
    meta: &RequestMeta,
    am: &AuditMeta,
) -> AppResult<(Uuid, String)> {
    let (sid, tok) = session::create(tx, &state.config, user_id, meta.ip, meta.user_agent.as_deref(), false).await?;
    let mut am = am.clone();
    am.session_id = Some(sid);
    let ended = session::enforce_limit(tx, user_id).await?;
    if ended > 0 {
        audit::record(
            tx,
            &am,
            Event::new("session.limit_revoked", "user", user_id).changes(serde_json::json!({"ended": ended})),
        )
        .await?;
    }
    let new_admin_ip: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = $1 AND role_code IN ('super_admin', 'hospital_admin'))
            AND NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1 AND id <> $2 AND NOT mfa_pending AND ip IS NOT DISTINCT FROM $3)",
    )
    .bind(user_id)
    .bind(sid)
    .bind(meta.ip)
    .fetch_one(&mut *tx)
    .await?;
    if new_admin_ip {
        audit::record(tx, &am, Event::new("security.new_ip", "user", user_id)).await?;
    }
    audit::record(tx, &am, Event::new("auth.login", "session", sid)).await?;
    Ok((sid, tok))
}

/// `POST /session/keepalive` ("Stay signed in" in the idle warning): the session middleware
/// has already counted the request as activity; answers the idle timeout in seconds, or 401
/// (JSON, no redirect) when the session has ended.
async fn keepalive(State(state): State<AppState>, page: Page) -> Response {
    let idle = state.config.session_idle.as_secs();
    if page.user.is_none() {
        let body = serde_json::json!({"signed_in": false, "message": session::ended_message(idle / 60, true)});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    (StatusCode::OK, Json(serde_json::json!({"signed_in": true, "idle_seconds": idle}))).into_response()
}

async fn logout(
    State(state): State<AppState>,
    page: Page,
    auth: Option<Auth>,
    pending: Option<axum::Extension<PendingMfa>>,
) -> AppResult<Response> {
    if let Some(p) = pending {
        let mut tx = state.pool.begin().await?;
        session::revoke(&mut tx, p.session_id).await?;
        tx.commit().await?;
    }
    if let Some(auth) = auth {
        if let Some(sid) = auth.session_id {
            let mut tx = state.pool.begin().await?;
            session::revoke(&mut tx, sid).await?;
            audit::record(&mut tx, &auth.meta, Event::new("auth.logout", "session", sid)).await?;
            tx.commit().await?;
        }
    }
    let mut res = web::redirect_flash("/login", "ok", &page.t("login-signed-out"));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&session::clear_cookie(&state.config, session::COOKIE))
            .map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    page: Page,
    errors: FieldErrors,
    forced: bool,
}

async fn password_page(page: Page, auth: Auth) -> AppResult<Response> {
    web::render(&PasswordPage {
        page: page.clone().titled(page.t("password-heading")),
        errors: FieldErrors::default(),
        forced: auth.must_change_password,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let current_hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(auth.id)
        .fetch_one(&state.pool)
        .await?;
    let (cur, h) = (f.current_password.clone(), current_hash.clone());
    if !password::off_runtime(move || password::verify(&cur, &h)).await.unwrap_or(false) {
        errors.add("current_password", page.t("password-current-wrong"));
    }
    if f.new_password != f.confirm_password {
        errors.add("confirm_password", page.t("password-differ"));
    }
    if let Err(m) = password::check_policy(&f.new_password, &auth.email) {
        errors.add("new_password", m);
    }
    if errors.is_empty() && reused(&state, auth.id, &f.new_password).await? {
        errors.add("new_password", page.t1("password-reused", "count", password::HISTORY));
    }
    if !errors.is_empty() {
        let t = PasswordPage {
            page: page.clone().titled(page.t("password-heading")),
            errors,
            forced: auth.must_change_password,
        };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let mut tx = state.pool.begin().await?;
    set_password(&mut tx, auth.id, &f.new_password, false).await?;
    session::revoke_all(&mut tx, auth.id, auth.session_id).await?;
    audit::record(&mut tx, &auth.meta, Event::new("user.password_changed", "user", auth.id)).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/", "ok", &page.t("password-changed")))
}

/// True when `pw` matches one of the user's last five passwords.
pub async fn reused(state: &AppState, user_id: Uuid, pw: &str) -> AppResult<bool> {
    let hashes: Vec<String> = sqlx::query_scalar(
        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(password::HISTORY)
    .fetch_all(&state.pool)
    .await?;
    let pw = pw.to_string();
    Ok(password::off_runtime(move || hashes.iter().any(|h| password::verify(&pw, h))).await.unwrap_or(false))
}

/// Stores a new password hash and its history entry, and moves the security stamp.
pub async fn set_password(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    pw: &str,
    must_change: bool,
) -> sqlx::Result<()> {
    let pw_owned = pw.to_string();
    let hash = password::off_runtime(move || password::hash(&pw_owned))
        .await
        .ok_or_else(|| sqlx::Error::Protocol("password hashing was interrupted".into()))?;
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = now(), failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .bind(&hash)
        .bind(must_change)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)")
        .bind(user_id)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    // API tokens issued under the old password stop working.
    super::bump_security_stamp(conn, user_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// `password` (default) or `client_credentials`.
    grant_type: Option<String>,
    /// Password grant: the user's email.
    email: Option<String>,
    /// Password grant: the user's password.
    password: Option<String>,
    /// Password grant: the current TOTP code (or a backup code); required for accounts with MFA.
    totp: Option<String>,
    /// Client-credentials grant: the registered client's id.
    client_id: Option<String>,
    /// Client-credentials grant: the client's secret.
    client_secret: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// Exchanges email and password for a short-lived bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 400, description = "Unsupported grant type, an email over 254 characters or a malformed client_id"), (status = 401, description = "Wrong credentials or locked account")))]
pub async fn api_token(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<TokenRequest>,
) -> AppResult<Response> {
    // Over-long or malformed identifiers are refused before they reach a log or a counter.
    if let Some(m) = oversized_identifier(&req) {
        return Err(AppError::BadRequest(m.into()));
    }
    let ip = meta.ip.map(|i| i.ip().to_string()).unwrap_or_else(|| "unknown".into());
    ratelimit::check(&state, &format!("token:ip:{ip}"), ratelimit::TOKEN_PER_IP, &meta.audit(None)).await?;
    match req.grant_type.as_deref().unwrap_or("password") {
        "password" => {}
        "client_credentials" => return client_token(&state, &meta, &req).await,
        other => return Err(AppError::BadRequest(format!("unsupported grant_type {other:?}"))),
    }
    let (Some(email_in), Some(password)) = (req.email.as_deref(), req.password.as_deref()) else {
        return Err(AppError::Unprocessable("the password grant needs `email` and `password`".into()));
    };
    let email = email_in.trim().to_lowercase();
    ratelimit::check(&state, &format!("login:acct:{email}"), ratelimit::LOGIN_PER_ACCOUNT, &meta.audit(None)).await?;
    let Credentials::Ok { user_id, mfa_enabled } = check_credentials(&state, email_in, password, &meta).await? else {
        return Ok(crate::platform::middleware::problem(StatusCode::UNAUTHORIZED, GENERIC_FAILURE));
    };
    let must_change: bool = sqlx::query_scalar("SELECT must_change_password FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&state.pool)
        .await?;
    let am = AuditMeta { actor_user_id: Some(user_id), actor_label: email.clone(), ..meta.audit(None) };
    if mfa_enabled {
        let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Ok(crate::platform::middleware::problem(
                StatusCode::UNAUTHORIZED,
                "This account uses multi-factor authentication: send the current code in `totp`",
            ));
        };
        // The same rule as `/mfa`: a wrong code counts towards the lockout, and the count is reset
        // only when the code is right.
        let mut tx = state.pool.begin().await?;
        let ok = if code.len() <= 64 && !lockout::is_locked(&mut tx, user_id).await? {
            mfa::verify_any(&mut tx, &state.keys, user_id, code).await?
        } else {
            None
        };
        if ok.is_none() {
            let locked = lockout::record_failure(&mut tx, &am, user_id, "auth.mfa_failed").await?;
            tx.commit().await?;
            let detail = if locked { GENERIC_FAILURE } else { "The code is wrong, expired or already used" };
            return Ok(crate::platform::middleware::problem(StatusCode::UNAUTHORIZED, detail));
        }
        lockout::record_success(&mut tx, user_id).await?;
        tx.commit().await?;
    }
    if must_change {
        return Ok(crate::platform::middleware::problem(
            StatusCode::FORBIDDEN,
            "This account must set a new password in the browser (/account/password) before using the API",
        ));
    }
    let (tok, ttl) = super::token::issue(&state, user_id).await?;
    audit::record_now(&state.pool, &am, Event::new("auth.token_issued", "user", user_id)).await?;
    Ok(Json(TokenResponse { access_token: tok, token_type: "Bearer", expires_in: ttl }).into_response())
}

/// Longest `client_id` the token endpoint reads (issued ids are `hc_` and 16 hex digits).
pub const MAX_CLIENT_ID: usize = 64;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL: usize = 254;

/// Why a token request's identifiers cannot be genuine, if they cannot.
fn oversized_identifier(req: &TokenRequest) -> Option<&'static str> {
    if req.email.as_deref().is_some_and(|e| e.trim().chars().count() > MAX_EMAIL) {
        return Some("`email` is longer than 254 characters");
    }
    let cid_ok = |c: &str| {
        let c = c.trim();
        c.len() <= MAX_CLIENT_ID && c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
    };
    if req.client_id.as_deref().is_some_and(|c| !cid_ok(c)) {
        return Some("`client_id` has at most 64 letters, digits, `_`, `-` and `.`");
    }
    None
}

/// Client-credentials grant for registered API clients.
async fn client_token(state: &AppState, meta: &RequestMeta, req: &TokenRequest) -> AppResult<Response> {
    let (Some(cid), Some(secret)) = (req.client_id.as_deref(), req.client_secret.as_deref()) else {
        return Err(AppError::Unprocessable("client_credentials needs `client_id` and `client_secret`".into()));
    };
    let hash = state.keys.blind_index("api-client-secret", secret);
    let row: Option<(Uuid, bool, Vec<u8>)> =
        sqlx::query_as("SELECT id, enabled, secret_hash FROM api_clients WHERE client_id = $1")
            .bind(cid.trim())
            .fetch_optional(&state.pool)
            .await?;
    let mut am = meta.audit(None);
    am.actor_label = format!("api-client:{}", cid.trim().chars().take(100).collect::<String>());
    let ok = row.as_ref().is_some_and(|(_, enabled, h)| {
        *enabled && bool::from(subtle::ConstantTimeEq::ct_eq(h.as_slice(), hash.as_slice()))
    });
    let Some((id, _, _)) = row.filter(|_| ok) else {
        audit::record_now(&state.pool, &am, Event::new("auth.client_failed", "api_client", cid.trim())).await?;
        return Ok(crate::platform::middleware::problem(
            StatusCode::UNAUTHORIZED,
            "Unknown or disabled client, or wrong secret",
        ));
    };
    let (tok, ttl) = super::token::issue_for_client(state, id)?;
    audit::record_now(&state.pool, &am, Event::new("auth.token_issued", "api_client", id)).await?;
    Ok(Json(TokenResponse { access_token: tok, token_type: "Bearer", expires_in: ttl }).into_response())
}
