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
        .api(
            Method::POST,
            &vitals,
            Some(&token),
            Some(serde_json::json!({"temperature_c": 50.0, "bp_systolic": 80, "bp_diastolic": 90})),
        )
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
    // A note edit comes back as the note page with the message on its field (issue 13).
    let r = app.post_form(&format!("/patients/{pid}/notes/{nid}"), &[("title", ""), ("body", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<a href=\"#title\">Enter a title of at most 200 characters.</a>"), "{}", r.body);
    // A status outside the list on a page without its own form: the generic page lists the field.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/encounters"),
            Some(&token),
            Some(serde_json::json!({"kind": "telephone", "status": "in_progress"})),
        )
        .await;
    let eid = r.json()["id"].as_str().unwrap().to_string();
    let r = app.post_form(&format!("/patients/{pid}/encounters/{eid}/status"), &[("status", "bogus")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("class=\"error-fields\""), "{}", r.body);
    assert!(r.body.contains("<strong>status</strong>: &#34;bogus&#34; is not an encounter status"), "{}", r.body);

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
    // (Recorded anyway past the duplicate check, so that the database has the last word.)
    let mut allergy = allergy;
    allergy["record_anyway"] = true.into();
    allergy["duplicate_reason"] = "a second reaction".into();
    let r = app.api(Method::POST, &url, Some(&token), Some(allergy)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["detail"], patients_detail.as_str(), "the same message in both modules");
    let r = app
        .post_form(
            &format!("/patients/{pid}/allergies"),
            &[
                ("substance_code", "peanut"),
                ("severity", "mild"),
                ("record_anyway", "true"),
                ("duplicate_reason", "again"),
            ],
        )
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
    let problem = serde_json::json!({"icd_code": "J45.909", "record_anyway": true, "duplicate_reason": "again"});
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

/// Every list pages the same way: `?after=<cursor>&limit=n`, `{items, next}` on the API, one
/// pager on pages, and a cursor that is not one of the list's is a 400 (never a 500, never
/// silently the first page).
#[tokio::test]
async fn lists_page_with_one_kind_of_cursor() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let api = |path: &str| format!("/api/v1/patients/{pid}/{path}");
    for t in ["36.5", "37.0", "37.5"] {
        let r = app.post_form(&format!("/patients/{pid}/vitals"), &[("temperature_c", t)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    // API: two pages of two and one, newest first, no row twice.
    let p1 = app.api(Method::GET, &api("vitals?limit=2"), Some(&token), None).await.json();
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap().to_string();
    let p2 = app.api(Method::GET, &api(&format!("vitals?limit=2&after={next}")), Some(&token), None).await.json();
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert!(p2["next"].is_null());
    let temps: Vec<f64> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|v| v["temperature_c"].as_f64().unwrap())
        .collect();
    assert_eq!(temps.len(), 3);

    // Bad cursors and limits: 400 problem+json on every paginated API list.
    let audit_cursor = hearth::web::paging::encode(&42_i64);
    for list in ["encounters", "vitals", "notes", "documents", "timeline"] {
        for q in ["after=garbage", "after=%00", &format!("after={audit_cursor}"), "limit=0", "limit=100000"] {
            let r = app.api(Method::GET, &api(&format!("{list}?{q}")), Some(&token), None).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{list}?{q}: {}", r.body);
            assert_eq!(r.content_type(), "application/problem+json");
        }
        let r = app.api(Method::GET, &api(list), Some(&token), None).await.json();
        assert!(r["items"].is_array() && r.get("next").is_some(), "{list}: {r}");
    }
    let r = app.api(Method::GET, "/api/v1/patients?after=garbage", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Pages: the same 400 for a bad cursor on every paginated list.
    for path in [
        "/admin/users".to_string(),
        "/admin/jobs".to_string(),
        "/admin/security".to_string(),
        "/audit".to_string(),
        "/patients".to_string(),
        "/patients/today".to_string(),
        format!("/patients/{pid}/chart"),
        format!("/patients/{pid}/encounters"),
        format!("/patients/{pid}/vitals"),
        format!("/patients/{pid}/notes"),
        format!("/patients/{pid}/documents"),
        format!("/patients/{pid}/messages"),
    ] {
        let r = app.get(&format!("{path}?after=not-a-cursor")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.body.contains("after is not a cursor of this list"), "{path}");
    }

    // The pager: forward with the cursor, back to the first page.
    let r = app.get(&format!("/patients/{pid}/vitals?limit=2")).await;
    assert_eq!(r.status, StatusCode::OK);
    let marker = format!("href=\"/patients/{pid}/vitals?after=");
    let start = r.body.find(&marker).unwrap_or_else(|| panic!("a next link: {}", r.body)) + 6;
    let href = r.body[start..].split('"').next().unwrap().replace("&amp;", "&");
    assert!(r.body.contains("rel=\"next\">Older →</a>"));
    let r = app.get(&href).await;
    assert_eq!(r.status, StatusCode::OK, "{href}");
    assert!(r.body.contains(&format!("href=\"/patients/{pid}/vitals\">← Newest</a>")), "{}", r.body);
    assert!(!r.body.contains("rel=\"next\""), "the last page has no next link");
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(&[0u8; 64]);
    v
}

/// One upload helper in every module: the content is sniffed and must agree with the name
/// (documents, the patient photo, the CSV import), limits answer 413, stored files come back
/// with their own type, `nosniff` and a `Content-Disposition`, never as HTML.
#[tokio::test]
async fn uploads_are_sniffed_and_served_safely() {
    use axum::http::header;

    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let pid = patient(&mut app).await;
    let pdf = crate::documents::pdf();

    // The same refusal in each module: a PNG under another name.
    let docs = format!("/patients/{pid}/documents");
    let r = app.post_multipart(&docs, &[("category", "other")], ("file", "scan.pdf", &png()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("it is named scan.pdf but holds a PNG image"), "{}", r.body);
    let photo = format!("/patients/{pid}/photo");
    let r = app.post_multipart(&photo, &[], ("photo", "me.jpg", &png()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("it is named me.jpg but holds a PNG image"), "{}", r.body);
    let r = app.post_multipart("/patients/import", &[("mode", "all")], ("file", "people.csv", &png()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("people.csv is not a CSV text file"), "{}", r.body);
    // A PDF that is also a web page.
    let html = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF".to_vec();
    let r = app.post_multipart(&docs, &[("category", "other")], ("file", "x.pdf", &html), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not a well-formed PDF"));
    // Limits: a file over its field's limit is 413 naming it; a text field is short.
    let mut big = png();
    big.resize(600 * 1024, 0);
    let r = app.post_multipart(&photo, &[], ("photo", "big.png", &big), true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("larger than 512 KiB"), "{}", r.body);
    let long = "x".repeat(5000);
    let r = app.post_multipart("/patients/import", &[("mode", &long)], ("file", "p.csv", b"a,b\n"), true).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Served back: their own type, nosniff, a disposition; never inline HTML.
    let r = app.post_multipart(&docs, &[("category", "other")], ("file", "letter.pdf", &pdf), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let doc = r.location().to_string();
    for (query, disposition) in [("", "inline;"), ("?download=1", "attachment;")] {
        let r = app.get(&format!("{doc}/versions/1/content{query}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type(), "application/pdf");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let cd = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(cd.starts_with(disposition) && cd.contains("letter.pdf"), "{cd}");
    }
    let r = app.post_multipart(&photo, &[], ("photo", "me.png", &png()), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.get(&photo).await;
    assert_eq!(r.content_type(), "image/png");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline; filename=\"photo.png\""));
}

/// The form macros: a field in error names its message (and hint) with aria-describedby, and
/// the error summary links to each field, on the registration form and the chart's forms.
#[tokio::test]
async fn forms_tie_errors_and_hints_to_their_fields() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let r = app.post_form("/patients", &[("given_name", ""), ("family_name", "Byron"), ("sex", "female")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("class=\"flash flash-error error-summary\""), "{}", r.body);
    assert!(r.body.contains("<a href=\"#given_name\">"), "the summary links to the field");
    assert!(r.body.contains("id=\"given_name\" name=\"given_name\" type=\"text\" value=\"\" autocomplete=\"off\" aria-invalid=\"true\" aria-describedby=\"given_name-error\""), "{}", r.body);
    assert!(r.body.contains("<p class=\"field-error\" id=\"given_name-error\">"));
    assert!(r.body.contains("<option value=\"female\" selected>female</option>"), "the select keeps its value");

    let pid = patient(&mut app).await;
    let r = app.post_form(&format!("/patients/{pid}/problems"), &[("icd_code", "nonsense")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("aria-describedby=\"icd_code-hint icd_code-error\""), "{}", r.body);
    assert!(r.body.contains("<p class=\"hint muted small\" id=\"icd_code-hint\">"));
    let r = app.get(&format!("/patients/{pid}/vitals")).await;
    assert!(r.body.contains("aria-describedby=\"pulse-hint\""), "a hint alone is tied too");
}
