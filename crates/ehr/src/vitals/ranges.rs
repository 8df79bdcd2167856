//! Flags for vital signs: each reading normal, abnormal or critical for the patient's age band,
//! the NEWS2 early warning score for adults, and implausible changes between measurements.
//! Pure functions, no I/O.
//!
//! # Sources
//!
//! - **Adults (18 years and over)**: the Royal College of Physicians, *National Early Warning
//!   Score (NEWS) 2*, 2017 (the chart, SpO2 scale 1, "air or oxygen", ACVPU consciousness, and
//!   the clinical response thresholds). A parameter scoring 3 is a *critical* reading, 1–2 an
//!   *abnormal* one. Beyond NEWS2: temperature ≥ 40.0 °C is critical; systolic ≥ 140 or
//!   diastolic ≥ 90 / < 60 mmHg is abnormal and diastolic ≥ 120 or ≤ 40 mmHg critical
//!   (American Heart Association 2017 blood pressure categories and hypertensive crisis).
//! - **Children** (neonate < 28 days, infant < 1 year, child 1–12, adolescent 13–17): the
//!   American Heart Association *Pediatric Advanced Life Support* (PALS) provider manual, 2020:
//!   normal heart rate, respiratory rate and blood pressure ranges by age, and the definition
//!   of hypotension (systolic < 60 mmHg neonate, < 70 infant, < 70 + 2 × age in years for 1–10,
//!   < 90 from 10 years), which is flagged critical; heart rate < 60 /min with the need for
//!   CPR (PALS bradycardia algorithm) critical. Fever ≥ 38.0 °C in a neonate is critical
//!   (NICE NG143 "red" feature under 3 months). SpO2 < 90 % is critical, 90–94 % abnormal at
//!   every age under 18.
//!
//! The critical limits for children not named by these sources (very fast heart and breathing
//! rates, severe hypertension) are conservative clinical thresholds and must be reviewed by the
//! facility's clinical safety officer before use in care.
//!
//! Readings charted in whole numbers (heart rate, respiratory rate, blood pressure, SpO2) are
//! rounded to the nearest whole number before they are placed in a band, temperature to one
//! decimal, as a nurse would chart them; the stored value keeps the precision measured.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

/// How a reading compares to its age band's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Normal,
    Abnormal,
    Critical,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Normal => "normal",
            Flag::Abnormal => "abnormal",
            Flag::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Flag> {
        match s {
            "normal" => Some(Flag::Normal),
            "abnormal" => Some(Flag::Abnormal),
            "critical" => Some(Flag::Critical),
            _ => None,
        }
    }
    /// The text shown beside the value (never colour alone).
    pub fn label(self) -> &'static str {
        match self {
            Flag::Normal => "Normal",
            Flag::Abnormal => "Abnormal",
            Flag::Critical => "Critical",
        }
    }
    /// The badge class of the flag.
    pub fn badge(self) -> &'static str {
        match self {
            Flag::Normal => "badge-ok",
            Flag::Abnormal => "badge-warn",
            Flag::Critical => "badge-danger",
        }
    }
}

/// The age bands the ranges are given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBand {
    /// Under 28 days.
    Neonate,
    /// 28 days to under 1 year.
    Infant,
    /// 1 to 12 years (the whole years, for the hypotension limit).
    Child(i32),
    /// 13 to 17 years.
    Adolescent,
    /// 18 years and over (and when the date of birth is unknown).
    Adult,
}

impl AgeBand {
    /// The band on `on` for a patient born on `birth` (unknown: adult).
    pub fn of(birth: Option<Date>, on: Date) -> AgeBand {
        let Some(b) = birth else { return AgeBand::Adult };
        if (on - b).whole_days() < 28 {
            return AgeBand::Neonate;
        }
        let mut years = on.year() - b.year();
        if (on.month() as u8, on.day()) < (b.month() as u8, b.day()) {
            years -= 1;
        }
        match years {
            i32::MIN..=0 => AgeBand::Infant,
            1..=12 => AgeBand::Child(years),
            13..=17 => AgeBand::Adolescent,
            _ => AgeBand::Adult,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::Neonate => "neonate",
            AgeBand::Infant => "infant",
            AgeBand::Child(_) => "child",
            AgeBand::Adolescent => "adolescent",
            AgeBand::Adult => "adult",
        }
    }
}

