//! Rows, forms and their checks. Visit types and statuses are FHIR-shaped codes (snake case).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use hearth_core::web::FieldErrors;
use hearth_patients::model::PatientSummary;

/// Visit types (FHIR Appointment.appointmentType) with their labels.
pub const VISIT_TYPES: [(&str, &str); 4] =
    [("new", "New patient"), ("follow_up", "Follow-up"), ("procedure", "Procedure"), ("telemedicine", "Telemedicine")];

/// Appointment statuses (FHIR Appointment.status).
pub const STATUSES: [(&str, &str); 5] = [
    ("booked", "Booked"),
    ("arrived", "Checked in"),
    ("fulfilled", "Seen"),
    ("noshow", "No-show"),
    ("cancelled", "Cancelled"),
];

/// Queue statuses.
pub const QUEUE_STATUSES: [(&str, &str); 5] = [
    ("waiting", "Waiting"),
    ("called", "Called"),
    ("in_consultation", "In consultation"),
    ("done", "Done"),
    ("left", "Left without being seen"),
];

pub const WEEKDAYS: [(&str, &str); 7] = [
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("7", "Sunday"),
];

pub fn label_of(list: &[(&'static str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("—")
}

pub fn visit_label(code: &str) -> &'static str {
    label_of(&VISIT_TYPES, code)
}

/// A weekly template row, with names for the page.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct TemplateRow {
    pub id: Uuid,
    pub clinician_id: Uuid,
    pub clinician: String,
    pub facility_id: Uuid,
    pub facility: String,
    pub time_zone: String,
    pub department_id: Uuid,
    pub department: String,
    /// ISO weekday, 1 Monday … 7 Sunday.
    pub weekday: i16,
    /// Local wall-clock time in the facility's zone.
    #[schema(value_type = String)]
    pub start_time: Time,
    #[schema(value_type = String)]
    pub end_time: Time,
    pub slot_minutes: i32,
    pub capacity: i32,
    pub visit_types: Vec<String>,
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_to: Option<Date>,
    pub active: bool,
}

impl TemplateRow {
    pub fn weekday_label(&self) -> &'static str {
        label_of(&WEEKDAYS, &self.weekday.to_string())
    }
    pub fn hours(&self) -> String {
        format!("{}–{}", hm(self.start_time), hm(self.end_time))
    }
    pub fn types_label(&self) -> String {
        self.visit_types.iter().map(|t| visit_label(t)).collect::<Vec<_>>().join(", ")
    }
    pub fn as_form(&self) -> TemplateForm {
        let has = |t: &str| self.visit_types.iter().any(|v| v == t).then(|| "on".to_string());
        TemplateForm {
            clinician_id: self.clinician_id.to_string(),
            department_id: self.department_id.to_string(),
            weekday: self.weekday.to_string(),
            start_time: hm(self.start_time),
            end_time: hm(self.end_time),
            slot_minutes: self.slot_minutes.to_string(),
            capacity: self.capacity.to_string(),
            vt_new: has("new"),
            vt_follow_up: has("follow_up"),
            vt_procedure: has("procedure"),
            vt_telemedicine: has("telemedicine"),
            effective_from: self.effective_from.to_string(),
            effective_to: self.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            active: self.active.then(|| "on".to_string()),
        }
    }
}

pub fn hm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The template form (local wall-clock times; the facility is the department's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub clinician_id: String,
    pub department_id: String,
    pub weekday: String,
    pub start_time: String,
    pub end_time: String,
    pub slot_minutes: String,
    pub capacity: String,
    pub vt_new: Option<String>,
    pub vt_follow_up: Option<String>,
    pub vt_procedure: Option<String>,
    pub vt_telemedicine: Option<String>,
    pub effective_from: String,
    pub effective_to: String,
    pub active: Option<String>,
}

/// A checked template form.
#[derive(Debug, Clone)]
pub struct ValidTemplate {
    pub clinician_id: Uuid,
    pub department_id: Uuid,
    pub weekday: i16,
    pub start_time: Time,
    pub end_time: Time,
    pub slot_minutes: i32,
    pub capacity: i32,
    pub visit_types: Vec<String>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub active: bool,
}

pub fn parse_date(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f).ok()
}

pub fn parse_time(s: &str) -> Option<Time> {
    let s = s.trim();
    let f = time::macros::format_description!("[hour]:[minute]");
    Time::parse(s, &f).ok().or_else(|| {
        let f = time::macros::format_description!("[hour]:[minute]:[second]");
        Time::parse(s, &f).ok()
    })
}

