//! Who may open a restricted (VIP/sensitive) record: holders of `patients.restricted`, the
//! patient's care team, and whoever broke the glass in this session within the last hour.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use super::context::{PatientCtx, PatientPathId};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::notify;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};

pub const BREAK_GLASS_MINUTES: i64 = 60;

/// SQL predicate "the caller may see patient `p`", with its three parameters starting at `$n`:
/// `$n` = holds patients.restricted, `$n+1` = user id, `$n+2` = session id (NULL for API tokens).
/// The same test is written out in `patient_suggest` (migration 0017): change both together.
pub fn visible_sql(n: usize) -> String {
    format!(
        "(NOT p.restricted OR ${n}::bool \
          OR EXISTS (SELECT 1 FROM patient_care_team ct WHERE ct.patient_id = p.id AND ct.user_id = ${b}) \
          OR EXISTS (SELECT 1 FROM patient_break_glass bg WHERE bg.patient_id = p.id AND bg.user_id = ${b} \
                     AND bg.session_id IS NOT DISTINCT FROM ${c}::uuid AND bg.expires_at > now()))",
        b = n + 1,
        c = n + 2
    )
}

/// The three bind values for [`visible_sql`].
pub fn viewer(user: &CurrentUser) -> (bool, Uuid, Option<Uuid>) {
    (user.can(crate::perms::PATIENTS_RESTRICTED), user.id, user.session_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Missing,
    Allowed,
    /// Restricted and the caller is not entitled: break the glass first.
    Restricted,
}

pub async fn check(pool: &PgPool, user: &CurrentUser, id: Uuid) -> sqlx::Result<Access> {
    let (perm, uid, sid) = viewer(user);
    let row: Option<(bool,)> = sqlx::query_as(&format!("SELECT {} FROM patients p WHERE p.id = $1", visible_sql(2)))
        .bind(id)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        None => Access::Missing,
        Some((true,)) => Access::Allowed,
        Some((false,)) => Access::Restricted,
    })
}

/// A patient named in a body or form (not in the path: routes below `/patients/{id}` take
/// [`super::context::PatientCtx`]): the record must exist and be visible.
pub async fn require(pool: &PgPool, user: &CurrentUser, id: Uuid) -> AppResult<Uuid> {
    match check(pool, user, id).await? {
        Access::Missing => Err(AppError::NotFound),
        Access::Allowed => Ok(id),
        Access::Restricted => Err(AppError::Forbidden),
    }
}

#[derive(Template)]
#[template(path = "patients/break_glass.html")]
pub struct BreakGlassPage {
    pub page: Page,
    pub id: Uuid,
    pub mrn: String,
    pub reason: String,
    pub reason_code: String,
    pub errors: FieldErrors,
}

impl BreakGlassPage {
    pub fn reasons(&self) -> &'static [(&'static str, &'static str)] {
        &REASONS
    }
}

/// The page shown instead of a restricted record (403: the caller is not entitled yet).
pub async fn break_glass_page(pool: &PgPool, page: Page, id: Uuid) -> AppResult<Response> {
    let mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1").bind(id).fetch_one(pool).await?;
    let (title, list) = (page.t("patients-restricted-record"), page.t("nav-patients"));
    web::render_status(
        StatusCode::FORBIDDEN,
        &BreakGlassPage {
            page: page.titled(title).crumb(list, "/patients").crumb(mrn.clone(), format!("/patients/{id}")),
            id,
            mrn,
            reason: String::new(),
            reason_code: String::new(),
            errors: FieldErrors::default(),
        },
    )
}

