//! The registry's data shapes: the demographic form (UI and API), its validation, and the
//! summaries and details read back.

use serde::{Deserialize, Deserializer, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use hearth_core::platform::crypto::{normalize_identifier, normalize_phone};
use hearth_core::web::FieldErrors;

pub const AAD_PHONE: &str = "patients.phone";
pub const AAD_NATIONAL_ID: &str = "patients.national_id";
pub const AAD_ADDRESS: &str = "patients.address";
pub const AAD_EMAIL: &str = "patients.email";
pub const AAD_INSURANCE: &str = "patients.insurance";
pub const AAD_EC_PHONE: &str = "patient_emergency_contacts.phone";
pub const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

const DATE_FMT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), DATE_FMT).ok()
}

/// A date as people type it at the facility's desk: ISO `2009-04-15` (or `2009/04/15`) and the
/// day-first forms `15/04/2009`, `15.04.2009`, `15-04-2009` (one- or two-digit day and month).
/// Month-first dates are not read: `04/15/2009` is no date.
pub fn parse_date_any(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = parse_date(s) {
        return Some(d);
    }
    let sep = s.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    if ![a, b, c].iter().all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let (y, m, d) = if a.len() == 4 {
        (a, b, c)
    } else if c.len() == 4 && a.len() <= 2 && b.len() <= 2 {
        (c, b, a)
    } else {
        return None;
    };
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Accepts JSON booleans and HTML checkbox values ("on", "true", "1").
pub fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or a checkbox value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
            match v {
                "on" | "true" | "1" | "yes" => Ok(true),
                "" | "off" | "false" | "0" | "no" => Ok(false),
                _ => Err(E::custom("expected a boolean")),
            }
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    d.deserialize_any(V)
}

/// Patient demographics as typed in a form or sent to the API. Registration may also carry one
/// emergency contact and the "register anyway" confirmation for possible duplicates.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewPatient {
    pub given_name: String,
    pub family_name: String,
    pub middle_name: Option<String>,
    pub preferred_name: Option<String>,
    /// female, male, other or unknown
    pub sex: String,
    pub gender_identity: Option<String>,
    /// YYYY-MM-DD
    pub birth_date: Option<String>,
    #[serde(deserialize_with = "de_flag")]
    pub birth_date_estimated: bool,
    /// The registration form's age, when the date of birth is not known: years…
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub age_years: Option<String>,
    /// …and months (an estimated date of birth is derived from them).
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub age_months: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub insurance_number: Option<String>,
    /// Address line 1 (before the structured address, the whole address text).
    pub address: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    /// District or county.
    pub district: Option<String>,
    /// State, province or region.
    pub state: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
    /// The language for messages to the patient: a BCP 47 tag (`en`, `es`, `ar`, `es-MX`); other text is refused (422).
    pub preferred_language: Option<String>,
    /// Sex assigned at birth: female, male or unknown.
    pub birth_sex: Option<String>,
    /// FHIR marital status code: A, D, I, L, M, C, P, T, U, S, W or UNK.
    pub marital_status: Option<String>,
    /// Parts before the name (FHIR HumanName.prefix), e.g. "Dr.", "Mrs.", "Prof. Dr.".
    pub name_prefix: Option<String>,
    /// Parts after the name (FHIR HumanName.suffix), e.g. "Jr.", "III", "PhD".
    pub name_suffix: Option<String>,
    /// Only where the installation records it (`HEARTH_RECORD_RACE_ETHNICITY`); else refused.
    pub race: Option<String>,
    /// Only where the installation records it (`HEARTH_RECORD_RACE_ETHNICITY`); else refused.
    pub ethnicity: Option<String>,
    /// Other identifiers (on registration; later through `/identifiers`, not `PATCH`).
    pub identifiers: Vec<crate::identity::IdentifierInput>,
    /// Other names: maiden, alias, nickname… (on registration; later through `/names`, not `PATCH`).
    pub names: Vec<crate::identity::NameInput>,
    /// Set by the handler from the configuration, never by the caller.
    #[serde(skip)]
    #[schema(ignore)]
    pub record_race_ethnicity: bool,
    /// The identity is still unknown (temporary record of an unidentified patient).
    #[serde(deserialize_with = "de_flag")]
    pub unidentified: bool,
    #[serde(skip_serializing)]
    pub emergency_name: Option<String>,
    #[serde(skip_serializing)]
    pub emergency_relationship: Option<String>,
    #[serde(skip_serializing)]
    pub emergency_phone: Option<String>,
    /// Register even though possible duplicates were found.
    #[serde(deserialize_with = "de_flag", skip_serializing)]
    pub register_anyway: bool,
}

