//! Rows, forms, and the laboratory's pure functions: value parsing (censored values), flags,
//! reference-range choice and the CKD-EPI 2021 eGFR.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Specimen rejection reasons (coded).
pub const REJECT_REASONS: [(&str, &str); 5] = [
    ("haemolysed", "Haemolysed"),
    ("clotted", "Clotted"),
    ("insufficient", "Insufficient volume"),
    ("unlabelled", "Unlabelled or mislabelled"),
    ("wrong_container", "Wrong container"),
];

pub const PRIORITIES: [&str; 4] = ["routine", "urgent", "asap", "stat"];

/// A test of the catalogue.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabTest {
    pub code: String,
    /// LOINC code (system `http://loinc.org`).
    pub loinc: String,
    pub name: String,
    pub section: String,
    pub specimen: String,
    pub container: String,
    /// UCUM unit.
    pub unit: String,
    pub decimals: i32,
    pub critical_low: Option<f64>,
    pub critical_high: Option<f64>,
    /// Largest change from the previous released value before the result is held for review.
    pub delta_limit: Option<f64>,
    /// Turnaround target, collection to release, in minutes (routine; stat).
    pub tat_minutes: i32,
    pub tat_stat_minutes: Option<i32>,
    pub charge_code: String,
    /// Ordering again within this many hours warns (0: never).
    pub min_interval_hours: i32,
    /// Calculated from other results (never ordered on its own).
    pub calculated: bool,
}

impl LabTest {
    /// The critical limits as text ("≤ 2.5 · ≥ 6.5").
    pub fn critical(&self) -> String {
        let d = self.decimals;
        match (self.critical_low, self.critical_high) {
            (Some(l), Some(h)) => format!("≤ {} · ≥ {}", fmt(l, d), fmt(h, d)),
            (Some(l), None) => format!("≤ {}", fmt(l, d)),
            (None, Some(h)) => format!("≥ {}", fmt(h, d)),
            (None, None) => String::new(),
        }
    }
}

/// A reference range: by sex (`any`, `female`, `male`) and age band in days.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabRange {
    pub test: String,
    pub sex: String,
    pub age_min_days: i32,
    /// Exclusive; none: no upper bound.
    pub age_max_days: Option<i32>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// A panel: an orderable group of tests on one specimen.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabPanel {
    pub code: String,
    pub loinc: String,
    pub name: String,
    pub charge_code: String,
    pub min_interval_hours: i32,
    /// The member tests' codes, in report order.
    pub tests: Vec<String>,
}

/// A section of the laboratory.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabSection {
    pub code: String,
    pub name: String,
    /// Results need verification by a second person (never the one who entered them).
    pub second_verifier: bool,
}

/// A specimen on a work list.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabSpecimen {
    pub id: Uuid,
    pub lab_order_id: Uuid,
    /// The orders core's header.
    pub order_id: Uuid,
    pub patient_id: Uuid,
    pub patient: String,
    pub mrn: String,
    pub code: String,
    pub is_panel: bool,
    pub display: String,
    pub section: String,
    pub priority: String,
    pub indication: String,
    pub orderer: String,
    /// to_collect, collected, received, rejected or cancelled.
    pub status: String,
    pub accession: Option<String>,
    pub specimen: String,
    pub container: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub ordered_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub collected_at: Option<OffsetDateTime>,
    pub collector: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    pub reject_reason: Option<String>,
    pub reject_note: String,
    /// This specimen recollects a rejected one.
    pub recollect_of: Option<Uuid>,
}

impl LabSpecimen {
    pub fn reject_label(&self) -> &'static str {
        REJECT_REASONS.iter().find(|(c, _)| Some(*c) == self.reject_reason.as_deref()).map(|(_, l)| *l).unwrap_or("")
    }
    pub fn is_urgent(&self) -> bool {
        self.priority != "routine"
    }
}

/// A result as read back (work lists and the chart).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LabResult {
    pub id: Uuid,
    pub lab_order_id: Uuid,
    pub specimen_id: Uuid,
    pub patient_id: Uuid,
    pub accession: Option<String>,
    pub test: String,
    pub loinc: String,
    pub name: String,
    pub value_num: Option<f64>,
    /// '<' or '>' (a censored value).
    pub censor: Option<String>,
    pub decimals: i32,
    pub unit: String,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    /// L, H, LL or HH.
    pub flag: Option<String>,
    pub critical: bool,
    pub calculated: bool,
    pub comment: String,
    /// entered, held (delta check), verified, released or superseded (corrected by an amendment).
    pub status: String,
    pub delta_prev: Option<f64>,
    pub delta_failed: bool,
    pub entered_by: String,
    pub verified_by: Option<String>,
    pub released_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub entered_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub released_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub collected_at: Option<OffsetDateTime>,
    /// The result this one corrects (then it is shown as corrected).
    pub replaces: Option<Uuid>,
    pub amend_reason: Option<String>,
    /// A critical value's phone call was recorded.
    pub called: bool,
}