/// Reasons offered on the break-glass form (the free text is required as well).
pub const REASONS: [(&str, &str); 5] = [
    ("emergency_treatment", "Emergency treatment"),
    ("urgent_consultation", "Urgent consultation"),
    ("patient_safety", "Patient safety"),
    ("continuity_of_care", "Continuity of care"),
    ("other", "Other"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BreakGlassForm {
    reason_code: String,
    reason: String,
}

pub async fn break_glass(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    PatientPathId(id): PatientPathId,
    Form(f): Form<BreakGlassForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    if check(&state.pool, &auth.user, id).await? == Access::Missing {
        return Err(AppError::NotFound);
    }
    let reason = f.reason.trim().to_string();
    let n = reason.chars().count();
    let code_ok = REASONS.iter().any(|(c, _)| *c == f.reason_code);
    if !(10..=500).contains(&n) || !code_ok {
        let mut errors = FieldErrors::default();
        if !code_ok {
            errors.add("reason_code", "Choose the kind of reason.");
        }
        if !(10..=500).contains(&n) {
            errors.add("reason", "Give the clinical reason in 10 to 500 characters.");
        }
        let mrn: String =
            sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1").bind(id).fetch_one(&state.pool).await?;
        let errors = crate::i18n::localise_errors(&page, errors);
        let title = page.t("patients-restricted-record");
        return web::render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &BreakGlassPage { page: page.titled(title), id, mrn, reason, reason_code: f.reason_code.clone(), errors },
        );
    }
    grant(&state.pool, &auth, id, &f.reason_code, &reason).await?;
    Ok(web::redirect_flash(&format!("/patients/{id}"), "info", &page.t("patients-bg-granted")))
}

/// Records a break-glass grant and its audit event in one transaction.
pub async fn grant(pool: &PgPool, auth: &Auth, id: Uuid, reason_code: &str, reason: &str) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let gid = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_break_glass (id, patient_id, user_id, session_id, reason, expires_at, reason_code)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6::int), $7)",
    )
    .bind(gid)
    .bind(id)
    .bind(auth.id)
    .bind(auth.session_id)
    .bind(reason)
    .bind(BREAK_GLASS_MINUTES as i32)
    .bind(reason_code)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.break_glass", "patient", id)
            .patient(id)
            .changes(serde_json::json!({"reason_code": reason_code, "reason": reason})),
    )
    .await?;
    // Privacy officers hear of it at once, and subscribed systems get an event; both commit
    // with the grant or not at all.
    let mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let body = format!("{} opened restricted record {mrn}. Reason given: {reason}", auth.display_name);
    notify::notify_permission(
        &mut tx,
        hearth_core::platform::perms::PRIVACY_ALERTS.code(),
        &notify::Notice {
            kind: &crate::BREAK_GLASS,
            title: &format!("Break-glass access to {mrn}"),
            body: &body,
            link: Some(format!("/audit?patient={id}")),
            urgent: true,
        },
    )
    .await?;
    notify::webhook::emit(
        &mut tx,
        "patient.break_glass",
        serde_json::json!({"patient_id": id, "user_id": auth.id, "grant_id": gid}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: String,
}

pub async fn team(pool: &PgPool, id: Uuid) -> sqlx::Result<Vec<TeamMember>> {
    sqlx::query_as(
        "SELECT ct.user_id, u.display_name, u.email::text AS email, ct.role FROM patient_care_team ct
         JOIN users u ON u.id = ct.user_id WHERE ct.patient_id = $1 ORDER BY u.display_name",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    email: String,
    role: String,
    remove: Option<String>,
}

/// Adds (by email) or removes a care-team member. Who may see a restricted record is decided
/// by holders of `patients.restricted` only: neither `patients.write`, nor being on the care
/// team, nor emergency (break-glass) access suffices.
pub async fn update_team(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<TeamForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_RESTRICTED)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    if let Some(uid) = f.remove.as_deref().and_then(|r| r.parse::<Uuid>().ok()) {
        let n = sqlx::query("DELETE FROM patient_care_team WHERE patient_id = $1 AND user_id = $2")
            .bind(id)
            .bind(uid)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            audit::record(
                &mut tx,
                &auth.meta,
                Event::new("patient.care_team.remove", "patient", id)
                    .patient(id)
                    .changes(serde_json::json!({"user_id": uid})),
            )
            .await?;
        }
        tx.commit().await?;
        return Ok(web::redirect_flash(&format!("/patients/{id}#care-team"), "ok", "Removed from the care team."));
    }
    let role = f.role.trim().chars().take(100).collect::<String>();
    let uid: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND active")
        .bind(f.email.trim())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(uid) = uid else {
        return Ok(web::redirect_flash(
            &format!("/patients/{id}#care-team"),
            "error",
            "No active user has that email address.",
        ));
    };
    sqlx::query(
        "INSERT INTO patient_care_team (patient_id, user_id, role, added_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (patient_id, user_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(id)
    .bind(uid)
    .bind(&role)
    .bind(auth.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.care_team.add", "patient", id)
            .patient(id)
            .changes(serde_json::json!({"user_id": uid, "role": role})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#care-team"), "ok", "Added to the care team."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RestrictForm {
    #[serde(deserialize_with = "super::model::de_flag")]
    restricted: bool,
}

/// Sets or clears the restricted flag (needs `patients.restricted`, like the care team: see
/// [`update_team`]). Holders of that permission see restricted records anyway, so restricting
/// does not put them on the care team.
pub async fn set_restricted(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<RestrictForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_RESTRICTED)?;
    let id = patient.id;
    let mut tx = state.pool.begin().await?;
    let before: bool = sqlx::query_scalar("SELECT restricted FROM patients WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if before != f.restricted {
        sqlx::query("UPDATE patients SET restricted = $2 WHERE id = $1")
            .bind(id)
            .bind(f.restricted)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            &auth.meta,
            Event::new("patient.restricted", "patient", id)
                .patient(id)
                .changes(serde_json::json!({"restricted": {"from": before, "to": f.restricted}})),
        )
        .await?;
    }
    tx.commit().await?;
    let msg = if f.restricted { "The record is now restricted." } else { "The record is no longer restricted." };
    Ok(web::redirect_flash(&format!("/patients/{id}"), "ok", msg))
}

/// The caller's active emergency access to this record, if any: (until, reason).
pub async fn active_grant(
    pool: &PgPool,
    user: &CurrentUser,
    id: Uuid,
) -> sqlx::Result<Option<(time::OffsetDateTime, String)>> {
    let (_, uid, sid) = viewer(user);
    sqlx::query_as(
        "SELECT expires_at, reason FROM patient_break_glass
         WHERE patient_id = $1 AND user_id = $2 AND session_id IS NOT DISTINCT FROM $3 AND expires_at > now()
         ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(id)
    .bind(uid)
    .bind(sid)
    .fetch_optional(pool)
    .await
}
