//! Registration: the full form with duplicate detection (candidates with scores, then an
//! explicit "register anyway"), and the quick form for unidentified patients.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::{FromRow, PgPool};
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

use super::access::{viewer, visible_sql};
use super::model::{
    clean, parse_date_any, NewPatient, PatientSummary, ValidPatient, AAD_ADDRESS, AAD_PHONE, SEXES, SUMMARY_COLS,
};
use super::repo::{self, bidx_email, bidx_insurance, bidx_national_id, bidx_phone};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::crypto::KeyRing;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};

/// Candidates at or above this score are shown before saving.
pub const DUPLICATE_THRESHOLD: i32 = 45;

#[derive(Debug, Clone)]
pub struct Candidate {
    pub summary: PatientSummary,
    pub score: i32,
    pub reasons: Vec<&'static str>,
    /// The last four digits of the phone (`…8012`), enough to ask "is your number …?".
    pub phone_tail: Option<String>,
    /// The town of the address (its last comma-separated part).
    pub town: Option<String>,
}

impl Candidate {
    pub fn reasons_text(&self) -> String {
        self.reasons.join(", ")
    }
    pub fn phone_text(&self) -> String {
        self.phone_tail.as_deref().map(|t| format!("…{t}")).unwrap_or_else(|| "—".into())
    }
    pub fn town_text(&self) -> &str {
        self.town.as_deref().unwrap_or("—")
    }
    pub fn sex_text(&self) -> &str {
        if self.summary.masked {
            "—"
        } else {
            &self.summary.sex
        }
    }
}

/// The last four digits of a phone number.
pub fn phone_last4(phone: &str) -> Option<String> {
    let d: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    (d.len() >= 4).then(|| d[d.len() - 4..].iter().collect())
}

/// The town of a free-text address: its last comma-separated (or last) line, without a
/// postcode-like word made of digits.
pub fn address_town(address: &str) -> Option<String> {
    let last = address.lines().flat_map(|l| l.split(',')).map(str::trim).rfind(|p| !p.is_empty())?;
    let words: Vec<&str> = last.split_whitespace().filter(|w| !w.chars().any(|c| c.is_ascii_digit())).collect();
    (!words.is_empty()).then(|| words.join(" ").chars().take(40).collect())
}

#[derive(FromRow)]
struct CandRow {
    #[sqlx(flatten)]
    summary: PatientSummary,
    visible: bool,
    name_sim: f32,
    phone_enc: Option<Vec<u8>>,
    address_enc: Option<Vec<u8>>,
    dob: bool,
    phone: bool,
    national_id: bool,
    insurance: bool,
    email: bool,
}

/// Existing records that may be the same person: similar name (trigram), same date of birth,
/// same phone, national ID, insurance number or email (blind indexes). Scored 0..100.
pub async fn candidates(
    pool: &PgPool,
    keys: &KeyRing,
    user: &CurrentUser,
    p: &ValidPatient,
    exclude: Option<Uuid>,
) -> sqlx::Result<Vec<Candidate>> {
    let name = format!("{} {} {}", p.given_name, p.middle_name.as_deref().unwrap_or(""), p.family_name);
    let folded: String = sqlx::query_scalar("SELECT lower(immutable_unaccent($1))").bind(&name).fetch_one(pool).await?;
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let (perm, uid, sid) = viewer(user);
    let sql = format!(
        "SELECT {SUMMARY_COLS}, {} AS visible,
                similarity(p.search_name, $1) AS name_sim, p.phone_enc, p.address_enc,
                coalesce(p.birth_date = $7, false) AS dob,
                coalesce(p.phone_bidx = $8, false) AS phone,
                coalesce(p.national_id_bidx = $9, false) AS national_id,
                coalesce(p.insurance_bidx = $10, false) AS insurance,
                coalesce(p.email_bidx = $11, false) AS email
         FROM patients p
         WHERE p.merged_into IS NULL AND p.erased_at IS NULL AND p.id IS DISTINCT FROM $12
           AND (p.search_name % $1 OR p.phone_bidx = $8 OR p.national_id_bidx = $9 OR p.insurance_bidx = $10
                OR p.email_bidx = $11 OR (p.birth_date = $7 AND p.search_name % $1))
         LIMIT 50",
        visible_sql(4)
    );
    let rows: Vec<CandRow> = sqlx::query_as(&sql)
        .bind(&folded)
        .bind(0i32) // $2, $3: unused placeholders keep visible_sql's numbering simple
        .bind(0i32)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(p.birth_date)
        .bind(p.phone.as_deref().map(|v| bidx_phone(keys, v)))
        .bind(p.national_id.as_deref().map(|v| bidx_national_id(keys, v)))
        .bind(p.insurance_number.as_deref().map(|v| bidx_insurance(keys, v)))
        .bind(p.email.as_deref().map(|v| bidx_email(keys, v)))
        .bind(exclude)
        .fetch_all(pool)
        .await?;
    let mut out: Vec<Candidate> = rows
        .into_iter()
        .map(|r| {
            let mut reasons = Vec::new();
            let mut score = (r.name_sim * 50.0).round() as i32;
            if r.name_sim >= 0.99 {
                reasons.push("same name");
            } else if r.name_sim >= 0.3 {
                reasons.push("similar name");
            }
            for (hit, pts, why) in [
                (r.dob, 20, "same date of birth"),
                (r.phone, 15, "same phone"),
                (r.national_id, 60, "same national ID"),
                (r.insurance, 40, "same insurance number"),
                (r.email, 10, "same email"),
            ] {
                if hit {
                    score += pts;
                    reasons.push(why);
                }
            }
            let mut summary = r.summary;
            let (mut phone_tail, mut town) = (None, None);
            if r.visible {
                phone_tail = keys.decrypt_opt(r.phone_enc.as_deref(), AAD_PHONE).as_deref().and_then(phone_last4);
                town = keys.decrypt_opt(r.address_enc.as_deref(), AAD_ADDRESS).as_deref().and_then(address_town);
            } else {
                summary.mask();
            }
            Candidate { summary, score: score.min(100), reasons, phone_tail, town }
        })
        .filter(|c| c.score >= DUPLICATE_THRESHOLD)
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.summary.mrn.cmp(&b.summary.mrn)));
    out.truncate(5);
    Ok(out)
}

