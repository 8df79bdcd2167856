//! The `hearth` binary's commands, run as an operator would.

use std::process::Command;

use sqlx::Executor;

use crate::helpers::*;

fn hearth(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("hearth-cli-{}", uuid::Uuid::new_v4()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", server_url(&app.db_name))
        .env("HEARTH_MASTER_KEY", MASTER_KEY)
        .env("HEARTH_DATA_DIR", &dir)
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run hearth");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn audit_verify_exit_codes() {
    let app = TestApp::new().await;
    app.user("doctor").await;
    let (code, out) = hearth(&app, &["audit", "verify"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    let id: i64 = sqlx::query_scalar("SELECT min(id) FROM audit_events").fetch_one(&app.pool).await.unwrap();
    hearth::platform::audit::seal_all(&app.pool).await.unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update").await.unwrap();
    sqlx::query("UPDATE audit_events SET changes = '{}' WHERE id = $1").bind(id).execute(&mut *conn).await.unwrap();
    let (code, out) = hearth(&app, &["audit", "verify"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at event {id}")), "{out}");
}

#[tokio::test]
async fn create_admin_then_sign_in() {
    let mut app = TestApp::new().await;
    let (code, out) =
        hearth(&app, &["create-admin", "--email", "root@hospital.example"], &[("HEARTH_ADMIN_PASSWORD", "short")]);
    assert_ne!(code, 0);
    assert!(out.contains("at least 12"), "{out}");
    let (code, out) =
        hearth(&app, &["create-admin", "--email", "root@hospital.example"], &[("HEARTH_ADMIN_PASSWORD", PASSWORD)]);
    assert_eq!(code, 0, "{out}");
    app.login("root@hospital.example", PASSWORD).await;
    assert_eq!(app.get("/admin/roles").await.status, axum::http::StatusCode::OK);
    let (code, _) =
        hearth(&app, &["create-admin", "--email", "root@hospital.example"], &[("HEARTH_ADMIN_PASSWORD", PASSWORD)]);
    assert_ne!(code, 0, "a second admin with the same email is refused");
}

#[tokio::test]
async fn production_refuses_insecure_settings() {
    let app = TestApp::new().await;
    let (code, out) = hearth(&app, &["migrate"], &[("HEARTH_ENV", "production"), ("HEARTH_MASTER_KEY", "")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("HEARTH_MASTER_KEY is required"), "{out}");
    let (code, out) =
        hearth(&app, &["demo"], &[("HEARTH_ENV", "production"), ("HEARTH_BASE_URL", "https://h.example")]);
    assert_ne!(code, 0);
    assert!(out.contains("refused in production"), "{out}");
    // Demo accounts in the database: production will not serve.
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let (code, out) = hearth(
        &app,
        &["serve"],
        &[("HEARTH_ENV", "production"), ("HEARTH_BASE_URL", "https://h.example"), ("HEARTH_ADDR", "127.0.0.1:0")],
    );
    assert_ne!(code, 0);
    assert!(out.contains("demo accounts"), "{out}");
}

#[tokio::test]
async fn keys_rotate_command_reports_progress() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "K"),
                ("family_name", "Rot"),
                ("sex", "male"),
                ("age_years", "30"),
                ("phone", "+15551234567"),
            ],
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER);
    let (code, out) = hearth(&app, &["keys", "rotate"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("key version 2 is now active") && out.contains("patients.phone_enc: 1 re-encrypted"), "{out}");
}
