use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
struct Overview {
    page: Page,
    roles: Vec<RoleRow>,
    summaries: Vec<RoleSummary>,
    total: i64,
}

async fn granted(pool: &sqlx::PgPool) -> sqlx::Result<BTreeSet<String>> {
    let pairs: Vec<(String, String)> =
        sqlx::query_as("SELECT role_code, permission_code FROM role_permissions").fetch_all(pool).await?;
    Ok(pairs.into_iter().map(|(r, p)| format!("{r}:{p}")).collect())
}

/// `GET /admin/roles`: the roles with how many permissions each holds (each opens its own page),
/// and the sign-in policy.
pub async fn matrix(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let roles = sqlx::query_as("SELECT code, name, mfa_required, max_sessions FROM roles ORDER BY sort_order")
        .fetch_all(&state.pool)
        .await?;
    let summaries = sqlx::query_as(
        "SELECT r.code, r.name, r.description,
                (SELECT count(*) FROM role_permissions rp WHERE rp.role_code = r.code) AS granted
         FROM roles r ORDER BY r.sort_order",
    )
    .fetch_all(&state.pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM permissions").fetch_one(&state.pool).await?;
    let (title, crumb) = (page.t("admin-roles-heading"), page.t("admin-roles-crumb"));
    web::render(&Overview { page: page.titled(title).crumb(crumb, "/admin/roles"), roles, summaries, total })
}

/// `POST /admin/roles`: the whole map at once (`grant=role:perm` pairs; scripts and older
/// forms). The pages edit one role at a time with a confirmation step.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
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
        &page.t2("admin-roles-saved-all", "added", added.len(), "removed", removed.len()),
    ))
}

/// Per-role sign-in policy: MFA required, and the concurrent session limit.
pub async fn save_policy(
    State(state): State<AppState>,
    page: Page,
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
    Ok(web::redirect_flash("/admin/roles", "ok", &page.t("admin-roles-policy-saved")))
}

// ---- One role's permissions: grouped by module, changes confirmed before saving ----

/// A role with how many permissions it holds (the overview).
#[derive(FromRow)]
pub struct RoleSummary {
    pub code: String,
    pub name: String,
    pub description: String,
    pub granted: i64,
}

/// A permission of the role page.
pub struct PermChoice {
    pub code: String,
    pub description: String,
    pub checked: bool,
    /// The editor does not hold it: they may neither grant nor remove it.
    pub locked: bool,
}

/// A module's permissions on the role page.
pub struct PermGroup {
    pub title: String,
    pub perms: Vec<PermChoice>,
}

impl PermGroup {
    pub fn checked(&self) -> usize {
        self.perms.iter().filter(|p| p.checked).count()
    }
}

#[derive(Template)]
#[template(path = "admin/role.html")]
struct RolePage {
    page: Page,
    role: RoleSummary,
    groups: Vec<PermGroup>,
    total: usize,
    error: Option<String>,
}

impl RolePage {
    fn checked(&self) -> usize {
        self.groups.iter().map(PermGroup::checked).sum()
    }
}

/// A permission in the summary of changes.
pub struct Change {
    pub code: String,
    pub description: String,
    pub module: String,
}

#[derive(Template)]
#[template(path = "admin/role_confirm.html")]
struct ConfirmPage {
    page: Page,
    role: RoleSummary,
    added: Vec<Change>,
    removed: Vec<Change>,
    wanted: Vec<String>,
    after: usize,
}

impl ConfirmPage {
    /// What the role holds after saving, and now.
    fn after_text(&self) -> String {
        self.page.t_args(
            "admin-confirm-after",
            &[("role", &self.role.name), ("after", &self.after), ("now", &self.role.granted)],
        )
    }
}

async fn role_summary(pool: &sqlx::PgPool, code: &str) -> AppResult<RoleSummary> {
    sqlx::query_as(
        "SELECT r.code, r.name, r.description,
                (SELECT count(*) FROM role_permissions rp WHERE rp.role_code = r.code) AS granted
         FROM roles r WHERE r.code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)
}

async fn role_perms(pool: &sqlx::PgPool, role: &str) -> sqlx::Result<BTreeSet<String>> {
    let v: Vec<String> = sqlx::query_scalar("SELECT permission_code FROM role_permissions WHERE role_code = $1")
        .bind(role)
        .fetch_all(pool)
        .await?;
    Ok(v.into_iter().collect())
}