fn num(e: &mut FieldErrors, field: &'static str, v: &str, lo: i32, hi: i32, msg: &str) -> i32 {
    match v.trim().parse::<i32>() {
        Ok(n) if (lo..=hi).contains(&n) => n,
        _ => {
            e.add(field, msg);
            lo
        }
    }
}

impl TemplateForm {
    pub fn validate(&self) -> Result<ValidTemplate, FieldErrors> {
        let mut e = FieldErrors::default();
        let clinician_id = self.clinician_id.trim().parse::<Uuid>().ok();
        if clinician_id.is_none() {
            e.add("clinician_id", "Choose the clinician.");
        }
        let department_id = self.department_id.trim().parse::<Uuid>().ok();
        if department_id.is_none() {
            e.add("department_id", "Choose the department (its facility's time zone applies).");
        }
        let weekday = num(&mut e, "weekday", &self.weekday, 1, 7, "Choose the day of the week.") as i16;
        let start_time = parse_time(&self.start_time);
        if start_time.is_none() {
            e.add("start_time", "Enter the start as HH:MM (local time).");
        }
        let end_time = parse_time(&self.end_time);
        match (start_time, end_time) {
            (_, None) => e.add("end_time", "Enter the end as HH:MM (local time)."),
            (Some(s), Some(t)) if t <= s => e.add("end_time", "The session must end after it starts."),
            _ => {}
        }
        let slot_minutes = num(&mut e, "slot_minutes", &self.slot_minutes, 5, 240, "A slot lasts 5 to 240 minutes.");
        let capacity = num(&mut e, "capacity", &self.capacity, 1, 50, "Capacity per slot is 1 to 50.");
        let mut visit_types = Vec::new();
        for (on, code) in [
            (&self.vt_new, "new"),
            (&self.vt_follow_up, "follow_up"),
            (&self.vt_procedure, "procedure"),
            (&self.vt_telemedicine, "telemedicine"),
        ] {
            if on.as_deref().is_some_and(|v| !v.is_empty()) {
                visit_types.push(code.to_string());
            }
        }
        if visit_types.is_empty() {
            e.add("visit_types", "Choose at least one visit type offered in the session.");
        }
        let effective_from = parse_date(&self.effective_from);
        if effective_from.is_none() {
            e.add("effective_from", "Enter the first day as YYYY-MM-DD.");
        }
        let effective_to = match self.effective_to.trim() {
            "" => None,
            s => match parse_date(s) {
                Some(d) if effective_from.is_some_and(|f| d < f) => {
                    e.add("effective_to", "The last day cannot be before the first.");
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.add("effective_to", "Enter the last day as YYYY-MM-DD, or leave it empty.");
                    None
                }
            },
        };
        if let (Some(s), Some(t)) = (start_time, end_time) {
            if t > s && (t - s).whole_minutes() < slot_minutes as i64 {
                e.add("slot_minutes", "The session is shorter than one slot.");
            }
        }
        match (clinician_id, department_id, start_time, end_time, effective_from) {
            (Some(c), Some(d), Some(s), Some(t), Some(f)) if e.is_empty() => Ok(ValidTemplate {
                clinician_id: c,
                department_id: d,
                weekday,
                start_time: s,
                end_time: t,
                slot_minutes,
                capacity,
                visit_types,
                effective_from: f,
                effective_to,
                active: self.active.as_deref().is_some_and(|v| !v.is_empty()),
            }),
            _ => Err(e),
        }
    }
}

/// A bookable slot (FHIR Slot) with how many seats are taken.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Slot {
    pub id: Uuid,
    pub session_id: Uuid,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i32,
    /// Seats taken by bookings (overbookings not counted).
    pub booked: i64,
    /// FHIR Slot.status: free (a seat left) or busy.
    pub status: String,
    pub clinician_id: Uuid,
    pub clinician: String,
    pub department_id: Uuid,
    pub department: String,
    pub facility_id: Uuid,
    pub facility: String,
    /// Visit types the session offers (FHIR Slot.appointmentType).
    pub visit_types: Vec<String>,
}

impl Slot {
    pub fn free(&self) -> i64 {
        (self.capacity as i64 - self.booked).max(0)
    }
    pub fn types_label(&self) -> String {
        self.visit_types.iter().map(|t| visit_label(t)).collect::<Vec<_>>().join(", ")
    }
}

/// A slot search: clinician, department, visit type, local date range (from, days).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct SlotQuery {
    pub clinician_id: Option<String>,
    pub department_id: Option<String>,
    pub visit_type: Option<String>,
    /// First day, YYYY-MM-DD (default today).
    pub from: Option<String>,
    /// Days to search (1–62, default 14).
    pub days: Option<String>,
    /// Include full slots (default: free ones only).
    pub include_full: Option<String>,
    /// At most this many slots (1–200, default 50).
    pub limit: Option<String>,
}

