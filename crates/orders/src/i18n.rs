//! The orders' texts in the page's language (docs/i18n.md): labels of coded values (statuses,
//! priorities, entry modes, kinds of order) through keys built from the code, with the English
//! label as the fallback.

use hearth_core::web::Page;
use hearth_patients::i18n::key;

use crate::model::{label, PRIORITIES, STATUSES};

/// A request status (`draft`, `on_hold`…) through `orders-status-<status>`.
pub fn status(page: &Page, code: &str) -> String {
    page.t_or(&key("orders-status", code), label(&STATUSES, code))
}

/// A priority (`routine`, `asap`…) through `orders-priority-<priority>`.
pub fn priority(page: &Page, code: &str) -> String {
    page.t_or(&key("orders-priority", code), label(&PRIORITIES, code))
}

/// How an order was given (`Verbal order`, `Telephone order`, `Electronic`) through
/// `orders-mode-<mode>`.
pub fn mode(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("orders-mode", code), english)
}

/// The short form (`Verbal`, `Telephone`) of a countersignature's entry mode.
pub fn mode_short(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("orders-mode-short", code), english)
}

/// A kind of order (a module's `OrderKind`: `lab_test`, `imaging`…) through `orders-kind-<kind>`.
pub fn kind(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("orders-kind", code), english)
}

/// The priorities as (code, label) options.
pub fn priorities(page: &Page) -> Vec<(&'static str, String)> {
    PRIORITIES.iter().map(|(c, _)| (*c, priority(page, c))).collect()
}

/// The ways of giving an order (`signed`, `draft`, `verbal`, `telephone`) as (code, label).
pub fn entries(page: &Page, list: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    list.iter().map(|(c, l)| (*c, page.t_or(&key("orders-entry", c), l))).collect()
}

/// The kinds of order as (code, label), translated.
pub fn kinds(page: &Page, list: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    list.iter().map(|(c, l)| (*c, kind(page, c, l))).collect()
}

/// An encounter as an option of the order forms: "start · kind · status".
pub fn encounter_option(page: &Page, e: &hearth_ehr::encounters::Encounter) -> String {
    format!(
        "{} · {} · {}",
        page.zone.datetime(e.starts_at),
        hearth_ehr::i18n::enc_kind(page, &e.kind),
        hearth_ehr::i18n::status_code(page, &e.status, &e.status_label())
    )
}
