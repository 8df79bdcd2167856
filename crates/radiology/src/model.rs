//! Rows, forms and radiology's pure functions: the safety checks before booking (ACR–NKF 2020
//! contrast and kidney function, pregnancy, prior contrast reaction, MRI implants).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

pub const MODALITIES: [(&str, &str, bool); 7] = [
    ("XR", "X-ray", true),
    ("CT", "Computed tomography", true),
    ("MR", "Magnetic resonance imaging", false),
    ("US", "Ultrasound", false),
    ("MG", "Mammography", true),
    ("RF", "Fluoroscopy", true),
    ("NM", "Nuclear medicine", true),
];

pub const LATERALITIES: [&str; 3] = ["left", "right", "bilateral"];
pub const PREGNANCY: [&str; 4] = ["not_pregnant", "pregnant", "unknown", "not_applicable"];
pub const IMPLANTS: [&str; 3] = ["none", "conditional", "unsafe"];
/// eGFR older than this is not current for an outpatient (ACR–NKF 2020).
pub const EGFR_MAX_AGE_DAYS: i64 = 30;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyModality {
    pub code: String,
    pub name: String,
    pub ionising: bool,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyRoom {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility: String,
    pub code: String,
    pub name: String,
    pub modality: String,
    pub active: bool,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyProcedure {
    pub code: String,
    pub name: String,
    pub modality: String,
    pub body_part: String,
    pub laterality_required: bool,
    /// none, iodinated or gadolinium.
    pub contrast: String,
    pub ionising: bool,
    pub duration_min: i32,
    pub preparation: String,
    pub charge_code: String,
    pub normal_findings: String,
    pub normal_impression: String,
}

/// An imaging order (the detail row of an `imaging` order of the orders core), shaped for FHIR
/// ServiceRequest (+ the booking and the accession of an ImagingStudy).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyOrder {
    pub id: Uuid,
    /// The orders core's header.
    pub order_id: Uuid,
    pub patient_id: Uuid,
    #[serde(skip)]
    pub patient: String,
    #[serde(skip)]
    pub mrn: String,
    pub facility_id: Uuid,
    pub procedure: String,
    pub procedure_name: String,
    pub modality: String,
    pub laterality: Option<String>,
    pub clinical_question: String,
    pub priority: String,
    pub orderer_id: Uuid,
    pub orderer: String,
    #[serde(with = "time::serde::rfc3339")]
    pub ordered_at: OffsetDateTime,
    /// requested, protocolled, rejected, scheduled, arrived, in_progress, completed, cancelled.
    pub status: String,
    pub protocol: Option<String>,
    pub protocol_note: String,
    pub reject_reason: Option<String>,
    pub room_id: Option<Uuid>,
    pub room: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub start_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub end_at: Option<OffsetDateTime>,
    pub accession: Option<String>,
    /// The safety answers and findings recorded at booking.
    #[schema(value_type = Object)]
    pub safety: serde_json::Value,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// The report's status (preliminary, final), if any.
    pub report_status: Option<String>,
}

impl RadiologyOrder {
    pub fn status_key(&self) -> String {
        format!("radiology-status-{}", self.status.replace('_', "-"))
    }
    /// An MRI (the booking form asks the implant questionnaire).
    pub fn is_mr(&self) -> bool {
        self.modality == "MR"
    }
    pub fn side(&self) -> &str {
        self.laterality.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyReport {
    pub id: Uuid,
    pub rad_order_id: Uuid,
    /// preliminary or final.
    pub status: String,
    pub findings: String,
    pub impression: String,
    pub critical: bool,
    pub author: String,
    pub signed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyAddendum {
    pub id: Uuid,
    pub text: String,
    pub critical: bool,
    pub signed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RadiologyOverride {
    pub check_code: String,
    pub reason: String,
    pub by_user: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Protocolling: `accept`, `change` (with the new protocol) or `reject` (with a reason).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyProtocolForm {
    pub decision: String,
    pub protocol: String,
    pub note: String,
    pub reason: String,
}

/// Booking onto a room, with the safety questionnaire.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyBookForm {
    pub room_id: String,
    /// Start (RFC 3339 on the API; local time on the page).
    pub start: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub start_offset: Option<String>,
    /// not_pregnant, pregnant, unknown, not_applicable.
    pub pregnancy: String,
    /// MRI: none, conditional or unsafe.
    pub mr_implant: String,
    /// MRI: the MR Conditional implant's conditions (required when conditional).
    pub mr_conditions: String,
    /// A prior reaction to contrast media (shellfish, iodine or povidone allergies do not count).
    pub prior_contrast_reaction: bool,
    /// The patient takes metformin.
    pub on_metformin: bool,
    /// The reason for proceeding despite the prompts (required when there are prompts).
    pub override_reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyReportForm {
    pub findings: String,
    pub impression: String,
    pub critical: bool,
    /// `preliminary` (default) or `final` (signs: radiologists only).
    pub status: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyAddendumForm {
    pub text: String,
    pub critical: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RadiologyRoomForm {
    pub facility_id: String,
    pub code: String,
    pub name: String,
    pub modality: String,
}

/// What the safety checks know about the patient and the exam.
#[derive(Debug, Clone)]
pub struct SafetyInput<'a> {
    pub modality: &'a str,
    pub body_part: &'a str,
    pub contrast: &'a str,
    pub ionising: bool,
    /// Age in whole years on the exam day (None: unknown birth date).
    pub age: Option<i32>,
    /// Sex at birth (the record's `birth_sex`; `sex` when absent) — not the gender field.
    pub birth_sex: &'a str,
    /// The latest eGFR and when it was taken.
    pub egfr: Option<(f64, OffsetDateTime)>,
    pub now: OffsetDateTime,
}

/// One outcome of the checks. `Prompt`s need an override with a reason; `Stop`s refuse the
/// booking; `Advice` is recorded and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Level {
    Advice,
    Prompt,
    Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub level: Level,
    pub message: String,
}

fn f(code: &'static str, level: Level, message: impl Into<String>) -> Finding {
    Finding { code, level, message: message.into() }
}

/// Reproductive potential: about 12–50 years, not male at birth (unknown counts: ask).
pub fn reproductive_potential(age: Option<i32>, birth_sex: &str) -> bool {
    birth_sex != "male" && age.is_none_or(|a| (12..=50).contains(&a))
}

/// Whether an exam needs the pregnancy status: ionising exams of abdomen or pelvis, CT,
/// fluoroscopy, nuclear medicine and gadolinium; never ultrasound.
pub fn needs_pregnancy_status(modality: &str, body_part: &str, contrast: &str, ionising: bool) -> bool {
    if modality == "US" {
        return false;
    }
    matches!(modality, "CT" | "RF" | "NM")
        || contrast == "gadolinium"
        || (ionising && matches!(body_part, "abdomen" | "pelvis"))
}

/// The checks before booking (ACR–NKF 2020 consensus on contrast and kidney disease, pregnancy,
/// prior contrast reaction, MRI implants). Field problems of the questionnaire (a missing
/// answer) are returned apart as `(field, message)`.
pub fn safety_checks(i: &SafetyInput, form: &RadiologyBookForm) -> (Vec<Finding>, Vec<(&'static str, String)>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    if i.contrast == "iodinated" {
        match i.egfr {
            None => out.push(f(
                "egfr_missing",
                Level::Prompt,
                "Iodinated contrast: no eGFR on record. An eGFR within 30 days is required.",
            )),
            Some((_, at)) if i.now - at > Duration::days(EGFR_MAX_AGE_DAYS) => out.push(f(
                "egfr_stale",
                Level::Prompt,
                format!(
                    "Iodinated contrast: the latest eGFR is {} days old (more than 30 days).",
                    (i.now - at).whole_days()
                ),
            )),
            _ => {}
        }
        if let Some((v, _)) = i.egfr {
            if v < 30.0 {
                out.push(f(
                    "egfr_low",
                    Level::Prompt,
                    format!("Iodinated contrast with eGFR {v:.0} mL/min/1.73 m² (below 30): risk of contrast-associated kidney injury."),
                ));
                if form.on_metformin {
                    out.push(f(
                        "metformin_hold",
                        Level::Advice,
                        "Hold metformin for 48 hours after the contrast and recheck kidney function before restarting.",
                    ));
                }
            }
        }
    }
    if i.contrast == "gadolinium" {
        if let Some((v, _)) = i.egfr.filter(|(v, _)| *v < 30.0) {
            out.push(f(
                "gadolinium_group2",
                Level::Advice,
                format!("eGFR {v:.0}: use a group II gadolinium agent only (group I avoided)."),
            ));
        }
    }
    if i.contrast != "none" && form.prior_contrast_reaction {
        out.push(f(
            "contrast_reaction",
            Level::Prompt,
            "Prior reaction to contrast media: consider premedication or an alternative exam.",
        ));
    }
    if needs_pregnancy_status(i.modality, i.body_part, i.contrast, i.ionising)
        && reproductive_potential(i.age, i.birth_sex)
    {
        match form.pregnancy.as_str() {
            "not_pregnant" => {}
            "pregnant" => out.push(f("pregnant", Level::Prompt, "The patient is pregnant: justify the exam.")),
            "" => missing.push(("pregnancy", "Ask the pregnancy status (patient of reproductive potential).".into())),
            _ => out.push(f(
                "pregnancy_unknown",
                Level::Prompt,
                "Pregnancy status unknown in a patient of reproductive potential: test or justify.",
            )),
        }
    }
    if i.modality == "MR" {
        match form.mr_implant.as_str() {
            "none" => {}
            "conditional" => {
                if form.mr_conditions.trim().is_empty() {
                    missing.push(("mr_conditions", "Record the MR Conditional implant's conditions.".into()));
                } else {
                    out.push(f(
                        "mr_conditional",
                        Level::Advice,
                        format!("MR Conditional implant: {}", form.mr_conditions.trim()),
                    ));
                }
            }
            "unsafe" => out.push(f(
                "mr_unsafe",
                Level::Stop,
                "MR Unsafe implant: the MRI must not go ahead. Choose another exam.",
            )),
            _ => missing.push(("mr_implant", "Answer the MRI safety questionnaire (implants).".into())),
        }
    }
    (out, missing)
}

pub fn age_years(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(modality: &'a str, contrast: &'a str, age: i32, egfr: Option<(f64, i64)>) -> SafetyInput<'a> {
        let now = OffsetDateTime::now_utc();
        SafetyInput {
            modality,
            body_part: "abdomen",
            contrast,
            ionising: modality != "MR" && modality != "US",
            age: Some(age),
            birth_sex: "female",
            egfr: egfr.map(|(v, d)| (v, now - Duration::days(d))),
            now,
        }
    }

    fn codes(v: &[Finding]) -> Vec<&str> {
        v.iter().map(|f| f.code).collect()
    }

    #[test]
    fn contrast_ct_prompts() {
        let form = RadiologyBookForm { pregnancy: "not_pregnant".into(), ..Default::default() };
        assert_eq!(codes(&safety_checks(&input("CT", "iodinated", 60, None), &form).0), ["egfr_missing"]);
        assert_eq!(codes(&safety_checks(&input("CT", "iodinated", 60, Some((80.0, 90))), &form).0), ["egfr_stale"]);
        assert_eq!(codes(&safety_checks(&input("CT", "iodinated", 60, Some((25.0, 2))), &form).0), ["egfr_low"]);
        assert!(safety_checks(&input("CT", "iodinated", 60, Some((45.0, 2))), &form).0.is_empty());
        let met = RadiologyBookForm { on_metformin: true, ..form.clone() };
        assert_eq!(
            codes(&safety_checks(&input("CT", "iodinated", 60, Some((25.0, 2))), &met).0),
            ["egfr_low", "metformin_hold"]
        );
        // Gadolinium below 30: advice only (group II acceptable).
        let g = safety_checks(
            &input("MR", "gadolinium", 60, Some((20.0, 2))),
            &RadiologyBookForm { mr_implant: "none".into(), ..form },
        );
        assert_eq!(g.0.iter().map(|f| &f.level).collect::<Vec<_>>(), [&Level::Advice]);
    }

    #[test]
    fn pregnancy_by_age_sex_and_exam() {
        let blank = RadiologyBookForm::default();
        assert_eq!(safety_checks(&input("CT", "none", 30, None), &blank).1[0].0, "pregnancy");
        let unknown = RadiologyBookForm { pregnancy: "unknown".into(), ..Default::default() };
        assert_eq!(codes(&safety_checks(&input("CT", "none", 30, None), &unknown).0), ["pregnancy_unknown"]);
        assert!(safety_checks(&input("US", "none", 30, None), &blank).0.is_empty());
        assert!(safety_checks(&input("CT", "none", 60, None), &blank).1.is_empty());
        let male = SafetyInput { birth_sex: "male", ..input("CT", "none", 30, None) };
        assert!(safety_checks(&male, &blank).1.is_empty());
    }

    #[test]
    fn mri_implants() {
        let unsafe_ = RadiologyBookForm { mr_implant: "unsafe".into(), ..Default::default() };
        let mut i = input("MR", "none", 60, None);
        i.body_part = "head";
        assert_eq!(safety_checks(&i, &unsafe_).0[0].level, Level::Stop);
        let cond = RadiologyBookForm { mr_implant: "conditional".into(), ..Default::default() };
        assert_eq!(safety_checks(&i, &cond).1[0].0, "mr_conditions");
        assert_eq!(safety_checks(&i, &RadiologyBookForm::default()).1[0].0, "mr_implant");
    }
}
