//! Bulk import of patients from CSV, with a validation report (row, field, problem). By default
//! nothing is imported when any row fails; "import valid rows" imports the rest explicitly.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::model::{NewPatient, ValidPatient};
use super::register::facility_of;
use super::repo::{self, bidx_national_id};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::upload::{self, FileRule};
use hearth_core::web::{self, Page};

pub const MAX_BYTES: usize = 1024 * 1024;
/// The CSV file: UTF-8 text named .csv or .txt (or without an extension).
pub const FILE: FileRule = FileRule::new("file", MAX_BYTES, &[upload::CSV]).allow_bare_names();
pub const MAX_ROWS: usize = 5_000;
pub const REQUIRED: [&str; 3] = ["given_name", "family_name", "sex"];
pub const OPTIONAL: [&str; 11] = [
    "middle_name",
    "preferred_name",
    "gender_identity",
    "birth_date",
    "phone",
    "email",
    "national_id",
    "insurance_number",
    "address",
    "preferred_language",
    "birth_date_estimated",
];

#[derive(Debug, Clone)]
pub struct Problem {
    /// Line in the file (the header is line 1); 0 for the file as a whole.
    pub row: usize,
    pub field: String,
    pub problem: String,
}

#[derive(Template)]
#[template(path = "patients/import.html")]
struct ImportPage {
    page: Page,
    problems: Vec<Problem>,
    imported: Option<usize>,
    rows: usize,
    mode: String,
    max_rows: usize,
    max_kib: usize,
    columns: String,
}

fn import_page(page: Page, problems: Vec<Problem>, imported: Option<usize>, rows: usize, mode: String) -> ImportPage {
    let problems =
        problems.into_iter().map(|p| Problem { problem: crate::i18n::localise(&page, &p.problem), ..p }).collect();
    let (title, list, crumb) =
        (page.t("patients-import-title"), page.t("nav-patients"), page.t("patients-import-crumb"));
    ImportPage {
        page: page.titled(title).crumb(list, "/patients").crumb(crumb, "/patients/import"),
        problems,
        imported,
        rows,
        mode,
        max_rows: MAX_ROWS,
        max_kib: MAX_BYTES / 1024,
        columns: REQUIRED.iter().chain(OPTIONAL.iter()).copied().collect::<Vec<_>>().join(","),
    }
}

pub async fn form(page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_IMPORT)?;
    web::render(&import_page(page, vec![], None, 0, "all".into()))
}

fn whole(problem: &str) -> Problem {
    Problem { row: 0, field: String::new(), problem: problem.into() }
}

/// A parsed file: valid rows with their line, problems, and the number of data rows.
pub type Parsed = (Vec<(usize, ValidPatient)>, Vec<Problem>, usize);

/// Parses and validates the whole file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Problem> {
    if bytes.contains(&0) || bytes.starts_with(b"%PDF") || bytes.starts_with(b"PK\x03\x04") {
        return Err(whole("The file is not a CSV text file (it looks binary), whatever its name says."));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| whole("The file is not UTF-8 text. Save it as CSV UTF-8."))?;
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| whole(&format!("The header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for h in &headers {
        if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
            return Err(Problem { row: 1, field: h.clone(), problem: "Unknown column.".into() });
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            return Err(Problem { row: 1, field: r.into(), problem: "Required column is missing.".into() });
        }
    }
    let mut valid = Vec::new();
    let mut problems = Vec::new();
    let mut rows = 0usize;
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        rows += 1;
        if rows > MAX_ROWS {
            return Err(whole(&format!("The file has more than {MAX_ROWS} rows; split it.")));
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem { row: line, field: String::new(), problem: format!("Unreadable row: {e}") });
                continue;
            }
        };
        let get = |name: &str| -> Option<String> {
            headers.iter().position(|h| h == name).and_then(|ix| rec.get(ix)).map(|v| v.to_string())
        };
        let estimated = get("birth_date_estimated").unwrap_or_default();
        let np = NewPatient {
            given_name: get("given_name").unwrap_or_default(),
            family_name: get("family_name").unwrap_or_default(),
            middle_name: get("middle_name"),
            preferred_name: get("preferred_name"),
            sex: get("sex").unwrap_or_default().trim().to_ascii_lowercase(),
            gender_identity: get("gender_identity"),
            birth_date: get("birth_date"),
            birth_date_estimated: matches!(estimated.trim(), "true" | "yes" | "1"),
            phone: get("phone"),
            email: get("email"),
            national_id: get("national_id"),
            insurance_number: get("insurance_number"),
            address: get("address"),
            preferred_language: get("preferred_language"),
            ..Default::default()
        };
        match np.validate() {
            Ok(v) => valid.push((line, v)),
            Err(e) => {
                for (f, m) in e.0 {
                    problems.push(Problem { row: line, field: f.into(), problem: m });
                }
            }
        }
    }
    if rows == 0 {
        return Err(whole("The file has a header but no rows."));
    }
    Ok((valid, problems, rows))
}

