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
use hearth_core::web::paging::{PageRequest, Paged, Pager, TimeId};
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
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<DayRow>> {
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
         WHERE ($7::timestamptz IS NULL OR (l.at, p.id) < ($7, $8::uuid))
         ORDER BY l.at DESC, p.id DESC LIMIT $6",
        vis = visible_sql(3)
    );
    let mut rows: Vec<DayRow> = sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(req.fetch())
        .bind(req.at())
        .bind(req.id())
        .fetch_all(pool)
        .await?;
    for r in rows.iter_mut().filter(|r| !r.visible) {
        r.summary.mask();
    }
    Ok(Paged::from_rows(rows, req.limit, |r| TimeId(r.at, r.summary.id)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    date: String,
    after: Option<String>,
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
    page: Page,
    v: DayView,
}

/// One page of a day's list, as both templates show it.
pub struct DayView {
    pub day: String,
    /// The viewer's zone: the day is a local day, its times local times.
    pub zone: Zone,
    pub live: bool,
    pub rows: Vec<DayRow>,
    /// A later page (asked for with a cursor).
    pub later: bool,
    /// This page's address (the live list re-fetches it).
    pub this_page: String,
    pub pager: Pager,
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
    let req = PageRequest::parse(q.after.as_deref(), None, PAGE_SIZE, PAGE_SIZE)?;
    let live = day == today;
    let rows = list(&state.pool, &auth.user, &zone, day, &req).await?;
    let day = day.to_string();
    let pager = Pager::new("/patients/today", &[("date", &day)], &rows, req.is_later()).labels("Earlier", "Latest");
    let this_page = serde_urlencoded::to_string([("date", day.as_str()), ("after", q.after.as_deref().unwrap_or(""))])
        .unwrap_or_default();
    let v = DayView { day, zone, live, rows: rows.items, later: req.is_later(), this_page, pager };
    // The live list re-fetches only its rows.
    if headers.get("hx-request").is_some() {
        return web::render(&TodayRows { page, v });
    }
    web::render(&TodayPage {
        page: {
            let (title, list, today) =
                (page.t("patients-of-the-day"), page.t("nav-patients"), page.t("nav-patients-today"));
            page.titled(title).crumb(list, "/patients").crumb(today, "/patients/today")
        },
        v,
        can_write: auth.can(crate::perms::PATIENTS_WRITE),
    })
}
