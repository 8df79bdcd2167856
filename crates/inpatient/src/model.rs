//! Inpatient care's rows, forms and their validation, and the pure rules (gender policy,
//! observation frequency from NEWS2, cleaning kind).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

pub const WARD_KINDS: [&str; 7] = ["general", "icu", "hdu", "paediatric", "maternity", "isolation", "day_care"];
pub const GENDER_POLICIES: [&str; 3] = ["mixed", "female", "male"];
pub const BED_TYPES: [&str; 6] = ["standard", "critical_care", "cot", "bariatric", "maternity", "recliner"];
pub const BED_ISOLATION: [&str; 4] = ["none", "single_room", "negative_pressure", "positive_pressure"];
pub const BED_STATUSES: [&str; 5] = ["available", "reserved", "occupied", "cleaning", "blocked"];
pub const SOURCES: [&str; 4] = ["clinic", "ed", "surgery", "direct"];
pub const PRECAUTIONS: [&str; 4] = ["none", "contact", "droplet", "airborne"];
pub const DISPOSITIONS: [&str; 4] = ["home", "transfer_out", "against_advice", "deceased"];

/// "negative_pressure" → "Negative pressure".
pub fn label(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// A code list's options for a select, in the page's language (`inpatient-<list>-<code>`).
pub fn options(page: &hearth_core::web::Page, list: &str, codes: &[&str]) -> Vec<(String, String)> {
    codes.iter().map(|c| (c.to_string(), page.t_or(&format!("inpatient-{list}-{c}"), &label(c)))).collect()
}

// ---------------------------------------------------------------------------------------------
// Pure rules
// ---------------------------------------------------------------------------------------------

/// Whether placing a patient of `sex` on a ward breaks its gender policy (same-sex
/// accommodation). Critical care (ICU, HDU) is exempt; a patient whose sex is other or unknown
/// breaks no single-sex policy.
pub fn gender_breach(ward_kind: &str, policy: &str, sex: &str) -> bool {
    if matches!(ward_kind, "icu" | "hdu") || policy == "mixed" {
        return false;
    }
    matches!(sex, "female" | "male") && sex != policy
}

/// How often observations are due after a set with this NEWS2 band (RCP 2017 clinical
/// response): low (0–4) 4-hourly (12-hourly for a total of 0), a single parameter scoring 3 or
/// medium (5–6) hourly, high (7+) continuous monitoring (every 15 minutes on this list). An
/// incomplete set is repeated within the hour; a child's (no NEWS2) 4-hourly.
pub fn observation_interval(news2: Option<i16>, band: Option<&str>) -> Duration {
    match (band, news2) {
        (Some("high"), _) => Duration::minutes(15),
        (Some("medium" | "low_medium" | "incomplete"), _) => Duration::hours(1),
        (Some("low"), Some(0)) => Duration::hours(12),
        _ => Duration::hours(4),
    }
}

/// The cleaning a vacated bed needs: terminal after isolation precautions, in an isolation bed
/// or ward, or after a death; routine otherwise.
pub fn cleaning_kind(precaution: &str, bed_isolation: &str, ward_kind: &str, deceased: bool) -> &'static str {
    if deceased || precaution != "none" || bed_isolation != "none" || ward_kind == "isolation" {
        "terminal"
    } else {
        "routine"
    }
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// A ward (FHIR Location, physicalType `wa`).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Ward {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    pub code: String,
    pub name: String,
    /// general, icu, hdu, paediatric, maternity, isolation or day_care.
    pub kind: String,
    /// mixed, female or male.
    pub gender_policy: String,
    pub specialty: String,
    pub active: bool,
    /// Beds in service.
    pub beds: i64,
    pub occupied: i64,
    pub available: i64,
}

