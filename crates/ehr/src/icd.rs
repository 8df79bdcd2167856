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

/// Lay terms, synonyms and British spellings (see the file's header).
static SYNONYMS_TXT: &str = include_str!("../../../data/icd10cm/synonyms.txt");

/// A synonym line: the term, the words searched as well, the preferred codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Synonym {
    pub term: Vec<String>,
    pub words: Vec<String>,
    pub codes: Vec<String>,
}

fn synonyms() -> &'static [Synonym] {
    static ALL: std::sync::OnceLock<Vec<Synonym>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| parse_synonyms(SYNONYMS_TXT))
}

fn words_of(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

pub fn parse_synonyms(text: &str) -> Vec<Synonym> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('|').map(str::trim);
            let (term, words, codes) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
            Some(Synonym {
                term: words_of(term),
                words: words_of(words),
                codes: codes.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect(),
            })
        })
        .filter(|s| !s.term.is_empty())
        .collect()
}

/// What a words query searches: its own words, the words of the longest synonym found in it
/// (with the term replaced), and that synonym's preferred codes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Expanded {
    pub words: Vec<String>,
    pub alt_words: Vec<String>,
    pub codes: Vec<String>,
}

pub fn expand(q: &str, syns: &[Synonym]) -> Expanded {
    let words = words_of(q);
    let mut best: Option<(usize, &Synonym)> = None;
    for s in syns {
        let n = s.term.len();
        if n > words.len() {
            continue;
        }
        if let Some(at) = (0..=words.len() - n).find(|i| words[*i..*i + n] == s.term[..]) {
            if best.is_none_or(|(_, b)| n > b.term.len()) {
                best = Some((at, s));
            }
        }
    }
    let Some((at, s)) = best else { return Expanded { words, ..Default::default() } };
    let mut alt: Vec<String> = words[..at].to_vec();
    alt.extend(s.words.iter().cloned());
    alt.extend(words[at + s.term.len()..].iter().cloned());
    let alt_words = if alt == words { Vec::new() } else { alt };
    Expanded { words, alt_words, codes: s.codes.clone() }
}

/// How a clinician used a code before (from the problem rows they recorded).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub count: i64,
    /// Rank of its last use: 0 = the most recent code.
    pub recency: usize,
}

/// A search result with whether the clinician used it before.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub code: IcdCode,
    pub used: Option<Usage>,
}

fn has_word(desc_words: &[String], w: &str) -> bool {
    desc_words.iter().any(|d| d == w || (w.len() >= 4 && d.starts_with(w) && d.len() <= w.len() + 2))
}

/// The clinical score of one candidate (higher first): preferred (synonym) codes, billable
/// codes, whole-word matches in the title, the general ("unspecified") code of a family and
/// short titles rank up; history, screening and encounter Z codes, external causes,
/// pregnancy and newborn codes rank down unless the query asks for them.
pub fn score(c: &IcdCode, e: &Expanded) -> i64 {
    let desc = c.description.to_lowercase();
    let dw = words_of(&desc);
    let all: Vec<&String> = e.words.iter().chain(e.alt_words.iter()).collect();
    let asks = |w: &[&str]| all.iter().any(|q| w.iter().any(|x| q.starts_with(x)));
    let mut s: i64 = 0;
    if let Some(i) = e.codes.iter().position(|p| *p == c.code) {
        s += 600 - i as i64;
    } else if e.codes.iter().any(|p| c.code.starts_with(p.split('.').next().unwrap_or(p))) {
        s += 150;
    }
    if c.billable {
        s += 100;
    }
    let matched = |ws: &[String]| ws.iter().filter(|w| has_word(&dw, w)).count() as i64;
    let whole = matched(&e.words).max(matched(&e.alt_words));
    s += 30 * whole;
    if let Some(first) = dw.first() {
        if all.contains(&first) {
            s += 20;
        }
    }
    if desc.contains("unspecified") {
        s += 15;
    }
    if desc.contains("uncomplicated") || desc.contains("without complications") {
        s += 5;
    }
    s -= (c.description.chars().count() / 10) as i64;
    let z_context = desc.starts_with("family history")
        || desc.starts_with("personal history")
        || desc.starts_with("encounter for")
        || desc.contains("screening")
        || desc.starts_with("contact with");
    if z_context && !asks(&["history", "screen", "encounter", "contact", "famil"]) {
        s -= 400;
    }
    let first = c.code.chars().next().unwrap_or(' ');
    if matches!(first, 'V' | 'W' | 'X' | 'Y') && !asks(&["accident", "injur", "fall", "external"]) {
        s -= 300;
    }
    if first == 'O' && !asks(&["pregnan", "obstet", "labo", "deliver", "puerper", "gestation"]) {
        s -= 200;
    }
    if first == 'P' && !asks(&["newborn", "neonat", "perinatal", "fetus", "birth"]) {
        s -= 200;
    }
    s
}

