//! The catalogue: sections, tests, reference ranges and panels, loaded from the starter files in
//! `data/laboratory/` (LOINC notice and "verify locally" in its README), and read back.

use sqlx::{PgConnection, PgPool};

use crate::model::{LabPanel, LabRange, LabSection, LabTest};

static TESTS: &str = include_str!("../../../data/laboratory/tests.csv");
static RANGES: &str = include_str!("../../../data/laboratory/ranges.csv");
static PANELS: &str = include_str!("../../../data/laboratory/panels.csv");

const SECTIONS: [(&str, &str); 2] = [("haematology", "Haematology"), ("biochemistry", "Biochemistry")];

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// Loads the starter catalogue: adds what is missing, keeps what an installation changed.
/// Returns the tests added.
pub async fn ensure_loaded(pool: &PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    for (code, name) in SECTIONS {
        sqlx::query("INSERT INTO lab_sections (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(code)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let mut added = 0;
    for row in csv::Reader::from_reader(TESTS.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        added += sqlx::query(
            "INSERT INTO lab_tests (code, loinc, name, section, specimen, container, unit, decimals, critical_low,
                                    critical_high, delta_limit, tat_minutes, tat_stat_minutes, charge_code,
                                    min_interval_hours, calculated)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) ON CONFLICT (code) DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2))
        .bind(g(3))
        .bind(g(4))
        .bind(g(5))
        .bind(g(6))
        .bind(g(7).parse::<i32>().unwrap_or(1))
        .bind(num(&g(8)))
        .bind(num(&g(9)))
        .bind(num(&g(10)))
        .bind(g(11).parse::<i32>().unwrap_or(120))
        .bind(g(12).parse::<i32>().ok())
        .bind(g(13))
        .bind(g(14).parse::<i32>().unwrap_or(0))
        .bind(g(15) == "true")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    for row in csv::Reader::from_reader(RANGES.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        sqlx::query(
            "INSERT INTO lab_ranges (test, sex, age_min_days, age_max_days, low, high) VALUES ($1,$2,$3,$4,$5,$6)
             ON CONFLICT ON CONSTRAINT lab_ranges_once DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2).parse::<i32>().unwrap_or(0))
        .bind(g(3).parse::<i32>().ok())
        .bind(num(&g(4)))
        .bind(num(&g(5)))
        .execute(&mut *tx)
        .await?;
    }
    for row in csv::Reader::from_reader(PANELS.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        let inserted = sqlx::query(
            "INSERT INTO lab_panels (code, loinc, name, charge_code, min_interval_hours) VALUES ($1,$2,$3,$4,$5)
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2))
        .bind(g(3))
        .bind(g(4).parse::<i32>().unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted > 0 {
            for (i, t) in g(5).split_whitespace().enumerate() {
                sqlx::query("INSERT INTO lab_panel_tests (panel, test, position) VALUES ($1, $2, $3)")
                    .bind(g(0))
                    .bind(t)
                    .bind(i as i32)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    if added > 0 {
        tracing::info!(tests = added, "loaded the laboratory starter catalogue");
    }
    Ok(added)
}

const TEST_COLS: &str =
    "code, loinc, name, section, specimen, container, unit, decimals, critical_low::float8 AS critical_low,
     critical_high::float8 AS critical_high, delta_limit::float8 AS delta_limit, tat_minutes, tat_stat_minutes,
     charge_code, min_interval_hours, calculated";

pub async fn tests(pool: &PgPool) -> sqlx::Result<Vec<LabTest>> {
    sqlx::query_as(&format!("SELECT {TEST_COLS} FROM lab_tests WHERE active ORDER BY section, name"))
        .fetch_all(pool)
        .await
}

pub async fn test(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<LabTest>> {
    sqlx::query_as(&format!("SELECT {TEST_COLS} FROM lab_tests WHERE code = $1 AND active"))
        .bind(code)
        .fetch_optional(conn)
        .await
}

pub async fn ranges(pool: &PgPool) -> sqlx::Result<Vec<LabRange>> {
    sqlx::query_as(
        "SELECT test, sex, age_min_days, age_max_days, low::float8 AS low, high::float8 AS high
         FROM lab_ranges ORDER BY test, age_min_days, sex",
    )
    .fetch_all(pool)
    .await
}

pub async fn ranges_of(conn: &mut PgConnection, test: &str) -> sqlx::Result<Vec<LabRange>> {
    sqlx::query_as(
        "SELECT test, sex, age_min_days, age_max_days, low::float8 AS low, high::float8 AS high
         FROM lab_ranges WHERE test = $1 ORDER BY age_min_days, sex",
    )
    .bind(test)
    .fetch_all(conn)
    .await
}

pub async fn panels(pool: &PgPool) -> sqlx::Result<Vec<LabPanel>> {
    sqlx::query_as(
        "SELECT p.code, p.loinc, p.name, p.charge_code, p.min_interval_hours,
                array(SELECT t.test FROM lab_panel_tests t WHERE t.panel = p.code ORDER BY t.position) AS tests
         FROM lab_panels p WHERE p.active ORDER BY p.name",
    )
    .fetch_all(pool)
    .await
}

pub async fn sections(pool: &PgPool) -> sqlx::Result<Vec<LabSection>> {
    sqlx::query_as("SELECT code, name, second_verifier FROM lab_sections ORDER BY name").fetch_all(pool).await
}

/// Something orderable: a test (not calculated) or a panel.
#[derive(Debug, Clone)]
pub struct Orderable {
    pub code: String,
    pub name: String,
    pub is_panel: bool,
    pub section: String,
    pub specimen: String,
    pub container: String,
    pub min_interval_hours: i32,
    pub charge_code: String,
    /// The tests it reports (the test itself, or the panel's members).
    pub tests: Vec<String>,
}

/// Orderable codes matching `q` (code or name), tests and panels.
pub async fn search(conn: &mut PgConnection, q: &str, limit: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT code, name FROM (
            SELECT code, name || ' (LOINC ' || loinc || ')' AS name, 1 AS k FROM lab_panels WHERE active
            UNION ALL
            SELECT code, name || ' (LOINC ' || loinc || ')', 2 FROM lab_tests WHERE active AND NOT calculated) x
         WHERE $1 = '' OR upper(code) = upper($1) OR strpos(lower(name), lower($1)) > 0
         ORDER BY k, lower(name) LIMIT $2",
    )
    .bind(q.trim())
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn orderable(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<Orderable>> {
    let code = code.trim().to_uppercase();
    let panel: Option<(String, String, i32, String)> =
        sqlx::query_as("SELECT code, name, min_interval_hours, charge_code FROM lab_panels WHERE code = $1 AND active")
            .bind(&code)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((code, name, min, charge)) = panel {
        let members: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT t.code, t.section, t.specimen, t.container FROM lab_panel_tests p JOIN lab_tests t ON t.code = p.test
             WHERE p.panel = $1 ORDER BY p.position",
        )
        .bind(&code)
        .fetch_all(&mut *conn)
        .await?;
        let Some(first) = members.first().cloned() else { return Ok(None) };
        return Ok(Some(Orderable {
            code,
            name,
            is_panel: true,
            section: first.1,
            specimen: first.2,
            container: first.3,
            min_interval_hours: min,
            charge_code: charge,
            tests: members.into_iter().map(|m| m.0).collect(),
        }));
    }
    let Some(t) = test(conn, &code).await? else { return Ok(None) };
    if t.calculated {
        return Ok(None);
    }
    Ok(Some(Orderable {
        code: t.code.clone(),
        name: t.name,
        is_panel: false,
        section: t.section,
        specimen: t.specimen,
        container: t.container,
        min_interval_hours: t.min_interval_hours,
        charge_code: t.charge_code,
        tests: vec![t.code],
    }))
}
