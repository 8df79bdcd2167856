//! CSV import, rights of the patient (export, summary, erasure, rectification) and the
//! registry API.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const GOOD: &str = "given_name,family_name,sex,birth_date,phone,national_id,email\n\
Ada,Lovelace,female,1815-12-10,,,\n\
Alan,Turing,male,1912-06-23,+44 7700 900100,UK1234567,alan@example.org\n";

#[tokio::test]
async fn import_is_all_or_nothing_with_a_report() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    assert_eq!(app.get("/patients/import").await.status, StatusCode::OK);
    // Row 2: date too old; row 4: future birth and bad sex; row 5: duplicate ID within the file.
    let csv = "given_name,family_name,sex,birth_date,national_id\n\
Ada,Lovelace,female,1815-12-10,\n\
Grace,Hopper,female,1906-12-09,US1111\n\
Bad,Row,robot,2999-01-01,\n\
Dup,Person,male,,US1111\n";
    let r = app.post_multipart("/patients/import", &[("mode", "all")], ("file", "p.csv", csv.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Nothing was imported"));
    for s in ["too far in the past", "in the future", "Choose female, male", "earlier row"] {
        assert!(r.body.contains(s), "{s}");
    }
    assert!(r.body.contains("<td>2</td>") && r.body.contains("<td>4</td>") && r.body.contains("<td>5</td>"));
    assert_eq!(app.patient_count().await, 0);
    // Explicitly importing the valid rows: only Grace.
    let r = app.post_multipart("/patients/import", &[("mode", "valid")], ("file", "p.csv", csv.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Imported 1 of 4 rows"));
    assert_eq!(app.patient_count().await, 1);
    // Her national ID is now on file: a second import reports it.
    let r = app
        .post_multipart(
            "/patients/import",
            &[],
            ("file", "p.csv", b"given_name,family_name,sex,national_id\nG,H,female,us-1111\n".as_slice()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already registered (TST-000001)"));
    // A clean file imports fully, with one audit event per patient plus the import.
    let good = GOOD.replace("1815-12-10", "1915-12-10");
    let r = app.post_multipart("/patients/import", &[], ("file", "good.csv", good.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.patient_count().await, 3);
    assert_eq!(app.audit_count("patient.import").await, 2);
    assert!(app.get("/patients?q=alan%40example.org").await.body.contains("Turing, Alan"));
}

#[tokio::test]
async fn import_refuses_lying_large_or_unauthorised_uploads() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    // Binary content named .csv.
    let r =
        app.post_multipart("/patients/import", &[], ("file", "p.csv", b"PK\x03\x04binaryzip".as_slice()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not a CSV text file"));
    let r = app
        .post_multipart(
            "/patients/import",
            &[],
            ("file", "p.csv", b"given_name,family_name,sex\n\xff\xfe,x,y\n".as_slice()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not UTF-8"));
    let r = app.post_multipart("/patients/import", &[], ("file", "p.exe", GOOD.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        app.post_multipart("/patients/import", &[], ("file", "p.csv", b"name,sex\nA,male\n".as_slice()), true).await;
    assert!(r.body.contains("Unknown column"));
    // Too large (over 1 MiB) and too many rows.
    let mut big = String::from("given_name,family_name,sex\n");
    while big.len() < 1100 * 1024 {
        big.push_str("Aaaaaaaaaa,Bbbbbbbbbbbbbbbbb,female\n");
    }
    let r = app.post_multipart("/patients/import", &[], ("file", "big.csv", big.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let many = format!("given_name,family_name,sex\n{}", "A,B,male\n".repeat(5001));
    let r = app.post_multipart("/patients/import", &[], ("file", "many.csv", many.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("more than 5000 rows"));
    // CSRF: multipart needs the token in the query string; a wrong one is refused.
    let r = app.post_multipart("/patients/import", &[], ("file", "p.csv", GOOD.as_bytes()), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r =
        app.post_multipart("/patients/import?csrf_token=forged", &[], ("file", "p.csv", GOOD.as_bytes()), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The query-string token is accepted for multipart only, never for urlencoded forms.
    let token = app.csrf().await;
    let r = app.post_raw(&format!("/patients?csrf_token={token}"), "given_name=A&family_name=B&sex=male").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.patient_count().await, 0);
    // Nurses may not import.
    let email = app.user("nurse").await;
    let mut nurse = app.another_client();
    nurse.login(&email, PASSWORD).await;
    let r = nurse.post_multipart("/patients/import", &[], ("file", "p.csv", GOOD.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn export_and_summary_are_audited() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let id = app
        .register_patient(&[
            ("given_name", "Ann"),
            ("family_name", "Lee"),
            ("sex", "female"),
            ("phone", "+44 7700 900555"),
        ])
        .await;
    app.post_form(&format!("/patients/{id}/contacts"), &[("name", "Bob"), ("phone", "+44 7700 900556")]).await;
    app.post_form(&format!("/patients/{id}/consents"), &[("kind", "treatment"), ("decision", "granted")]).await;
    let r = app.get(&format!("/patients/{id}/export.json")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().contains("patient-TST-000001.json"));
    let doc = r.json();
    assert_eq!(doc["format"], "hearth.patient-export/1");
    assert_eq!(doc["patient"]["mrn"], "TST-000001");
    assert_eq!(doc["patient"]["phone"], "+44 7700 900555");
    assert_eq!(doc["emergency_contacts"][0]["phone"], "+44 7700 900556");
    assert_eq!(doc["consents"][0]["kind"], "treatment");
    assert_eq!(app.audit_count("patient.export").await, 1);
    let s = app.get(&format!("/patients/{id}/registration-summary")).await;
    assert!(s.body.contains("Patient summary") && s.body.contains("Lee, Ann") && s.body.contains("Bob"));
    assert_eq!(app.audit_count("patient.print").await, 1);
}

#[tokio::test]
async fn erasure_pseudonymises_and_rectification_leads_to_edit() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let id = app
        .register_patient(&[
            ("given_name", "Ann"),
            ("family_name", "Lee"),
            ("sex", "female"),
            ("birth_date", "1970-05-17"),
            ("phone", "+44 7700 900555"),
            ("national_id", "AB123456C"),
            ("email", "ann@example.org"),
            ("address", "1 Road"),
            ("emergency_name", "Bob"),
        ])
        .await;
    // Bad request: 422, nothing filed.
    let r = app.post_form(&format!("/patients/{id}/requests"), &[("kind", "forget"), ("details", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for kind in ["erasure", "rectification"] {
        let r = app
            .post_form(&format!("/patients/{id}/requests"), &[("kind", kind), ("details", "Asked at the desk")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let rids: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, kind FROM patient_rights_requests ORDER BY requested_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    // Receptionists file but do not decide.
    let r = app.post_form(&format!("/patients/{id}/requests/{}/decide", rids[0].0), &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let email = app.user("hospital_admin").await;
    let mut admin = app.another_client();
    admin.login(&email, PASSWORD).await;
    let page = admin.get(&format!("/patients/{id}/requests")).await;
    assert!(page.body.contains("Approve"));
    let r = admin
        .post_form(
            &format!("/patients/{id}/requests/{}/decide", rids[0].0),
            &[("decision", "approve"), ("note", "verified ID")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Identity gone, blind indexes cleared, clinical/administrative keys kept.
    type Bytes = Option<Vec<u8>>;
    let row: (String, String, Bytes, Bytes, Bytes, Option<time::Date>, String) = sqlx::query_as(
        "SELECT given_name, family_name, phone_bidx, national_id_bidx, email_enc, birth_date, mrn FROM patients",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((row.0.as_str(), row.1.as_str()), ("Erased", "Erased"));
    assert!(row.2.is_none() && row.3.is_none() && row.4.is_none());
    assert_eq!(row.5.map(|d| d.to_string()), Some("1970-01-01".into()), "birth year kept");
    assert_eq!(row.6, "TST-000001");
    let contacts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM patient_emergency_contacts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(contacts, 0);
    assert!(!app.get("/patients?q=lee").await.body.contains("TST-000001"));
    assert!(!app.get("/patients?q=AB123456C").await.body.contains("TST-000001"));
    assert_eq!(app.audit_count("patient.erase").await, 1);
    // Deciding twice is refused.
    let r = admin.post_form(&format!("/patients/{id}/requests/{}/decide", rids[0].0), &[("decision", "reject")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Approving the rectification as a user who can edit leads to the edit form.
    let sa = app.user("super_admin").await;
    let mut sa_client = app.another_client();
    sa_client.login(&sa, PASSWORD).await;
    let r =
        sa_client.post_form(&format!("/patients/{id}/requests/{}/decide", rids[1].0), &[("decision", "approve")]).await;
    assert_eq!(r.location(), format!("/patients/{id}/edit"));
    assert_eq!(app.audit_count("patient.request.decide").await, 2);
}

#[tokio::test]
async fn registry_api_create_patch_search_merge_export() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let t = Some(token.as_str());
    let body = json!({"given_name": "Api", "family_name": "Person", "sex": "female", "birth_date": "1990-01-02",
        "national_id": "ZZ998877", "insurance_number": "INS-1", "birth_date_estimated": false});
    let a = app.api(Method::POST, "/api/v1/patients", t, Some(body.clone())).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a_id = a.json()["id"].as_str().unwrap().to_string();
    // The same person again: 409 naming the candidate, unless confirmed.
    let dup = app.api(Method::POST, "/api/v1/patients", t, Some(body.clone())).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.content_type(), "application/problem+json");
    assert!(dup.json()["detail"].as_str().unwrap().contains("TST-000001 (score"));
    let mut forced = body.clone();
    forced["register_anyway"] = json!(true);
    forced["national_id"] = json!(null);
    let b = app.api(Method::POST, "/api/v1/patients", t, Some(forced)).await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    let b_id = b.json()["id"].as_str().unwrap().to_string();
    // Validation errors are problem+json 422.
    let bad = app
        .api(
            Method::POST,
            "/api/v1/patients",
            t,
            Some(json!({"given_name": "X", "family_name": "Y", "sex": "male", "birth_date": "2999-01-01"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["detail"].as_str().unwrap().contains("birth_date"));

    // PATCH changes only what is sent; unknown fields are refused.
    let p = app
        .api(
            Method::PATCH,
            &format!("/api/v1/patients/{a_id}"),
            t,
            Some(json!({"preferred_name": "Apy", "phone": "+15550001111"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.json()["preferred_name"], "Apy");
    assert_eq!(p.json()["national_id"], "ZZ998877");
    let p = app.api(Method::PATCH, &format!("/api/v1/patients/{a_id}"), t, Some(json!({"mrn": "X"}))).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = app.api(Method::PATCH, &format!("/api/v1/patients/{a_id}"), t, Some(json!({"birth_date": "nope"}))).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("patient.update").await, 1);

    // Search with the same filters.
    let s = app.api(Method::GET, "/api/v1/patients?q=%2B15550001111", t, None).await;
    assert_eq!(s.json()["items"][0]["id"], a_id.as_str());
    let s = app.api(Method::GET, "/api/v1/patients?q=ins-1&limit=1", t, None).await;
    assert_eq!(s.json()["items"].as_array().unwrap().len(), 1);
    assert!(s.json()["next"].is_string());

    // Merge: into itself refused; b into a works; again refused.
    let m = app.api(Method::POST, &format!("/api/v1/patients/{a_id}/merge"), t, Some(json!({"merged": a_id}))).await;
    assert_eq!(m.status, StatusCode::CONFLICT);
    assert!(m.json()["detail"].as_str().unwrap().contains("itself"));
    let m = app.api(Method::POST, &format!("/api/v1/patients/{a_id}/merge"), t, Some(json!({"merged": b_id}))).await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let m = app.api(Method::POST, &format!("/api/v1/patients/{a_id}/merge"), t, Some(json!({"merged": b_id}))).await;
    assert_eq!(m.status, StatusCode::CONFLICT);
    let got = app.api(Method::GET, &format!("/api/v1/patients/{b_id}"), t, None).await;
    assert_eq!(got.json()["merged_into"], a_id.as_str());

    let e = app.api(Method::GET, &format!("/api/v1/patients/{a_id}/export"), t, None).await;
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(e.json()["merged_records"][0]["id"], b_id.as_str());
    assert_eq!(app.audit_count("patient.export").await, 1);

    // RBAC: a nurse cannot merge; the OpenAPI document lists the new paths.
    let nurse = app.user("nurse").await;
    let nt = app.api_token(&nurse).await;
    let m = app
        .api(Method::POST, &format!("/api/v1/patients/{a_id}/merge"), Some(&nt), Some(json!({"merged": b_id})))
        .await;
    assert_eq!(m.status, StatusCode::FORBIDDEN);
    let doc = app.api(Method::GET, "/api/openapi.json", None, None).await.json();
    for p in ["/api/v1/patients/{id}/merge", "/api/v1/patients/{id}/export"] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
    assert!(doc["paths"]["/api/v1/patients/{id}"]["patch"].is_object());
}
