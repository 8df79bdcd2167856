//! The patient registry's texts in the page's language (docs/i18n.md): labels of coded values
//! (sex, marital status, record status, duplicate reasons), ages and dates of the summary, the
//! preferred-language choice (BCP 47 tags), and the form errors of the shared validation, which
//! the API keeps in English (its `detail`) and the pages show translated.

use hearth_core::web::{FieldErrors, Page};

use crate::model::PatientSummary;

/// A message key built from a code: `key("patients-sex", "female")` → `patients-sex-female`.
/// Such keys are invisible to the key scanner: every language keeps them (the tests compare
/// the languages' key sets).
pub fn key(prefix: &str, code: &str) -> String {
    let code: String =
        code.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("{prefix}-{code}")
}

/// A sex (or sex at birth) code's label; `—` (masked) and unknown codes as they are.
pub fn sex(page: &Page, code: &str) -> String {
    page.t_or(&key("patients-sex", code), code)
}

/// A marital status code's label (English label as the fallback).
pub fn marital(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("patients-marital", code), english)
}

/// The record's status (`PatientSummary::status`) in the page's language.
pub fn status(page: &Page, s: &PatientSummary) -> String {
    page.t_or(&key("patients-status", s.status()), s.status())
}

/// The badge class of the record's status: green when active, muted otherwise.
pub fn status_badge(s: &PatientSummary) -> &'static str {
    if s.status() == "Active" {
        "badge-ok"
    } else {
        "badge-muted"
    }
}

/// The summary's date of birth in the reader's format, or `~year (estimated)`; `—` when hidden or unknown.
pub fn birth(page: &Page, s: &PatientSummary) -> String {
    match s.birth_date {
        _ if s.masked => "—".into(),
        Some(d) if s.birth_date_estimated => page.t1("patients-birth-estimated", "year", d.year().to_string()),
        Some(d) => page.zone.day(d),
        None => "—".into(),
    }
}

/// The summary's age in years (`42 y`, `~42 y`); `—` when hidden or unknown.
pub fn age(page: &Page, s: &PatientSummary) -> String {
    match s.age() {
        _ if s.masked => "—".into(),
        Some(a) if s.birth_date_estimated => page.t1("patients-age-estimated", "years", a),
        Some(a) => page.t1("patients-age-years-short", "years", a),
        None => "—".into(),
    }
}

/// The full name, or "Restricted record" when the caller may not see it.
pub fn full_name(page: &Page, s: &PatientSummary) -> String {
    if s.masked {
        page.t("patients-restricted-record")
    } else {
        s.full_name()
    }
}

/// The label of an other identifier's kind.
pub fn identifier_kind(page: &Page, code: &str) -> String {
    page.t_or(&key("patients-idkind", code), crate::identity::kind_label(code))
}

/// The label of an other name's use.
pub fn name_use(page: &Page, code: &str) -> String {
    page.t_or(&key("patients-nameuse", code), crate::identity::use_label(code))
}

/// A communication channel's label (`sms`, `email`…).
pub fn channel(page: &Page, code: &str) -> String {
    page.t_or(&key("patients-channel", code), code)
}

/// A consent kind's label (`treatment`, `data_sharing`, `communications`).
pub fn consent_kind(page: &Page, code: &str) -> String {
    page.t_or(&key("patients-consent", code), code)
}

/// A consent's label: its kind, with the channel for communications.
pub fn consent(page: &Page, c: &crate::consent::Consent) -> String {
    if c.kind == "communications" {
        format!("{} ({})", consent_kind(page, &c.kind), channel(page, &c.channel))
    } else {
        consent_kind(page, &c.kind)
    }
}

/// The patient's marital status label, `—` when not recorded.
pub fn marital_of(page: &Page, code: &Option<String>) -> String {
    match code.as_deref() {
        Some(c) => marital(page, c, crate::identity::marital_label(Some(c))),
        None => "—".into(),
    }
}

/// The preferred language's label, `—` when not recorded.
pub fn language_of(page: &Page, tag: &Option<String>) -> String {
    match tag.as_deref() {
        Some(t) if !t.is_empty() => language(page, t),
        _ => "—".into(),
    }
}

