//! The Emergency Severity Index v4 as a pure function: the decision points A–D in order, each
//! answer recorded, with the danger-zone vital signs and the fever rules by age.
//!
//! - (A) requires an immediate life-saving intervention, or is unresponsive (AVPU P or U) → ESI 1.
//! - (B) a high-risk situation, new confusion/lethargy/disorientation, or severe pain/distress →
//!   ESI 2 (the nurse's judgement, recorded). A neonate (0–28 days) with T > 38.0 °C is at least
//!   ESI 2 (deterministic).
//! - (C) how many different resources: none → 5, one → 4, two or more → (D).
//! - (D) danger-zone vital signs for the age band → the nurse considers ESI 2 (recorded whether
//!   accepted); 1–3 months with T > 38.0 °C → consider ESI 2; 3–36 months with T > 39.0 °C and
//!   incomplete immunisation or no obvious source → consider ESI 3.
//!
//! Age bands use completed units: under 3 months is fewer than 3 completed months; exactly 3
//! months is in 3 months–3 years; exactly 3 years is in 3–8 years; 3–8 years includes the whole
//! ninth year of life (8 completed years); "over 8 years" starts at 9 completed years. A neonate is
//! 0–28 days old; day 29 is in the 1–3 months band.

use serde::{Deserialize, Serialize};
use time::Date;

/// An age band, known from the date of birth or estimated by the nurse (never a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// 0–28 days.
    Neonate,
    /// 29 days to under 3 months.
    #[serde(rename = "under_3m")]
    Under3m,
    /// 3 months to under 3 years.
    #[serde(rename = "3m_3y")]
    M3Y3,
    /// 3 to 8 years (8 completed years included).
    #[serde(rename = "3y_8y")]
    Y3Y8,
    /// 9 to 15 completed years.
    #[serde(rename = "8y_16y")]
    Y8Y16,
    /// 16 years and over.
    Adult,
}

pub const BANDS: [(&str, &str); 6] = [
    ("neonate", "Newborn, 0–28 days"),
    ("under_3m", "29 days to 3 months"),
    ("3m_3y", "3 months to 3 years"),
    ("3y_8y", "3 to 8 years"),
    ("8y_16y", "Over 8, under 16 years"),
    ("adult", "16 years or over"),
];

impl AgeBand {
    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Neonate => "neonate",
            AgeBand::Under3m => "under_3m",
            AgeBand::M3Y3 => "3m_3y",
            AgeBand::Y3Y8 => "3y_8y",
            AgeBand::Y8Y16 => "8y_16y",
            AgeBand::Adult => "adult",
        }
    }

    pub fn parse(s: &str) -> Option<AgeBand> {
        Some(match s {
            "neonate" => AgeBand::Neonate,
            "under_3m" => AgeBand::Under3m,
            "3m_3y" => AgeBand::M3Y3,
            "3y_8y" => AgeBand::Y3Y8,
            "8y_16y" => AgeBand::Y8Y16,
            "adult" => AgeBand::Adult,
            _ => return None,
        })
    }

    /// The band on `on` of a patient born on `birth` (completed days, months, years).
    pub fn of(birth: Date, on: Date) -> AgeBand {
        let days = (on - birth).whole_days();
        if days <= 28 {
            return AgeBand::Neonate;
        }
        let (months, years) = completed(birth, on);
        if months < 3 {
            AgeBand::Under3m
        } else if years < 3 {
            AgeBand::M3Y3
        } else if years <= 8 {
            AgeBand::Y3Y8
        } else if years < 16 {
            AgeBand::Y8Y16
        } else {
            AgeBand::Adult
        }
    }

    /// Under 16: a weight (measured or estimated) is required.
    pub fn child(self) -> bool {
        self != AgeBand::Adult
    }

    /// The danger-zone heart and respiratory rates (above them is danger).
    pub fn danger_limits(self) -> (f64, f64) {
        match self {
            AgeBand::Neonate | AgeBand::Under3m => (180.0, 50.0),
            AgeBand::M3Y3 => (160.0, 40.0),
            AgeBand::Y3Y8 => (140.0, 30.0),
            AgeBand::Y8Y16 | AgeBand::Adult => (100.0, 20.0),
        }
    }
}

/// Completed months and years between two dates.
fn completed(birth: Date, on: Date) -> (i32, i32) {
    let mut months = (on.year() - birth.year()) * 12 + (on.month() as i32 - birth.month() as i32);
    if on.day() < birth.day() {
        months -= 1;
    }
    let months = months.max(0);
    (months, months / 12)
}

