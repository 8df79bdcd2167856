//! Search: `GET /fhir/{type}?…` answers a `searchset` Bundle with `self` and `next` links.
//! Unsupported parameters are refused (400) rather than silently ignored, so a client never
//! takes a wider result for the one it asked.

use axum::http::Uri;
use serde_json::{json, Value};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::platform::audit::{self, Event};
use hearth_patients::search::PatientFilter;

use crate::resources::{self, ResourceType, LOINC};
use crate::{Caller, FhirResult, Outcome};

pub const DEFAULT_COUNT: i64 = 20;
pub const MAX_COUNT: i64 = 100;
/// The most records of one patient a compartment search looks at (phase 1 pages in memory).
pub const COMPARTMENT_LIMIT: i64 = 5_000;

/// The search parameters each type supports (besides `_count`, `_offset`, `_summary`, `_format`).
pub fn parameters(ty: ResourceType) -> &'static [&'static str] {
    match ty {
        ResourceType::Patient => &["_id", "name", "family", "given", "birthdate", "gender", "identifier"],
        ResourceType::Observation => &["patient", "subject", "category", "code", "date"],
        ResourceType::Condition | ResourceType::Encounter => &["patient", "subject"],
        ResourceType::AllergyIntolerance => &["patient"],
        ResourceType::Organization => &["_id", "name"],
    }
}

const COMMON: [&str; 4] = ["_count", "_offset", "_summary", "_format"];

/// A date search value at day precision: `[prefix]YYYY-MM-DD`, as a SQL-safe operator pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParam {
    pub prefix: &'static str,
    pub day: Date,
}

pub fn parse_date(v: &str) -> FhirResult<DateParam> {
    let prefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"];
    let (prefix, rest) = match prefixes.iter().find(|p| v.starts_with(**p)) {
        Some(p) => (*p, &v[2..]),
        None => ("eq", v),
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(rest, &fmt)
        .map_err(|_| Outcome::invalid("Dates are searched at day precision: [eq|ne|gt|lt|ge|le|sa|eb]YYYY-MM-DD."))?;
    Ok(DateParam { prefix, day })
}

impl DateParam {
    /// The operator comparing a date column with the day.
    pub fn sql_op(self) -> &'static str {
        match self.prefix {
            "ne" => "<>",
            "gt" | "sa" => ">",
            "lt" | "eb" => "<",
            "ge" => ">=",
            "le" => "<=",
            _ => "=",
        }
    }

    /// Whether an instant (taken as its UTC day) matches.
    pub fn matches(self, t: OffsetDateTime) -> bool {
        let start = self.day.midnight().assume_utc();
        let end = start + Duration::days(1);
        match self.prefix {
            "ne" => t < start || t >= end,
            "gt" | "sa" => t >= end,
            "lt" | "eb" => t < start,
            "ge" => t >= start,
            "le" => t < end,
            _ => t >= start && t < end,
        }
    }
}

fn reference_id(v: &str) -> FhirResult<Uuid> {
    let id = v.strip_prefix("Patient/").unwrap_or(v);
    Uuid::parse_str(id).map_err(|_| Outcome::invalid("`patient` must be a Patient id or Patient/{id}."))
}

/// A token `system|code`, `|code` or `code`: (system if given, code).
fn token(v: &str) -> (Option<&str>, &str) {
    match v.split_once('|') {
        Some((s, c)) => (Some(s), c),
        None => (None, v),
    }
}