pub async fn upload(State(state): State<AppState>, page: Page, auth: Auth, mut mp: Multipart) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_IMPORT)?;
    let facility = facility_of(&auth)?;
    let form = upload::read(&mut mp, &[FILE]).await?;
    let mode = if form.field("mode") == "valid" { "valid".to_string() } else { "all".to_string() };
    let fail = |page: Page, problems: Vec<Problem>, rows: usize, mode: String| -> AppResult<Response> {
        web::render_status(StatusCode::UNPROCESSABLE_ENTITY, &import_page(page, problems, None, rows, mode))
    };
    let Some(received) = form.file(FILE.field).filter(|f| !f.bytes.is_empty()) else {
        return fail(page, vec![whole("Choose a CSV file to import.")], 0, mode);
    };
    let bytes = match FILE.check(received) {
        Ok(f) => f.bytes,
        Err(m) => return fail(page, vec![whole(&m)], 0, mode),
    };
    let (valid, mut problems, rows) = match parse(&bytes) {
        Ok(r) => r,
        Err(p) => return fail(page, vec![p], 0, mode),
    };
    // National IDs already on file (or twice in the file) would create duplicates.
    let keys = &state.keys;
    let bidx: Vec<Vec<u8>> =
        valid.iter().filter_map(|(_, v)| v.national_id.as_deref().map(|n| bidx_national_id(keys, n))).collect();
    let existing: Vec<(Vec<u8>, String)> = sqlx::query_as(
        "SELECT national_id_bidx, mrn FROM patients WHERE national_id_bidx = ANY($1) AND merged_into IS NULL",
    )
    .bind(&bidx)
    .fetch_all(&state.pool)
    .await?;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut ok_rows = Vec::new();
    for (line, v) in valid {
        if let Some(b) = v.national_id.as_deref().map(|n| bidx_national_id(keys, n)) {
            if let Some((_, mrn)) = existing.iter().find(|(e, _)| *e == b) {
                problems.push(Problem {
                    row: line,
                    field: "national_id".into(),
                    problem: format!("A patient with this national ID is already registered ({mrn})."),
                });
                continue;
            }
            if seen.contains(&b) {
                problems.push(Problem {
                    row: line,
                    field: "national_id".into(),
                    problem: "The same national ID appears on an earlier row.".into(),
                });
                continue;
            }
            seen.push(b);
        }
        ok_rows.push(v);
    }
    problems.sort_by_key(|p| p.row);
    if !problems.is_empty() && mode == "all" {
        return fail(page, problems, rows, mode);
    }
    let mut tx = state.pool.begin().await?;
    let mut ids: Vec<Uuid> = Vec::with_capacity(ok_rows.len());
    for v in &ok_rows {
        ids.push(repo::register(&mut tx, keys, facility, v, &auth.meta).await?.0);
    }
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("patient.import", "patient_import", Uuid::new_v4()).changes(serde_json::json!({
            "rows": rows, "imported": ids.len(), "rejected_rows": problems.iter().map(|p| p.row).collect::<std::collections::BTreeSet<_>>().len(),
            "mode": mode,
        })),
    )
    .await?;
    tx.commit().await?;
    let imported = ids.len();
    Ok((StatusCode::OK, web::render(&import_page(page, problems, Some(imported), rows, mode))?).into_response())
}
