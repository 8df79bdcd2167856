//! Rows, forms and their validation; the distance (haversine).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::error::{AppError, AppResult, FieldErrors};

/// The network's bed types (a Hearth ward's kind maps onto one; see `hearth_inpatient::repo`).
pub const BED_TYPES: &[&str] = &["general", "critical_care", "paediatric", "maternity", "isolation", "burns"];
/// Network priorities: P1 immediate (life-threatening), P2 very urgent, P3 urgent, P4 standard.
pub const PRIORITIES: &[&str] = &["P1", "P2", "P3", "P4"];
pub const ED_STATUSES: &[&str] = &["normal", "advisory", "diverting"];

/// Great-circle distance in kilometres between two points (haversine, mean Earth radius).
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

/// One bed type's counts of one pushed report.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BednetReportCount {
    /// general, critical_care, paediatric, maternity, isolation or burns.
    pub bed_type: String,
    pub physical: i64,
    pub staffed: i64,
    pub free: i64,
}

/// An external facility's report: counts as of a time, with a sequence number (a report whose
/// sequence is not above the last accepted one is ignored).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BednetReport {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub as_of: OffsetDateTime,
    pub seq: i64,
    pub counts: Vec<BednetReportCount>,
}

impl BednetReport {
    pub fn validate(&self, now: OffsetDateTime) -> AppResult<()> {
        let mut e = FieldErrors::default();
        if self.as_of > now + time::Duration::minutes(2) {
            e.add("as_of", "The report's time is in the future.");
        }
        if self.seq < 0 {
            e.add("seq", "The sequence number is zero or more.");
        }
        if self.counts.is_empty() || self.counts.len() > BED_TYPES.len() {
            e.add("counts", "Give the counts of one to six bed types.");
        }
        let mut seen = Vec::new();
        for c in &self.counts {
            if !BED_TYPES.contains(&c.bed_type.as_str()) {
                e.add("counts", format!("Unknown bed type: {}.", c.bed_type.chars().take(40).collect::<String>()));
            } else if seen.contains(&c.bed_type.as_str()) {
                e.add("counts", "A bed type is given twice.");
            }
            seen.push(c.bed_type.as_str());
            if c.physical < 0 || c.staffed < 0 || c.free < 0 {
                e.add("counts", "Counts cannot be negative.");
            } else if c.physical > 10_000 || c.staffed > c.physical || c.free > c.staffed {
                e.add("counts", "Free beds cannot exceed staffed beds, nor staffed beds physical beds.");
            }
        }
        e.into_result()
    }
}

/// A form field given as a string (forms) or a number (JSON).
fn str_or_num<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => String::new(),
        _ => "?".into(),
    })
}

/// The emergency bed request form (page and API).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BednetRequestForm {
    pub facility: String,
    pub bed_type: String,
    /// P1 immediate, P2 very urgent, P3 urgent, P4 standard.
    pub priority: String,
    /// Emergency Severity Index, 1–5.
    #[serde(deserialize_with = "str_or_num")]
    #[schema(value_type = String)]
    pub esi: String,
    /// NEWS2, 0–20 (optional).
    #[serde(deserialize_with = "str_or_num")]
    #[schema(value_type = String)]
    pub news2: String,
    /// The condition, without the patient's identity.
    pub summary: String,
    /// Minutes until arrival, 1–720.
    #[serde(deserialize_with = "str_or_num")]
    #[schema(value_type = String)]
    pub eta_minutes: String,
}

pub struct ValidRequest {
    pub facility: Uuid,
    pub bed_type: String,
    pub priority: String,
    pub esi: i16,
    pub news2: Option<i16>,
    pub summary: String,
    pub eta: OffsetDateTime,
}