/// A bed (FHIR Location, physicalType `bd`, with its operational status) as the bed board
/// shows it: its current allocation and the stay behind it. The occupant is masked for
/// restricted records the viewer may not open.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BoardBed {
    pub id: Uuid,
    pub ward_id: Uuid,
    pub ward_code: String,
    pub ward_name: String,
    pub room: Option<String>,
    pub code: String,
    pub bed_type: String,
    /// The bed's isolation capability: none, single_room, negative_pressure, positive_pressure.
    pub isolation: String,
    pub oxygen: bool,
    pub ventilator: bool,
    pub bariatric: bool,
    pub cot: bool,
    /// available, reserved, occupied, cleaning or blocked.
    pub status: String,
    pub blocked_reason: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub blocked_until: Option<OffsetDateTime>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub status_changed_at: OffsetDateTime,
    /// occupancy or hold (the allocation holding the bed now), else null.
    pub allocation: Option<String>,
    pub hold_reason: Option<String>,
    pub patient_id: Option<Uuid>,
    /// "Family, Given", or "Restricted record".
    pub patient_name: Option<String>,
    pub mrn: Option<String>,
    pub restricted: bool,
    pub admission_id: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub admitted_at: Option<OffsetDateTime>,
    pub expected_los_days: Option<i32>,
    /// The patient's isolation precautions (contact, droplet, airborne) or none.
    pub precaution: Option<String>,
    pub on_leave: bool,
    /// A transfer out of this bed waits for the receiving ward.
    pub transfer_out: bool,
    /// Placed outside the ward's gender policy (an override with a reason).
    pub gender_breach: bool,
}

impl BoardBed {
    pub fn label(&self) -> String {
        match &self.room {
            Some(r) => format!("{} · {} · {}", self.ward_code, r, self.code),
            None => format!("{} · {}", self.ward_code, self.code),
        }
    }
    /// Whole days since admission (local days are not needed: a count of 24-hour periods).
    pub fn days_in(&self, now: OffsetDateTime) -> Option<i64> {
        self.admitted_at.filter(|_| self.allocation.as_deref() == Some("occupancy")).map(|a| (now - a).whole_days())
    }
    pub fn expected_discharge(&self) -> Option<OffsetDateTime> {
        expected_discharge(self.admitted_at, self.expected_los_days)
            .filter(|_| self.allocation.as_deref() == Some("occupancy"))
    }
    pub fn discharge_late(&self, now: OffsetDateTime) -> bool {
        self.expected_discharge().is_some_and(|d| d < now)
    }
    pub fn isolated(&self) -> bool {
        self.precaution.as_deref().is_some_and(|p| p != "none")
    }
    pub fn features(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.oxygen {
            f.push("oxygen");
        }
        if self.ventilator {
            f.push("ventilator");
        }
        if self.bariatric {
            f.push("bariatric");
        }
        if self.cot {
            f.push("cot");
        }
        f
    }
}

pub fn expected_discharge(admitted: Option<OffsetDateTime>, los: Option<i32>) -> Option<OffsetDateTime> {
    Some(admitted? + Duration::days(i64::from(los?)))
}

/// A hospital stay (FHIR Encounter, class IMP, with its location history in the transfers).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Admission {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub facility_code: String,
    /// The chart's inpatient encounter the stay opened.
    pub encounter_id: Option<Uuid>,
    /// admitted, on_leave or discharged.
    pub status: String,
    /// clinic, ed, surgery or direct.
    pub source: String,
    pub admitting_clinician_id: Option<Uuid>,
    pub admitting_clinician: Option<String>,
    pub diagnosis: String,
    pub icd_code: Option<String>,
    pub isolation: String,
    pub expected_los_days: Option<i32>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub admitted_at: OffsetDateTime,
    pub ward_id: Uuid,
    pub ward_name: String,
    pub bed_id: Option<Uuid>,
    pub bed: Option<String>,
    pub gender_override_reason: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub leave_until: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub discharged_at: Option<OffsetDateTime>,
    pub disposition: Option<String>,
    pub discharge_note: String,
    /// The transfer waiting for the receiving ward, if any.
    pub open_transfer_id: Option<Uuid>,
    pub open_transfer_to: Option<String>,
}

impl Admission {
    pub fn expected_discharge(&self) -> Option<OffsetDateTime> {
        expected_discharge(Some(self.admitted_at), self.expected_los_days)
    }
    pub fn open(&self) -> bool {
        self.status != "discharged"
    }
    /// Days and hours of the stay (so far).
    pub fn length(&self) -> String {
        let d = self.discharged_at.unwrap_or_else(OffsetDateTime::now_utc) - self.admitted_at;
        format!("{} d {} h", d.whole_days(), d.whole_hours() % 24)
    }
}

/// A transfer (a step of the stay's location history).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Transfer {
    pub id: Uuid,
    pub admission_id: Uuid,
    pub from_bed: String,
    pub to_bed: String,
    pub reason: String,
    /// sent, received or cancelled.
    pub status: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
}

