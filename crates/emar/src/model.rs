//! Rows, forms and the pure rules of the schedule: standard administration times per frequency,
//! the ISMP (2011) windows, and whether a time is early, late or on time.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// The reasons a dose is not given (the order of the form's choices).
pub const NOT_GIVEN_REASONS: [&str; 7] =
    ["refused", "npo", "held", "unavailable", "off_ward", "vomited", "no_iv_access"];

/// Local hours of the standard administration times of a frequency code, `None` for STAT/ONCE
/// and unknown codes. WEEKLY uses the daily time on the start's weekday.
pub fn standard_hours(frequency: &str) -> Option<&'static [u8]> {
    Some(match frequency.trim().to_uppercase().as_str() {
        "OD" | "DAILY" | "MANE" | "WEEKLY" => &[8],
        "NOCTE" => &[22],
        "BD" | "Q12H" => &[8, 20],
        "TDS" => &[8, 14, 22],
        "Q8H" => &[6, 14, 22],
        "QDS" => &[8, 12, 16, 22],
        "Q6H" => &[0, 6, 12, 18],
        "Q4H" => &[2, 6, 10, 14, 18, 22],
        "Q3H" => &[0, 3, 6, 9, 12, 15, 18, 21],
        "Q2H" => &[0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22],
        _ => return None,
    })
}

/// A once-only order (STAT or ONCE): one dose, as soon as possible.
pub fn once_only(frequency: &str) -> bool {
    matches!(frequency.trim().to_uppercase().as_str(), "STAT" | "ONCE")
}

/// Time-critical drug classes (±30 min): insulin, anticoagulants, anticonvulsants, antibiotics.
pub fn time_critical(therapeutic_class: &str) -> bool {
    let c = therapeutic_class.to_lowercase();
    ["insulin", "anticoagulant", "anticonvulsant", "antibiotic"].iter().any(|k| c.contains(k))
}

/// The ISMP window in minutes either side of the due time: 0 (as soon as possible) for
/// STAT/ONCE, 30 for time-critical drugs, 60 for doses more often than daily, 120 for daily or
/// less often.
pub fn window_minutes(frequency: &str, therapeutic_class: &str) -> i32 {
    if once_only(frequency) {
        return 0;
    }
    if time_critical(therapeutic_class) {
        return 30;
    }
    match standard_hours(frequency) {
        Some(h) if h.len() > 1 => 60,
        _ => 120,
    }
}

/// How late an as-soon-as-possible dose may be before it counts as overdue.
pub const ASAP_MINUTES: i64 = 30;

/// When a dose becomes overdue: the end of its window.
pub fn overdue_after(due: OffsetDateTime, window: i32) -> OffsetDateTime {
    due + Duration::minutes(if window == 0 { ASAP_MINUTES } else { i64::from(window) })
}

/// A recorded time against the dose's due time and window: `asap`, `on_time`, `early`, `late`.
pub fn timing(due: OffsetDateTime, window: i32, at: OffsetDateTime) -> &'static str {
    if window == 0 {
        return "asap";
    }
    let w = Duration::minutes(i64::from(window));
    if at < due - w {
        "early"
    } else if at > due + w {
        "late"
    } else {
        "on_time"
    }
}

