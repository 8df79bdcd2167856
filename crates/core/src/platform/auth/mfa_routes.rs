//! The second sign-in step: `/mfa` takes a TOTP or backup code for a pending session.

use crate::platform::routes::Routes;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form};
use serde::Deserialize;

use super::routes::complete_sign_in;
use super::{lockout, mfa, session, PendingMfa, RequestMeta};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::ratelimit;
use crate::web::{self, Page};

pub fn router() -> Routes {
    Routes::new().route("/mfa", get(challenge).post(verify)).route("/mfa/email", axum::routing::post(email_code))
}

#[derive(Template)]
#[template(path = "auth/mfa.html")]
struct Challenge {
    page: Page,
    next: String,
    error: Option<String>,
    info: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn challenge(
    page: Page,
    pending: Option<Extension<PendingMfa>>,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if pending.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    web::render(&Challenge {
        page: page.clone().titled(page.t("mfa-title")),
        next: web::safe_next(q.next.as_deref()),
        error: None,
        info: None,
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn verify(
    State(state): State<AppState>,
    page: Page,
    meta: RequestMeta,
    pending: Option<Extension<PendingMfa>>,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    let Some(Extension(p)) = pending else { return Ok(Redirect::to("/login").into_response()) };
    let next = web::safe_next(f.next.as_deref());
    let mut am = meta.audit(None);
    am.actor_user_id = Some(p.user_id);
    am.actor_label = p.email.clone();
    am.session_id = Some(p.session_id);
    ratelimit::check(&state, &format!("mfa:user:{}", p.user_id), ratelimit::MFA_PER_USER, &am).await?;
    let mut tx = state.pool.begin().await?;
    // While the account is locked (by this or another sign-in path) no code is even checked.
    let locked = lockout::is_locked(&mut tx, p.user_id).await?;
    let mut method = if f.code.len() <= 64 && !locked {
        mfa::verify_any(&mut tx, &state.keys, p.user_id, &f.code).await?
    } else {
        None
    };
    if method.is_none() && !locked && f.code.trim().len() == 6 {
        let used = sqlx::query(
            "UPDATE mfa_email_codes SET used_at = now()
             WHERE session_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL AND expires_at > now()",
        )
        .bind(p.session_id)
        .bind(p.user_id)
        .bind(email_code_hash(&state, p.session_id, f.code.trim()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 1 {
            method = Some("email");
        }
    }
    let Some(method) = method else {
        // Wrong codes count towards the same lockout as wrong passwords (see `lockout`).
        if locked {
            audit::record(&mut tx, &am, Event::new("auth.login_locked", "user", p.user_id)).await?;
        }
        if locked || lockout::record_failure(&mut tx, &am, p.user_id, "auth.mfa_failed").await? {
            session::revoke(&mut tx, p.session_id).await?;
            tx.commit().await?;
            return Ok(web::redirect_flash("/login", "error", super::routes::GENERIC_FAILURE));
        }
        tx.commit().await?;
        let t = Challenge {
            page: page.clone().titled(page.t("mfa-title")),
            next,
            error: Some(page.t("mfa-code-wrong")),
            info: None,
        };
        return web::render_status(StatusCode::UNAUTHORIZED, &t);
    };
    session::revoke(&mut tx, p.session_id).await?;
    lockout::record_success(&mut tx, p.user_id).await?;
    audit::record(
        &mut tx,
        &am,
        Event::new("auth.mfa_ok", "user", p.user_id).changes(serde_json::json!({"method": method})),
    )
    .await?;
    let (_, tok) = complete_sign_in(&mut tx, &state, p.user_id, &meta, &am).await?;
    tx.commit().await?;
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&session::cookie(&state.config, session::COOKIE, &tok))
            .map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(res)
}

fn email_code_hash(state: &AppState, session: uuid::Uuid, code: &str) -> Vec<u8> {
    state.keys.blind_index("mfa-email-code", &format!("{session}:{code}"))
}

#[derive(Deserialize)]
pub struct EmailForm {
    next: Option<String>,
}

/// Sends a one-time code to the account's email address (the fallback second factor): six
/// digits, valid for 10 minutes, bound to this pending sign-in, at most 3 per 10 minutes.
async fn email_code(
    State(state): State<AppState>,
    page: Page,
    meta: RequestMeta,
    pending: Option<Extension<PendingMfa>>,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    let Some(Extension(p)) = pending else { return Ok(Redirect::to("/login").into_response()) };
    let next = web::safe_next(f.next.as_deref());
    let page = page.clone().titled(page.t("mfa-title"));
    let Some(mailer) = state.mailer.as_ref() else {
        let t = Challenge { error: Some(page.t("mfa-email-unavailable")), page, next, info: None };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    };
    let mut am = meta.audit(None);
    am.actor_user_id = Some(p.user_id);
    am.actor_label = p.email.clone();
    am.session_id = Some(p.session_id);
    ratelimit::check(&state, &format!("mfa-email:user:{}", p.user_id), ratelimit::EMAIL_CODES_PER_USER, &am).await?;
    let code = format!("{:06}", rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..1_000_000u32));
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO mfa_email_codes (session_id, user_id, code_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '10 minutes')
         ON CONFLICT (session_id) DO UPDATE
            SET code_hash = $3, expires_at = now() + interval '10 minutes', used_at = NULL, created_at = now()",
    )
    .bind(p.session_id)
    .bind(p.user_id)
    .bind(email_code_hash(&state, p.session_id, &code))
    .execute(&mut *tx)
    .await?;
    let hospital = state.config.hospital_name.as_str();
    // In the user's language (the sign-in page's): a staff text, so an unreviewed translation may be used.
    let lang = page.lang().to_string();
    let body = page.t1("mfa-email-code-body", "code", code.as_str());
    let title_text = page.t("mfa-email-code-title");
    let title = title_text.as_str();
    let frame = crate::platform::notify::email::Frame {
        dir: if crate::i18n::is_rtl(&lang) { "rtl" } else { "ltr" },
        footer: crate::i18n::t_args(&lang, "notify-email-footer-sign-in", &[("hospital", &hospital)]),
        open: page.t("notify-email-open"),
        lang,
    };
    let render = |e: askama::Error| AppError::Internal(anyhow::anyhow!("template: {e}"));
    let text = crate::platform::notify::email::EmailText { hospital, title, body: &body, link: None, frame: &frame }
        .render()
        .map_err(render)?;
    let html = crate::platform::notify::email::EmailHtml { hospital, title, body: &body, link: None, frame: &frame }
        .render()
        .map_err(render)?;
    if let Err(e) = mailer.send(&p.email, &format!("{hospital}: {title}"), text, html).await {
        tracing::warn!(error = ?e, "could not send an email sign-in code");
        drop(tx);
        let t = Challenge { error: Some(page.t("mfa-email-failed")), page, next, info: None };
        return web::render_status(StatusCode::SERVICE_UNAVAILABLE, &t);
    }
    audit::record(&mut tx, &am, Event::new("auth.email_code_sent", "user", p.user_id)).await?;
    tx.commit().await?;
    web::render(&Challenge { info: Some(page.t("mfa-email-sent")), page, next, error: None })
}
