//! Vital signs: plausibility limits, the form and the typed input, validation, rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::ranges::{self, Acvpu, AgeBand, Band, Flag, News2, News2Input};
use crate::read_time;
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// (field, label, min, max, unit): the same limits as the table's CHECKs.
pub const LIMITS: &[(&str, &str, f64, f64, &str)] = &[
    ("temperature_c", "Temperature", 25.0, 45.0, "°C"),
    ("pulse", "Pulse", 20.0, 250.0, "/min"),
    ("resp_rate", "Respiratory rate", 4.0, 80.0, "/min"),
    ("bp_systolic", "Systolic pressure", 50.0, 260.0, "mmHg"),
    ("bp_diastolic", "Diastolic pressure", 20.0, 160.0, "mmHg"),
    ("spo2", "SpO2", 50.0, 100.0, "%"),
    ("weight_kg", "Weight", 0.3, 400.0, "kg"),
    ("height_cm", "Height", 20.0, 250.0, "cm"),
    ("pain", "Pain score", 0.0, 10.0, ""),
];

/// Typed input (the API's body; the form is parsed into it).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VitalsInput {
    // (The page's form reads it in the user's facility time zone.)
    /// When measured: RFC 3339 or `YYYY-MM-DDTHH:MM` (UTC); default now.
    pub taken_at: Option<String>,
    /// 25–45 °C
    pub temperature_c: Option<f64>,
    /// 20–250 /min
    pub pulse: Option<f64>,
    /// 4–80 /min
    pub resp_rate: Option<f64>,
    /// 50–260 mmHg, greater than diastolic
    pub bp_systolic: Option<f64>,
    /// 20–160 mmHg
    pub bp_diastolic: Option<f64>,
    /// 50–100 %
    pub spo2: Option<f64>,
    /// 0.3–400 kg
    pub weight_kg: Option<f64>,
    /// 20–250 cm
    pub height_cm: Option<f64>,
    /// 0–10
    pub pain: Option<f64>,
    /// NEWS2 "air or oxygen": true on supplemental oxygen, false on air; absent: not recorded.
    pub on_oxygen: Option<bool>,
    /// NEWS2 consciousness, ACVPU: `A` alert, `C` new confusion, `V` voice, `P` pain,
    /// `U` unresponsive; absent: not recorded.
    pub consciousness: Option<String>,
    /// One of the patient's encounters the set was measured in; absent: none.
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
}

/// The browser form: every field as typed, so a bad value re-renders as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VitalsForm {
    /// Local to the user's facility zone (`web::time`).
    #[serde(default)]
    pub taken_at: String,
    /// The explicit offset for a time in the repeated hour; empty: the first occurrence.
    #[serde(default)]
    pub taken_at_offset: String,
    #[serde(default)]
    pub temperature_c: String,
    #[serde(default)]
    pub pulse: String,
    #[serde(default)]
    pub resp_rate: String,
    #[serde(default)]
    pub bp_systolic: String,
    #[serde(default)]
    pub bp_diastolic: String,
    #[serde(default)]
    pub spo2: String,
    #[serde(default)]
    pub weight_kg: String,
    #[serde(default)]
    pub height_cm: String,
    #[serde(default)]
    pub pain: String,
    /// "", "air" or "oxygen".
    #[serde(default)]
    pub on_oxygen: String,
    /// "" or an ACVPU letter.
    #[serde(default)]
    pub consciousness: String,
}

/// The form's choices for "air or oxygen" (value, label).
pub const OXYGEN_CHOICES: &[(&str, &str)] =
    &[("", "Not recorded"), ("air", "Air (no supplemental oxygen)"), ("oxygen", "Supplemental oxygen")];

/// The form's choices for consciousness, ACVPU (value, label).
pub const CONSCIOUSNESS_CHOICES: &[(&str, &str)] = &[
    ("", "Not recorded"),
    ("A", "A — alert"),
    ("C", "C — new confusion"),
    ("V", "V — responds to voice"),
    ("P", "P — responds to pain"),
    ("U", "U — unresponsive"),
];

impl VitalsForm {
    pub fn value(&self, field: &str) -> &str {
        match field {
            "temperature_c" => &self.temperature_c,
            "pulse" => &self.pulse,
            "resp_rate" => &self.resp_rate,
            "bp_systolic" => &self.bp_systolic,
            "bp_diastolic" => &self.bp_diastolic,
            "spo2" => &self.spo2,
            "weight_kg" => &self.weight_kg,
            "height_cm" => &self.height_cm,
            "pain" => &self.pain,
            _ => "",
        }
    }

