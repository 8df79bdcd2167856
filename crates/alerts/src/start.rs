//! The alerts module's start-page panels (`/`): the open alerts addressed to the user and a
//! nurse's patients of the shift (their current assignments).

use askama::Template;
use futures_util::FutureExt;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::CurrentUser;
use hearth_core::registry::StartPanel;
use hearth_core::web::Page;
use hearth_patients::access::{viewer, visible_sql};

use crate::perms;

/// Rows a panel lists at most.
pub const PANEL_ROWS: i64 = 10;

pub const PANELS: &[StartPanel] = &[
    StartPanel {
        key: "my-alerts",
        title: "Alerts",
        perm: Some(perms::READ),
        order: 5,
        render: |state, page| alerts_panel(state, page).boxed(),
    },
    StartPanel {
        key: "my-patients",
        title: "My patients",
        perm: Some(perms::ASSIGN),
        order: 50,
        render: |state, page| patients_panel(state, page).boxed(),
    },
];

/// The patients assigned to nurse `user` now (assignments running at this moment).
pub async fn assigned_patient_ids(pool: &PgPool, user: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT DISTINCT patient_id FROM alert_nurse_assignments
         WHERE nurse_id = $1 AND starts_at <= now() AND ends_at > now()",
    )
    .bind(user)
    .fetch_all(pool)
    .await
}

/// A row of the panels: a patient (masked when the viewer may not open the record: an empty
/// name, shown as "Restricted record" in the page's language). `what`: the alert's title, or
/// the ward (empty when none is given).
#[derive(Debug, FromRow)]
pub struct StartRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub mrn: String,
    pub what: String,
    pub severity: Option<String>,
    pub at: OffsetDateTime,
}

impl StartRow {
    pub fn severity_label(&self) -> &'static str {
        self.severity.as_deref().map(crate::model::severity_label).unwrap_or("")
    }
    pub fn severity_badge(&self) -> &'static str {
        self.severity.as_deref().map(crate::model::severity_badge).unwrap_or("")
    }
}

fn name_sql() -> String {
    format!("CASE WHEN {} THEN p.family_name || ', ' || p.given_name ELSE '' END", visible_sql(1))
}

/// The open alerts addressed to the user, critical first, then oldest.
pub async fn my_alerts(pool: &PgPool, user: &CurrentUser) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "SELECT a.id, a.patient_id, {name} AS patient_name, p.mrn, a.title AS what, a.severity, a.created_at AS at
         FROM alerts a JOIN patients p ON p.id = a.patient_id
         WHERE a.status = 'open' AND a.id IN (SELECT r.alert_id FROM alert_recipients r WHERE r.user_id = $2)
         ORDER BY (a.severity = 'critical') DESC, a.created_at, a.id LIMIT $4",
        name = name_sql()
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

/// The user's current assignments, by ward and patient.
pub async fn my_patients(pool: &PgPool, user: &CurrentUser) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "SELECT n.id, n.patient_id, {name} AS patient_name, p.mrn,
                COALESCE(d.name, '') AS what, NULL::text AS severity, n.ends_at AS at
         FROM alert_nurse_assignments n JOIN patients p ON p.id = n.patient_id
         LEFT JOIN departments d ON d.id = n.department_id
         WHERE n.nurse_id = $2 AND n.starts_at <= now() AND n.ends_at > now()
         ORDER BY d.name NULLS FIRST, p.family_name, p.id LIMIT 50",
        name = name_sql()
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "alerts/_start_panel.html")]
struct PanelBody<'a> {
    page: &'a Page,
    rows: Vec<StartRow>,
    alerts: bool,
    empty: String,
}

pub async fn alerts_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let rows = my_alerts(&state.pool, user).await?;
    Ok(Some(PanelBody { page, rows, alerts: true, empty: page.t("alerts-panel-no-alerts") }.render()?))
}

pub async fn patients_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let rows = my_patients(&state.pool, user).await?;
    let empty = page.t("alerts-panel-no-patients");
    Ok(Some(PanelBody { page, rows, alerts: false, empty }.render()?))
}