pub async fn search(
    state: &AppState,
    caller: &Caller,
    ty: ResourceType,
    params: &[(String, String)],
    uri: &Uri,
) -> FhirResult<Value> {
    let allowed = parameters(ty);
    for (k, v) in params {
        // Modifiers (`name:exact`) and chains are not supported in phase 1.
        if !allowed.contains(&k.as_str()) && !COMMON.contains(&k.as_str()) {
            let shown: String = k.chars().filter(|c| c.is_ascii_graphic()).take(40).collect();
            return Err(Outcome::invalid(format!("Search parameter '{shown}' is not supported for {}.", ty.name())));
        }
        if v.len() > 200 {
            return Err(Outcome::invalid("A search value is too long."));
        }
    }
    let get = |name: &'static str| params.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str());
    let count = match get("_count").next() {
        None => DEFAULT_COUNT,
        Some(c) => c.parse::<i64>().map_err(|_| Outcome::invalid("`_count` must be a number."))?.clamp(0, MAX_COUNT),
    };
    let offset = match get("_offset").next() {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|o| (0..=1_000_000).contains(o))
            .ok_or_else(|| Outcome::invalid("Bad `_offset`."))?,
    };
    let summary_count = match get("_summary").next() {
        None | Some("false") => false,
        Some("count") => true,
        Some(_) => return Err(Outcome::invalid("Only `_summary=count` is supported.")),
    };
    let (total, entries) = match ty {
        ResourceType::Patient => {
            if !hearth_core::platform::rbac::HasPerms::can(&caller.user, hearth_patients::perms::PATIENTS_READ) {
                return Err(Outcome::forbidden("The caller may not read patients."));
            }
            let mut f = PatientFilter { facilities: resources::facility_scope(caller), ..Default::default() };
            if let Some(id) = get("_id").next() {
                // An id that is no UUID matches nothing.
                f.id = Some(Uuid::parse_str(id).unwrap_or(Uuid::nil()));
            }
            f.name = get("name").map(str::to_string).filter(|s| !s.trim().is_empty()).collect();
            f.family = get("family").map(str::to_string).filter(|s| !s.trim().is_empty()).collect();
            f.given = get("given").map(str::to_string).filter(|s| !s.trim().is_empty()).collect();
            for d in get("birthdate") {
                let d = parse_date(d)?;
                f.birth.push((d.sql_op(), d.day));
            }
            if let Some(g) = get("gender").next() {
                if !matches!(g, "male" | "female" | "other" | "unknown") {
                    return Err(Outcome::invalid("`gender` is male, female, other or unknown."));
                }
                f.sex = Some(g.to_string());
            }
            let facs = resources::facilities(&state.pool).await?;
            if let Some(i) = get("identifier").next() {
                let (system, value) = token(i);
                let facility = match system.filter(|s| !s.is_empty()) {
                    None => None,
                    Some(s) => {
                        let found = facs.iter().find(|fc| resources::mrn_system(&state.config.base_url, &fc.code) == s);
                        // An unknown system matches nothing.
                        Some(found.map(|fc| fc.id).unwrap_or(Uuid::nil()))
                    }
                };
                f.mrn = Some((facility, value.to_string()));
            }
            let limit = if summary_count { 0 } else { count };
            let (rows, total) = hearth_patients::search::filtered(&state.pool, &caller.user, &f, offset, limit).await?;
            let entries: Vec<Value> =
                rows.iter().map(|p| resources::patient_of(&state.config.base_url, &facs, p)).collect();
            // One audit event per search, naming the patients returned (ids only).
            if !entries.is_empty() {
                let ids: Vec<String> = rows.iter().map(|p| p.summary.id.to_string()).collect();
                audit::record_now(
                    &state.pool,
                    &caller.meta,
                    Event::new("fhir.search", "fhir", "Patient").changes(json!({ "patients": ids })),
                )
                .await?;
            }
            (total, entries)
        }
        ResourceType::Organization => {
            let facs = resources::facilities(&state.pool).await?;
            let id = get("_id").next().map(|i| Uuid::parse_str(i).unwrap_or(Uuid::nil()));
            let name = get("name").next().map(|n| n.to_lowercase());
            let all: Vec<Value> = facs
                .iter()
                .filter(|f| id.is_none_or(|i| f.id == i))
                .filter(|f| name.as_ref().is_none_or(|n| f.name.to_lowercase().starts_with(n.as_str())))
                .map(resources::organization)
                .collect();
            page(all, offset, count, summary_count)
        }
        _ => {
            let Some(p) = get("patient").next().or_else(|| get("subject").next()) else {
                return Err(Outcome::invalid(format!("Search {} by `patient`.", ty.name())));
            };
            let pid = reference_id(p)?;
            resources::require_patient(state, caller, pid, hearth_ehr::perms::CHART_READ).await?;
            let all = compartment(state, ty, pid, params).await?;
            hearth_ehr::audit_view(&state.pool, &caller.meta, pid, &format!("fhir.{}", ty.name())).await?;
            page(all, offset, count, summary_count)
        }
    };
    Ok(bundle(state, ty, params, uri, total, entries, offset, count, summary_count))
}

