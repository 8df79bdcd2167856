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

/// A 422 names its fields: on the API as `errors: [{field, message}]` with a readable `detail`,
/// on a page as a list (the generic error page) or the re-rendered form.
#[tokio::test]
async fn invalid_input_is_a_structured_422() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let vitals = format!("/api/v1/patients/{pid}/vitals");

    // Validation (ehr).
    let r = app
        .api(Method::POST, &vitals, Some(&token), Some(serde_json::json!({"temperature_c": 50.0, "bp_systolic": 120})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.content_type(), "application/problem+json");
    let p = r.json();
    assert!(p["detail"].as_str().unwrap().contains("temperature_c: Temperature must be between 25 and 45"), "{p}");
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["field"] == "temperature_c" && e["message"].as_str().unwrap().contains("45")));
    assert!(errors.iter().any(|e| e["field"] == "bp_diastolic"), "{p}");

    // A body that does not fit the schema names the field too.
    let r = app.api(Method::POST, &vitals, Some(&token), Some(serde_json::json!({"temperature_c": "hot"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = r.json();
    assert_eq!(p["errors"][0]["field"], "temperature_c", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("expected f64"), "{p}");

    // Validation (patients).
    let r = app
        .api(
            Method::POST,
            "/api/v1/patients",
            Some(&token),
            Some(serde_json::json!({"given_name": "", "family_name": "Hopper", "sex": "martian"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = r.json();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"given_name") && fields.contains(&"sex"), "{p}");

    // A status outside the list, and an empty note edit: one field each.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/notes"),
            Some(&token),
            Some(serde_json::json!({"body": "x"})),
        )
        .await;
    let nid = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/patients/{pid}/notes/{nid}"),
            Some(&token),
            Some(serde_json::json!({"title": "", "body": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "title");

    // Pages: the form comes back with its messages; the generic error page lists the fields.
    let r = app.post_form(&format!("/patients/{pid}/vitals"), &[("temperature_c", "50")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Temperature must be between 25 and 45"));
    let r = app.post_form(&format!("/patients/{pid}/notes/{nid}"), &[("title", ""), ("body", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("class=\"error-fields\""), "{}", r.body);
    assert!(r.body.contains("<strong>title</strong>: Enter a title of at most 200 characters."), "{}", r.body);

    // Documented.
    let doc = app.api(Method::GET, "/api/openapi.json", None, None).await.json();
    let problem = &doc["components"]["schemas"]["ProblemDetails"]["properties"];
    assert!(problem["errors"].is_object(), "{problem}");
    assert!(doc["components"]["schemas"]["FieldError"]["properties"]["field"].is_object());
}

async fn sql(app: &TestApp, statement: &str) {
    sqlx::query(statement).execute(&app.pool).await.unwrap();
}

/// A constraint violation answers the same in every module: 409 for a duplicate or an overlap,
/// 422 for a CHECK, with a safe message (never the database's text).
#[tokio::test]
async fn constraint_violations_answer_the_same_in_every_module() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    // Constraints the application does not check first, so the database has the last word.
    sql(&app, "CREATE UNIQUE INDEX kit_one_contact ON patient_emergency_contacts (patient_id, name)").await;
    sql(&app, "CREATE UNIQUE INDEX kit_one_allergy ON allergies (patient_id, substance_code)").await;
    sql(&app, "CREATE UNIQUE INDEX kit_one_family ON patients (family_name)").await;
    sql(&app, "ALTER TABLE home_medications ADD CONSTRAINT kit_no_aspirin CHECK (name <> 'Aspirin')").await;
    sql(
        &app,
        "ALTER TABLE problems ADD CONSTRAINT kit_one_problem EXCLUDE USING gist (patient_id WITH =, icd_code WITH =)",
    )
    .await;
    let sql_text = ["duplicate key", "violates", "constraint \"", "kit_"];

    // patients, page: a second identical contact.
    let contact = [("name", "Grace Hopper"), ("relationship", "friend"), ("phone", "")];
    let r = app.post_form(&format!("/patients/{pid}/contacts"), &contact).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&format!("/patients/{pid}/contacts"), &contact).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("This would duplicate an existing record"), "{}", r.body);
    // patients, API.
    let new =
        serde_json::json!({"given_name": "Ada", "family_name": "Byron", "sex": "female", "register_anyway": true});
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(new)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let patients_detail = r.json()["detail"].as_str().unwrap().to_string();

    // ehr, API and page: the same answer.
    let allergy = serde_json::json!({"substance_code": "peanut", "severity": "severe", "reaction": "Hives"});
    let url = format!("/api/v1/patients/{pid}/allergies");
    assert_eq!(app.api(Method::POST, &url, Some(&token), Some(allergy.clone())).await.status, StatusCode::CREATED);
    let r = app.api(Method::POST, &url, Some(&token), Some(allergy)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["detail"], patients_detail.as_str(), "the same message in both modules");
    let r = app
        .post_form(&format!("/patients/{pid}/allergies"), &[("substance_code", "peanut"), ("severity", "mild")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    for answer in [&r.body, &patients_detail] {
        for t in sql_text {
            assert!(!answer.contains(t), "no SQL text: {answer}");
        }
    }

    // Exclusion: 409; CHECK: 422.
    let problem = serde_json::json!({"icd_code": "J45.909"});
    let url = format!("/api/v1/patients/{pid}/problems");
    assert_eq!(app.api(Method::POST, &url, Some(&token), Some(problem.clone())).await.status, StatusCode::CREATED);
    let r = app.api(Method::POST, &url, Some(&token), Some(problem)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("overlaps"));
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/medications"),
            Some(&token),
            Some(serde_json::json!({"name": "Aspirin", "route": "oral"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("outside what this record allows"));
}

/// Waits until a request of the app waits for a lock held by the test.
async fn until_blocked(app: &TestApp) {
    for _ in 0..500 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the request never waited for the lock");
}

/// A race the application's own check cannot see: the database refuses, and the module's
/// message for its constraint is the answer (admin: a page; patients: the API).
#[tokio::test]
async fn a_lost_race_gets_the_modules_message() {
    use axum::body::Body;
    use axum::http::header;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let (mut app, email) = TestApp::signed_in("super_admin").await;
    // admin: a facility code inserted (not yet committed) by someone else.
    let csrf = app.csrf().await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", csrf.as_str()),
        ("code", "RACE"),
        ("name", "Race Hospital"),
        ("timezone", "UTC"),
    ])
    .unwrap();
    let req = app
        .builder(Method::POST, "/admin/facilities")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'RACE', 'Other')")
        .bind(uuid::Uuid::new_v4())
        .execute(&mut *other)
        .await
        .unwrap();
    let router = app.router.clone();
    let pending = tokio::spawn(async move { router.oneshot(req).await.unwrap() });
    until_blocked(&app).await;
    other.commit().await.unwrap();
    let res = pending.await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(html.contains("Another facility has this code."), "{html}");

    // patients: the MRN the registration is about to take.
    let token = app.api_token(&email).await;
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO patients (id, facility_id, mrn, given_name, family_name, sex) VALUES ($1, $2, 'TST-000001', 'A', 'B', 'other')",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(app.facility_id)
    .execute(&mut *other)
    .await
    .unwrap();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/patients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"given_name": "Grace", "family_name": "Hopper", "sex": "female", "register_anyway": true})
                .to_string(),
        ))
        .unwrap();
    let router = app.router.clone();
    let pending = tokio::spawn(async move { router.oneshot(req).await.unwrap() });
    until_blocked(&app).await;
    other.commit().await.unwrap();
    let res = pending.await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let p: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(p["detail"].as_str().unwrap().starts_with("This MRN was given to another record"), "{p}");
}
