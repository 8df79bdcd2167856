//! The registry and the chart working together: merges carry the clinical record along, and
//! restricted records guard the chart as well as the registration page.

use axum::http::{Method, StatusCode};

use crate::helpers::*;

async fn register(app: &mut TestApp, given: &str, family: &str) -> uuid::Uuid {
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", given),
                ("family_name", family),
                ("sex", "female"),
                ("birth_date", "1970-01-01"),
                ("register_anyway", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().trim_start_matches("/patients/").parse().unwrap()
}

#[tokio::test]
async fn merge_moves_the_chart_including_signed_notes() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let survivor = register(&mut app, "Ada", "Merge").await;
    let merged = register(&mut app, "Adah", "Merge").await;
    // The merged record has a chart: a problem, vitals, a signed note and "no known allergies".
    let r = app.post_form(&format!("/patients/{merged}/problems"), &[("icd_code", "I10"), ("status", "active")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let r = app.post_form(&format!("/patients/{merged}/allergies/nka"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let token = app.api_token(&app.user("doctor").await).await;
    let note = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{merged}/notes"),
            Some(&token),
            Some(serde_json::json!({"template": "progress", "title": "Review", "body": "Stable."})),
        )
        .await;
    assert!(note.status.is_success(), "{}", note.body);
    let note_id = note.json()["id"].as_str().unwrap().to_string();
    let signed =
        app.api(Method::POST, &format!("/api/v1/patients/{merged}/notes/{note_id}/sign"), Some(&token), None).await;
    assert!(signed.status.is_success(), "{}", signed.body);
    // The survivor has an active allergy, so the merged "no known allergies" must not survive.
    let r = app
        .post_form(
            &format!("/patients/{survivor}/allergies"),
            &[("substance", "Penicillin"), ("category", "drug"), ("severity", "severe"), ("reaction", "rash")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);

    let mrn: String =
        sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1").bind(merged).fetch_one(&app.pool).await.unwrap();
    let r = app
        .post_form(&format!("/patients/{survivor}/merge"), &[("other", &mrn), ("keep", "this"), ("confirm", "on")])
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);

    for table in ["problems", "notes"] {
        let (on_survivor, on_merged): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE patient_id = $1), count(*) FILTER (WHERE patient_id = $2) FROM {table}"
        ))
        .bind(survivor)
        .bind(merged)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!((on_survivor, on_merged), (1, 0), "{table} moved to the survivor");
    }
    let nka: i64 = sqlx::query_scalar("SELECT count(*) FROM allergy_nka").fetch_one(&app.pool).await.unwrap();
    assert_eq!(nka, 0, "an active allergy outranks a merged 'no known allergies'");
    let chart = app.get(&format!("/patients/{survivor}/chart")).await;
    assert!(chart.body.contains("I10") && chart.body.contains("Penicillin"), "{}", chart.body);
    // The signed note is still locked for edits on its new record.
    let edit = app
        .api(
            Method::PUT,
            &format!("/api/v1/patients/{survivor}/notes/{note_id}"),
            Some(&token),
            Some(serde_json::json!({"title": "x", "body": "changed"})),
        )
        .await;
    assert!(edit.status.is_client_error(), "{}", edit.body);
}

#[tokio::test]
async fn restricted_records_guard_the_chart() {
    let mut app = TestApp::new().await;
    let owner = app.user("doctor").await;
    app.login(&owner, PASSWORD).await;
    let pid = register(&mut app, "Vera", "Private").await;
    // A holder of patients.restricted restricts it and puts the owner on the care team.
    let mut sa = app.another_client();
    sa.login(&app.user("super_admin").await, PASSWORD).await;
    let r = sa.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "on")]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let r = sa.post_form(&format!("/patients/{pid}/care-team"), &[("email", &owner), ("role", "GP")]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert_eq!(app.get(&format!("/patients/{pid}/chart")).await.status, StatusCode::OK, "the care team sees it");

    let other = app.user("doctor").await;
    let mut o = app.another_client();
    o.login(&other, PASSWORD).await;
    for section in ["chart", "vitals", "notes", "problems", "summary", "messages"] {
        let r = o.get(&format!("/patients/{pid}/{section}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{section}");
        assert_eq!(r.location(), format!("/patients/{pid}"), "{section}: to the break-glass page");
    }
    let r = o.post_form(&format!("/patients/{pid}/vitals"), &[("pulse", "80")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no writes either");
    let tok = o.api_token(&other).await;
    let r = o.api(Method::GET, &format!("/api/v1/patients/{pid}/vitals"), Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = o
        .post_form(
            &format!("/patients/{pid}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Patient deteriorating in the ED, need history")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(o.get(&format!("/patients/{pid}/chart")).await.status, StatusCode::OK, "after breaking the glass");
    let page = o.get(&format!("/patients/{pid}")).await;
    assert!(page.body.contains("Emergency access active until"), "a banner while access lasts");
    // The privacy review lists it; reviewing it is recorded.
    let admin = app.user("hospital_admin").await;
    let mut a = app.another_client();
    a.login(&admin, PASSWORD).await;
    let report = a.get("/admin/break-glass").await;
    assert!(report.body.contains("Patient deteriorating in the ED") && report.body.contains("Emergency treatment"));
    let gid: uuid::Uuid = sqlx::query_scalar("SELECT id FROM patient_break_glass").fetch_one(&app.pool).await.unwrap();
    let r = a.post_form(&format!("/admin/break-glass/{gid}/review"), &[("note", "Justified: ED admission")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let reviewed: bool = sqlx::query_scalar("SELECT reviewed_at IS NOT NULL FROM patient_break_glass")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(reviewed);
    assert_eq!(app.audit_count("break_glass.review").await, 1);
    assert!(!a.get("/admin/break-glass").await.body.contains("Mark reviewed"), "nothing left to review");
    assert!(a.get("/admin/break-glass?all=1").await.body.contains("Justified: ED admission"));
    // An empty reason kind is refused.
    let r = o.post_form(&format!("/patients/{pid}/break-glass"), &[("reason", "Patient deteriorating badly")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let vitals: i64 = sqlx::query_scalar("SELECT count(*) FROM vitals").fetch_one(&app.pool).await.unwrap();
    assert_eq!(vitals, 0);
}
