//! Finding a patient: type-ahead by name (accent-insensitive, word-prefix, substring and fuzzy
//! with pg_trgm, ranked), exact MRN / phone / national ID / insurance number / email through the
//! blind indexes, and date of birth. Keyset pagination throughout.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sqlx::{FromRow, PgPool};
use time::Date;
use uuid::Uuid;

use super::access::{viewer, visible_sql};
use super::model::{normalize_email, parse_date_any, PatientSummary, SUMMARY_COLS};
use super::repo::{bidx_email, bidx_insurance, bidx_national_id, bidx_phone, bidx_phone_tail, format_mrn};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::{Auth, CurrentUser};
use hearth_core::platform::crypto::KeyRing;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageRequest, Paged, Pager};
use hearth_core::web::{self, Page};

pub const PAGE_SIZE: i64 = 25;

/// A query of this many digits may be the end of a phone number (matched on its last six).
const PHONE_TAIL_MIN: usize = 6;
const PHONE_TAIL_MAX: usize = 9;

/// The MRNs a query may mean: itself (upper case) and, for bare digits (`000080`, `80`), the
/// MRN each facility's template gives that sequence number (`TST-000080`), for this year and
/// the ten before when the template has `{YEAR}`.
pub async fn mrn_candidates(pool: &PgPool, q: &str) -> sqlx::Result<Vec<String>> {
    let q = q.trim().to_ascii_uppercase();
    let mut out = vec![q.clone()];
    if q.is_empty() || q.len() > 12 || !q.chars().all(|c| c.is_ascii_digit()) {
        return Ok(out);
    }
    let Ok(seq) = q.parse::<i64>() else { return Ok(out) };
    let templates: Vec<(String, String)> =
        sqlx::query_as("SELECT code, mrn_format FROM facilities LIMIT 200").fetch_all(pool).await?;
    let year = time::OffsetDateTime::now_utc().year();
    for (code, template) in templates {
        let years = if template.contains("{YEAR}") { (year - 10)..=year } else { year..=year };
        for y in years {
            let m = format_mrn(&template, &code, seq, y);
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

/// What the query text looks like, so each kind uses its own index.
#[derive(Debug)]
enum Kind {
    All,
    Exact {
        mrn: String,
        phone: Vec<u8>,
        tail: Vec<u8>,
        national: Vec<u8>,
        insurance: Vec<u8>,
        email: Vec<u8>,
        other: Vec<u8>,
    },
    Date(Date),
    Name {
        text: String,
        dob: Option<Date>,
    },
}

fn classify(keys: &KeyRing, q: &str) -> Kind {
    let q = q.trim();
    if q.is_empty() {
        return Kind::All;
    }
    if let Some(d) = parse_date_any(q) {
        return Kind::Date(d);
    }
    if q.contains('@') && !q.contains(char::is_whitespace) {
        let none = Vec::new();
        return Kind::Exact {
            mrn: q.to_ascii_uppercase(),
            phone: none.clone(),
            tail: none.clone(),
            national: none.clone(),
            insurance: none.clone(),
            email: bidx_email(keys, &normalize_email(q)),
            other: none,
        };
    }
    let digits = q.chars().filter(|c| c.is_ascii_digit()).count();
    let single_word = !q.contains(char::is_whitespace);
    let phone_like = digits >= 4 && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if (single_word && digits > 0) || phone_like {
        // A partial number (6 to 9 digits) is matched on its last six digits too.
        let tail = if (PHONE_TAIL_MIN..=PHONE_TAIL_MAX).contains(&digits) && phone_like {
            bidx_phone_tail(keys, q).unwrap_or_default()
        } else {
            Vec::new()
        };
        return Kind::Exact {
            mrn: q.to_ascii_uppercase(),
            phone: bidx_phone(keys, q),
            tail,
            national: bidx_national_id(keys, q),
            insurance: bidx_insurance(keys, q),
            email: Vec::new(),
            other: crate::identity::bidx_identifier(keys, q),
        };
    }
    // "garcia 1980-02-29": a date among the words narrows the name search.
    let mut dob = None;
    let words: Vec<&str> = q
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .filter(|w| match parse_date_any(w) {
            Some(d) => {
                dob = Some(d);
                false
            }
            None => true,
        })
        .take(5)
        .collect();
    Kind::Name { text: words.join(" "), dob }
}

#[derive(FromRow)]
struct Hit {
    #[sqlx(flatten)]
    summary: PatientSummary,
    rank: i32,
    visible: bool,
}

/// The sort key of a result: its rank, then the patient id (names are looked up by id, so a
/// cursor holds no PHI).
pub type SearchKey = (i32, Uuid);

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Searches for `user`. Restricted records the user may not open are left out of name, date
/// and list results and shown masked (MRN only) for exact identifier matches.
pub async fn search_page(
    pool: &PgPool,
    keys: &KeyRing,
    user: &CurrentUser,
    q: &str,
    req: &PageRequest<SearchKey>,
) -> sqlx::Result<Paged<PatientSummary>> {
    let (perm, uid, sid) = viewer(user);
    let (after_rank, after_id) = (req.after.map(|k| k.0), req.after.map(|k| k.1));
    let limit = req.limit;
    let vis = visible_sql(4);
    let keyset = "($7::uuid IS NULL OR (s.rank, s.family_name, s.given_name, s.id) > \
                  (SELECT $8::int, family_name, given_name, id FROM patients WHERE id = $7))";
    let kind = classify(keys, q);
    let fetch = req.fetch();
    let hits: Vec<Hit> = match kind {
        Kind::All => {
            // Served in order by patients_name_order; no rank column so the index order holds.
            let sql = format!(
                "SELECT {SUMMARY_COLS}, 0 AS rank, true AS visible FROM patients p
                 WHERE {vis} AND ($7::uuid IS NULL OR (p.family_name, p.given_name, p.id) >
                       (SELECT family_name, given_name, id FROM patients WHERE id = $7))
                   AND $2::text IS NULL AND $3::text IS NULL AND $8::int IS NULL
                 ORDER BY p.family_name, p.given_name, p.id LIMIT $1"
            );
            sqlx::query_as(&sql)
                .bind(fetch)
                .bind(Option::<String>::None)
                .bind(Option::<String>::None)
                .bind(perm)
                .bind(uid)
                .bind(sid)
                .bind(after_id)
                .bind(Option::<i32>::None)
                .fetch_all(pool)
                .await?
        }
        Kind::Date(d) => {
            let sql = format!(
                "SELECT * FROM (SELECT {SUMMARY_COLS}, 0 AS rank, true AS visible FROM patients p
                   WHERE p.birth_date = $2 AND $3::text IS NULL AND {vis}) s
                 WHERE {keyset} ORDER BY s.rank, s.family_name, s.given_name, s.id LIMIT $1"
            );
            sqlx::query_as(&sql)
                .bind(fetch)
                .bind(d)
                .bind(Option::<String>::None)
                .bind(perm)
                .bind(uid)
                .bind(sid)
                .bind(after_id)
                .bind(after_rank)
                .fetch_all(pool)
                .await?
        }
        Kind::Exact { mrn, phone, tail, national, insurance, email, other } => {
            let mrns = mrn_candidates(pool, &mrn).await?;
            // Each arm is its own index scan; restricted rows come back masked.
            let sql = format!(
                "SELECT * FROM (SELECT {SUMMARY_COLS}, 0 AS rank, {vis} AS visible FROM patients p
                   WHERE p.mrn = ANY($2) OR p.phone_bidx = $3 OR p.national_id_bidx = $9 OR p.insurance_bidx = $10
                      OR p.email_bidx = $11 OR p.phone_tail_bidx = $12
                      OR p.id IN (SELECT i.patient_id FROM patient_identifiers i WHERE i.value_bidx = $13)) s
                 WHERE {keyset} ORDER BY s.rank, s.family_name, s.given_name, s.id LIMIT $1"
            );
            sqlx::query_as(&sql)
                .bind(fetch)
                .bind(mrns)
                .bind(phone)
                .bind(perm)
                .bind(uid)
                .bind(sid)
                .bind(after_id)
                .bind(after_rank)
                .bind(national)
                .bind(insurance)
                .bind(email)
                .bind(tail)
                .bind(other)
                .fetch_all(pool)
                .await?
        }
        Kind::Name { text, dob } => {
            let folded: String =
                sqlx::query_scalar("SELECT lower(immutable_unaccent($1))").bind(&text).fetch_one(pool).await?;
            let tokens: Vec<String> = folded.split_whitespace().map(like_escape).filter(|t| !t.is_empty()).collect();
            if tokens.is_empty() && dob.is_none() {
                return Ok(Paged { items: Vec::new(), next: None });
            }
            // One LIKE per word (not LIKE ALL over an array, which no index serves), so the
            // trigram GIN index answers each; the word-prefix test only ranks.
            let substr: Vec<String> = tokens.iter().map(|t| format!("%{t}%")).collect();
            let word_prefix: Vec<String> = tokens.iter().map(|t| format!("% {t}%")).collect();
            let like_all = if tokens.is_empty() {
                "true".to_string()
            } else {
                (1..=tokens.len())
                    .map(|i| format!("p.search_name LIKE ($2::text[])[{i}]"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            let prefix_all = if tokens.is_empty() {
                "true".to_string()
            } else {
                (1..=tokens.len())
                    .map(|i| format!("(' ' || p.search_name) LIKE ($9::text[])[{i}]"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            // Phase 1: every word occurs in the name. rank 0 when every word starts a name
            // part, 1 when it occurs inside one.
            let mut found: Vec<Hit> = Vec::new();
            if after_rank.is_none_or(|r| r <= 1) {
                let sql = format!(
                    "SELECT * FROM (SELECT {SUMMARY_COLS}, CASE WHEN {prefix_all} THEN 0 ELSE 1 END AS rank, true AS visible
                       FROM patients p
                       WHERE {like_all} AND ($11::date IS NULL OR p.birth_date = $11) AND $3::text IS NOT NULL
                         AND $10::bool IS NOT NULL AND {vis}) s
                     WHERE {keyset} ORDER BY s.rank, s.family_name, s.given_name, s.id LIMIT $1"
                );
                found = sqlx::query_as(&sql)
                    .bind(fetch)
                    .bind(&substr)
                    .bind(&folded)
                    .bind(perm)
                    .bind(uid)
                    .bind(sid)
                    .bind(after_id)
                    .bind(after_rank)
                    .bind(&word_prefix)
                    .bind(true)
                    .bind(dob)
                    .fetch_all(pool)
                    .await?;
            }
            // Phase 2, only when the page is not full: similar names (trigram word similarity,
            // for typos), ranked 100..200 best first, after every exact match.
            let fuzzy = folded.chars().filter(|c| c.is_alphanumeric()).count() >= 4;
            if fuzzy && (found.len() as i64) < fetch {
                let (fuzzy_after_id, fuzzy_after_rank) =
                    if after_rank.is_some_and(|r| r >= 100) { (after_id, after_rank) } else { (None, None) };
                let sql = format!(
                    "SELECT * FROM (SELECT {SUMMARY_COLS},
                         200 - round(word_similarity($3, p.search_name) * 100)::int AS rank, true AS visible
                       FROM patients p
                       WHERE $3 <% p.search_name AND NOT ({like_all}) AND ($11::date IS NULL OR p.birth_date = $11)
                         AND $10::bool AND $9::text[] IS NOT NULL AND {vis}) s
                     WHERE {keyset} ORDER BY s.rank, s.family_name, s.given_name, s.id LIMIT $1"
                );
                let more: Vec<Hit> = sqlx::query_as(&sql)
                    .bind(fetch - found.len() as i64)
                    .bind(&substr)
                    .bind(&folded)
                    .bind(perm)
                    .bind(uid)
                    .bind(sid)
                    .bind(fuzzy_after_id)
                    .bind(fuzzy_after_rank)
                    .bind(&word_prefix)
                    .bind(true)
                    .bind(dob)
                    .fetch_all(pool)
                    .await?;
                found.extend(more);
            }
            found
        }
    };
    Ok(Paged::from_rows(hits, limit, |h| (h.rank, h.summary.id)).map(|mut h| {
        if !h.visible {
            h.summary.mask();
        }
        h.summary
    }))
}

/// Type-ahead (the global search box): a single word matches the start of the family name,
/// then of the given name. Each part is an ordered range scan of its own index that stops after
/// `limit` rows, so it costs the same on 300 or 300,000 patients. Anything else (several words,
/// identifiers, dates), or a word that starts no name, goes to the full ranked search.
pub async fn suggest(
    pool: &PgPool,
    keys: &KeyRing,
    user: &CurrentUser,
    q: &str,
    limit: i64,
) -> sqlx::Result<Vec<PatientSummary>> {
    let word = match classify(keys, q) {
        Kind::Name { text, dob: None } if !text.trim().contains(char::is_whitespace) => text,
        _ => return Ok(search_page(pool, keys, user, q, &PageRequest::first(limit)).await?.items),
    };
    let (perm, uid, sid) = viewer(user);
    // The ordered index range scans run inside `patient_suggest` (migration 0017), which is
    // planned once per connection; this outer statement only joins the ids to their rows.
    let sql = format!(
        "SELECT {SUMMARY_COLS}, s.rank, true AS visible
         FROM patient_suggest($1, $2, $3, $4, $5) WITH ORDINALITY AS s(patient_id, rank, ord)
         JOIN patients p ON p.id = s.patient_id
         ORDER BY s.ord"
    );
    let hits: Vec<Hit> = sqlx::query_as(&sql)
        .bind(word.trim())
        .bind(limit.clamp(1, 100) as i32)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .fetch_all(pool)
        .await?;
    if hits.is_empty() {
        return Ok(search_page(pool, keys, user, q, &PageRequest::first(limit)).await?.items);
    }
    Ok(hits.into_iter().take(limit as usize).map(|h| h.summary).collect())
}

/// Unfiltered by viewer: for system callers (demo, tests) that see everything.
pub async fn search(
    pool: &PgPool,
    keys: &KeyRing,
    q: &str,
    after: Option<SearchKey>,
    limit: i64,
) -> sqlx::Result<Vec<PatientSummary>> {
    let system = CurrentUser {
        id: Uuid::nil(),
        email: String::new(),
        display_name: String::new(),
        roles: Vec::new(),
        perms: vec![crate::perms::PATIENTS_RESTRICTED.code().to_string()],
        facility_ids: Vec::new(),
        session_id: None,
        must_change_password: false,
        mfa_enabled: false,
        mfa_required: false,
        via: hearth_core::platform::auth::AuthVia::Bearer,
        client_id: None,
        time_zone: None,
        locale: hearth_core::web::DEFAULT_LOCALE.to_string(),
    };
    Ok(search_page(pool, keys, &system, q, &PageRequest { after, limit }).await?.items)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "patients/list.html")]
struct ListPage {
    page: Page,
    q: String,
    rows: Vec<PatientSummary>,
    pager: Pager,
    can_write: bool,
    can_import: bool,
}

#[derive(Template)]
#[template(path = "patients/list_rows.html")]
struct ListRows {
    page: Page,
    q: String,
    rows: Vec<PatientSummary>,
    pager: Pager,
    can_write: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    headers: axum::http::HeaderMap,
    Query(lq): Query<ListQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let q: String = lq.q.trim().chars().take(100).collect();
    let req = PageRequest::parse(lq.after.as_deref(), None, PAGE_SIZE, PAGE_SIZE)?;
    let res = search_page(&state.pool, &state.keys, &auth.user, &q, &req).await?;
    let pager = Pager::new("/patients", &[("q", &q)], &res, req.is_later());
    // Search-as-you-type swaps only the results.
    if headers.get("hx-request").is_some() && headers.get("hx-target").is_some_and(|t| t == "patient-results") {
        return web::render(&ListRows {
            page,
            q,
            rows: res.items,
            pager,
            can_write: auth.can(crate::perms::PATIENTS_WRITE),
        });
    }
    web::render(&ListPage {
        page: {
            let title = page.t("nav-patients");
            page.titled(title.clone()).crumb(title, "/patients")
        },
        q,
        rows: res.items,
        pager,
        can_write: auth.can(crate::perms::PATIENTS_WRITE),
        can_import: auth.can(crate::perms::PATIENTS_IMPORT),
    })
}

/// A structured patient search (the FHIR facade's `Patient?…`): every present criterion must
/// hold. Names match the start of a name part, ignoring case and accents.
#[derive(Debug, Default, Clone)]
pub struct PatientFilter {
    pub id: Option<Uuid>,
    /// Start of any word of the given and family names.
    pub name: Vec<String>,
    pub family: Vec<String>,
    /// Start of the given or middle name.
    pub given: Vec<String>,
    /// `(operator, date)`: operator one of `=`, `<>`, `<`, `<=`, `>`, `>=`.
    pub birth: Vec<(&'static str, Date)>,
    pub sex: Option<String>,
    /// `(facility, MRN)`: the MRN, optionally only as issued by that facility.
    pub mrn: Option<(Option<Uuid>, String)>,
    /// Only patients registered at one of these facilities (`None`: any).
    pub facilities: Option<Vec<Uuid>>,
}

/// A patient found by [`filtered`], with the facility that registered it (its MRN's issuer).
#[derive(Debug, Clone, FromRow)]
pub struct FilteredPatient {
    #[sqlx(flatten)]
    pub summary: PatientSummary,
    pub facility_id: Uuid,
}

/// Patients matching `f` that `user` may open (restricted records the user may not open are
/// left out), by family name, given name and id, from `offset`; with the total count.
pub async fn filtered(
    pool: &PgPool,
    user: &CurrentUser,
    f: &PatientFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<FilteredPatient>, i64)> {
    let mut page = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!("SELECT {SUMMARY_COLS}, p.facility_id"));
    push_filter(&mut page, user, f);
    page.push(format!(
        " ORDER BY p.family_name, p.given_name, p.id OFFSET {} LIMIT {}",
        offset.max(0),
        limit.clamp(0, 1000)
    ));
    let rows: Vec<FilteredPatient> = page.build_query_as().fetch_all(pool).await?;
    let mut count = sqlx::QueryBuilder::<sqlx::Postgres>::new("SELECT count(*)");
    push_filter(&mut count, user, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    Ok((rows, total))
}

fn push_filter(qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, user: &CurrentUser, f: &PatientFilter) {
    let (perm, uid, sid) = viewer(user);
    // The test of `visible_sql`, written with binds.
    qb.push(" FROM patients p WHERE p.merged_into IS NULL AND p.erased_at IS NULL AND (NOT p.restricted OR ");
    qb.push_bind(perm);
    qb.push("::bool OR EXISTS (SELECT 1 FROM patient_care_team ct WHERE ct.patient_id = p.id AND ct.user_id = ");
    qb.push_bind(uid);
    qb.push(") OR EXISTS (SELECT 1 FROM patient_break_glass bg WHERE bg.patient_id = p.id AND bg.user_id = ");
    qb.push_bind(uid);
    qb.push(" AND bg.session_id IS NOT DISTINCT FROM ");
    qb.push_bind(sid);
    qb.push("::uuid AND bg.expires_at > now()))");
    if let Some(id) = f.id {
        qb.push(" AND p.id = ").push_bind(id);
    }
    let fold = |qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, column: &str, v: &str| {
        qb.push(format!(" AND (' ' || {column}) LIKE '% ' || lower(immutable_unaccent("))
            .push_bind(like_escape(v))
            .push(")) || '%'");
    };
    for n in &f.name {
        fold(qb, "p.search_name", n);
    }
    for n in &f.family {
        fold(qb, "lower(immutable_unaccent(p.family_name))", n);
    }
    for n in &f.given {
        fold(qb, "lower(immutable_unaccent(p.given_name || ' ' || coalesce(p.middle_name, '')))", n);
    }
    for (op, d) in &f.birth {
        qb.push(format!(" AND p.birth_date {op} ")).push_bind(*d);
    }
    if let Some(s) = &f.sex {
        qb.push(" AND p.sex = ").push_bind(s.clone());
    }
    if let Some((fac, mrn)) = &f.mrn {
        qb.push(" AND p.mrn = ").push_bind(mrn.clone());
        if let Some(fac) = fac {
            qb.push(" AND p.facility_id = ").push_bind(*fac);
        }
    }
    if let Some(fs) = &f.facilities {
        qb.push(" AND p.facility_id = ANY(").push_bind(fs.clone()).push(")");
    }
}
