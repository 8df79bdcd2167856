//! The patient timeline: every module's events of a patient, newest first, in one
//! keyset-paginated statement built from the registry's `TimelineSource`s.

use serde::Serialize;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::registry::Registry;

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

    /// The keyset cursor of this entry: `<unix micros>_<id>`.
    pub fn cursor(&self) -> String {
        format!("{}_{}", self.at.unix_timestamp_nanos() / 1000, self.id)
    }
}

/// Reads a cursor made by [`TimelineItem::cursor`]; `None` when it is not one.
pub fn parse_cursor(s: &str) -> Option<(OffsetDateTime, Uuid)> {
    let (t, id) = s.split_once('_')?;
    let micros: i128 = t.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    Some((at, id.parse().ok()?))
}

/// Up to `limit` entries of the patient, newest first, older than `before` when given.
///
/// Two statement texts: the first page has no paging condition, later pages a plain
/// `(at, id) < ($2, $3)` in every branch. (A single text with `$2 IS NULL OR …` becomes a
/// generic plan after five calls, where the condition is a filter and every later page walks
/// all entries newer than its cursor.)
pub async fn page(
    pool: &PgPool,
    registry: &Registry,
    patient: Uuid,
    before: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<TimelineItem>> {
    let sources: Vec<_> = registry.timeline_sources().collect();
    if sources.is_empty() {
        return Ok(Vec::new());
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
    let mut items = q.bind(limit).fetch_all(pool).await?;
    for it in &mut items {
        if let Some(s) = sources.iter().find(|s| s.kind == it.kind) {
            it.kind_label = s.label;
            it.href = s.href.replace("{patient}", &patient.to_string()).replace("{id}", &it.id.to_string());
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + time::Duration::microseconds(123);
        let item = TimelineItem {
            at,
            kind: "note".into(),
            id: Uuid::nil(),
            title: String::new(),
            detail: String::new(),
            status: String::new(),
            href: String::new(),
            kind_label: "",
        };
        assert_eq!(parse_cursor(&item.cursor()), Some((at, Uuid::nil())));
        assert_eq!(parse_cursor("garbage"), None);
        assert_eq!(parse_cursor("12_notauuid"), None);
    }
}
