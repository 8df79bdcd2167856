use hearth::db::embedded::EmbeddedPg;

use crate::helpers::*;

/// The embedded default: a private cluster is created, serves queries and stops with its owner.
#[tokio::test]
async fn embedded_cluster_starts_and_stops() {
    if hearth::db::embedded::find_bindir().is_none() {
        eprintln!("skipping: no PostgreSQL server binaries installed");
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("embedded-{}", uuid::Uuid::new_v4()));
    let pg = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || EmbeddedPg::start(&dir)
    })
    .await
    .unwrap()
    .expect("embedded cluster starts");
    let port = pg.port;
    let pool =
        hearth::db::connect_with_retry(&pg.url("postgres"), 2, std::time::Duration::from_secs(30)).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(one, 1);
    // Password authentication is on: a wrong password is refused.
    let wrong = sqlx::PgPool::connect(&format!("postgres://postgres:wrong@127.0.0.1:{port}/postgres")).await;
    assert!(wrong.is_err());
    pool.close().await;
    drop(pg);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "server stopped with its owner");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn demo_seed_is_idempotent() {
    let app = TestApp::new().await;
    let first = hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    assert!(first.created);
    let count = app.patient_count().await;
    assert_eq!(count, first.patients as i64);
    assert!(first.patients > hearth::demo::PATIENTS, "plus unidentified, VIP and a merged pair");
    let second = hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    assert!(!second.created);
    assert_eq!(app.patient_count().await, count);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email LIKE '%@demo.hearth'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 12);
    let facilities: i64 = sqlx::query_scalar("SELECT count(*) FROM facilities WHERE code IN ('HGH', 'RCH')")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(facilities, 2);
    // The admin's TOTP secret is stored encrypted and decrypts to the published one.
    let blob: Vec<u8> = sqlx::query_scalar("SELECT totp_secret_enc FROM users WHERE email = 'admin@demo.hearth'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.state.keys.decrypt(&blob, "users.totp_secret").unwrap(), hearth::demo::ADMIN_TOTP_SECRET);
    let report = hearth::platform::audit::verify(&app.pool).await.unwrap();
    assert_eq!(report.first_broken, None);
}

#[tokio::test]
async fn migrations_are_current_on_a_fresh_database() {
    let app = TestApp::new().await;
    assert!(hearth::db::migrations_current(&app.pool).await.unwrap());
}
