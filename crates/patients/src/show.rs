//! The patient page: banner, demographics, merged status, contacts, consents, care team.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::access::{self, Access, TeamMember};
use super::consent::{self, Consent};
use super::context::PatientPathId;
use super::model::{EmergencyContactView, PatientDetail};
use super::repo;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, Page};

#[derive(Template)]
#[template(path = "patients/show.html")]
struct ShowPage {
    page: Page,
    p: PatientDetail,
    merged_into_mrn: Option<String>,
    merged_from: Vec<(Uuid, String)>,
    contacts: Vec<EmergencyContactView>,
    consents: Vec<Consent>,
    consent_history: Vec<Consent>,
    team: Vec<TeamMember>,
    can_write: bool,
    can_merge: bool,
    /// May restrict the record and manage its care team (`patients.restricted`).
    can_restrict: bool,
    kinds: [&'static str; 3],
    channels: [&'static str; 6],
    emergency_access: Option<(time::OffsetDateTime, String)>,
    /// The installation records race and ethnicity.
    page_race_ethnicity: bool,
    /// The free-text preferred language recorded before language tags that maps to none (issue 15).
    language_legacy: Option<String>,
}

impl ShowPage {
    fn deceased_text(&self) -> String {
        self.page.zone.datetime_zoned(self.p.deceased_at)
    }
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    PatientPathId(id): PatientPathId,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    match access::check(&state.pool, &auth.user, id).await? {
        Access::Missing => return Err(AppError::NotFound),
        Access::Restricted => return access::break_glass_page(&state.pool, page, id).await,
        Access::Allowed => {}
    }
    let mut p = repo::get(&state.pool, &state.keys, id, &auth.meta).await?.ok_or(AppError::NotFound)?;
    p.gate_race_ethnicity(state.config.record_race_ethnicity);
    let merged_into_mrn = match p.summary.merged_into {
        Some(s) => repo::mrn_of(&state.pool, s).await?,
        None => None,
    };
    let merged_from = repo::merged_from(&state.pool, id).await?;
    let contacts = repo::emergency_contacts(&state.pool, &state.keys, id).await?;
    let consent_history = consent::history(&state.pool, id).await?;
    let consents = consent::current(&consent_history);
    let team = access::team(&state.pool, id).await?;
    let emergency_access = access::active_grant(&state.pool, &auth.user, id).await?;
    let language_legacy: Option<String> =
        sqlx::query_scalar("SELECT preferred_language_legacy FROM patients WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await?
            .flatten();
    let name = p.summary.full_name();
    let list = page.t("nav-patients");
    web::render(&ShowPage {
        page: page.titled(name.clone()).crumb(list, "/patients").crumb(name, format!("/patients/{id}")),
        language_legacy,
        p,
        merged_into_mrn,
        merged_from,
        contacts,
        consents,
        consent_history,
        team,
        emergency_access,
        page_race_ethnicity: state.config.record_race_ethnicity,
        can_write: auth.can(crate::perms::PATIENTS_WRITE),
        can_merge: auth.can(crate::perms::PATIENTS_MERGE),
        can_restrict: auth.can(crate::perms::PATIENTS_RESTRICTED),
        kinds: consent::KINDS,
        channels: consent::CHANNELS,
    })
}