/// The banner's age (`45 y`, `12 mo`, `10 d`), or "age unknown".
pub fn banner_age(page: &Page, b: &crate::banner::Banner) -> String {
    use crate::banner::{age_in_units, AgeUnit};
    match b.birth_date {
        Some(d) => {
            let (n, unit) = age_in_units(d, time::OffsetDateTime::now_utc().date());
            match unit {
                AgeUnit::Years => page.t1("patients-age-years-short", "years", n),
                AgeUnit::Months => page.t1("patients-age-months-short", "months", n),
                AgeUnit::Days => page.t1("patients-age-days-short", "days", n),
            }
        }
        None => page.t("patients-age-unknown"),
    }
}

/// The banner's language: the preferred language, with "interpreter needed" when flagged.
pub fn banner_language(page: &Page, b: &crate::banner::Banner) -> String {
    match (b.preferred_language.as_deref().filter(|l| !l.is_empty()), b.flags.interpreter_needed) {
        (Some(l), true) => page.t1("patients-language-interpreter", "language", language(page, l)),
        (Some(l), false) => language(page, l),
        (None, true) => page.t("patients-interpreter-needed"),
        (None, false) => page.t("forms-not-recorded"),
    }
}

/// The code status's short label on the banner.
pub fn code_status(page: &Page, f: &crate::flags::PatientFlags) -> String {
    // No flags recorded yet: an empty code status, shown as "Not recorded".
    let code = if f.code_status.is_empty() { "not_recorded" } else { f.code_status.as_str() };
    page.t_or(&key("patients-code", code), f.code_status_label())
}

/// A banner item's text: its message in the page's language when the item has a key (a fixed
/// text such as "None active"), else the text as built from data.
pub fn banner_item(page: &Page, i: &hearth_core::registry::BannerItem) -> String {
    if i.key.is_empty() {
        i.text.clone()
    } else {
        page.t_or(i.key, &i.text)
    }
}

/// The isolation precautions' labels.
pub fn isolations(page: &Page, f: &crate::flags::PatientFlags) -> Vec<String> {
    crate::flags::ISOLATIONS
        .iter()
        .filter(|(v, _)| f.has(v))
        .map(|(v, l)| page.t_or(&key("patients-isolation", v), l))
        .collect()
}

/// A banner group's label (a module's English label; `patients-group-<label>` when translated).
pub fn group(page: &Page, label: &str) -> String {
    page.t_or(&key("patients-group", label), label)
}

/// The banner groups kept in view on small screens (allergies, latest vitals).
pub fn is_key_group(label: &str) -> bool {
    label == "Allergies" || label == "Latest vitals"
}

/// A chart tab's label.
pub fn tab(page: &Page, t: &crate::banner::Tab) -> String {
    page.t_or(&key("patients-tab", t.key), t.label)
}

/// Why a record may be a duplicate (`register::Candidate::reasons`), joined.
pub fn reasons(page: &Page, reasons: &[&str]) -> String {
    reasons.iter().map(|r| page.t_or(&key("patients-reason", r), r)).collect::<Vec<_>>().join(", ")
}

/// A coded value's label through `<prefix>-<code>`, with the English label as the fallback
/// (break-glass reasons, rights requests' kinds and statuses).
pub fn coded(page: &Page, prefix: &str, code: &str, english: &str) -> String {
    page.t_or(&key(prefix, code), english)
}

/// A start-page row's patient name ("Restricted record" when masked by the query).
pub fn start_name(page: &Page, name: &str) -> String {
    if name == "Restricted record" {
        page.t("patients-restricted-record")
    } else {
        name.to_string()
    }
}

/// A start-page row's activity: "Opened", "Registered" in the page's language; a visit line
/// (kind and status from the query) as it is.
pub fn start_what(page: &Page, what: &str) -> String {
    match what {
        "Opened" => page.t("patients-start-opened"),
        "Registered" => page.t("patients-activity-registered"),
        _ => what.to_string(),
    }
}

/// What a merge moved ("3 encounters, 1 patient names"), or "nothing".
pub fn moved(page: &Page, m: &crate::unmerge::MergeEntry) -> String {
    if m.moved.is_empty() {
        page.t("patients-merges-moved-nothing")
    } else {
        m.moved_text()
    }
}

/// The unmerge page's line: when and by whom the records were merged, and what moved.
pub fn merged_line(page: &Page, m: &crate::unmerge::MergeEntry) -> String {
    page.t_args(
        "patients-unmerge-merged",
        &[("when", &page.zone.datetime(m.merged_at)), ("name", &m.merged_by), ("moved", &moved(page, m))],
    )
}