/// A range: normal within `[lo, hi]`; critical at or below `crit_lo` or at or above `crit_hi`;
/// abnormal otherwise.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: f64,
    hi: f64,
    crit_lo: Option<f64>,
    crit_hi: Option<f64>,
}

const fn r(lo: f64, hi: f64, crit_lo: Option<f64>, crit_hi: Option<f64>) -> Range {
    Range { lo, hi, crit_lo, crit_hi }
}

impl Range {
    fn flag(&self, v: f64) -> Flag {
        if self.crit_lo.is_some_and(|c| v <= c) || self.crit_hi.is_some_and(|c| v >= c) {
            Flag::Critical
        } else if v < self.lo || v > self.hi {
            Flag::Abnormal
        } else {
            Flag::Normal
        }
    }
}

fn whole(v: f64) -> f64 {
    v.round()
}

fn tenth(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Heart rate (/min). PALS 2020 awake ranges; adults from NEWS2.
fn pulse_range(band: AgeBand) -> Range {
    match band {
        AgeBand::Neonate => r(100.0, 205.0, Some(59.0), Some(220.0)),
        AgeBand::Infant => r(100.0, 180.0, Some(59.0), Some(220.0)),
        AgeBand::Child(_) => r(70.0, 140.0, Some(59.0), Some(180.0)),
        AgeBand::Adolescent => r(60.0, 100.0, Some(40.0), Some(150.0)),
        // NEWS2: ≤ 40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥ 131 → 3.
        AgeBand::Adult => r(51.0, 90.0, Some(40.0), Some(131.0)),
    }
}

/// Respiratory rate (/min). PALS 2020; adults from NEWS2.
fn resp_range(band: AgeBand) -> Range {
    match band {
        AgeBand::Neonate => r(30.0, 60.0, Some(19.0), Some(70.0)),
        AgeBand::Infant => r(30.0, 53.0, Some(19.0), Some(65.0)),
        AgeBand::Child(_) => r(18.0, 37.0, Some(11.0), Some(50.0)),
        AgeBand::Adolescent => r(12.0, 20.0, Some(8.0), Some(30.0)),
        // NEWS2: ≤ 8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥ 25 → 3.
        AgeBand::Adult => r(12.0, 20.0, Some(8.0), Some(25.0)),
    }
}

/// Systolic pressure (mmHg). PALS 2020 normal ranges and hypotension; adults NEWS2 and AHA.
fn systolic_range(band: AgeBand) -> Range {
    match band {
        AgeBand::Neonate => r(67.0, 84.0, Some(59.0), Some(100.0)),
        AgeBand::Infant => r(72.0, 104.0, Some(69.0), Some(120.0)),
        AgeBand::Child(y) => {
            let hypo = if y >= 10 { 90.0 } else { 70.0 + 2.0 * f64::from(y) };
            r(86.0, 120.0, Some(hypo - 1.0), Some(140.0))
        }
        AgeBand::Adolescent => r(110.0, 131.0, Some(89.0), Some(180.0)),
        // NEWS2: ≤ 90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥ 220 → 3; AHA: ≥ 140 stage 2.
        AgeBand::Adult => r(111.0, 139.0, Some(90.0), Some(220.0)),
    }
}

/// Diastolic pressure (mmHg). PALS 2020 normal ranges; adults AHA 2017.
fn diastolic_range(band: AgeBand) -> Range {
    match band {
        AgeBand::Neonate => r(35.0, 53.0, None, None),
        AgeBand::Infant => r(37.0, 56.0, None, None),
        AgeBand::Child(_) => r(42.0, 76.0, None, Some(100.0)),
        AgeBand::Adolescent => r(64.0, 83.0, None, Some(120.0)),
        AgeBand::Adult => r(60.0, 89.0, Some(40.0), Some(120.0)),
    }
}

/// SpO2 (%). Children: 95 % and above normal, below 90 % critical. Adults: NEWS2 scale 1.
fn spo2_range(band: AgeBand) -> Range {
    match band {
        // NEWS2 scale 1: ≤ 91 → 3, 92–93 → 2, 94–95 → 1, ≥ 96 → 0.
        AgeBand::Adult => r(96.0, 100.0, Some(91.0), None),
        _ => r(95.0, 100.0, Some(89.0), None),
    }
}

/// Temperature (°C). NEWS2's zero band 36.1–38.0 (neonates 36.5–37.5, WHO thermal care);
/// critical ≤ 35.0 or ≥ 40.0 (neonates ≥ 38.0, NICE NG143).
fn temp_range(band: AgeBand) -> Range {
    match band {
        AgeBand::Neonate => r(36.5, 37.5, Some(35.0), Some(38.0)),
        _ => r(36.1, 38.0, Some(35.0), Some(40.0)),
    }
}

/// The normal range of a field for an age band (the trend charts' shaded band).
pub fn normal_range(field: &str, band: AgeBand) -> Option<(f64, f64)> {
    let r = match field {
        "temperature_c" => temp_range(band),
        "pulse" => pulse_range(band),
        "resp_rate" => resp_range(band),
        "bp_systolic" => systolic_range(band),
        "bp_diastolic" => diastolic_range(band),
        "spo2" => spo2_range(band),
        _ => return None,
    };
    Some((r.lo, r.hi))
}

/// The flag of one reading, by field name (as in `model::LIMITS`); `None` for a field without
/// ranges (weight, height).
pub fn flag(field: &str, value: f64, band: AgeBand) -> Option<Flag> {
    Some(match field {
        "temperature_c" => temp_range(band).flag(tenth(value)),
        "pulse" => pulse_range(band).flag(whole(value)),
        "resp_rate" => resp_range(band).flag(whole(value)),
        "bp_systolic" => systolic_range(band).flag(whole(value)),
        "bp_diastolic" => diastolic_range(band).flag(whole(value)),
        "spo2" => spo2_range(band).flag(whole(value)),
        // Severe pain (7–10) is abnormal; pain is never critical by itself.
        "pain" => {
            if value >= 7.0 {
                Flag::Abnormal
            } else {
                Flag::Normal
            }
        }
        _ => return None,
    })
}

/// Level of consciousness on the ACVPU scale (NEWS2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acvpu {
    Alert,
    /// New confusion.
    Confusion,
    Voice,
    Pain,
    Unresponsive,
}

