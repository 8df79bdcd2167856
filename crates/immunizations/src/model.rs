//! Rows, forms and their validation.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use hearth_core::web::time::{parse_offset, LocalTimeError, Zone};
use hearth_core::web::FieldErrors;

pub const SITES: [(&str, &str); 9] = [
    ("left_arm", "Left arm (deltoid)"),
    ("right_arm", "Right arm (deltoid)"),
    ("left_thigh", "Left thigh"),
    ("right_thigh", "Right thigh"),
    ("left_buttock", "Left buttock"),
    ("right_buttock", "Right buttock"),
    ("mouth", "Mouth"),
    ("nose", "Nose"),
    ("other", "Other"),
];
pub const ROUTES: [(&str, &str); 5] =
    [("IM", "Intramuscular"), ("SC", "Subcutaneous"), ("ID", "Intradermal"), ("PO", "Oral"), ("IN", "Intranasal")];
pub const NOT_DONE_REASONS: [(&str, &str); 5] = [
    ("immune", "Immune (had the disease or a titre)"),
    ("medical_precaution", "Medical precaution or contraindication"),
    ("patient_objection", "Patient or guardian declined"),
    ("vaccine_unavailable", "Vaccine unavailable"),
    ("other", "Other (say why in the note)"),
];

/// The immediate adverse reaction to a dose given here (anything but none raises an alert).
pub const REACTIONS: [(&str, &str); 4] = [
    ("none", "None"),
    ("local", "Local (redness, swelling at the site)"),
    ("systemic", "Systemic (fever, rash, faintness)"),
    ("anaphylaxis", "Anaphylaxis"),
];

/// A vaccine of the CVX catalogue.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Vaccine {
    /// The CDC CVX code (FHIR system `http://hl7.org/fhir/sid/cvx`).
    pub cvx: String,
    pub name: String,
}

/// An immunization as read back.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Immunization {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub cvx: String,
    pub vaccine: String,
    /// completed, not_done or entered_in_error.
    pub status: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// false when reported by the patient or another provider.
    pub primary_source: bool,
    pub lot_number: Option<String>,
    #[schema(value_type = Option<String>)]
    pub expiry_date: Option<Date>,
    pub site: Option<String>,
    pub route: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub dose_ml: Option<f64>,
    pub dose_number: Option<i32>,
    pub performer: Option<String>,
    pub not_done_reason: Option<String>,
    pub note: String,
    pub error_reason: Option<String>,
    /// Immediate adverse reaction: none, local, systemic or anaphylaxis.
    pub reaction: String,
    /// The immunization order this dose fulfilled.
    pub order_id: Option<Uuid>,
    /// The encounter the dose was given or reported in, if any.
    pub encounter_id: Option<Uuid>,
}

/// The message key of a coded value's label: `immunizations-<list>-<code>` (lower case, dashes).
pub fn label_key(list: &str, code: &str) -> String {
    format!("immunizations-{list}-{}", code.to_lowercase().replace('_', "-"))
}

impl Immunization {
    /// Message keys of the coded values (the English label is the fallback).
    pub fn reaction_key(&self) -> String {
        label_key("reaction", &self.reaction)
    }

    pub fn status_key(&self) -> String {
        label_key("status", &self.status)
    }

    pub fn site_key(&self) -> String {
        label_key("site", self.site.as_deref().unwrap_or(""))
    }

    pub fn not_done_key(&self) -> String {
        label_key("reason", self.not_done_reason.as_deref().unwrap_or(""))
    }

    pub fn reaction_label(&self) -> &'static str {
        label(&REACTIONS, Some(self.reaction.as_str()))
    }

    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "completed" => "Given",
            "not_done" => "Not given",
            _ => "Entered in error",
        }
    }

    pub fn site_label(&self) -> &'static str {
        label(&SITES, self.site.as_deref())
    }

    pub fn not_done_label(&self) -> &'static str {
        label(&NOT_DONE_REASONS, self.not_done_reason.as_deref())
    }

    /// The lot had expired on the day it was given (recorded with a reason, flagged).
    pub fn expired_when_given(&self) -> bool {
        self.status == "completed" && self.expiry_date.is_some_and(|e| e < self.occurred_at.date())
    }

    pub fn dose(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.dose_number {
            parts.push(format!("dose {n}"));
        }
        if let Some(ml) = self.dose_ml {
            parts.push(format!("{ml} mL"));
        }
        if let Some(r) = &self.route {
            parts.push(r.clone());
        }
        parts.join(" · ")
    }
}

