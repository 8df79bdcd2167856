use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use sqlx::FromRow;

use super::all;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, Page};

#[derive(FromRow)]
pub struct RoleRow {
    pub code: String,
    pub name: String,
    pub mfa_required: bool,
    pub max_sessions: Option<i32>,
}

impl RoleRow {
    pub fn max_text(&self) -> String {
        self.max_sessions.map(|m| m.to_string()).unwrap_or_default()
    }
}

#[derive(FromRow)]
pub struct PermRow {
    pub code: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
struct Matrix {
    page: Page,
    roles: Vec<RoleRow>,
    perms: Vec<PermRow>,
    granted: BTreeSet<String>,
}

impl Matrix {
    fn has(&self, role: &str, perm: &str) -> bool {
        self.granted.contains(&format!("{role}:{perm}"))
    }
}

async fn granted(pool: &sqlx::PgPool) -> sqlx::Result<BTreeSet<String>> {
    let pairs: Vec<(String, String)> =
        sqlx::query_as("SELECT role_code, permission_code FROM role_permissions").fetch_all(pool).await?;
    Ok(pairs.into_iter().map(|(r, p)| format!("{r}:{p}")).collect())
}

pub async fn matrix(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let roles = sqlx::query_as("SELECT code, name, mfa_required, max_sessions FROM roles ORDER BY sort_order")
        .fetch_all(&state.pool)
        .await?;
    let perms =
        sqlx::query_as("SELECT code, description FROM permissions ORDER BY code").fetch_all(&state.pool).await?;
    let granted = granted(&state.pool).await?;
    web::render(&Matrix {
        page: page.titled("Roles and permissions").crumb("Roles", "/admin/roles"),
        roles,
        perms,
        granted,
    })
}

pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let wanted: BTreeSet<String> = all(&pairs, "grant").into_iter().map(str::to_string).collect();
    let mut tx = state.pool.begin().await?;
    let roles: Vec<String> = sqlx::query_scalar("SELECT code FROM roles").fetch_all(&mut *tx).await?;
    let perms: Vec<String> = sqlx::query_scalar("SELECT code FROM permissions").fetch_all(&mut *tx).await?;
    for w in &wanted {
        let ok =
            w.split_once(':').is_some_and(|(r, p)| roles.contains(&r.to_string()) && perms.contains(&p.to_string()));
        if !ok {
            return Err(AppError::Unprocessable(format!("Unknown role or permission: {w}")));
        }
    }
    // Super admins always keep everything, so nobody can lock the installation out.
    let mut wanted = wanted;
    for p in &perms {
        wanted.insert(format!("super_admin:{p}"));
    }
    let before = granted(&state.pool).await?;
    let added: Vec<&String> = wanted.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&wanted).collect();
    sqlx::query("DELETE FROM role_permissions").execute(&mut *tx).await?;
    for w in &wanted {
        if let Some((r, p)) = w.split_once(':') {
            sqlx::query("INSERT INTO role_permissions (role_code, permission_code) VALUES ($1, $2)")
                .bind(r)
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("roles.update", "role_permissions", "all")
            .changes(serde_json::json!({"added": added, "removed": removed})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        "/admin/roles",
        "ok",
        &format!("Saved: {} granted, {} removed.", added.len(), removed.len()),
    ))
}

/// Per-role sign-in policy: MFA required, and the concurrent session limit.
pub async fn save_policy(
    State(state): State<AppState>,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let mut tx = state.pool.begin().await?;
    let roles: Vec<String> = sqlx::query_scalar("SELECT code FROM roles").fetch_all(&mut *tx).await?;
    let mfa: BTreeSet<&str> = all(&pairs, "mfa").into_iter().collect();
    if let Some(bad) = mfa.iter().find(|r| !roles.iter().any(|x| x == *r)) {
        return Err(AppError::Unprocessable(format!("Unknown role: {bad}")));
    }
    let mut changes = serde_json::Map::new();
    for role in &roles {
        let max_text = super::one(&pairs, &format!("max_sessions_{role}")).trim().to_string();
        let max: Option<i32> = if max_text.is_empty() {
            None
        } else {
            match max_text.parse::<i32>() {
                Ok(n) if (1..=100).contains(&n) => Some(n),
                _ => {
                    return Err(AppError::Unprocessable(format!(
                        "Session limit for {role} must be a whole number from 1 to 100, or empty for no limit."
                    )))
                }
            }
        };
        let required = mfa.contains(role.as_str());
        sqlx::query("UPDATE roles SET mfa_required = $2, max_sessions = $3 WHERE code = $1")
            .bind(role)
            .bind(required)
            .bind(max)
            .execute(&mut *tx)
            .await?;
        changes.insert(role.clone(), serde_json::json!({"mfa_required": required, "max_sessions": max}));
    }
    audit::record(&mut tx, &auth.meta, Event::new("roles.policy", "roles", "all").changes(changes.into())).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/admin/roles", "ok", "Sign-in policy saved."))
}
