//! Guard against missing indexes: the hot requests run on a seeded database with sequential
//! scans disabled for the app's connections. The planner then takes any usable index, so a
//! sequential scan that still happens on a table that grows large means the index is missing.
//! Counts come from pg_stat_user_tables, flushed when the app's connections close.

use axum::http::StatusCode;
use sqlx::Executor;

use crate::helpers::*;

const LARGE: &[&str] = &[
    "patients",
    "encounters",
    "vitals",
    "problems",
    "notes",
    "audit_events",
    "sessions",
    "messages",
    "live_events",
    "orders",
    "order_results",
    "charges",
];

async fn seq_scans(pool: &sqlx::PgPool) -> Vec<(String, i64)> {
    let mut conn = pool.acquire().await.unwrap();
    conn.execute("SELECT pg_stat_clear_snapshot()").await.unwrap();
    sqlx::query_as(
        "SELECT relname::text, coalesce(seq_scan, 0) FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname",
    )
    .bind(LARGE.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn hot_requests_use_indexes() {
    let seed = TestApp::new().await;
    hearth::demo::seed(&seed.pool, &seed.state.keys).await.unwrap();
    let email = seed.user("doctor").await;
    sqlx::query(
        "INSERT INTO role_permissions (role_code, permission_code) VALUES ('doctor', 'audit.read'), ('doctor', 'charges.read')",
    )
        .execute(&seed.pool)
        .await
        .unwrap();
    sqlx::query(&format!("ALTER DATABASE {} SET enable_seqscan = off", seed.db_name))
        .execute(&seed.pool)
        .await
        .unwrap();
    for t in LARGE {
        sqlx::query(&format!("ANALYZE {t}")).execute(&seed.pool).await.unwrap();
    }
    let (pid, mrn): (uuid::Uuid, String) =
        sqlx::query_as("SELECT id, mrn FROM patients WHERE NOT restricted AND active ORDER BY mrn LIMIT 1")
            .fetch_one(&seed.pool)
            .await
            .unwrap();

    // A fresh pool: its connections carry enable_seqscan = off.
    let pool = hearth::db::pool_options(4).connect(&server_url(&seed.db_name)).await.unwrap();
    let state = hearth::AppState::new(pool.clone(), test_config(&[]), &hearth::REGISTRY).await.unwrap();
    let mut app = seed.another_client();
    app.router = hearth::build_app(state)
        .layer(axum::Extension(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 1, 2, 3], 1)))));
    app.login(&email, PASSWORD).await;
    let before = seq_scans(&seed.pool).await;

    let hot = [
        "/patients?q=garc".to_string(),
        "/patients?q=jose%20mul".to_string(),
        format!("/patients?q={mrn}"),
        "/patients?q=%2B447700900001".to_string(),
        "/patients?q=1980-02-14".to_string(),
        "/search/suggest?q=okaf".to_string(),
        format!("/patients/{pid}"),
        format!("/patients/{pid}/chart"),
        format!("/patients/{pid}/vitals"),
        format!("/patients/{pid}/notes"),
        format!("/patients/{pid}/problems"),
        format!("/patients/{pid}/encounters"),
        format!("/patients/{pid}/messages"),
        format!("/patients/{pid}/orders"),
        format!("/patients/{pid}/orders?status=all"),
        "/".to_string(),
        "/inbox".to_string(),
        "/patients/today".to_string(),
        format!("/audit?patient={pid}"),
        format!("/audit?user={}", email.replace('@', "%40")),
        "/audit".to_string(),
        format!("/patients/{pid}/charges"),
        "/charges".to_string(),
        format!("/charges?patient={mrn}"),
    ];
    for path in &hot {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let r = app.post_form(&format!("/patients/{pid}/vitals"), &[("pulse", "72")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    pool.close().await;
    let after = seq_scans(&seed.pool).await;
    let grown: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|((_, b), (_, a))| a > b)
        .map(|((t, b), (_, a))| format!("{t}: {} sequential scan(s)", a - b))
        .collect();
    assert!(grown.is_empty(), "hot requests scanned large tables sequentially: {grown:?}");
}