fn label(list: &[(&'static str, &'static str)], v: Option<&str>) -> &'static str {
    v.and_then(|v| list.iter().find(|(k, _)| *k == v)).map(|(_, l)| *l).unwrap_or("")
}

/// The form (and the API's JSON body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewImmunization {
    /// CVX code of the vaccine.
    pub cvx: String,
    /// completed (default) or not_done.
    pub status: String,
    /// YYYY-MM-DD (default today).
    pub occurred_on: String,
    /// HH:MM, UTC (optional; a reported vaccine usually has only its date).
    pub occurred_time: String,
    // The page's form reads the date and time in the user's facility zone; this is its explicit
    // offset for a time in the hour repeated when the clocks go back (`web::time`).
    #[schema(ignore)]
    pub occurred_time_offset: String,
    /// true when reported by the patient or another provider rather than given here.
    pub reported: bool,
    pub lot_number: String,
    /// YYYY-MM-DD.
    pub expiry_date: String,
    pub site: String,
    pub route: String,
    /// Volume in mL, e.g. "0.5".
    pub dose_ml: String,
    /// Number in the series, 1–20.
    pub dose_number: String,
    /// For not_done: immune, medical_precaution, patient_objection, vaccine_unavailable, other.
    pub not_done_reason: String,
    pub note: String,
    /// Immediate adverse reaction to a dose given here: none (default), local, systemic or
    /// anaphylaxis; anything but none raises a clinical alert to the attending clinician.
    pub reaction: String,
    /// The active immunization order this dose fulfils (optional; recording completes it).
    pub order_id: String,
    /// One of the patient's encounters the dose was given or reported in (optional).
    pub encounter_id: String,
}

/// A checked form.
#[derive(Debug, Clone)]
pub struct Valid {
    pub cvx: String,
    pub status: &'static str,
    pub occurred_at: OffsetDateTime,
    pub primary_source: bool,
    pub lot_number: Option<String>,
    pub expiry_date: Option<Date>,
    pub site: Option<String>,
    pub route: Option<String>,
    pub dose_ml: Option<f64>,
    pub dose_number: Option<i32>,
    pub not_done_reason: Option<String>,
    pub note: String,
    pub reaction: &'static str,
    pub order_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
}

