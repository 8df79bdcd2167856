//! ICD-10-CM: the embedded code list (public domain, data/icd10cm/), its loader, search and
//! hierarchical browse (chapter -> block -> category -> subcategory).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgConnection, PgPool};

use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, Page};

/// The CDC/NCHS FY2026 code list, 98,466 rows (see data/icd10cm/README.md).
static CODES_CSV: &[u8] = include_bytes!("../../../data/icd10cm/codes.csv");

/// Loads the code list when the table is empty. Idempotent and safe with several replicas
/// starting at once (advisory lock); a no-op costs one indexed query.
pub async fn ensure_loaded(pool: &PgPool) -> anyhow::Result<u64> {
    let loaded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM icd10_codes)").fetch_one(pool).await?;
    if loaded {
        return Ok(0);
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7311003)").execute(&mut *tx).await?;
    let loaded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM icd10_codes)").fetch_one(&mut *tx).await?;
    if loaded {
        return Ok(0);
    }
    let n = copy_codes(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(codes = n, "loaded the ICD-10-CM code list");
    Ok(n)
}

async fn copy_codes(conn: &mut PgConnection) -> anyhow::Result<u64> {
    let mut copy = conn
        .copy_in_raw(
            "COPY icd10_codes (code, description, parent, billable, chapter, kind) FROM STDIN WITH (FORMAT csv, HEADER true)",
        )
        .await?;
    for chunk in CODES_CSV.chunks(1 << 20) {
        copy.send(chunk).await?;
    }
    Ok(copy.finish().await?)
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct IcdCode {
    pub code: String,
    pub description: String,
    pub parent: Option<String>,
    pub billable: bool,
    pub chapter: i16,
    pub kind: String,
}

impl IcdCode {
    /// Chapters are numbered 1-22 in the file; show them as ICD chapters.
    pub fn label(&self) -> String {
        if self.kind == "chapter" {
            format!("Chapter {}", self.code)
        } else {
            self.code.clone()
        }
    }
}

const COLS: &str = "code, description, parent, billable, chapter, kind";

pub async fn get(pool: &PgPool, code: &str) -> sqlx::Result<Option<IcdCode>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM icd10_codes WHERE code = $1 OR code_nodot = $1 LIMIT 1"))
        .bind(code.trim().to_ascii_uppercase())
        .fetch_optional(pool)
        .await
}

/// Looks like a code (letter, digit, ...) rather than words.
fn is_code_like(q: &str) -> bool {
    let mut chars = q.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && matches!(chars.next(), Some(c) if c.is_ascii_digit())
        && q.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
}

/// Search by code prefix (with or without the dot) or by every word of the description.
pub async fn search(pool: &PgPool, q: &str, billable_only: bool, limit: i64) -> sqlx::Result<Vec<IcdCode>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    if is_code_like(q) {
        // A range (not LIKE $1) so the pattern index serves generic plans of the cached statement too.
        let prefix = q.replace('.', "").to_ascii_uppercase();
        return sqlx::query_as(&format!(
            "SELECT {COLS} FROM icd10_codes WHERE code_nodot ~>=~ $1 AND code_nodot ~<~ ($1 || '~')
               AND kind <> 'chapter' AND ($2 = false OR billable)
             ORDER BY length(code_nodot), code LIMIT $3"
        ))
        .bind(prefix)
        .bind(billable_only)
        .bind(limit)
        .fetch_all(pool)
        .await;
    }
    let patterns: Vec<String> = q
        .split_whitespace()
        .take(6)
        .map(|w| w.replace(['%', '_', '\\'], ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("%{w}%"))
        .collect();
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    // One ILIKE per word (not `ILIKE ALL ($1)`): the planner uses the trigram index only then.
    let words: Vec<String> = (0..patterns.len()).map(|i| format!("description ILIKE ${}", i + 3)).collect();
    let sql = format!(
        "SELECT {COLS} FROM icd10_codes WHERE {} AND kind <> 'chapter' AND ($1 = false OR billable)
         ORDER BY length(code_nodot), length(description), code LIMIT $2",
        words.join(" AND ")
    );
    let mut query = sqlx::query_as(&sql).bind(billable_only).bind(limit);
    for p in patterns {
        query = query.bind(p);
    }
    query.fetch_all(pool).await
}

/// The node's ancestors (root first), the node itself and its children.
pub async fn browse(pool: &PgPool, code: Option<&str>) -> sqlx::Result<Option<(Vec<IcdCode>, Vec<IcdCode>)>> {
    let Some(code) = code else {
        let chapters =
            sqlx::query_as(&format!("SELECT {COLS} FROM icd10_codes WHERE kind = 'chapter' ORDER BY chapter"))
                .fetch_all(pool)
                .await?;
        return Ok(Some((Vec::new(), chapters)));
    };
    let path: Vec<IcdCode> = sqlx::query_as(&format!(
        "WITH RECURSIVE up AS (
            SELECT {COLS}, 0 AS depth FROM icd10_codes WHERE code = $1
            UNION ALL
            SELECT c.code, c.description, c.parent, c.billable, c.chapter, c.kind, up.depth + 1
            FROM icd10_codes c JOIN up ON c.code = up.parent WHERE up.depth < 10)
         SELECT {COLS} FROM up ORDER BY depth DESC"
    ))
    .bind(code)
    .fetch_all(pool)
    .await?;
    if path.is_empty() {
        return Ok(None);
    }
    let children = sqlx::query_as(&format!("SELECT {COLS} FROM icd10_codes WHERE parent = $1 ORDER BY code"))
        .bind(code)
        .fetch_all(pool)
        .await?;
    Ok(Some((path, children)))
}