impl LabResult {
    /// The value as reported: censor, number with the test's decimals, or empty.
    pub fn value(&self) -> String {
        match self.value_num {
            Some(v) => format!(
                "{}{}",
                self.censor.as_deref().map(|c| format!("{c} ")).unwrap_or_default(),
                fmt(v, self.decimals)
            ),
            None => String::new(),
        }
    }
    /// The reference range as text ("3.5–5.1", "< 21", "> 60" or empty).
    pub fn range(&self) -> String {
        range_text(self.ref_low, self.ref_high, self.decimals)
    }
    pub fn is_corrected(&self) -> bool {
        self.replaces.is_some()
    }
    pub fn flag_text(&self) -> &str {
        self.flag.as_deref().unwrap_or("")
    }
    pub fn flag_class(&self) -> &'static str {
        match self.flag.as_deref() {
            Some("LL") | Some("HH") => "badge badge-danger",
            Some(_) => "badge badge-warn",
            None => "",
        }
    }
}

/// A number with a fixed count of decimals.
pub fn fmt(v: f64, decimals: i32) -> String {
    format!("{:.*}", decimals.clamp(0, 4) as usize, v)
}

pub fn range_text(low: Option<f64>, high: Option<f64>, decimals: i32) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{}–{}", fmt(l, decimals), fmt(h, decimals)),
        (None, Some(h)) => format!("≤ {}", fmt(h, decimals)),
        (Some(l), None) => format!("≥ {}", fmt(l, decimals)),
        (None, None) => String::new(),
    }
}

/// A value as typed: a number (decimal comma accepted), optionally censored with `<` or `>`
/// ("< 0.01", ">500"). Returns the censor and the number, or a sentence for the user.
pub fn parse_value(input: &str) -> Result<(Option<&'static str>, f64), &'static str> {
    let s = input.trim();
    let (censor, rest) = if let Some(r) = s.strip_prefix('<') {
        (Some("<"), r)
    } else if let Some(r) = s.strip_prefix('>') {
        (Some(">"), r)
    } else {
        (None, s)
    };
    let rest = rest.trim().replace(',', ".");
    if rest.is_empty() || rest.len() > 20 || !rest.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
        return Err("Enter a number such as 4.2, or a censored value such as < 0.01 or > 500.");
    }
    match rest.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() < 1e9 => Ok((censor, v)),
        _ => Err("Enter a number such as 4.2, or a censored value such as < 0.01 or > 500."),
    }
}

/// The flag of a value: LL/HH at or beyond a critical limit, L/H outside the reference range.
/// A censored value is flagged only when its bound decides it ("< 0.01" under a range from 0.5
/// is L; "> 500" over a critical limit of 30 is HH).
pub fn flag(
    censor: Option<&str>,
    v: f64,
    (ref_low, ref_high): (Option<f64>, Option<f64>),
    (crit_low, crit_high): (Option<f64>, Option<f64>),
) -> Option<&'static str> {
    // The value is surely at or below x / at or above x.
    let surely_le = |x: f64| match censor {
        Some(">") => false,
        _ => v <= x,
    };
    let surely_ge = |x: f64| match censor {
        Some("<") => false,
        _ => v >= x,
    };
    let surely_lt = |x: f64| match censor {
        Some(">") => false,
        _ => v < x,
    };
    let surely_gt = |x: f64| match censor {
        Some("<") => false,
        _ => v > x,
    };
    if crit_low.is_some_and(surely_le) {
        Some("LL")
    } else if crit_high.is_some_and(surely_ge) {
        Some("HH")
    } else if ref_low.is_some_and(surely_lt) {
        Some("L")
    } else if ref_high.is_some_and(surely_gt) {
        Some("H")
    } else {
        None
    }
}

/// The range for a patient: the most specific band (sex-specific before `any`) containing the
/// age in days; none when the age is unknown or no band fits.
pub fn pick_range<'a>(ranges: &'a [LabRange], sex: &str, age_days: Option<i64>) -> Option<&'a LabRange> {
    let age = age_days?;
    let fits = |r: &&LabRange| i64::from(r.age_min_days) <= age && r.age_max_days.is_none_or(|m| age < i64::from(m));
    ranges.iter().filter(fits).find(|r| r.sex == sex).or_else(|| ranges.iter().filter(fits).find(|r| r.sex == "any"))
}

