//! The patient banner of every chart page (and of every clinical module's patient pages): who
//! the patient is, the record's state, every module's banner part (allergies from the chart…)
//! and the chart tabs, all read in one query together with the restricted-record check
//! ([`ChartPatient`] = [`PatientCtx`]`<Banner>`).

use serde_json::Value;
use sqlx::{FromRow, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access;
use crate::context::{PatientCtx, PatientLoad};
use crate::flags::PatientFlags;
use hearth_core::app::AppState;
use hearth_core::platform::auth::CurrentUser;
use hearth_core::registry::{BannerGroup, Registry};

/// A chart route's patient: the registry's context with the banner read in the same query as
/// the restricted-record check.
pub type ChartPatient = PatientCtx<Banner>;

#[derive(Debug, Clone)]
pub struct Tab {
    /// The chart tab's key (its label's message is `patients-tab-<key>` when translated).
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct MergedInto {
    pub id: Uuid,
    pub mrn: String,
}

/// The patient banner shown on every chart page.
#[derive(Debug, Clone)]
pub struct Banner {
    pub id: Uuid,
    pub name: String,
    pub mrn: String,
    pub sex: String,
    pub birth_date: Option<Date>,
    pub active: bool,
    /// Red alerts: merged, deceased, closed, and what modules add (life-threatening allergy…).
    pub alerts: Vec<String>,
    /// Restricted (VIP/sensitive) record: only the care team and permitted roles see it.
    pub restricted: bool,
    /// The record was merged into another one (which holds the chart now).
    pub merged_into: Option<MergedInto>,
    pub deceased_at: Option<OffsetDateTime>,
    /// Every module's banner groups, in registry order.
    pub groups: Vec<BannerGroup>,
    /// Every module's raw banner value by module name (for a module's own pages).
    pub parts: Vec<(&'static str, Value)>,
    tabs: Vec<(&'static str, &'static str, &'static str)>,
    /// The chart section being shown (its tab is marked current).
    pub section: &'static str,
    /// A photo is on file (`/patients/{id}/photo`).
    pub has_photo: bool,
    pub preferred_language: Option<String>,
    /// Code status, isolation, interpreter need (the latest recorded; defaults: not recorded).
    pub flags: PatientFlags,
}

impl Banner {
    pub fn age(&self) -> String {
        match self.birth_date {
            Some(b) => age_label(b, OffsetDateTime::now_utc().date()),
            None => "age unknown".into(),
        }
    }

    /// "Polish · interpreter needed", "English", or "Not recorded".
    pub fn language(&self) -> String {
        match (&self.preferred_language, self.flags.interpreter_needed) {
            (Some(l), true) => format!("{l} · interpreter needed"),
            (Some(l), false) => l.clone(),
            (None, true) => "Interpreter needed".into(),
            (None, false) => "Not recorded".into(),
        }
    }

    pub fn birth(&self) -> String {
        self.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }

    pub fn tabs(&self) -> Vec<Tab> {
        self.tabs
            .iter()
            .map(|(key, label, suffix)| Tab {
                key,
                label,
                href: format!("/patients/{}/{suffix}", self.id),
                active: *key == self.section,
            })
            .collect()
    }

    pub fn href(&self, suffix: &str) -> String {
        format!("/patients/{}/{suffix}", self.id)
    }

    /// A module's raw banner value (what its `BannerPart::sql` returned).
    pub fn part(&self, module: &str) -> Option<&Value> {
        self.parts.iter().find(|(m, _)| *m == module).map(|(_, v)| v)
    }
}

impl ChartPatient {
    /// The banner, for the chart section `section`.
    pub fn banner(self, section: &'static str) -> Banner {
        Banner { section, ..self.data }
    }
}

impl PatientLoad for Banner {
    async fn load(state: &AppState, id: Uuid, user: &CurrentUser) -> sqlx::Result<Option<(Banner, bool)>> {
        load(&state.pool, state.registry, id, access::viewer(user)).await
    }
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    mrn: String,
    given_name: String,
    family_name: String,
    sex: String,
    birth_date: Option<Date>,
    active: bool,
    restricted: bool,
    merged_into: Option<Uuid>,
    merged_into_mrn: Option<String>,
    deceased_at: Option<OffsetDateTime>,
    parts: Vec<Value>,
    visible: bool,
    has_photo: bool,
    preferred_language: Option<String>,
    flags: Option<Value>,
}

/// The banner and whether the viewer (`access::viewer`) may open the record; `None` when there
/// is no such patient. One query: the patient, every module's part, the access check.
pub async fn load(
    pool: &PgPool,
    registry: &Registry,
    id: Uuid,
    (perm, uid, sid): (bool, Uuid, Option<Uuid>),
) -> sqlx::Result<Option<(Banner, bool)>> {
    let parts = registry.banner_parts();
    let selects: Vec<String> = parts.iter().map(|(_, b)| format!("coalesce(({}), 'null'::jsonb)", b.sql)).collect();
    let sql = format!(
        "SELECT p.id, p.mrn, p.given_name, p.family_name, p.sex, p.birth_date, p.active,
                p.restricted, p.merged_into, s.mrn AS merged_into_mrn, p.deceased_at,
                EXISTS (SELECT 1 FROM patient_photos ph WHERE ph.patient_id = p.id) AS has_photo,
                p.preferred_language,
                (SELECT jsonb_build_object('code_status', f.code_status, 'isolation', f.isolation,
                                           'interpreter_needed', f.interpreter_needed)
                 FROM patient_flags f WHERE f.patient_id = p.id ORDER BY f.recorded_at DESC, f.id DESC LIMIT 1) AS flags,
                ARRAY[{}]::jsonb[] AS parts,
                {} AS visible
         FROM patients p LEFT JOIN patients s ON s.id = p.merged_into
         WHERE p.id = $1",
        if selects.is_empty() { String::new() } else { selects.join(", ") },
        access::visible_sql(2)
    );
    let row: Option<Row> = sqlx::query_as(&sql).bind(id).bind(perm).bind(uid).bind(sid).fetch_optional(pool).await?;
    Ok(row.map(|r| {
        let visible = r.visible;
        (assemble(r, registry, &parts), visible)
    }))
}

fn assemble(
    r: Row,
    registry: &Registry,
    parts: &[(&'static hearth_core::registry::Module, &'static hearth_core::registry::BannerPart)],
) -> Banner {
    let merged_into = match (r.merged_into, r.merged_into_mrn) {
        (Some(id), Some(mrn)) => Some(MergedInto { id, mrn }),
        _ => None,
    };
    let mut alerts = Vec::new();
    if let Some(m) = &merged_into {
        alerts.push(format!("Merged into {}: the chart continues on that record", m.mrn));
    } else if r.deceased_at.is_some() {
        // "Deceased <time>" is the template's first alert: the time shows in the reader's zone.
    } else if !r.active {
        alerts.push("Record closed (inactive patient)".to_string());
    }
    let flags: PatientFlags = r.flags.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
    for i in flags.isolation_labels() {
        alerts.push(format!("Isolation: {i}"));
    }
    let mut groups = Vec::new();
    let mut raw = Vec::new();
    for ((m, part), value) in parts.iter().zip(r.parts) {
        let c = (part.render)(&value);
        groups.extend(c.groups);
        alerts.extend(c.alerts);
        raw.push((m.name, value));
    }
    Banner {
        id: r.id,
        name: format!("{}, {}", r.family_name, r.given_name),
        mrn: r.mrn,
        sex: r.sex,
        birth_date: r.birth_date,
        active: r.active,
        alerts,
        restricted: r.restricted,
        merged_into,
        deceased_at: r.deceased_at,
        groups,
        parts: raw,
        tabs: registry.chart_tabs().iter().map(|t| (t.key, t.label, t.suffix)).collect(),
        section: "",
        has_photo: r.has_photo,
        preferred_language: r.preferred_language,
        flags,
    }
}

/// The unit an age is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeUnit {
    Years,
    Months,
    Days,
}

/// Age for display: years from 2, months under 2 years, days under a month (`45 y`).
pub fn age_label(birth: Date, on: Date) -> String {
    match age_in_units(birth, on) {
        (n, AgeUnit::Years) => format!("{n} y"),
        (n, AgeUnit::Months) => format!("{n} mo"),
        (n, AgeUnit::Days) => format!("{n} d"),
    }
}

/// The age as a number and its unit (years from 2, months under 2 years, days under a month).
pub fn age_in_units(birth: Date, on: Date) -> (i64, AgeUnit) {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    if years >= 2 {
        return (years as i64, AgeUnit::Years);
    }
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if on.day() < birth.day() {
        months -= 1;
    }
    if months >= 1 {
        (months as i64, AgeUnit::Months)
    } else {
        ((on - birth).whole_days().max(0), AgeUnit::Days)
    }
}

/// "YYYY-MM-DD HH:MM" (UTC).
pub fn fmt_dt(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ages() {
        assert_eq!(age_label(date!(1980 - 02 - 29), date!(2026 - 02 - 28)), "45 y");
        assert_eq!(age_label(date!(1980 - 02 - 29), date!(2026 - 03 - 01)), "46 y");
        assert_eq!(age_label(date!(2025 - 01 - 15), date!(2026 - 01 - 20)), "12 mo");
        assert_eq!(age_label(date!(2026 - 01 - 10), date!(2026 - 01 - 20)), "10 d");
    }
}
