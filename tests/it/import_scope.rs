//! API clients granted the `import` scope on the admin page are limited at their own rate
//! (`HEARTH_IMPORT_RATE_PER_MIN`), the others at the normal per-client rate (issue 14,
//! "Throughput").

use axum::http::{Method, StatusCode};

use crate::helpers::*;

/// Registers a client through the admin page; returns its token and its row id.
async fn client(app: &mut TestApp, name: &str, import: bool) -> (String, uuid::Uuid) {
    let fac = app.facility_id.to_string();
    let mut fields: Vec<(&str, &str)> = vec![("name", name), ("facility_id", &fac), ("scopes", "patients.read")];
    if import {
        fields.push(("import", "on"));
    }
    let r = app.post_form("/admin/api-clients", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let block = r.body.split("id=\"client-secret\"").nth(1).unwrap();
    let mut codes = block.split("<code class=\"mono\">").skip(1).map(|s| s.split('<').next().unwrap().to_string());
    let (cid, secret) = (codes.next().unwrap(), codes.next().unwrap());
    let body = serde_json::json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret});
    let t = app.api(Method::POST, "/api/v1/auth/token", None, Some(body)).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    let id = sqlx::query_scalar("SELECT id FROM api_clients WHERE client_id = $1")
        .bind(&cid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (t.json()["access_token"].as_str().unwrap().to_string(), id)
}

/// Sets the client's hits in the current window (as if it had sent that many requests).
async fn used(app: &TestApp, id: uuid::Uuid, hits: i32) {
    sqlx::query("UPDATE rate_limits SET hits = $2 WHERE key = $1")
        .bind(format!("api:{id}"))
        .bind(hits)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_import_client_has_its_own_rate_limit() {
    let mut app = TestApp::with_config(&[("HEARTH_IMPORT_RATE_PER_MIN", "900")]).await;
    let email = app.user("super_admin").await;
    app.login(&email, PASSWORD).await;
    let page = app.get("/admin/api-clients").await;
    assert!(page.body.contains("name=\"import\"") && page.body.contains("900 requests a minute"));

    let (plain, plain_id) = client(&mut app, "Lab bridge", false).await;
    let (import, import_id) = client(&mut app, "Migration", true).await;
    let scopes: Vec<String> = sqlx::query_scalar("SELECT scopes FROM api_clients WHERE id = $1")
        .bind(import_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(scopes, ["patients.read", "import"]);

    // Both have used the normal allowance (600 a minute).
    for (tok, id) in [(&plain, plain_id), (&import, import_id)] {
        assert_eq!(app.api(Method::GET, "/api/v1/patients", Some(tok), None).await.status, StatusCode::OK);
        used(&app, id, 600).await;
    }
    let r = app.api(Method::GET, "/api/v1/patients", Some(&plain), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "a client without the import scope stops at 600");
    let r = app.api(Method::GET, "/api/v1/patients", Some(&import), None).await;
    assert_eq!(r.status, StatusCode::OK, "the import client goes on: {}", r.body);
    // …up to its own limit.
    used(&app, import_id, 900).await;
    let r = app.api(Method::GET, "/api/v1/patients", Some(&import), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The scope grants no permission: still 403 for a write.
    used(&app, import_id, 0).await;
    let body = serde_json::json!({"given_name": "A", "family_name": "B", "sex": "male"});
    assert_eq!(
        app.api(Method::POST, "/api/v1/patients", Some(&import), Some(body)).await.status,
        StatusCode::FORBIDDEN
    );
}