fn date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl NewImmunization {
    /// Checks everything but the vaccine's existence (the repository knows the catalogue).
    /// `birth` bounds the date; `now` is the present. The date and time are local to `zone` (the
    /// page's; the API's is UTC), a time by the rule at DST changes (`web::time`).
    pub fn validate(&self, birth: Option<Date>, now: OffsetDateTime, zone: &Zone) -> Result<Valid, FieldErrors> {
        let today = zone.local(now).date();
        let mut e = FieldErrors::default();
        let cvx = self.cvx.trim().to_string();
        if cvx.is_empty() {
            e.add("cvx", "Choose the vaccine.");
        } else if !(1..=3).contains(&cvx.len()) || !cvx.bytes().all(|b| b.is_ascii_digit()) {
            e.add("cvx", "A CVX code is one to three digits.");
        }
        let status = match self.status.trim() {
            "" | "completed" => "completed",
            "not_done" => "not_done",
            _ => {
                e.add("status", "Choose given or not given.");
                "completed"
            }
        };
        let day = if self.occurred_on.trim().is_empty() {
            Some(today)
        } else {
            match date(&self.occurred_on) {
                Some(d) => Some(d),
                None => {
                    e.add("occurred_on", "Use the form YYYY-MM-DD.");
                    None
                }
            }
        };
        let at = if self.occurred_time.trim().is_empty() {
            Some(Time::MIDNIGHT)
        } else {
            match Time::parse(self.occurred_time.trim(), time::macros::format_description!("[hour]:[minute]")) {
                Ok(t) => Some(t),
                Err(_) => {
                    e.add("occurred_time", "Use the form HH:MM.");
                    None
                }
            }
        };
        // Without a time, the instant is the start of the (local) day unless that is today: then
        // now.
        let occurred_at = match (day, at) {
            (Some(d), Some(_)) if self.occurred_time.trim().is_empty() && d == today => Some(now),
            (Some(d), Some(_)) if self.occurred_time.trim().is_empty() => Some(zone.day_start(d)),
            (Some(d), Some(t)) => {
                let offset = match self.occurred_time_offset.trim() {
                    "" => Ok(None),
                    o => parse_offset(o).map(Some).ok_or(LocalTimeError::MalformedOffset),
                };
                match offset.and_then(|o| zone.resolve(d.with_time(t), o)) {
                    Ok(t) => Some(t),
                    Err(err) => {
                        e.add("occurred_time", err.to_string());
                        None
                    }
                }
            }
            _ => None,
        };
        if let Some(t) = occurred_at {
            if t > now + time::Duration::minutes(5) {
                e.add("occurred_on", "The vaccination is in the future.");
            } else if birth.is_some_and(|b| zone.local(t).date() < b) {
                e.add("occurred_on", "The vaccination is before the patient's date of birth.");
            }
        }
        let lot_number = opt(&self.lot_number);
        if lot_number.as_ref().is_some_and(|l| l.chars().count() > 40) {
            e.add("lot_number", "At most 40 characters.");
        }
        let expiry_date = match opt(&self.expiry_date) {
            None => None,
            Some(s) => match date(&s) {
                Some(d) => Some(d),
                None => {
                    e.add("expiry_date", "Use the form YYYY-MM-DD.");
                    None
                }
            },
        };
        let site = opt(&self.site);
        if site.as_deref().is_some_and(|s| !SITES.iter().any(|(k, _)| *k == s)) {
            e.add("site", "Choose a site from the list.");
        }
        let route = opt(&self.route);
        if route.as_deref().is_some_and(|s| !ROUTES.iter().any(|(k, _)| *k == s)) {
            e.add("route", "Choose a route from the list.");
        }
        let dose_ml = match opt(&self.dose_ml) {
            None => None,
            Some(s) => match s.replace(',', ".").parse::<f64>() {
                Ok(v) if v > 0.0 && v <= 10.0 => Some((v * 100.0).round() / 100.0),
                _ => {
                    e.add("dose_ml", "Give the volume in mL, more than 0 and at most 10.");
                    None
                }
            },
        };
        let dose_number = match opt(&self.dose_number) {
            None => None,
            Some(s) => match s.parse::<i32>() {
                Ok(v) if (1..=20).contains(&v) => Some(v),
                _ => {
                    e.add("dose_number", "The dose number is 1 to 20.");
                    None
                }
            },
        };
        let note = self.note.trim().to_string();
        if note.chars().count() > 2000 {
            e.add("note", "At most 2,000 characters.");
        }
        let not_done_reason = opt(&self.not_done_reason);
        if status == "not_done" {
            match not_done_reason.as_deref() {
                None => e.add("not_done_reason", "Say why the vaccine was not given."),
                Some(r) if !NOT_DONE_REASONS.iter().any(|(k, _)| *k == r) => {
                    e.add("not_done_reason", "Choose a reason from the list.")
                }
                Some("other") if note.is_empty() => e.add("note", "Say why in the note."),
                _ => {}
            }
        }
        // A lot given after its expiry really happened and must be recordable, with the reason.
        if let (Some(exp), Some(t), "completed") = (expiry_date, occurred_at, status) {
            if exp < t.date() && note.is_empty() {
                e.add("note", format!("The lot expired on {exp}, before it was given: say why in the note."));
            }
        }
        let reaction = match REACTIONS.iter().find(|(k, _)| *k == self.reaction.trim()) {
            _ if self.reaction.trim().is_empty() => "none",
            Some((k, _)) => *k,
            None => {
                e.add("reaction", "Choose a reaction from the list.");
                "none"
            }
        };
        if reaction != "none" && (status != "completed" || self.reported) {
            e.add("reaction", "A reaction is recorded with a dose given here.");
        }
        let order_id = match opt(&self.order_id) {
            None => None,
            Some(o) => match Uuid::try_parse(&o) {
                Ok(id) if status == "completed" => Some(id),
                Ok(_) => {
                    e.add("order_id", "Only a dose given completes an order.");
                    None
                }
                Err(_) => {
                    e.add("order_id", "Choose an order from the list.");
                    None
                }
            },
        };
        let encounter_id = match opt(&self.encounter_id) {
            None => None,
            Some(s) => {
                Uuid::try_parse(&s).map_err(|_| e.add("encounter_id", "Choose one of this patient's encounters.")).ok()
            }
        };
        if !e.is_empty() {
            return Err(e);
        }
        let given = status == "completed";
        Ok(Valid {
            cvx,
            status,
            occurred_at: occurred_at.unwrap_or(now),
            primary_source: !self.reported,
            lot_number: lot_number.filter(|_| given),
            expiry_date: expiry_date.filter(|_| given),
            site: site.filter(|_| given),
            route: route.filter(|_| given),
            dose_ml: dose_ml.filter(|_| given),
            dose_number,
            not_done_reason: not_done_reason.filter(|_| !given),
            note,
            reaction,
            order_id,
            encounter_id,
        })
    }
}