/// A checked slot search.
#[derive(Debug, Clone)]
pub struct SlotSearch {
    pub clinician_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub visit_type: Option<String>,
    pub from: Date,
    pub days: i64,
    pub include_full: bool,
    pub limit: i64,
}

fn opt_id(e: &mut FieldErrors, field: &'static str, v: &Option<String>) -> Option<Uuid> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    v.parse().map_err(|_| e.add(field, "Choose one from the list.")).ok()
}

impl SlotQuery {
    pub fn validate(&self, today: Date) -> Result<SlotSearch, FieldErrors> {
        let mut e = FieldErrors::default();
        let clinician_id = opt_id(&mut e, "clinician_id", &self.clinician_id);
        let department_id = opt_id(&mut e, "department_id", &self.department_id);
        let visit_type = self.visit_type.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if visit_type.as_deref().is_some_and(|v| !VISIT_TYPES.iter().any(|(c, _)| *c == v)) {
            e.add("visit_type", "Not a visit type: new, follow_up, procedure or telemedicine.");
        }
        let from = match self.from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => today,
            Some(s) => parse_date(s).unwrap_or_else(|| {
                e.add("from", "Enter the first day as YYYY-MM-DD.");
                today
            }),
        };
        let days = match self.days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => 14,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=62).contains(&n) => n,
                _ => {
                    e.add("days", "Search 1 to 62 days.");
                    14
                }
            },
        };
        let limit = match self.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => 50,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => {
                    e.add("limit", "The limit is 1 to 200.");
                    50
                }
            },
        };
        let include_full = self.include_full.as_deref().is_some_and(|v| matches!(v, "1" | "true" | "on"));
        if !e.is_empty() {
            return Err(e);
        }
        Ok(SlotSearch { clinician_id, department_id, visit_type, from, days, include_full, limit })
    }
}

/// A booking request (page form and API body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BookForm {
    pub slot_id: String,
    /// new, follow_up, procedure or telemedicine (offered by the slot's session).
    pub visit_type: String,
    /// Reason for the visit (≤ 500 characters).
    pub reason: String,
    /// Book beyond the slot's capacity (permission appointments.overbook); flagged.
    #[serde(deserialize_with = "flag")]
    pub overbook: bool,
}

/// A checkbox ("on") or a JSON boolean.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum F {
        B(bool),
        S(String),
    }
    Ok(match F::deserialize(d)? {
        F::B(b) => b,
        F::S(s) => matches!(s.as_str(), "on" | "true" | "1"),
    })
}

#[derive(Debug, Clone)]
pub struct ValidBooking {
    pub slot_id: Uuid,
    pub visit_type: String,
    pub reason: String,
    pub overbook: bool,
}

impl BookForm {
    pub fn validate(&self) -> Result<ValidBooking, FieldErrors> {
        let mut e = FieldErrors::default();
        let slot_id = self.slot_id.trim().parse::<Uuid>().ok();
        if slot_id.is_none() {
            e.add("slot_id", "Choose a slot.");
        }
        let vt = self.visit_type.trim();
        if !VISIT_TYPES.iter().any(|(c, _)| *c == vt) {
            e.add("visit_type", "Choose the visit type.");
        }
        let reason = self.reason.trim().to_string();
        if reason.chars().count() > 500 {
            e.add("reason", "At most 500 characters.");
        }
        match slot_id {
            Some(slot_id) if e.is_empty() => {
                Ok(ValidBooking { slot_id, visit_type: vt.to_string(), reason, overbook: self.overbook })
            }
            _ => Err(e),
        }
    }
}

/// A reason (cancelling, marking left).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AppointmentReasonForm)]
#[serde(default)]
pub struct ReasonForm {
    pub reason: String,
}

impl ReasonForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            return Err(FieldErrors::one("reason", "Say why (e.g. \"patient asked\", \"clinician on leave\")."));
        }
        if r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "At most 500 characters."));
        }
        Ok(r.to_string())
    }
}

/// Moving a booked appointment to another slot.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RescheduleForm {
    pub slot_id: String,
}

/// A walk-in joining the queue without a booking.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WalkInForm {
    pub department_id: String,
    pub clinician_id: String,
    pub visit_type: String,
}

