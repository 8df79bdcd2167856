//! The clinical record's start-page panels (`/`): a clinician's encounters of the day and
//! unsigned drafts, and a nurse's patients whose observations are due.
//!
//! Patients come back masked ("Restricted record", MRN only) when the viewer may not open them.

use askama::Template;
use futures_util::FutureExt;
use sqlx::{FromRow, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::CurrentUser;
use hearth_core::registry::StartPanel;
use hearth_core::web::Page;
use hearth_patients::access::{viewer, visible_sql};

use crate::perms;

/// Observations are due for a patient on a nurse's list without a vital-signs set in this many
/// hours (a four-hourly round, the usual ward minimum for a patient not on a closer watch).
pub const OBSERVATIONS_DUE_HOURS: i64 = 4;
/// Rows a panel lists at most.
pub const PANEL_ROWS: i64 = 10;

pub const PANELS: &[StartPanel] = &[
    StartPanel {
        key: "encounters-today",
        title: "Today's encounters",
        perm: Some(perms::NOTES_SIGN),
        order: 30,
        render: |state, page| encounters_panel(state, page).boxed(),
    },
    StartPanel {
        key: "unsigned-notes",
        title: "Unsigned notes",
        perm: Some(perms::NOTES_SIGN),
        order: 40,
        render: |state, page| notes_panel(state, page).boxed(),
    },
    StartPanel {
        key: "observations-due",
        title: "Observations due",
        perm: Some(perms::CHART_WRITE),
        order: 60,
        render: |state, page| observations_panel(state, page).boxed(),
    },
];

/// A row of a panel: a patient (masked when restricted) and what waits.
#[derive(Debug, FromRow)]
pub struct StartRow {
    pub patient_id: Uuid,
    pub patient_name: String,
    pub mrn: String,
    pub item_id: Option<Uuid>,
    pub what: String,
    pub at: Option<OffsetDateTime>,
}

impl StartRow {
    fn masked(&self) -> bool {
        self.patient_name == RESTRICTED
    }
}

const RESTRICTED: &str = "Restricted record";

fn patient_name_sql(n: usize) -> String {
    format!("CASE WHEN {} THEN p.family_name || ', ' || p.given_name ELSE '{RESTRICTED}' END", visible_sql(n))
}

/// The encounters of the viewer's local day with the user as clinician (not cancelled).
pub async fn encounters_today(
    pool: &PgPool,
    user: &CurrentUser,
    day: (OffsetDateTime, OffsetDateTime),
) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "SELECT e.patient_id, {name} AS patient_name, p.mrn, e.id AS item_id,
                initcap(replace(e.kind, '_', ' ')) || ' · ' || replace(e.status, '_', ' ')
                  || CASE WHEN {vis} AND e.reason <> '' THEN ' · ' || e.reason ELSE '' END AS what,
                e.starts_at AS at
         FROM encounters e JOIN patients p ON p.id = e.patient_id
         WHERE e.clinician_id = $2 AND e.starts_at >= $4 AND e.starts_at < $5 AND e.status <> 'cancelled'
         ORDER BY e.starts_at, e.id LIMIT $6",
        name = patient_name_sql(1),
        vis = visible_sql(1)
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(day.0)
    .bind(day.1)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

/// The user's draft notes, oldest first.
pub async fn unsigned_notes(pool: &PgPool, user: &CurrentUser) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    sqlx::query_as(&format!(
        "SELECT n.patient_id, {name} AS patient_name, p.mrn, n.id AS item_id,
                CASE WHEN {vis} THEN n.title ELSE 'Draft note' END AS what, n.updated_at AS at
         FROM notes n JOIN patients p ON p.id = n.patient_id
         WHERE n.author_id = $2 AND n.status = 'draft'
         ORDER BY n.updated_at, n.id LIMIT $4",
        name = patient_name_sql(1),
        vis = visible_sql(1)
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

/// Of `patients`, those without a vital-signs set taken in the last
/// [`OBSERVATIONS_DUE_HOURS`] (the last set's time, if any), longest waiting first.
pub async fn observations_due(pool: &PgPool, user: &CurrentUser, patients: &[Uuid]) -> sqlx::Result<Vec<StartRow>> {
    let (perm, uid, sid) = viewer(user);
    let since = OffsetDateTime::now_utc() - Duration::hours(OBSERVATIONS_DUE_HOURS);
    sqlx::query_as(&format!(
        "SELECT p.id AS patient_id, {name} AS patient_name, p.mrn, NULL::uuid AS item_id,
                CASE WHEN last.taken_at IS NULL THEN 'No vital signs recorded' ELSE 'Last vital signs' END AS what,
                last.taken_at AS at
         FROM patients p
         LEFT JOIN LATERAL (SELECT v.taken_at FROM vitals v WHERE v.patient_id = p.id
                            ORDER BY v.taken_at DESC, v.id DESC LIMIT 1) last ON true
         WHERE p.id = ANY($4) AND (last.taken_at IS NULL OR last.taken_at < $5)
         ORDER BY last.taken_at NULLS FIRST, p.mrn LIMIT $6",
        name = patient_name_sql(1)
    ))
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(patients)
    .bind(since)
    .bind(PANEL_ROWS)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "ehr/_start_panel.html")]
struct PanelBody<'a> {
    page: &'a Page,
    rows: Vec<StartRow>,
    /// `encounters`, `notes` or `vitals`: where a row links.
    link: &'static str,
    /// Rows link to their item (`link/{item}`), not the list.
    item_links: bool,
    intro: String,
    empty: String,
}

/// "Today's encounters": only for users who are an encounter's clinician at all (a nurse is not
/// shown an always-empty list).
pub async fn encounters_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let ever: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM encounters WHERE clinician_id = $1)")
        .bind(user.id)
        .fetch_one(&state.pool)
        .await?;
    if !ever {
        return Ok(None);
    }
    let rows = encounters_today(&state.pool, user, page.zone.day_range(page.zone.today())).await?;
    let intro = page.t1("ehr-start-encounters-intro", "day", page.zone.today().to_string());
    let empty = page.t("ehr-start-encounters-empty");
    Ok(Some(PanelBody { page, rows, link: "encounters", item_links: false, intro, empty }.render()?))
}

