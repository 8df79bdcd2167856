//! The patients of the day: everyone registered or seen (an encounter starting) on a day,
//! latest first, each with their latest encounter of the day (else "registered"). Today's list is live: registration and new encounters raise the broadcast
//! event `patients.today` (no PHI: just a signal) in their own transaction, so every replica's
//! open pages hear it at commit and re-fetch the rows with the viewer's own permissions.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, OffsetDateTime};

use super::access::{viewer, visible_sql};
use super::model::{parse_date, PatientSummary, SUMMARY_COLS};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::events;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::{self, Page};

/// The live event's name (pages listen with `hx-trigger="sse:patients.today"`).
pub const EVENT: &str = "patients.today";
pub const PAGE_SIZE: i64 = 50;

/// Tells open "patients of the day" pages to refresh, on the caller's transaction.
pub async fn raise_changed(conn: &mut PgConnection) -> sqlx::Result<()> {
    events::raise(conn, None, EVENT, "changed").await.map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct DayRow {
    #[sqlx(flatten)]
    pub summary: PatientSummary,
    pub at: OffsetDateTime,
    /// "registered" or the encounter kind.
    pub what: String,
    pub encounter_status: Option<String>,
    visible: bool,
}

impl DayRow {
    pub fn activity(&self) -> String {
        match (&self.what[..], &self.encounter_status) {
            ("registered", _) => "Registered".into(),
            (kind, Some(s)) => format!("{} encounter · {}", label(kind), label(s)),
            (kind, None) => format!("{} encounter", label(kind)),
        }
    }
}

fn label(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The patients of local day `day` in `zone` for `user`, latest activity first. Restricted
/// records the user may not open come back masked (MRN only).
pub async fn list(
    pool: &PgPool,
    user: &CurrentUser,
    zone: &Zone,
    day: Date,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<DayRow>> {
    let (from, to) = zone.day_range(day);
    let (perm, uid, sid) = viewer(user);
    let sql = format!(
        "WITH day AS (
            SELECT p.id AS pid, p.created_at AS at, 'registered' AS what, NULL::text AS encounter_status
              FROM patients p WHERE p.created_at >= $1 AND p.created_at < $2 AND p.merged_into IS NULL
            UNION ALL
            SELECT e.patient_id, e.starts_at, e.kind, e.status
              FROM encounters e WHERE e.starts_at >= $1 AND e.starts_at < $2 AND e.status <> 'cancelled'
         ), latest AS (
            SELECT DISTINCT ON (pid) pid, at, what, encounter_status FROM day
            ORDER BY pid, (what = 'registered'), at DESC
         )
         SELECT {SUMMARY_COLS}, l.at, l.what, l.encounter_status, {vis} AS visible
         FROM latest l JOIN patients p ON p.id = l.pid
         ORDER BY l.at DESC, p.id LIMIT $6 OFFSET $7",
        vis = visible_sql(3)
    );
    let mut rows: Vec<DayRow> = sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    for r in rows.iter_mut().filter(|r| !r.visible) {
        r.summary.mask();
    }
    Ok(rows)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    date: String,
    page: String,
}

#[derive(Template)]
#[template(path = "patients/today.html")]
struct TodayPage {
    page: Page,
    v: DayView,
    can_write: bool,
}

#[derive(Template)]
#[template(path = "patients/today_rows.html")]
struct TodayRows {
    v: DayView,
}

/// One page of a day's list, as both templates show it.
pub struct DayView {
    pub day: String,
    /// The viewer's zone: the day is a local day, its times local times.
    pub zone: Zone,
    pub live: bool,
    pub rows: Vec<DayRow>,
    pub page_no: i64,
    pub has_next: bool,
}

impl DayView {
    pub fn first(&self) -> i64 {
        (self.page_no - 1) * PAGE_SIZE + 1
    }
    pub fn last(&self) -> i64 {
        (self.page_no - 1) * PAGE_SIZE + self.rows.len() as i64
    }
    /// The query string of this list at another page.
    pub fn at(&self, page_no: impl std::borrow::Borrow<i64>) -> String {
        format!("date={}&page={}", self.day, page_no.borrow())
    }
}

fn day_of(q: &DayQuery, today: Date) -> AppResult<Date> {
    match q.date.trim() {
        "" => Ok(today),
        s => match parse_date(s) {
            Some(d) if d <= today => Ok(d),
            Some(_) => Err(AppError::BadRequest("date: the day is in the future".into())),
            None => Err(AppError::BadRequest("date: use the form YYYY-MM-DD".into())),
        },
    }
}

/// `GET /patients/today[?date=YYYY-MM-DD]`.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<DayQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let zone = page.zone.clone();
    let today = zone.today();
    let day = day_of(&q, today)?;
    let page_no = match q.page.trim() {
        "" => 1,
        p => match p.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(AppError::BadRequest("page must be a number from 1 to 1000".into())),
        },
    };
    let live = day == today;
    let mut rows = list(&state.pool, &auth.user, &zone, day, (page_no - 1) * PAGE_SIZE, PAGE_SIZE + 1).await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let v = DayView { day: day.to_string(), zone, live, rows, page_no, has_next };
    // The live list re-fetches only its rows.
    if headers.get("hx-request").is_some() {
        return web::render(&TodayRows { v });
    }
    web::render(&TodayPage {
        page: page.titled("Patients of the day").crumb("Patients", "/patients").crumb("Today", "/patients/today"),
        v,
        can_write: auth.can(crate::perms::PATIENTS_WRITE),
    })
}