/// A cleaning task of a vacated bed (no patient data).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct CleaningTask {
    pub id: Uuid,
    pub bed_id: Uuid,
    pub bed: String,
    pub ward_name: String,
    /// routine or terminal.
    pub kind: String,
    pub status: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    pub minutes: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------

/// A form field the API may send as a number or a string (or null).
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        v => v.to_string(),
    })
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

fn text(e: &mut FieldErrors, field: &'static str, v: &str, max: usize) -> String {
    let v = v.trim().to_string();
    if v.chars().count() > max {
        e.add(field, format!("At most {max} characters."));
    }
    v
}

fn one_of(e: &mut FieldErrors, field: &'static str, v: &str, list: &[&str], default: &'static str) -> String {
    let v = v.trim();
    if v.is_empty() {
        return default.to_string();
    }
    if !list.contains(&v) {
        e.add(field, "Choose one from the list.");
    }
    v.to_string()
}

/// A time typed in `zone` (RFC 3339 on the API), not in the future, not before 1900; empty: now.
fn when(
    e: &mut FieldErrors,
    zone: &Zone,
    field: &'static str,
    v: &str,
    offset: Option<&str>,
    now: OffsetDateTime,
) -> OffsetDateTime {
    match zone.read_field(e, field, v, offset) {
        None => now,
        Some(t) if t > now + Duration::minutes(1) => {
            e.add(field, "The time is in the future.");
            now
        }
        Some(t) if t.year() < 1900 => {
            e.add(field, "Enter a realistic date and time.");
            now
        }
        Some(t) => t,
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WardForm {
    pub facility_id: String,
    /// Upper case letters, digits, `_` or `-` (1–20).
    pub code: String,
    pub name: String,
    pub kind: String,
    pub gender_policy: String,
    pub specialty: String,
}

pub struct ValidWard {
    pub facility_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub gender_policy: String,
    pub specialty: String,
}

fn code_ok(c: &str, upper: bool) -> bool {
    (1..=20).contains(&c.len())
        && c.chars().all(|ch| {
            ch.is_ascii_digit()
                || ch == '_'
                || ch == '-'
                || ch.is_ascii_uppercase()
                || (!upper && ch.is_ascii_lowercase())
        })
}

impl WardForm {
    pub fn validate(&self) -> Result<ValidWard, FieldErrors> {
        let mut e = FieldErrors::default();
        let facility_id = opt_uuid(&mut e, "facility_id", &self.facility_id);
        if facility_id.is_none() && e.get("facility_id").is_none() {
            e.add("facility_id", "Choose the facility.");
        }
        let code = self.code.trim().to_uppercase();
        if !code_ok(&code, true) {
            e.add("code", "1 to 20 letters, digits, _ or -.");
        }
        let name = text(&mut e, "name", &self.name, 200);
        if name.is_empty() {
            e.add("name", "Name the ward.");
        }
        if !WARD_KINDS.contains(&self.kind.trim()) {
            e.add("kind", "Choose the kind of ward.");
        }
        let gender_policy = one_of(&mut e, "gender_policy", &self.gender_policy, &GENDER_POLICIES, "mixed");
        let specialty = text(&mut e, "specialty", &self.specialty, 100);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidWard {
            facility_id: facility_id.unwrap_or_default(),
            code,
            name,
            kind: self.kind.trim().to_string(),
            gender_policy,
            specialty,
        })
    }
}

/// Adds `count` beds numbered from `first`, each `prefix` + number, optionally in a room.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedsForm {
    /// The room's code (created when new); empty: the beds are in the open ward.
    pub room: String,
    pub prefix: String,
    #[serde(deserialize_with = "lenient")]
    #[schema(value_type = Option<i32>)]
    pub first: String,
    #[serde(deserialize_with = "lenient")]
    #[schema(value_type = Option<i32>)]
    pub count: String,
    pub bed_type: String,
    pub isolation: String,
    pub oxygen: Option<String>,
    pub ventilator: Option<String>,
    pub bariatric: Option<String>,
    pub cot: Option<String>,
}

pub struct ValidBeds {
    pub room: Option<String>,
    pub codes: Vec<String>,
    pub bed_type: String,
    pub isolation: String,
    pub oxygen: bool,
    pub ventilator: bool,
    pub bariatric: bool,
    pub cot: bool,
}

