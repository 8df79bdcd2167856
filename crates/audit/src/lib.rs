//! The audit log viewer and CSV export.

pub mod perms;

use askama::Template;
use std::collections::HashMap;

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
use hearth_core::platform::auth::{Auth, CurrentUser};
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
    messages: &[
        ("en", include_str!("../../../locales/en/audit.ftl")),
        ("es", include_str!("../../../locales/es/audit.ftl")),
        ("ar", include_str!("../../../locales/ar/audit.ftl")),
    ],
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
    /// `on`: only access events (views, lists, exports, prints), who read what.
    #[serde(default)]
    pub access: String,
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
    /// The raw JSON (the CSV keeps it for other programs).
    pub fn changes_text(&self) -> String {
        self.changes.as_ref().map(|c| c.to_string()).unwrap_or_default()
    }

    /// The changes as readable lines ("status: draft → signed").
    pub fn change_lines(&self) -> Vec<String> {
        self.changes.as_ref().map(change_lines).unwrap_or_default()
    }
}

/// The patient of an event as the viewer may see them.
#[derive(Debug, Clone)]
pub struct PatientLabel {
    /// "Family, Given", or `None` for a restricted record the viewer may not open.
    pub name: Option<String>,
    pub mrn: String,
}

/// What the page and the CSV show instead of the changes of an event about a restricted record
/// the viewer may not open.
pub const WITHHELD: &str = "Withheld: restricted record";

/// A row of the page: the event and its patient.
pub struct ViewRow {
    pub row: Row,
    pub patient: Option<PatientLabel>,
}

impl ViewRow {
    /// The event is about a restricted record the viewer may not open: its changes (which may
    /// hold the patient's details) are withheld.
    pub fn withheld(&self) -> bool {
        self.patient.as_ref().is_some_and(|p| p.name.is_none())
    }
}

/// SQL predicate of the "access only" filter: events that record someone reading (a record, a
/// chart section, a list) or taking data out (export, print).
pub const ACCESS_SQL: &str = "action ~ '\\.(view|list|read|export|print|download)$'";

/// A JSON value as a short text: strings bare, `null` as "(empty)", lists joined by commas.
fn value_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) if s.is_empty() => "(empty)".into(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) if a.is_empty() => "(none)".into(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
    }
}

/// The `changes` of an event as readable lines, one per field, in the document's (name) order:
/// `{"field": {"from": a, "to": b}}` reads "field: a → b" (a missing `from` reads "→ b"),
/// `{"changed": true, "encrypted": true}` reads "field: changed (encrypted value not logged)",
/// `{"before": {…}, "after": {…}}` is compared field by field, nested objects are flattened with
/// dots, anything else reads "field: value".
pub fn change_lines(changes: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
        let Value::Object(o) = v else {
            out.push(if prefix.is_empty() { value_text(v) } else { format!("{prefix}: {}", value_text(v)) });
            return;
        };
        if let (Some(before), Some(after)) = (o.get("before"), o.get("after")) {
            if before.is_object() || after.is_object() {
                let d = hearth_core::platform::audit::diff(before, after, &[]);
                walk(prefix, &d, out);
                return;
            }
        }
        let name = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
        for (k, val) in o {
            match val {
                Value::Object(f) if f.contains_key("to") && f.keys().all(|k| k == "from" || k == "to") => {
                    let to = value_text(&f["to"]);
                    match f.get("from") {
                        Some(from) => out.push(format!("{}: {} → {to}", name(k), value_text(from))),
                        None => out.push(format!("{}: → {to}", name(k))),
                    }
                }
                Value::Object(f) if f.get("encrypted") == Some(&Value::Bool(true)) => {
                    out.push(format!("{}: changed (encrypted value not logged)", name(k)))
                }
                Value::Object(f) if f.is_empty() => {}
                Value::Object(_) => walk(&name(k), val, out),
                _ => out.push(format!("{}: {}", name(k), value_text(val))),
            }
        }
    }
    let mut out = Vec::new();
    walk("", changes, &mut out);
    out
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

/// The patients a "patient" filter names: an id, or the patients the viewer's search finds
/// for the text (names, MRN with or without prefix, dates…) plus an exact MRN.
async fn patient_ids(state: &AppState, user: &CurrentUser, text: &str) -> AppResult<Vec<Uuid>> {
    if let Ok(id) = text.parse::<Uuid>() {
        return Ok(vec![id]);
    }
    let found = hearth_patients::search::search_page(
        &state.pool,
        &state.keys,
        user,
        text,
        &PageRequest::first(PATIENT_MATCHES),
    )
    .await?;
    let mut ids: Vec<Uuid> = found.items.into_iter().map(|p| p.id).collect();
    let exact: Option<Uuid> = sqlx::query_scalar("SELECT id FROM patients WHERE mrn = $1")
        .bind(text.to_uppercase())
        .fetch_optional(&state.pool)
        .await?;
    ids.extend(exact.filter(|e| !ids.contains(e)));
    Ok(ids)
}

/// Patients a name filter may match (the search's first page); a wider name is refined.
pub const PATIENT_MATCHES: i64 = 50;

