//! The public availability page and JSON: no sign-in, no patient data, from the in-memory
//! snapshot; distance from a given point; sorted by distance or free beds; ETag + max-age.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::model::haversine_km;
use crate::snapshot::{self, BednetPublicFacility};
use hearth_core::app::AppState;
use hearth_core::platform::routes::Routes;
use hearth_core::web::Page;

pub fn routes() -> Routes {
    use axum::routing::get;
    Routes::new().route("/availability", get(page))
}

/// The public JSON's errors are in English (no session, no language choice).
const ENGLISH: &str = "en";

/// Seconds a client or proxy may reuse an answer.
pub const MAX_AGE_SECS: u32 = 10;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AvailabilityQuery {
    /// Latitude of the point to measure distances from (with `lon`).
    pub lat: String,
    /// Longitude of the point to measure distances from (with `lat`).
    pub lon: String,
    /// `distance` (default when a point is given) or `free` (most free beds first).
    pub sort: String,
}

impl AvailabilityQuery {
    /// The point, if given: `Err` names the problem.
    fn point(&self) -> Result<Option<(f64, f64)>, &'static str> {
        match (self.lat.trim(), self.lon.trim()) {
            ("", "") => Ok(None),
            (a, b) => {
                let lat = a.parse::<f64>().ok().filter(|v| v.is_finite() && (-90.0..=90.0).contains(v));
                let lon = b.parse::<f64>().ok().filter(|v| v.is_finite() && (-180.0..=180.0).contains(v));
                match (lat, lon) {
                    (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
                    _ => Err("bednet-public-bad-point"),
                }
            }
        }
    }
}

/// The public answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BednetAvailability {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: OffsetDateTime,
    /// Reports older than this are stale (their free counts withheld).
    pub stale_after_minutes: i32,
    pub facilities: Vec<BednetPublicFacility>,
}

async fn build(state: &AppState, q: &AvailabilityQuery) -> Result<BednetAvailability, Response> {
    let point = q.point().map_err(|key| {
        let msg = hearth_core::i18n::t(ENGLISH, key);
        let body = serde_json::json!({"type": "about:blank", "title": "Bad request", "status": 400, "detail": msg});
        (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string())
            .into_response()
    })?;
    if !matches!(q.sort.as_str(), "" | "distance" | "free") {
        let body = serde_json::json!({"type": "about:blank", "title": "Bad request", "status": 400, "detail": "sort is distance or free."});
        return Err((StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string())
            .into_response());
    }
    let snap = snapshot::get(state).await.map_err(IntoResponse::into_response)?;
    let mut facilities = snap.facilities.clone();
    if let Some(p) = point {
        for f in &mut facilities {
            f.distance_km = Some((haversine_km(p, (f.lat, f.lon)) * 10.0).round() / 10.0);
        }
    }
    if q.sort == "free" || point.is_none() {
        facilities
            .sort_by(|a, b| b.free_total.unwrap_or(-1).cmp(&a.free_total.unwrap_or(-1)).then(a.code.cmp(&b.code)));
    } else {
        facilities.sort_by(|a, b| a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX)));
    }
    Ok(BednetAvailability { generated_at: snap.generated_at, stale_after_minutes: snap.stale_minutes, facilities })
}

/// What a client caches an answer for: the facilities, their counts, states and distances,
/// without the snapshot's time and the live reports' times, which move at every rebuild (3 s)
/// while nothing a reader acts on has changed. `extra` names the representation (JSON, or HTML
/// in a language for a query).
fn fingerprint(a: &BednetAvailability, extra: &str) -> Vec<u8> {
    let mut v = serde_json::to_value(&a.facilities).unwrap_or_default();
    if let Some(list) = v.as_array_mut() {
        for f in list.iter_mut().filter_map(|f| f.as_object_mut()) {
            f.remove("updated_at");
        }
    }
    format!("{extra}|{}|{v}", a.stale_after_minutes).into_bytes()
}