/// Every permission of the installation with its module's title, grouped in registry order
/// (permissions no module declares, if any, under "Other").
async fn catalogue(state: &AppState) -> sqlx::Result<Vec<(String, Vec<PermRow>)>> {
    let perms: Vec<PermRow> =
        sqlx::query_as("SELECT code, description FROM permissions ORDER BY code").fetch_all(&state.pool).await?;
    let mut groups: Vec<(String, Vec<PermRow>)> = Vec::new();
    let mut placed = BTreeSet::new();
    for m in state.registry.modules() {
        let mut rows: Vec<PermRow> = Vec::new();
        for d in m.permissions {
            if let Some(p) = perms.iter().find(|p| p.code == d.perm.code()) {
                if placed.insert(p.code.clone()) {
                    rows.push(PermRow { code: p.code.clone(), description: p.description.clone() });
                }
            }
        }
        if !rows.is_empty() {
            groups.push((m.title.to_string(), rows));
        }
    }
    let rest: Vec<PermRow> = perms.into_iter().filter(|p| !placed.contains(&p.code)).collect();
    if !rest.is_empty() {
        groups.push(("Other".to_string(), rest));
    }
    Ok(groups)
}

/// What changes from `before` to `after`: (added, removed), each sorted.
pub fn changes(before: &BTreeSet<String>, after: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (after.difference(before).cloned().collect(), before.difference(after).cloned().collect())
}

/// Checks a wanted set for `role` against the installation's permissions and the editor's own:
/// unknown codes are refused, and so is granting or removing a permission the editor does not
/// hold (nobody hands out more than they have); the super admin role is not editable.
pub fn check_wanted(
    role: &str,
    wanted: &BTreeSet<String>,
    before: &BTreeSet<String>,
    known: &BTreeSet<String>,
    editor: &impl HasPerms,
) -> Result<(), String> {
    if role == "super_admin" {
        return Err("Super admins always hold every permission; their role cannot be edited.".into());
    }
    if let Some(bad) = wanted.iter().find(|p| !known.contains(*p)) {
        return Err(format!("Unknown permission: {bad}"));
    }
    let (added, removed) = changes(before, wanted);
    if let Some(p) = added.iter().chain(removed.iter()).find(|p| !editor.perm_codes().iter().any(|c| c == *p)) {
        return Err(format!("You may not grant or remove {p}: you do not hold it yourself."));
    }
    Ok(())
}

fn groups_for(
    catalogue: Vec<(String, Vec<PermRow>)>,
    checked: &BTreeSet<String>,
    editor: &impl HasPerms,
) -> Vec<PermGroup> {
    catalogue
        .into_iter()
        .map(|(title, rows)| PermGroup {
            title,
            perms: rows
                .into_iter()
                .map(|p| PermChoice {
                    checked: checked.contains(&p.code),
                    locked: !editor.perm_codes().contains(&p.code),
                    code: p.code,
                    description: p.description,
                })
                .collect(),
        })
        .collect()
}

async fn render_role(
    state: &AppState,
    page: Page,
    auth: &Auth,
    role: RoleSummary,
    checked: &BTreeSet<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let catalogue = catalogue(state).await?;
    let total = catalogue.iter().map(|(_, r)| r.len()).sum();
    let groups = groups_for(catalogue, checked, &auth.user);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let title = page.t1("admin-role-title", "role", &role.name);
    let crumb = format!("/admin/roles/{}", role.code);
    let name = role.name.clone();
    let roles = page.t("admin-roles-crumb");
    web::render_status(
        status,
        &RolePage {
            page: page.titled(&title).crumb(roles, "/admin/roles").crumb(&name, &crumb),
            role,
            groups,
            total,
            error,
        },
    )
}

/// `GET /admin/roles/{role}`: the role's permissions by module.
pub async fn role_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(code): Path<String>,
) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let role = role_summary(&state.pool, &code).await?;
    let current = role_perms(&state.pool, &code).await?;
    render_role(&state, page, &auth, role, &current, None).await
}

/// The set a role form submits: the ticked permissions (`perm`).
fn wanted_of(pairs: &[(String, String)]) -> BTreeSet<String> {
    all(pairs, "perm").into_iter().map(str::to_string).collect()
}

async fn known(pool: &sqlx::PgPool) -> sqlx::Result<BTreeSet<String>> {
    let v: Vec<String> = sqlx::query_scalar("SELECT code FROM permissions").fetch_all(pool).await?;
    Ok(v.into_iter().collect())
}