/// Age in whole days on a day (none without a birth date).
pub fn age_days(birth: Option<Date>, on: Date) -> Option<i64> {
    birth.map(|b| (on - b).whole_days()).filter(|d| *d >= 0)
}

/// Age in whole years on a day.
pub fn age_years(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    years
}

/// Why an eGFR was not calculated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgfrRefusal {
    UnderEighteen,
    SexUnknown,
    AgeUnknown,
    Censored,
}

impl EgfrRefusal {
    pub fn comment(self) -> &'static str {
        match self {
            EgfrRefusal::UnderEighteen => "eGFR not calculated: CKD-EPI 2021 applies to adults (18 years and over).",
            EgfrRefusal::SexUnknown => "eGFR not calculated: the patient's sex is not recorded as female or male.",
            EgfrRefusal::AgeUnknown => "eGFR not calculated: the patient's date of birth is not recorded.",
            EgfrRefusal::Censored => "eGFR not calculated: the creatinine is outside the measuring range.",
        }
    }
}

/// eGFR by CKD-EPI 2021 (no race term), in mL/min/1.73 m²:
/// 142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 if female, with SCr in
/// mg/dL (= µmol/L ÷ 88.4), κ 0.7 (female) / 0.9 (male), α −0.241 (female) / −0.302 (male).
/// Adults (18+) of known sex only.
pub fn egfr_ckd_epi_2021(creatinine_umol_l: f64, age_years: i32, sex: &str) -> Result<f64, EgfrRefusal> {
    let (kappa, alpha, factor) = match sex {
        "female" => (0.7, -0.241, 1.012),
        "male" => (0.9, -0.302, 1.0),
        _ => return Err(EgfrRefusal::SexUnknown),
    };
    if age_years < 18 {
        return Err(EgfrRefusal::UnderEighteen);
    }
    let scr = creatinine_umol_l / 88.4;
    let r = scr / kappa;
    Ok(142.0 * r.min(1.0).powf(alpha) * r.max(1.0).powf(-1.200) * 0.9938f64.powi(age_years) * factor)
}

/// A result typed for one test.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResultEntry {
    /// The test code (a test of the order; calculated tests are computed, not entered).
    pub test: String,
    /// A number, or censored: "< 0.01", "> 500".
    pub value: String,
    /// A result comment ("haemolysed — K not reported"); alone when there is no value.
    pub comment: String,
}

/// Results typed for a specimen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabResultsForm {
    pub results: Vec<ResultEntry>,
}

/// Collection (API): when; default now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabCollectForm {
    /// RFC 3339; default now. Not in the future, not before the order.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub collected_at: Option<OffsetDateTime>,
}

/// Rejection with a coded reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabRejectForm {
    /// haemolysed, clotted, insufficient, unlabelled or wrong_container.
    pub reason: String,
    pub note: String,
}

impl LabRejectForm {
    pub fn validate(&self) -> Result<(&'static str, String), hearth_core::web::FieldErrors> {
        let mut e = hearth_core::web::FieldErrors::default();
        let reason = REJECT_REASONS.iter().find(|(c, _)| *c == self.reason.trim()).map(|(c, _)| *c);
        if reason.is_none() {
            e.add("reason", "Choose why the specimen is rejected.");
        }
        if self.note.chars().count() > 500 {
            e.add("note", "At most 500 characters.");
        }
        match reason {
            Some(r) if e.is_empty() => Ok((r, self.note.trim().to_string())),
            _ => Err(e),
        }
    }
}

/// An amendment of a released result.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabAmendForm {
    pub value: String,
    pub comment: String,
    /// Why the released result is corrected (required).
    pub reason: String,
}

/// The lab's phone call of a critical value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabCallForm {
    /// Who took the call (name and role).
    pub receiver: String,
    /// The receiver read the value back (required: `true`).
    pub read_back: bool,
    /// RFC 3339 (API; default now). The page records the call as made now.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub called_at: Option<OffsetDateTime>,
}

impl LabCallForm {
    pub fn validate(&self, now: OffsetDateTime) -> Result<(String, OffsetDateTime), hearth_core::web::FieldErrors> {
        let mut e = hearth_core::web::FieldErrors::default();
        let receiver = self.receiver.trim();
        if receiver.is_empty() || receiver.chars().count() > 200 {
            e.add("receiver", "Say who took the call (1 to 200 characters).");
        }
        if !self.read_back {
            e.add("read_back", "The receiver must read the value back before the call is recorded.");
        }
        let at = self.called_at.unwrap_or(now);
        if at > now + time::Duration::minutes(5) || at < now - time::Duration::days(2) {
            e.add("called_at", "The call's time is not in the future nor more than two days ago.");
        }
        if e.is_empty() {
            Ok((receiver.to_string(), at))
        } else {
            Err(e)
        }
    }
}