/// The demographics form, for registration (`edit` is None) and for editing.
#[derive(Template)]
#[template(path = "patients/new.html")]
pub struct FormPage {
    pub page: Page,
    pub form: NewPatient,
    pub errors: FieldErrors,
    pub sexes: [&'static str; 4],
    pub candidates: Vec<Candidate>,
    pub edit: Option<Uuid>,
    pub was_unidentified: bool,
}

fn new_page(page: Page, form: NewPatient, errors: FieldErrors, candidates: Vec<Candidate>) -> FormPage {
    FormPage {
        errors: crate::i18n::localise_errors(&page, errors),
        page: {
            let (title, list, crumb) =
                (page.t("patients-register-heading"), page.t("nav-patients"), page.t("patients-crumb-register"));
            page.titled(title).crumb(list, "/patients").crumb(crumb, "/patients/new")
        },
        form,
        sexes: SEXES,
        candidates,
        edit: None,
        was_unidentified: false,
    }
}

pub async fn new_form(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    web::render(&new_page(
        page,
        // No sex chosen for the clerk: "unknown" is a deliberate choice (issue 13, item 8).
        NewPatient { record_race_ethnicity: state.config.record_race_ethnicity, ..Default::default() },
        FieldErrors::default(),
        vec![],
    ))
}

pub fn facility_of(auth: &Auth) -> AppResult<Uuid> {
    auth.facility_ids
        .first()
        .copied()
        .ok_or_else(|| AppError::Unprocessable("You are not assigned to a facility; ask an administrator.".into()))
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(mut form): Form<NewPatient>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    // Unidentified patients have their own quick form.
    form.unidentified = false;
    form.record_race_ethnicity = state.config.record_race_ethnicity;
    let valid = match form.validate_registration() {
        Ok(v) => v,
        Err(errors) => {
            return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(page, form, errors, vec![]));
        }
    };
    let facility = facility_of(&auth)?;
    if !form.register_anyway {
        let found = candidates(&state.pool, &state.keys, &auth.user, &valid, None).await?;
        if !found.is_empty() {
            return web::render_status(StatusCode::CONFLICT, &new_page(page, form, FieldErrors::default(), found));
        }
    }
    let reserved = repo::reserve_mrn(&state.pool, facility).await?;
    let mut tx = state.pool.begin().await?;
    let (id, mrn) = repo::register_as(&mut tx, &state.keys, facility, Some(reserved), &valid, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t1("patients-registered", "mrn", mrn)))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MatchQuery {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub phone: String,
}

#[derive(Template)]
#[template(path = "patients/_matches.html")]
struct MatchesPart {
    page: Page,
    candidates: Vec<Candidate>,
    /// Enough was typed to look.
    looked: bool,
}