fn page(all: Vec<Value>, offset: i64, count: i64, summary_count: bool) -> (i64, Vec<Value>) {
    let total = all.len() as i64;
    if summary_count {
        return (total, Vec::new());
    }
    (total, all.into_iter().skip(offset as usize).take(count as usize).collect())
}

async fn compartment(
    state: &AppState,
    ty: ResourceType,
    pid: Uuid,
    params: &[(String, String)],
) -> FhirResult<Vec<Value>> {
    let get = |name: &'static str| params.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str());
    Ok(match ty {
        ResourceType::Observation => {
            let categories: Vec<&str> = get("category").collect();
            // Only vital signs are served in phase 1: another category finds nothing.
            if categories.iter().any(|c| {
                let (s, code) = token(c);
                code != "vital-signs"
                    || s.is_some_and(|s| {
                        !s.is_empty() && s != "http://terminology.hl7.org/CodeSystem/observation-category"
                    })
            }) {
                return Ok(Vec::new());
            }
            let codes: Vec<(Option<&str>, &str)> =
                get("code").flat_map(|c| c.split(',')).map(token).collect::<Vec<_>>();
            let dates = get("date").map(parse_date).collect::<FhirResult<Vec<_>>>()?;
            let sets = hearth_ehr::vitals::repo::list(&state.pool, pid, COMPARTMENT_LIMIT).await?;
            sets.iter()
                .filter(|v| dates.iter().all(|d| d.matches(v.taken_at)))
                .flat_map(resources::observations)
                .filter(|o| {
                    codes.is_empty()
                        || codes.iter().any(|(s, c)| {
                            s.is_none_or(|s| s.is_empty() || s == LOINC)
                                && o["code"]["coding"][0]["code"].as_str() == Some(*c)
                        })
                })
                .collect()
        }
        ResourceType::Condition => {
            hearth_ehr::problems::list(&state.pool, pid, false).await?.iter().map(resources::condition).collect()
        }
        ResourceType::AllergyIntolerance => {
            hearth_ehr::allergies::list(&state.pool, pid).await?.iter().map(resources::allergy).collect()
        }
        ResourceType::Encounter => hearth_ehr::encounters::list(&state.pool, pid, COMPARTMENT_LIMIT)
            .await?
            .iter()
            .map(resources::encounter)
            .collect(),
        ResourceType::Patient | ResourceType::Organization => Vec::new(),
    })
}

#[allow(clippy::too_many_arguments)]
fn bundle(
    state: &AppState,
    ty: ResourceType,
    params: &[(String, String)],
    uri: &Uri,
    total: i64,
    entries: Vec<Value>,
    offset: i64,
    count: i64,
    summary_count: bool,
) -> Value {
    let base = format!("{}/fhir", state.config.base_url.trim_end_matches('/'));
    let link_with = |off: i64| {
        let mut q: Vec<(&str, String)> =
            params.iter().filter(|(k, _)| k != "_offset").map(|(k, v)| (k.as_str(), v.clone())).collect();
        if off > 0 {
            q.push(("_offset", off.to_string()));
        }
        let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
        if qs.is_empty() {
            format!("{base}/{}", ty.name())
        } else {
            format!("{base}/{}?{qs}", ty.name())
        }
    };
    let _ = uri;
    let mut links = vec![json!({ "relation": "self", "url": link_with(offset) })];
    let shown = entries.len() as i64;
    if !summary_count && count > 0 && offset + shown < total {
        links.push(json!({ "relation": "next", "url": link_with(offset + count) }));
    }
    let entry: Vec<Value> = entries
        .into_iter()
        .map(|r| {
            let full =
                format!("{base}/{}/{}", r["resourceType"].as_str().unwrap_or(""), r["id"].as_str().unwrap_or(""));
            json!({ "fullUrl": full, "resource": r, "search": { "mode": "match" } })
        })
        .collect();
    let mut b = json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": resources::instant(OffsetDateTime::now_utc()) },
        "type": "searchset",
        "total": total,
        "link": links,
    });
    if !entry.is_empty() {
        b["entry"] = json!(entry);
    }
    b
}