/// Marking an entry in error: the reason is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ErrorForm {
    pub reason: String,
}

impl ErrorForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            return Err(FieldErrors::one("reason", "Say why the entry is wrong."));
        }
        if r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "At most 500 characters."));
        }
        Ok(r.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn now() -> OffsetDateTime {
        datetime!(2026-12-01 10:00 UTC)
    }

    #[test]
    fn a_given_vaccine_today_defaults_to_now() {
        let v =
            NewImmunization { cvx: "140".into(), ..Default::default() }.validate(None, now(), &Zone::utc()).unwrap();
        assert_eq!((v.status, v.occurred_at, v.primary_source), ("completed", now(), true));
    }

    #[test]
    fn refusals_name_their_field() {
        let bad = NewImmunization {
            cvx: "ABC".into(),
            occurred_on: "2027-01-01".into(),
            dose_ml: "50".into(),
            dose_number: "0".into(),
            site: "ear".into(),
            ..Default::default()
        };
        let e = bad.validate(Some(date!(1990 - 01 - 01)), now(), &Zone::utc()).unwrap_err();
        for f in ["cvx", "occurred_on", "dose_ml", "dose_number", "site"] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
        let before_birth = NewImmunization { cvx: "08".into(), occurred_on: "1989-12-31".into(), ..Default::default() };
        assert!(before_birth
            .validate(Some(date!(1990 - 01 - 01)), now(), &Zone::utc())
            .unwrap_err()
            .get("occurred_on")
            .is_some());
    }

    #[test]
    fn not_given_needs_a_reason_and_other_needs_a_note() {
        let nd = NewImmunization { cvx: "140".into(), status: "not_done".into(), ..Default::default() };
        assert!(nd.validate(None, now(), &Zone::utc()).unwrap_err().get("not_done_reason").is_some());
        let other = NewImmunization { not_done_reason: "other".into(), ..nd.clone() };
        assert!(other.validate(None, now(), &Zone::utc()).unwrap_err().get("note").is_some());
        let ok = NewImmunization { not_done_reason: "patient_objection".into(), lot_number: "X1".into(), ..nd };
        let v = ok.validate(None, now(), &Zone::utc()).unwrap();
        assert_eq!((v.status, v.lot_number), ("not_done", None), "a dose not given has no lot");
    }

    #[test]
    fn an_expired_lot_is_recorded_only_with_a_reason() {
        let f = NewImmunization {
            cvx: "140".into(),
            occurred_on: "2026-11-30".into(),
            expiry_date: "2026-11-01".into(),
            ..Default::default()
        };
        assert!(f.validate(None, now(), &Zone::utc()).unwrap_err().get("note").is_some());
        let with_note =
            NewImmunization { note: "Only lot in stock; manufacturer extension letter on file.".into(), ..f };
        assert!(with_note.validate(None, now(), &Zone::utc()).is_ok());
    }
}
