//! The patient registry's start-page panels (`/`): the charts the user opened recently (from
//! their own audit trail) and the front desk's arrivals of the day.

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

use crate::access::{viewer, visible_sql};
use crate::perms;

/// Patients a panel lists at most.
pub const PANEL_ROWS: i64 = 10;
/// How far back in the user's own audit trail "Recent patients" looks (events, newest first).
const RECENT_SCAN: i64 = 1000;

pub const PANELS: &[StartPanel] = &[
    StartPanel {
        key: "arrivals",
        title: "Today's arrivals",
        perm: Some(perms::PATIENTS_WRITE),
        order: 25,
        render: |state, page| arrivals_panel(state, page).boxed(),
    },
    StartPanel {
        key: "recent-patients",
        title: "Recent patients",
        perm: Some(perms::PATIENTS_READ),
        order: 70,
        render: |state, page| recent_panel(state, page).boxed(),
    },
];

/// A patient of a panel (masked when the viewer may not open the record).
#[derive(Debug, FromRow)]
pub struct StartRow {
    pub patient_id: Uuid,
    pub patient_name: String,
    pub mrn: String,
    pub what: String,
    pub at: OffsetDateTime,
}

fn name_sql() -> String {
    format!("CASE WHEN {} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END", visible_sql(1))
}

/// The last [`PANEL_ROWS`] distinct patients whose record or chart the user opened
/// (`patient.view`, `chart.view` events of their audit trail), most recent first.
pub async fn recent(pool: &PgPool, user: &CurrentUser) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "WITH mine AS (
            SELECT patient_id, occurred_at FROM audit_events
            WHERE actor_user_id = $2 AND action IN ('patient.view', 'chart.view') AND patient_id IS NOT NULL
            ORDER BY id DESC LIMIT {RECENT_SCAN}
         ), last AS (SELECT patient_id, max(occurred_at) AS at FROM mine GROUP BY patient_id)
         SELECT p.id AS patient_id, {name} AS patient_name, p.mrn, 'Opened' AS what, l.at
         FROM last l JOIN patients p ON p.id = l.patient_id
         WHERE p.merged_into IS NULL
         ORDER BY l.at DESC, p.id LIMIT $4",
        name = name_sql()
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

/// The arrivals of the local day `[from, to)`: encounters starting then at the user's facilities
/// (or without a department) and patients registered then, latest first.
pub async fn arrivals(
    pool: &PgPool,
    user: &CurrentUser,
    day: (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "WITH day AS (
            SELECT e.patient_id, e.starts_at AS at,
                   initcap(replace(e.kind, '_', ' ')) || ' visit · ' || replace(e.status, '_', ' ') AS what
            FROM encounters e LEFT JOIN departments d ON d.id = e.department_id
            WHERE e.starts_at >= $4 AND e.starts_at < $5 AND e.status <> 'cancelled'
              AND (d.id IS NULL OR d.facility_id = ANY($6))
            UNION ALL
            SELECT p.id, p.created_at, 'Registered' FROM patients p
            WHERE p.created_at >= $4 AND p.created_at < $5 AND p.merged_into IS NULL
         ), latest AS (SELECT DISTINCT ON (patient_id) patient_id, at, what FROM day ORDER BY patient_id, at DESC)
         SELECT p.id AS patient_id, {name} AS patient_name, p.mrn, l.what, l.at
         FROM latest l JOIN patients p ON p.id = l.patient_id
         ORDER BY l.at DESC, p.id LIMIT $7",
        name = name_sql()
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(day.0)
    .bind(day.1)
    .bind(&user.facility_ids)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "patients/_start_panel.html")]
struct PanelBody<'a> {
    page: &'a Page,
    rows: Vec<StartRow>,
    empty: String,
    more: Option<(&'static str, String)>,
}

pub async fn recent_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let rows = recent(&state.pool, user).await?;
    let empty = page.t("patients-start-recent-empty");
    Ok(Some(PanelBody { page, rows, empty, more: None }.render()?))
}

pub async fn arrivals_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let rows = arrivals(&state.pool, user, page.zone.day_range(page.zone.today())).await?;
    let empty = page.t("patients-start-arrivals-empty");
    let more = Some(("/patients/today", page.t("patients-start-all-of-day")));
    Ok(Some(PanelBody { page, rows, empty, more }.render()?))
}
