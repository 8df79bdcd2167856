use axum::http::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn my_sessions_lists_and_revokes() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let mut other = app.another_client();
    other.login(&email, PASSWORD).await;
    let page = app.get("/account/sessions").await;
    assert_eq!(page.body.matches("hearth-tests").count(), 2);
    assert!(page.body.contains("This session"));
    assert!(page.body.contains("10.1.2.3"));
    let other_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM sessions ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let r = app.post_form(&format!("/account/sessions/{other_id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(other.get("/").await.location().starts_with("/login"), "revocation takes effect on the next request");
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    // Someone else's session id is not yours to revoke.
    let stranger = app.user("doctor").await;
    let mut s = app.another_client();
    s.login(&stranger, PASSWORD).await;
    let sid: uuid::Uuid = sqlx::query_scalar("SELECT id FROM sessions ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.post_form(&format!("/account/sessions/{sid}/revoke"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.get("/").await.status, StatusCode::OK);
    // Sign out all others.
    let mut third = app.another_client();
    third.login(&email, PASSWORD).await;
    assert_eq!(app.post_form("/account/sessions/revoke-others", &[]).await.status, StatusCode::SEE_OTHER);
    assert!(third.get("/").await.location().starts_with("/login"));
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn session_limit_per_role_revokes_the_oldest() {
    let mut app = TestApp::new().await;
    sqlx::query("UPDATE roles SET max_sessions = 2 WHERE code = 'receptionist'").execute(&app.pool).await.unwrap();
    let email = app.user("receptionist").await;
    let mut first = app.another_client();
    first.login(&email, PASSWORD).await;
    let mut second = app.another_client();
    second.login(&email, PASSWORD).await;
    app.login(&email, PASSWORD).await;
    assert!(first.get("/").await.location().starts_with("/login"), "oldest ended");
    assert_eq!(second.get("/").await.status, StatusCode::OK);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    assert_eq!(app.audit_count("session.limit_revoked").await, 1);
}

#[tokio::test]
async fn role_change_and_admin_revoke_end_sessions() {
    // A super admin: a hospital admin may not grant the doctor role (it lacks chart permissions).
    let (mut admin, _) = TestApp::signed_in("super_admin").await;
    let email = admin.user("nurse").await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&admin.pool).await.unwrap();
    let mut n = admin.another_client();
    n.login(&email, PASSWORD).await;
    let fac = admin.facility_id.to_string();
    let r = admin
        .post_form(
            &format!("/admin/users/{id}"),
            &[("display_name", "Nurse"), ("roles", "doctor"), ("facilities", &fac)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(n.get("/").await.location().starts_with("/login"));
    n.login(&email, PASSWORD).await;
    let r = admin.post_form(&format!("/admin/users/{id}/revoke-sessions"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(n.get("/").await.location().starts_with("/login"));
    assert_eq!(admin.audit_count("session.admin_revoke").await, 1);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let mut app = TestApp::new().await;
    let mut last = None;
    for i in 0..31 {
        let r = app
            .post_form("/login", &[("email", &format!("nobody{i}@test.hearth")), ("password", "wrong password 1")])
            .await;
        last = Some(r);
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry));
    assert!(r.content_type().starts_with("text/html"));
    assert_eq!(app.audit_count("security.rate_limited").await, 1);
    let r = app
        .api(
            axum::http::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(serde_json::json!({"email": "x@y.z", "password": "p"})),
        )
        .await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "the API has its own budget");
}

#[tokio::test]
async fn security_events_page() {
    let mut app = TestApp::new().await;
    let admin = app.user("hospital_admin").await;
    let victim = app.user("nurse").await;
    for _ in 0..5 {
        app.post_form("/login", &[("email", &victim), ("password", "not it at all")]).await;
    }
    app.login(&admin, PASSWORD).await;
    let page = app.get("/admin/security").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("auth.lockout") && page.body.contains(&victim));
    assert!(page.body.contains("security.new_ip"), "first admin sign-in from this address");
    let nurse = app.user("nurse").await;
    let mut n = app.another_client();
    n.login(&nurse, PASSWORD).await;
    assert_eq!(n.get("/admin/security").await.status, StatusCode::FORBIDDEN);
}
