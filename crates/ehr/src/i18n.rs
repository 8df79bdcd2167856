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