#[derive(Debug, Clone)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ValidPatient {
    pub given_name: String,
    pub family_name: String,
    pub middle_name: Option<String>,
    pub preferred_name: Option<String>,
    pub sex: String,
    pub gender_identity: Option<String>,
    pub birth_date: Option<Date>,
    pub birth_date_estimated: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub insurance_number: Option<String>,
    pub address: Option<String>,
    pub address_parts: crate::identity::AddressParts,
    pub preferred_language: Option<String>,
    pub birth_sex: Option<String>,
    pub marital_status: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    /// `Some((race, ethnicity))` where the installation records them; `None` leaves them as stored.
    pub race_ethnicity: Option<(Option<String>, Option<String>)>,
    pub identifiers: Vec<crate::identity::ValidIdentifier>,
    pub names: Vec<crate::identity::ValidName>,
    pub emergency: Option<EmergencyContact>,
    pub unidentified: bool,
    pub unidentified_note: Option<String>,
}

pub fn clean(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn bad_text(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

fn name_field(e: &mut FieldErrors, field: &'static str, v: &str, required: bool, label: &str) -> String {
    let v = v.trim().to_string();
    if v.is_empty() {
        if required {
            e.add(field, format!("Enter the {label}."));
        }
    } else if v.chars().count() > 100 {
        e.add(field, "At most 100 characters.");
    } else if bad_text(&v) || v.contains(['<', '>', '|']) {
        e.add(field, "Use letters, spaces, hyphens and apostrophes.");
    } else if let Err(m) = hearth_core::web::input::person_name(&v) {
        e.add(field, m);
    }
    v
}

pub fn validate_phone(e: &mut FieldErrors, field: &'static str, p: &str) {
    let digits = normalize_phone(p).trim_start_matches('+').len();
    if !(6..=15).contains(&digits) || p.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
        e.add(field, "Enter a phone number of 6 to 15 digits.");
    }
}

pub fn normalize_email(s: &str) -> String {
    s.trim().to_lowercase()
}

impl NewPatient {
    pub fn validate(&self) -> Result<ValidPatient, FieldErrors> {
        let mut e = FieldErrors::default();
        let given = name_field(&mut e, "given_name", &self.given_name, true, "given name");
        let family = name_field(&mut e, "family_name", &self.family_name, true, "family name");
        let middle = clean(&self.middle_name).map(|m| name_field(&mut e, "middle_name", &m, false, "middle name"));
        let preferred =
            clean(&self.preferred_name).map(|m| name_field(&mut e, "preferred_name", &m, false, "preferred name"));
        if self.sex.trim().is_empty() {
            e.add("sex", "Choose the sex: female, male, other, or unknown when it is not known.");
        } else if !SEXES.contains(&self.sex.as_str()) {
            e.add("sex", "Choose female, male, other or unknown.");
        }
        let gender_identity = clean(&self.gender_identity);
        if gender_identity.as_ref().is_some_and(|g| g.chars().count() > 100 || bad_text(g)) {
            e.add("gender_identity", "At most 100 characters.");
        }
        let birth_date = match clean(&self.birth_date) {
            None => None,
            Some(s) => match parse_date_any(&s) {
                Some(d) if d > OffsetDateTime::now_utc().date() => {
                    e.add("birth_date", "The date of birth is in the future.");
                    None
                }
                Some(d) if d.year() < 1881 => {
                    e.add("birth_date", "The date of birth is too far in the past.");
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.add("birth_date", "Use the form YYYY-MM-DD (or DD/MM/YYYY).");
                    None
                }
            },
        };
        if self.birth_date_estimated
            && clean(&self.birth_date).is_none()
            && clean(&self.age_years).is_none()
            && clean(&self.age_months).is_none()
        {
            e.add("birth_date", "An estimated date of birth still needs a date (e.g. 1 July of the year).");
        }
        // No date of birth but an age: an estimated date of birth (today less the age).
        let (birth_date, birth_date_estimated) = match (birth_date, self.age(&mut e)) {
            (Some(d), _) => (Some(d), self.birth_date_estimated),
            (None, Some((y, m))) => (Some(birth_from_age(OffsetDateTime::now_utc().date(), y, m)), true),
            (None, None) => (None, self.birth_date_estimated),
        };
        let phone = clean(&self.phone);
        if let Some(p) = &phone {
            validate_phone(&mut e, "phone", p);
        }
        let email = clean(&self.email).map(|m| normalize_email(&m));
        if let Some(m) = &email {
            let ok = m.len() <= 254
                && !bad_text(m)
                && !m.contains(char::is_whitespace)
                && m.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
            if !ok {
                e.add("email", "Enter an email address like name@example.org.");
            }
        }
        let national_id = clean(&self.national_id);
        if let Some(n) = &national_id {
            let norm = normalize_identifier(n);
            if norm.len() < 4 || norm.len() > 30 || n.chars().count() > 40 {
                e.add("national_id", "A national ID has 4 to 30 letters or digits.");
            }
        }
        let insurance_number = clean(&self.insurance_number);
        if let Some(n) = &insurance_number {
            let norm = normalize_identifier(n);
            if norm.len() < 4 || norm.len() > 40 || n.chars().count() > 50 {
                e.add("insurance_number", "A policy number has 4 to 40 letters or digits.");
            }
        }
        let address = clean(&self.address);
        if address.as_ref().is_some_and(|a| a.chars().count() > 500) {
            e.add("address", "At most 500 characters.");
        }
        // A BCP 47 language tag (`en`, `es-MX`), stored in its canonical case (issue 15).
        let preferred_language = match clean(&self.preferred_language) {
            None => None,
            Some(l) => match hearth_core::i18n::normalize_tag(&l) {
                Some(tag) => Some(tag),
                None => {
                    e.add("preferred_language", "Choose a language from the list (a BCP 47 tag such as en, es or ar).");
                    None
                }
            },
        };
        let emergency =
            match (clean(&self.emergency_name), clean(&self.emergency_relationship), clean(&self.emergency_phone)) {
                (None, None, None) => None,
                (name, relationship, phone) => {
                    let name = name.unwrap_or_default();
                    if name.is_empty() {
                        e.add("emergency_name", "Enter the emergency contact's name.");
                    } else if name.chars().count() > 200 || bad_text(&name) {
                        e.add("emergency_name", "At most 200 characters.");
                    } else if let Err(m) = hearth_core::web::input::person_name(&name) {
                        e.add("emergency_name", m);
                    }
                    let relationship = relationship.unwrap_or_default();
                    if relationship.chars().count() > 100 {
                        e.add("emergency_relationship", "At most 100 characters.");
                    } else if let Err(m) = hearth_core::web::input::free_text(&relationship) {
                        e.add("emergency_relationship", m);
                    }
                    if let Some(p) = &phone {
                        validate_phone(&mut e, "emergency_phone", p);
                    }
                    Some(EmergencyContact { name, relationship, phone })
                }
            };
        let address_parts = crate::identity::AddressParts::validate(self, &mut e);
        let birth_sex = clean(&self.birth_sex);
        if birth_sex.as_deref().is_some_and(|b| !crate::identity::BIRTH_SEXES.contains(&b)) {
            e.add("birth_sex", "Choose female, male or unknown.");
        }
        let name_prefix = clean(&self.name_prefix).map(|m| name_field(&mut e, "name_prefix", &m, false, "name prefix"));
        let name_suffix = clean(&self.name_suffix).map(|m| name_field(&mut e, "name_suffix", &m, false, "name suffix"));
        for (field, v) in [("name_prefix", &name_prefix), ("name_suffix", &name_suffix)] {
            if v.as_ref().is_some_and(|v| v.chars().count() > 40) && e.get(field).is_none() {
                e.add(field, "At most 40 characters.");
            }
        }
        let marital_status = clean(&self.marital_status);
        if marital_status.as_deref().is_some_and(|m| !crate::identity::MARITAL.iter().any(|(c, _)| *c == m)) {
            e.add("marital_status", "Choose a marital status from the list.");
        }
        let (race, ethnicity) = (clean(&self.race), clean(&self.ethnicity));
        let race_ethnicity = if self.record_race_ethnicity {
            for (field, v) in [("race", &race), ("ethnicity", &ethnicity)] {
                if v.as_ref().is_some_and(|t| t.chars().count() > 100 || bad_text(t)) {
                    e.add(field, "At most 100 characters.");
                }
            }
            Some((race, ethnicity))
        } else {
            for (field, v) in [("race", &race), ("ethnicity", &ethnicity)] {
                if v.is_some() {
                    e.add(field, "Race and ethnicity are not recorded at this installation.");
                }
            }
            None
        };
        let identifiers = crate::identity::validate_identifiers(&self.identifiers, &mut e);
        let names = crate::identity::validate_names(&self.names, &mut e);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidPatient {
            address_parts,
            birth_sex,
            marital_status,
            name_prefix,
            name_suffix,
            race_ethnicity,
            identifiers,
            names,
            given_name: given,
            family_name: family,
            middle_name: middle,
            preferred_name: preferred,
            sex: self.sex.clone(),
            gender_identity,
            birth_date,
            birth_date_estimated,
            phone,
            email,
            national_id,
            insurance_number,
            address,
            preferred_language,
            emergency,
            unidentified: self.unidentified,
            unidentified_note: None,
        })
    }
}