fn checked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| matches!(s, "true" | "on" | "1" | "yes"))
}

impl BedsForm {
    pub fn validate(&self) -> Result<ValidBeds, FieldErrors> {
        let mut e = FieldErrors::default();
        let room = Some(self.room.trim().to_string()).filter(|r| !r.is_empty());
        if room.as_deref().is_some_and(|r| !code_ok(r, false)) {
            e.add("room", "1 to 20 letters, digits, _ or -.");
        }
        let prefix = self.prefix.trim();
        let first: i64 = match self.first.trim() {
            "" => 1,
            s => s.parse().unwrap_or_else(|_| {
                e.add("first", "A whole number.");
                1
            }),
        };
        let count: i64 = match self.count.trim() {
            "" => 1,
            s => s.parse().unwrap_or_else(|_| {
                e.add("count", "A whole number.");
                1
            }),
        };
        if !(1..=60).contains(&count) {
            e.add("count", "Between 1 and 60 beds at a time.");
        }
        if !(0..=9999).contains(&first) {
            e.add("first", "Between 0 and 9999.");
        }
        let codes: Vec<String> = (first..first + count.clamp(1, 60)).map(|n| format!("{prefix}{n}")).collect();
        if codes.iter().any(|c| !code_ok(c, false)) {
            e.add("prefix", "Letters, digits, _ or - (a bed code is at most 20 characters).");
        }
        let bed_type = one_of(&mut e, "bed_type", &self.bed_type, &BED_TYPES, "standard");
        let isolation = one_of(&mut e, "isolation", &self.isolation, &BED_ISOLATION, "none");
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidBeds {
            room,
            codes,
            bed_type,
            isolation,
            oxygen: checked(&self.oxygen),
            ventilator: checked(&self.ventilator),
            bariatric: checked(&self.bariatric),
            cot: checked(&self.cot),
        })
    }
}

/// A bed's status change by hand: block (with a reason and expected return), unblock, or
/// release a reservation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedStatusForm {
    /// blocked or available.
    pub status: String,
    /// Why the bed is blocked (required to block).
    pub reason: String,
    /// Expected return to service (optional).
    pub until: String,
    #[schema(ignore)]
    pub until_offset: Option<String>,
}

pub struct ValidBedStatus {
    pub status: &'static str,
    pub reason: Option<String>,
    pub until: Option<OffsetDateTime>,
}

