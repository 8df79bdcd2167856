use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn token_then_bearer_calls() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let me = app.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], email.as_str());
    let created = app
        .api(Method::POST, "/api/v1/patients", Some(&token), Some(serde_json::json!({"given_name": "Api", "family_name": "Person", "sex": "female", "phone": "+15550001111"})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let list = app.api(Method::GET, "/api/v1/patients?q=person", Some(&token), None).await;
    assert_eq!(list.json()["items"][0]["id"], id.as_str());
    let one = app.api(Method::GET, &format!("/api/v1/patients/{id}"), Some(&token), None).await;
    assert_eq!(one.json()["phone"], "+15550001111");
    assert_eq!(app.audit_count("auth.token_issued").await, 1);
    assert_eq!(app.audit_count("patient.view").await, 1);
}

#[tokio::test]
async fn errors_are_problem_json() {
    let mut app = TestApp::new().await;
    let email = app.user("pharmacist").await;
    let token = app.api_token(&email).await;

    let r = app.api(Method::GET, "/api/v1/patients", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    assert_eq!(r.json()["status"], 401);

    let r = app.api(Method::GET, "/api/v1/me", Some("not.a.jwt"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let r = app
        .api(
            Method::POST,
            "/api/v1/patients",
            Some(&token),
            Some(serde_json::json!({"given_name": "A", "family_name": "B", "sex": "male"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "pharmacists cannot register");
    assert_eq!(r.content_type(), "application/problem+json");

    let r = app.api(Method::GET, "/api/v1/patients?limit=1000", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["detail"].as_str().unwrap().contains("limit"));

    let r = app
        .api(Method::POST, "/api/v1/auth/token", None, Some(serde_json::json!({"email": email, "password": "wrong"})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.content_type(), "application/problem+json");

    let r = app.api(Method::GET, "/api/v1/nothing-here", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), "application/problem+json");
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_are_4xx_and_change_nothing() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let send = |body: &'static str, ct: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/patients")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    let r = app.request(send("{not json", "application/json")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), "application/problem+json");
    let r = app.request(send("{\"given_name\": 5}", "application/json")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.request(send("given_name=x", "text/plain")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.content_type(), "application/problem+json");
    let r = app
        .api(
            Method::POST,
            "/api/v1/patients",
            Some(&token),
            Some(serde_json::json!({"given_name": "", "family_name": "B", "sex": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().unwrap().contains("given_name"));
    assert_eq!(app.patient_count().await, 0);
}

#[tokio::test]
async fn api_ignores_session_cookies() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let req = app.builder(Method::GET, "/api/v1/me").body(Body::empty()).unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a browser cookie is not an API credential");
}

#[tokio::test]
async fn expired_token_is_refused() {
    let mut app = TestApp::with_config(&[("HEARTH_API_TOKEN_MINUTES", "1")]).await;
    let email = app.user("doctor").await;
    let uid: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&app.pool).await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = hearth::platform::auth::token::Claims {
        sub: uid,
        iat: now - 600,
        exp: now - 60,
        jti: uuid::Uuid::new_v4(),
        iss: "hearth".into(),
        typ: None,
        sst: None,
    };
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = Some(hearth::platform::auth::token::key_id(1));
    let tok = jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(&app.state.keys.jwt_secret(1)))
        .unwrap();
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&tok), None).await.status, StatusCode::UNAUTHORIZED);
    let valid = app.api_token(&email).await;
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&valid), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn openapi_describes_the_api() {
    let mut app = TestApp::new().await;
    let r = app.api(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in ["/api/v1/auth/token", "/api/v1/me", "/api/v1/patients", "/api/v1/patients/{id}"] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
}

#[tokio::test]
async fn dates_are_iso_strings() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let body =
        serde_json::json!({"given_name": "Iso", "family_name": "Date", "sex": "male", "birth_date": "1969-06-17"});
    let created = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(body)).await;
    let id = created.json()["id"].as_str().unwrap().to_string();
    let one = app.api(Method::GET, &format!("/api/v1/patients/{id}"), Some(&token), None).await;
    assert_eq!(one.json()["birth_date"], "1969-06-17");
    assert!(one.json()["created_at"].as_str().unwrap().contains('T'));
}

#[tokio::test]
async fn temporary_password_must_be_changed_before_api_use() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    sqlx::query("UPDATE users SET must_change_password = true WHERE email = $1")
        .bind(&email)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .api(Method::POST, "/api/v1/auth/token", None, Some(serde_json::json!({"email": email, "password": PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["detail"].as_str().unwrap().contains("new password"));
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
}
