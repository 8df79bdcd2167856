//! The example module, end to end through HTTP: the chart tab, the API, validation, the race on
//! a double entry, entered-in-error, roles, the timeline, merge and export.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM immunizations").fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn a_nurse_records_vaccines_on_the_chart_tab() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Lovelace"),
            ("sex", "female"),
            ("birth_date", "1950-12-10"),
        ])
        .await;
    let tab = app.get(&format!("/patients/{pid}/immunizations")).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(
        tab.body.contains("No immunizations recorded")
            && tab.body.contains("Influenza, seasonal, injectable, preservative free")
    );
    assert!(tab.body.contains(">Immunizations</a>"), "the chart tab comes from the registry");

    let r = app
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[
                ("cvx", "140"),
                ("occurred_on", "2026-10-15"),
                ("occurred_time", "09:30"),
                ("lot_number", "FK12345"),
                ("expiry_date", "2027-03-31"),
                ("site", "left_arm"),
                ("route", "IM"),
                ("dose_ml", "0,5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tab = app.get(&format!("/patients/{pid}/immunizations")).await;
    assert!(tab.body.contains("FK12345") && tab.body.contains("0.5 mL") && tab.body.contains("Left arm (deltoid)"));
    let (at, ml): (time::OffsetDateTime, f64) =
        sqlx::query_as("SELECT occurred_at, dose_ml::float8 FROM immunizations").fetch_one(&app.pool).await.unwrap();
    assert_eq!((at.to_string().as_str(), ml), ("2026-10-15 9:30:00.0 +00:00:00", 0.5));
    assert_eq!(app.audit_count("immunizations.immunization.create").await, 1);

    // Not given: the reason is required; the form keeps what was typed.
    let r = app
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[("cvx", "33"), ("status", "not_done"), ("lot_number", "KEEPME")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Say why the vaccine was not given") && r.body.contains("KEEPME"));
    assert_eq!(count(&app).await, 1, "nothing saved");
    let r = app
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[("cvx", "33"), ("status", "not_done"), ("not_done_reason", "patient_objection")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The chart's timeline shows both, from the registry's timeline sources.
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Immunization") && chart.body.contains("lot FK12345"), "timeline");
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_changes_nothing() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = app
        .register_patient(&[("given_name", "Bo"), ("family_name", "Ng"), ("sex", "male"), ("birth_date", "2000-01-01")])
        .await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/immunizations");
    for (body, field) in [
        (json!({"cvx": ""}), "cvx"),
        (json!({"cvx": "999"}), "cvx"),
        (json!({"cvx": "140", "occurred_on": "2099-01-01"}), "occurred_on"),
        (json!({"cvx": "140", "occurred_on": "1999-12-31"}), "occurred_on"),
        (json!({"cvx": "140", "dose_ml": "-1"}), "dose_ml"),
        (json!({"cvx": "140", "site": "ear"}), "site"),
        (json!({"cvx": "140", "lot_number": "X".repeat(41)}), "lot_number"),
        (json!({"cvx": "140", "occurred_on": "2026-11-01", "expiry_date": "2026-10-01"}), "note"),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"));
        let errors = r.json()["errors"].clone();
        assert!(errors.as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {errors}");
    }
    assert_eq!(count(&app).await, 0);
    // An expired lot is recordable with its reason, and flagged.
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"cvx": "140", "occurred_on": "2026-11-01", "expiry_date": "2026-10-01",
            "note": "Only lot in stock; manufacturer's extension letter on file."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(app.get(&format!("/patients/{pid}/immunizations")).await.body.contains("Expired when given"));
}

#[tokio::test]
async fn the_same_dose_recorded_twice_at_once_is_stored_once() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Cy"),
            ("family_name", "Race"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/immunizations");
    let body = json!({"cvx": "115", "occurred_on": "2026-11-20", "occurred_time": "10:00"});
    let calls = (0..6).map(|_| {
        let mut c = app.another_client();
        let (url, token, body) = (url.clone(), token.clone(), body.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((created, conflicts.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already recorded"), "{}", conflicts[0].body);
    assert_eq!(count(&app).await, 1);
}

#[tokio::test]
async fn entered_in_error_needs_a_reason_and_happens_once() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Di"),
            ("family_name", "Err"),
            ("sex", "female"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/immunizations");
    let id = app.api(Method::POST, &url, Some(&token), Some(json!({"cvx": "21"}))).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.api(Method::POST, &format!("{url}/{id}/error"), Some(&token), Some(json!({"reason": " "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(Method::POST, &format!("{url}/{id}/error"), Some(&token), Some(json!({"reason": "Wrong patient"})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, &format!("{url}/{id}/error"), Some(&token), Some(json!({"reason": "Again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &format!("{url}/not-a-uuid/error"), Some(&token), Some(json!({"reason": "x"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The same vaccine can be recorded again once the wrong entry is out of the way.
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"cvx": "21"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = app.api(Method::GET, &url, Some(&token), None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(app.audit_count("immunizations.immunization.entered_in_error").await, 1);
}

#[tokio::test]
async fn roles_without_the_permissions_are_refused() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ed"),
            ("family_name", "Role"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    for role in ["receptionist", "billing_clerk", "lab_technician", "radiologist", "hospital_admin"] {
        let mut c = app.another_client();
        c.login(&app.user(role).await, PASSWORD).await;
        assert_eq!(
            c.get(&format!("/patients/{pid}/immunizations")).await.status,
            StatusCode::FORBIDDEN,
            "{role} reads"
        );
        let r = c.post_form(&format!("/patients/{pid}/immunizations"), &[("cvx", "140")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} writes");
    }
    assert_eq!(count(&app).await, 0);
    // The navigation and the tab are the registry's: the tab shows for holders only.
    let mut p = app.another_client();
    p.login(&app.user("pharmacist").await, PASSWORD).await;
    assert_eq!(p.get(&format!("/patients/{pid}/immunizations")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn immunizations_follow_a_merge_and_are_exported() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let a = app
        .register_patient(&[
            ("given_name", "Fay"),
            ("family_name", "Merge"),
            ("sex", "female"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let b = app
        .register_patient(&[
            ("given_name", "Faye"),
            ("family_name", "Merge"),
            ("sex", "female"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let r =
        app.post_form(&format!("/patients/{b}/immunizations"), &[("cvx", "43"), ("occurred_on", "2025-05-05")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mrn: String =
        sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid").bind(&b).fetch_one(&app.pool).await.unwrap();
    let r =
        app.post_form(&format!("/patients/{a}/merge"), &[("other", &mrn), ("keep", "this"), ("confirm", "true")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let owner: uuid::Uuid =
        sqlx::query_scalar("SELECT patient_id FROM immunizations").fetch_one(&app.pool).await.unwrap();
    assert_eq!(owner.to_string(), a, "the immunization moved to the survivor");
    let export = app.get(&format!("/patients/{a}/export.json")).await.json();
    assert_eq!(export["immunizations"][0]["cvx"], "43", "{export}");
}