/// An answer with its weak ETag (of the [`fingerprint`]) and caching headers, or 304 when the
/// client has an equivalent answer (weak comparison: `W/` ignored on either side).
fn cached(headers: &HeaderMap, body: Vec<u8>, content_type: &'static str, fingerprint: &[u8]) -> Response {
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(fingerprint))[..32]);
    let etag = format!("W/{tag}");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t.trim_start_matches("W/") == tag || t == "*"));
    let mut res = if matches { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = res.headers_mut();
    if !matches {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={MAX_AGE_SECS}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    res
}

/// Public bed availability across the network: no sign-in, no patient data.
#[utoipa::path(get, path = "/api/v1/availability", params(AvailabilityQuery),
    responses((status = 200, body = BednetAvailability), (status = 304, description = "Not modified (ETag)"),
              (status = 400, description = "A bad point or sort")),
    tag = "bednet")]
pub async fn json(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AvailabilityQuery>) -> Response {
    let a = match build(&state, &q).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let print = fingerprint(&a, "json");
    match serde_json::to_vec(&a) {
        Ok(body) => cached(&headers, body, "application/json", &print),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A facility's dot on the schematic.
pub struct Dot {
    pub x: i64,
    pub y: i64,
    pub code: String,
    pub class: &'static str,
    /// Where the label starts (right of the dot, or left of it near the right edge) and its
    /// `text-anchor`, so no code is cut off by the schematic's edge.
    pub label_x: i64,
    pub anchor: &'static str,
}

#[derive(Template)]
#[template(path = "bednet/availability.html")]
struct AvailabilityPage {
    page: Page,
    a: BednetAvailability,
    q: AvailabilityQuery,
    error: Option<String>,
    dots: Vec<Dot>,
    me: Option<(i64, i64)>,
}

const W: f64 = 320.0;
const H: f64 = 220.0;
const PAD: f64 = 24.0;

/// Places the facilities (and the given point) in a `W`×`H` box by their coordinates.
fn schematic(fs: &[BednetPublicFacility], point: Option<(f64, f64)>) -> (Vec<Dot>, Option<(i64, i64)>) {
    let mut pts: Vec<(f64, f64)> = fs.iter().map(|f| (f.lat, f.lon)).collect();
    pts.extend(point);
    if pts.is_empty() {
        return (vec![], None);
    }
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (la, lo) in &pts {
        lat0 = lat0.min(*la);
        lat1 = lat1.max(*la);
        lon0 = lon0.min(*lo);
        lon1 = lon1.max(*lo);
    }
    let (dlat, dlon) = ((lat1 - lat0).max(1e-6), (lon1 - lon0).max(1e-6));
    let place = |la: f64, lo: f64| {
        let x = PAD + (lo - lon0) / dlon * (W - 2.0 * PAD);
        let y = PAD + (lat1 - la) / dlat * (H - 2.0 * PAD);
        (x.round() as i64, y.round() as i64)
    };
    let dots = fs
        .iter()
        .map(|f| {
            let (x, y) = place(f.lat, f.lon);
            let class = match f.free_total {
                None => "bednet-dot-stale",
                Some(0) => "bednet-dot-none",
                Some(1..=4) => "bednet-dot-low",
                Some(_) => "bednet-dot-ok",
            };
            let (label_x, anchor) = if x as f64 > W - 3.0 * PAD { (x - 10, "end") } else { (x + 10, "start") };
            Dot { x, y, code: f.code.clone(), class, label_x, anchor }
        })
        .collect();
    (dots, point.map(|(la, lo)| place(la, lo)))
}

/// `GET /availability`: the public page (readable without JavaScript, small, phone-sized).
async fn page(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<AvailabilityQuery>,
) -> Response {
    let error = q.point().err().map(|k| page.t(k));
    let safe = if error.is_some() {
        AvailabilityQuery { sort: "free".into(), ..Default::default() }
    } else {
        AvailabilityQuery {
            lat: q.lat.clone(),
            lon: q.lon.clone(),
            sort: if q.sort == "free" { "free".into() } else { String::new() },
        }
    };
    let a = match build(&state, &safe).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (dots, me) = schematic(&a.facilities, safe.point().ok().flatten());
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let print = fingerprint(&a, &format!("html|{}|{}|{}|{}", page.lang(), safe.lat, safe.lon, safe.sort));
    let tpl = AvailabilityPage { page, a, q, error, dots, me };
    match tpl.render() {
        Ok(html) if status == StatusCode::OK => cached(&headers, html.into_bytes(), "text/html; charset=utf-8", &print),
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
