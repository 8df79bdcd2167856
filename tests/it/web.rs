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
    let form = "given_name=Ann&family_name=Lee&sex=female&age_years=30";
    let r = app.post_raw("/patients", form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("The form could not be accepted"));
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
    let m = app.metrics().await;
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
    let state = hearth::AppState::new(dead, cfg, &hearth::REGISTRY).await.unwrap();
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

#[tokio::test]
async fn client_request_ids_are_kept_only_when_well_formed() {
    let mut app = TestApp::new().await;
    let req = app
        .builder(axum::http::Method::GET, "/healthz")
        .header("x-request-id", "abc-123-def-456")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.headers.get("x-request-id").unwrap(), "abc-123-def-456");
    let req = app
        .builder(axum::http::Method::GET, "/healthz")
        .header("x-request-id", "<script>\"x\"</script>")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.request(req).await;
    let id = r.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36, "replaced by a fresh uuid: {id}");
}

#[tokio::test]
async fn forwarded_client_address_only_behind_a_trusted_proxy() {
    for (trust, expected) in [("false", "10.1.2.3"), ("true", "203.0.113.9")] {
        let mut app = TestApp::with_config(&[("HEARTH_TRUST_PROXY", trust)]).await;
        let email = app.user("doctor").await;
        let token = app.csrf().await;
        let body =
            serde_urlencoded::to_string([("csrf_token", token.as_str()), ("email", &email), ("password", PASSWORD)])
                .unwrap();
        let req = app
            .builder(axum::http::Method::POST, "/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.9")
            .body(axum::body::Body::from(body))
            .unwrap();
        assert_eq!(app.request(req).await.status, StatusCode::SEE_OTHER);
        let ip: String = sqlx::query_scalar("SELECT host(ip) FROM audit_events WHERE action = 'auth.login'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(ip, expected, "trust_proxy={trust}");
    }
}

#[tokio::test]
async fn a_different_master_key_is_refused() {
    let app = TestApp::new().await;
    let other = test_config(&[("HEARTH_MASTER_KEY", "b3RoZXItbWFzdGVyLWtleS0zMi1ieXRlcy1sb25nISE=")]);
    let err = hearth::AppState::new(app.pool.clone(), other, &hearth::REGISTRY).await.err().expect("refused");
    assert!(err.to_string().contains("HEARTH_MASTER_KEY does not match"), "{err}");
    assert!(hearth::AppState::new(app.pool.clone(), test_config(&[]), &hearth::REGISTRY).await.is_ok());
}

#[tokio::test]
async fn oversized_cookies_and_headers_are_refused_and_logged() {
    let mut app = TestApp::new().await;
    let req = app
        .builder(axum::http::Method::GET, "/login")
        .header(header::COOKIE, format!("junk={}", "x".repeat(9000)))
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let req = axum::http::Request::get("/api/v1/me")
        .header("x-filler", "y".repeat(17000))
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(app.audit_count("security.oversized_headers").await, 2);
}
