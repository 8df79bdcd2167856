use axum::http::{Method, StatusCode};
use base64::Engine;
use hearth::platform::auth::token::{key_id, Claims};
use hearth::platform::keys;

use crate::helpers::*;

/// Registers a client through the admin page; returns (client_id, secret).
async fn register(app: &mut TestApp, scopes: &[&str], ip_allow: &str) -> (String, String) {
    let fac = app.facility_id.to_string();
    let mut fields: Vec<(&str, &str)> =
        vec![("name", "Lab analyser bridge"), ("facility_id", &fac), ("ip_allow", ip_allow)];
    for s in scopes {
        fields.push(("scopes", s));
    }
    let r = app.post_form("/admin/api-clients", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let block = r.body.split("id=\"client-secret\"").nth(1).unwrap();
    let mut codes = block.split("<code class=\"mono\">").skip(1).map(|s| s.split('<').next().unwrap().to_string());
    (codes.next().unwrap(), codes.next().unwrap())
}

async fn client_token(app: &mut TestApp, cid: &str, secret: &str) -> crate::helpers::TestResponse {
    let body = serde_json::json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret});
    app.api(Method::POST, "/api/v1/auth/token", None, Some(body)).await
}

#[tokio::test]
async fn client_credentials_scopes_and_audit() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let (cid, secret) = register(&mut app, &["patients.read"], "").await;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_clients").fetch_one(&app.pool).await.unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret), "only a hash is stored");
    assert_eq!(client_token(&mut app, &cid, "wrong").await.status, StatusCode::UNAUTHORIZED);
    let r = client_token(&mut app, &cid, &secret).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let tok = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.api(Method::GET, "/api/v1/patients", Some(&tok), None).await.status, StatusCode::OK);
    let body = serde_json::json!({"given_name": "A", "family_name": "B", "sex": "male"});
    let r = app.api(Method::POST, "/api/v1/patients", Some(&tok), Some(body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a missing scope gets 403");
    let calls: Vec<(String, Option<uuid::Uuid>, String)> = sqlx::query_as(
        "SELECT actor_label, actor_user_id, entity_id FROM audit_events WHERE action = 'api.call' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].0, format!("api-client:{cid}"));
    assert_eq!(calls[0].1, None);
    assert_eq!(calls[0].2, "GET /api/v1/patients");
    // Disabled: the token stops working at once, and no new token is issued.
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM api_clients").fetch_one(&app.pool).await.unwrap();
    let r = app.post_form(&format!("/admin/api-clients/{id}/enabled"), &[("enabled", "false")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.api(Method::GET, "/api/v1/patients", Some(&tok), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(client_token(&mut app, &cid, &secret).await.status, StatusCode::UNAUTHORIZED);
    assert!(app.audit_count("security.bad_token").await >= 1);
}

#[tokio::test]
async fn client_address_allow_list() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let (cid, secret) = register(&mut app, &["patients.read"], "192.0.2.0/24").await;
    let tok = client_token(&mut app, &cid, &secret).await.json()["access_token"].as_str().unwrap().to_string();
    // The test client calls from 10.1.2.3.
    assert_eq!(app.api(Method::GET, "/api/v1/patients", Some(&tok), None).await.status, StatusCode::UNAUTHORIZED);
    let (cid2, secret2) = register(&mut app, &["patients.read"], "10.1.2.0/24\n2001:db8::/32").await;
    let tok2 = client_token(&mut app, &cid2, &secret2).await.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.api(Method::GET, "/api/v1/patients", Some(&tok2), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_client_registrations_are_refused() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let r = app.post_form("/admin/api-clients", &[("name", "X"), ("scopes", "users.manage")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form("/admin/api-clients", &[("name", "X"), ("scopes", "patients.read"), ("ip_allow", "not-an-ip")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not an address"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM api_clients").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
    let nurse = app.user("hospital_admin").await;
    let mut h = app.another_client();
    h.login(&nurse, PASSWORD).await;
    assert_eq!(h.get("/admin/api-clients").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn forged_and_foreign_tokens_are_refused() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let uid: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&app.pool).await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        sub: uid,
        iat: now,
        exp: now + 300,
        jti: uuid::Uuid::new_v4(),
        iss: "hearth".into(),
        typ: None,
        sst: None,
    };
    // alg: none
    let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(serde_json::json!({"alg": "none", "typ": "JWT", "kid": key_id(1)})),
        b64(serde_json::to_value(&claims).unwrap())
    );
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&none), None).await.status, StatusCode::UNAUTHORIZED);
    // Signed with another key.
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = Some(key_id(1));
    let foreign =
        jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(b"some other key entirely")).unwrap();
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&foreign), None).await.status, StatusCode::UNAUTHORIZED);
    // Unknown key id.
    h.kid = Some(key_id(7));
    let unknown =
        jsonwebtoken::encode(&h, &claims, &jsonwebtoken::EncodingKey::from_secret(&app.state.keys.jwt_secret(7)))
            .unwrap();
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&unknown), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some("x".repeat(5000).as_str()), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT entity_id FROM audit_events WHERE action = 'security.bad_token' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(reasons, ["malformed", "bad_signature_or_expired", "unknown_key"]);
}

#[tokio::test]
async fn signing_keys_rotate_with_grace_for_the_previous_version() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let old = app.api_token(&email).await;
    let header = jsonwebtoken::decode_header(&old).unwrap();
    assert_eq!(header.kid.as_deref(), Some("hearth-v1"));
    let v = keys::activate_next(&app.pool).await.unwrap();
    app.state.refresh_key_version().await;
    let new = app.api_token(&email).await;
    assert_eq!(jsonwebtoken::decode_header(&new).unwrap().kid, Some(key_id(v)));
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&old), None).await.status,
        StatusCode::OK,
        "previous key still valid"
    );
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&new), None).await.status, StatusCode::OK);
    keys::activate_next(&app.pool).await.unwrap();
    app.state.refresh_key_version().await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&old), None).await.status,
        StatusCode::UNAUTHORIZED,
        "two rotations later it is gone"
    );
}