/// The due times of a repeating order in `[from, to)`: the standard hours (in `zone`) of each
/// local day, from the order's start, before its stop. A local time the clocks skip moves to the
/// next hour; a repeated one is its first occurrence.
pub fn due_times(
    frequency: &str,
    zone: &Zone,
    start: OffsetDateTime,
    stop: Option<OffsetDateTime>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Vec<OffsetDateTime> {
    let Some(hours) = standard_hours(frequency) else { return Vec::new() };
    let weekly = frequency.trim().eq_ignore_ascii_case("WEEKLY");
    let start_day = zone.local(start).date();
    let (first, last) = (zone.local(from).date() - Duration::days(1), zone.local(to).date());
    let mut out = Vec::new();
    let mut d: Date = first;
    while d <= last {
        if !weekly || (d - start_day).whole_days().rem_euclid(7) == 0 {
            for &h in hours {
                let at = (0..3).find_map(|extra: u8| {
                    let t = Time::from_hms((h + extra).min(23), 0, 0).ok()?;
                    zone.resolve(PrimitiveDateTime::new(d, t), None).ok()
                });
                if let Some(t) = at {
                    if t >= start && t >= from && t < to && stop.is_none_or(|s| t < s) && !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
        }
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    out.sort();
    out
}

/// A wristband (the current or a revoked one).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct EmarWristband {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The opaque token the barcode carries.
    pub token: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A dose of the schedule with what was recorded for it.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct EmarDose {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The pharmacy's medication order (detail id).
    pub rx_order_id: Uuid,
    /// scheduled, once (STAT/ONCE) or prn.
    pub kind: String,
    /// The order as it read when the dose was planned.
    pub medication: String,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    /// Minutes either side of the due time (0: as soon as possible).
    pub window_minutes: i32,
    /// due, given, not_given or cancelled (the order was stopped).
    pub status: String,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub overdue_at: Option<OffsetDateTime>,
    /// The administration's time, when recorded.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    pub not_given_reason: Option<String>,
}

impl EmarDose {
    /// The CSS class of the dose's status on the grid.
    pub fn css(&self) -> &'static str {
        match self.status.as_str() {
            "given" => "badge badge-ok",
            "not_given" => "badge badge-warn",
            "cancelled" => "badge badge-muted",
            _ if self.overdue_at.is_some() => "badge badge-danger",
            _ => "badge",
        }
    }
    /// The status key of the catalogue (`emar-status-…`).
    pub fn status_key(&self) -> String {
        if self.status == "due" && self.overdue_at.is_some() {
            "emar-status-overdue".into()
        } else {
            format!("emar-status-{}", self.status)
        }
    }
}

/// A recorded administration (shaped after FHIR MedicationAdministration).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct EmarAdministration {
    pub id: Uuid,
    pub dose_id: Uuid,
    pub rx_order_id: Uuid,
    pub medication: String,
    /// given or not_given.
    pub outcome: String,
    pub dose: Option<f64>,
    pub dose_unit: String,
    pub route: String,
    pub site: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    /// on_time, early, late, asap or prn.
    pub timing: String,
    pub timing_reason: String,
    pub not_given_reason: Option<String>,
    pub override_reason: String,
    pub note: String,
    pub scanned_patient: bool,
    pub scanned_medication: bool,
    pub recorded_by: String,
}

/// Recording a dose (page form and API body alike; every field is text so that a form's
/// values arrive as typed).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct EmarRecordForm {
    /// The scheduled dose; or leave empty and give `rx_order_id` for an as-needed (PRN) dose.
    #[serde(default)]
    pub dose_id: String,
    /// The PRN medication order (pharmacy detail id).
    #[serde(default)]
    pub rx_order_id: String,
    /// given or not_given.
    #[serde(default)]
    pub outcome: String,
    /// The scanned wristband token (empty: the patient was not scanned; recorded unscanned).
    #[serde(default)]
    pub wristband: String,
    /// The scanned medication: a dispensing label (`RXD-<dispense id>`) or a formulary product
    /// code (empty: not scanned).
    #[serde(default)]
    pub medication: String,
    /// The dose given (required when given), e.g. "500".
    #[serde(default)]
    pub dose: String,
    /// Its unit (default: the order's).
    #[serde(default)]
    pub dose_unit: String,
    /// The route (default: the order's; another route is refused).
    #[serde(default)]
    pub route: String,
    #[serde(default)]
    pub site: String,
    /// When it was given (RFC 3339, or local `YYYY-MM-DDTHH:MM` on the page); empty: now.
    #[serde(default)]
    pub at: String,
    /// Why the dose is early or late (required outside its window).
    #[serde(default)]
    pub timing_reason: String,
    /// refused, npo, held, unavailable, off_ward, vomited or no_iv_access.
    #[serde(default)]
    pub not_given_reason: String,
    /// Why an allergy alert is overridden (required when the drug matches a recorded allergy).
    #[serde(default)]
    pub override_reason: String,
    #[serde(default)]
    pub note: String,
}

/// What a dose is recorded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Dose(Uuid),
    Prn(Uuid),
}

