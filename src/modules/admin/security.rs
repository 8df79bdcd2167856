//! Security events: lockouts, failed sign-ins and codes, rate limits, admin sign-ins from new
//! addresses, MFA resets. A view over the audit log for the people who watch the front door.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sqlx::FromRow;
use time::OffsetDateTime;

use crate::app::AppState;
use crate::error::AppResult;
use crate::platform::auth::account::fmt;
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};
use crate::web::{self, Page};

pub const ACTIONS: &[&str] = &[
    "auth.lockout",
    "auth.login_failed",
    "auth.login_locked",
    "auth.mfa_failed",
    "security.rate_limited",
    "security.new_ip",
    "mfa.reset",
    "session.admin_revoke",
    "patient.break_glass",
];

#[derive(FromRow)]
pub struct EventRow {
    pub id: i64,
    pub occurred_at: OffsetDateTime,
    pub actor_label: String,
    pub action: String,
    pub ip: Option<String>,
}

impl EventRow {
    pub fn when(&self) -> String {
        fmt(self.occurred_at)
    }
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct EventsPage {
    page: Page,
    counts: Vec<(String, i64)>,
    rows: Vec<EventRow>,
}

pub async fn events(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(Perm::SecurityRead)?;
    let actions: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, count(*) FROM audit_events WHERE action = ANY($1) AND occurred_at > now() - interval '24 hours'
         GROUP BY action ORDER BY count(*) DESC",
    )
    .bind(&actions)
    .fetch_all(&state.pool)
    .await?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, occurred_at, actor_label, action, host(ip) AS ip FROM audit_events
         WHERE action = ANY($1) ORDER BY id DESC LIMIT 200",
    )
    .bind(&actions)
    .fetch_all(&state.pool)
    .await?;
    web::render(&EventsPage {
        page: page.titled("Security events").crumb("Security events", "/admin/security"),
        counts,
        rows,
    })
}
