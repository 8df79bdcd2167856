//! The home medication list: what the patient takes (prescribing comes with pharmacy).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{audit_view, clinical_date, date_str, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

pub const ROUTES: [&str; 14] = [
    "oral",
    "sublingual",
    "inhaled",
    "topical",
    "transdermal",
    "subcutaneous",
    "intramuscular",
    "intravenous",
    "rectal",
    "nasal",
    "ophthalmic",
    "otic",
    "vaginal",
    "other",
];
pub const STATUSES: [&str; 3] = ["active", "stopped", "entered_in_error"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewMedication {
    #[serde(default)]
    pub name: String,
    /// e.g. "500 mg"
    #[serde(default)]
    pub dose: String,
    /// oral, inhaled, subcutaneous, ...
    #[serde(default)]
    pub route: String,
    /// e.g. "twice daily"
    #[serde(default)]
    pub frequency: String,
    /// YYYY-MM-DD, optional
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub comment: String,
    /// The RxNorm concept (RXCUI, digits) of the medication, when known (e.g. from an import).
    #[serde(default)]
    pub rxnorm_code: String,
    /// One of the patient's encounters it was recorded in.
    #[serde(default)]
    pub encounter_id: String,
    /// Who recorded it in the source system (imports); empty when recorded here.
    #[serde(default)]
    pub source_author: String,
    /// When it was recorded in the source system (RFC 3339; default now; not in the future).
    #[serde(default)]
    pub recorded_at: String,
}

pub struct ValidMedication {
    rxnorm_code: Option<String>,
    pub(crate) encounter_id: Option<Uuid>,
    source_author: String,
    recorded_at: Option<OffsetDateTime>,
    name: String,
    dose: String,
    route: String,
    frequency: String,
    start_date: Option<Date>,
    comment: String,
}

impl NewMedication {
    pub fn validate(&self, birth: Option<Date>, today: Date, zone: &Zone) -> Result<ValidMedication, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "Enter the medication.");
        } else if name.chars().count() > 200 {
            e.add("name", "At most 200 characters.");
        }
        for (field, v) in [("dose", &self.dose), ("frequency", &self.frequency)] {
            if v.trim().chars().count() > 100 {
                e.add(field, "At most 100 characters.");
            }
        }
        let route = if self.route.trim().is_empty() { "oral" } else { self.route.trim() };
        if !ROUTES.contains(&route) {
            e.add("route", "Choose a route from the list.");
        }
        let start_date = clinical_date(&mut e, "start_date", &self.start_date, birth, today, "start date");
        if self.comment.trim().chars().count() > 500 {
            e.add("comment", "At most 500 characters.");
        }
        let rxnorm_code = match self.rxnorm_code.trim() {
            "" => None,
            c if c.len() <= 10 && c.bytes().all(|b| b.is_ascii_digit()) => Some(c.to_string()),
            _ => {
                e.add("rxnorm_code", "An RxNorm code (RXCUI) is 1 to 10 digits, e.g. 860975.");
                None
            }
        };
        let encounter_id = crate::read_encounter_id(&mut e, &self.encounter_id);
        let (source_author, recorded_at) = crate::read_provenance(&mut e, zone, &self.source_author, &self.recorded_at);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidMedication {
            rxnorm_code,
            encounter_id,
            source_author,
            recorded_at,
            name,
            dose: self.dose.trim().to_string(),
            route: route.to_string(),
            frequency: self.frequency.trim().to_string(),
            start_date,
            comment: self.comment.trim().to_string(),
        })
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Medication {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub name: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub start_date: Option<Date>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub stop_date: Option<Date>,
    pub status: String,
    pub comment: String,
    /// The reason given when it was stopped or marked entered in error.
    #[serde(default)]
    pub status_reason: String,
    /// The RxNorm code (RXCUI), when known.
    #[serde(default)]
    pub rxnorm_code: Option<String>,
    /// The encounter it was recorded in.
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    /// Who recorded it in the source system; empty when recorded here.
    #[serde(default)]
    pub source_author: String,
    /// When it was recorded (in the source system, for imported entries).
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Medication {
    pub fn start(&self) -> String {
        self.start_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn stop(&self) -> String {
        match (self.stop_date, self.status.as_str()) {
            (Some(d), _) => d.to_string(),
            (None, "stopped") => "date unknown".into(),
            (None, _) => "—".into(),
        }
    }
    pub fn status_label(&self) -> String {
        super::encounters::label(&self.status)
    }
    pub fn sig(&self) -> String {
        [self.dose.as_str(), self.route.as_str(), self.frequency.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The medication list query: `$1` the patient, `$2` active only.
pub(crate) const LIST_SQL: &str =
    "SELECT m.id, m.patient_id, m.name, m.dose, m.route, m.frequency, m.start_date, m.stop_date, m.status, m.comment,
            m.status_reason, m.rxnorm_code, m.encounter_id, m.source_author, m.recorded_at, u.display_name AS recorded_by, m.created_at
     FROM home_medications m LEFT JOIN users u ON u.id = m.recorded_by
     WHERE m.patient_id = $1 AND ($2 = false OR m.status = 'active')
     ORDER BY array_position(ARRAY['active','stopped','entered_in_error'], m.status), m.name
     LIMIT 500";

pub async fn list(pool: &PgPool, patient: Uuid, active_only: bool) -> sqlx::Result<Vec<Medication>> {
    sqlx::query_as(LIST_SQL).bind(patient).bind(active_only).fetch_all(pool).await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidMedication) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    crate::check_encounter(conn, patient, v.encounter_id).await?;
    sqlx::query(
        "INSERT INTO home_medications (id, patient_id, name, dose, route, frequency, start_date, status, comment, recorded_by,
                                       rxnorm_code, encounter_id, source_author, recorded_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,'active',$8,$9,$10,$11,$12,coalesce($13, now()))",
    )
    .bind(id)
    .bind(patient)
    .bind(&v.name)
    .bind(&v.dose)
    .bind(&v.route)
    .bind(&v.frequency)
    .bind(v.start_date)
    .bind(&v.comment)
    .bind(meta.actor_user_id)
    .bind(&v.rxnorm_code)
    .bind(v.encounter_id)
    .bind(&v.source_author)
    .bind(v.recorded_at)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"name": v.name, "dose": v.dose, "route": v.route, "frequency": v.frequency,
        "start_date": v.start_date.map(|d| d.to_string()), "status": "active", "comment": v.comment,
        "rxnorm_code": v.rxnorm_code, "encounter_id": v.encounter_id, "source_author": v.source_author,
        "recorded_at": v.recorded_at.map(|t| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default())});
    audit::record(conn, meta, Event::new("medication.create", "home_medication", id).patient(patient).changes(changes))
        .await?;
    Ok(id)
}

/// Stop (on `date` when given — YYYY-MM-DD, not in the future, not before the start — else
/// on `today`: the user's local date on pages, UTC's on the API) or mark entered in error; both
/// are final.
#[allow(clippy::too_many_arguments)]
pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    reason: &str,
    date: &str,
    date_unknown: bool,
    today: Date,
) -> AppResult<()> {
    let row: Option<(String, Option<Date>)> =
        sqlx::query_as("SELECT status, start_date FROM home_medications WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let (from, start) = row.ok_or(AppError::NotFound)?;
    if !STATUSES.contains(&to) || to == "active" {
        return Err(AppError::field("status", "Choose stopped or entered_in_error."));
    }
    if from != "active" {
        return Err(AppError::Conflict(format!("The medication is already {}.", from.replace('_', " "))));
    }
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "At most 500 characters."));
    }
    let stop = crate::problems::status_date("stop_date", date, today, "stop date")?;
    if stop.is_some() && to != "stopped" {
        return Err(AppError::field("stop_date", "A stop date goes with stopping the medication."));
    }
    if date_unknown && (stop.is_some() || to != "stopped") {
        return Err(AppError::field(
            "stop_date",
            "Give the stop date or say that it is unknown, not both; only a stop has a date.",
        ));
    }
    // Stopped on a day nobody recorded (an import from a system that kept no date): no date,
    // rather than today's.
    let stop_day = if date_unknown { None } else { Some(stop.unwrap_or(today)) };
    if let (Some(s), Some(st)) = (stop, start) {
        if s < st {
            return Err(AppError::field("stop_date", format!("The stop date is before the start date ({st}).")));
        }
    }
    sqlx::query(
        "UPDATE home_medications SET status = $2, status_reason = $4,
            stop_date = CASE WHEN $2 = 'stopped' THEN CASE WHEN $3::date IS NULL THEN NULL ELSE greatest($3::date, start_date) END ELSE stop_date END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(stop_day)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    let mut changes = json!({"status": {"from": from, "to": to}, "reason": reason});
    if to == "stopped" {
        changes["stop_date"] = json!(stop_day.map(|d| d.to_string()));
    }
    audit::record(conn, meta, Event::new("medication.status", "home_medication", id).patient(patient).changes(changes))
        .await?;
    Ok(())
}

