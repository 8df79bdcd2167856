//! Rows, forms and their validation, and the fixed vocabularies of the theatre: sides,
//! anaesthesia types, priorities, cancellation reasons, the stages of a case, the readiness
//! items and the WHO Surgical Safety Checklist (2009).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

pub const SIDES: &[&str] = &["left", "right", "bilateral", "not_applicable"];
pub const ANAESTHESIA: &[&str] = &["general", "regional", "spinal", "local", "sedation"];
pub const PRIORITIES: &[&str] = &["elective", "urgent", "emergency"];
pub const ADMISSIONS: &[&str] = &["day_case", "inpatient"];
pub const BLOOD: &[&str] = &["none", "group_and_screen", "crossmatched"];
pub const CANCEL_REASONS: &[&str] = &["patient_unfit", "no_bed", "overrun", "equipment", "patient_dna", "other"];
pub const COUNT_STAGES: &[&str] = &["baseline", "cavity_closure", "skin_closure", "relief"];
pub const RESOLUTIONS: &[&str] = &["recount", "xray", "surgeon_decision"];
pub const ASA: &[&str] = &["I", "II", "III", "IV", "V", "VI"];

/// The stages of a case, in order (`scheduled` first).
pub const STAGES: &[&str] =
    &["scheduled", "in_room", "anaesthesia", "incision", "closure", "out_of_room", "recovery", "discharged"];

/// A stage's time column.
pub fn stage_column(stage: &str) -> Option<&'static str> {
    Some(match stage {
        "in_room" => "in_room_at",
        "anaesthesia" => "anaesthesia_at",
        "incision" => "incision_at",
        "closure" => "closure_at",
        "out_of_room" => "out_of_room_at",
        "recovery" => "recovery_at",
        "discharged" => "discharged_at",
        _ => return None,
    })
}

/// The checklist phase that must be complete before a stage is recorded (the WHO rule).
pub fn gate(stage: &str) -> Option<&'static str> {
    match stage {
        "anaesthesia" => Some("sign_in"),
        "incision" => Some("time_out"),
        "out_of_room" => Some("sign_out"),
        _ => None,
    }
}

/// One readiness item: key and the values it takes (`side` = one of [`SIDES`]).
pub const READINESS: &[(&str, &[&str])] = &[
    ("consent", &["left", "right", "bilateral", "not_applicable"]),
    ("assessment", &["I", "II", "III", "IV", "V", "VI", "IE", "IIE", "IIIE", "IVE", "VE", "VIE"]),
    ("fasting", &["confirmed"]),
    ("site_marked", &["left", "right", "bilateral", "not_applicable"]),
    ("allergies", &["reviewed"]),
    ("identity", &["checked"]),
];

/// One item of the WHO Surgical Safety Checklist (2009): phase, key and the answers it takes.
pub struct ChecklistItem {
    pub phase: &'static str,
    pub key: &'static str,
    pub answers: &'static [&'static str],
}

const fn item(phase: &'static str, key: &'static str, answers: &'static [&'static str]) -> ChecklistItem {
    ChecklistItem { phase, key, answers }
}

pub const PHASES: &[&str] = &["sign_in", "time_out", "sign_out"];