/// The events matching `f`, newest first. `from` and `to` are local days in `zone` (the viewer's):
/// from the start of `from` to the end of `to`, whatever their length at a DST change.
/// `patients`: the patient filter resolved to ids (`None`: no patient filter).
async fn query(
    pool: &PgPool,
    f: &Filter,
    patients: Option<&[Uuid]>,
    zone: &Zone,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<Row>> {
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
    if let Some(ids) = patients {
        qb.push(" AND patient_id = ANY(").push_bind(ids.to_vec()).push(")");
    }
    if !f.entity.trim().is_empty() {
        qb.push(" AND entity_type = ").push_bind(f.entity.trim().to_string());
    }
    if !f.action.trim().is_empty() {
        qb.push(" AND action = ").push_bind(f.action.trim().to_string());
    }
    if f.access_only() {
        qb.push(" AND ").push(ACCESS_SQL);
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

impl Filter {
    pub fn access_only(&self) -> bool {
        matches!(self.access.as_str(), "on" | "true" | "1")
    }
}

/// The patients of `rows` as `user` may see them: name and MRN, the name left out of restricted
/// records the user may not open.
async fn patient_labels(pool: &PgPool, user: &CurrentUser, rows: &[Row]) -> sqlx::Result<HashMap<Uuid, PatientLabel>> {
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.patient_id).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (perm, uid, sid) = hearth_patients::access::viewer(user);
    let found: Vec<(Uuid, String, String, bool)> = sqlx::query_as(&format!(
        "SELECT p.id, p.family_name || ', ' || p.given_name, p.mrn, {} FROM patients p WHERE p.id = ANY($1)",
        hearth_patients::access::visible_sql(2)
    ))
    .bind(&ids)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .fetch_all(pool)
    .await?;
    Ok(found
        .into_iter()
        .map(|(id, name, mrn, visible)| (id, PatientLabel { name: visible.then_some(name), mrn }))
        .collect())
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    f: Filter,
    rows: Vec<ViewRow>,
    pager: Pager,
    export: String,
    /// The patient filter matched no patient (said in words, not an empty list).
    no_patient: bool,
}

impl ListPage {
    /// An action code as the action filter's example (not translated).
    fn action_example(&self) -> &'static str {
        "patient.view"
    }
}

fn filter_pairs(f: &Filter) -> [(&str, &str); 7] {
    [
        ("user", f.user.as_str()),
        ("patient", &f.patient),
        ("entity", &f.entity),
        ("action", &f.action),
        ("from", &f.from),
        ("to", &f.to),
        ("access", if f.access_only() { "on" } else { "" }),
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
    let text = f.patient.trim();
    let patients = if text.is_empty() { None } else { Some(patient_ids(&state, &auth.user, text).await?) };
    let no_patient = patients.as_ref().is_some_and(|p| p.is_empty());
    let rows = query(&state.pool, &f, patients.as_deref(), &page.zone, req.after, req.fetch()).await?;
    let rows = Paged::from_rows(rows, req.limit, |r| r.id);
    let pager = Pager::new("/audit", &filter_pairs(&f), &rows, req.is_later()).labels("Older events", "Newest events");
    let export = filter_qs(&f);
    let labels = patient_labels(&state.pool, &auth.user, &rows.items).await?;
    let rows = rows
        .items
        .into_iter()
        .map(|row| {
            let patient = row.patient_id.and_then(|p| labels.get(&p).cloned());
            ViewRow { row, patient }
        })
        .collect();
    let title = page.t("audit-heading");
    web::render(&ListPage {
        page: page.titled(title.clone()).crumb(title, "/audit"),
        f,
        rows,
        pager,
        export,
        no_patient,
    })
}

/// The CSV keeps instants in RFC 3339 UTC (a file for other programs); its day filter is the
/// viewer's local days, as on the page.
async fn export(State(state): State<AppState>, auth: Auth, zone: Zone, Query(f): Query<Filter>) -> AppResult<Response> {
    auth.require(crate::perms::AUDIT_READ)?;
    let text = f.patient.trim();
    let patients = if text.is_empty() { None } else { Some(patient_ids(&state, &auth.user, text).await?) };
    let rows = query(&state.pool, &f, patients.as_deref(), &zone, None, EXPORT_MAX).await?;
    let labels = patient_labels(&state.pool, &auth.user, &rows).await?;
    let withheld = |r: &Row| r.patient_id.and_then(|p| labels.get(&p)).is_some_and(|l| l.name.is_none());
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
            if withheld(r) { WITHHELD.to_string() } else { r.changes_text() },
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

#[cfg(test)]
mod tests {
    use super::change_lines;
    use serde_json::json;

    #[test]
    fn changes_read_as_field_old_new() {
        let lines = change_lines(&json!({
            "status": {"from": "draft", "to": "signed"},
            "revoked": {"to": "revoked"},
            "phone": {"changed": true, "encrypted": true},
            "reason": "Wrong patient",
            "ids": ["a", "b"],
            "empty": {"from": null, "to": ""},
            "rows": 3,
            "active": false,
        }));
        assert_eq!(
            lines,
            // Fields in name order (the document's own order).
            vec![
                "active: no",
                "empty: (empty) → (empty)",
                "ids: a, b",
                "phone: changed (encrypted value not logged)",
                "reason: Wrong patient",
                "revoked: → revoked",
                "rows: 3",
                "status: draft → signed",
            ]
        );
    }

    #[test]
    fn before_and_after_are_compared_and_nested_objects_flattened() {
        let lines = change_lines(&json!({"before": {"a": 1, "b": "x"}, "after": {"a": 2, "b": "x"}}));
        assert_eq!(lines, vec!["a: 1 → 2"]);
        let lines =
            change_lines(&json!({"mrn_format": {"from": "A", "to": "B"}, "chain": {"step": {"from": 0, "to": 1}}}));
        assert_eq!(lines, vec!["chain.step: 0 → 1", "mrn_format: A → B"]);
        assert!(change_lines(&json!({})).is_empty());
        assert_eq!(change_lines(&json!("plain")), vec!["plain"]);
    }
}
