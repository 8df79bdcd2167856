use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::{all, one};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, diff, AuditMeta, Event};
use hearth_core::platform::auth::routes::set_password;
use hearth_core::platform::auth::{bump_security_stamp, password, session, Auth};
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageRequest, Paged, Pager};
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, FromRow)]
pub struct UserListRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub active: bool,
    pub roles: Vec<String>,
    pub locked: bool,
    pub last_login_at: Option<time::OffsetDateTime>,
}

#[derive(Debug, Clone, FromRow)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    page: Page,
    q: String,
    rows: Vec<UserListRow>,
    pager: Pager,
}

/// Users by email, [`PAGE_SIZE`] a page (keyset: the email).
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let req: PageRequest<String> = PageRequest::parse(lq.after.as_deref(), None, PAGE_SIZE, PAGE_SIZE)?;
    let q: String = lq.q.trim().chars().take(100).collect();
    let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_', '\\'], ""));
    let rows: Vec<UserListRow> = sqlx::query_as(
        "SELECT u.id, u.email::text AS email, u.display_name, u.active,
                ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.code = ur.role_code WHERE ur.user_id = u.id ORDER BY r.sort_order) AS roles,
                coalesce(u.locked_until > now(), false) AS locked, u.last_login_at
         FROM users u
         WHERE (lower(u.email::text) LIKE $1 OR lower(u.display_name) LIKE $1) AND ($2::text IS NULL OR u.email::text > $2)
         ORDER BY u.email LIMIT $3",
    )
    .bind(&pattern)
    .bind(req.after.as_deref())
    .bind(req.fetch())
    .fetch_all(&state.pool)
    .await?;
    let rows = Paged::from_rows(rows, req.limit, |r| r.email.clone());
    let pager = Pager::new("/admin/users", &[("q", &q)], &rows, req.is_later());
    let title = page.t("admin-users-heading");
    web::render(&ListPage { page: page.titled(title.clone()).crumb(title, "/admin/users"), q, rows: rows.items, pager })
}

#[derive(Debug, Clone, FromRow)]
pub struct RoleChoice {
    pub id: String,
    pub label: String,
    /// The actor may grant (and take away) this role: they hold every one of its permissions.
    pub grantable: bool,
}

/// Every role, marked with whether the actor may grant it: only when every permission of the
/// role is one the actor holds (a super admin holds all), and super admin only by a super admin.
async fn role_choices(conn: &mut PgConnection, auth: &Auth) -> sqlx::Result<Vec<RoleChoice>> {
    sqlx::query_as(
        "SELECT r.code AS id, r.name AS label,
                ($1 OR (r.code <> 'super_admin' AND NOT EXISTS (
                    SELECT 1 FROM role_permissions rp WHERE rp.role_code = r.code AND rp.permission_code <> ALL($2)))) AS grantable
         FROM roles r ORDER BY r.sort_order",
    )
    .bind(is_super(auth))
    .bind(&auth.perms)
    .fetch_all(conn)
    .await
}

fn is_super(auth: &Auth) -> bool {
    auth.roles.iter().any(|r| r == "super_admin")
}

async fn facility_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as("SELECT id::text AS id, name AS label FROM facilities WHERE active ORDER BY name")
        .fetch_all(conn)
        .await
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    page: Page,
    user_id: Option<Uuid>,
    /// The actor's own account: its roles are shown but cannot be changed.
    own: bool,
    email: String,
    display_name: String,
    active: bool,
    locked: bool,
    /// Shown on an existing user's page.
    last_login_at: Option<time::OffsetDateTime>,
    roles: Vec<RoleChoice>,
    facilities: Vec<Choice>,
    selected: Vec<String>,
    errors: FieldErrors,
    temp_password: Option<String>,
}

impl FormPage {
    fn checked(&self, id: &str) -> bool {
        self.selected.iter().any(|s| s == id)
    }
}

pub async fn new_form(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let mut conn = state.pool.acquire().await?;
    let (title, users, new) =
        (page.t("admin-users-new"), page.t("admin-users-heading"), page.t("admin-users-crumb-new"));
    let t = FormPage {
        page: page.titled(title).crumb(users, "/admin/users").crumb(new, "/admin/users/new"),
        user_id: None,
        own: false,
        email: String::new(),
        display_name: String::new(),
        active: true,
        locked: false,
        last_login_at: None,
        roles: role_choices(&mut conn, &auth).await?,
        facilities: facility_choices(&mut conn).await?,
        selected: vec![],
        errors: FieldErrors::default(),
        temp_password: None,
    };
    web::render(&t)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub roles: &'a [&'a str],
    pub facility_ids: &'a [Uuid],
    pub must_change_password: bool,
}