/// `GET /patients/new/matches`: the registration form's live "likely matches" while the name
/// and date of birth are typed (htmx, debounced). Restricted records the clerk may not open are
/// shown masked (MRN only), as in the duplicate check on saving.
pub async fn matches(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    axum::extract::Query(q): axum::extract::Query<MatchQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let given: String = q.given_name.trim().chars().take(100).collect();
    let family: String = q.family_name.trim().chars().take(100).collect();
    let looked = given.chars().count() + family.chars().count() >= 3;
    if !looked {
        return web::render(&MatchesPart { page, candidates: vec![], looked });
    }
    // An age narrows nothing exactly: without a date of birth the name (and phone) decide.
    let birth_date = parse_date_any(&q.birth_date);
    let phone = clean(&Some(q.phone.clone())).filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 6);
    let probe = ValidPatient { given_name: given, family_name: family, birth_date, phone, ..Default::default() };
    let found = candidates(&state.pool, &state.keys, &auth.user, &probe, None).await?;
    web::render(&MatchesPart { page, candidates: found, looked })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UnidentifiedForm {
    pub sex: String,
    pub estimated_age: String,
    pub circumstances: String,
}

#[derive(Template)]
#[template(path = "patients/unidentified.html")]
struct UnidentifiedPage {
    page: Page,
    form: UnidentifiedForm,
    errors: FieldErrors,
    sexes: [&'static str; 4],
}

impl UnidentifiedForm {
    pub fn validate(&self) -> Result<ValidPatient, FieldErrors> {
        let mut e = FieldErrors::default();
        if !SEXES.contains(&self.sex.as_str()) {
            e.add("sex", "Choose female, male, other or unknown.");
        }
        let age = match self.estimated_age.trim() {
            "" => None,
            a => match a.trim_start_matches('~').parse::<i32>() {
                Ok(n) if (0..=120).contains(&n) => Some(n),
                _ => {
                    e.add("estimated_age", "Enter an estimated age in years, 0 to 120.");
                    None
                }
            },
        };
        let circumstances = self.circumstances.trim().to_string();
        if circumstances.is_empty() {
            e.add("circumstances", "Describe how and where the patient was found or brought in.");
        } else if circumstances.chars().count() > 500 {
            e.add("circumstances", "At most 500 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        // An estimated age becomes 1 July of the estimated birth year, flagged as estimated.
        let birth_date =
            age.and_then(|a| Date::from_calendar_date(OffsetDateTime::now_utc().year() - a, Month::July, 1).ok());
        Ok(ValidPatient {
            given_name: "Unidentified".into(),
            family_name: "Unknown".into(),
            sex: self.sex.clone(),
            birth_date,
            birth_date_estimated: birth_date.is_some(),
            unidentified: true,
            unidentified_note: Some(circumstances),
            ..Default::default()
        })
    }
}

pub async fn unidentified_form(page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let (title, list, crumb) =
        (page.t("patients-unidentified-patient"), page.t("nav-patients"), page.t("patients-unid-crumb"));
    web::render(&UnidentifiedPage {
        page: page.titled(title).crumb(list, "/patients").crumb(crumb, "/patients/new/unidentified"),
        form: UnidentifiedForm { sex: "unknown".into(), ..Default::default() },
        errors: FieldErrors::default(),
        sexes: SEXES,
    })
}

pub async fn unidentified_create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<UnidentifiedForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            let errors = crate::i18n::localise_errors(&page, errors);
            let title = page.t("patients-unidentified-patient");
            return web::render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &UnidentifiedPage { page: page.titled(title), form, errors, sexes: SEXES },
            );
        }
    };
    let facility = facility_of(&auth)?;
    let reserved = repo::reserve_mrn(&state.pool, facility).await?;
    let mut tx = state.pool.begin().await?;
    let (id, mrn) = repo::register_as(&mut tx, &state.keys, facility, Some(reserved), &valid, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", &page.t1("patients-unid-registered", "mrn", mrn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enough_to_decide_without_showing_everything() {
        assert_eq!(phone_last4("07700 968012").as_deref(), Some("8012"));
        assert_eq!(phone_last4("12"), None);
        assert_eq!(address_town("1 High Street, Leeds LS1 1AA").as_deref(), Some("Leeds"));
        assert_eq!(address_town("Flat 2\n10 Mill Lane\nYork").as_deref(), Some("York"));
        assert_eq!(address_town("12, 34"), None);
        assert_eq!(address_town(""), None);
    }
}
