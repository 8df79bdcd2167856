//! The alerts' texts in the page's language (docs/i18n.md): labels of coded values (severities,
//! statuses, addressees, duties, step reasons, alert kinds) through keys built from the code,
//! with the English label as the fallback.

use hearth_core::web::Page;
use hearth_patients::i18n::key;

use crate::model::{self, Addressee, AlertRow, DUTIES, SEVERITIES};

/// A severity (`info`, `warning`, `critical`) through `alerts-severity-<code>`.
pub fn severity(page: &Page, code: &str) -> String {
    page.t_or(&key("alerts-severity", code), model::severity_label(code))
}

/// An alert's status as shown (open, escalated, acknowledged, cancelled).
pub fn status(page: &Page, a: &AlertRow) -> String {
    let code = match (a.status.as_str(), a.escalated_at.is_some()) {
        ("open", true) => "escalated",
        ("open", false) => "open",
        ("acknowledged", _) => "acknowledged",
        _ => "cancelled",
    };
    page.t_or(&key("alerts-status", code), a.status_label())
}

/// An on-call duty (`doctor`, `charge_nurse`…) through `alerts-duty-<duty>`.
pub fn duty(page: &Page, code: &str) -> String {
    if DUTIES.iter().any(|(d, _)| *d == code) {
        page.t_or(&key("alerts-duty", code), &model::duty_label(code))
    } else {
        page.t1("alerts-duty-other", "duty", code)
    }
}

/// Whom a chain step addresses (`given`, `attending`, `on_call:doctor`, `fallback`…).
pub fn addressee(page: &Page, code: &str) -> String {
    if code == "fallback" {
        return page.t("alerts-addressee-fallback");
    }
    match Addressee::parse(code) {
        Some(Addressee::OnCall(d)) => duty(page, &d),
        Some(a) => page.t_or(&key("alerts-addressee", &a.code()), &a.label()),
        None => code.to_string(),
    }
}

/// Every addressee an administrator may choose for a step, in the page's language.
pub fn addressee_choices(page: &Page) -> Vec<(String, String)> {
    model::addressee_choices().into_iter().map(|(c, _)| (c.clone(), addressee(page, &c))).collect()
}

/// Why a step fired (`raised`, `timeout`, `off_shift`, `nobody`).
pub fn reason(page: &Page, s: &model::StepRow) -> String {
    let code = match s.reason.as_str() {
        "raised" | "timeout" | "off_shift" => s.reason.as_str(),
        _ => "nobody",
    };
    page.t_or(&key("alerts-reason", code), s.reason_label())
}

/// An alert kind's label (a module's `AlertKind`) through `alerts-kind-<kind>`.
pub fn kind(page: &Page, code: &str, english: &str) -> String {
    page.t_or(&key("alerts-kind", code), english)
}

/// Time from raise to acknowledgement ("12 min", "2 h 5 min"), empty when not acknowledged.
pub fn time_to_ack(page: &Page, a: &AlertRow) -> String {
    let Some(at) = a.acknowledged_at else { return String::new() };
    let d = at - a.created_at;
    let m = d.whole_minutes().max(0);
    match m {
        0 => page.t1("alerts-duration-s", "s", d.whole_seconds().max(0)),
        1..=59 => page.t1("alerts-duration-min", "min", m),
        _ => page.t2("alerts-duration-h-min", "h", m / 60, "min", m % 60),
    }
}

/// The severities as filter options, with "Any" first.
pub fn severity_options(page: &Page) -> Vec<(&'static str, String)> {
    std::iter::once(("", page.t("alerts-any"))).chain(SEVERITIES.iter().map(|(c, _)| (*c, severity(page, c)))).collect()
}

/// (code, label) options of a list whose labels have keys `<prefix>-<code>`.
pub fn options(page: &Page, prefix: &str, list: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    list.iter().map(|(c, l)| (*c, page.t_or(&key(prefix, c), l))).collect()
}
