//! One way to page a list: keyset cursors, `limit + 1` fetch-and-trim, one page type, one pager.
//!
//! Every list that grows (users, the audit log, patient search, the patients of the day, a
//! chart's encounters, vital signs, notes, documents and timeline, messages) is read the same way,
//! in pages and in the API:
//!
//! 1. The request names where to start and how many: `?after=<cursor>&limit=<n>` ([`PageParams`]),
//!    checked into a [`PageRequest<K>`] where `K` is the list's sort key (for a newest-first list
//!    [`TimeId`]: the row's time and id).
//! 2. The query asks for [`PageRequest::fetch`] rows (`limit + 1`) after the key
//!    (`WHERE t.patient_id = $1{req.after_sql("t.at", "t.id", 3)} ORDER BY t.at DESC, t.id DESC
//!    LIMIT $2`), so an index answers it in the same time on page 1 or page 1,000.
//! 3. [`Paged::from_rows`] keeps `limit` rows and, when there was one more, makes the cursor of
//!    the next page from the last row kept: `{items, next}` (the API's answer as is).
//! 4. A page shows [`Pager`] through `templates/components/_pager.html`.
//!
//! **Cursors** are opaque to clients: the sort key of the last row, as JSON in unpadded base64url
//! (URL-safe, no PHI: times, ranks and ids; staff emails on the users page). They are not signed:
//! a forged cursor only moves where the page starts, and every page applies the same access checks
//! as the first. A cursor that does not decode into the list's key (garbage, cut short, a key of
//! another shape) is refused with **400** (`after is not a cursor of this list`), never a 500 and
//! never silently the first page; `limit` outside the list's range is 400 too.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A cursor longer than this is not one we made.
const MAX_CURSOR_LEN: usize = 512;

/// The query parameters of a paginated list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next` cursor of the previous page; absent for the first page.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// Items per page (each list states its default and maximum).
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

/// A checked list request: the sort key to start after, and the page size.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub after: Option<K>,
    pub limit: i64,
}

impl<K: DeserializeOwned> PageRequest<K> {
    /// From `?after=&limit=`: `limit` defaults to `default` and must lie in `1..=max`.
    pub fn new(params: &PageParams, default: i64, max: i64) -> AppResult<Self> {
        Self::parse(params.after.as_deref(), params.limit, default, max)
    }

    /// As [`PageRequest::new`], from the raw values.
    pub fn parse(after: Option<&str>, limit: Option<i64>, default: i64, max: i64) -> AppResult<Self> {
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(AppError::BadRequest(format!("limit must be between 1 and {max}")));
        }
        let after = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(c) => {
                Some(decode(c).ok_or_else(|| AppError::BadRequest("after is not a cursor of this list".into()))?)
            }
        };
        Ok(PageRequest { after, limit })
    }
}

impl<K> PageRequest<K> {
    /// The first page.
    pub fn first(limit: i64) -> Self {
        PageRequest { after: None, limit }
    }

    /// How many rows to ask the database for: one more than the page, to know whether another
    /// page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Whether this is a later page (a cursor was given).
    pub fn is_later(&self) -> bool {
        self.after.is_some()
    }
}

impl PageRequest<TimeId> {
    /// The key's time, for binding (`None` on the first page).
    pub fn at(&self) -> Option<OffsetDateTime> {
        self.after.map(|k| k.0)
    }

    /// The key's id, for binding (`None` on the first page).
    pub fn id(&self) -> Option<Uuid> {
        self.after.map(|k| k.1)
    }

    /// The keyset condition of this page for a newest-first list ordered by `(at, id)`, with the
    /// cursor bound as parameters `$n` (time) and `$n+1` (id): nothing on the first page,
    /// `AND (at, id) < ($n, $n+1)` on a later one. Bind [`at`](Self::at) and [`id`](Self::id)
    /// either way (unused parameters of a declared type are allowed).
    ///
    /// Why not one text with `($n IS NULL OR (at, id) < …)`: after five executions PostgreSQL may
    /// switch to a generic plan, where that disjunction is a filter instead of an index bound, and
    /// every later page walks all rows newer than its cursor (`docs/PERFORMANCE.md`, query plans).
    pub fn after_sql(&self, at: &str, id: &str, n: usize) -> String {
        if self.after.is_some() {
            format!(" AND ({at}, {id}) < (${n}::timestamptz, ${}::uuid)", n + 1)
        } else {
            String::new()
        }
    }
}

/// The sort key of a newest-first list: a row's time (to the microsecond, as PostgreSQL keeps
/// it) and its id (the tie-breaker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeId(#[serde(with = "micros")] pub OffsetDateTime, pub Uuid);