impl BedStatusForm {
    pub fn validate(&self, zone: &Zone) -> Result<ValidBedStatus, FieldErrors> {
        let mut e = FieldErrors::default();
        let status = match self.status.trim() {
            "blocked" => "blocked",
            "available" => "available",
            _ => {
                e.add("status", "A bed is blocked or made available by hand.");
                "available"
            }
        };
        let reason = text(&mut e, "reason", &self.reason, 300);
        if status == "blocked" && reason.is_empty() {
            e.add("reason", "Say why the bed is blocked.");
        }
        let until = if status == "blocked" {
            zone.read_field(&mut e, "until", &self.until, self.until_offset.as_deref())
        } else {
            None
        };
        if until.is_some_and(|u| u < OffsetDateTime::now_utc()) {
            e.add("until", "The expected return is in the past.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidBedStatus { status, reason: (status == "blocked").then_some(reason), until })
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AdmitForm {
    /// The bed (must be available).
    pub bed_id: String,
    /// clinic, ed, surgery or direct.
    pub source: String,
    /// The admitting clinician (a user who may write charts); default: the caller.
    pub clinician_id: String,
    /// The admitting diagnosis in words (or an ICD-10-CM code, or both).
    pub diagnosis: String,
    pub icd_code: String,
    /// Expected length of stay in days (1–365).
    #[serde(deserialize_with = "lenient")]
    #[schema(value_type = Option<i32>)]
    pub expected_los_days: String,
    /// Isolation precautions: none, contact, droplet or airborne.
    pub isolation: String,
    /// When admitted (`YYYY-MM-DDTHH:MM` local on the page, RFC 3339 on the API); default now.
    pub admitted_at: String,
    #[schema(ignore)]
    pub admitted_at_offset: Option<String>,
    /// Required when the ward's gender policy does not fit the patient (the placement is then
    /// recorded and reported as a same-sex accommodation breach, never refused).
    pub gender_override_reason: String,
}

pub struct ValidAdmit {
    pub bed_id: Uuid,
    pub source: String,
    pub clinician_id: Option<Uuid>,
    pub diagnosis: String,
    pub icd_code: Option<String>,
    pub expected_los_days: Option<i32>,
    pub isolation: String,
    pub admitted_at: OffsetDateTime,
    pub gender_override_reason: Option<String>,
}

impl AdmitForm {
    pub fn validate(&self, zone: &Zone, now: OffsetDateTime) -> Result<ValidAdmit, FieldErrors> {
        let mut e = FieldErrors::default();
        let bed_id = opt_uuid(&mut e, "bed_id", &self.bed_id);
        if bed_id.is_none() && e.get("bed_id").is_none() {
            e.add("bed_id", "Choose a bed.");
        }
        if !SOURCES.contains(&self.source.trim()) {
            e.add("source", "Choose where the patient comes from.");
        }
        let clinician_id = opt_uuid(&mut e, "clinician_id", &self.clinician_id);
        let diagnosis = text(&mut e, "diagnosis", &self.diagnosis, 500);
        let icd_code = Some(self.icd_code.trim().to_uppercase()).filter(|c| !c.is_empty());
        if icd_code.as_deref().is_some_and(|c| c.len() > 10) {
            e.add("icd_code", "Not an ICD-10-CM code.");
        }
        if diagnosis.is_empty() && icd_code.is_none() {
            e.add("diagnosis", "Give the admitting diagnosis (in words or as an ICD-10-CM code).");
        }
        let expected_los_days = match self.expected_los_days.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(n) if (1..=365).contains(&n) => Some(n),
                _ => {
                    e.add("expected_los_days", "A number of days from 1 to 365.");
                    None
                }
            },
        };
        let isolation = one_of(&mut e, "isolation", &self.isolation, &PRECAUTIONS, "none");
        let admitted_at = when(&mut e, zone, "admitted_at", &self.admitted_at, self.admitted_at_offset.as_deref(), now);
        if admitted_at < now - Duration::days(30) {
            e.add("admitted_at", "An admission more than 30 days ago is not entered here.");
        }
        let gender_override_reason = text(&mut e, "gender_override_reason", &self.gender_override_reason, 500);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidAdmit {
            bed_id: bed_id.unwrap_or_default(),
            source: self.source.trim().to_string(),
            clinician_id,
            diagnosis,
            icd_code,
            expected_los_days,
            isolation,
            admitted_at,
            gender_override_reason: Some(gender_override_reason).filter(|r| !r.is_empty()),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TransferForm {
    /// The receiving bed (must be available; it is reserved until the receiving ward accepts).
    pub to_bed_id: String,
    pub reason: String,
    /// Required when the receiving ward's gender policy does not fit the patient.
    pub gender_override_reason: String,
}

pub struct ValidTransfer {
    pub to_bed_id: Uuid,
    pub reason: String,
    pub gender_override_reason: Option<String>,
}

impl TransferForm {
    pub fn validate(&self) -> Result<ValidTransfer, FieldErrors> {
        let mut e = FieldErrors::default();
        let to = opt_uuid(&mut e, "to_bed_id", &self.to_bed_id);
        if to.is_none() && e.get("to_bed_id").is_none() {
            e.add("to_bed_id", "Choose the receiving bed.");
        }
        let reason = text(&mut e, "reason", &self.reason, 500);
        if reason.is_empty() {
            e.add("reason", "Say why the patient is transferred.");
        }
        let over = text(&mut e, "gender_override_reason", &self.gender_override_reason, 500);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidTransfer {
            to_bed_id: to.unwrap_or_default(),
            reason,
            gender_override_reason: Some(over).filter(|r| !r.is_empty()),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LeaveForm {
    /// Expected return (required); the bed stays held meanwhile.
    pub until: String,
    #[schema(ignore)]
    pub until_offset: Option<String>,
}

impl LeaveForm {
    pub fn validate(&self, zone: &Zone, now: OffsetDateTime) -> Result<OffsetDateTime, FieldErrors> {
        let mut e = FieldErrors::default();
        let until = zone.read_field(&mut e, "until", &self.until, self.until_offset.as_deref());
        match until {
            None if e.is_empty() => e.add("until", "Give the expected return."),
            Some(u) if u <= now => e.add("until", "The expected return is in the past."),
            Some(u) if u > now + Duration::days(14) => e.add("until", "A leave of absence is at most 14 days."),
            _ => {}
        }
        match until {
            Some(u) if e.is_empty() => Ok(u),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DischargeForm {
    /// home, transfer_out, against_advice or deceased.
    pub disposition: String,
    /// When discharged (default now); not before the admission, not in the future.
    pub discharged_at: String,
    #[schema(ignore)]
    pub discharged_at_offset: Option<String>,
    /// Discharge summary or, for a death, the cause-of-death draft.
    pub note: String,
}

pub struct ValidDischarge {
    pub disposition: String,
    pub at: OffsetDateTime,
    pub note: String,
}

impl DischargeForm {
    pub fn validate(&self, zone: &Zone, now: OffsetDateTime) -> Result<ValidDischarge, FieldErrors> {
        let mut e = FieldErrors::default();
        if !DISPOSITIONS.contains(&self.disposition.trim()) {
            e.add("disposition", "Choose the disposition.");
        }
        let at = when(&mut e, zone, "discharged_at", &self.discharged_at, self.discharged_at_offset.as_deref(), now);
        let note = text(&mut e, "note", &self.note, 2000);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidDischarge { disposition: self.disposition.trim().to_string(), at, note })
    }
}

/// Today's date in a zone (for "expected discharge today or earlier").
pub fn local_date(zone: &Zone, t: OffsetDateTime) -> Date {
    zone.local(t).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_policy_is_breached_only_by_the_other_sex_outside_critical_care() {
        assert!(gender_breach("general", "female", "male"));
        assert!(gender_breach("maternity", "female", "male"));
        assert!(!gender_breach("general", "female", "female"));
        assert!(!gender_breach("general", "mixed", "male"));
        assert!(!gender_breach("icu", "female", "male"), "ICU is exempt");
        assert!(!gender_breach("hdu", "male", "female"), "HDU is exempt");
        assert!(!gender_breach("general", "male", "unknown"));
    }

    #[test]
    fn observation_frequency_follows_the_news2_response() {
        assert_eq!(observation_interval(Some(0), Some("low")), Duration::hours(12));
        assert_eq!(observation_interval(Some(3), Some("low")), Duration::hours(4));
        assert_eq!(observation_interval(Some(3), Some("low_medium")), Duration::hours(1));
        assert_eq!(observation_interval(Some(5), Some("medium")), Duration::hours(1));
        assert_eq!(observation_interval(Some(7), Some("high")), Duration::minutes(15));
        assert_eq!(observation_interval(None, Some("incomplete")), Duration::hours(1));
        assert_eq!(observation_interval(None, None), Duration::hours(4));
    }

    #[test]
    fn cleaning_is_terminal_after_isolation_or_death() {
        assert_eq!(cleaning_kind("none", "none", "general", false), "routine");
        assert_eq!(cleaning_kind("airborne", "none", "general", false), "terminal");
        assert_eq!(cleaning_kind("none", "negative_pressure", "general", false), "terminal");
        assert_eq!(cleaning_kind("none", "none", "isolation", false), "terminal");
        assert_eq!(cleaning_kind("none", "none", "general", true), "terminal");
    }

    #[test]
    fn beds_are_numbered_and_checked() {
        let f = BedsForm { prefix: "B".into(), first: "3".into(), count: "3".into(), ..Default::default() };
        let v = f.validate().ok().unwrap();
        assert_eq!(v.codes, ["B3", "B4", "B5"]);
        let f = BedsForm { count: "61".into(), ..Default::default() };
        assert!(f.validate().err().unwrap().get("count").is_some());
        let f = BedsForm { prefix: "B 1".into(), ..Default::default() };
        assert!(f.validate().err().unwrap().get("prefix").is_some());
    }

    #[test]
    fn an_admission_needs_a_bed_a_source_and_a_diagnosis() {
        let now = OffsetDateTime::now_utc();
        let e = AdmitForm::default().validate(&Zone::utc(), now).err().unwrap();
        for f in ["bed_id", "source", "diagnosis"] {
            assert!(e.get(f).is_some(), "{f}");
        }
        let f = AdmitForm {
            bed_id: Uuid::new_v4().to_string(),
            source: "ed".into(),
            diagnosis: "Pneumonia".into(),
            expected_los_days: "0".into(),
            ..Default::default()
        };
        assert!(f.validate(&Zone::utc(), now).err().unwrap().get("expected_los_days").is_some());
    }
}
