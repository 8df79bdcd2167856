//! The notification centre: `/notifications` (list, mark read, open the subject) and
//! `/notifications/settings` (channels per kind, SMS number, quiet hours).

use crate::platform::routes::Routes;
use crate::web::Path;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use sqlx::FromRow;
use uuid::Uuid;

use super::{raise_unread, CHANNELS};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::auth::Auth;
use crate::web::form::{all, one};
use crate::web::{self, FieldErrors, Page};

pub fn router() -> Routes {
    Routes::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/settings", get(settings).post(save_settings))
        .route("/notifications/{id}/read", post(read_one))
        .route("/notifications/{id}/open", get(open))
}

#[derive(FromRow)]
pub struct Row {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub urgent: bool,
    pub unread: bool,
    pub created_at: time::OffsetDateTime,
}

#[derive(Template)]
#[template(path = "notify/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    unread: i64,
}

async fn list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, title, body, link, urgent, read_at IS NULL AS unread,
                created_at
         FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 200",
    )
    .bind(auth.id)
    .fetch_all(&state.pool)
    .await?;
    let unread = rows.iter().filter(|r| r.unread).count() as i64;
    let title = page.t("shell-notifications");
    web::render(&ListPage { page: page.titled(title.clone()).crumb(title, "/notifications"), rows, unread })
}

async fn mark(state: &AppState, user: Uuid, id: Option<Uuid>) -> AppResult<Option<Option<String>>> {
    let mut tx = state.pool.begin().await?;
    let link: Option<Option<String>> = match id {
        Some(id) => {
            let row: Option<(Option<String>,)> = sqlx::query_as(
                "UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING link",
            )
            .bind(id)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some((l,)) => Some(l),
                None => return Err(AppError::NotFound),
            }
        }
        None => {
            sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL")
                .bind(user)
                .execute(&mut *tx)
                .await?;
            None
        }
    };
    raise_unread(&mut tx, user).await?;
    tx.commit().await?;
    Ok(link)
}

async fn read_one(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    mark(&state, auth.id, Some(id)).await?;
    Ok(web::redirect_flash("/notifications", "ok", &page.t("notify-marked-read")))
}

async fn read_all(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    mark(&state, auth.id, None).await?;
    Ok(web::redirect_flash("/notifications", "ok", &page.t("notify-marked-all-read")))
}

/// Marks the notification read and goes to its subject.
async fn open(State(state): State<AppState>, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    let link = mark(&state, auth.id, Some(id)).await?.flatten();
    Ok(Redirect::to(&web::safe_next(link.as_deref().or(Some("/notifications")))).into_response())
}

pub struct KindPrefs {
    pub code: &'static str,
    pub label: &'static str,
    /// (channel, enabled)
    pub channels: Vec<(&'static str, bool)>,
}

#[derive(Template)]
#[template(path = "notify/settings.html")]
struct SettingsPage {
    page: Page,
    kinds: Vec<KindPrefs>,
    sms_number: String,
    quiet_start: String,
    quiet_end: String,
    /// The user's facility time zone, in which quiet hours are read.
    time_zone: String,
    errors: FieldErrors,
}

impl SettingsPage {
    fn channels(&self) -> &'static [&'static str] {
        &CHANNELS
    }

    /// The message key of a channel's column header (`notify-channel-<channel>`).
    fn channel_key(&self, channel: &str) -> &'static str {
        match channel {
            "in_app" => "notify-channel-in_app",
            "email" => "notify-channel-email",
            _ => "notify-channel-sms",
        }
    }

    /// The message key of a notification kind's label (`notify-kind-<code, dots as dashes>`).
    fn kind_key(&self, code: &str) -> String {
        format!("notify-kind-{}", code.replace('.', "-"))
    }
}

fn hhmm(m: Option<i32>) -> String {
    m.map(|m| format!("{:02}:{:02}", m / 60, m % 60)).unwrap_or_default()
}

fn parse_hhmm(s: &str) -> Result<Option<i32>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let (h, m) = s.split_once(':').ok_or(())?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| ())?, m.parse().map_err(|_| ())?);
    if (0..24).contains(&h) && (0..60).contains(&m) {
        Ok(Some(h * 60 + m))
    } else {
        Err(())
    }
}

