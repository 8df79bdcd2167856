//! The patient timeline: every module's events of a patient, newest first, in one
//! keyset-paginated statement built from the registry's `TimelineSource`s.

use serde::Serialize;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::registry::Registry;
use hearth_core::web::paging::{PageRequest, Paged, TimeId};

/// One entry of the timeline.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The entry kind (encounter, problem, allergy, vitals, note, medication, document…).
    pub kind: String,
    pub id: Uuid,
    pub title: String,
    pub detail: String,
    pub status: String,
    /// The entry's page in the chart.
    #[sqlx(skip)]
    pub href: String,
    /// The kind as it reads on the page.
    #[sqlx(skip)]
    #[serde(skip)]
    pub kind_label: &'static str,
}

impl TimelineItem {
    pub fn when(&self) -> String {
        crate::banner::fmt_dt(self.at)
    }

    pub fn status_label(&self) -> String {
        let s = self.status.replace('_', " ");
        let mut c = s.chars();
        match c.next() {
            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
            None => s,
        }
    }

    /// The entry's sort key (the timeline is newest first).
    pub fn key(&self) -> TimeId {
        TimeId(self.at, self.id)
    }
}

/// A page of the patient's entries, newest first (`req`: the web kit's keyset request).
///
/// Two statement texts: the first page has no paging condition, later pages a plain
/// `(at, id) < ($2, $3)` in every branch. (A single text with `$2 IS NULL OR …` becomes a
/// generic plan after five calls, where the condition is a filter and every later page walks
/// all entries newer than its cursor.)
pub async fn page(
    pool: &PgPool,
    registry: &Registry,
    patient: Uuid,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<TimelineItem>> {
    let sources: Vec<_> = registry.timeline_sources().collect();
    let before = req.at().zip(req.id());
    if sources.is_empty() {
        return Ok(Paged::from_rows(Vec::new(), req.limit, TimelineItem::key));
    }
    let branches: Vec<String> = sources
        .iter()
        .map(|s| {
            let paging = if before.is_some() { format!(" AND ({}, {}) < ($2, $3)", s.at, s.id) } else { String::new() };
            let lim = if before.is_some() { "$4" } else { "$2" };
            format!("({}{paging} ORDER BY {} DESC, {} DESC LIMIT {lim})", s.select, s.at, s.id)
        })
        .collect();
    let lim = if before.is_some() { "$4" } else { "$2" };
    let sql = format!(
        "SELECT at, kind, id, title, detail, status FROM ({}) t(at, kind, id, title, detail, status)
         ORDER BY at DESC, id DESC LIMIT {lim}",
        branches.join(" UNION ALL ")
    );
    let mut q = sqlx::query_as::<_, TimelineItem>(&sql).bind(patient);
    if let Some((t, id)) = before {
        q = q.bind(t).bind(id);
    }
    let mut items: Vec<TimelineItem> = q.bind(req.fetch()).fetch_all(pool).await?;
    for it in &mut items {
        if let Some(s) = sources.iter().find(|s| s.kind == it.kind) {
            it.kind_label = s.label;
            it.href = s.href.replace("{patient}", &patient.to_string()).replace("{id}", &it.id.to_string());
        }
    }
    Ok(Paged::from_rows(items, req.limit, TimelineItem::key))
}
