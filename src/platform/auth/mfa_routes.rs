//! The second sign-in step: `/mfa` takes a TOTP or backup code for a pending session.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use serde::Deserialize;

use super::routes::{complete_sign_in, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD};
use super::{mfa, session, PendingMfa, RequestMeta};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::ratelimit;
use crate::web::{self, Page};

pub fn router() -> Router<AppState> {
    Router::new().route("/mfa", get(challenge).post(verify))
}

#[derive(Template)]
#[template(path = "auth/mfa.html")]
struct Challenge {
    page: Page,
    next: String,
    error: Option<String>,
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
        page: page.titled("Verification code"),
        next: web::safe_next(q.next.as_deref()),
        error: None,
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
    let method =
        if f.code.len() <= 64 { mfa::verify_any(&mut tx, &state.keys, p.user_id, &f.code).await? } else { None };
    let Some(method) = method else {
        // Wrong codes count towards the same lockout as wrong passwords.
        let failures: i32 = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        )
        .bind(p.user_id)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(&mut tx, &am, Event::new("auth.mfa_failed", "user", p.user_id)).await?;
        if failures >= LOCKOUT_THRESHOLD {
            sqlx::query(
                "UPDATE users SET failed_logins = 0, locked_until = now() + make_interval(mins => $2::int) WHERE id = $1",
            )
            .bind(p.user_id)
            .bind(LOCKOUT_MINUTES as i32)
            .execute(&mut *tx)
            .await?;
            session::revoke(&mut tx, p.session_id).await?;
            audit::record(&mut tx, &am, Event::new("auth.lockout", "user", p.user_id)).await?;
            tx.commit().await?;
            return Ok(web::redirect_flash("/login", "error", super::routes::GENERIC_FAILURE));
        }
        tx.commit().await?;
        let t = Challenge {
            page: page.titled("Verification code"),
            next,
            error: Some("That code is wrong, expired or already used. Try the newest code from your app.".into()),
        };
        return web::render_status(StatusCode::UNAUTHORIZED, &t);
    };
    session::revoke(&mut tx, p.session_id).await?;
    sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1").bind(p.user_id).execute(&mut *tx).await?;
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