async fn load_kinds(state: &AppState, user: Uuid, overrides: Option<&[(String, String)]>) -> AppResult<Vec<KindPrefs>> {
    let prefs: Vec<(String, String, bool)> =
        sqlx::query_as("SELECT kind, channel, enabled FROM notification_prefs WHERE user_id = $1")
            .bind(user)
            .fetch_all(&state.pool)
            .await?;
    Ok(state
        .registry
        .notification_kinds()
        .map(|kind| {
            let code = kind.code;
            KindPrefs {
                code,
                label: kind.label,
                channels: CHANNELS
                    .iter()
                    .map(|ch| {
                        let on = match overrides {
                            Some(pairs) => all(pairs, "pref").contains(&format!("{code}:{ch}").as_str()),
                            None => prefs
                                .iter()
                                .find(|(k, c, _)| k == code && c == ch)
                                .map(|(_, _, e)| *e)
                                .unwrap_or_else(|| super::default_enabled(kind, ch)),
                        };
                        (*ch, on)
                    })
                    .collect(),
            }
        })
        .collect())
}

async fn settings(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    let row: Option<(Option<String>, Option<i32>, Option<i32>)> =
        sqlx::query_as("SELECT sms_number, quiet_start, quiet_end FROM notification_settings WHERE user_id = $1")
            .bind(auth.id)
            .fetch_optional(&state.pool)
            .await?;
    let (sms, qs, qe) = row.unwrap_or_default();
    let time_zone = page.zone.name().to_string();
    let (title, crumb, settings) =
        (page.t("notify-settings-heading"), page.t("shell-notifications"), page.t("notify-settings"));
    web::render(&SettingsPage {
        page: page.titled(title).crumb(crumb, "/notifications").crumb(settings, "/notifications/settings"),
        kinds: load_kinds(&state, auth.id, None).await?,
        sms_number: sms.unwrap_or_default(),
        quiet_start: hhmm(qs),
        quiet_end: hhmm(qe),
        time_zone,
        errors: FieldErrors::default(),
    })
}

async fn save_settings(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let sms = one(&pairs, "sms_number").trim().replace([' ', '-'], "");
    let mut errors = FieldErrors::default();
    let valid_sms = sms.is_empty()
        || (sms.starts_with('+')
            && (8..=16).contains(&sms.len())
            && sms[1..].chars().all(|c| c.is_ascii_digit())
            && !sms[1..].starts_with('0'));
    if !valid_sms {
        errors.add("sms_number", page.t("notify-error-sms"));
    }
    let qs = parse_hhmm(one(&pairs, "quiet_start"));
    let qe = parse_hhmm(one(&pairs, "quiet_end"));
    let quiet = match (qs, qe) {
        (Ok(None), Ok(None)) => None,
        (Ok(Some(s)), Ok(Some(e))) if s != e => Some((s, e)),
        _ => {
            errors.add("quiet", page.t("notify-error-quiet"));
            None
        }
    };
    let chosen: Vec<&str> = all(&pairs, "pref");
    if chosen.iter().any(|p| {
        !p.split_once(':').is_some_and(|(k, c)| {
            state.registry.notification_kinds().any(|kind| kind.code == k) && CHANNELS.contains(&c)
        })
    }) {
        return Err(AppError::BadRequest("unknown notification kind or channel".into()));
    }
    if !errors.is_empty() {
        let time_zone = page.zone.name().to_string();
        let title = page.t("notify-settings-heading");
        let t = SettingsPage {
            page: page.titled(title),
            kinds: load_kinds(&state, auth.id, Some(&pairs)).await?,
            sms_number: sms,
            quiet_start: one(&pairs, "quiet_start").to_string(),
            quiet_end: one(&pairs, "quiet_end").to_string(),
            time_zone,
            errors,
        };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let mut tx = state.pool.begin().await?;
    for code in state.registry.notification_kinds().map(|k| k.code) {
        for ch in CHANNELS {
            let on = chosen.contains(&format!("{code}:{ch}").as_str());
            sqlx::query(
                "INSERT INTO notification_prefs (user_id, kind, channel, enabled) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, kind, channel) DO UPDATE SET enabled = EXCLUDED.enabled",
            )
            .bind(auth.id)
            .bind(code)
            .bind(ch)
            .bind(on)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO notification_settings (user_id, sms_number, quiet_start, quiet_end) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET sms_number = EXCLUDED.sms_number, quiet_start = EXCLUDED.quiet_start,
             quiet_end = EXCLUDED.quiet_end",
    )
    .bind(auth.id)
    .bind(Some(sms.clone()).filter(|s| !s.is_empty()))
    .bind(quiet.map(|q| q.0))
    .bind(quiet.map(|q| q.1))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("notification.settings", "user", auth.id).changes(serde_json::json!({
            "prefs": chosen, "sms_number": {"changed": true}, "quiet_hours": quiet.map(|(s, e)| format!("{}-{}", hhmm(Some(s)), hhmm(Some(e)))),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/notifications/settings", "ok", &page.t("notify-settings-saved")))
}