/// An appointment (FHIR Appointment), as the API returns it.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Appointment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub slot_id: Option<Uuid>,
    pub status: String,
    pub visit_type: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub overbooked: bool,
    pub clinician_id: Option<Uuid>,
    pub clinician: Option<String>,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    pub facility_id: Uuid,
    pub reason: String,
    pub cancel_reason: Option<String>,
    pub encounter_id: Option<Uuid>,
    /// The queue token once checked in.
    pub token: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Appointment {
    pub fn status_label(&self) -> &'static str {
        label_of(&STATUSES, &self.status)
    }
    pub fn visit_label(&self) -> &'static str {
        visit_label(&self.visit_type)
    }
    pub fn badge(&self) -> &'static str {
        status_badge(&self.status)
    }
    pub fn type_key(&self) -> String {
        format!("appointments-type-{}", self.visit_type)
    }
    /// Booked in this slot (and not cancelled).
    pub fn in_slot(&self, slot: &Slot) -> bool {
        self.slot_id == Some(slot.id) && self.status != "cancelled"
    }
}

pub fn status_badge(s: &str) -> &'static str {
    match s {
        "booked" => "badge-ok",
        "arrived" | "called" | "in_consultation" | "waiting" => "badge-warn",
        "noshow" | "left" => "badge-danger",
        _ => "badge-muted",
    }
}

/// A row of the front desk's list and the day view: the appointment and its patient (masked
/// when the viewer may not open a restricted record). Both parts have a column `id`, and sqlx
/// reads a repeated column name as its *last* occurrence: the query selects the patient's
/// columns first and the appointment's after them, then sets `p.id` from `a.patient_id`.
#[derive(Debug, Clone, FromRow)]
pub struct DeskRow {
    #[sqlx(flatten)]
    pub a: Appointment,
    #[sqlx(flatten)]
    pub p: PatientSummary,
    pub queue_status: Option<String>,
    pub visible: bool,
}

impl DeskRow {
    pub fn in_slot(&self, slot: &Slot) -> bool {
        self.a.in_slot(slot)
    }
    pub fn patient_name(&self) -> String {
        if self.p.masked {
            "Restricted record".into()
        } else {
            self.p.full_name()
        }
    }
}

/// An entry of the outpatient queue (no names in the API: tokens and ids).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    pub id: Uuid,
    pub token: String,
    pub status: String,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub clinician_id: Option<Uuid>,
    pub clinician: Option<String>,
    pub department_id: Option<Uuid>,
    pub department: Option<String>,
    pub visit_type: String,
    pub encounter_id: Option<Uuid>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub checked_in_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub called_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

impl QueueEntry {
    pub fn status_label(&self) -> &'static str {
        label_of(&QUEUE_STATUSES, &self.status)
    }
    pub fn badge(&self) -> &'static str {
        status_badge(&self.status)
    }
    pub fn visit_label(&self) -> &'static str {
        visit_label(&self.visit_type)
    }
}

/// A queue row on the page, with the patient (masked when restricted and not visible). As in
/// [`DeskRow`], the entry's columns come last (its `id` wins) and `p.id` is set afterwards.
#[derive(Debug, Clone, FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub q: QueueEntry,
    #[sqlx(flatten)]
    pub p: PatientSummary,
    pub visible: bool,
}

impl QueueRow {
    pub fn patient_name(&self) -> String {
        if self.p.masked {
            "Restricted record".into()
        } else {
            self.p.full_name()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_form_is_checked_field_by_field() {
        let f = TemplateForm {
            clinician_id: Uuid::new_v4().to_string(),
            department_id: Uuid::new_v4().to_string(),
            weekday: "1".into(),
            start_time: "09:00".into(),
            end_time: "12:00".into(),
            slot_minutes: "15".into(),
            capacity: "1".into(),
            vt_new: Some("on".into()),
            effective_from: "2027-03-01".into(),
            active: Some("on".into()),
            ..Default::default()
        };
        let v = f.validate().unwrap();
        assert_eq!((v.weekday, v.slot_minutes, v.visit_types.len()), (1, 15, 1));
        let bad = TemplateForm { end_time: "08:00".into(), vt_new: None, weekday: "9".into(), ..f };
        let e = bad.validate().unwrap_err();
        for field in ["end_time", "visit_types", "weekday"] {
            assert!(e.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_slot_search_has_bounds() {
        let today = Date::from_calendar_date(2026, time::Month::December, 1).unwrap();
        let q = SlotQuery { days: Some("100".into()), visit_type: Some("x".into()), ..Default::default() };
        let e = q.validate(today).unwrap_err();
        assert!(e.get("days").is_some() && e.get("visit_type").is_some());
        let s = SlotQuery::default().validate(today).unwrap();
        assert_eq!((s.from, s.days, s.limit), (today, 14, 50));
    }
}