    /// Parses numbers (a decimal comma is accepted); unreadable fields become field errors.
    pub fn parse(&self, e: &mut FieldErrors) -> VitalsInput {
        let mut num = |field: &'static str| -> Option<f64> {
            let v = self.value(field).trim().replace(',', ".");
            if v.is_empty() {
                return None;
            }
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    e.add(field, "Enter a number.");
                    None
                }
            }
        };
        VitalsInput {
            taken_at: Some(self.taken_at.clone()).filter(|s| !s.trim().is_empty()),
            temperature_c: num("temperature_c"),
            pulse: num("pulse"),
            resp_rate: num("resp_rate"),
            bp_systolic: num("bp_systolic"),
            bp_diastolic: num("bp_diastolic"),
            spo2: num("spo2"),
            weight_kg: num("weight_kg"),
            height_cm: num("height_cm"),
            pain: num("pain"),
            on_oxygen: match self.on_oxygen.as_str() {
                "air" => Some(false),
                "oxygen" => Some(true),
                _ => None,
            },
            consciousness: Some(self.consciousness.trim().to_string()).filter(|s| !s.is_empty()),
            encounter_id: None,
        }
    }
}

/// A checked set, at the precision measured.
pub struct ValidVitals {
    pub(crate) taken_at: OffsetDateTime,
    pub(crate) temperature_c: Option<f64>,
    pub(crate) pulse: Option<f64>,
    pub(crate) resp_rate: Option<f64>,
    pub(crate) bp_systolic: Option<f64>,
    pub(crate) bp_diastolic: Option<f64>,
    pub(crate) spo2: Option<f64>,
    pub(crate) weight_kg: Option<f64>,
    pub(crate) height_cm: Option<f64>,
    pub(crate) pain: Option<f64>,
    pub(crate) on_oxygen: Option<bool>,
    pub(crate) consciousness: Option<String>,
    pub(crate) encounter_id: Option<Uuid>,
}

impl ValidVitals {
    fn get(&self, field: &str) -> Option<f64> {
        match field {
            "temperature_c" => self.temperature_c,
            "pulse" => self.pulse,
            "resp_rate" => self.resp_rate,
            "bp_systolic" => self.bp_systolic,
            "bp_diastolic" => self.bp_diastolic,
            "spo2" => self.spo2,
            "weight_kg" => self.weight_kg,
            "height_cm" => self.height_cm,
            "pain" => self.pain,
            _ => None,
        }
    }

    /// Flags each reading for the patient's age band when measured, and NEWS2 for adults.
    pub fn assess(&self, birth: Option<Date>) -> Assessment {
        let band = AgeBand::of(birth, self.taken_at.date());
        let mut flags = BTreeMap::new();
        for (field, ..) in LIMITS {
            if let Some(f) = self.get(field).and_then(|v| ranges::flag(field, v, band)) {
                flags.insert(field.to_string(), f);
            }
        }
        let news2 = (band == AgeBand::Adult).then(|| {
            ranges::news2(&News2Input {
                resp_rate: self.resp_rate,
                spo2: self.spo2,
                on_oxygen: self.on_oxygen,
                bp_systolic: self.bp_systolic,
                pulse: self.pulse,
                consciousness: self.consciousness.as_deref().and_then(Acvpu::parse),
                temperature_c: self.temperature_c,
            })
        });
        let mut flag = flags.values().copied().max();
        if self.consciousness.as_deref().is_some_and(|c| c != "A") {
            // A new confusion or a lower level of consciousness is critical at every age.
            flag = Some(Flag::Critical);
        } else if flag.is_none() && self.consciousness.is_some() {
            flag = Some(Flag::Normal);
        }
        Assessment { band, flag, flags, news2 }
    }
}

/// What a set's readings show: the age band, the worst flag, each reading's flag, NEWS2.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub band: AgeBand,
    /// The worst reading (none: only weight, height or oxygen recorded).
    pub flag: Option<Flag>,
    pub flags: BTreeMap<String, Flag>,
    /// Adults only.
    pub news2: Option<News2>,
}

impl Assessment {
    /// Whether the responsible clinician is alerted: a critical reading, NEWS2 of 5 or more, or
    /// 3 in a single NEWS2 parameter.
    pub fn alarming(&self) -> bool {
        self.flag == Some(Flag::Critical) || self.news2.as_ref().is_some_and(|n| n.escalate())
    }

    /// The stored NEWS2 band: the band, or "incomplete".
    pub fn news2_band(&self) -> Option<&'static str> {
        self.news2.as_ref().map(|n| n.band().map(Band::as_str).unwrap_or("incomplete"))
    }
}

