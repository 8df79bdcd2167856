use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::FromRow;
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

#[derive(FromRow, Clone)]
pub struct FacilityRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub active: bool,
    pub departments: i64,
    pub mrn_format: String,
    pub mrn_next: i64,
}

#[derive(FromRow)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    pub active: bool,
}

#[derive(Deserialize, Default)]
pub struct FacilityForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    timezone: String,
}

#[derive(Template)]
#[template(path = "admin/facilities.html")]
struct ListPage {
    page: Page,
    rows: Vec<FacilityRow>,
    form: FacilityForm,
    errors: FieldErrors,
}

async fn rows(pool: &sqlx::PgPool) -> sqlx::Result<Vec<FacilityRow>> {
    sqlx::query_as(
        "SELECT f.id, f.code, f.name, f.address, f.timezone, f.active, f.mrn_format, f.mrn_next,
                (SELECT count(*) FROM departments d WHERE d.facility_id = f.id) AS departments
         FROM facilities f ORDER BY f.name",
    )
    .fetch_all(pool)
    .await
}

pub async fn list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let rows = rows(&state.pool).await?;
    let title = page.t("admin-facilities-heading");
    web::render(&ListPage {
        page: page.titled(title.clone()).crumb(title, "/admin/facilities"),
        rows,
        form: FacilityForm { timezone: "UTC".into(), ..Default::default() },
        errors: FieldErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(f): Form<FacilityForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let code = f.code.trim().to_uppercase();
    let mut errors = FieldErrors::default();
    if !(2..=10).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.add("code", page.t("admin-facilities-error-code"));
    }
    if f.name.trim().is_empty() || f.name.chars().count() > 200 {
        errors.add("name", page.t("admin-error-name"));
    }
    // Both copies of the time zone database must know it: PostgreSQL's (schedules, quiet hours)
    // and the one pages show times with (`web::time`).
    if !hearth_core::platform::jobs::known_time_zone(&state.pool, f.timezone.trim()).await?
        || hearth_core::web::time::Zone::named(&f.timezone).is_none()
    {
        errors.add("timezone", page.t("admin-facilities-error-timezone"));
    }
    if errors.is_empty() {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM facilities WHERE code = $1)")
            .bind(&code)
            .fetch_one(&state.pool)
            .await?;
        if exists {
            errors.add("code", page.t("admin-facilities-error-code-taken"));
        }
    }
    if !errors.is_empty() {
        let rows = rows(&state.pool).await?;
        let title = page.t("admin-facilities-heading");
        let t = ListPage { page: page.titled(title.clone()).crumb(title, "/admin/facilities"), rows, form: f, errors };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await?;
    sqlx::query("INSERT INTO facilities (id, code, name, address, timezone) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&code)
        .bind(f.name.trim())
        .bind(f.address.trim())
        .bind(f.timezone.trim())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("facility.create", "facility", id).changes(serde_json::json!({"code": code, "name": f.name.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/facilities/{id}"), "ok", &page.t("admin-facilities-created")))
}

#[derive(Template)]
#[template(path = "admin/facility.html")]
struct ShowPage {
    page: Page,
    f: FacilityRow,
    departments: Vec<DepartmentRow>,
    mrn_value: String,
    mrn_error: Option<String>,
}

impl ShowPage {
    /// The placeholders of an MRN format, shown as code (not translated).
    fn token(&self, i: usize) -> &'static str {
        ["{CODE}", "{YEAR}", "{SEQ}", "{SEQ:n}"][i]
    }

    /// The MRN the next registration will get.
    fn mrn_example(&self) -> String {
        hearth_patients::repo::format_mrn(
            &self.f.mrn_format,
            &self.f.code,
            self.f.mrn_next,
            time::OffsetDateTime::now_utc().year(),
        )
    }
}

pub async fn show(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let f = rows(&state.pool).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    let departments = sqlx::query_as("SELECT code, name, active FROM departments WHERE facility_id = $1 ORDER BY name")
        .bind(id)
        .fetch_all(&state.pool)
        .await?;
    let crumb = page.t("admin-facilities-heading");
    web::render(&ShowPage {
        page: page
            .titled(f.name.clone())
            .crumb(crumb, "/admin/facilities")
            .crumb(f.name.clone(), format!("/admin/facilities/{id}")),
        mrn_value: f.mrn_format.clone(),
        f,
        departments,
        mrn_error: None,
    })
}

#[derive(Deserialize)]
pub struct MrnForm {
    #[serde(default)]
    mrn_format: String,
}

/// Changes the facility's MRN template; the sequence continues, so MRNs stay unique.
pub async fn set_mrn_format(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(m): Form<MrnForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let f = rows(&state.pool).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    let value = m.mrn_format.trim().to_string();
    if let Err(msg) = hearth_patients::repo::validate_mrn_format(&value) {
        let departments =
            sqlx::query_as("SELECT code, name, active FROM departments WHERE facility_id = $1 ORDER BY name")
                .bind(id)
                .fetch_all(&state.pool)
                .await?;
        let crumb = page.t("admin-facilities-heading");
        let t = ShowPage {
            page: page.titled(f.name.clone()).crumb(crumb, "/admin/facilities"),
            f,
            departments,
            mrn_value: value,
            mrn_error: Some(msg),
        };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let mut tx = state.pool.begin().await?;
    sqlx::query("UPDATE facilities SET mrn_format = $2 WHERE id = $1").bind(id).bind(&value).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("facility.mrn_format", "facility", id)
            .changes(serde_json::json!({"mrn_format": {"from": f.mrn_format, "to": value}})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/facilities/{id}"), "ok", &page.t("admin-facility-mrn-saved")))
}

#[derive(Deserialize)]
pub struct DeptForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

pub async fn add_department(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(d): Form<DeptForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let code = d.code.trim().to_uppercase();
    if code.is_empty() || code.len() > 20 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Ok(web::redirect_flash(
            &format!("/admin/facilities/{id}"),
            "error",
            &page.t("admin-facility-error-department-code"),
        ));
    }
    if d.name.trim().is_empty() || d.name.chars().count() > 200 {
        return Ok(web::redirect_flash(
            &format!("/admin/facilities/{id}"),
            "error",
            &page.t("admin-facility-error-department-name"),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let dept = Uuid::new_v4();
    let inserted = sqlx::query("INSERT INTO departments (id, facility_id, code, name) SELECT $1, id, $3, $4 FROM facilities WHERE id = $2 ON CONFLICT (facility_id, code) DO NOTHING")
        .bind(dept)
        .bind(id)
        .bind(&code)
        .bind(d.name.trim())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if inserted == 0 {
        return Ok(web::redirect_flash(
            &format!("/admin/facilities/{id}"),
            "error",
            &page.t("admin-facility-error-department-taken"),
        ));
    }
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("department.create", "department", dept)
            .changes(serde_json::json!({"facility": id, "code": code, "name": d.name.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/facilities/{id}"), "ok", &page.t("admin-facility-department-added")))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
    #[serde(default)]
    department: Option<String>,
}

/// Closes or reopens a facility, or one of its departments (`department` = code). Nothing is
/// deleted: records keep pointing at what they were created in.
pub async fn set_active(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<ActiveForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::FACILITIES_MANAGE)?;
    let active = match f.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("active must be true or false".into())),
    };
    let mut tx = state.pool.begin().await?;
    let (n, entity, entity_id) = match f.department.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(code) => {
            let n = sqlx::query("UPDATE departments SET active = $3 WHERE facility_id = $1 AND code = $2")
                .bind(id)
                .bind(code)
                .bind(active)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            (n, "department", format!("{id}/{code}"))
        }
        None => {
            let n = sqlx::query("UPDATE facilities SET active = $2 WHERE id = $1")
                .bind(id)
                .bind(active)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            (n, "facility", id.to_string())
        }
    };
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let action = if active { "reopen" } else { "close" };
    audit::record(&mut tx, &auth.meta, Event::new(&format!("{entity}.{action}"), entity, entity_id)).await?;
    tx.commit().await?;
    let msg = page.t(&format!("admin-facility-{entity}-{}", if active { "reopened" } else { "closed" }));
    Ok(web::redirect_flash(&format!("/admin/facilities/{id}"), "ok", &msg))
}
