use axum::http::{Method, StatusCode};
use hearth::platform::auth::mfa;

use crate::helpers::*;

/// Enrols the signed-in client through the UI; returns the secret and the backup codes.
pub(crate) async fn enrol(app: &mut TestApp) -> (String, Vec<String>) {
    let page = app.get("/account/mfa").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"), "QR code rendered inline");
    let secret = page.body.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let wrong = app.post_form("/account/mfa/confirm", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = mfa::code_at(&secret, mfa::now_secs());
    let r = app.post_form("/account/mfa/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r
        .body
        .split("<ul class=\"code-list mono\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

pub(crate) async fn password_step(app: &mut TestApp, email: &str) {
    let r = app.post_form("/login", &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/mfa"), "{}", r.location());
}

#[tokio::test]
async fn totp_sign_in_with_replay_rejected() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (secret, _) = enrol(&mut app).await;
    assert_eq!(app.audit_count("mfa.enrolled").await, 1);
    let secret_blob: Vec<u8> = sqlx::query_scalar("SELECT totp_secret_enc FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&secret_blob).contains(&secret), "secret stored encrypted");

    let mut b = app.another_client();
    password_step(&mut b, &email).await;
    // Until the code is given, nothing else opens.
    assert_eq!(b.get("/patients").await.location(), "/mfa");
    // The code used at enrolment is spent: the next step's code works, once.
    let next = mfa::code_at(&secret, mfa::now_secs() + mfa::STEP);
    let r = b.post_form("/mfa", &[("code", &next), ("next", "/patients")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/patients");
    assert_eq!(b.get("/patients").await.status, StatusCode::OK);

    let mut c = app.another_client();
    password_step(&mut c, &email).await;
    let replay = c.post_form("/mfa", &[("code", &next)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "a used code is refused");
    assert!(replay.body.contains("already used"));
    assert_eq!(c.get("/").await.location(), "/mfa");
    assert!(app.audit_count("auth.mfa_failed").await >= 1);
}

#[tokio::test]
async fn backup_codes_work_once() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let (_, codes) = enrol(&mut app).await;
    let mut b = app.another_client();
    password_step(&mut b, &email).await;
    let r = b.post_form("/mfa", &[("code", &codes[0].to_uppercase())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut c = app.another_client();
    password_step(&mut c, &email).await;
    assert_eq!(c.post_form("/mfa", &[("code", &codes[0])]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.post_form("/mfa", &[("code", &codes[1])]).await.status, StatusCode::SEE_OTHER);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM mfa_backup_codes WHERE used_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 8);
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM mfa_backup_codes").fetch_all(&app.pool).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 32 && !String::from_utf8_lossy(h).contains(&codes[2][..5])));
}

#[tokio::test]
async fn roles_that_require_mfa_enrol_first() {
    let mut app = TestApp::new().await;
    sqlx::query("UPDATE roles SET mfa_required = true WHERE code = 'pharmacist'").execute(&app.pool).await.unwrap();
    let email = app.user("pharmacist").await;
    app.login(&email, PASSWORD).await;
    assert_eq!(app.get("/patients").await.location(), "/account/mfa");
    let page = app.get("/account/mfa").await;
    assert!(page.body.contains("Your role requires two-step verification"));
    enrol(&mut app).await;
    assert_eq!(app.get("/patients").await.status, StatusCode::OK);
    // A role without the requirement is not forced.
    let nurse = app.user("nurse").await;
    let mut n = app.another_client();
    n.login(&nurse, PASSWORD).await;
    assert_eq!(n.get("/patients").await.status, StatusCode::OK);
}

#[tokio::test]
async fn mfa_failures_lock_the_account() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    enrol(&mut app).await;
    let mut b = app.another_client();
    password_step(&mut b, &email).await;
    for _ in 0..4 {
        assert_eq!(b.post_form("/mfa", &[("code", "123456")]).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = b.post_form("/mfa", &[("code", "123456")]).await;
    assert_eq!(r.location(), "/login");
    assert_eq!(app.audit_count("auth.lockout").await, 1);
    let r = b.post_form("/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "locked");
}

#[tokio::test]
async fn api_token_needs_the_code() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let (secret, codes) = enrol(&mut app).await;
    let r = app
        .api(Method::POST, "/api/v1/auth/token", None, Some(serde_json::json!({"email": email, "password": PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["detail"].as_str().unwrap().contains("totp"));
    let r = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(serde_json::json!({"email": email, "password": PASSWORD, "totp": "999999"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let code = mfa::code_at(&secret, mfa::now_secs() + mfa::STEP);
    let r = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(serde_json::json!({"email": email, "password": PASSWORD, "totp": code})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(serde_json::json!({"email": email, "password": PASSWORD, "totp": codes[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "a backup code works too");
}

#[tokio::test]
async fn admin_resets_mfa() {
    let mut app = TestApp::new().await;
    let admin = app.user("hospital_admin").await;
    let doc = app.user("doctor").await;
    let mut d = app.another_client();
    d.login(&doc, PASSWORD).await;
    enrol(&mut d).await;
    app.login(&admin, PASSWORD).await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&doc).fetch_one(&app.pool).await.unwrap();
    let r = app.post_form(&format!("/admin/users/{id}/reset-mfa"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(d.get("/").await.location().starts_with("/login"), "sessions ended");
    let mut d2 = app.another_client();
    d2.login(&doc, PASSWORD).await;
    assert_eq!(d2.get("/").await.status, StatusCode::OK, "no second step any more");
    assert_eq!(app.audit_count("mfa.reset").await, 1);
}

#[tokio::test]
async fn demo_admin_uses_the_published_secret() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    password_step_with(&mut app, "admin@demo.hearth", hearth::demo::PASSWORD).await;
    let code = mfa::code_at(hearth::demo::ADMIN_TOTP_SECRET, mfa::now_secs());
    let r = app.post_form("/mfa", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get("/admin/roles").await.status, StatusCode::OK);
}

async fn password_step_with(app: &mut TestApp, email: &str, pw: &str) {
    let r = app.post_form("/login", &[("email", email), ("password", pw)]).await;
    assert!(r.location().starts_with("/mfa"), "{}", r.location());
}