impl Acvpu {
    /// From its letter (A, C, V, P, U).
    pub fn parse(s: &str) -> Option<Acvpu> {
        match s {
            "A" => Some(Acvpu::Alert),
            "C" => Some(Acvpu::Confusion),
            "V" => Some(Acvpu::Voice),
            "P" => Some(Acvpu::Pain),
            "U" => Some(Acvpu::Unresponsive),
            _ => None,
        }
    }
}

/// The NEWS2 clinical response band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 0–4: ward-based response.
    Low,
    /// A score of 3 in any single parameter (total under 5): urgent ward-based response.
    LowMedium,
    /// 5–6: key threshold for urgent response.
    Medium,
    /// 7 or more: urgent or emergency response.
    High,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::LowMedium => "low_medium",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Band> {
        match s {
            "low" => Some(Band::Low),
            "low_medium" => Some(Band::LowMedium),
            "medium" => Some(Band::Medium),
            "high" => Some(Band::High),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Band::Low => "low clinical risk",
            Band::LowMedium => "low–medium clinical risk (a single parameter scored 3)",
            Band::Medium => "medium clinical risk",
            Band::High => "high clinical risk",
        }
    }
    /// From the total and whether a single parameter scored 3 (RCP 2017).
    pub fn of(total: i32, any_three: bool) -> Band {
        if total >= 7 {
            Band::High
        } else if total >= 5 {
            Band::Medium
        } else if any_three {
            Band::LowMedium
        } else {
            Band::Low
        }
    }
}