/// Orders candidates: codes the clinician used before first (most used, then most recent),
/// then by [`score`]; then code.
pub fn rank(candidates: Vec<IcdCode>, e: &Expanded, used: &std::collections::HashMap<String, Usage>) -> Vec<Ranked> {
    let mut out: Vec<(i64, Ranked)> = candidates
        .into_iter()
        .map(|c| {
            let u = used.get(&c.code).copied();
            (score(&c, e), Ranked { code: c, used: u })
        })
        .collect();
    out.sort_by(|(sa, a), (sb, b)| {
        let key = |r: &Ranked| r.used.map(|u| (u.count, std::cmp::Reverse(u.recency)));
        key(b).cmp(&key(a)).then(sb.cmp(sa)).then_with(|| a.code.code.cmp(&b.code.code))
    });
    out.into_iter().map(|(_, r)| r).collect()
}

/// The codes a clinician recorded on problems, most recent first (at most 50).
pub async fn usage(pool: &PgPool, user: uuid::Uuid) -> sqlx::Result<std::collections::HashMap<String, Usage>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT icd_code, count(*) FROM (SELECT icd_code, created_at FROM problems WHERE recorded_by = $1 AND icd_code IS NOT NULL
                                           ORDER BY created_at DESC LIMIT 500) r
         GROUP BY icd_code ORDER BY max(created_at) DESC LIMIT 50",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().enumerate().map(|(i, (code, count))| (code, Usage { count, recency: i })).collect())
}

/// The picker's search: code prefixes as [`search`]; words expanded with synonyms, candidates
/// ranked clinically with the clinician's own codes first. An empty query lists the
/// clinician's recent and frequent codes.
pub async fn picker_search(pool: &PgPool, q: &str, user: uuid::Uuid, limit: usize) -> sqlx::Result<Vec<Ranked>> {
    let q = q.trim();
    let used = usage(pool, user).await?;
    if q.is_empty() {
        let mut codes: Vec<(&String, &Usage)> = used.iter().collect();
        codes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.recency.cmp(&b.1.recency)));
        let codes: Vec<String> = codes.into_iter().take(limit).map(|(c, _)| c.clone()).collect();
        let rows: Vec<IcdCode> = sqlx::query_as(&format!("SELECT {COLS} FROM icd10_codes WHERE code = ANY($1)"))
            .bind(&codes)
            .fetch_all(pool)
            .await?;
        let mut out: Vec<Ranked> =
            rows.into_iter().map(|c| Ranked { used: used.get(&c.code).copied(), code: c }).collect();
        out.sort_by_key(|r| codes.iter().position(|c| *c == r.code.code));
        return Ok(out);
    }
    if is_code_like(q) {
        let rows = search(pool, q, true, limit as i64 * 3).await?;
        let e = Expanded::default();
        let mut out = rank(rows, &e, &used);
        out.truncate(limit);
        return Ok(out);
    }
    let e = expand(q, synonyms());
    let mut candidates = words_candidates(pool, &e.words).await?;
    if !e.alt_words.is_empty() {
        candidates.extend(words_candidates(pool, &e.alt_words).await?);
    }
    if !e.codes.is_empty() {
        let rows: Vec<IcdCode> =
            sqlx::query_as(&format!("SELECT {COLS} FROM icd10_codes WHERE code = ANY($1) AND billable"))
                .bind(&e.codes)
                .fetch_all(pool)
                .await?;
        candidates.extend(rows);
    }
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| seen.insert(c.code.clone()));
    let mut out = rank(candidates, &e, &used);
    out.truncate(limit);
    Ok(out)
}