impl VitalsInput {
    fn get(&self, field: &str) -> Option<f64> {
        match field {
            "temperature_c" => self.temperature_c,
            "pulse" => self.pulse,
            "resp_rate" => self.resp_rate,
            "bp_systolic" => self.bp_systolic,
            "bp_diastolic" => self.bp_diastolic,
            "spo2" => self.spo2,
            "weight_kg" => self.weight_kg,
            "height_cm" => self.height_cm,
            "pain" => self.pain,
            _ => None,
        }
    }

    /// Checks each value against its plausibility limits, naming the field in each error. The
    /// time is read in `zone` (the page's; the API's is UTC) with the optional explicit offset.
    pub fn validate(
        &self,
        mut e: FieldErrors,
        birth: Option<Date>,
        zone: &Zone,
        offset: Option<&str>,
    ) -> Result<ValidVitals, FieldErrors> {
        for (field, label, min, max, unit) in LIMITS {
            if let Some(v) = self.get(field) {
                if !v.is_finite() || v < *min || v > *max {
                    e.add(
                        field,
                        format!(
                            "{label} must be between {} and {}{}{unit}.",
                            fmt(*min),
                            fmt(*max),
                            if unit.is_empty() { "" } else { " " }
                        ),
                    );
                }
            }
        }
        // Values are kept at the precision measured (a decimal pressure or pain score is a
        // reading); one pressure alone is a reading too (a palpated systolic pressure).
        if let (Some(s), Some(d)) = (self.bp_systolic, self.bp_diastolic) {
            if s <= d && e.get("bp_systolic").is_none() && e.get("bp_diastolic").is_none() {
                e.add("bp_diastolic", "Diastolic pressure must be lower than systolic.");
            }
        }
        if let Some(c) = self.consciousness.as_deref() {
            if Acvpu::parse(c).is_none() {
                e.add("consciousness", "Choose A, C, V, P or U (ACVPU).");
            }
        }
        if LIMITS.iter().all(|(f, ..)| self.get(f).is_none())
            && self.on_oxygen.is_none()
            && self.consciousness.is_none()
            && e.is_empty()
        {
            e.add("temperature_c", "Enter at least one measurement.");
        }
        let now = OffsetDateTime::now_utc();
        let taken_at = match read_time(&mut e, zone, "taken_at", self.taken_at.as_deref(), offset) {
            None => now,
            Some(t) if t > now + Duration::minutes(5) => {
                e.add("taken_at", "The time of measurement is in the future.");
                now
            }
            Some(t) if birth.is_some_and(|b| zone.local(t).date() < b) => {
                e.add("taken_at", "The time of measurement is before the patient's birth.");
                now
            }
            Some(t) => t,
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidVitals {
            taken_at,
            temperature_c: self.temperature_c,
            pulse: self.pulse,
            resp_rate: self.resp_rate,
            bp_systolic: self.bp_systolic,
            bp_diastolic: self.bp_diastolic,
            spo2: self.spo2,
            weight_kg: self.weight_kg,
            height_cm: self.height_cm,
            pain: self.pain,
            on_oxygen: self.on_oxygen,
            consciousness: self.consciousness.clone(),
            encounter_id: self.encounter_id,
        })
    }
}

pub(crate) fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vitals {
    pub id: Uuid,
    pub patient_id: Uuid,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
    pub temperature_c: Option<f64>,
    pub pulse: Option<f64>,
    pub resp_rate: Option<f64>,
    pub bp_systolic: Option<f64>,
    pub bp_diastolic: Option<f64>,
    pub spo2: Option<f64>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
    pub pain: Option<f64>,
    /// Computed from weight and height of the same measurement.
    pub bmi: Option<f64>,
    /// NEWS2 "air or oxygen": true on supplemental oxygen.
    pub on_oxygen: Option<bool>,
    /// ACVPU letter.
    pub consciousness: Option<String>,
    /// The worst reading for the patient's age band when measured: normal, abnormal or
    /// critical (null: recorded before flags, or nothing with ranges recorded).
    pub flag: Option<String>,
    /// Each reading's flag by field, e.g. `{"pulse": "critical", "spo2": "abnormal"}`.
    #[schema(value_type = Object)]
    pub flags: serde_json::Value,
    /// NEWS2 total (adults, every parameter recorded).
    pub news2: Option<i16>,
    /// NEWS2 clinical response band: low, low_medium, medium, high, or incomplete (a parameter
    /// is missing: never read as low). Null for children.
    pub news2_band: Option<String>,
    /// Implausible changes against earlier measurements (height, weight).
    pub warnings: Vec<String>,
    /// The encounter the set was measured in, if any.
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    pub recorded_by: Option<String>,
}