impl BednetRequestForm {
    pub fn validate(&self, now: OffsetDateTime) -> AppResult<ValidRequest> {
        let mut e = FieldErrors::default();
        let facility = Uuid::parse_str(self.facility.trim()).ok();
        if facility.is_none() {
            e.add("facility", "Choose a facility.");
        }
        if !BED_TYPES.contains(&self.bed_type.as_str()) {
            e.add("bed_type", "Choose a bed type.");
        }
        if !PRIORITIES.contains(&self.priority.as_str()) {
            e.add("priority", "Choose a priority, P1 to P4.");
        }
        let esi = self.esi.trim().parse::<i16>().ok().filter(|v| (1..=5).contains(v));
        if esi.is_none() {
            e.add("esi", "The ESI level is 1 to 5.");
        }
        let news2 = match self.news2.trim() {
            "" => Some(None),
            s => s.parse::<i16>().ok().filter(|v| (0..=20).contains(v)).map(Some),
        };
        if news2.is_none() {
            e.add("news2", "NEWS2 is 0 to 20.");
        }
        let summary = self.summary.trim().to_string();
        if summary.is_empty() || summary.chars().count() > 1000 {
            e.add("summary", "Describe the condition (up to 1,000 characters).");
        }
        let eta = self.eta_minutes.trim().parse::<i64>().ok().filter(|v| (1..=720).contains(v));
        if eta.is_none() {
            e.add("eta_minutes", "The ETA is 1 to 720 minutes.");
        }
        e.into_result()?;
        match (facility, esi, news2, eta) {
            (Some(facility), Some(esi), Some(news2), Some(eta)) => Ok(ValidRequest {
                facility,
                bed_type: self.bed_type.clone(),
                priority: self.priority.clone(),
                esi,
                news2,
                summary,
                eta: now + time::Duration::minutes(eta),
            }),
            _ => Err(AppError::BadRequest("invalid request".into())),
        }
    }
}

/// Accepting a request: the bed (Hearth facilities; external facilities hold a counted place).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BednetAcceptForm {
    pub bed_id: String,
}

/// Declining a request needs a reason.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BednetDeclineForm {
    pub reason: String,
}

impl BednetDeclineForm {
    pub fn validate(&self) -> AppResult<String> {
        let r = self.reason.trim();
        if r.is_empty() || r.chars().count() > 500 {
            return Err(AppError::field("reason", "Give the reason for declining (up to 500 characters)."));
        }
        Ok(r.to_string())
    }
}

/// A network facility (no patient data).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct NetFacility {
    pub id: Uuid,
    pub facility_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
    pub services: Vec<String>,
    pub contact: String,
    pub ed_status: String,
    pub public: bool,
}

/// An emergency bed request as the board shows it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct BednetRequest {
    pub id: Uuid,
    pub network_facility_id: Uuid,
    pub facility_code: String,
    pub facility_name: String,
    pub bed_type: String,
    pub priority: String,
    pub esi: i16,
    pub news2: Option<i16>,
    pub summary: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub eta: OffsetDateTime,
    pub status: String,
    pub decline_reason: Option<String>,
    pub bed_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub hold_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: OffsetDateTime,
}

impl BednetRequest {
    /// Minutes left on an accepted hold (0 once lapsed).
    pub fn minutes_left(&self) -> i64 {
        self.hold_until.map(|u| ((u - OffsetDateTime::now_utc()).whole_minutes()).max(0)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Paris – London ≈ 343.5 km.
        let d = haversine_km((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((d - 343.5).abs() < 1.0, "{d}");
        assert!(haversine_km((1.0, 1.0), (1.0, 1.0)).abs() < 1e-9);
    }

    #[test]
    fn reports_refuse_impossible_counts() {
        let now = OffsetDateTime::now_utc();
        let c = |p, s, f| BednetReportCount { bed_type: "general".into(), physical: p, staffed: s, free: f };
        let r = |c| BednetReport { as_of: now, seq: 1, counts: vec![c] };
        assert!(r(c(10, 8, 3)).validate(now).is_ok());
        assert!(r(c(10, 8, 9)).validate(now).is_err());
        assert!(r(c(10, 11, 3)).validate(now).is_err());
        assert!(r(c(10, 8, -1)).validate(now).is_err());
        let future = BednetReport { as_of: now + time::Duration::hours(1), seq: 1, counts: vec![c(1, 1, 1)] };
        assert!(future.validate(now).is_err());
    }
}