#[derive(Debug, Clone)]
pub struct ValidRecord {
    pub target: Target,
    pub given: bool,
    pub wristband: Option<String>,
    pub medication: Option<String>,
    pub dose: Option<f64>,
    pub dose_unit: String,
    pub route: String,
    pub site: String,
    pub at: OffsetDateTime,
    pub timing_reason: String,
    pub not_given_reason: Option<String>,
    pub override_reason: String,
    pub note: String,
}

fn text(e: &mut FieldErrors, field: &'static str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        e.add(field, format!("At most {max} characters."));
    }
    v.to_string()
}

impl EmarRecordForm {
    pub fn validate(&self, zone: &Zone, now: OffsetDateTime) -> Result<ValidRecord, FieldErrors> {
        let mut e = FieldErrors::default();
        let target = match (self.dose_id.trim(), self.rx_order_id.trim()) {
            (d, "") if !d.is_empty() => d.parse().ok().map(Target::Dose),
            ("", r) if !r.is_empty() => r.parse().ok().map(Target::Prn),
            _ => None,
        };
        if target.is_none() {
            e.add("dose_id", "Give the scheduled dose, or the as-needed order (not both).");
        }
        let given = match self.outcome.trim() {
            "given" => Some(true),
            "not_given" => Some(false),
            _ => {
                e.add("outcome", "Choose given or not given.");
                None
            }
        };
        let dose = if given == Some(true) {
            match hearth_pharmacy::model::parse_decimal(self.dose.trim()) {
                Some(d) if d > 0.0 && d < 1_000_000.0 => Some(d),
                _ => {
                    e.add("dose", "Give the dose given, a number above zero.");
                    None
                }
            }
        } else {
            None
        };
        let not_given_reason = if given == Some(false) {
            let r = self.not_given_reason.trim();
            if NOT_GIVEN_REASONS.contains(&r) {
                Some(r.to_string())
            } else {
                e.add("not_given_reason", "Choose why the dose was not given.");
                None
            }
        } else {
            None
        };
        let at = if self.at.trim().is_empty() {
            now
        } else {
            match zone.parse_local(self.at.trim(), None) {
                Ok(t) => t,
                Err(_) => {
                    e.add("at", "Give the time as YYYY-MM-DDTHH:MM.");
                    now
                }
            }
        };
        if at > now + Duration::minutes(5) {
            e.add("at", "The time is in the future.");
        } else if at < now - Duration::hours(24) {
            e.add("at", "Doses more than 24 hours ago are not entered here (back-entry is not available yet).");
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let wristband = opt(&self.wristband).map(|s| s.to_uppercase());
        let medication = opt(&self.medication);
        if wristband.as_deref().is_some_and(|s| s.len() > 60) {
            e.add("wristband", "Not a wristband of this hospital.");
        }
        if medication.as_deref().is_some_and(|s| s.len() > 80) {
            e.add("medication", "Not a medication barcode this hospital uses.");
        }
        let v = ValidRecord {
            target: target.unwrap_or(Target::Dose(Uuid::nil())),
            given: given.unwrap_or(false),
            wristband,
            medication,
            dose,
            dose_unit: text(&mut e, "dose_unit", &self.dose_unit, 20),
            route: text(&mut e, "route", &self.route.to_uppercase(), 10),
            site: text(&mut e, "site", &self.site, 100),
            at,
            timing_reason: text(&mut e, "timing_reason", &self.timing_reason, 500),
            not_given_reason,
            override_reason: text(&mut e, "override_reason", &self.override_reason, 500),
            note: text(&mut e, "note", &self.note, 500),
        };
        if e.is_empty() {
            Ok(v)
        } else {
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_follow_ismp() {
        assert_eq!(window_minutes("STAT", "Analgesic"), 0);
        assert_eq!(window_minutes("QDS", "Penicillin antibiotic"), 30);
        assert_eq!(window_minutes("QDS", "Analgesic"), 60);
        assert_eq!(window_minutes("OD", "Statin"), 120);
        assert_eq!(window_minutes("WEEKLY", "Antimetabolite (DMARD)"), 120);
        let due = datetime!(2026-12-02 08:00 UTC);
        assert_eq!(timing(due, 60, datetime!(2026-12-02 08:59 UTC)), "on_time");
        assert_eq!(timing(due, 60, datetime!(2026-12-02 09:01 UTC)), "late");
        assert_eq!(timing(due, 60, datetime!(2026-12-02 06:59 UTC)), "early");
        assert_eq!(timing(due, 0, datetime!(2026-12-02 11:00 UTC)), "asap");
        assert_eq!(overdue_after(due, 0), datetime!(2026-12-02 08:30 UTC));
    }

    #[test]
    fn due_times_cross_midnight_and_dst() {
        let utc = Zone::utc();
        let start = datetime!(2026-12-01 09:30 UTC);
        let t = due_times("BD", &utc, start, None, datetime!(2026-12-01 00:00 UTC), datetime!(2026-12-03 00:00 UTC));
        assert_eq!(
            t,
            vec![datetime!(2026-12-01 20:00 UTC), datetime!(2026-12-02 08:00 UTC), datetime!(2026-12-02 20:00 UTC)]
        );
        let stop = Some(datetime!(2026-12-02 12:00 UTC));
        assert_eq!(due_times("BD", &utc, start, stop, start, datetime!(2026-12-03 00:00 UTC)).len(), 2);
        // Q6H in London across the spring change: 00, 06, 12, 18 local, each once.
        let london = Zone::named("Europe/London").unwrap();
        let t = due_times(
            "Q6H",
            &london,
            datetime!(2026-03-28 00:00 UTC),
            None,
            datetime!(2026-03-29 00:00 UTC),
            datetime!(2026-03-30 00:00 UTC),
        );
        assert_eq!(
            t,
            vec![
                datetime!(2026-03-29 00:00 UTC),
                datetime!(2026-03-29 05:00 UTC),
                datetime!(2026-03-29 11:00 UTC),
                datetime!(2026-03-29 17:00 UTC),
                datetime!(2026-03-29 23:00 UTC),
            ]
        );
        assert!(due_times("STAT", &utc, start, None, start, datetime!(2026-12-03 00:00 UTC)).is_empty());
    }

    #[test]
    fn the_form_refuses_what_it_cannot_record() {
        let now = datetime!(2026-12-02 08:00 UTC);
        let z = Zone::utc();
        let f = EmarRecordForm { outcome: "given".into(), ..Default::default() };
        let e = f.validate(&z, now).unwrap_err();
        assert!(e.get("dose_id").is_some() && e.get("dose").is_some());
        let f = EmarRecordForm {
            dose_id: Uuid::nil().to_string(),
            outcome: "not_given".into(),
            not_given_reason: "bored".into(),
            ..Default::default()
        };
        assert!(f.validate(&z, now).unwrap_err().get("not_given_reason").is_some());
        let f = EmarRecordForm {
            dose_id: Uuid::nil().to_string(),
            outcome: "given".into(),
            dose: "1".into(),
            at: "2026-12-02T09:00".into(),
            ..Default::default()
        };
        assert!(f.validate(&z, now).unwrap_err().get("at").is_some());
    }
}