/// The days of age when the date of birth is known (for the neonatal fever rule).
pub fn age_days(birth: Date, on: Date) -> i64 {
    (on - birth).whole_days()
}

/// The answers of a triage (the nurse's form) that the algorithm reads.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub life_saving: bool,
    /// A, V, P or U (None: not recorded).
    pub avpu: Option<char>,
    pub high_risk: bool,
    pub confused: bool,
    pub severe_pain: bool,
    pub resources: u32,
    pub pulse: Option<f64>,
    pub resp_rate: Option<f64>,
    pub spo2: Option<f64>,
    pub temperature_c: Option<f64>,
    /// 3–36 months: immunisations incomplete, or no obvious source of the fever.
    pub fever_risk: bool,
    /// The nurse accepted the prompt of (D) or of a fever rule (upgrade to the level prompted).
    pub accept_upgrade: bool,
}

/// One step of the path: the decision point, what was answered, what it decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// A, B, C, D or fever.
    pub point: &'static str,
    pub answer: String,
    /// The level this step decided, if it did.
    pub level: Option<u8>,
}

/// What the algorithm says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The level reached through the decision points with the nurse's recorded answers.
    pub level: u8,
    /// The decision point that decided it: A, B, fever, C or D.
    pub decided_by: &'static str,
    pub steps: Vec<Step>,
    /// Danger-zone vital signs were present.
    pub danger_zone: bool,
    /// The prompts shown (consider ESI 2, consider ESI 3), in words.
    pub prompts: Vec<String>,
}

/// Whether the vital signs are in the danger zone for the band (HR, RR above the band's
/// limits, or SpO2 under 92 %).
pub fn danger_zone(band: AgeBand, a: &Answers) -> Vec<String> {
    let (hr, rr) = band.danger_limits();
    let mut found = Vec::new();
    if let Some(p) = a.pulse.filter(|p| *p > hr) {
        found.push(format!("HR {p} > {hr}"));
    }
    if let Some(r) = a.resp_rate.filter(|r| *r > rr) {
        found.push(format!("RR {r} > {rr}"));
    }
    if let Some(s) = a.spo2.filter(|s| *s < 92.0) {
        found.push(format!("SpO2 {s} < 92"));
    }
    found
}

/// Runs the decision points in order. `days` is the age in days when the date of birth is
/// known (the neonatal rule needs it; an estimated band "neonate" applies the rule too).
pub fn assess(band: AgeBand, a: &Answers) -> Outcome {
    let mut steps = Vec::new();
    let mut prompts = Vec::new();
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    let dz = danger_zone(band, a);
    let danger = !dz.is_empty();
    // (A)
    let unresponsive = matches!(a.avpu, Some('P') | Some('U'));
    let a_yes = a.life_saving || unresponsive;
    steps.push(Step {
        point: "A",
        answer: format!(
            "life-saving intervention: {}; AVPU: {}",
            yes(a.life_saving),
            a.avpu.map(String::from).unwrap_or_else(|| "not recorded".into())
        ),
        level: a_yes.then_some(1),
    });
    if a_yes {
        return Outcome { level: 1, decided_by: "A", steps, danger_zone: danger, prompts };
    }
    // (B)
    let b_yes = a.high_risk || a.confused || a.severe_pain;
    steps.push(Step {
        point: "B",
        answer: format!(
            "high risk: {}; new confusion, lethargy or disorientation: {}; severe pain or distress: {}",
            yes(a.high_risk),
            yes(a.confused),
            yes(a.severe_pain)
        ),
        level: b_yes.then_some(2),
    });
    if b_yes {
        return Outcome { level: 2, decided_by: "B", steps, danger_zone: danger, prompts };
    }
    // Fever in a neonate: at least ESI 2, whatever the resources.
    let fever38 = a.temperature_c.is_some_and(|t| t > 38.0);
    if band == AgeBand::Neonate && fever38 {
        steps.push(Step { point: "fever", answer: "0–28 days with T > 38.0 °C".into(), level: Some(2) });
        return Outcome { level: 2, decided_by: "fever", steps, danger_zone: danger, prompts };
    }
    // (C)
    let c_level = match a.resources {
        0 => Some(5),
        1 => Some(4),
        _ => None,
    };
    steps.push(Step { point: "C", answer: format!("resources expected: {}", a.resources), level: c_level });
    // Prompts that may raise the level (the nurse's judgement, recorded).
    let mut consider: Option<u8> = None;
    if danger {
        prompts.push(format!("Danger-zone vital signs ({}): consider ESI 2.", dz.join(", ")));
        consider = Some(2);
    }
    if band == AgeBand::Under3m && fever38 {
        prompts.push("1–3 months with T > 38.0 °C: consider ESI 2.".into());
        consider = Some(2);
    }
    if band == AgeBand::M3Y3 && a.temperature_c.is_some_and(|t| t > 39.0) && a.fever_risk {
        prompts.push(
            "3–36 months with T > 39.0 °C and incomplete immunisation or no obvious source: consider ESI 3.".into(),
        );
        consider = consider.or(Some(3));
    }
    match c_level {
        Some(l) => {
            // Fewer than two resources: a fever prompt may still raise it (danger-zone vital
            // signs belong to (D), reached with two or more resources, but are shown too).
            if let (Some(c), true) = (consider, a.accept_upgrade) {
                if c < l {
                    steps.push(Step { point: "fever", answer: "prompt accepted".into(), level: Some(c) });
                    return Outcome { level: c, decided_by: "fever", steps, danger_zone: danger, prompts };
                }
            }
            Outcome { level: l, decided_by: "C", steps, danger_zone: danger, prompts }
        }
        None => {
            // (D)
            let up = consider.filter(|_| a.accept_upgrade).unwrap_or(3).min(3);
            steps.push(Step {
                point: "D",
                answer: format!(
                    "danger-zone vital signs: {}; upgrade accepted: {}",
                    if dz.is_empty() { "none".into() } else { dz.join(", ") },
                    yes(a.accept_upgrade && consider.is_some())
                ),
                level: Some(up),
            });
            Outcome { level: up, decided_by: "D", steps, danger_zone: danger, prompts }
        }
    }
}

