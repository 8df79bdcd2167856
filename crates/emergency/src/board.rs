//! The tracking board: everyone in the department (open visits), one indexed query.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    self, label, AREAS, CLINICIAN_TARGET_MIN, LOS_TARGET_MIN, REASSESS_MIN, STATUSES, TRIAGE_TARGET_MIN,
};
use hearth_patients::access::visible_sql;

/// One patient on the board. Restricted records the viewer may not open show "Restricted record"
/// with no complaint, initials or age.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    pub visit_id: Uuid,
    pub patient_id: Uuid,
    /// The viewer may open the record.
    pub visible: bool,
    pub mrn: String,
    pub patient_name: String,
    pub initials: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub birth_date: Option<Date>,
    pub sex: String,
    pub chief_complaint: String,
    pub arrival_mode: String,
    pub medico_legal: bool,
    pub status: String,
    pub esi: Option<i16>,
    pub bay_code: Option<String>,
    pub area: Option<String>,
    pub nurse: Option<String>,
    pub clinician: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub arrived_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub step_since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub triaged_at: Option<OffsetDateTime>,
    pub disposition: Option<String>,
    pub news2: Option<i16>,
    /// The latest triage's infection screen (fever with cough, rash, travel) was positive.
    pub isolate: bool,
    /// Open clinical alerts raised for this visit.
    pub alerts: i64,
    /// Minutes since arrival and in the current step (filled by [`annotate`]).
    #[sqlx(skip)]
    pub minutes_in_department: i64,
    #[sqlx(skip)]
    pub minutes_in_step: i64,
    /// Waiting longer than the ESI level's target for a clinician (or for triage).
    #[sqlx(skip)]
    pub breach: bool,
    /// Waiting beyond the reassessment interval: re-triage.
    #[sqlx(skip)]
    pub retriage_due: bool,
    /// Longer in the department than the length-of-stay target.
    #[sqlx(skip)]
    pub los_breach: bool,
    #[sqlx(skip)]
    pub age: String,
    /// Boarding: the inpatient bed request's status (requested, assigned, admitted, cancelled)
    /// and the assigned bed, from inpatient care's public function.
    #[sqlx(skip)]
    pub bed_request: Option<String>,
    #[sqlx(skip)]
    pub bed: Option<String>,
}

impl BoardRow {
    pub fn esi_class(&self) -> String {
        model::esi_class(self.esi)
    }
    pub fn status_label(&self) -> &'static str {
        label(&STATUSES, &self.status)
    }
    pub fn area_label(&self) -> &'static str {
        self.area.as_deref().map(|a| label(&AREAS, a)).unwrap_or("")
    }
    pub fn disposition_label(&self) -> &'static str {
        self.disposition.as_deref().map(|d| label(&model::DISPOSITIONS, d)).unwrap_or("")
    }
    pub fn esi_text(&self) -> String {
        self.esi.map(|e| e.to_string()).unwrap_or_else(|| "–".into())
    }
}

