use axum::http::{header, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn security_headers_on_every_response() {
    let mut app = TestApp::new().await;
    for path in ["/login", "/healthz", "/nope", "/static/css/app.css"] {
        let r = app.get(path).await;
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{path}: {csp}");
        assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(r.headers.contains_key(header::REFERRER_POLICY));
        assert!(r.headers.contains_key("x-request-id"));
        assert!(!r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "no HSTS in dev");
    }
}

#[tokio::test]
async fn csrf_is_required_on_forms() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let form = "given_name=Ann&family_name=Lee&sex=female";
    let r = app.post_raw("/patients", form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("security token"));
    let r = app.post_raw("/patients", &format!("{form}&csrf_token=forged")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A token from another session does not work either.
    let mut other = app.another_client();
    let stolen = other.csrf().await;
    let r = app.post_raw("/patients", &format!("{form}&csrf_token={stolen}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // JSON bodies to page routes are not a way around it.
    let req = app
        .builder(axum::http::Method::POST, "/logout")
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.patient_count().await, 0);
    let token = app.csrf().await;
    let r = app.post_raw("/patients", &format!("{form}&csrf_token={token}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The htmx header form works too (a second Ann Lee is a possible duplicate: confirm it).
    let req = app
        .builder(axum::http::Method::POST, "/patients")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-csrf-token", &token)
        .body(axum::body::Body::from(format!("{form}&register_anyway=on")))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_form_needs_its_csrf_cookie() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let r = app.post_raw("/login", &format!("email={}&password={}", email.replace('@', "%40"), PASSWORD)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!app.cookies.contains_key("hearth_session"));
}

#[tokio::test]
async fn bad_input_gets_clear_4xx_pages() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.content_type().starts_with("text/html") && r.body.contains("Not found"));
    let r = app.get("/patients?q=a&q=b").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a malformed query string");
    assert!(r.content_type().starts_with("text/html"));
    let token = app.csrf().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let r = app.post_raw("/patients", &format!("csrf_token={token}&given_name={big}")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.content_type().starts_with("text/html"));
    let req = app.builder(axum::http::Method::DELETE, "/patients").body(axum::body::Body::empty()).unwrap();
    let r = app.request(req).await;
    assert!(r.status == StatusCode::METHOD_NOT_ALLOWED || r.status == StatusCode::FORBIDDEN, "{}", r.status);
    assert_eq!(app.patient_count().await, 0);
}

#[tokio::test]
async fn anonymous_pages_redirect_to_sign_in_with_next() {
    let mut app = TestApp::new().await;
    let r = app.get("/patients?q=x").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fpatients");
    let login = app.get("/login?next=//evil.example").await;
    assert!(login.body.contains("name=\"next\" value=\"/\""), "open redirects are refused");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let mut app = TestApp::new().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.get("/login").await;
    let m = app.get("/metrics").await;
    assert!(
        m.body.contains("hearth_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 1"),
        "{}",
        m.body
    );
    assert!(m.body.contains("hearth_http_request_duration_seconds_bucket"));
    assert!(m.body.contains("hearth_db_pool_connections"));
}

#[tokio::test]
async fn lost_database_gives_503_and_recovers() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    // Kill every connection of the app's pool: the next requests must reconnect by themselves.
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut ok = false;
    for _ in 0..5 {
        if app.get("/readyz").await.status == StatusCode::OK {
            ok = true;
            break;
        }
    }
    assert!(ok, "recovers after connections are lost");
    assert_eq!(app.get("/patients").await.status, StatusCode::OK);

    // A database that is not there at all.
    let cfg = test_config(&[]);
    let dead = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres:x@127.0.0.1:1/none")
        .unwrap();
    let state = hearth::AppState::new(dead, cfg).await.unwrap();
    let router = hearth::build_app(state);
    use tower::ServiceExt;
    let res = router
        .clone()
        .oneshot(axum::http::Request::get("/readyz").body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = router
        .oneshot(
            axum::http::Request::get("/login")
                .header(header::COOKIE, "hearth_session=abc")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/html"));
}