/// `POST /admin/roles/{role}/preview`: the summary of changes, to confirm (or `back`: the role
/// page again with the selection).
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let role = role_summary(&state.pool, &code).await?;
    let wanted = wanted_of(&pairs);
    let before = role_perms(&state.pool, &code).await?;
    if !super::one(&pairs, "back").is_empty() {
        return render_role(&state, page, &auth, role, &wanted, None).await;
    }
    if let Err(msg) = check_wanted(&code, &wanted, &before, &known(&state.pool).await?, &auth.user) {
        return render_role(&state, page, &auth, role, &wanted, Some(msg)).await;
    }
    let (added, removed) = changes(&before, &wanted);
    if added.is_empty() && removed.is_empty() {
        let msg = page.t("admin-role-nothing-to-save");
        return render_role(&state, page, &auth, role, &wanted, Some(msg)).await;
    }
    let catalogue = catalogue(&state).await?;
    let describe = |codes: Vec<String>| -> Vec<Change> {
        codes
            .into_iter()
            .map(|code| {
                let (module, description) = catalogue
                    .iter()
                    .find_map(|(m, rows)| {
                        rows.iter().find(|p| p.code == code).map(|p| (m.clone(), p.description.clone()))
                    })
                    .unwrap_or_default();
                Change { code, description, module }
            })
            .collect()
    };
    let (added, removed) = (describe(added), describe(removed));
    let title = page.t1("admin-confirm-heading", "role", &role.name);
    let crumb = format!("/admin/roles/{}", role.code);
    let name = role.name.clone();
    let roles = page.t("admin-roles-crumb");
    web::render(&ConfirmPage {
        page: page.titled(&title).crumb(roles, "/admin/roles").crumb(&name, &crumb),
        role,
        added,
        removed,
        after: wanted.len(),
        wanted: wanted.into_iter().collect(),
    })
}

/// `POST /admin/roles/{role}`: saves the confirmed set (checked again against the current one).
pub async fn apply(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(crate::perms::ROLES_MANAGE)?;
    let role = role_summary(&state.pool, &code).await?;
    let wanted = wanted_of(&pairs);
    let mut tx = state.pool.begin().await?;
    // One editor at a time per role: the set is compared with what is there now.
    sqlx::query("SELECT 1 FROM roles WHERE code = $1 FOR UPDATE").bind(&code).execute(&mut *tx).await?;
    let before: BTreeSet<String> =
        sqlx::query_scalar::<_, String>("SELECT permission_code FROM role_permissions WHERE role_code = $1")
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    if let Err(msg) = check_wanted(&code, &wanted, &before, &known(&state.pool).await?, &auth.user) {
        drop(tx);
        return render_role(&state, page, &auth, role, &wanted, Some(msg)).await;
    }
    let (added, removed) = changes(&before, &wanted);
    if added.is_empty() && removed.is_empty() {
        return Ok(web::redirect_flash(&format!("/admin/roles/{code}"), "ok", &page.t("admin-role-nothing-changed")));
    }
    sqlx::query("DELETE FROM role_permissions WHERE role_code = $1 AND NOT (permission_code = ANY($2))")
        .bind(&code)
        .bind(wanted.iter().cloned().collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO role_permissions (role_code, permission_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&code)
    .bind(&added)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("roles.update", "role", &code).changes(serde_json::json!({"added": added, "removed": removed})),
    )
    .await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/admin/roles/{code}"),
        "ok",
        &page.t_args("admin-role-saved", &[("role", &role.name), ("added", &added.len()), ("removed", &removed.len())]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Editor(Vec<String>);
    impl HasPerms for Editor {
        fn perm_codes(&self) -> &[String] {
            &self.0
        }
    }

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn changes_are_added_and_removed_sorted() {
        let (a, r) = changes(&set(&["b", "a", "c"]), &set(&["c", "d", "a"]));
        assert_eq!((a, r), (vec!["d".to_string()], vec!["b".to_string()]));
    }

    #[test]
    fn an_editor_changes_only_what_they_hold() {
        let known = set(&["chart.read", "notes.sign", "patients.read"]);
        let editor = Editor(vec!["chart.read".into(), "patients.read".into()]);
        let before = set(&["patients.read", "notes.sign"]);
        // Keeping a permission one lacks is fine; granting or removing it is not.
        assert!(check_wanted("nurse", &set(&["patients.read", "notes.sign", "chart.read"]), &before, &known, &editor)
            .is_ok());
        let e = check_wanted("nurse", &set(&["patients.read"]), &before, &known, &editor).unwrap_err();
        assert!(e.contains("notes.sign"), "{e}");
        let e = check_wanted("doctor", &set(&["x.y"]), &before, &known, &editor).unwrap_err();
        assert!(e.contains("Unknown permission: x.y"));
        assert!(check_wanted("super_admin", &known, &known, &known, &editor).is_err());
    }
}
