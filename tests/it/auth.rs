use axum::http::StatusCode;
use hearth::platform::auth::routes::GENERIC_FAILURE;

use crate::helpers::*;

#[tokio::test]
async fn sign_in_and_out() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let res = app.login(&email, PASSWORD).await;
    assert_eq!(res.location(), "/");
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hearth_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "dev over http has no Secure flag");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(&app.pool).await.unwrap();
    let token = app.cookies["hearth_session"].clone();
    assert_ne!(stored, token.as_bytes(), "only the hash is stored");
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Welcome, doctor"));
    let out = app.post_form("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
    assert_eq!(app.get("/").await.location(), "/login?next=%2F");
    assert_eq!(app.audit_count("auth.login").await, 1);
    assert_eq!(app.audit_count("auth.logout").await, 1);
}

#[tokio::test]
async fn secure_cookie_outside_dev() {
    let mut app = TestApp::with_config(&[("HEARTH_ENV", "demo"), ("HEARTH_BASE_URL", "https://h.example")]).await;
    let email = app.user("nurse").await;
    let res = app.login(&email, PASSWORD).await;
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hearth_session="))
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(res.headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let mut app = TestApp::new().await;
    let email = app.user("nurse").await;
    assert!(app.get("/login").await.body.contains("after 15 minutes without activity"));
    let a = app.post_form("/login", &[("email", &email), ("password", "wrong password!!")]).await;
    let b = app.post_form("/login", &[("email", "nobody@test.hearth"), ("password", "wrong password!!")]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.status, b.status);
    assert!(a.body.contains(GENERIC_FAILURE) && b.body.contains(GENERIC_FAILURE));
    assert!(!app.cookies.contains_key("hearth_session"));
}

#[tokio::test]
async fn lockout_after_five_failures() {
    let mut app = TestApp::new().await;
    let email = app.user("receptionist").await;
    for _ in 0..5 {
        let r = app.post_form("/login", &[("email", &email), ("password", "not the password")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.audit_count("auth.lockout").await, 1);
    // Even the right password is refused while locked, with the same answer.
    let r = app.post_form("/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(GENERIC_FAILURE));
    assert_eq!(app.audit_count("auth.login_locked").await, 1);
    let minutes: f64 = sqlx::query_scalar(
        "SELECT (extract(epoch FROM locked_until - now()) / 60)::float8 FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((14.0..=15.1).contains(&minutes), "locked for {minutes} minutes");
    // After the lock expires the account works again.
    sqlx::query("UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1")
        .bind(&email)
        .execute(&app.pool)
        .await
        .unwrap();
    app.login(&email, PASSWORD).await;
}

#[tokio::test]
async fn idle_timeout_ends_the_session() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    assert_eq!(app.get("/patients").await.status, StatusCode::OK);
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'").execute(&app.pool).await.unwrap();
    let res = app.get("/patients").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
    let login = app.get(res.location()).await;
    assert!(login.body.contains("session expired"), "{}", login.body);
    let revoked: bool =
        sqlx::query_scalar("SELECT revoked_at IS NOT NULL FROM sessions").fetch_one(&app.pool).await.unwrap();
    assert!(revoked);
}

#[tokio::test]
async fn absolute_lifetime_ends_the_session() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'").execute(&app.pool).await.unwrap();
    assert!(app.get("/patients").await.location().starts_with("/login"));
}

#[tokio::test]
async fn session_rotates_at_sign_in() {
    let mut app = TestApp::new().await;
    let email = app.user("nurse").await;
    app.login(&email, PASSWORD).await;
    let first = app.cookies["hearth_session"].clone();
    // Signing in again while holding a session replaces it.
    let token = app.csrf().await;
    let body = serde_urlencoded::to_string([("csrf_token", token.as_str()), ("email", &email), ("password", PASSWORD)])
        .unwrap();
    let r = app.post_raw("/login", &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = app.cookies["hearth_session"].clone();
    assert_ne!(first, second);
    app.cookies.insert("hearth_session".into(), first);
    assert!(app.get("/").await.location().starts_with("/login"), "the old session is dead");
}

#[tokio::test]
async fn password_change_enforces_policy_and_history() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let try_change =
        |new: &'static str| [("current_password", PASSWORD), ("new_password", new), ("confirm_password", new)];
    let r = app.post_form("/account/password", &try_change("short")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("at least 12"));
    let r = app.post_form("/account/password", &try_change("password1234")).await;
    assert!(r.body.contains("commonly used"));
    let r = app.post_form("/account/password", &try_change(PASSWORD)).await;
    assert!(r.body.contains("used this password recently"), "{}", r.body);
    let r = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "Brand-New-Pass-1"),
                ("confirm_password", "Brand-New-Pass-1"),
            ],
        )
        .await;
    assert!(r.body.contains("current password is wrong"));

    // A second session that must end on change.
    let mut other = app.another_client();
    other.login(&email, PASSWORD).await;
    let r = app.post_form("/account/password", &try_change("Brand-New-Pass-1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(other.get("/").await.location().starts_with("/login"));
    assert_eq!(app.get("/").await.status, StatusCode::OK, "this session stays");

    // Cycle through four more; the first new one is still among the last five.
    for (i, pw) in ["Brand-New-Pass-2", "Brand-New-Pass-3", "Brand-New-Pass-4"].iter().enumerate() {
        let cur = if i == 0 { "Brand-New-Pass-1".to_string() } else { format!("Brand-New-Pass-{}", i + 1) };
        let r = app
            .post_form(
                "/account/password",
                &[("current_password", &cur), ("new_password", pw), ("confirm_password", pw)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "Brand-New-Pass-4"),
                ("new_password", "Brand-New-Pass-1"),
                ("confirm_password", "Brand-New-Pass-1"),
            ],
        )
        .await;
    assert!(r.body.contains("used this password recently"));
    assert_eq!(app.audit_count("user.password_changed").await, 4);
}

#[tokio::test]
async fn forced_reset_sends_the_user_to_change_password() {
    let (mut admin, _) = TestApp::signed_in("hospital_admin").await;
    let email = admin.user("nurse").await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&admin.pool).await.unwrap();
    let r = admin.post_form(&format!("/admin/users/{id}/reset-password"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let temp = r.body.split("<code class=\"mono\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let mut nurse = admin.another_client();
    nurse.login(&email, &temp).await;
    assert_eq!(nurse.get("/patients").await.location(), "/account/password");
    let r = nurse
        .post_form(
            "/account/password",
            &[
                ("current_password", &temp),
                ("new_password", "Nurse-Fresh-Pass-9"),
                ("confirm_password", "Nurse-Fresh-Pass-9"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(nurse.get("/patients").await.status, StatusCode::OK);
    assert_eq!(admin.audit_count("user.password_reset").await, 1);
}

#[tokio::test]
async fn deactivated_user_loses_sessions_and_tokens() {
    let (mut admin, _) = TestApp::signed_in("hospital_admin").await;
    let email = admin.user("doctor").await;
    let token = admin.api_token(&email).await;
    let mut doc = admin.another_client();
    doc.login(&email, PASSWORD).await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&admin.pool).await.unwrap();
    let r = admin.post_form(&format!("/admin/users/{id}/active"), &[("active", "false"), ("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(doc.get("/").await.location().starts_with("/login"));
    assert_eq!(
        admin.api(axum::http::Method::GET, "/api/v1/me", Some(&token), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = doc.post_form("/login", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
