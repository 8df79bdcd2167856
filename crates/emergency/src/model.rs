//! Rows, forms and their validation: arrival, triage, assignment, disposition, bays.

use serde::{Deserialize, Deserializer, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::esi::{self, AgeBand, Answers, Outcome};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;
use hearth_ehr::vitals::ranges::Flag;
use hearth_ehr::vitals::{ValidVitals, VitalsInput};
use hearth_patients::model::{de_flag, NewPatient, ValidPatient, SEXES};
use hearth_patients::register::UnidentifiedForm;

pub const ARRIVAL_MODES: [(&str, &str); 4] = [
    ("walk_in", "Walk-in"),
    ("ambulance", "Ambulance"),
    ("police", "Police"),
    ("transfer", "Transfer from another facility"),
];

pub const AREAS: [(&str, &str); 7] = [
    ("resus", "Resuscitation"),
    ("majors", "Majors"),
    ("minors", "Minors"),
    ("paediatric", "Paediatric"),
    ("isolation", "Isolation"),
    ("corridor", "Corridor"),
    ("waiting", "Waiting room"),
];

pub const DISPOSITIONS: [(&str, &str); 6] = [
    ("admit", "Admit (boarding until the patient leaves the department)"),
    ("transfer", "Transfer out"),
    ("discharge", "Discharge home"),
    ("lwbs", "Left without being seen"),
    ("lama", "Left against medical advice"),
    ("deceased", "Deceased"),
];

pub const PREGNANCY: [(&str, &str); 4] = [
    ("not_applicable", "Not applicable"),
    ("unknown", "Unknown"),
    ("not_pregnant", "Not pregnant"),
    ("pregnant", "Pregnant"),
];

pub const STATUSES: [(&str, &str); 5] = [
    ("waiting", "Waiting for triage"),
    ("triaged", "Waiting for a clinician"),
    ("in_treatment", "In treatment"),
    ("boarding", "Boarding (admitted)"),
    ("departed", "Departed"),
];

/// Minutes from triage to being seen by a clinician, by ESI level (index 0 = ESI 1).
pub const CLINICIAN_TARGET_MIN: [i64; 5] = [0, 10, 30, 60, 120];
/// Minutes between reassessments of a patient still waiting for a clinician, by ESI level.
pub const REASSESS_MIN: [i64; 5] = [5, 15, 30, 60, 120];
/// Minutes from arrival to leaving the department (length of stay target).
pub const LOS_TARGET_MIN: i64 = 240;
/// Minutes from arrival to triage.
pub const TRIAGE_TARGET_MIN: i64 = 15;

pub fn label(list: &[(&'static str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(k, _)| *k == code).map(|(_, l)| *l).unwrap_or("")
}

/// Accepts a JSON string, number or boolean (and null) as text: one struct serves the form and
/// the API.
pub fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(V)
}

fn text(e: &mut FieldErrors, field: &'static str, v: &str, max: usize, required: Option<&str>) -> String {
    let v = v.trim().to_string();
    if v.is_empty() {
        if let Some(m) = required {
            e.add(field, m);
        }
    } else if v.chars().count() > max {
        e.add(field, format!("At most {max} characters."));
    } else if let Err(m) = hearth_core::web::input::free_text(&v) {
        e.add(field, m);
    }
    v
}

fn opt_uuid(e: &mut FieldErrors, field: &'static str, v: &str) -> Option<Uuid> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse() {
        Ok(u) => Some(u),
        Err(_) => {
            e.add(field, "Choose one from the list.");
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arrival

/// Quick registration of an arrival (four required fields: name, sex, age or date of birth,
/// chief complaint), an existing patient (`patient_id`), or an unidentified patient.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ArrivalForm {
    /// An existing patient: then name, sex and age are not asked.
    #[serde(deserialize_with = "de_text")]
    pub patient_id: String,
    /// "Given Family" or "Family, Given".
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    /// female, male, other or unknown.
    #[serde(deserialize_with = "de_text")]
    pub sex: String,
    /// Age when the date of birth is not known: years ("34"), months ("5m") or days ("10d").
    #[serde(deserialize_with = "de_text")]
    pub age: String,
    /// YYYY-MM-DD (instead of the age).
    #[serde(deserialize_with = "de_text")]
    pub birth_date: String,
    #[serde(deserialize_with = "de_text")]
    pub chief_complaint: String,
    /// walk_in (default), ambulance, police or transfer.
    #[serde(deserialize_with = "de_text")]
    pub arrival_mode: String,
    /// A medico-legal case (assault, road traffic collision, poisoning…).
    #[serde(deserialize_with = "de_flag")]
    pub medico_legal: bool,
    /// The police were informed (where the law requires it for a medico-legal case).
    #[serde(deserialize_with = "de_flag")]
    pub police_informed: bool,
    /// The identity is unknown: a temporary record (sex and an estimated age in years).
    #[serde(deserialize_with = "de_flag")]
    pub unidentified: bool,
}

pub enum Who {
    Existing(Uuid),
    New(Box<ValidPatient>),
}

pub struct ValidArrival {
    pub who: Who,
    pub chief_complaint: String,
    pub arrival_mode: String,
    pub medico_legal: bool,
    pub police_informed: bool,
}

/// "Given Family" or "Family, Given" into (given, family).
pub fn split_name(name: &str) -> Option<(String, String)> {
    let name = name.trim();
    if let Some((family, given)) = name.split_once(',') {
        let (f, g) = (family.trim(), given.trim());
        return (!f.is_empty() && !g.is_empty()).then(|| (g.to_string(), f.to_string()));
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    Some((words[..words.len() - 1].join(" "), words[words.len() - 1].to_string()))
}

impl ArrivalForm {
    pub fn validate(&self, today: Date) -> Result<ValidArrival, FieldErrors> {
        let mut e = FieldErrors::default();
        let chief_complaint =
            text(&mut e, "chief_complaint", &self.chief_complaint, 200, Some("Enter the chief complaint."));
        let mode = if self.arrival_mode.trim().is_empty() { "walk_in" } else { self.arrival_mode.trim() };
        if !ARRIVAL_MODES.iter().any(|(k, _)| *k == mode) {
            e.add("arrival_mode", "Choose walk-in, ambulance, police or transfer.");
        }
        if self.police_informed && !self.medico_legal {
            e.add("police_informed", "Police intimation goes with a medico-legal case.");
        }
        let who = if !self.patient_id.trim().is_empty() {
            opt_uuid(&mut e, "patient_id", &self.patient_id).map(Who::Existing)
        } else if self.unidentified {
            let sex = if self.sex.trim().is_empty() { "unknown".to_string() } else { self.sex.trim().to_string() };
            let f = UnidentifiedForm {
                sex,
                estimated_age: self.age.trim().to_string(),
                circumstances: format!(
                    "Emergency arrival ({}): {}",
                    label(&ARRIVAL_MODES, mode).to_lowercase(),
                    chief_complaint.chars().take(400).collect::<String>()
                ),
            };
            match f.validate() {
                Ok(p) => Some(Who::New(Box::new(p))),
                Err(pe) => {
                    for (field, m) in pe.0 {
                        e.add(if field == "estimated_age" { "age" } else { field }, m);
                    }
                    None
                }
            }
        } else {
            self.new_patient(&mut e, today)
        };
        match who {
            Some(who) if e.is_empty() => Ok(ValidArrival {
                who,
                chief_complaint,
                arrival_mode: mode.to_string(),
                medico_legal: self.medico_legal,
                police_informed: self.police_informed,
            }),
            _ => Err(e),
        }
    }

    fn new_patient(&self, e: &mut FieldErrors, today: Date) -> Option<Who> {
        let (given, family) = match split_name(&self.name) {
            Some(n) => n,
            None => {
                e.add("name", "Enter the given and family name (or register an unidentified patient).");
                (String::new(), String::new())
            }
        };
        let mut p = NewPatient {
            given_name: given,
            family_name: family,
            sex: self.sex.trim().to_string(),
            ..Default::default()
        };
        let age = self.age.trim().to_lowercase();
        if !self.birth_date.trim().is_empty() {
            p.birth_date = Some(self.birth_date.trim().to_string());
        } else if age.is_empty() {
            e.add("age", "Enter the age (years, or e.g. 5m, 10d) or the date of birth.");
        } else if let Some(d) = age.strip_suffix('d') {
            match d.trim().parse::<i64>() {
                Ok(n) if (0..=90).contains(&n) => {
                    p.birth_date = Some((today - Duration::days(n)).to_string());
                    p.birth_date_estimated = true;
                }
                _ => e.add("age", "Enter the age in days as 0 to 90 (e.g. 10d)."),
            }
        } else if let Some(m) = age.strip_suffix('m') {
            match m.trim().parse::<i32>() {
                Ok(n) if (0..=23).contains(&n) => {
                    p.age_years = Some("0".into());
                    p.age_months = Some(n.to_string());
                }
                _ => e.add("age", "Enter the age in months as 0 to 23 (e.g. 5m)."),
            }
        } else {
            p.age_years = Some(age.trim_end_matches('y').trim().to_string());
        }
        match p.validate() {
            Ok(v) if e.is_empty() => Some(Who::New(Box::new(v))),
            Ok(_) => None,
            Err(pe) => {
                for (field, m) in pe.0 {
                    let field = match field {
                        "given_name" | "family_name" => "name",
                        "age_years" | "age_months" => "age",
                        f => f,
                    };
                    if e.get(field).is_none() {
                        e.add(field, m);
                    }
                }
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Triage

/// The ESI v4 triage form (and the API's body): the decision points' answers, the vital signs
/// (recorded on the chart), weight, pregnancy, infection screen and the final level.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TriageForm {
    /// (A) requires an immediate life-saving intervention.
    #[serde(deserialize_with = "de_flag")]
    pub life_saving: bool,
    /// (A) AVPU: A, V, P or U (P and U are ESI 1).
    #[serde(deserialize_with = "de_text")]
    pub avpu: String,
    /// (B) a high-risk situation.
    #[serde(deserialize_with = "de_flag")]
    pub high_risk: bool,
    /// (B) new confusion, lethargy or disorientation.
    #[serde(deserialize_with = "de_flag")]
    pub confused: bool,
    /// (B) severe pain or distress.
    #[serde(deserialize_with = "de_flag")]
    pub severe_pain: bool,
    /// Pain 0–10.
    #[serde(deserialize_with = "de_text")]
    pub pain: String,
    /// (C) the resources expected (labs, ecg, xray, imaging, iv_fluids, medication, consult,
    /// simple_procedure, complex_procedure).
    pub resources: Vec<String>,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_labs: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_ecg: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_xray: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_imaging: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_iv_fluids: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_medication: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_consult: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_simple_procedure: bool,
    #[serde(deserialize_with = "de_flag")]
    #[schema(ignore)]
    pub res_complex_procedure: bool,
    /// Heart rate /min.
    #[serde(deserialize_with = "de_text")]
    pub pulse: String,
    #[serde(deserialize_with = "de_text")]
    pub resp_rate: String,
    #[serde(deserialize_with = "de_text")]
    pub spo2: String,
    #[serde(deserialize_with = "de_text")]
    pub temperature_c: String,
    #[serde(deserialize_with = "de_text")]
    pub bp_systolic: String,
    #[serde(deserialize_with = "de_text")]
    pub bp_diastolic: String,
    /// On supplemental oxygen (false: breathing air), for NEWS2.
    #[serde(deserialize_with = "de_flag")]
    pub on_oxygen: bool,
    /// 3–36 months: immunisations incomplete or no obvious source of the fever.
    #[serde(deserialize_with = "de_flag")]
    pub fever_risk: bool,
    /// The nurse accepts the prompt (danger-zone vital signs, a fever rule).
    #[serde(deserialize_with = "de_flag")]
    pub accept_upgrade: bool,
    /// Extreme readings confirmed as real.
    #[serde(deserialize_with = "de_flag")]
    pub confirm_extreme: bool,
    /// The age band when the age is unknown or estimated: neonate, under_3m, 3m_3y, 3y_8y,
    /// 8y_16y, adult.
    #[serde(deserialize_with = "de_text")]
    pub age_band: String,
    /// The final level 1–5 (empty: the algorithm's).
    #[serde(deserialize_with = "de_text")]
    pub esi: String,
    /// Why the final level differs from the algorithm's (required then).
    #[serde(deserialize_with = "de_text")]
    pub override_reason: String,
    /// kg; required under 16 years.
    #[serde(deserialize_with = "de_text")]
    pub weight_kg: String,
    #[serde(deserialize_with = "de_flag")]
    pub weight_estimated: bool,
    /// not_applicable, unknown, not_pregnant or pregnant.
    #[serde(deserialize_with = "de_text")]
    pub pregnancy: String,
    /// Infection screen: fever with cough.
    #[serde(deserialize_with = "de_flag")]
    pub fever_cough: bool,
    #[serde(deserialize_with = "de_flag")]
    pub rash: bool,
    #[serde(deserialize_with = "de_flag")]
    pub recent_travel: bool,
    /// Allergies as told at triage (the chart's allergy list is shown beside the form).
    #[serde(deserialize_with = "de_text")]
    pub allergies_note: String,
}

impl TriageForm {
    pub fn resource_codes(&self) -> Vec<String> {
        let mut v: Vec<String> = self.resources.iter().map(|s| s.trim().to_string()).collect();
        for (on, code) in [
            (self.res_labs, "labs"),
            (self.res_ecg, "ecg"),
            (self.res_xray, "xray"),
            (self.res_imaging, "imaging"),
            (self.res_iv_fluids, "iv_fluids"),
            (self.res_medication, "medication"),
            (self.res_consult, "consult"),
            (self.res_simple_procedure, "simple_procedure"),
            (self.res_complex_procedure, "complex_procedure"),
        ] {
            if on && !v.iter().any(|c| c == code) {
                v.push(code.to_string());
            }
        }
        v.sort();
        v.dedup();
        v
    }

    pub fn has_resource(&self, code: &str) -> bool {
        self.resource_codes().iter().any(|c| c == code)
    }
}

pub struct ValidTriage {
    pub band: AgeBand,
    pub age_estimated: bool,
    pub answers: Answers,
    pub outcome: Outcome,
    pub esi: u8,
    pub override_reason: Option<String>,
    pub resources: Vec<String>,
    pub pain: Option<i16>,
    pub avpu: String,
    pub weight_kg: Option<f64>,
    pub weight_estimated: bool,
    pub pregnancy: String,
    pub fever_cough: bool,
    pub rash: bool,
    pub recent_travel: bool,
    pub allergies_note: String,
    /// The chart's vital-signs set to record.
    pub vitals: ValidVitals,
}

impl ValidTriage {
    /// The infection screen suggests an isolation bay.
    pub fn isolate(&self) -> bool {
        self.fever_cough || self.rash || self.recent_travel
    }
}

fn num(e: &mut FieldErrors, field: &'static str, v: &str) -> Option<f64> {
    let v = v.trim().replace(',', ".");
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
}

impl TriageForm {
    /// Checks the form for a patient born on `birth` (None: unknown), at `now`.
    pub fn validate(&self, birth: Option<Date>, now: OffsetDateTime) -> Result<ValidTriage, FieldErrors> {
        let mut e = FieldErrors::default();
        let avpu = self.avpu.trim().to_uppercase();
        if !["A", "V", "P", "U"].contains(&avpu.as_str()) {
            e.add("avpu", "Choose A (alert), V (voice), P (pain) or U (unresponsive).");
        }
        // The age band: from the date of birth, or the nurse's estimate (never a default).
        let chosen = self.age_band.trim();
        let (band, age_estimated) = match (AgeBand::parse(chosen), birth) {
            (Some(b), Some(d)) => (b, AgeBand::of(d, now.date()) != b),
            (Some(b), None) => (b, true),
            (None, _) if !chosen.is_empty() => {
                e.add("age_band", "Choose an age band from the list.");
                (AgeBand::Adult, true)
            }
            (None, Some(d)) => (AgeBand::of(d, now.date()), false),
            (None, None) => {
                e.add("age_band", "The age is unknown: choose an estimated age band.");
                (AgeBand::Adult, true)
            }
        };
        let pain = match num(&mut e, "pain", &self.pain) {
            Some(p) if (0.0..=10.0).contains(&p) && p.fract() == 0.0 => Some(p as i16),
            Some(_) => {
                e.add("pain", "Pain is a whole number from 0 to 10.");
                None
            }
            None => None,
        };
        let resources = self.resource_codes();
        for r in &resources {
            if !esi::RESOURCES.iter().any(|(k, ..)| k == r) {
                e.add("resources", format!("{r:?} is not an ESI resource."));
            }
        }
        let weight_kg = num(&mut e, "weight_kg", &self.weight_kg);
        if band.child() && weight_kg.is_none() && e.get("weight_kg").is_none() {
            e.add("weight_kg", "Enter the weight (measured or estimated): required under 16 years.");
        }
        let pregnancy = self.pregnancy.trim();
        if !PREGNANCY.iter().any(|(k, _)| *k == pregnancy) {
            e.add("pregnancy", "Choose the pregnancy status (not applicable, unknown, not pregnant, pregnant).");
        }
        let allergies_note = text(&mut e, "allergies_note", &self.allergies_note, 500, None);
        let input = VitalsInput {
            taken_at: None,
            temperature_c: num(&mut e, "temperature_c", &self.temperature_c),
            pulse: num(&mut e, "pulse", &self.pulse),
            resp_rate: num(&mut e, "resp_rate", &self.resp_rate),
            bp_systolic: num(&mut e, "bp_systolic", &self.bp_systolic),
            bp_diastolic: num(&mut e, "bp_diastolic", &self.bp_diastolic),
            spo2: num(&mut e, "spo2", &self.spo2),
            weight_kg,
            height_cm: None,
            pain: pain.map(f64::from),
            on_oxygen: Some(self.on_oxygen),
            consciousness: Some(avpu.clone()).filter(|a| ["A", "V", "P", "U"].contains(&a.as_str())),
            encounter_id: None,
        };
        // Impossible values are refused by the chart's limits (the same as its CHECKs).
        let vitals = match input.validate(FieldErrors::default(), birth, &Zone::utc(), None) {
            Ok(v) => Some(v),
            Err(ve) => {
                for (f, m) in ve.0 {
                    if e.get(f).is_none() {
                        e.add(f, m);
                    }
                }
                None
            }
        };
        // Extreme but possible values are recorded once confirmed.
        if let Some(v) = &vitals {
            let critical = v.assess(birth).flags.values().any(|f| *f == Flag::Critical);
            if critical && !self.confirm_extreme {
                e.add(
                    "confirm_extreme",
                    "Some readings are extreme: check them, then tick “values confirmed” to record them.",
                );
            }
        }
        let answers = Answers {
            life_saving: self.life_saving,
            avpu: avpu.chars().next().filter(|c| "AVPU".contains(*c)),
            high_risk: self.high_risk,
            confused: self.confused,
            severe_pain: self.severe_pain,
            resources: esi::count_resources(&resources),
            pulse: input.pulse,
            resp_rate: input.resp_rate,
            spo2: input.spo2,
            temperature_c: input.temperature_c,
            fever_risk: self.fever_risk,
            accept_upgrade: self.accept_upgrade,
        };
        let outcome = esi::assess(band, &answers);
        let esi = match self.esi.trim() {
            "" => outcome.level,
            s => match s.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => n,
                _ => {
                    e.add("esi", "The ESI level is 1 to 5.");
                    outcome.level
                }
            },
        };
        let reason = text(&mut e, "override_reason", &self.override_reason, 500, None);
        let override_reason = if esi != outcome.level {
            if reason.is_empty() {
                e.add(
                    "override_reason",
                    format!(
                        "The algorithm gives ESI {} (decision point {}); say why the final level is ESI {esi}.",
                        outcome.level, outcome.decided_by
                    ),
                );
            }
            Some(reason)
        } else {
            None
        };
        match vitals {
            Some(vitals) if e.is_empty() => Ok(ValidTriage {
                band,
                age_estimated,
                answers,
                outcome,
                esi,
                override_reason,
                resources,
                pain,
                avpu,
                weight_kg,
                weight_estimated: self.weight_estimated,
                pregnancy: pregnancy.to_string(),
                fever_cough: self.fever_cough,
                rash: self.rash,
                recent_travel: self.recent_travel,
                allergies_note,
                vitals,
            }),
            _ => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Assignment, disposition, bays

/// A bay, a nurse and a clinician (each empty: none).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AssignForm {
    #[serde(deserialize_with = "de_text")]
    pub bay_id: String,
    #[serde(deserialize_with = "de_text")]
    pub nurse_id: String,
    #[serde(deserialize_with = "de_text")]
    pub clinician_id: String,
}

pub struct ValidAssign {
    pub bay: Option<Uuid>,
    pub nurse: Option<Uuid>,
    pub clinician: Option<Uuid>,
}

impl AssignForm {
    pub fn validate(&self) -> Result<ValidAssign, FieldErrors> {
        let mut e = FieldErrors::default();
        let bay = opt_uuid(&mut e, "bay_id", &self.bay_id);
        let nurse = opt_uuid(&mut e, "nurse_id", &self.nurse_id);
        let clinician = opt_uuid(&mut e, "clinician_id", &self.clinician_id);
        if e.is_empty() {
            Ok(ValidAssign { bay, nurse, clinician })
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DispositionForm {
    /// admit, transfer, discharge, lwbs, lama or deceased.
    #[serde(deserialize_with = "de_text")]
    pub disposition: String,
    /// Discharge instructions (required for a discharge), the reason or circumstances otherwise.
    #[serde(deserialize_with = "de_text")]
    pub note: String,
    /// Admit: the receiving department.
    #[serde(deserialize_with = "de_text")]
    pub admit_department_id: String,
    /// Transfer: the receiving facility.
    #[serde(deserialize_with = "de_text")]
    pub transfer_to: String,
    /// Admit: the kind of ward the bed request asks for (general, icu, hdu, paediatric,
    /// maternity, isolation, day_care), or empty for any.
    #[serde(deserialize_with = "de_text")]
    pub bed_ward_kind: String,
    /// Admit: the isolation precautions of the bed request (none, contact, droplet, airborne).
    #[serde(deserialize_with = "de_text")]
    pub bed_isolation: String,
}

pub struct ValidDisposition {
    pub disposition: String,
    pub note: String,
    pub admit_department: Option<Uuid>,
    pub transfer_to: Option<String>,
    /// Admit: the bed request's ward kind and isolation precautions.
    pub bed_ward_kind: Option<String>,
    pub bed_isolation: String,
}

impl DispositionForm {
    pub fn validate(&self) -> Result<ValidDisposition, FieldErrors> {
        let mut e = FieldErrors::default();
        let d = self.disposition.trim();
        if !DISPOSITIONS.iter().any(|(k, _)| *k == d) {
            e.add("disposition", "Choose a disposition.");
        }
        let required = match d {
            "discharge" => Some("Write the discharge instructions."),
            "lama" => Some("Record what the patient was told of the risks."),
            _ => None,
        };
        let note = text(&mut e, "note", &self.note, 4000, required);
        let admit_department = opt_uuid(&mut e, "admit_department_id", &self.admit_department_id);
        if d == "admit" && admit_department.is_none() && e.get("admit_department_id").is_none() {
            e.add("admit_department_id", "Choose the admitting department.");
        }
        let bed_ward_kind = match self.bed_ward_kind.trim() {
            "" => None,
            k if hearth_inpatient::model::WARD_KINDS.contains(&k) => Some(k.to_string()),
            _ => {
                e.add("bed_ward_kind", "Choose a kind of ward from the list.");
                None
            }
        };
        let bed_isolation = match self.bed_isolation.trim() {
            "" => "none".to_string(),
            k if hearth_inpatient::model::PRECAUTIONS.contains(&k) => k.to_string(),
            _ => {
                e.add("bed_isolation", "Choose the isolation precautions from the list.");
                "none".to_string()
            }
        };
        let transfer_to = text(
            &mut e,
            "transfer_to",
            &self.transfer_to,
            200,
            (d == "transfer").then_some("Name the receiving facility."),
        );
        if e.is_empty() {
            Ok(ValidDisposition {
                disposition: d.to_string(),
                note,
                admit_department: admit_department.filter(|_| d == "admit"),
                transfer_to: Some(transfer_to).filter(|t| !t.is_empty() && d == "transfer"),
                bed_ward_kind: bed_ward_kind.filter(|_| d == "admit"),
                bed_isolation,
            })
        } else {
            Err(e)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BayForm {
    /// A–Z, 0–9, - and _ (e.g. R1, MAJ-4).
    #[serde(deserialize_with = "de_text")]
    pub code: String,
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    /// resus, majors, minors, paediatric, isolation, corridor or waiting.
    #[serde(deserialize_with = "de_text")]
    pub area: String,
    /// 1 for a single-occupancy bay.
    #[serde(deserialize_with = "de_text")]
    pub capacity: String,
}

pub struct ValidBay {
    pub code: String,
    pub name: String,
    pub area: String,
    pub capacity: i32,
}

impl BayForm {
    pub fn validate(&self) -> Result<ValidBay, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = self.code.trim().to_uppercase();
        if code.is_empty()
            || code.len() > 20
            || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            e.add("code", "A code has 1 to 20 letters, digits, - or _.");
        }
        let name = text(&mut e, "name", &self.name, 100, Some("Enter the bay's name."));
        let area = self.area.trim();
        if !AREAS.iter().any(|(k, _)| *k == area) {
            e.add("area", "Choose an area.");
        }
        let capacity = match self.capacity.trim() {
            "" => 1,
            c => match c.parse::<i32>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => {
                    e.add("capacity", "The capacity is 1 to 200 patients.");
                    1
                }
            },
        };
        if e.is_empty() {
            Ok(ValidBay { code, name, area: area.to_string(), capacity })
        } else {
            Err(e)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Bay {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub code: String,
    pub name: String,
    pub area: String,
    pub capacity: i32,
    pub active: bool,
    /// Patients in the bay now.
    pub occupied: i64,
}

impl Bay {
    pub fn area_label(&self) -> &'static str {
        label(&AREAS, &self.area)
    }
    pub fn full(&self) -> bool {
        self.occupied >= i64::from(self.capacity)
    }
}

/// An ED visit as read back (the chart section and the API).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Visit {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub encounter_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub arrived_at: OffsetDateTime,
    pub arrival_mode: String,
    pub chief_complaint: String,
    pub medico_legal: bool,
    pub police_informed: bool,
    pub status: String,
    pub esi: Option<i16>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub triaged_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub step_since: OffsetDateTime,
    pub bay_id: Option<Uuid>,
    pub bay: Option<String>,
    pub nurse_id: Option<Uuid>,
    pub nurse: Option<String>,
    pub clinician_id: Option<Uuid>,
    pub clinician: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub seen_at: Option<OffsetDateTime>,
    pub disposition: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub disposition_at: Option<OffsetDateTime>,
    pub disposition_note: String,
    pub admit_department_id: Option<Uuid>,
    pub admit_department: Option<String>,
    pub transfer_to: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub departed_at: Option<OffsetDateTime>,
}

impl Visit {
    pub fn open(&self) -> bool {
        self.departed_at.is_none()
    }
    pub fn status_label(&self) -> &'static str {
        label(&STATUSES, &self.status)
    }
    pub fn mode_label(&self) -> &'static str {
        label(&ARRIVAL_MODES, &self.arrival_mode)
    }
    pub fn disposition_label(&self) -> &'static str {
        self.disposition.as_deref().map(|d| label(&DISPOSITIONS, d)).unwrap_or("")
    }
    pub fn esi_class(&self) -> String {
        esi_class(self.esi)
    }
}

pub fn esi_class(esi: Option<i16>) -> String {
    match esi {
        Some(n) => format!("esi esi-{n}"),
        None => "esi esi-none".into(),
    }
}

/// A triage as read back (the history).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Triage {
    pub id: Uuid,
    pub visit_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub triaged_at: OffsetDateTime,
    pub triaged_by: Option<String>,
    pub age_band: String,
    pub age_estimated: bool,
    pub life_saving: bool,
    pub avpu: Option<String>,
    pub high_risk: bool,
    pub confused: bool,
    pub severe_pain: bool,
    pub pain: Option<i16>,
    pub resources: Vec<String>,
    pub resource_count: i16,
    pub danger_zone: bool,
    pub upgrade_accepted: bool,
    pub computed_esi: i16,
    pub esi: i16,
    pub override_reason: Option<String>,
    /// The decision points in order with their answers, and the prompts shown.
    #[schema(value_type = Object)]
    pub path: serde_json::Value,
    #[schema(value_type = Option<f64>)]
    pub weight_kg: Option<f64>,
    pub weight_estimated: bool,
    pub pregnancy: String,
    pub fever_cough: bool,
    pub rash: bool,
    pub recent_travel: bool,
    pub allergies_note: String,
    pub vitals_id: Option<Uuid>,
    pub news2: Option<i16>,
}

impl Triage {
    pub fn esi_class(&self) -> String {
        esi_class(Some(self.esi))
    }
    pub fn band_label(&self) -> &'static str {
        label(&esi::BANDS, &self.age_band)
    }
    pub fn isolate(&self) -> bool {
        self.fever_cough || self.rash || self.recent_travel
    }
    pub fn steps(&self) -> Vec<(String, String)> {
        self.path["steps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (s["point"].as_str().unwrap_or("").to_string(), s["answer"].as_str().unwrap_or("").to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn prompts(&self) -> Vec<String> {
        self.path["prompts"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }
}

/// The sex codes of the quick registration.
pub fn sexes() -> [&'static str; 4] {
    SEXES
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn names_split_either_way() {
        assert_eq!(split_name("Ada Lovelace"), Some(("Ada".into(), "Lovelace".into())));
        assert_eq!(split_name("Mary Ann Evans"), Some(("Mary Ann".into(), "Evans".into())));
        assert_eq!(split_name("Evans, Mary Ann"), Some(("Mary Ann".into(), "Evans".into())));
        assert_eq!(split_name("Cher"), None);
        assert_eq!(split_name(", x"), None);
    }

    fn triage() -> TriageForm {
        TriageForm { avpu: "A".into(), pregnancy: "not_applicable".into(), ..Default::default() }
    }

    #[test]
    fn a_final_level_against_the_algorithm_needs_a_reason() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let adult = Some(date!(1980 - 01 - 01));
        let f = TriageForm { life_saving: true, esi: "4".into(), ..triage() };
        let e = f.validate(adult, now).err().unwrap();
        assert!(e.get("override_reason").unwrap().contains("ESI 1"));
        let f = TriageForm { override_reason: "Intervention already done by the paramedics.".into(), ..f };
        let v = f.validate(adult, now).unwrap();
        assert_eq!((v.esi, v.outcome.level), (4, 1));
        // C: no resources is 5; a final 3 needs a reason.
        let e = TriageForm { esi: "3".into(), ..triage() }.validate(adult, now).err().unwrap();
        assert!(e.get("override_reason").is_some());
        // Agreeing needs none.
        assert_eq!(TriageForm { esi: "5".into(), ..triage() }.validate(adult, now).unwrap().esi, 5);
    }

    #[test]
    fn unknown_age_needs_a_band_and_children_a_weight() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let e = triage().validate(None, now).err().unwrap();
        assert!(e.get("age_band").is_some(), "never a default to adult");
        let e = TriageForm { age_band: "3y_8y".into(), ..triage() }.validate(None, now).err().unwrap();
        assert!(e.get("weight_kg").is_some());
        let v = TriageForm { age_band: "3y_8y".into(), weight_kg: "20".into(), weight_estimated: true, ..triage() }
            .validate(None, now)
            .unwrap();
        assert!(v.age_estimated && v.band == AgeBand::Y3Y8);
    }

    #[test]
    fn impossible_vitals_are_refused_extreme_ones_need_confirmation() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let adult = Some(date!(1980 - 01 - 01));
        let e = TriageForm { pulse: "400".into(), ..triage() }.validate(adult, now).err().unwrap();
        assert!(e.get("pulse").is_some());
        let e = TriageForm { spo2: "55".into(), ..triage() }.validate(adult, now).err().unwrap();
        assert!(e.get("confirm_extreme").is_some());
        let v = TriageForm { spo2: "55".into(), confirm_extreme: true, ..triage() }.validate(adult, now).unwrap();
        assert!(v.outcome.danger_zone);
    }

    #[test]
    fn quick_registration_takes_an_age_in_years_months_or_days() {
        let today = date!(2026 - 12 - 01);
        let f = |age: &str| ArrivalForm {
            name: "Ada Lovelace".into(),
            sex: "female".into(),
            age: age.into(),
            chief_complaint: "Chest pain".into(),
            ..Default::default()
        };
        for age in ["34", "5m", "10d"] {
            assert!(f(age).validate(today).is_ok(), "{age}");
        }
        for age in ["", "200", "40m", "x"] {
            assert!(f(age).validate(today).err().unwrap().get("age").is_some(), "{age}");
        }
        let e = ArrivalForm::default().validate(today).err().unwrap();
        for field in ["name", "sex", "age", "chief_complaint"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        let unknown = ArrivalForm { unidentified: true, chief_complaint: "Collapsed".into(), ..Default::default() };
        assert!(unknown.validate(today).is_ok());
    }
}
