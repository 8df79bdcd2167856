//! Vital signs: plausibility limits, the form and the typed input, validation, rows.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

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
}

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
        }
    }
}

pub struct ValidVitals {
    pub(crate) taken_at: OffsetDateTime,
    pub(crate) temperature_c: Option<f64>,
    pub(crate) pulse: Option<i32>,
    pub(crate) resp_rate: Option<i32>,
    pub(crate) bp_systolic: Option<i32>,
    pub(crate) bp_diastolic: Option<i32>,
    pub(crate) spo2: Option<i32>,
    pub(crate) weight_kg: Option<f64>,
    pub(crate) height_cm: Option<f64>,
    pub(crate) pain: Option<i16>,
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
        for field in ["pulse", "resp_rate", "bp_systolic", "bp_diastolic", "spo2", "pain"] {
            if self.get(field).is_some_and(|v| v.fract() != 0.0) && e.get(field).is_none() {
                e.add(field, "Enter a whole number.");
            }
        }
        match (self.bp_systolic, self.bp_diastolic) {
            (Some(s), Some(d)) if s <= d && e.get("bp_systolic").is_none() && e.get("bp_diastolic").is_none() => {
                e.add("bp_diastolic", "Diastolic pressure must be lower than systolic.");
            }
            (Some(_), None) => e.add("bp_diastolic", "Enter the diastolic pressure with the systolic."),
            (None, Some(_)) => e.add("bp_systolic", "Enter the systolic pressure with the diastolic."),
            _ => {}
        }
        if LIMITS.iter().all(|(f, ..)| self.get(f).is_none()) && e.is_empty() {
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
        let int = |v: Option<f64>| v.map(|n| n as i32);
        Ok(ValidVitals {
            taken_at,
            temperature_c: self.temperature_c.map(|t| (t * 10.0).round() / 10.0),
            pulse: int(self.pulse),
            resp_rate: int(self.resp_rate),
            bp_systolic: int(self.bp_systolic),
            bp_diastolic: int(self.bp_diastolic),
            spo2: int(self.spo2),
            weight_kg: self.weight_kg.map(|w| (w * 100.0).round() / 100.0),
            height_cm: self.height_cm.map(|h| (h * 10.0).round() / 10.0),
            pain: self.pain.map(|p| p as i16),
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
    pub pulse: Option<i32>,
    pub resp_rate: Option<i32>,
    pub bp_systolic: Option<i32>,
    pub bp_diastolic: Option<i32>,
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
    pub pain: Option<i16>,
    /// Computed from weight and height of the same measurement.
    pub bmi: Option<f64>,
    pub recorded_by: Option<String>,
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "—".into())
}

impl Vitals {
    pub fn temp(&self) -> String {
        self.temperature_c.map(|t| format!("{t:.1}")).unwrap_or_else(|| "—".into())
    }
    pub fn bp(&self) -> String {
        match (self.bp_systolic, self.bp_diastolic) {
            (Some(s), Some(d)) => format!("{s}/{d}"),
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
    /// A one-line summary for the timeline.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.temperature_c {
            parts.push(format!("T {t:.1} °C"));
        }
        if let Some(p) = self.pulse {
            parts.push(format!("P {p}"));
        }
        if let (Some(s), Some(d)) = (self.bp_systolic, self.bp_diastolic) {
            parts.push(format!("BP {s}/{d}"));
        }
        if let Some(r) = self.resp_rate {
            parts.push(format!("RR {r}"));
        }
        if let Some(s) = self.spo2 {
            parts.push(format!("SpO2 {s}%"));
        }
        if let Some(w) = self.weight_kg {
            parts.push(format!("{w} kg"));
        }
        if let Some(b) = self.bmi {
            parts.push(format!("BMI {b:.1}"));
        }
        if let Some(p) = self.pain {
            parts.push(format!("pain {p}/10"));
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
}