/// Creates a user with roles and facilities; audited. Used by the admin page, `create-admin`
/// and the demo seed.
pub async fn create_user(conn: &mut PgConnection, u: &NewUser<'_>, meta: &AuditMeta) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, must_change_password) VALUES ($1, $2, $3, '', $4)",
    )
    .bind(id)
    .bind(u.email.trim().to_lowercase())
    .bind(u.display_name.trim())
    .bind(u.must_change_password)
    .execute(&mut *conn)
    .await?;
    set_password(conn, id, u.password, u.must_change_password).await?;
    for r in u.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role_code) VALUES ($1, $2)")
            .bind(id)
            .bind(r)
            .execute(&mut *conn)
            .await?;
    }
    for f in u.facility_ids {
        sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2)")
            .bind(id)
            .bind(f)
            .execute(&mut *conn)
            .await?;
    }
    let changes = serde_json::json!({"email": u.email, "display_name": u.display_name, "roles": u.roles, "facilities": u.facility_ids, "password": {"changed": true, "encrypted": true}});
    audit::record(conn, meta, Event::new("user.create", "user", id).changes(changes)).await?;
    Ok(id)
}

fn temp_password() -> String {
    // 16 characters from an unambiguous alphabet: ~94 bits.
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHA[rand::Rng::gen_range(&mut rng, 0..ALPHA.len())] as char).collect()
}

/// Validates a new user's role and facility selection: every role must be one the actor may grant.
async fn check_selection(
    conn: &mut PgConnection,
    page: &Page,
    auth: &Auth,
    roles: &[&str],
    facilities: &[&str],
    errors: &mut FieldErrors,
) -> AppResult<Vec<Uuid>> {
    if roles.is_empty() {
        errors.add("roles", page.t("admin-user-error-no-role"));
    }
    check_role_change(conn, page, auth, &[], roles, errors).await?;
    check_facilities(conn, page, facilities, errors).await
}

/// Roles that change (added or removed) must exist and be grantable by the actor.
async fn check_role_change(
    conn: &mut PgConnection,
    page: &Page,
    auth: &Auth,
    before: &[String],
    after: &[&str],
    errors: &mut FieldErrors,
) -> AppResult<()> {
    let choices = role_choices(conn, auth).await?;
    let added = after.iter().copied().filter(|r| !before.iter().any(|b| b == r));
    let removed = before.iter().map(String::as_str).filter(|b| !after.contains(b));
    let mut refused: Vec<&str> = Vec::new();
    for code in added.chain(removed) {
        match choices.iter().find(|c| c.id == code) {
            None => {
                errors.add("roles", page.t("admin-user-error-unknown-role"));
                return Ok(());
            }
            Some(c) if !c.grantable && !refused.contains(&c.label.as_str()) => refused.push(c.label.as_str()),
            Some(_) => {}
        }
    }
    if !refused.is_empty() {
        errors.add("roles", page.t1("admin-user-error-role-refused", "roles", refused.join(", ")));
    }
    Ok(())
}