/// The ESI resources shown on the form: (code, label, how many resources it counts).
pub const RESOURCES: [(&str, &str, u32); 9] = [
    ("labs", "Laboratory tests (however many)", 1),
    ("ecg", "ECG", 1),
    ("xray", "X-ray", 1),
    ("imaging", "CT, MRI or ultrasound", 1),
    ("iv_fluids", "IV fluids (hydration)", 1),
    ("medication", "IV, IM or nebulised medication", 1),
    ("consult", "Specialist consultation", 1),
    ("simple_procedure", "Simple procedure (laceration repair, catheter)", 1),
    ("complex_procedure", "Complex procedure or conscious sedation", 2),
];

/// What does not count as a resource (shown on the form).
pub const NOT_RESOURCES: &str = "Not resources: history and examination, point-of-care tests, saline or heparin lock, \
     oral medication, tetanus immunisation, prescription refills, phone call to the GP, simple wound care \
     (dressings, recheck), crutches, splints, slings.";

/// The number of resources of a list of resource codes (unknown codes are the caller's error).
pub fn count_resources(codes: &[String]) -> u32 {
    codes.iter().filter_map(|c| RESOURCES.iter().find(|(k, ..)| k == c)).map(|(_, _, n)| n).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn adult() -> Answers {
        Answers { avpu: Some('A'), ..Default::default() }
    }

    #[test]
    fn a_life_saving_intervention_or_unresponsive_is_esi_1() {
        let o = assess(AgeBand::Adult, &Answers { life_saving: true, ..adult() });
        assert_eq!((o.level, o.decided_by), (1, "A"));
        for avpu in ['P', 'U'] {
            let o = assess(AgeBand::Adult, &Answers { avpu: Some(avpu), ..Default::default() });
            assert_eq!((o.level, o.decided_by), (1, "A"), "{avpu}");
        }
        // V (responds to voice) is not (A); with nothing else and no resources it is ESI 5.
        let o = assess(AgeBand::Adult, &Answers { avpu: Some('V'), ..Default::default() });
        assert_eq!(o.level, 5);
        // A outranks every other answer.
        let o = assess(AgeBand::Adult, &Answers { life_saving: true, high_risk: true, resources: 3, ..adult() });
        assert_eq!(o.level, 1);
        assert_eq!(o.steps.len(), 1, "the path stops at A");
    }

    #[test]
    fn b_high_risk_confusion_or_severe_pain_is_esi_2() {
        for a in [
            Answers { high_risk: true, ..adult() },
            Answers { confused: true, ..adult() },
            Answers { severe_pain: true, ..adult() },
        ] {
            let o = assess(AgeBand::Adult, &a);
            assert_eq!((o.level, o.decided_by), (2, "B"));
            assert_eq!(o.steps.iter().map(|s| s.point).collect::<Vec<_>>(), ["A", "B"]);
        }
    }

    #[test]
    fn c_counts_resources_none_5_one_4_two_goes_to_d() {
        assert_eq!(assess(AgeBand::Adult, &Answers { resources: 0, ..adult() }).level, 5);
        assert_eq!(assess(AgeBand::Adult, &Answers { resources: 1, ..adult() }).level, 4);
        let o = assess(AgeBand::Adult, &Answers { resources: 2, ..adult() });
        assert_eq!((o.level, o.decided_by), (3, "D"));
        assert_eq!(o.steps.iter().map(|s| s.point).collect::<Vec<_>>(), ["A", "B", "C", "D"]);
    }

    #[test]
    fn d_danger_zone_vitals_prompt_esi_2_which_the_nurse_accepts_or_not() {
        let base = Answers { resources: 2, pulse: Some(130.0), ..adult() };
        let o = assess(AgeBand::Adult, &base);
        assert!(o.danger_zone && !o.prompts.is_empty());
        assert_eq!(o.level, 3, "not accepted: ESI 3, the prompt recorded");
        let o = assess(AgeBand::Adult, &Answers { accept_upgrade: true, ..base.clone() });
        assert_eq!((o.level, o.decided_by), (2, "D"));
        // SpO2 under 92 at any age.
        for band in [AgeBand::Neonate, AgeBand::M3Y3, AgeBand::Adult] {
            let o = assess(band, &Answers { resources: 2, spo2: Some(91.0), ..adult() });
            assert!(o.danger_zone, "{band:?}");
            let o = assess(band, &Answers { resources: 2, spo2: Some(92.0), ..adult() });
            assert!(!o.danger_zone, "{band:?}");
        }
        // Accepting an upgrade with nothing to prompt changes nothing.
        let o = assess(AgeBand::Adult, &Answers { resources: 2, accept_upgrade: true, ..adult() });
        assert_eq!(o.level, 3);
    }

    #[test]
    fn danger_zone_limits_per_band() {
        let dz = |band, hr: f64, rr: f64| {
            !danger_zone(band, &Answers { pulse: Some(hr), resp_rate: Some(rr), ..Default::default() }).is_empty()
        };
        assert!(
            !dz(AgeBand::Under3m, 180.0, 50.0) && dz(AgeBand::Under3m, 181.0, 10.0) && dz(AgeBand::Under3m, 90.0, 51.0)
        );
        assert!(!dz(AgeBand::M3Y3, 160.0, 40.0) && dz(AgeBand::M3Y3, 161.0, 10.0) && dz(AgeBand::M3Y3, 90.0, 41.0));
        assert!(!dz(AgeBand::Y3Y8, 140.0, 30.0) && dz(AgeBand::Y3Y8, 141.0, 10.0) && dz(AgeBand::Y3Y8, 90.0, 31.0));
        assert!(!dz(AgeBand::Adult, 100.0, 20.0) && dz(AgeBand::Adult, 101.0, 10.0) && dz(AgeBand::Adult, 60.0, 21.0));
    }

    #[test]
    fn age_edges() {
        let born = date!(2020 - 01 - 15);
        // 28 vs 29 days.
        assert_eq!(AgeBand::of(born, born + time::Duration::days(28)), AgeBand::Neonate);
        assert_eq!(AgeBand::of(born, born + time::Duration::days(29)), AgeBand::Under3m);
        assert_eq!(AgeBand::of(born, born), AgeBand::Neonate);
        // Exactly 3 months.
        assert_eq!(AgeBand::of(born, date!(2020 - 04 - 14)), AgeBand::Under3m);
        assert_eq!(AgeBand::of(born, date!(2020 - 04 - 15)), AgeBand::M3Y3);
        // Exactly 3 years.
        assert_eq!(AgeBand::of(born, date!(2023 - 01 - 14)), AgeBand::M3Y3);
        assert_eq!(AgeBand::of(born, date!(2023 - 01 - 15)), AgeBand::Y3Y8);
        // Exactly 8 years: still 3–8; 9 years: over 8.
        assert_eq!(AgeBand::of(born, date!(2028 - 01 - 15)), AgeBand::Y3Y8);
        assert_eq!(AgeBand::of(born, date!(2029 - 01 - 14)), AgeBand::Y3Y8);
        assert_eq!(AgeBand::of(born, date!(2029 - 01 - 15)), AgeBand::Y8Y16);
        // 16 years: adult.
        assert_eq!(AgeBand::of(born, date!(2036 - 01 - 14)), AgeBand::Y8Y16);
        assert_eq!(AgeBand::of(born, date!(2036 - 01 - 15)), AgeBand::Adult);
        // Born on the 31st: a month later on the 30th is not yet a month.
        assert_eq!(AgeBand::of(date!(2020 - 01 - 31), date!(2020 - 04 - 30)), AgeBand::Under3m);
    }

    #[test]
    fn heart_rate_100_vs_101_at_9_years() {
        let band = AgeBand::of(date!(2015 - 06 - 01), date!(2024 - 06 - 01));
        assert_eq!(band, AgeBand::Y8Y16);
        let at = |hr| assess(band, &Answers { resources: 2, pulse: Some(hr), accept_upgrade: true, ..adult() });
        assert_eq!((at(100.0).level, at(100.0).danger_zone), (3, false));
        assert_eq!((at(101.0).level, at(101.0).danger_zone), (2, true));
    }

    #[test]
    fn edges_of_the_danger_bands_by_age() {
        let born = date!(2020 - 01 - 15);
        // Exactly 3 months: the 3 months–3 years limit (160) applies.
        let b = AgeBand::of(born, date!(2020 - 04 - 15));
        assert!(danger_zone(b, &Answers { pulse: Some(160.0), ..Default::default() }).is_empty());
        assert!(!danger_zone(b, &Answers { pulse: Some(161.0), ..Default::default() }).is_empty());
        // The day before: under 3 months, 170 is not danger.
        let b = AgeBand::of(born, date!(2020 - 04 - 14));
        assert!(danger_zone(b, &Answers { pulse: Some(170.0), ..Default::default() }).is_empty());
        // Exactly 3 years: limit 140.
        let b = AgeBand::of(born, date!(2023 - 01 - 15));
        assert!(!danger_zone(b, &Answers { pulse: Some(150.0), ..Default::default() }).is_empty());
        let b = AgeBand::of(born, date!(2023 - 01 - 14));
        assert!(danger_zone(b, &Answers { pulse: Some(150.0), ..Default::default() }).is_empty());
        // Exactly 8 years: still 140.
        let b = AgeBand::of(born, date!(2028 - 01 - 15));
        assert!(danger_zone(b, &Answers { pulse: Some(120.0), ..Default::default() }).is_empty());
    }

    #[test]
    fn fever_28_vs_29_days_at_38_1() {
        let born = date!(2026 - 01 - 01);
        let t = Answers { temperature_c: Some(38.1), ..adult() };
        let b28 = AgeBand::of(born, born + time::Duration::days(28));
        let o = assess(b28, &t);
        assert_eq!((o.level, o.decided_by), (2, "fever"), "a neonate with fever is at least ESI 2");
        let b29 = AgeBand::of(born, born + time::Duration::days(29));
        let o = assess(b29, &t);
        assert_eq!((o.level, o.decided_by), (5, "C"), "29 days: a prompt only");
        assert!(o.prompts[0].contains("consider ESI 2"));
        let o = assess(b29, &Answers { accept_upgrade: true, ..t.clone() });
        assert_eq!((o.level, o.decided_by), (2, "fever"));
        // 38.0 is not a fever (> 38.0).
        let o = assess(b28, &Answers { temperature_c: Some(38.0), ..adult() });
        assert_eq!(o.level, 5);
    }

    #[test]
    fn fever_3_to_36_months_over_39_with_risk_considers_esi_3() {
        let t = Answers { temperature_c: Some(39.1), fever_risk: true, resources: 1, ..adult() };
        let o = assess(AgeBand::M3Y3, &t);
        assert_eq!(o.level, 4);
        assert!(o.prompts[0].contains("consider ESI 3"));
        let o = assess(AgeBand::M3Y3, &Answers { accept_upgrade: true, ..t.clone() });
        assert_eq!(o.level, 3);
        // Without the risk, or at 39.0, no prompt.
        assert!(assess(AgeBand::M3Y3, &Answers { fever_risk: false, ..t.clone() }).prompts.is_empty());
        assert!(assess(AgeBand::M3Y3, &Answers { temperature_c: Some(39.0), ..t.clone() }).prompts.is_empty());
        // Not in another band.
        assert!(assess(AgeBand::Y3Y8, &t).prompts.is_empty());
    }

    #[test]
    fn resources_count_by_definition() {
        let c = |v: &[&str]| count_resources(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(c(&[]), 0);
        assert_eq!(c(&["labs"]), 1);
        assert_eq!(c(&["labs", "xray"]), 2);
        assert_eq!(c(&["complex_procedure"]), 2);
        assert_eq!(c(&["unknown"]), 0);
    }

    #[test]
    fn bands_parse_back() {
        for (code, _) in BANDS {
            assert_eq!(AgeBand::parse(code).map(AgeBand::code), Some(code));
        }
        assert_eq!(AgeBand::parse("grown-up"), None);
    }
}