/// "3 h 05" or "12 min".
pub fn duration(minutes: impl std::borrow::Borrow<i64>) -> String {
    let minutes = *minutes.borrow();
    if minutes >= 60 {
        format!("{} h {:02}", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// Age shown on the board: years from 2, else months, else days.
pub fn age_short(birth: Date, on: Date) -> String {
    let days = (on - birth).whole_days();
    let mut months = (on.year() - birth.year()) * 12 + (on.month() as i32 - birth.month() as i32);
    if on.day() < birth.day() {
        months -= 1;
    }
    if months >= 24 {
        format!("{}y", months / 12)
    } else if days > 28 {
        format!("{months}m")
    } else {
        format!("{days}d")
    }
}

/// Filters and sort of the board (query string).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct BoardQuery {
    /// An area (resus, majors…), or empty for all.
    pub area: String,
    /// An ESI level 1–5, or empty for all.
    pub esi: String,
    /// A status (waiting, triaged, in_treatment, boarding), or empty for all.
    pub status: String,
    /// esi (default: most urgent first, then longest waiting), arrival, bay, wait.
    pub sort: String,
    /// The facility (default: the user's first).
    pub facility: String,
}

/// The open visits of `facility`, for a viewer `(restricted perm, user, session)`.
pub async fn rows(
    pool: &PgPool,
    facility: Uuid,
    viewer: (bool, Uuid, Option<Uuid>),
    q: &BoardQuery,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<BoardRow>> {
    let vis = visible_sql(2);
    let mut rows: Vec<BoardRow> = sqlx::query_as(&format!(
        "SELECT v.id AS visit_id, v.patient_id, {vis} AS visible, p.mrn,
                CASE WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name,
                CASE WHEN {vis} THEN upper(left(p.given_name, 1) || left(p.family_name, 1)) ELSE '—' END AS initials,
                CASE WHEN {vis} THEN p.birth_date END AS birth_date,
                CASE WHEN {vis} THEN p.sex ELSE '' END AS sex,
                CASE WHEN {vis} THEN v.chief_complaint ELSE '' END AS chief_complaint,
                v.arrival_mode, v.medico_legal, v.status, v.esi, b.code AS bay_code, b.area,
                n.display_name AS nurse, c.display_name AS clinician, v.arrived_at, v.step_since, v.triaged_at,
                v.disposition, t.news2, coalesce(t.fever_cough OR t.rash OR t.recent_travel, false) AS isolate,
                (SELECT count(*) FROM alerts a WHERE a.source_module = 'emergency' AND a.source_id = v.id
                   AND a.status = 'open') AS alerts
         FROM ed_visits v JOIN patients p ON p.id = v.patient_id
         LEFT JOIN ed_bays b ON b.id = v.bay_id
         LEFT JOIN users n ON n.id = v.nurse_id LEFT JOIN users c ON c.id = v.clinician_id
         LEFT JOIN LATERAL (SELECT news2, fever_cough, rash, recent_travel FROM ed_triages
                            WHERE visit_id = v.id ORDER BY triaged_at DESC, id DESC LIMIT 1) t ON true
         WHERE v.facility_id = $1 AND v.departed_at IS NULL
         ORDER BY v.arrived_at, v.id LIMIT 500"
    ))
    .bind(facility)
    .bind(viewer.0)
    .bind(viewer.1)
    .bind(viewer.2)
    .fetch_all(pool)
    .await?;
    for r in &mut rows {
        annotate(r, now);
    }
    let boarding: Vec<Uuid> = rows.iter().filter(|r| r.status == "boarding").map(|r| r.visit_id).collect();
    if !boarding.is_empty() {
        let statuses = hearth_inpatient::bed_requests::statuses_for(pool, "emergency", &boarding).await?;
        for s in statuses {
            if let Some(r) = rows.iter_mut().find(|r| r.visit_id == s.source_ref) {
                r.bed_request = Some(s.status);
                r.bed = s.bed_label;
            }
        }
    }
    rows.retain(|r| {
        (q.area.is_empty() || r.area.as_deref() == Some(q.area.as_str()))
            && (q.esi.is_empty() || r.esi.map(|e| e.to_string()) == Some(q.esi.clone()))
            && (q.status.is_empty() || r.status == q.status)
    });
    match q.sort.as_str() {
        "arrival" => {}
        "bay" => rows.sort_by(|a, b| (a.bay_code.is_none(), &a.bay_code).cmp(&(b.bay_code.is_none(), &b.bay_code))),
        "wait" => rows.sort_by_key(|r| std::cmp::Reverse(r.minutes_in_step)),
        _ => rows.sort_by_key(|r| (r.esi.unwrap_or(0), r.arrived_at)),
    }
    Ok(rows)
}

/// The clocks and flags of a row at `now`.
pub fn annotate(r: &mut BoardRow, now: OffsetDateTime) {
    r.minutes_in_department = (now - r.arrived_at).whole_minutes().max(0);
    r.minutes_in_step = (now - r.step_since).whole_minutes().max(0);
    let level = r.esi.map(|e| (e.clamp(1, 5) - 1) as usize);
    r.breach = match (r.status.as_str(), level) {
        ("waiting", _) => r.minutes_in_step > TRIAGE_TARGET_MIN,
        ("triaged", Some(l)) => r.minutes_in_step > CLINICIAN_TARGET_MIN[l],
        _ => false,
    };
    r.retriage_due = match (r.status.as_str(), level, r.triaged_at) {
        ("triaged", Some(l), Some(t)) => (now - t).whole_minutes() > REASSESS_MIN[l],
        _ => false,
    };
    r.los_breach = r.minutes_in_department > LOS_TARGET_MIN;
    r.age = r.birth_date.map(|b| age_short(b, now.date())).unwrap_or_default();
}

/// Counts for the board's header: by status and ESI.
pub fn counts(rows: &[BoardRow]) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    for (code, label) in STATUSES.iter().take(4) {
        v.push((label.to_string(), rows.iter().filter(|r| r.status == *code).count()));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ages_and_durations_read_short() {
        assert_eq!(age_short(date!(2026 - 11 - 20), date!(2026 - 12 - 01)), "11d");
        assert_eq!(age_short(date!(2026 - 06 - 01), date!(2026 - 12 - 01)), "6m");
        assert_eq!(age_short(date!(1980 - 06 - 01), date!(2026 - 12 - 01)), "46y");
        assert_eq!(duration(5), "5 min");
        assert_eq!(duration(125), "2 h 05");
    }
}
