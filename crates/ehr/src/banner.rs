//! The chart's banner groups beyond allergies (the SQL is `BANNER` in the crate root): the
//! latest vital signs with their flag and NEWS2, weight/height/BMI with their dates, and the
//! active encounter with its department and attending clinician.

use serde_json::Value;

use crate::vitals::model::fmt;
use crate::vitals::ranges::{Band, Flag};
use hearth_core::registry::{BannerGroup, BannerItem, Level};

fn num(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// "Latest vitals" (worst flag, NEWS2, when) and "Weight · height · BMI" (each with its date).
pub fn vitals_groups(v: &Value) -> Vec<BannerGroup> {
    let mut groups = Vec::new();
    let latest = &v["vitals"];
    if latest.is_object() {
        let flag = latest["flag"].as_str().and_then(Flag::parse);
        let mut text = Vec::new();
        if let Some(f) = flag {
            text.push(f.label().to_string());
        }
        match (latest["news2"].as_i64(), latest["band"].as_str()) {
            (Some(n), Some(b)) => text.push(format!("NEWS2 {n} ({})", b.replace('_', "-"))),
            (None, Some("incomplete")) => text.push("NEWS2 incomplete".into()),
            _ => {}
        }
        if text.is_empty() {
            text.push("Not assessed".into());
        }
        let on = latest["on"].as_str().unwrap_or("");
        let danger = flag == Some(Flag::Critical)
            || latest["band"].as_str().and_then(Band::parse).is_some_and(|b| b != Band::Low);
        let level = if danger {
            Level::Danger
        } else if flag == Some(Flag::Abnormal) {
            Level::Warn
        } else if flag == Some(Flag::Normal) {
            Level::Ok
        } else {
            Level::Muted
        };
        groups.push(BannerGroup {
            label: "Latest vitals",
            items: vec![BannerItem::text(format!("{} · {on}", text.join(" · ")), level)],
        });
    }
    let mut items = Vec::new();
    for (key, unit, name) in [("weight", " kg", "Weight"), ("height", " cm", "Height"), ("bmi", "", "BMI")] {
        let m = &v[key];
        if let Some(x) = num(&m["value"]) {
            let on = m["on"].as_str().unwrap_or("");
            items.push(BannerItem::text(format!("{name} {}{unit} ({on})", fmt(x)), Level::Muted));
        }
    }
    if !items.is_empty() {
        groups.push(BannerGroup { label: "Weight · height · BMI", items });
    } else if latest.is_object() {
        groups.push(BannerGroup {
            label: "Weight · height · BMI",
            items: vec![BannerItem::keyed("ehr-banner-not-recorded", "Not recorded", Level::Muted)],
        });
    }
    groups
}

/// "Encounter": the active one's kind, department and attending clinician, or "none active".
pub fn encounter_group(v: &Value) -> Option<BannerGroup> {
    let e = &v["encounter"];
    if !e.is_object() {
        return Some(BannerGroup {
            label: "Encounter",
            items: vec![BannerItem::keyed("ehr-banner-none-active", "None active", Level::Muted)],
        });
    }
    let text = {
        let kind = e["kind"].as_str().unwrap_or("").replace('_', " ");
        let mut kind_c = kind.chars();
        let kind = kind_c.next().map(|c| c.to_uppercase().collect::<String>() + kind_c.as_str()).unwrap_or_default();
        let mut parts = vec![format!("{kind} since {}", e["since"].as_str().unwrap_or(""))];
        parts.push(e["department"].as_str().map(|d| d.to_string()).unwrap_or_else(|| "no department".into()));
        parts.push(
            e["clinician"]
                .as_str()
                .map(|c| format!("attending {c}"))
                .unwrap_or_else(|| "no attending clinician".into()),
        );
        parts.join(" · ")
    };
    Some(BannerGroup { label: "Encounter", items: vec![BannerItem::text(text, Level::Ok)] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vitals_groups_say_flag_news2_and_dates() {
        let v = json!({"vitals": {"flag": "critical", "news2": 14, "band": "high", "on": "2026-12-01 10:00"},
                       "weight": {"value": 72.5, "on": "2026-11-30"}, "bmi": {"value": 24.1, "on": "2026-11-30"}});
        let g = vitals_groups(&v);
        assert_eq!(g[0].items[0].text, "Critical · NEWS2 14 (high) · 2026-12-01 10:00");
        assert_eq!(g[0].items[0].level, Level::Danger);
        assert_eq!(g[1].items[0].text, "Weight 72.5 kg (2026-11-30)");
        assert_eq!(g[1].items[1].text, "BMI 24.1 (2026-11-30)");
        assert!(vitals_groups(&json!({})).is_empty());
        let g = vitals_groups(&json!({"vitals": {"flag": null, "band": "incomplete", "on": "x"}}));
        assert_eq!(g[0].items[0].text, "NEWS2 incomplete · x");
    }

    #[test]
    fn encounter_group() {
        let g = super::encounter_group(&json!({"encounter": {"kind": "inpatient", "department": "Ward 3",
            "clinician": "Dr Who", "since": "2026-12-01 08:00"}}))
        .unwrap();
        assert_eq!(g.items[0].text, "Inpatient since 2026-12-01 08:00 · Ward 3 · attending Dr Who");
        assert_eq!(super::encounter_group(&json!({})).unwrap().items[0].text, "None active");
    }
}
