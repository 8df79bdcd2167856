//! The record holds real patients (issue 14, "Patients"): other identifiers (searchable by a
//! previous MRN, encrypted at rest), other names, birth sex, marital status, a structured address,
//! and race/ethnicity only where the installation records them — through the API and the pages.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

fn synthea_like() -> serde_json::Value {
    json!({
        "given_name": "Mara", "family_name": "Quist", "sex": "female", "birth_date": "1961-03-04",
        "birth_sex": "female", "marital_status": "M", "name_prefix": "Mrs.", "name_suffix": "PhD",
        "address": "12 Elm Street", "address_line2": "Flat 3", "city": "Springfield", "district": "Hampden",
        "state": "Massachusetts", "postcode": "01103", "country": "US",
        "identifiers": [
            {"kind": "previous_mrn", "issuer": "https://github.com/synthetichealth/synthea", "value": "SYN-77812"},
            {"kind": "passport", "issuer": "US", "value": "X12345678", "period_start": "2015-01-01", "period_end": "2025-01-01"}
        ],
        "names": [{"use": "maiden", "given": "Mara", "family": "Lindqvist"}],
        "register_anyway": true
    })
}

#[tokio::test]
async fn identifiers_names_and_address_through_the_api() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(synthea_like())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();

    let p = app.api(Method::GET, &format!("/api/v1/patients/{id}"), Some(&token), None).await.json();
    assert_eq!(p["address"], "12 Elm Street");
    assert_eq!(p["address_line2"], "Flat 3");
    assert_eq!(p["city"], "Springfield");
    assert_eq!(p["postcode"], "01103");
    assert_eq!(p["country"], "US");
    assert_eq!(p["birth_sex"], "female");
    assert_eq!(p["marital_status"], "M");
    assert_eq!(p["name_prefix"], "Mrs.");
    assert_eq!(p["name_suffix"], "PhD");
    assert!(p.get("race").is_none(), "race is left out where not recorded");
    let mut long = synthea_like();
    long["name_prefix"] = json!("Dr. ".repeat(15));
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(long)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("name_prefix: At most 40 characters"), "{}", r.body);
    assert_eq!(p["identifiers"].as_array().unwrap().len(), 2);
    assert_eq!(p["identifiers"][0]["kind"], "previous_mrn");
    assert_eq!(p["identifiers"][0]["value"], "SYN-77812");
    assert_eq!(p["identifiers"][1]["period_end"], "2025-01-01");
    assert_eq!(p["names"][0]["use"], "maiden");
    assert_eq!(p["names"][0]["family"], "Lindqvist");
    assert_eq!(p["family_name"], "Quist", "the official name stays the main one");

    // Encrypted at rest: neither the value nor the maiden name is in the table's bytes.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT value_enc FROM patient_identifiers WHERE kind = 'previous_mrn'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("SYN-77812"));
    let raw: Vec<u8> = sqlx::query_scalar("SELECT family_enc FROM patient_names").fetch_one(&app.pool).await.unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("Lindqvist"));
    let raw: Vec<u8> = sqlx::query_scalar("SELECT address_parts_enc FROM patients WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("Springfield"));

    // The previous system's MRN finds the record (in any spacing or case).
    let found = app.api(Method::GET, "/api/v1/patients?q=syn-77812", Some(&token), None).await;
    assert_eq!(found.json()["items"][0]["id"], id.as_str(), "{}", found.body);

    // Add, refuse a duplicate and bad input, remove: each audited.
    let add = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{id}/identifiers"),
            Some(&token),
            Some(json!({"kind": "driving_licence", "issuer": "MA", "value": "S99988801"})),
        )
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.body);
    let iid = add.json()["id"].as_str().unwrap().to_string();
    let dup = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{id}/identifiers"),
            Some(&token),
            Some(json!({"kind": "driving_licence", "value": "s999 888 01"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.body);
    assert!(dup.body.contains("already recorded"));
    let bad = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{id}/identifiers"),
            Some(&token),
            Some(json!({"kind": "shoe_size", "value": "42", "period_start": "2020-01-01", "period_end": "2019-01-01"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("kind of identifier") && bad.body.contains("ends before"), "{}", bad.body);
    assert_eq!(app.audit_count("patient.identifier.add").await, 3);
    let del = app.api(Method::DELETE, &format!("/api/v1/patients/{id}/identifiers/{iid}"), Some(&token), None).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(app.audit_count("patient.identifier.remove").await, 1);
    let again = app.api(Method::DELETE, &format!("/api/v1/patients/{id}/identifiers/{iid}"), Some(&token), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    let name = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{id}/names"),
            Some(&token),
            Some(json!({"use": "nickname", "given": "Mo"})),
        )
        .await;
    assert_eq!(name.status, StatusCode::CREATED, "{}", name.body);
    let empty = app
        .api(Method::POST, &format!("/api/v1/patients/{id}/names"), Some(&token), Some(json!({"use": "maiden"})))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // PATCH changes a part of the address and the marital status; identifiers are not patched.
    let patched = app
        .api(
            Method::PATCH,
            &format!("/api/v1/patients/{id}"),
            Some(&token),
            Some(json!({"city": "Boston", "marital_status": "W"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.json()["city"], "Boston");
    assert_eq!(patched.json()["address_line2"], "Flat 3");
    assert_eq!(patched.json()["marital_status"], "W");
    let wrong = app
        .api(Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token), Some(json!({"marital_status": "married"})))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let race =
        app.api(Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token), Some(json!({"race": "White"}))).await;
    assert_eq!(race.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", race.body);
    assert!(race.body.contains("not recorded at this installation"));

    let ids =
        app.api(Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token), Some(json!({"identifiers": []}))).await;
    assert_eq!(ids.status, StatusCode::UNPROCESSABLE_ENTITY, "identifiers change through their own resource");
    assert!(ids.body.contains("/identifiers"));

    // The export carries them.
    let export = app.api(Method::GET, &format!("/api/v1/patients/{id}/export"), Some(&token), None).await.json();
    assert_eq!(export["patient"]["identifiers"][0]["value"], "SYN-77812", "{export}");
    assert_eq!(export["patient"]["names"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn identifiers_and_names_on_the_patient_page() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let id = app
        .register_patient(&[
            ("given_name", "Edda"),
            ("family_name", "Brook"),
            ("sex", "female"),
            ("birth_sex", "female"),
            ("marital_status", "D"),
            ("name_prefix", "Dr."),
            ("name_suffix", "III"),
            ("address", "4 Mill Lane"),
            ("city", "York"),
            ("postcode", "YO1 7HH"),
        ])
        .await;
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Divorced") && page.body.contains("York") && page.body.contains("YO1 7HH"));
    assert!(page.body.contains("<h1>Dr. ") && page.body.contains(" III"), "the name's prefix and suffix");
    assert!(app.get("/patients/new").await.body.contains("name=\"name_prefix\""));
    assert!(page.body.contains("Other identifiers") && page.body.contains("Other names"));
    assert!(!page.body.contains(">Race<"), "race is not shown where not recorded");

    let r = app
        .post_form(
            &format!("/patients/{id}/identifiers"),
            &[
                ("kind", "previous_mrn"),
                ("issuer", "Old PAS"),
                ("value", "PAS-000917"),
                ("period_start", ""),
                ("period_end", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("PAS-000917") && page.body.contains("Previous MRN") && page.body.contains("Old PAS"));
    let list = app.get("/patients?q=PAS-000917").await;
    assert!(list.body.contains("Brook"), "the previous MRN finds the patient on the search page");

    // Bad input: nothing stored, the message comes back.
    let r = app.post_form(&format!("/patients/{id}/identifiers"), &[("kind", "previous_mrn"), ("value", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Enter the identifier"), "the refusal is shown");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM patient_identifiers").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);

    let r = app
        .post_form(&format!("/patients/{id}/names"), &[("use", "maiden"), ("family", "Oakes"), ("given", "Edda")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Maiden name") && page.body.contains("Oakes, Edda"));

    let iid: uuid::Uuid = sqlx::query_scalar("SELECT id FROM patient_identifiers").fetch_one(&app.pool).await.unwrap();
    let nid: uuid::Uuid = sqlx::query_scalar("SELECT id FROM patient_names").fetch_one(&app.pool).await.unwrap();
    assert_eq!(
        app.post_form(&format!("/patients/{id}/identifiers/{iid}/delete"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.post_form(&format!("/patients/{id}/names/{nid}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(!page.body.contains("PAS-000917") && !page.body.contains("Oakes"));
    for a in ["patient.identifier.add", "patient.identifier.remove", "patient.name.add", "patient.name.remove"] {
        assert_eq!(app.audit_count(a).await, 1, "{a}");
    }

    // The edit form keeps the structured address and re-renders a bad value with its message.
    let edit = app.get(&format!("/patients/{id}/edit")).await;
    assert!(edit.body.contains("Address line 2") && edit.body.contains("value=\"York\""));
    let r = app
        .post_form(
            &format!("/patients/{id}/edit"),
            &[
                ("given_name", "Edda"),
                ("family_name", "Brook"),
                ("sex", "female"),
                ("birth_sex", "other"),
                ("age_years", "40"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose female, male or unknown."));
}

#[tokio::test]
async fn race_and_ethnicity_only_where_configured() {
    let mut app = TestApp::with_config(&[("HEARTH_RECORD_RACE_ETHNICITY", "true")]).await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    let mut body = synthea_like();
    body["race"] = json!("White");
    body["ethnicity"] = json!("Not Hispanic or Latino");
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let p = app.api(Method::GET, &format!("/api/v1/patients/{id}"), Some(&token), None).await.json();
    assert_eq!(p["race"], "White");
    assert_eq!(p["ethnicity"], "Not Hispanic or Latino");
    // A patch of another field keeps them.
    let p =
        app.api(Method::PATCH, &format!("/api/v1/patients/{id}"), Some(&token), Some(json!({"city": "Salem"}))).await;
    assert_eq!(p.json()["race"], "White", "{}", p.body);

    // The same request where they are not recorded: refused, nothing registered.
    let mut off = TestApp::new().await;
    let email = off.user("doctor").await;
    let token = off.api_token(&email).await;
    let r = off.api(Method::POST, "/api/v1/patients", Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("race") && r.body.contains("ethnicity"));
    assert_eq!(off.patient_count().await, 0);
}

#[tokio::test]
async fn identifiers_and_names_follow_a_merge() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let token = app.api_token(&email).await;
    let survivor = app.register_patient(&[("given_name", "Ida"), ("family_name", "Vale"), ("sex", "female")]).await;
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(synthea_like())).await;
    let merged = r.json()["id"].as_str().unwrap().to_string();
    let m = app
        .api(Method::POST, &format!("/api/v1/patients/{survivor}/merge"), Some(&token), Some(json!({"merged": merged})))
        .await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let p = app.api(Method::GET, &format!("/api/v1/patients/{survivor}"), Some(&token), None).await.json();
    assert_eq!(p["identifiers"].as_array().unwrap().len(), 2, "{p}");
    assert_eq!(p["names"][0]["family"], "Lindqvist");
    let found = app.api(Method::GET, "/api/v1/patients?q=SYN-77812", Some(&token), None).await.json();
    assert_eq!(found["items"][0]["id"], survivor.as_str());
}