/// The languages offered on the registration form, as BCP 47 tags with their English names (the
/// label shown is the message `patients-lang-<tag>`, in the page's language).
pub const LANGUAGES: [(&str, &str); 24] = [
    ("en", "English"),
    ("es", "Spanish"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
    ("hi", "Hindi"),
    ("bn", "Bengali"),
    ("ur", "Urdu"),
    ("pa", "Punjabi"),
    ("fa", "Persian"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("pl", "Polish"),
    ("ro", "Romanian"),
    ("it", "Italian"),
    ("so", "Somali"),
    ("sw", "Swahili"),
    ("am", "Amharic"),
    ("ti", "Tigrinya"),
    ("cy", "Welsh"),
    ("sgn", "Sign language"),
];

/// The label of a preferred-language tag in the page's language: the catalogue's name of the
/// tag, else of its primary language (`es-MX` → Spanish (es-MX)), else the tag itself.
pub fn language(page: &Page, tag: &str) -> String {
    if let Some((_, en)) = LANGUAGES.iter().find(|(t, _)| *t == tag) {
        return page.t_or(&key("patients-lang", tag), en);
    }
    let primary = tag.split('-').next().unwrap_or(tag);
    match LANGUAGES.iter().find(|(t, _)| *t == primary) {
        Some((_, en)) => format!("{} ({tag})", page.t_or(&key("patients-lang", primary), en)),
        None => tag.to_string(),
    }
}

/// The options of the preferred-language select: the languages offered, and the record's own
/// tag when it is another valid one (`es-MX`, entered through the API), so editing keeps it.
pub fn language_options(page: &Page, current: Option<&str>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = LANGUAGES.iter().map(|(t, _)| (t.to_string(), language(page, t))).collect();
    if let Some(c) = current.filter(|c| !c.is_empty() && !LANGUAGES.iter().any(|(t, _)| t == c)) {
        v.insert(0, (c.to_string(), language(page, c)));
    }
    v
}

/// The registry's form errors (English from the shared validation, which the API also uses)
/// and their message keys.
pub const FORM_ERRORS: &[(&str, &str)] = &[
    ("At most 100 characters.", "patients-err-max-100"),
    ("At most 200 characters.", "patients-err-max-200"),
    ("At most 500 characters.", "patients-err-max-500"),
    ("Use letters, spaces, hyphens and apostrophes.", "patients-err-name-chars"),
    ("Enter the given name.", "patients-err-given-name"),
    ("Enter the family name.", "patients-err-family-name"),
    ("Enter a phone number of 6 to 15 digits.", "patients-err-phone"),
    ("Choose the sex: female, male, other, or unknown when it is not known.", "patients-err-sex-missing"),
    ("Choose female, male, other or unknown.", "patients-err-sex"),
    ("The date of birth is in the future.", "patients-err-birth-future"),
    ("The date of birth is too far in the past.", "patients-err-birth-past"),
    ("Use the form YYYY-MM-DD (or DD/MM/YYYY).", "patients-err-birth-format"),
    ("An estimated date of birth still needs a date (e.g. 1 July of the year).", "patients-err-birth-estimated"),
    ("Enter an email address like name@example.org.", "patients-err-email"),
    ("A national ID has 4 to 30 letters or digits.", "patients-err-national-id"),
    ("A policy number has 4 to 40 letters or digits.", "patients-err-insurance"),
    ("Choose a language from the list (a BCP 47 tag such as en, es or ar).", "patients-err-language"),
    ("Enter the emergency contact's name.", "patients-err-emergency-name"),
    ("Choose female, male or unknown.", "patients-err-birth-sex"),
    ("Choose a marital status from the list.", "patients-err-marital"),
    ("Race and ethnicity are not recorded at this installation.", "patients-err-race-off"),
    ("Enter the age in whole years, 0 to 120.", "patients-err-age-years"),
    ("Enter the months as 0 to 11 (up to 23 for a baby with no years).", "patients-err-age-months"),
    ("Enter an estimated age in years, 0 to 120.", "patients-err-estimated-age"),
    ("Describe how and where the patient was found or brought in.", "patients-err-circumstances"),
    ("Give a reason (at most 500 characters).", "patients-err-reason"),
    ("Enter the date of death as YYYY-MM-DD.", "patients-err-death-date"),
    ("Enter the time as HH:MM (24-hour).", "patients-err-death-time"),
    ("The date of death is in the future.", "patients-err-death-future"),
    ("Enter the contact's name (at most 200 characters).", "patients-err-contact-name"),
    ("Choose the kind of reason.", "patients-err-bg-kind"),
    ("Give the clinical reason in 10 to 500 characters.", "patients-err-bg-reason"),
    ("Choose an offset from the list, or leave it on automatic.", "patients-err-offset"),
    ("Choose a code status.", "patients-err-code-status"),
    ("Choose contact, droplet or airborne precautions.", "patients-err-isolation"),
    ("The note is at most 300 characters.", "patients-err-note-300"),
    ("Choose rectification or erasure.", "patients-err-request-kind"),
    ("Describe the request (at most 2000 characters).", "patients-err-request-details"),
    ("Choose rows from the list.", "patients-err-unmerge-rows"),
    ("Say why the merge was a mistake.", "patients-err-unmerge-reason"),
    ("This merge has already been undone.", "patients-err-already-undone"),
    ("No record has that MRN.", "patients-err-merge-no-mrn"),
    ("You may not open the other record (restricted).", "patients-err-merge-restricted"),
    ("Choose which record survives.", "patients-err-merge-which"),
    ("A record cannot be merged into itself.", "patients-err-merge-itself"),
    ("Unknown column.", "patients-err-import-unknown-column"),
    ("Required column is missing.", "patients-err-import-missing-column"),
    ("The file has a header but no rows.", "patients-err-import-no-rows"),
    ("Choose a CSV file to import.", "patients-err-import-choose"),
    ("The same national ID appears on an earlier row.", "patients-err-import-same-id"),
    ("The file is not a CSV text file (it looks binary), whatever its name says.", "patients-err-import-binary"),
    ("The file is not UTF-8 text. Save it as CSV UTF-8.", "patients-err-import-utf8"),
];

/// The form errors in the page's language: a known message through its key, any other (a
/// message with a value in it) as it is.
pub fn localise_errors(page: &Page, errors: FieldErrors) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, m)| match FORM_ERRORS.iter().find(|(en, _)| *en == m) {
                Some((_, k)) => (field, page.t(k)),
                None => (field, m),
            })
            .collect(),
    )
}