impl NewPatient {
    /// The age typed instead of a date of birth, as (years, months); errors on `age_years`.
    fn age(&self, e: &mut FieldErrors) -> Option<(i32, i32)> {
        let (years, months) = (clean(&self.age_years), clean(&self.age_months));
        if years.is_none() && months.is_none() {
            return None;
        }
        let y = match years.as_deref().map(str::parse::<i32>) {
            None => 0,
            Some(Ok(y)) if (0..=120).contains(&y) => y,
            Some(_) => {
                e.add("age_years", "Enter the age in whole years, 0 to 120.");
                return None;
            }
        };
        let m = match months.as_deref().map(str::parse::<i32>) {
            None => 0,
            Some(Ok(m)) if (0..=11).contains(&m) || (y == 0 && (0..=23).contains(&m)) => m,
            Some(_) => {
                e.add("age_years", "Enter the months as 0 to 11 (up to 23 for a baby with no years).");
                return None;
            }
        };
        Some((y, m))
    }

    /// [`Self::validate`] for a new registration, which also needs the date of birth or an age.
    pub fn validate_registration(&self) -> Result<ValidPatient, FieldErrors> {
        let missing =
            clean(&self.birth_date).is_none() && clean(&self.age_years).is_none() && clean(&self.age_months).is_none();
        match self.validate() {
            Ok(v) if !missing => Ok(v),
            r => {
                let mut e = r.err().unwrap_or_default();
                if missing {
                    e.add(
                        "birth_date",
                        "Enter the date of birth, or an age in years (and months) when it is not known.",
                    );
                }
                Err(e)
            }
        }
    }
}