/// The readings NEWS2 takes (adults).
#[derive(Debug, Clone, Copy, Default)]
pub struct News2Input {
    pub resp_rate: Option<f64>,
    pub spo2: Option<f64>,
    /// Supplemental oxygen (`Some(false)`: air).
    pub on_oxygen: Option<bool>,
    pub bp_systolic: Option<f64>,
    pub pulse: Option<f64>,
    pub consciousness: Option<Acvpu>,
    pub temperature_c: Option<f64>,
}

/// A NEWS2 result: the total and band when every parameter was recorded, otherwise the
/// missing parameters (the score is *incomplete*, never low) and what the recorded ones add up
/// to so far (a lower bound of the total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News2 {
    /// The sum of the recorded parameters' scores.
    pub partial: i32,
    /// Some parameter scored 3.
    pub any_three: bool,
    /// The parameters not recorded (empty: complete).
    pub missing: Vec<&'static str>,
}

impl News2 {
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
    /// The total, when complete.
    pub fn total(&self) -> Option<i32> {
        self.complete().then_some(self.partial)
    }
    /// The band, when complete.
    pub fn band(&self) -> Option<Band> {
        self.total().map(|t| Band::of(t, self.any_three))
    }
    /// Whether the score calls for the responsible clinician: 5 or more (the recorded
    /// parameters already add up to 5 when incomplete) or 3 in a single parameter.
    pub fn escalate(&self) -> bool {
        self.partial >= 5 || self.any_three
    }
}

/// NEWS2 parameter scores (RCP 2017 chart, SpO2 scale 1).
pub fn score_resp(v: f64) -> i32 {
    match whole(v) as i64 {
        ..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        _ => 3,
    }
}

pub fn score_spo2(v: f64) -> i32 {
    match whole(v) as i64 {
        ..=91 => 3,
        92..=93 => 2,
        94..=95 => 1,
        _ => 0,
    }
}

pub fn score_systolic(v: f64) -> i32 {
    match whole(v) as i64 {
        ..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        _ => 3,
    }
}

pub fn score_pulse(v: f64) -> i32 {
    match whole(v) as i64 {
        ..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        _ => 3,
    }
}

pub fn score_temp(v: f64) -> i32 {
    // In tenths of a degree: ≤ 35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥ 39.1 → 2.
    match (v * 10.0).round() as i64 {
        ..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        _ => 2,
    }
}

pub fn score_consciousness(c: Acvpu) -> i32 {
    if c == Acvpu::Alert {
        0
    } else {
        3
    }
}

pub fn score_oxygen(on: bool) -> i32 {
    if on {
        2
    } else {
        0
    }
}