mod micros {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64((t.unix_timestamp_nanos() / 1000) as i64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let us = i64::deserialize(d)?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).map_err(serde::de::Error::custom)
    }
}

/// One page of a list: its items and the cursor of the next page (`null` on the last page).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent (null) on the last page.
    pub next: Option<String>,
}

impl<T> Paged<T> {
    /// From the rows a query fetched with [`PageRequest::fetch`]: keeps `limit` of them and, if
    /// there was one more, makes the next cursor from the last row kept.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Paged<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| encode(&key(r)))
        } else {
            None
        };
        Paged { items: rows, next }
    }

    /// The same page with its items transformed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

/// The cursor of a sort key.
pub fn encode<K: Serialize>(key: &K) -> String {
    use base64::Engine;
    let json = serde_json::to_vec(key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The sort key of a cursor, if it is one of this key type.
pub fn decode<K: DeserializeOwned>(cursor: &str) -> Option<K> {
    use base64::Engine;
    if cursor.len() > MAX_CURSOR_LEN {
        return None;
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    serde_json::from_slice(&json).ok()
}

/// The pager of a list page, shown by `templates/components/_pager.html` (the page's template
/// struct has a `pager` field, or the template sets one with `{% let pager = … %}`).
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// The next page's address.
    pub next: Option<String>,
    /// The first page's address, on later pages (keyset pages go forward; this goes back).
    pub first: Option<String>,
    pub next_label: &'static str,
    pub first_label: &'static str,
    /// The navigation's accessible name.
    pub label: &'static str,
}

impl Pager {
    /// The pager of `page` of the list at `path`, whose other query parameters (filters) are
    /// `params`; `later` says whether this page was asked for with a cursor.
    pub fn new<T>(path: &str, params: &[(&str, &str)], page: &Paged<T>, later: bool) -> Pager {
        let href = |after: Option<&str>| {
            let mut pairs: Vec<(&str, &str)> = params.iter().copied().filter(|(_, v)| !v.is_empty()).collect();
            if let Some(a) = after {
                pairs.push(("after", a));
            }
            let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            if qs.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{qs}")
            }
        };
        Pager {
            next: page.next.as_deref().map(|n| href(Some(n))),
            first: later.then(|| href(None)),
            next_label: "Next page",
            first_label: "First page",
            label: "Pagination",
        }
    }

    /// Names the links (e.g. "Older entries" and "Newest").
    /// The message key of one of the pager's English labels (`Older events` →
    /// `pager-older-events`): `_pager.html` shows it translated when `core.ftl` has it.
    pub fn label_key(label: &str) -> String {
        let k: String =
            label.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        format!("pager-{k}")
    }

    pub fn labels(mut self, next: &'static str, first: &'static str) -> Pager {
        self.next_label = next;
        self.first_label = first;
        self
    }

    /// Names the navigation (when a page has more than one pager).
    pub fn named(mut self, label: &'static str) -> Pager {
        self.label = label;
        self
    }

    /// Whether there is a link to show.
    pub fn visible(&self) -> bool {
        self.next.is_some() || self.first.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let key = TimeId(OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap(), Uuid::nil());
        let c = encode(&key);
        assert!(c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'), "{c}");
        assert_eq!(decode::<TimeId>(&c), Some(key));
        for bad in ["garbage", "", "%%%", &encode(&(1, "x")), &encode(&"x".repeat(600))] {
            assert_eq!(decode::<TimeId>(bad), None, "{bad}");
        }
        assert!(decode::<TimeId>(&encode(&(i64::MAX, Uuid::nil()))).is_none(), "out of range time");
        let r = PageRequest::<TimeId>::parse(Some("garbage"), None, 50, 100);
        assert!(matches!(r, Err(AppError::BadRequest(_))));
        assert!(matches!(PageRequest::<TimeId>::parse(None, Some(0), 50, 100), Err(AppError::BadRequest(_))));
        assert_eq!(PageRequest::<TimeId>::parse(None, None, 50, 100).map(|r| r.fetch()).ok(), Some(51));
    }

    #[test]
    fn pages_trim_the_extra_row() {
        let p = Paged::from_rows(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(p.next.as_deref().and_then(decode::<i32>), Some(2));
        let p = Paged::from_rows(vec![1, 2], 2, |n| *n);
        assert_eq!(p.next, None);
        let pager =
            Pager::new("/audit", &[("user", "a@b"), ("action", "")], &Paged::from_rows(vec![1, 2, 3], 2, |n| *n), true);
        assert_eq!(pager.first.as_deref(), Some("/audit?user=a%40b"));
        assert!(pager.next.unwrap().starts_with("/audit?user=a%40b&after="));
    }
}