pub const CHECKLIST: &[ChecklistItem] = &[
    // Sign In, before induction of anaesthesia.
    item("sign_in", "si_identity", &["confirmed"]),
    item("sign_in", "si_site_marked", &["yes", "not_applicable"]),
    item("sign_in", "si_anaesthesia_check", &["confirmed"]),
    item("sign_in", "si_pulse_oximeter", &["confirmed"]),
    item("sign_in", "si_allergy", &["no", "yes"]),
    item("sign_in", "si_airway", &["no", "yes_equipment_available"]),
    item("sign_in", "si_blood_loss", &["no", "yes_access_planned"]),
    // Time Out, before skin incision.
    item("time_out", "to_team_introduced", &["confirmed"]),
    item("time_out", "to_patient_site_procedure", &["confirmed"]),
    item("time_out", "to_surgeon_critical_events", &["reviewed"]),
    item("time_out", "to_anaesthesia_concerns", &["reviewed"]),
    item("time_out", "to_nursing_sterility", &["confirmed"]),
    item("time_out", "to_antibiotic", &["given", "not_applicable"]),
    item("time_out", "to_imaging", &["displayed", "not_applicable"]),
    // Sign Out, before the patient leaves the operating room.
    item("sign_out", "so_procedure_recorded", &["confirmed"]),
    item("sign_out", "so_counts", &["correct", "not_applicable"]),
    item("sign_out", "so_specimens_labelled", &["confirmed", "not_applicable"]),
    item("sign_out", "so_equipment_problems", &["none", "addressed"]),
    item("sign_out", "so_recovery_concerns", &["reviewed"]),
];