/// "Unsigned notes": the user's drafts.
pub async fn notes_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let rows = unsigned_notes(&state.pool, user).await?;
    let intro = page.t("ehr-start-notes-intro");
    let empty = page.t("ehr-start-notes-empty");
    Ok(Some(PanelBody { page, rows, link: "notes", item_links: true, intro, empty }.render()?))
}

/// "Observations due": the patients assigned to the nurse now (the alerts roster) without
/// vital signs in the last [`OBSERVATIONS_DUE_HOURS`]. Left out for users with no patients
/// assigned (the alerts module's "My patients" panel says so).
pub async fn observations_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let ids = hearth_alerts::start::assigned_patient_ids(&state.pool, user.id).await?;
    if ids.is_empty() {
        return Ok(None);
    }
    let rows = observations_due(&state.pool, user, &ids).await?;
    let intro = page.t1("ehr-start-observations-intro", "hours", OBSERVATIONS_DUE_HOURS);
    let empty = page.t("ehr-start-observations-empty");
    Ok(Some(PanelBody { page, rows, link: "vitals", item_links: false, intro, empty }.render()?))
}

/// Demo: the doctor's clinic of the day (three encounters at the main hospital, one planned)
/// and a draft note waiting for signature, so the start page shows a clinician's day. Runs in
/// the demo seeder's transaction after the charts.
pub async fn demo(conn: &mut sqlx::PgConnection, ctx: &hearth_core::registry::DemoContext) -> anyhow::Result<()> {
    let (Some(doctor), Some(&facility)) = (ctx.user("doctor@demo.hearth"), ctx.facilities.first()) else {
        return Ok(());
    };
    let dept: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM departments WHERE facility_id = $1 ORDER BY code LIMIT 1")
            .bind(facility)
            .fetch_optional(&mut *conn)
            .await?;
    let clinic = [
        (-90, "in_progress", "Follow-up of blood pressure"),
        (-20, "arrived", "Cough for two weeks"),
        (60, "planned", "Diabetes review"),
    ];
    for (p, (minutes, status, reason)) in ctx.patients.iter().skip(20).zip(clinic) {
        sqlx::query(
            "INSERT INTO encounters (id, patient_id, kind, status, department_id, clinician_id, reason, starts_at, created_by)
             VALUES ($1, $2, 'outpatient', $3, $4, $5, $6, now() + make_interval(mins => $7), $5)",
        )
        .bind(Uuid::new_v4())
        .bind(p.id)
        .bind(status)
        .bind(dept)
        .bind(doctor)
        .bind(reason)
        .bind(minutes)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(p) = ctx.patients.get(20) {
        let body = "Subjective:\nHeadaches in the mornings.\n\nObjective:\nBP 152/94.\n\nAssessment:\n\nPlan:\n";
        sqlx::query(
            "INSERT INTO notes (id, patient_id, template, title, body_enc, status, author_id)
             VALUES ($1, $2, 'soap', 'Blood pressure follow-up (draft)', $3, 'draft', $4)",
        )
        .bind(Uuid::new_v4())
        .bind(p.id)
        .bind(ctx.keys.encrypt(body, crate::notes::AAD_BODY))
        .bind(doctor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