/// Whether a move to `to` needs a confirmation with a reason on the page.
pub fn needs_reason(to: &str) -> bool {
    to == "entered_in_error"
}

#[derive(Template)]
#[template(path = "ehr/medications.html")]
struct MedicationsPage {
    page: Page,
    b: Banner,
    rows: Vec<Medication>,
    form: NewMedication,
    errors: FieldErrors,
    can_write: bool,
    routes: [&'static str; 14],
    /// A status change refused for want of confirmation or reason: (entry, status, message).
    refused: Option<(Uuid, String, String)>,
}

impl MedicationsPage {
    /// A route's label in the page's language (`ehr-meds-route-oral`).
    fn route_label(&self, route: &str) -> String {
        self.page.t_or(&hearth_patients::i18n::key("ehr-meds-route", route), route)
    }
    fn route_options(&self) -> Vec<(&'static str, String)> {
        self.routes.iter().map(|r| (*r, self.route_label(r))).collect()
    }
    fn refused_for(&self, id: &Uuid, status: &str) -> Option<String> {
        self.refused.as_ref().filter(|(i, s, _)| i == id && s == status).map(|(_, _, m)| m.clone())
    }
}

async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewMedication,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    render_with(state, page, auth, b, form, errors, status, None).await
}

#[allow(clippy::too_many_arguments)]
async fn render_with(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewMedication,
    errors: FieldErrors,
    status: StatusCode,
    refused: Option<(Uuid, String, String)>,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, false).await?;
    audit_view(&state.pool, &auth.meta, b.id, "medications").await?;
    let t = MedicationsPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-medications"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("medications"))
        },
        b,
        rows,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        routes: ROUTES,
        refused,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("medications");
    let form = NewMedication { route: "oral".into(), ..Default::default() };
    render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewMedication>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("medications");
    let valid = match form.validate(b.birth_date, page.zone.today(), &page.zone) {
        Ok(v) => v,
        Err(errors) => return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("medications"), "ok", &page.t1("ehr-flash-added", "name", valid.name.as_str())))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// "yes" once the user confirmed (the confirmation step's button).
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
    /// The stop date (YYYY-MM-DD) when stopping; default today.
    #[serde(default)]
    stop_date: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    zone: Zone,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("medications");
    let pid = b.id;
    let to = f.status.trim();
    if let Some(msg) = crate::allergies::confirmation_missing(to, &f.confirm, &f.reason, needs_reason(to)) {
        let form = NewMedication { route: "oral".into(), ..Default::default() };
        let refused = Some((item, to.to_string(), msg));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_with(&state, page, &auth, b, form, FieldErrors::default(), status, refused).await;
    }
    let mut tx = state.pool.begin().await?;
    match change_status(&mut tx, &auth.meta, pid, item, to, &f.reason, &f.stop_date, false, zone.today()).await {
        Ok(()) => {}
        Err(AppError::Invalid(fe)) => {
            tx.rollback().await?;
            let form = NewMedication { route: "oral".into(), ..Default::default() };
            let refused = Some((item, to.to_string(), fe.messages()));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_with(&state, page, &auth, b, form, FieldErrors::default(), status, refused).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/medications"), "ok", &page.t("ehr-flash-medication-updated")))
}