pub fn checklist_item(key: &str) -> Option<&'static ChecklistItem> {
    CHECKLIST.iter().find(|i| i.key == key)
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryTheatre {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub code: String,
    pub name: String,
    pub specialty: String,
    pub equipment: String,
    /// Kept for emergencies.
    pub emergency: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryTheatreForm {
    /// One of the user's facilities.
    pub facility_id: String,
    pub code: String,
    pub name: String,
    pub specialty: String,
    pub equipment: String,
    pub emergency: bool,
}

pub struct ValidTheatre {
    pub facility_id: Uuid,
    pub code: String,
    pub name: String,
    pub specialty: String,
    pub equipment: String,
    pub emergency: bool,
}

fn len(e: &mut FieldErrors, field: &'static str, v: &str, max: usize) {
    if v.chars().count() > max {
        e.add(field, format!("At most {max} characters."));
    }
}

fn uuid(e: &mut FieldErrors, field: &'static str, v: &str, required: bool, msg: &str) -> Option<Uuid> {
    let v = v.trim();
    if v.is_empty() {
        if required {
            e.add(field, msg);
        }
        return None;
    }
    match Uuid::parse_str(v) {
        Ok(id) => Some(id),
        Err(_) => {
            e.add(field, msg);
            None
        }
    }
}

fn one_of(e: &mut FieldErrors, field: &'static str, v: &str, allowed: &[&str], msg: &str) -> String {
    let v = v.trim();
    if !allowed.contains(&v) {
        e.add(field, msg);
    }
    v.to_string()
}

impl SurgeryTheatreForm {
    pub fn validate(&self) -> Result<ValidTheatre, FieldErrors> {
        let mut e = FieldErrors::default();
        let facility_id = uuid(&mut e, "facility_id", &self.facility_id, true, "Choose the facility.");
        let code = self.code.trim().to_uppercase();
        if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            e.add("code", "Give a code of 1 to 12 letters, digits or hyphens.");
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "Give the theatre's name.");
        }
        len(&mut e, "name", &name, 120);
        len(&mut e, "specialty", &self.specialty, 80);
        len(&mut e, "equipment", &self.equipment, 1000);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidTheatre {
            facility_id: facility_id.unwrap_or_default(),
            code,
            name,
            specialty: self.specialty.trim().into(),
            equipment: self.equipment.trim().into(),
            emergency: self.emergency,
        })
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgerySession {
    pub id: Uuid,
    pub theatre_id: Uuid,
    pub theatre: String,
    pub surgeon_id: Option<Uuid>,
    pub surgeon: Option<String>,
    pub specialty: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgerySessionForm {
    pub theatre_id: String,
    /// The list's surgeon (optional: a specialty list).
    pub surgeon_id: String,
    pub specialty: String,
    /// RFC 3339 in the API; local date and time in the page.
    pub starts_at: String,
    pub ends_at: String,
}

pub struct ValidSession {
    pub theatre_id: Uuid,
    pub surgeon_id: Option<Uuid>,
    pub specialty: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

impl SurgerySessionForm {
    pub fn validate(&self, zone: &Zone) -> Result<ValidSession, FieldErrors> {
        let mut e = FieldErrors::default();
        let theatre_id = uuid(&mut e, "theatre_id", &self.theatre_id, true, "Choose the theatre.");
        let surgeon_id = uuid(&mut e, "surgeon_id", &self.surgeon_id, false, "Choose the surgeon.");
        len(&mut e, "specialty", &self.specialty, 80);
        let starts_at = zone.read_field(&mut e, "starts_at", &self.starts_at, None);
        let ends_at = zone.read_field(&mut e, "ends_at", &self.ends_at, None);
        if let (Some(s), Some(t)) = (starts_at, ends_at) {
            if t <= s || t - s > time::Duration::hours(24) {
                e.add("ends_at", "The list ends after it starts, within 24 hours.");
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidSession {
            theatre_id: theatre_id.unwrap_or_default(),
            surgeon_id,
            specialty: self.specialty.trim().into(),
            starts_at: starts_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            ends_at: ends_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        })
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryProcedure {
    pub code: String,
    pub name: String,
    pub specialty: String,
    /// The side must be given (left, right or bilateral).
    pub laterality: bool,
    pub typical_minutes: i32,
    pub charge_code: String,
}

/// A case with the names a list shows.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryCase {
    pub id: Uuid,
    pub case_no: i64,
    pub patient_id: Uuid,
    #[serde(skip)]
    pub patient: String,
    #[serde(skip)]
    pub initials: String,
    pub theatre_id: Uuid,
    pub theatre: String,
    pub session_id: Option<Uuid>,
    pub procedure_code: String,
    pub procedure: String,
    pub laterality: bool,
    pub side: String,
    pub site: String,
    pub surgeon_id: Uuid,
    pub surgeon: String,
    pub assistant_id: Option<Uuid>,
    pub assistant: Option<String>,
    pub anaesthetist_id: Uuid,
    pub anaesthetist: String,
    pub nurse_id: Option<Uuid>,
    pub nurse: Option<String>,
    pub anaesthesia: String,
    pub priority: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub target_at: Option<OffsetDateTime>,
    pub admission: String,
    pub blood: String,
    pub blood_units: i32,
    pub blood_attested: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_end: OffsetDateTime,
    pub expected_minutes: i32,
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub in_room_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub anaesthesia_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub incision_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closure_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub out_of_room_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub recovery_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub discharged_at: Option<OffsetDateTime>,
    /// A stage was recorded before its checklist phase was complete (emergency).
    pub non_compliant: bool,
    pub emergency_reason: String,
    pub cancel_reason: Option<String>,
    pub cancel_note: String,
    pub rebooked_from: Option<Uuid>,
    pub count_unresolved: bool,
    pub count_xray: String,
    pub count_reason: String,
    pub recovery_override: String,
    /// Another case of the same surgeon overlaps this one (flagged, not refused).
    pub surgeon_overlap: bool,
}

impl SurgeryCase {
    /// Minutes late against the plan: started late, or not started while the plan has passed.
    pub fn delay_minutes(&self, now: OffsetDateTime) -> i64 {
        let started = self.in_room_at.unwrap_or(now);
        if self.status == "cancelled" {
            return 0;
        }
        ((started - self.planned_start).whole_minutes()).max(0)
    }
    pub fn is_open(&self) -> bool {
        !matches!(self.status.as_str(), "cancelled" | "discharged")
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryCaseForm {
    pub theatre_id: String,
    /// The list the case is booked on (optional; the case must fit inside it).
    pub session_id: String,
    pub procedure_code: String,
    /// left, right, bilateral or not_applicable.
    pub side: String,
    pub site: String,
    pub surgeon_id: String,
    pub assistant_id: String,
    pub anaesthetist_id: String,
    /// The circulating or scrub nurse of the case team.
    pub nurse_id: String,
    /// general, regional, spinal, local or sedation.
    pub anaesthesia: String,
    /// elective, urgent or emergency (urgent and emergency need target_at).
    pub priority: String,
    pub target_at: String,
    /// day_case or inpatient.
    pub admission: String,
    /// none, group_and_screen or crossmatched.
    pub blood: String,
    pub blood_units: String,
    /// The booker attests the blood is arranged (until a blood bank module exists).
    pub blood_attested: bool,
    /// RFC 3339 in the API; local date and time in the page.
    pub planned_start: String,
    /// Minutes; empty: the median of the surgeon's last completed cases of the procedure, else the
    /// catalogue's typical duration.
    pub expected_minutes: String,
    /// Pages only: the UTC offset chosen for a local time the clocks repeat.
    pub planned_start_offset: String,
    pub target_at_offset: String,
}

pub struct ValidCase {
    pub theatre_id: Uuid,
    pub session_id: Option<Uuid>,
    pub procedure_code: String,
    pub side: String,
    pub site: String,
    pub surgeon_id: Uuid,
    pub assistant_id: Option<Uuid>,
    pub anaesthetist_id: Uuid,
    pub nurse_id: Option<Uuid>,
    pub anaesthesia: String,
    pub priority: String,
    pub target_at: Option<OffsetDateTime>,
    pub admission: String,
    pub blood: String,
    pub blood_units: i32,
    pub blood_attested: bool,
    pub planned_start: OffsetDateTime,
    pub expected_minutes: Option<i32>,
}

impl SurgeryCaseForm {
    pub fn validate(&self, zone: &Zone) -> Result<ValidCase, FieldErrors> {
        let mut e = FieldErrors::default();
        let theatre_id = uuid(&mut e, "theatre_id", &self.theatre_id, true, "Choose the theatre.");
        let session_id = uuid(&mut e, "session_id", &self.session_id, false, "Choose a list of this theatre.");
        let procedure_code = self.procedure_code.trim().to_uppercase();
        if procedure_code.is_empty() {
            e.add("procedure_code", "Choose the procedure.");
        }
        let side =
            one_of(&mut e, "side", &self.side, SIDES, "Choose the side: left, right, bilateral or not applicable.");
        len(&mut e, "site", &self.site, 200);
        let surgeon_id = uuid(&mut e, "surgeon_id", &self.surgeon_id, true, "Choose the surgeon.");
        let assistant_id = uuid(&mut e, "assistant_id", &self.assistant_id, false, "Choose the assistant.");
        let anaesthetist_id = uuid(&mut e, "anaesthetist_id", &self.anaesthetist_id, true, "Choose the anaesthetist.");
        let nurse_id = uuid(&mut e, "nurse_id", &self.nurse_id, false, "Choose the nurse.");
        let team: Vec<Uuid> = [surgeon_id, assistant_id, anaesthetist_id, nurse_id].into_iter().flatten().collect();
        let mut distinct = team.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != team.len() {
            e.add("anaesthetist_id", "Each member of the team holds one role: choose different people.");
        }
        let anaesthesia = one_of(&mut e, "anaesthesia", &self.anaesthesia, ANAESTHESIA, "Choose the anaesthesia type.");
        let priority = one_of(&mut e, "priority", &self.priority, PRIORITIES, "Choose elective, urgent or emergency.");
        let target_at = if self.target_at.trim().is_empty() {
            if priority != "elective" {
                e.add("target_at", "An urgent or emergency case needs its target time.");
            }
            None
        } else {
            zone.read_field(&mut e, "target_at", &self.target_at, Some(&self.target_at_offset))
        };
        let admission = one_of(&mut e, "admission", &self.admission, ADMISSIONS, "Choose day case or inpatient.");
        let blood = one_of(&mut e, "blood", &self.blood, BLOOD, "Choose the blood arrangement.");
        let blood_units = if self.blood_units.trim().is_empty() {
            0
        } else {
            match self.blood_units.trim().parse::<i32>() {
                Ok(n) if (0..=20).contains(&n) => n,
                _ => {
                    e.add("blood_units", "Give 0 to 20 units.");
                    0
                }
            }
        };
        if blood == "crossmatched" && blood_units == 0 {
            e.add("blood_units", "Give the number of units cross-matched.");
        }
        if blood != "none" && !self.blood_attested {
            e.add("blood_attested", "Attest that the blood is arranged.");
        }
        let planned_start =
            zone.read_field(&mut e, "planned_start", &self.planned_start, Some(&self.planned_start_offset));
        let expected_minutes = if self.expected_minutes.trim().is_empty() {
            None
        } else {
            match self.expected_minutes.trim().parse::<i32>() {
                Ok(n) if (5..=1440).contains(&n) => Some(n),
                _ => {
                    e.add("expected_minutes", "Give 5 to 1440 minutes, or leave empty for the usual duration.");
                    None
                }
            }
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidCase {
            theatre_id: theatre_id.unwrap_or_default(),
            session_id,
            procedure_code,
            side,
            site: self.site.trim().into(),
            surgeon_id: surgeon_id.unwrap_or_default(),
            assistant_id,
            anaesthetist_id: anaesthetist_id.unwrap_or_default(),
            nurse_id,
            anaesthesia,
            priority,
            target_at,
            admission,
            blood,
            blood_units,
            blood_attested: self.blood_attested,
            planned_start: planned_start.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            expected_minutes,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryCancelForm {
    /// patient_unfit, no_bed, overrun, equipment, patient_dna or other.
    pub reason: String,
    pub note: String,
}

impl SurgeryCancelForm {
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let reason = one_of(&mut e, "reason", &self.reason, CANCEL_REASONS, "Choose the reason for cancelling.");
        len(&mut e, "note", &self.note, 1000);
        if reason == "other" && self.note.trim().is_empty() {
            e.add("note", "Say why the case is cancelled.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok((reason, self.note.trim().into()))
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryRebookForm {
    pub theatre_id: String,
    pub session_id: String,
    pub planned_start: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryReadinessForm {
    /// consent, assessment, fasting, site_marked, allergies or identity.
    pub item: String,
    /// consent and site_marked: the side; assessment: the ASA class (I–VI, E for emergency, e.g.
    /// IIIE); fasting: confirmed; allergies: reviewed; identity: checked.
    pub value: String,
}

impl SurgeryReadinessForm {
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let item = self.item.trim();
        let Some((_, values)) = READINESS.iter().find(|(k, _)| *k == item) else {
            return Err(FieldErrors::one("item", "Not a readiness item."));
        };
        let value = self.value.trim().to_string();
        let value = if item == "assessment" { value.to_uppercase() } else { value };
        if !values.contains(&value.as_str()) {
            return Err(FieldErrors::one("value", "Not a value of this item."));
        }
        Ok((item.to_string(), value))
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryConfirmForm {
    /// The checklist item's key (e.g. si_identity, to_antibiotic, so_counts).
    pub item: String,
    /// One of the item's answers.
    pub answer: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryStageForm {
    /// in_room, anaesthesia, incision, closure, out_of_room, recovery or discharged.
    pub stage: String,
    /// When it happened (default now); RFC 3339 in the API.
    pub at: String,
    /// Records a stage whose checklist phase is incomplete (the case is flagged non-compliant).
    pub emergency_reason: String,
    /// Leaving recovery with an Aldrete score under 9: the case's anaesthetist's reason.
    pub override_reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryCountForm {
    /// baseline, cavity_closure, skin_closure or relief.
    pub stage: String,
    pub sponges: String,
    pub needles: String,
    pub instruments: String,
}

pub struct ValidCount {
    pub stage: String,
    pub sponges: i32,
    pub needles: i32,
    pub instruments: i32,
}

fn count(e: &mut FieldErrors, field: &'static str, v: &str) -> i32 {
    match v.trim().parse::<i32>() {
        Ok(n) if (0..=1000).contains(&n) => n,
        _ => {
            e.add(field, "Give a whole number from 0 to 1000.");
            0
        }
    }
}

impl SurgeryCountForm {
    pub fn validate(&self) -> Result<ValidCount, FieldErrors> {
        let mut e = FieldErrors::default();
        let stage = one_of(&mut e, "stage", &self.stage, COUNT_STAGES, "Choose the count's stage.");
        let sponges = count(&mut e, "sponges", &self.sponges);
        let needles = count(&mut e, "needles", &self.needles);
        let instruments = count(&mut e, "instruments", &self.instruments);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidCount { stage, sponges, needles, instruments })
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryCount {
    pub id: Uuid,
    pub stage: String,
    pub sponges: i32,
    pub needles: i32,
    pub instruments: i32,
    pub discrepancy: bool,
    pub resolution: Option<String>,
    pub resolution_note: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryResolveForm {
    /// recount, xray or surgeon_decision.
    pub resolution: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryUnresolvedForm {
    /// The intra-operative X-ray's result.
    pub xray_result: String,
    /// Why the patient leaves with the count unresolved (e.g. unstable).
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurgeryAldreteForm {
    pub activity: String,
    pub respiration: String,
    pub circulation: String,
    pub consciousness: String,
    pub spo2: String,
}

impl SurgeryAldreteForm {
    pub fn validate(&self) -> Result<[i16; 5], FieldErrors> {
        let mut e = FieldErrors::default();
        let mut out = [0i16; 5];
        for (i, (field, v)) in [
            ("activity", &self.activity),
            ("respiration", &self.respiration),
            ("circulation", &self.circulation),
            ("consciousness", &self.consciousness),
            ("spo2", &self.spo2),
        ]
        .into_iter()
        .enumerate()
        {
            match v.trim().parse::<i16>() {
                Ok(n) if (0..=2).contains(&n) => out[i] = n,
                _ => e.add(field, "Score 0, 1 or 2."),
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryAldrete {
    pub id: Uuid,
    pub activity: i16,
    pub respiration: i16,
    pub circulation: i16,
    pub consciousness: i16,
    pub spo2: i16,
    pub total: i16,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryConfirmation {
    pub phase: String,
    pub item: String,
    pub answer: String,
    pub team_role: String,
    pub confirmed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub confirmed_at: OffsetDateTime,
    /// Confirmed after the stage it guards (emergency path).
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct SurgeryReadinessItem {
    pub item: String,
    pub value: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Whether a case is ready for theatre, and the reasons (message keys) when not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurgeryReadiness {
    pub ready: bool,
    /// Keys of what is missing or wrong (e.g. missing_consent, side_mismatch_consent).
    pub reasons: Vec<String>,
    pub items: Vec<SurgeryReadinessItem>,
}

/// Computes readiness from the recorded items.
pub fn readiness(case: &SurgeryCase, items: Vec<SurgeryReadinessItem>) -> SurgeryReadiness {
    let mut reasons = Vec::new();
    let get = |k: &str| items.iter().find(|i| i.item == k).map(|i| i.value.clone());
    for (k, _) in READINESS {
        if get(k).is_none() {
            reasons.push(format!("missing_{k}"));
        }
    }
    if case.laterality && case.side == "not_applicable" {
        reasons.push("side_required".into());
    }
    for k in ["consent", "site_marked"] {
        if let Some(v) = get(k) {
            if v != case.side {
                reasons.push(format!("side_mismatch_{k}"));
            }
        }
    }
    if case.blood != "none" && !case.blood_attested {
        reasons.push("blood_not_attested".into());
    }
    SurgeryReadiness { ready: reasons.is_empty(), reasons, items }
}