/// The estimated date of birth of someone `years` and `months` old on `today`.
pub fn birth_from_age(today: Date, years: i32, months: i32) -> Date {
    let total = today.year() * 12 + (today.month() as i32 - 1) - years * 12 - months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from((month0 + 1) as u8).unwrap_or(time::Month::January);
    let day = today.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(today)
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PatientSummary {
    pub id: Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub middle_name: Option<String>,
    pub preferred_name: Option<String>,
    pub sex: String,
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<Date>,
    pub birth_date_estimated: bool,
    pub active: bool,
    pub unidentified: bool,
    pub restricted: bool,
    pub deceased: bool,
    pub merged_into: Option<Uuid>,
    /// True when the caller may not see this restricted record: names and dates are hidden.
    #[sqlx(default)]
    pub masked: bool,
}

impl PatientSummary {
    pub fn full_name(&self) -> String {
        if self.masked {
            return "Restricted record".into();
        }
        match &self.middle_name {
            Some(m) => format!("{}, {} {}", self.family_name, self.given_name, m),
            None => format!("{}, {}", self.family_name, self.given_name),
        }
    }
    pub fn birth(&self) -> String {
        match self.birth_date {
            _ if self.masked => "—".into(),
            Some(d) if self.birth_date_estimated => format!("~{} (estimated)", d.year()),
            Some(d) => d.to_string(),
            None => "—".into(),
        }
    }
    pub fn age(&self) -> Option<i32> {
        let b = self.birth_date?;
        let today = OffsetDateTime::now_utc().date();
        let mut age = today.year() - b.year();
        if (today.month() as u8, today.day()) < (b.month() as u8, b.day()) {
            age -= 1;
        }
        Some(age.max(0))
    }
    pub fn age_text(&self) -> String {
        match self.age() {
            _ if self.masked => "—".into(),
            Some(a) if self.birth_date_estimated => format!("~{a} y"),
            Some(a) => format!("{a} y"),
            None => "—".into(),
        }
    }
    pub fn status(&self) -> &'static str {
        if self.merged_into.is_some() {
            "Merged"
        } else if self.deceased {
            "Deceased"
        } else if !self.active {
            "Inactive"
        } else if self.unidentified {
            "Unidentified"
        } else {
            "Active"
        }
    }
    /// Hides everything but the MRN from a caller without access.
    pub fn mask(&mut self) {
        self.masked = true;
        self.given_name = String::new();
        self.family_name = String::new();
        self.middle_name = None;
        self.preferred_name = None;
        self.birth_date = None;
        self.sex = "unknown".into();
    }
}