/// One message in the page's language: a known English message through its key
/// ([`FORM_ERRORS`]), any other as it is.
pub fn localise(page: &Page, m: &str) -> String {
    match FORM_ERRORS.iter().find(|(en, _)| *en == m) {
        Some((_, k)) => page.t(k),
        None => m.to_string(),
    }
}

/// The language of a patient-facing text built from the catalogues of `modules`: the patient's
/// preferred language (a BCP 47 tag) when every one of them is reviewed in it, else the language
/// of the facility that registered the patient on the same terms, else English
/// ([`hearth_core::i18n::patient_language`]).
pub async fn message_language(pool: &sqlx::PgPool, patient: uuid::Uuid, modules: &[&str]) -> sqlx::Result<String> {
    let row: Option<(Option<String>, String)> = sqlx::query_as(
        "SELECT p.preferred_language, f.locale FROM patients p JOIN facilities f ON f.id = p.facility_id WHERE p.id = $1",
    )
    .bind(patient)
    .fetch_optional(pool)
    .await?;
    let (preferred, facility) = row.unwrap_or_default();
    Ok(hearth_core::i18n::patient_language(
        preferred.as_deref(),
        Some(facility.as_str()).filter(|f| !f.is_empty()),
        modules,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_built_from_codes() {
        assert_eq!(key("patients-sex", "female"), "patients-sex-female");
        assert_eq!(key("patients-marital", "UNK"), "patients-marital-unk");
        assert_eq!(key("patients-reason", "same national ID"), "patients-reason-same-national-id");
    }

    #[test]
    fn the_languages_offered_are_valid_distinct_tags() {
        for (i, (t, _)) in LANGUAGES.iter().enumerate() {
            assert!(hearth_core::i18n::valid_tag(t), "{t}");
            assert!(!LANGUAGES[..i].iter().any(|(u, _)| u == t), "{t} twice");
        }
    }
}