/// Checks a code for the problem list: it must exist and be billable.
pub async fn validate_for_problem(pool: &PgPool, code: &str) -> sqlx::Result<Result<IcdCode, String>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(Err("Enter an ICD-10-CM code, e.g. E11.9.".into()));
    }
    if code.len() > 12 {
        return Ok(Err("That is not an ICD-10-CM code.".into()));
    }
    Ok(match get(pool, code).await? {
        None => Err(format!("{code} is not an ICD-10-CM code.")),
        Some(c) if !c.billable => Err(format!(
            "{} ({}) is a heading, not a billable code; choose a more specific code below it.",
            c.code, c.description
        )),
        Some(c) => Ok(c),
    })
}

#[derive(Deserialize, Default)]
pub struct IcdQuery {
    #[serde(default)]
    q: String,
    code: Option<String>,
    /// The problem form's input name (its datalist asks with it).
    icd_code: Option<String>,
    #[serde(default)]
    billable: Option<String>,
}

#[derive(Template)]
#[template(path = "ehr/icd10.html")]
struct BrowsePage {
    page: Page,
    q: String,
    results: Vec<IcdCode>,
    path: Vec<IcdCode>,
    children: Vec<IcdCode>,
}

/// `/icd10`: search box plus the tree, one level at a time.
pub async fn browse_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(iq): Query<IcdQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let q: String = iq.q.trim().chars().take(100).collect();
    let results = search(&state.pool, &q, false, 50).await?;
    let code = iq.code.as_deref().map(str::trim).filter(|c| !c.is_empty() && c.len() <= 12);
    let (path, children) = browse(&state.pool, code).await?.ok_or(AppError::NotFound)?;
    let mut page = page.titled("ICD-10-CM").crumb("ICD-10-CM", "/icd10");
    for p in &path {
        page = page.crumb(p.label(), format!("/icd10?code={}", p.code));
    }
    web::render(&BrowsePage { page, q, results, path, children })
}

#[derive(Template)]
#[template(path = "ehr/icd10_results.html")]
struct Results {
    results: Vec<IcdCode>,
    q: String,
}

/// htmx partial: search results for the browse page.
pub async fn search_partial(
    State(state): State<AppState>,
    auth: Auth,
    Query(iq): Query<IcdQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let q: String = iq.q.trim().chars().take(100).collect();
    let results = search(&state.pool, &q, iq.billable.is_some(), 50).await?;
    web::render(&Results { results, q })
}

#[derive(Template)]
#[template(path = "ehr/icd10_options.html")]
struct Options {
    results: Vec<IcdCode>,
}

/// htmx partial: `<option>`s for the problem form's datalist (billable codes only).
pub async fn options_partial(
    State(state): State<AppState>,
    auth: Auth,
    Query(iq): Query<IcdQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let q: String = iq.q.trim().chars().take(100).collect();
    let q = if q.is_empty() { iq.icd_code.or(iq.code).unwrap_or_default() } else { q };
    let q: String = q.trim().chars().take(100).collect();
    let results = if q.chars().count() < 2 { Vec::new() } else { search(&state.pool, &q, true, 20).await? };
    web::render(&Options { results })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IcdApiQuery {
    /// A code prefix (E11, E119, E11.9) or words of the description.
    #[serde(default)]
    #[param(max_length = 100)]
    q: String,
    /// Only billable codes (valid on the problem list).
    #[serde(default)]
    billable: bool,
    /// 1..100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Searches ICD-10-CM by code prefix or words.
#[utoipa::path(get, path = "/api/v1/icd10", params(IcdApiQuery), responses((status = 200, body = [IcdCode]), (status = 400), (status = 401), (status = 403)), security(("bearer" = [])), tag = "chart")]
pub async fn api_search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<IcdApiQuery>,
) -> AppResult<Json<Vec<IcdCode>>> {
    auth.require(crate::perms::CHART_READ)?;
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(AppError::BadRequest("limit must be between 1 and 100".into()));
    }
    if p.q.chars().count() > 100 {
        return Err(AppError::BadRequest("q is limited to 100 characters".into()));
    }
    Ok(Json(search(&state.pool, &p.q, p.billable, limit).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_like_queries() {
        assert!(is_code_like("E11.9"));
        assert!(is_code_like("e119"));
        assert!(is_code_like("J45"));
        assert!(!is_code_like("diabetes"));
        assert!(!is_code_like("E 11"));
        assert!(!is_code_like("1"));
    }

    #[test]
    fn embedded_list_is_complete() {
        assert!(CODES_CSV.starts_with(b"code,description,parent,is_billable,chapter,kind"));
        let lines = CODES_CSV.iter().filter(|b| **b == b'\n').count();
        assert!(lines >= 98_466, "{lines}");
    }
}
