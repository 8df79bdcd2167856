//! The chart's texts in the page's language (docs/i18n.md): labels of coded values (vital-sign
//! flags, NEWS2 bands, timeline kinds and statuses) through keys built from the code, with the
//! English label as the fallback.

use hearth_core::web::Page;
use hearth_patients::i18n::key;

use crate::vitals::Vitals;

/// A vital-sign flag's label (`Normal`, `Abnormal`, `Critical`).
pub fn flag(page: &Page, label: &str) -> String {
    page.t_or(&key("ehr-flag", label), label)
}

/// The NEWS2 line: "NEWS2 14 · high clinical risk", or which parameters are missing.
pub fn news2(page: &Page, v: &Vitals) -> Option<String> {
    let band = v.news2_band.as_deref()?;
    Some(match v.news2 {
        Some(score) => {
            let english = v.news2_text().unwrap_or_default();
            let band_label = english.split_once(" · ").map(|(_, b)| b.to_string()).unwrap_or_default();
            page.t2("ehr-news2", "score", score as i64, "band", page.t_or(&key("ehr-news2-band", band), &band_label))
        }
        None => {
            let missing: Vec<String> =
                v.news2_missing().iter().map(|m| page.t_or(&key("ehr-news2-param", m), m)).collect();
            page.t1("ehr-news2-incomplete", "missing", missing.join(", "))
        }
    })
}

/// A timeline entry's kind (`Encounter`, `Note`…), from the module that contributes it.
pub fn kind(page: &Page, t: &hearth_patients::timeline::TimelineItem) -> String {
    page.t_or(&key("ehr-kind", &t.kind), t.kind_label)
}

/// A timeline entry's status (`active`, `final`, `critical`…).
pub fn status(page: &Page, t: &hearth_patients::timeline::TimelineItem) -> String {
    page.t_or(&key("ehr-status", &t.status), &t.status_label())
}

/// A status code's label (`active`, `entered_in_error`, `in_progress`…) through
/// `ehr-status-<code>`, with the English label as the fallback.
pub fn status_code(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("ehr-status", code), english)
}

/// An encounter kind's label (`outpatient`, `home_visit`…) through `ehr-enc-kind-<kind>`.
pub fn enc_kind(page: &Page, kind: &str) -> String {
    page.t_or(&key("ehr-enc-kind", kind), &crate::encounters::label(kind))
}

/// A document category's label (`referral_letter`…) through `ehr-docs-category-<key>`.
pub fn doc_category(page: &Page, category: &str) -> String {
    page.t_or(&key("ehr-docs-category", category), crate::documents::model::category_label(category))
}

/// A start-page row's activity: the texts the panels' queries compute ("Draft note", "Last vital
/// signs"…) in the page's language; a note's title or an encounter line as it is.
pub fn start_what(page: &Page, what: &str) -> String {
    match what {
        "Draft note" => page.t("ehr-start-draft-note"),
        "No vital signs recorded" => page.t("ehr-start-no-vitals"),
        "Last vital signs" => page.t("ehr-start-last-vitals"),
        _ => what.to_string(),
    }
}

/// The visit-start page's warning about a visit already under way.
pub fn open_visit(page: &Page, o: &crate::visits::OpenVisit) -> String {
    let mut place = String::new();
    if let Some(d) = &o.department {
        place.push(' ');
        place.push_str(&page.t1("ehr-visit-open-in", "department", d.as_str()));
    }
    if let Some(c) = &o.clinician {
        place.push(' ');
        place.push_str(&page.t1("ehr-visit-open-with", "clinician", c.as_str()));
    }
    page.t_args(
        "ehr-visit-open",
        &[("when", &page.zone.datetime(o.starts_at)), ("zone", &page.zone.to_string()), ("place", &place)],
    )
}

/// The chart's form errors and refusals (English from the shared validation, which the API also
/// uses) and their message keys.
pub const ERRORS: &[(&str, &str)] = &[
    ("Choose SOAP, progress, procedure or free-text.", "ehr-err-note-template"),
    ("At most 200 characters.", "ehr-err-max-200"),
    ("Write the note.", "ehr-err-note-body"),
    ("That encounter is not this patient's.", "ehr-err-note-encounter-other"),
    ("Choose an encounter from the list.", "ehr-err-note-encounter"),
    ("Enter a title of at most 200 characters.", "ehr-err-note-title"),
    ("Tick “I have reviewed this note” to sign it (signing locks it), or save a draft.", "ehr-err-note-confirm-new"),
    ("Tick “I have reviewed this note” to sign it; signing locks it. Nothing was signed.", "ehr-err-note-confirm"),
    ("Choose the department the patient is visiting.", "ehr-err-visit-department"),
    ("Choose one of your facility's open departments.", "ehr-err-visit-department-open"),
    ("Enter the reason for the visit (e.g. \"follow-up of asthma\").", "ehr-err-visit-reason"),
    ("This record was merged into another one; start the visit on the surviving record.", "ehr-visit-blocked-merged"),
    ("The patient is recorded as deceased.", "ehr-visit-blocked-deceased"),
    ("The record is closed; reopen it before starting a visit.", "ehr-visit-blocked-closed"),
];

/// One message in the page's language: a known English message through its key ([`ERRORS`]),
/// any other (a message with a value in it) as it is.
pub fn localise(page: &Page, m: &str) -> String {
    match ERRORS.iter().find(|(en, _)| *en == m) {
        Some((_, k)) => page.t(k),
        None => m.to_string(),
    }
}

/// The form errors in the page's language ([`localise`]).
pub fn localise_errors(page: &Page, errors: hearth_core::web::FieldErrors) -> hearth_core::web::FieldErrors {
    hearth_core::web::FieldErrors(errors.0.into_iter().map(|(f, m)| (f, localise(page, &m))).collect())
}
