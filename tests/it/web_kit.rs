//! The web kit every module uses: id path parameters, pagination, structured 422s, constraint
//! violations, uploads, form macros and charts, each seen through HTTP in more than one module.

use axum::http::{Method, StatusCode};

use crate::helpers::*;

async fn patient(app: &mut TestApp) -> String {
    app.register_patient(&[
        ("given_name", "Ada"),
        ("family_name", "Byron"),
        ("sex", "female"),
        ("birth_date", "1980-12-10"),
    ])
    .await
}

/// Malformed ids in the path are 404 everywhere (pages and API), never 400 or 500.
#[tokio::test]
async fn malformed_path_ids_are_not_found() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let pid = patient(&mut app).await;
    for path in [
        "/admin/users/not-a-uuid".to_string(),
        "/admin/facilities/1234".to_string(),
        format!("/patients/{pid}/notes/not-a-uuid"),
        format!("/patients/{pid}/documents/zzz"),
        format!("/patients/{pid}/documents/00000000-0000-0000-0000-000000000000/versions/one/content"),
        format!("/patients/{pid}/documents/00000000-0000-0000-0000-000000000000/versions/99999999999/content"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(r.content_type().starts_with("text/html"), "{path}: an HTML error page");
    }
    for (path, fields) in [
        ("/admin/jobs/abc/retry".to_string(), vec![]),
        (format!("/patients/{pid}/notes/%ZZ/sign"), vec![]),
        (format!("/patients/{pid}/encounters/x/status"), vec![("status", "finished")]),
        ("/account/sessions/nope/revoke".to_string(), vec![]),
    ] {
        let r = app.post_form(&path, &fields).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "POST {path}: {}", r.body);
    }
    let token = app.api_token(&email).await;
    for path in [
        format!("/api/v1/patients/{pid}/notes/not-a-uuid"),
        format!("/api/v1/patients/{pid}/documents/1/versions/1/content"),
        format!("/api/v1/patients/{pid}/documents/00000000-0000-0000-0000-000000000000/versions/x/content"),
    ] {
        let r = app.api(Method::GET, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert_eq!(r.content_type(), "application/problem+json", "{path}");
        assert_eq!(r.json()["status"], 404);
    }
}
