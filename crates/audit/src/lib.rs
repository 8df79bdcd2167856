//! The audit log viewer and CSV export.

pub mod perms;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sqlx::{FromRow, PgPool, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{Module, NavEntry};
use hearth_core::web::csv::CsvWriter;
use hearth_core::web::paging::{PageRequest, Paged, Pager};
use hearth_core::web::time::Zone;
use hearth_core::web::{self, Page};

pub const PAGE_SIZE: i64 = 50;
pub const EXPORT_MAX: i64 = 50_000;

/// The audit viewer's descriptor.
pub const MODULE: Module = Module {
    pages: router,
    nav: &[NavEntry { label: "Audit log", href: "/audit", perm: Some(perms::AUDIT_READ), order: 800 }],
    permissions: perms::ALL,
    ..Module::new("audit", "Audit log")
};

pub fn router() -> Routes {
    Routes::new().route("/audit", get(list)).route("/audit/export.csv", get(export))
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct Filter {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub patient: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The page's cursor (the last event id of the previous page).
    pub after: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct Row {
    pub id: i64,
    pub occurred_at: OffsetDateTime,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub patient_id: Option<Uuid>,
    pub changes: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Row {
    pub fn changes_text(&self) -> String {
        self.changes.as_ref().map(|c| c.to_string()).unwrap_or_default()
    }
}

fn parse_date(s: &str, field: &str) -> AppResult<Option<time::Date>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| AppError::BadRequest(format!("{field} must be a date such as 2026-01-31")))
}

/// The events matching `f`, newest first. `from` and `to` are local days in `zone` (the viewer's):
/// from the start of `from` to the end of `to`, whatever their length at a DST change.
async fn query(pool: &PgPool, f: &Filter, zone: &Zone, before: Option<i64>, limit: i64) -> AppResult<Vec<Row>> {
    let mut qb = QueryBuilder::new(
        "SELECT id, occurred_at, actor_label, action, entity_type, entity_id, patient_id, changes, host(ip) AS ip, request_id FROM audit_events WHERE true",
    );
    let user = f.user.trim();
    if !user.is_empty() {
        match user.parse::<Uuid>() {
            Ok(id) => qb.push(" AND actor_user_id = ").push_bind(id),
            Err(_) => qb.push(" AND actor_label = ").push_bind(user.to_lowercase()),
        };
    }
    let patient = f.patient.trim();
    if !patient.is_empty() {
        match patient.parse::<Uuid>() {
            Ok(id) => qb.push(" AND patient_id = ").push_bind(id),
            Err(_) => qb
                .push(" AND patient_id = (SELECT id FROM patients WHERE mrn = ")
                .push_bind(patient.to_uppercase())
                .push(")"),
        };
    }
    if !f.entity.trim().is_empty() {
        qb.push(" AND entity_type = ").push_bind(f.entity.trim().to_string());
    }
    if !f.action.trim().is_empty() {
        qb.push(" AND action = ").push_bind(f.action.trim().to_string());
    }
    if let Some(d) = parse_date(&f.from, "from")? {
        qb.push(" AND occurred_at >= ").push_bind(zone.day_range(d).0);
    }
    if let Some(d) = parse_date(&f.to, "to")? {
        qb.push(" AND occurred_at < ").push_bind(zone.day_range(d).1);
    }
    if let Some(b) = before {
        qb.push(" AND id < ").push_bind(b);
    }
    qb.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
    Ok(qb.build_query_as::<Row>().fetch_all(pool).await?)
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    f: Filter,
    rows: Vec<Row>,
    pager: Pager,
    export: String,
}

fn filter_pairs(f: &Filter) -> [(&str, &str); 6] {
    [
        ("user", f.user.as_str()),
        ("patient", &f.patient),
        ("entity", &f.entity),
        ("action", &f.action),
        ("from", &f.from),
        ("to", &f.to),
    ]
}

fn filter_qs(f: &Filter) -> String {
    serde_urlencoded::to_string(filter_pairs(f).into_iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>())
        .unwrap_or_default()
}

/// The log, newest first, [`PAGE_SIZE`] events a page (keyset: the event id).
async fn list(State(state): State<AppState>, page: Page, auth: Auth, Query(f): Query<Filter>) -> AppResult<Response> {
    auth.require(crate::perms::AUDIT_READ)?;
    let req: PageRequest<i64> = PageRequest::parse(f.after.as_deref(), None, PAGE_SIZE, PAGE_SIZE)?;
    let rows = query(&state.pool, &f, &page.zone, req.after, req.fetch()).await?;
    let rows = Paged::from_rows(rows, req.limit, |r| r.id);
    let pager = Pager::new("/audit", &filter_pairs(&f), &rows, req.is_later()).labels("Older events", "Newest events");
    let export = filter_qs(&f);
    web::render(&ListPage {
        page: page.titled("Audit log").crumb("Audit log", "/audit"),
        f,
        rows: rows.items,
        pager,
        export,
    })
}

/// The CSV keeps instants in RFC 3339 UTC (a file for other programs); its day filter is the
/// viewer's local days, as on the page.
async fn export(State(state): State<AppState>, auth: Auth, zone: Zone, Query(f): Query<Filter>) -> AppResult<Response> {
    auth.require(crate::perms::AUDIT_READ)?;
    let rows = query(&state.pool, &f, &zone, None, EXPORT_MAX).await?;
    let mut w = CsvWriter::new();
    w.row([
        "id",
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "patient_id",
        "changes",
        "ip",
        "request_id",
    ])?;
    for r in &rows {
        w.row([
            r.id.to_string(),
            r.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            r.actor_label.clone(),
            r.action.clone(),
            r.entity_type.clone(),
            r.entity_id.clone().unwrap_or_default(),
            r.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            r.changes_text(),
            r.ip.clone().unwrap_or_default(),
            r.request_id.clone().unwrap_or_default(),
        ])?;
    }
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("audit.export", "audit_events", rows.len())
            .changes(serde_json::json!({"filter": filter_qs(&f), "rows": rows.len()})),
    )
    .await?;
    w.into_response("hearth-audit.csv")
}