fn show(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_else(|| "—".into())
}

/// A flag as shown: the badge class and its text.
pub struct Mark {
    pub class: &'static str,
    pub label: &'static str,
}

impl Vitals {
    pub fn temp(&self) -> String {
        show(self.temperature_c)
    }
    pub fn bp(&self) -> String {
        match (self.bp_systolic, self.bp_diastolic) {
            (Some(s), Some(d)) => format!("{}/{}", fmt(s), fmt(d)),
            (Some(s), None) => format!("{}/—", fmt(s)),
            (None, Some(d)) => format!("—/{}", fmt(d)),
            _ => "—".into(),
        }
    }
    pub fn pulse_s(&self) -> String {
        show(self.pulse)
    }
    pub fn resp_s(&self) -> String {
        show(self.resp_rate)
    }
    pub fn spo2_s(&self) -> String {
        show(self.spo2)
    }
    pub fn weight_s(&self) -> String {
        show(self.weight_kg)
    }
    pub fn height_s(&self) -> String {
        show(self.height_cm)
    }
    pub fn bmi_s(&self) -> String {
        self.bmi.map(|b| format!("{b:.1}")).unwrap_or_else(|| "—".into())
    }
    pub fn pain_s(&self) -> String {
        show(self.pain)
    }
    pub fn oxygen_s(&self) -> &'static str {
        match self.on_oxygen {
            Some(true) => "Oxygen",
            Some(false) => "Air",
            None => "—",
        }
    }
    pub fn consciousness_s(&self) -> &str {
        self.consciousness.as_deref().unwrap_or("—")
    }

    /// A reading's flag (for blood pressure, `bp`: the worse of the two pressures).
    pub fn flag_of(&self, field: &str) -> Option<Flag> {
        let one = |f: &str| self.flags.get(f).and_then(|v| v.as_str()).and_then(Flag::parse);
        match field {
            "bp" => one("bp_systolic").max(one("bp_diastolic")),
            "consciousness" => {
                self.consciousness.as_deref().map(|c| if c == "A" { Flag::Normal } else { Flag::Critical })
            }
            f => one(f),
        }
    }

    /// The mark beside an abnormal or critical reading (none beside a normal one).
    pub fn mark(&self, field: &str) -> Option<Mark> {
        self.flag_of(field).filter(|f| *f != Flag::Normal).map(|f| Mark { class: f.badge(), label: f.label() })
    }

    /// The set's worst flag.
    pub fn overall(&self) -> Option<Flag> {
        self.flag.as_deref().and_then(Flag::parse)
    }

    /// The set's worst flag as a mark (normal included), or none when not assessed.
    pub fn overall_mark(&self) -> Option<Mark> {
        self.overall().map(|f| Mark { class: f.badge(), label: f.label() })
    }

    /// The NEWS2 line: "NEWS2 14 · high clinical risk", or "NEWS2 incomplete: … not recorded".
    pub fn news2_text(&self) -> Option<String> {
        let band = self.news2_band.as_deref()?;
        match (self.news2, Band::parse(band)) {
            (Some(t), Some(b)) => Some(format!("NEWS2 {t} · {}", b.label())),
            _ => Some(format!("NEWS2 incomplete: {} not recorded", self.news2_missing().join(", "))),
        }
    }

    /// The NEWS2 badge class: danger from 5 (or a single 3), warn for low, muted incomplete.
    pub fn news2_class(&self) -> &'static str {
        match self.news2_band.as_deref() {
            Some("high" | "medium" | "low_medium") => "badge-danger",
            Some("low") => "badge-ok",
            _ => "badge-muted",
        }
    }

    /// The NEWS2 parameters this set lacks.
    pub fn news2_missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        let checks: [(&'static str, bool); 7] = [
            ("respiration rate", self.resp_rate.is_some()),
            ("SpO2", self.spo2.is_some()),
            ("air or oxygen", self.on_oxygen.is_some()),
            ("systolic blood pressure", self.bp_systolic.is_some()),
            ("pulse", self.pulse.is_some()),
            ("consciousness", self.consciousness.is_some()),
            ("temperature", self.temperature_c.is_some()),
        ];
        for (name, there) in checks {
            if !there {
                m.push(name);
            }
        }
        m
    }

    /// A one-line summary for the timeline.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.temperature_c {
            parts.push(format!("T {} °C", fmt(t)));
        }
        if let Some(p) = self.pulse {
            parts.push(format!("P {}", fmt(p)));
        }
        if self.bp_systolic.is_some() || self.bp_diastolic.is_some() {
            parts.push(format!("BP {}", self.bp()));
        }
        if let Some(r) = self.resp_rate {
            parts.push(format!("RR {}", fmt(r)));
        }
        if let Some(s) = self.spo2 {
            parts.push(format!("SpO2 {}%", fmt(s)));
        }
        if let Some(w) = self.weight_kg {
            parts.push(format!("{} kg", fmt(w)));
        }
        if let Some(b) = self.bmi {
            parts.push(format!("BMI {b:.1}"));
        }
        if let Some(p) = self.pain {
            parts.push(format!("pain {}/10", fmt(p)));
        }
        if let Some(f) = self.overall().filter(|f| *f != Flag::Normal) {
            parts.push(f.label().to_string());
        }
        if let Some(n) = self.news2_text() {
            parts.push(n);
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field() {
        let v = VitalsInput {
            temperature_c: Some(50.0),
            bp_systolic: Some(80.0),
            bp_diastolic: Some(90.0),
            ..Default::default()
        };
        let e = v.validate(FieldErrors::default(), None, &Zone::utc(), None).err().unwrap();
        assert!(e.get("temperature_c").unwrap().contains("between 25 and 45"));
        assert!(e.get("bp_diastolic").unwrap().contains("lower than systolic"));
        let ok = VitalsInput { pulse: Some(72.0), ..Default::default() };
        assert!(ok.validate(FieldErrors::default(), None, &Zone::utc(), None).is_ok());
        assert!(VitalsInput::default().validate(FieldErrors::default(), None, &Zone::utc(), None).is_err());
    }

    #[test]
    fn decimals_one_pressure_and_acvpu_are_accepted() {
        let v =
            VitalsInput { bp_systolic: Some(120.5), bp_diastolic: Some(80.5), pain: Some(3.5), ..Default::default() };
        let ok = v.validate(FieldErrors::default(), None, &Zone::utc(), None).unwrap();
        assert_eq!((ok.bp_systolic, ok.pain), (Some(120.5), Some(3.5)));
        let alone = VitalsInput { bp_systolic: Some(95.0), ..Default::default() };
        assert!(alone.validate(FieldErrors::default(), None, &Zone::utc(), None).is_ok());
        let c = VitalsInput { consciousness: Some("V".into()), ..Default::default() };
        let ok = c.validate(FieldErrors::default(), None, &Zone::utc(), None).unwrap();
        assert_eq!(ok.assess(None).flag, Some(Flag::Critical), "a lowered consciousness is critical");
        let bad = VitalsInput { consciousness: Some("X".into()), ..Default::default() };
        let e = bad.validate(FieldErrors::default(), None, &Zone::utc(), None).err().unwrap();
        assert!(e.get("consciousness").unwrap().contains("ACVPU"));
    }

    #[test]
    fn assessment_decides_the_alert() {
        let set = |pulse: f64, spo2: f64| VitalsInput {
            temperature_c: Some(37.0),
            pulse: Some(pulse),
            resp_rate: Some(16.0),
            bp_systolic: Some(120.0),
            bp_diastolic: Some(80.0),
            spo2: Some(spo2),
            on_oxygen: Some(false),
            consciousness: Some("A".into()),
            ..Default::default()
        };
        let adult = Some(time::macros::date!(1970 - 01 - 01));
        let a = set(72.0, 98.0).validate(FieldErrors::default(), adult, &Zone::utc(), None).unwrap().assess(adult);
        assert_eq!((a.flag, a.news2_band(), a.alarming()), (Some(Flag::Normal), Some("low"), false));
        // 1 + 1 = 2: abnormal, not alarming.
        let a = set(95.0, 95.0).validate(FieldErrors::default(), adult, &Zone::utc(), None).unwrap().assess(adult);
        assert_eq!((a.flag, a.news2_band(), a.alarming()), (Some(Flag::Abnormal), Some("low"), false));
        // SpO2 91 scores 3: alarming.
        let a = set(72.0, 91.0).validate(FieldErrors::default(), adult, &Zone::utc(), None).unwrap().assess(adult);
        assert_eq!((a.news2_band(), a.alarming()), (Some("low_medium"), true));
        // A child has no NEWS2.
        let child = Some(OffsetDateTime::now_utc().date() - Duration::days(5 * 365));
        let a = set(120.0, 98.0).validate(FieldErrors::default(), child, &Zone::utc(), None).unwrap().assess(child);
        assert_eq!((a.flags["pulse"], a.news2_band(), a.alarming()), (Flag::Normal, None, false));
        assert_eq!(a.flags["bp_diastolic"], Flag::Abnormal, "80 mmHg is above a 5-year-old's range");
    }
}
