use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use sqlx::FromRow;

use super::all;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::audit::{self, Event};
use crate::platform::auth::Auth;
use crate::platform::rbac::{HasPerms, Perm};
use crate::web::{self, Page};

#[derive(FromRow)]
pub struct RoleRow {
    pub code: String,
    pub name: String,
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
    auth.require(Perm::RolesManage)?;
    let roles = sqlx::query_as("SELECT code, name FROM roles ORDER BY sort_order").fetch_all(&state.pool).await?;
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
    auth.require(Perm::RolesManage)?;
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
