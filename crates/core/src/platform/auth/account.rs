//! The user's own security settings: MFA enrolment and backup codes, and "My sessions".

use crate::platform::routes::Routes;
use crate::web::Path;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Form;
use serde::Deserialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{mfa, session, Auth};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::web::{self, Page};

pub fn router() -> Routes {
    Routes::new()
        .route("/account", get(account_home))
        .route("/account/language", post(set_language))
        .route("/account/mfa", get(mfa_page))
        .route("/account/mfa/confirm", post(confirm))
        .route("/account/mfa/backup-codes", post(new_backup_codes))
        .route("/account/sessions", get(sessions_page))
        .route("/account/sessions/revoke-others", post(revoke_others))
        .route("/account/sessions/{id}/revoke", post(revoke_one))
}

#[derive(Template)]
#[template(path = "auth/mfa_setup.html")]
struct MfaPage {
    page: Page,
    enabled: bool,
    required: bool,
    secret: String,
    qr_svg: String,
    backup_left: i64,
    codes: Vec<String>,
    error: Option<String>,
}

/// Shows the status, or a fresh secret and QR code to enrol (kept pending until confirmed).
async fn mfa_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    render_mfa(&state, page, &auth, Vec::new(), None, StatusCode::OK).await
}

async fn render_mfa(
    state: &AppState,
    page: Page,
    auth: &Auth,
    codes: Vec<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let (enabled, pending): (bool, Option<Vec<u8>>) =
        sqlx::query_as("SELECT mfa_enabled, totp_pending_enc FROM users WHERE id = $1")
            .bind(auth.id)
            .fetch_one(&state.pool)
            .await?;
    let backup_left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(auth.id)
            .fetch_one(&state.pool)
            .await?;
    let (secret, qr_svg) = if enabled {
        (String::new(), String::new())
    } else {
        let secret = match state.keys.decrypt_opt(pending.as_deref(), mfa::AAD_PENDING) {
            Some(s) => s,
            None => {
                let s = mfa::new_secret();
                sqlx::query("UPDATE users SET totp_pending_enc = $2 WHERE id = $1")
                    .bind(auth.id)
                    .bind(state.keys.encrypt(&s, mfa::AAD_PENDING))
                    .execute(&state.pool)
                    .await?;
                s
            }
        };
        let qr = mfa::qr_svg(&mfa::otpauth_url(&secret, &auth.email));
        (secret, qr)
    };
    let t = MfaPage {
        page: page.clone().titled(page.t("mfa-setup-heading")).crumb(page.t("mfa-setup-heading"), "/account/mfa"),
        enabled,
        required: auth.mfa_required,
        secret,
        qr_svg,
        backup_left,
        codes,
        error,
    };
    web::render_status(status, &t)
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// Confirms enrolment with a first code; shows ten backup codes once.
async fn confirm(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let pending: Option<Vec<u8>> = sqlx::query_scalar("SELECT totp_pending_enc FROM users WHERE id = $1 FOR UPDATE")
        .bind(auth.id)
        .fetch_one(&mut *tx)
        .await?;
    let Some(secret) = state.keys.decrypt_opt(pending.as_deref(), mfa::AAD_PENDING) else {
        return Err(AppError::Unprocessable("Start the set-up again: open Two-step verification.".into()));
    };
    let Some(step) = mfa::matching_step(&secret, &f.code, mfa::now_secs()) else {
        drop(tx);
        let msg = "That code does not match. Check the time on your phone and type the newest code.".to_string();
        return render_mfa(&state, page, &auth, Vec::new(), Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    sqlx::query(
        "UPDATE users SET totp_secret_enc = $2, totp_pending_enc = NULL, mfa_enabled = true, totp_last_step = $3 WHERE id = $1",
    )
    .bind(auth.id)
    .bind(state.keys.encrypt(&secret, mfa::AAD_SECRET))
    .bind(step as i64)
    .execute(&mut *tx)
    .await?;
    let codes = mfa::regenerate_backup_codes(&mut tx, &state.keys, auth.id).await?;
    audit::record(&mut tx, &auth.meta, Event::new("mfa.enrolled", "user", auth.id)).await?;
    tx.commit().await?;
    let mut auth = auth;
    auth.user.mfa_enabled = true;
    render_mfa(&state, page, &auth, codes, None, StatusCode::OK).await
}

/// New backup codes replace the old ones; a current code is required.
async fn new_backup_codes(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    if !mfa::verify_totp(&mut tx, &state.keys, auth.id, &f.code).await? {
        drop(tx);
        let msg = "That code is wrong or already used; new backup codes need a current code.".to_string();
        return render_mfa(&state, page, &auth, Vec::new(), Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let codes = mfa::regenerate_backup_codes(&mut tx, &state.keys, auth.id).await?;
    audit::record(&mut tx, &auth.meta, Event::new("mfa.backup_codes_regenerated", "user", auth.id)).await?;
    tx.commit().await?;
    render_mfa(&state, page, &auth, codes, None, StatusCode::OK).await
}

#[derive(FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_agent: String,
    pub ip: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

pub async fn active_sessions(pool: &sqlx::PgPool, user_id: Uuid) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT id, user_agent, host(ip) AS ip, created_at, last_seen_at FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND NOT mfa_pending AND expires_at > now()
         ORDER BY last_seen_at DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "auth/sessions.html")]
struct SessionsPage {
    page: Page,
    rows: Vec<SessionRow>,
    current: Option<Uuid>,
}

impl SessionsPage {
    fn is_current(&self, id: &Uuid) -> bool {
        self.current.as_ref() == Some(id)
    }
}

async fn sessions_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let rows = active_sessions(&state.pool, auth.id).await?;
    web::render(&SessionsPage {
        page: page.clone().titled(page.t("sessions-heading")).crumb(page.t("sessions-heading"), "/account/sessions"),
        rows,
        current: auth.session_id,
    })
}

async fn revoke_one(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(id)
        .bind(auth.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, &auth.meta, Event::new("session.revoke", "session", id)).await?;
    tx.commit().await?;
    let to = if Some(id) == auth.session_id { "/login" } else { "/account/sessions" };
    Ok(web::redirect_flash(to, "ok", "The session was signed out."))
}

async fn revoke_others(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let n = session::revoke_all(&mut tx, auth.id, auth.session_id).await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("session.revoke_others", "user", auth.id).changes(serde_json::json!({"ended": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/account/sessions", "ok", &format!("{n} other session(s) signed out.")))
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountHome {
    page: Page,
    email: String,
    roles: String,
    mfa_enabled: bool,
    sessions: usize,
    /// The user's own choice (`users.locale`); `None`: the facility's language.
    chosen: Option<String>,
    /// `(tag, the language's own name)` of the languages offered.
    languages: Vec<(String, &'static str)>,
    error: Option<String>,
}

async fn account_home(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    render_account(&state, page, &auth, None, StatusCode::OK).await
}

async fn render_account(
    state: &AppState,
    page: Page,
    auth: &Auth,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let sessions = active_sessions(&state.pool, auth.id).await?.len();
    let chosen: Option<String> =
        sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(auth.id).fetch_one(&state.pool).await?;
    let title = page.t("account-heading");
    web::render_status(
        status,
        &AccountHome {
            page: page.titled(title.clone()).crumb(title, "/account"),
            email: auth.email.clone(),
            roles: auth.roles.join(", "),
            mfa_enabled: auth.mfa_enabled,
            sessions,
            chosen,
            languages: crate::i18n::available()
                .into_iter()
                .map(|l| (l.clone(), crate::i18n::native_name(&l)))
                .collect(),
            error,
        },
    )
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    locale: String,
}

/// `POST /account/language`: the user's language (one of those offered), or empty for the
/// facility's. Audited as `user.locale_changed`.
async fn set_language(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<LanguageForm>,
) -> AppResult<Response> {
    let locale = f.locale.trim();
    if !locale.is_empty() && !crate::i18n::available().iter().any(|l| l == locale) {
        let msg = page.t("account-language-invalid");
        return render_account(&state, page, &auth, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let value = (!locale.is_empty()).then_some(locale);
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE users SET locale = $2 WHERE id = $1").bind(auth.id).bind(value).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("user.locale_changed", "user", auth.id).changes(serde_json::json!({ "locale": value })),
    )
    .await?;
    tx.commit().await?;
    // The message in the language just chosen (the facility's when reset: the next page says).
    let lang = crate::i18n::catalogues().choose(value, None);
    Ok(web::redirect_flash("/account", "ok", &crate::i18n::t(&lang, "account-language-saved")))
}