/// The NEWS2 score of a set of readings.
pub fn news2(i: &News2Input) -> News2 {
    let scores: [(&'static str, Option<i32>); 7] = [
        ("respiration rate", i.resp_rate.map(score_resp)),
        ("SpO2", i.spo2.map(score_spo2)),
        ("air or oxygen", i.on_oxygen.map(score_oxygen)),
        ("systolic blood pressure", i.bp_systolic.map(score_systolic)),
        ("pulse", i.pulse.map(score_pulse)),
        ("consciousness", i.consciousness.map(score_consciousness)),
        ("temperature", i.temperature_c.map(score_temp)),
    ];
    News2 {
        partial: scores.iter().filter_map(|(_, s)| *s).sum(),
        any_three: scores.iter().any(|(_, s)| *s == Some(3)),
        missing: scores.iter().filter(|(_, s)| s.is_none()).map(|(n, _)| *n).collect(),
    }
}

/// A previous measurement of weight or height, to compare a new one with.
#[derive(Debug, Clone, Copy)]
pub struct Previous {
    pub at: OffsetDateTime,
    pub value: f64,
}

/// An adult height that differs by 5 cm or more from one measured within a year before.
pub fn height_change(band: AgeBand, at: OffsetDateTime, height: f64, prev: Option<Previous>) -> Option<String> {
    let p = prev?;
    if band != AgeBand::Adult || at - p.at > Duration::days(365) || at < p.at {
        return None;
    }
    let diff = height - p.value;
    (diff.abs() >= 5.0).then(|| {
        format!(
            "Implausible change: height {} cm differs by {} cm from {} cm measured {} — check the measurement.",
            super::model::fmt(height),
            super::model::fmt((diff.abs() * 10.0).round() / 10.0),
            super::model::fmt(p.value),
            p.at.date()
        )
    })
}

/// A weight that differs by 10 % or more from one measured within 24 hours before.
pub fn weight_change(at: OffsetDateTime, weight: f64, prev: Option<Previous>) -> Option<String> {
    let p = prev?;
    if at - p.at > Duration::hours(24) || at < p.at || p.value <= 0.0 {
        return None;
    }
    let pct = (weight - p.value) / p.value * 100.0;
    (pct.abs() >= 10.0 - 1e-9).then(|| {
        format!(
            "Implausible change: weight {} kg is {}{:.0} % from {} kg within 24 hours — check the measurement.",
            super::model::fmt(weight),
            if pct > 0.0 { "+" } else { "−" },
            pct.abs(),
            super::model::fmt(p.value)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const ON: Date = date!(2026 - 12 - 01);

    #[test]
    fn age_bands_at_their_boundaries() {
        assert_eq!(AgeBand::of(None, ON), AgeBand::Adult);
        assert_eq!(AgeBand::of(Some(date!(2026 - 11 - 04)), ON), AgeBand::Neonate); // 27 days
        assert_eq!(AgeBand::of(Some(date!(2026 - 11 - 03)), ON), AgeBand::Infant); // 28 days
        assert_eq!(AgeBand::of(Some(date!(2025 - 12 - 02)), ON), AgeBand::Infant); // a day short of 1 y
        assert_eq!(AgeBand::of(Some(date!(2025 - 12 - 01)), ON), AgeBand::Child(1));
        assert_eq!(AgeBand::of(Some(date!(2013 - 12 - 02)), ON), AgeBand::Child(12));
        assert_eq!(AgeBand::of(Some(date!(2013 - 12 - 01)), ON), AgeBand::Adolescent);
        assert_eq!(AgeBand::of(Some(date!(2008 - 12 - 02)), ON), AgeBand::Adolescent);
        assert_eq!(AgeBand::of(Some(date!(2008 - 12 - 01)), ON), AgeBand::Adult);
    }

    /// Each (value, flag) pair in order across a parameter's boundaries.
    fn walk(field: &str, band: AgeBand, cases: &[(f64, Flag)]) {
        for (v, want) in cases {
            assert_eq!(flag(field, *v, band), Some(*want), "{field} {v} for {band:?}");
        }
    }

    use Flag::{Abnormal as A, Critical as C, Normal as N};

    #[test]
    fn adult_flags_follow_news2() {
        let ad = AgeBand::Adult;
        walk("pulse", ad, &[(40.0, C), (41.0, A), (50.0, A), (51.0, N), (90.0, N), (91.0, A), (130.0, A), (131.0, C)]);
        walk("pulse", ad, &[(40.4, C), (40.5, A), (90.4, N), (90.5, A)]);
        walk("resp_rate", ad, &[(8.0, C), (9.0, A), (11.0, A), (12.0, N), (20.0, N), (21.0, A), (24.0, A), (25.0, C)]);
        walk(
            "bp_systolic",
            ad,
            &[(90.0, C), (91.0, A), (110.0, A), (111.0, N), (139.0, N), (140.0, A), (219.0, A), (220.0, C)],
        );
        walk(
            "bp_diastolic",
            ad,
            &[(40.0, C), (41.0, A), (59.0, A), (60.0, N), (89.0, N), (90.0, A), (119.0, A), (120.0, C)],
        );
        walk("spo2", ad, &[(91.0, C), (92.0, A), (95.0, A), (96.0, N), (100.0, N)]);
        walk(
            "temperature_c",
            ad,
            &[(35.0, C), (35.1, A), (36.0, A), (36.1, N), (38.0, N), (38.1, A), (39.9, A), (40.0, C)],
        );
        walk("temperature_c", ad, &[(36.04, A), (36.08, N)]);
        walk("pain", ad, &[(6.0, N), (6.5, N), (7.0, A), (10.0, A)]);
        assert_eq!(flag("weight_kg", 70.0, ad), None);
        assert_eq!(normal_range("pulse", ad), Some((51.0, 90.0)));
        assert_eq!(normal_range("pulse", AgeBand::Infant), Some((100.0, 180.0)));
        assert_eq!(normal_range("weight_kg", ad), None);
        assert_eq!(flag("height_cm", 170.0, ad), None);
    }

    #[test]
    fn neonate_flags() {
        let b = AgeBand::Neonate;
        walk(
            "pulse",
            b,
            &[(59.0, C), (60.0, A), (99.0, A), (100.0, N), (205.0, N), (206.0, A), (219.0, A), (220.0, C)],
        );
        walk("resp_rate", b, &[(19.0, C), (20.0, A), (29.0, A), (30.0, N), (60.0, N), (61.0, A), (69.0, A), (70.0, C)]);
        walk(
            "bp_systolic",
            b,
            &[(59.0, C), (60.0, A), (66.0, A), (67.0, N), (84.0, N), (85.0, A), (99.0, A), (100.0, C)],
        );
        walk("bp_diastolic", b, &[(34.0, A), (35.0, N), (53.0, N), (54.0, A)]);
        walk("spo2", b, &[(89.0, C), (90.0, A), (94.0, A), (95.0, N)]);
        walk(
            "temperature_c",
            b,
            &[(35.0, C), (35.1, A), (36.4, A), (36.5, N), (37.5, N), (37.6, A), (37.9, A), (38.0, C)],
        );
    }

    #[test]
    fn infant_flags() {
        let b = AgeBand::Infant;
        walk(
            "pulse",
            b,
            &[(59.0, C), (60.0, A), (99.0, A), (100.0, N), (180.0, N), (181.0, A), (219.0, A), (220.0, C)],
        );
        walk("resp_rate", b, &[(19.0, C), (20.0, A), (29.0, A), (30.0, N), (53.0, N), (54.0, A), (64.0, A), (65.0, C)]);
        walk(
            "bp_systolic",
            b,
            &[(69.0, C), (70.0, A), (71.0, A), (72.0, N), (104.0, N), (105.0, A), (119.0, A), (120.0, C)],
        );
        walk("bp_diastolic", b, &[(36.0, A), (37.0, N), (56.0, N), (57.0, A)]);
        walk("spo2", b, &[(89.0, C), (90.0, A), (94.0, A), (95.0, N)]);
        walk(
            "temperature_c",
            b,
            &[(35.0, C), (35.1, A), (36.0, A), (36.1, N), (38.0, N), (38.1, A), (39.9, A), (40.0, C)],
        );
    }

    #[test]
    fn child_flags_with_the_pals_hypotension_limit() {
        let b = AgeBand::Child(4);
        walk("pulse", b, &[(59.0, C), (60.0, A), (69.0, A), (70.0, N), (140.0, N), (141.0, A), (179.0, A), (180.0, C)]);
        walk("resp_rate", b, &[(11.0, C), (12.0, A), (17.0, A), (18.0, N), (37.0, N), (38.0, A), (49.0, A), (50.0, C)]);
        // 70 + 2 × 4 = 78: below it is hypotension.
        walk(
            "bp_systolic",
            b,
            &[(77.0, C), (78.0, A), (85.0, A), (86.0, N), (120.0, N), (121.0, A), (139.0, A), (140.0, C)],
        );
        walk("bp_systolic", AgeBand::Child(1), &[(71.0, C), (72.0, A)]);
        walk("bp_systolic", AgeBand::Child(10), &[(89.0, C), (90.0, N)]);
        walk("bp_systolic", AgeBand::Child(12), &[(89.0, C), (90.0, N)]);
        walk("bp_diastolic", b, &[(41.0, A), (42.0, N), (76.0, N), (77.0, A), (99.0, A), (100.0, C)]);
        walk("spo2", b, &[(89.0, C), (90.0, A), (94.0, A), (95.0, N)]);
        walk("temperature_c", b, &[(35.0, C), (35.1, A), (36.1, N), (38.0, N), (38.1, A), (40.0, C)]);
    }

    #[test]
    fn adolescent_flags() {
        let b = AgeBand::Adolescent;
        walk("pulse", b, &[(40.0, C), (41.0, A), (59.0, A), (60.0, N), (100.0, N), (101.0, A), (149.0, A), (150.0, C)]);
        walk("resp_rate", b, &[(8.0, C), (9.0, A), (11.0, A), (12.0, N), (20.0, N), (21.0, A), (29.0, A), (30.0, C)]);
        walk(
            "bp_systolic",
            b,
            &[(89.0, C), (90.0, A), (109.0, A), (110.0, N), (131.0, N), (132.0, A), (179.0, A), (180.0, C)],
        );
        walk("bp_diastolic", b, &[(63.0, A), (64.0, N), (83.0, N), (84.0, A), (119.0, A), (120.0, C)]);
        walk("spo2", b, &[(89.0, C), (90.0, A), (94.0, A), (95.0, N)]);
    }

    #[test]
    fn news2_parameter_scores_at_every_boundary() {
        for (v, s) in [(8.0, 3), (9.0, 1), (11.0, 1), (12.0, 0), (20.0, 0), (21.0, 2), (24.0, 2), (25.0, 3)] {
            assert_eq!(score_resp(v), s, "resp {v}");
        }
        for (v, s) in [(91.0, 3), (92.0, 2), (93.0, 2), (94.0, 1), (95.0, 1), (96.0, 0), (100.0, 0)] {
            assert_eq!(score_spo2(v), s, "spo2 {v}");
        }
        for (v, s) in [(90.0, 3), (91.0, 2), (100.0, 2), (101.0, 1), (110.0, 1), (111.0, 0), (219.0, 0), (220.0, 3)] {
            assert_eq!(score_systolic(v), s, "sbp {v}");
        }
        for (v, s) in [
            (40.0, 3),
            (41.0, 1),
            (50.0, 1),
            (51.0, 0),
            (90.0, 0),
            (91.0, 1),
            (110.0, 1),
            (111.0, 2),
            (130.0, 2),
            (131.0, 3),
        ] {
            assert_eq!(score_pulse(v), s, "pulse {v}");
        }
        for (v, s) in
            [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2), (41.0, 2)]
        {
            assert_eq!(score_temp(v), s, "temp {v}");
        }
        assert_eq!(score_oxygen(true), 2);
        assert_eq!(score_oxygen(false), 0);
        assert_eq!(score_consciousness(Acvpu::Alert), 0);
        for c in [Acvpu::Confusion, Acvpu::Voice, Acvpu::Pain, Acvpu::Unresponsive] {
            assert_eq!(score_consciousness(c), 3);
        }
        // Decimals are charted to the nearest whole number.
        assert_eq!(score_resp(20.4), 0);
        assert_eq!(score_resp(20.5), 2);
        assert_eq!(score_systolic(110.5), 0);
    }

    fn full(resp: f64, spo2: f64, o2: bool, sbp: f64, pulse: f64, c: Acvpu, temp: f64) -> News2Input {
        News2Input {
            resp_rate: Some(resp),
            spo2: Some(spo2),
            on_oxygen: Some(o2),
            bp_systolic: Some(sbp),
            pulse: Some(pulse),
            consciousness: Some(c),
            temperature_c: Some(temp),
        }
    }

    #[test]
    fn news2_bands_at_their_boundaries() {
        use Acvpu::Alert;
        // 0
        let n = news2(&full(16.0, 98.0, false, 120.0, 70.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(0), Some(Band::Low)));
        assert!(!n.escalate());
        // 4: pulse 111–130 (2) + oxygen (2)
        let n = news2(&full(16.0, 98.0, true, 120.0, 120.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(4), Some(Band::Low)));
        assert!(!n.escalate());
        // 3 in one parameter (SpO2 91), total 3: low–medium.
        let n = news2(&full(16.0, 91.0, false, 120.0, 70.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(3), Some(Band::LowMedium)));
        assert!(n.escalate());
        // 5: medium.
        let n = news2(&full(22.0, 98.0, true, 105.0, 70.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(5), Some(Band::Medium)));
        assert!(n.escalate());
        // 6: medium.
        let n = news2(&full(22.0, 98.0, true, 100.0, 70.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(6), Some(Band::Medium)));
        // 7: high.
        let n = news2(&full(22.0, 98.0, true, 100.0, 95.0, Alert, 37.0));
        assert_eq!((n.total(), n.band()), (Some(7), Some(Band::High)));
        // The set: T 40.8, P 148, BP 78, RR 32, SpO2 84, air, alert: 2+3+3+3+3 = 14.
        let n = news2(&full(32.0, 84.0, false, 78.0, 148.0, Alert, 40.8));
        assert_eq!((n.total(), n.band()), (Some(14), Some(Band::High)));
        assert_eq!(Band::of(4, true), Band::LowMedium);
        assert_eq!(Band::of(5, true), Band::Medium);
        assert_eq!(Band::of(7, true), Band::High);
    }

    #[test]
    fn a_missing_parameter_makes_news2_incomplete_never_low() {
        let n = news2(&News2Input { pulse: Some(70.0), resp_rate: Some(16.0), ..Default::default() });
        assert_eq!(n.total(), None);
        assert_eq!(n.band(), None);
        assert_eq!(n.missing.len(), 5);
        assert!(n.missing.contains(&"air or oxygen") && n.missing.contains(&"consciousness"));
        // Incomplete but already 5 or a single 3: escalate.
        let n = news2(&News2Input { spo2: Some(84.0), ..Default::default() });
        assert!(n.escalate() && n.total().is_none());
        let n = news2(&News2Input {
            pulse: Some(120.0),
            resp_rate: Some(22.0),
            temperature_c: Some(38.5),
            ..Default::default()
        });
        assert_eq!(n.partial, 5);
        assert!(n.escalate());
    }

    #[test]
    fn implausible_changes() {
        let at = datetime!(2026-12-01 10:00 UTC);
        let prev = |d: Duration, v: f64| Some(Previous { at: at - d, value: v });
        // Height: 5 cm within a year in an adult.
        assert!(height_change(AgeBand::Adult, at, 188.0, prev(Duration::days(30), 170.0)).unwrap().contains("18 cm"));
        assert!(height_change(AgeBand::Adult, at, 175.0, prev(Duration::days(30), 170.0)).is_some());
        assert!(height_change(AgeBand::Adult, at, 174.9, prev(Duration::days(30), 170.0)).is_none());
        assert!(height_change(AgeBand::Adult, at, 165.0, prev(Duration::days(365), 170.0)).is_some());
        assert!(height_change(AgeBand::Adult, at, 165.0, prev(Duration::days(366), 170.0)).is_none());
        assert!(height_change(AgeBand::Child(8), at, 140.0, prev(Duration::days(200), 130.0)).is_none());
        assert!(height_change(AgeBand::Adult, at, 188.0, None).is_none());
        // Weight: ±10 % within 24 h.
        assert!(weight_change(at, 77.0, prev(Duration::hours(20), 70.0)).unwrap().contains("+10 %"));
        assert!(weight_change(at, 63.0, prev(Duration::hours(24), 70.0)).unwrap().contains("−10 %"));
        assert!(weight_change(at, 76.9, prev(Duration::hours(20), 70.0)).is_none());
        assert!(weight_change(at, 80.0, prev(Duration::hours(25), 70.0)).is_none());
    }
}