async fn check_facilities(
    conn: &mut PgConnection,
    page: &Page,
    facilities: &[&str],
    errors: &mut FieldErrors,
) -> AppResult<Vec<Uuid>> {
    let known = facility_choices(conn).await?;
    let mut ids = Vec::new();
    for f in facilities {
        match f.parse::<Uuid>() {
            Ok(id) if known.iter().any(|k| k.id == id.to_string()) => ids.push(id),
            _ => errors.add("facilities", page.t("admin-user-error-unknown-facility")),
        }
    }
    Ok(ids)
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let email = one(&pairs, "email").trim().to_lowercase();
    let display_name = one(&pairs, "display_name").trim().to_string();
    let mut roles = all(&pairs, "roles");
    roles.sort_unstable();
    roles.dedup();
    let facilities = all(&pairs, "facilities");
    let mut errors = FieldErrors::default();
    if !(email.len() >= 3 && email.len() <= 254 && email.contains('@') && !email.contains(char::is_whitespace)) {
        errors.add("email", page.t("admin-user-error-email"));
    }
    if display_name.is_empty() || display_name.chars().count() > 200 {
        errors.add("display_name", page.t("admin-error-name"));
    } else if let Err(m) = hearth_core::web::input::person_name(&display_name) {
        errors.add("display_name", m);
    }
    let mut tx = state.pool.begin().await?;
    let facility_ids = check_selection(&mut tx, &page, &auth, &roles, &facilities, &mut errors).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(&email)
        .fetch_one(&mut *tx)
        .await?;
    if exists {
        errors.add("email", page.t("admin-user-error-email-taken"));
    }
    if !errors.is_empty() {
        let (title, users, new) =
            (page.t("admin-users-new"), page.t("admin-users-heading"), page.t("admin-users-crumb-new"));
        let t = FormPage {
            page: page.titled(title).crumb(users, "/admin/users").crumb(new, "/admin/users/new"),
            user_id: None,
            own: false,
            email,
            display_name,
            active: true,
            locked: false,
            last_login_at: None,
            roles: role_choices(&mut tx, &auth).await?,
            facilities: facility_choices(&mut tx).await?,
            selected: roles.iter().chain(facilities.iter()).map(|s| s.to_string()).collect(),
            errors,
            temp_password: None,
        };
        return web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let pw = temp_password();
    let id = create_user(
        &mut tx,
        &NewUser {
            email: &email,
            display_name: &display_name,
            password: &pw,
            roles: &roles,
            facility_ids: &facility_ids,
            must_change_password: true,
        },
        &auth.meta,
    )
    .await?;
    tx.commit().await?;
    render_user(&state, page, &auth, id, Some(pw), None).await
}

#[derive(FromRow)]
struct UserDetail {
    email: String,
    display_name: String,
    active: bool,
    locked: bool,
    last_login_at: Option<time::OffsetDateTime>,
    roles: Vec<String>,
    facilities: Vec<String>,
}

async fn load_detail(conn: &mut PgConnection, id: Uuid) -> AppResult<UserDetail> {
    sqlx::query_as(
        "SELECT email::text AS email, display_name, active, coalesce(locked_until > now(), false) AS locked, last_login_at,
                ARRAY(SELECT role_code FROM user_roles WHERE user_id = u.id ORDER BY role_code) AS roles,
                ARRAY(SELECT facility_id::text FROM user_facilities WHERE user_id = u.id ORDER BY facility_id) AS facilities
         FROM users u WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

async fn render_user(
    state: &AppState,
    page: Page,
    auth: &Auth,
    id: Uuid,
    temp_password: Option<String>,
    refused: Option<FieldErrors>,
) -> AppResult<Response> {
    let mut conn = state.pool.acquire().await?;
    let d = load_detail(&mut conn, id).await?;
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let users = page.t("admin-users-heading");
    let t = FormPage {
        page: page
            .titled(d.display_name.clone())
            .crumb(users, "/admin/users")
            .crumb(d.display_name.clone(), format!("/admin/users/{id}")),
        user_id: Some(id),
        own: id == auth.id,
        email: d.email,
        display_name: d.display_name,
        active: d.active,
        locked: d.locked,
        last_login_at: d.last_login_at,
        roles: role_choices(&mut conn, auth).await?,
        facilities: facility_choices(&mut conn).await?,
        selected: d.roles.into_iter().chain(d.facilities).collect(),
        errors: refused.unwrap_or_default(),
        temp_password,
    };
    web::render_status(status, &t)
}

pub async fn show(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    render_user(&state, page, &auth, id, None, None).await
}

/// A hospital admin may not edit a super admin.
fn guard_target(auth: &Auth, target_roles: &[String]) -> AppResult<()> {
    if target_roles.iter().any(|r| r == "super_admin") && !auth.roles.iter().any(|r| r == "super_admin") {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let before = load_detail(&mut tx, id).await?;
    guard_target(&auth, &before.roles)?;
    let display_name = one(&pairs, "display_name").trim().to_string();
    let roles = all(&pairs, "roles");
    let facilities = all(&pairs, "facilities");
    let mut errors = FieldErrors::default();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        errors.add("display_name", page.t("admin-error-name"));
    } else if let Err(m) = hearth_core::web::input::person_name(&display_name) {
        errors.add("display_name", m);
    }
    let mut new_roles: Vec<String> = roles.iter().map(|s| s.to_string()).collect();
    new_roles.sort();
    new_roles.dedup();
    let roles_changed = before.roles != new_roles;
    if roles.is_empty() {
        errors.add("roles", page.t("admin-user-error-no-role"));
    } else if roles_changed && id == auth.id {
        // Nobody changes their own rights; another administrator can.
        errors.add("roles", page.t("admin-user-error-own-roles"));
    } else {
        check_role_change(&mut tx, &page, &auth, &before.roles, &roles, &mut errors).await?;
    }
    let facility_ids = check_facilities(&mut tx, &page, &facilities, &mut errors).await?;
    if !errors.is_empty() {
        drop(tx);
        return Err(errors.into());
    }
    sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
        .bind(id)
        .bind(&display_name)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    for r in &new_roles {
        sqlx::query("INSERT INTO user_roles (user_id, role_code) VALUES ($1, $2)")
            .bind(id)
            .bind(r)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM user_facilities WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    for f in &facility_ids {
        sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2)")
            .bind(id)
            .bind(f)
            .execute(&mut *tx)
            .await?;
    }
    let mut new_fac: Vec<String> = facility_ids.iter().map(|f| f.to_string()).collect();
    new_fac.sort();
    let changes = diff(
        &serde_json::json!({"display_name": before.display_name, "roles": before.roles, "facilities": before.facilities}),
        &serde_json::json!({"display_name": display_name, "roles": new_roles, "facilities": new_fac}),
        &[],
    );
    audit::record(&mut tx, &auth.meta, Event::new("user.update", "user", id).changes(changes)).await?;
    // A change of roles ends the user's sessions and API tokens: the next sign-in carries the new
    // rights (and any MFA the new role requires).
    let mut msg = "admin-user-saved";
    if roles_changed {
        bump_security_stamp(&mut tx, id).await?;
        let n = session::revoke_all(&mut tx, id, None).await?;
        if n > 0 {
            msg = "admin-user-saved-signed-out";
        }
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/users/{id}"), "ok", &page.t(msg)))
}

pub async fn set_active(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let active = one(&pairs, "active") == "true";
    if id == auth.id && !active {
        return Err(AppError::Unprocessable("You cannot deactivate your own account.".into()));
    }
    // Deactivating ends every session of the account: it takes a confirmation step.
    if !active && one(&pairs, "confirm") != "yes" {
        let refused = FieldErrors::one("confirm_deactivate", page.t("admin-user-error-confirm"));
        return render_user(&state, page, &auth, id, None, Some(refused)).await;
    }
    let reason: String = one(&pairs, "reason").trim().chars().take(500).collect();
    let mut tx = state.pool.begin().await?;
    let before = load_detail(&mut tx, id).await?;
    guard_target(&auth, &before.roles)?;
    sqlx::query("UPDATE users SET active = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(&mut *tx)
        .await?;
    if !active {
        session::revoke_all(&mut tx, id, None).await?;
        bump_security_stamp(&mut tx, id).await?;
    }
    let action = if active { "user.activate" } else { "user.deactivate" };
    let mut event = Event::new(action, "user", id);
    if !reason.is_empty() {
        event = event.changes(serde_json::json!({"reason": reason}));
    }
    audit::record(&mut tx, &auth.meta, event).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/admin/users/{id}"),
        "ok",
        &page.t(if active { "admin-user-reactivated" } else { "admin-user-deactivated" }),
    ))
}

pub async fn reset_password(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let before = load_detail(&mut tx, id).await?;
    guard_target(&auth, &before.roles)?;
    let pw = temp_password();
    debug_assert!(password::check_policy(&pw, &before.email).is_ok());
    set_password(&mut tx, id, &pw, true).await?;
    session::revoke_all(&mut tx, id, None).await?;
    audit::record(&mut tx, &auth.meta, Event::new("user.password_reset", "user", id)).await?;
    tx.commit().await?;
    render_user(&state, page, &auth, id, Some(pw), None).await
}

/// Clears the user's second factor: they enrol again at next sign-in (if their role requires it).
pub async fn reset_mfa(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let before = load_detail(&mut tx, id).await?;
    guard_target(&auth, &before.roles)?;
    sqlx::query(
        "UPDATE users SET mfa_enabled = false, totp_secret_enc = NULL, totp_pending_enc = NULL, totp_last_step = 0 WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM mfa_backup_codes WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    session::revoke_all(&mut tx, id, None).await?;
    bump_security_stamp(&mut tx, id).await?;
    // The notice to the user is this event; mail delivery comes with the notifications module.
    audit::record(&mut tx, &auth.meta, Event::new("mfa.reset", "user", id)).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/users/{id}"), "ok", &page.t("admin-user-mfa-reset")))
}

/// Signs the user out everywhere.
pub async fn revoke_sessions(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(crate::perms::USERS_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let before = load_detail(&mut tx, id).await?;
    guard_target(&auth, &before.roles)?;
    let n = session::revoke_all(&mut tx, id, None).await?;
    bump_security_stamp(&mut tx, id).await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("session.admin_revoke", "user", id).changes(serde_json::json!({"ended": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/admin/users/{id}"), "ok", &page.t1("admin-user-sessions-ended", "count", n)))
}