/// Billable codes whose title holds every word (at most 400, shortest titles first).
async fn words_candidates(pool: &PgPool, words: &[String]) -> sqlx::Result<Vec<IcdCode>> {
    let patterns: Vec<String> = words
        .iter()
        .take(6)
        .map(|w| w.replace(['%', '_', '\\'], ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("%{w}%"))
        .collect();
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let conds: Vec<String> = (0..patterns.len()).map(|i| format!("description ILIKE ${}", i + 1)).collect();
    let sql = format!(
        "SELECT {COLS} FROM icd10_codes WHERE {} AND billable ORDER BY length(description), code LIMIT 400",
        conds.join(" AND ")
    );
    let mut query = sqlx::query_as(&sql);
    for p in patterns {
        query = query.bind(p);
    }
    query.fetch_all(pool).await
}

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
    // A wider set than asked for, then the clinical ranking (as the picker's, without the
    // clinician's own codes and synonyms' extra candidates).
    let mut query = sqlx::query_as(&sql).bind(billable_only).bind(limit.saturating_mul(4).max(200));
    for p in patterns {
        query = query.bind(p);
    }
    let rows: Vec<IcdCode> = query.fetch_all(pool).await?;
    let e = expand(q, synonyms());
    let mut ranked: Vec<IcdCode> = rank(rows, &e, &Default::default()).into_iter().map(|r| r.code).collect();
    ranked.truncate(limit.max(0) as usize);
    Ok(ranked)
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
    // A chosen suggestion may come with its title ("E11.9 Type 2 diabetes ..."): the code counts.
    let first = code.split_whitespace().next().unwrap_or("");
    let code = if is_code_like(first) { first } else { code };
    // Words (a space, or letters only) get suggestions; anything else is judged as a code.
    if code.contains(char::is_whitespace) || code.chars().all(char::is_alphabetic) {
        let e = expand(code, synonyms());
        let mut candidates = words_candidates(pool, &e.words).await?;
        if !e.alt_words.is_empty() {
            candidates.extend(words_candidates(pool, &e.alt_words).await?);
        }
        let top: Vec<String> = rank(candidates, &e, &Default::default())
            .into_iter()
            .take(3)
            .map(|r| format!("{} {}", r.code.code, r.code.description))
            .collect();
        let shown: String = code.chars().take(100).collect();
        return Ok(Err(if top.is_empty() {
            format!("“{shown}” is not an ICD-10-CM code and no code matches those words; try other words.")
        } else {
            format!("“{shown}” is not a code: choose one from the suggestions, e.g. {}.", top.join("; "))
        }));
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
    let title = page.t("ehr-icd-heading");
    let mut page = page.titled(title.clone()).crumb(title, "/icd10");
    for p in &path {
        page = page.crumb(p.label(), format!("/icd10?code={}", p.code));
    }
    web::render(&BrowsePage { page, q, results, path, children })
}

#[derive(Template)]
#[template(path = "ehr/icd10_results.html")]
struct Results {
    page: Page,
    results: Vec<IcdCode>,
    q: String,
}

/// htmx partial: search results for the browse page.
pub async fn search_partial(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(iq): Query<IcdQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let q: String = iq.q.trim().chars().take(100).collect();
    let results = search(&state.pool, &q, iq.billable.is_some(), 50).await?;
    web::render(&Results { page, results, q })
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

#[derive(Template)]
#[template(path = "ehr/icd10_listbox.html")]
struct Listbox {
    page: Page,
    results: Vec<Ranked>,
    q: String,
}

/// htmx partial: the problem form's combobox options (`role="option"` items of its listbox):
/// billable codes ranked for the clinician, or their recent codes for an empty query.
pub async fn picker_partial(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(iq): Query<IcdQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let q = if iq.q.trim().is_empty() { iq.icd_code.or(iq.code).unwrap_or_default() } else { iq.q };
    let q: String = q.trim().chars().take(100).collect();
    let results = picker_search(&state.pool, &q, auth.id, 12).await?;
    web::render(&Listbox { page, results, q })
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

    fn code(code: &str, description: &str) -> IcdCode {
        let chapter = 1;
        IcdCode {
            code: code.into(),
            description: description.into(),
            parent: None,
            billable: true,
            chapter,
            kind: "subcategory".into(),
        }
    }

    #[test]
    fn asthma_ranks_the_usual_code_above_family_history() {
        // Without the synonym file: the ranking alone.
        let e = expand("asthma", &[]);
        let candidates = vec![
            code("Z82.5", "Family history of asthma and other chronic lower respiratory diseases"),
            code("Z87.09", "Personal history of other diseases of the respiratory system"),
            code("J45.20", "Mild intermittent asthma, uncomplicated"),
            code("J45.998", "Other asthma"),
            code("J45.909", "Unspecified asthma, uncomplicated"),
            code("O99.511", "Diseases of the respiratory system complicating pregnancy, first trimester"),
            code("J45.41", "Moderate persistent asthma with (acute) exacerbation"),
        ];
        let ranked = rank(candidates, &e, &Default::default());
        let order: Vec<&str> = ranked.iter().map(|r| r.code.code.as_str()).collect();
        assert_eq!(order[0], "J45.909", "{order:?}");
        let z = order.iter().position(|c| *c == "Z82.5").unwrap();
        assert!(order.iter().filter(|c| c.starts_with("J45")).all(|j| order.iter().position(|c| c == j).unwrap() < z));
        let o = order.iter().position(|c| *c == "O99.511").unwrap();
        assert!(
            o > order.iter().rposition(|c| c.starts_with("J45")).unwrap(),
            "pregnancy codes only when asked: {order:?}"
        );
    }

    #[test]
    fn history_codes_rank_up_when_asked_for() {
        let e = expand("family history asthma", &[]);
        let ranked = rank(
            vec![code("J45.909", "Unspecified asthma, uncomplicated"), code("Z82.5", "Family history of asthma")],
            &e,
            &Default::default(),
        );
        assert_eq!(ranked[0].code.code, "Z82.5");
    }

    #[test]
    fn billable_codes_rank_above_headings() {
        let mut heading = code("E11", "Type 2 diabetes mellitus");
        heading.billable = false;
        let e = expand("type 2 diabetes", &[]);
        let ranked = rank(
            vec![heading, code("E11.9", "Type 2 diabetes mellitus without complications")],
            &e,
            &Default::default(),
        );
        assert_eq!(ranked[0].code.code, "E11.9");
    }

    #[test]
    fn the_clinicians_own_codes_come_first_most_used_then_most_recent() {
        let e = expand("asthma", &[]);
        let mut used = std::collections::HashMap::new();
        used.insert("J45.41".to_string(), Usage { count: 3, recency: 1 });
        used.insert("J45.20".to_string(), Usage { count: 3, recency: 0 });
        used.insert("J45.998".to_string(), Usage { count: 1, recency: 2 });
        let ranked = rank(
            vec![
                code("J45.909", "Unspecified asthma, uncomplicated"),
                code("J45.41", "Moderate persistent asthma with (acute) exacerbation"),
                code("J45.998", "Other asthma"),
                code("J45.20", "Mild intermittent asthma, uncomplicated"),
            ],
            &e,
            &used,
        );
        let order: Vec<&str> = ranked.iter().map(|r| r.code.code.as_str()).collect();
        assert_eq!(order, ["J45.20", "J45.41", "J45.998", "J45.909"]);
        assert!(ranked[0].used.is_some() && ranked[3].used.is_none());
    }

    #[test]
    fn synonyms_expand_lay_terms() {
        let syns = synonyms();
        let e = expand("Heart attack", syns);
        assert_eq!(e.alt_words, ["myocardial", "infarction"]);
        assert_eq!(e.codes, ["I21.9"]);
        let e = expand("high blood pressure in pregnancy", syns);
        assert_eq!(e.alt_words, ["hypertension", "in", "pregnancy"]);
        assert_eq!(e.codes, ["I10"]);
        assert_eq!(expand("sugar", syns).codes, ["E11.9"]);
        // The longest term wins.
        assert_eq!(expand("mini stroke", syns).codes, ["G45.9"]);
        assert_eq!(expand("zzz", syns), Expanded { words: vec!["zzz".into()], ..Default::default() });
        let e = expand("heart attack", syns);
        let mi = code("I21.9", "Acute myocardial infarction, unspecified");
        let other = code("I21.4", "Non-ST elevation (NSTEMI) myocardial infarction");
        assert_eq!(rank(vec![other, mi], &e, &Default::default())[0].code.code, "I21.9");
    }

    #[test]
    fn every_synonym_code_is_a_billable_code_of_the_list() {
        let csv = std::str::from_utf8(CODES_CSV).unwrap();
        for s in synonyms() {
            assert!(!s.words.is_empty(), "{:?}", s.term);
            for c in &s.codes {
                let line = csv.lines().find(|l| l.starts_with(&format!("{c},"))).unwrap_or_else(|| panic!("{c}"));
                assert!(line.contains(",true,"), "{c} is billable");
            }
        }
    }

    #[test]
    fn embedded_list_is_complete() {
        assert!(CODES_CSV.starts_with(b"code,description,parent,is_billable,chapter,kind"));
        let lines = CODES_CSV.iter().filter(|b| **b == b'\n').count();
        assert!(lines >= 98_466, "{lines}");
    }
}