/// A section's configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LabSectionForm {
    pub second_verifier: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egfr_matches_the_published_equation() {
        // Female, 50 years, SCr 0.8 mg/dL (70.72 µmol/L): 89.7.
        let f = egfr_ckd_epi_2021(0.8 * 88.4, 50, "female").unwrap();
        assert!((f - 89.7).abs() < 0.2, "{f}");
        // Male, 60 years, SCr 1.0 mg/dL: 86.2.
        let m = egfr_ckd_epi_2021(88.4, 60, "male").unwrap();
        assert!((m - 86.2).abs() < 0.2, "{m}");
        // Below κ the α exponent applies: male, 40, SCr 0.7 mg/dL → 142 × (0.7/0.9)^−0.302 × 0.9938^40.
        let low = egfr_ckd_epi_2021(0.7 * 88.4, 40, "male").unwrap();
        let expected = 142.0 * (0.7f64 / 0.9).powf(-0.302) * 0.9938f64.powi(40);
        assert!((low - expected).abs() < 1e-9);
        // Female, 75, SCr 2.0 mg/dL: 142 × (2/0.7)^−1.2 × 0.9938^75 × 1.012 ≈ 25.6.
        let ckd = egfr_ckd_epi_2021(176.8, 75, "female").unwrap();
        assert!((ckd - 25.6).abs() < 0.1, "{ckd}");
    }

    #[test]
    fn egfr_is_not_computed_for_children_or_unknown_sex() {
        assert_eq!(egfr_ckd_epi_2021(60.0, 17, "male"), Err(EgfrRefusal::UnderEighteen));
        assert_eq!(egfr_ckd_epi_2021(60.0, 40, "unknown"), Err(EgfrRefusal::SexUnknown));
        assert_eq!(egfr_ckd_epi_2021(60.0, 40, "other"), Err(EgfrRefusal::SexUnknown));
        assert!(egfr_ckd_epi_2021(60.0, 18, "female").is_ok());
    }

    #[test]
    fn values_parse_with_censoring_and_decimal_commas() {
        assert_eq!(parse_value("4.2"), Ok((None, 4.2)));
        assert_eq!(parse_value(" 4,2 "), Ok((None, 4.2)));
        assert_eq!(parse_value("< 0.01"), Ok((Some("<"), 0.01)));
        assert_eq!(parse_value(">500"), Ok((Some(">"), 500.0)));
        for bad in ["", "abc", "<", "4.2.1", "1e5", "NaN", "12 mmol/L"] {
            assert!(parse_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_follow_ranges_and_critical_limits() {
        let r = (Some(3.5), Some(5.1));
        let c = (Some(2.5), Some(6.5));
        assert_eq!(flag(None, 4.0, r, c), None);
        assert_eq!(flag(None, 3.4, r, c), Some("L"));
        assert_eq!(flag(None, 5.2, r, c), Some("H"));
        assert_eq!(flag(None, 6.5, r, c), Some("HH"));
        assert_eq!(flag(None, 2.5, r, c), Some("LL"));
        // Censored values: flagged only when the bound decides.
        assert_eq!(flag(Some("<"), 0.01, (Some(0.5), Some(1.0)), (None, None)), Some("L"));
        assert_eq!(flag(Some("<"), 4.0, r, c), None);
        assert_eq!(flag(Some(">"), 500.0, (None, Some(21.0)), (None, Some(300.0))), Some("HH"));
        assert_eq!(flag(Some(">"), 4.0, r, c), None);
        // No range: no L/H flag.
        assert_eq!(flag(None, 100.0, (None, None), (None, None)), None);
    }

    #[test]
    fn the_most_specific_range_band_is_chosen() {
        let r = |sex: &str, min: i32, max: Option<i32>, low: f64| LabRange {
            test: "X".into(),
            sex: sex.into(),
            age_min_days: min,
            age_max_days: max,
            low: Some(low),
            high: None,
        };
        let ranges = vec![r("any", 0, Some(28), 1.0), r("male", 6570, None, 2.0), r("any", 6570, None, 3.0)];
        assert_eq!(pick_range(&ranges, "male", Some(10)).map(|x| x.low), Some(Some(1.0)));
        assert_eq!(pick_range(&ranges, "male", Some(7000)).map(|x| x.low), Some(Some(2.0)));
        assert_eq!(pick_range(&ranges, "female", Some(7000)).map(|x| x.low), Some(Some(3.0)));
        assert!(pick_range(&ranges, "female", Some(100)).is_none());
        assert!(pick_range(&ranges, "female", None).is_none());
    }
}