pub const SUMMARY_COLS: &str = "p.id, p.mrn, p.given_name, p.family_name, p.middle_name, p.preferred_name, p.sex, \
    p.birth_date, p.birth_date_estimated, p.active, p.unidentified, p.restricted, (p.deceased_at IS NOT NULL) AS deceased, p.merged_into";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientDetail {
    #[serde(flatten)]
    pub summary: PatientSummary,
    pub facility_id: Uuid,
    pub facility_name: String,
    pub gender_identity: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub insurance_number: Option<String>,
    /// Address line 1.
    pub address: Option<String>,
    #[serde(flatten)]
    pub address_parts: crate::identity::AddressParts,
    /// The language for messages to the patient: a BCP 47 tag (`en`, `es`, `ar`, `es-MX`), or null.
    pub preferred_language: Option<String>,
    pub birth_sex: Option<String>,
    pub marital_status: Option<String>,
    /// Parts before the name, e.g. "Dr.", "Mrs."
    pub name_prefix: Option<String>,
    /// Parts after the name, e.g. "Jr.", "III".
    pub name_suffix: Option<String>,
    /// Only where the installation records race and ethnicity (else left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub race: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    /// Other identifiers (previous MRN, passport, …).
    pub identifiers: Vec<crate::identity::IdentifierView>,
    /// Other names (maiden, alias, nickname, …); the official name is the record's own.
    pub names: Vec<crate::identity::NameView>,
    pub unidentified_note: Option<String>,
    pub deactivated_reason: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub deceased_at: Option<OffsetDateTime>,
    pub cause_of_death: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub merged_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub erased_at: Option<OffsetDateTime>,
    pub has_photo: bool,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl PatientDetail {
    /// The record as an editable form (for the edit page and for API PATCH).
    pub fn to_form(&self) -> NewPatient {
        let s = &self.summary;
        NewPatient {
            given_name: s.given_name.clone(),
            family_name: s.family_name.clone(),
            middle_name: s.middle_name.clone(),
            preferred_name: s.preferred_name.clone(),
            sex: s.sex.clone(),
            gender_identity: self.gender_identity.clone(),
            birth_date: s.birth_date.map(|d| d.to_string()),
            birth_date_estimated: s.birth_date_estimated,
            phone: self.phone.clone(),
            email: self.email.clone(),
            national_id: self.national_id.clone(),
            insurance_number: self.insurance_number.clone(),
            address: self.address.clone(),
            address_line2: self.address_parts.address_line2.clone(),
            city: self.address_parts.city.clone(),
            district: self.address_parts.district.clone(),
            state: self.address_parts.state.clone(),
            postcode: self.address_parts.postcode.clone(),
            country: self.address_parts.country.clone(),
            preferred_language: self.preferred_language.clone(),
            birth_sex: self.birth_sex.clone(),
            marital_status: self.marital_status.clone(),
            name_prefix: self.name_prefix.clone(),
            name_suffix: self.name_suffix.clone(),
            race: self.race.clone(),
            ethnicity: self.ethnicity.clone(),
            record_race_ethnicity: true,
            unidentified: s.unidentified,
            ..Default::default()
        }
    }
}

impl PatientDetail {
    /// Leaves race and ethnicity out where the installation does not record them.
    pub fn gate_race_ethnicity(&mut self, recorded: bool) {
        if !recorded {
            self.race = None;
            self.ethnicity = None;
        }
    }

    pub fn marital_label(&self) -> &'static str {
        crate::identity::marital_label(self.marital_status.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmergencyContactView {
    pub id: Uuid,
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_accept_checkbox_and_json() {
        let f: NewPatient = serde_urlencoded::from_str("given_name=A&birth_date_estimated=on").unwrap();
        assert!(f.birth_date_estimated);
        let j: NewPatient = serde_json::from_str(r#"{"given_name":"A","birth_date_estimated":true}"#).unwrap();
        assert!(j.birth_date_estimated && !j.register_anyway);
    }

    #[test]
    fn an_age_gives_an_estimated_birth_date() {
        let today = Date::from_calendar_date(2026, time::Month::March, 31).unwrap();
        assert_eq!(birth_from_age(today, 40, 0), Date::from_calendar_date(1986, time::Month::March, 31).unwrap());
        assert_eq!(birth_from_age(today, 0, 1), Date::from_calendar_date(2026, time::Month::February, 28).unwrap());
        assert_eq!(birth_from_age(today, 1, 3), Date::from_calendar_date(2024, time::Month::December, 31).unwrap());
        let f = NewPatient {
            given_name: "Ann".into(),
            family_name: "Lee".into(),
            sex: "female".into(),
            age_years: Some("2".into()),
            age_months: Some("6".into()),
            ..Default::default()
        };
        let v = f.validate_registration().unwrap();
        assert!(v.birth_date_estimated && v.birth_date.is_some());
        let thin = NewPatient { given_name: "Ann".into(), family_name: "Lee".into(), ..Default::default() };
        let e = thin.validate_registration().unwrap_err();
        assert!(e.get("birth_date").is_some() && e.get("sex").unwrap().contains("unknown"));
        let bad = NewPatient { age_years: Some("200".into()), ..f };
        assert!(bad.validate_registration().unwrap_err().get("age_years").is_some());
    }

    #[test]
    fn dates_in_the_desk_formats() {
        let d = Date::from_calendar_date(2009, time::Month::April, 15).unwrap();
        for v in ["2009-04-15", "15/04/2009", "15.04.2009", "15-04-2009", "2009/04/15", " 15/4/2009 "] {
            assert_eq!(parse_date_any(v), Some(d), "{v}");
        }
        for v in ["04/15/2009", "15/04/09", "2009-02-30", "15/04", "abc", "1/2/3", "000080", "968012"] {
            assert_eq!(parse_date_any(v), None, "{v}");
        }
    }

    #[test]
    fn validation_reports_each_field() {
        let f = NewPatient {
            given_name: "Ann".into(),
            family_name: "Lee".into(),
            sex: "female".into(),
            email: Some("nope".into()),
            emergency_phone: Some("123456789".into()),
            ..Default::default()
        };
        let e = f.validate().unwrap_err();
        assert!(e.get("email").is_some());
        assert!(e.get("emergency_name").is_some());
    }
}
